//! The sled index: everything here is derived from the log and the checkpoint file, and can
//! be deleted at any time (invariant 1). One tree with key prefixes, so that a whole group
//! commit's index updates, and the marker saying how far the log is indexed, land atomically.
//!
//! | key | value |
//! | --- | --- |
//! | `p` position(BE) | segment first position, frame offset, payload length |
//! | `h` event hash | position |
//! | `s` stream 0x00 version(BE) | position |
//! | `S` stream | next version, head hash |
//! | `n` level(u8) index(BE) | Merkle node hash |
//! | `c` size(BE) | checkpoint offset and length in `checkpoints.log` |
//! | `m` name | markers: `applied` (log indexed up to), `checkpoints` (file indexed up to) |

use std::path::Path;

use crate::format::merkle::{NewNode, NodeSource};
use crate::format::Hash;

use super::StorageError;

const MARK_APPLIED: &[u8] = b"mapplied";
const MARK_CHECKPOINTS: &[u8] = b"mcheckpoints";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub segment: u64,
    pub offset: u64,
    pub len: u32,
}

/// How much of the log the index covers, and where the next frame starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    pub size: u64,
    pub segment: u64,
    pub offset: u64,
    pub last_received: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub next_version: u64,
    pub hash: Hash,
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    bytes.get(at..at + 8).map(|b| {
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        u64::from_le_bytes(a)
    })
}

fn pos_key(position: u64) -> [u8; 9] {
    let mut k = [b'p'; 9];
    k[1..].copy_from_slice(&position.to_be_bytes());
    k
}

fn stream_version_key(stream: &str, version: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(stream.len() + 10);
    k.push(b's');
    k.extend_from_slice(stream.as_bytes());
    k.push(0);
    k.extend_from_slice(&version.to_be_bytes());
    k
}

fn head_key(stream: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(stream.len() + 1);
    k.push(b'S');
    k.extend_from_slice(stream.as_bytes());
    k
}

fn node_key(level: u32, index: u64) -> [u8; 10] {
    let mut k = [0u8; 10];
    k[0] = b'n';
    k[1] = level as u8;
    k[2..].copy_from_slice(&index.to_be_bytes());
    k
}

fn hash_key(hash: &Hash) -> [u8; 33] {
    let mut k = [b'h'; 33];
    k[1..].copy_from_slice(&hash.0);
    k
}

fn checkpoint_key(size: u64) -> [u8; 9] {
    let mut k = [b'c'; 9];
    k[1..].copy_from_slice(&size.to_be_bytes());
    k
}

fn corrupt_index(what: &str) -> StorageError {
    StorageError::Index(format!(
        "{what} is malformed; delete the index directory to rebuild it from the log"
    ))
}

pub struct Index {
    db: sled::Db,
}

/// The index updates of one group commit (or one stretch of replay).
#[derive(Default)]
pub struct Batch {
    batch: sled::Batch,
}

impl Batch {
    pub fn entry(&mut self, position: u64, loc: Location, hash: &Hash, stream: &str, version: u64) {
        let mut v = Vec::with_capacity(20);
        v.extend_from_slice(&loc.segment.to_le_bytes());
        v.extend_from_slice(&loc.offset.to_le_bytes());
        v.extend_from_slice(&loc.len.to_le_bytes());
        self.batch.insert(&pos_key(position)[..], v);
        let p = position.to_le_bytes();
        self.batch.insert(&hash_key(hash)[..], &p[..]);
        self.batch
            .insert(stream_version_key(stream, version), &p[..]);
    }

    pub fn head(&mut self, stream: &str, head: Head) {
        let mut v = Vec::with_capacity(40);
        v.extend_from_slice(&head.next_version.to_le_bytes());
        v.extend_from_slice(&head.hash.0);
        self.batch.insert(head_key(stream), v);
    }

    pub fn node(&mut self, node: NewNode) {
        self.batch
            .insert(&node_key(node.level, node.index)[..], &node.hash.0[..]);
    }

    pub fn marker(&mut self, m: Marker) {
        let mut v = Vec::with_capacity(32);
        v.extend_from_slice(&m.size.to_le_bytes());
        v.extend_from_slice(&m.segment.to_le_bytes());
        v.extend_from_slice(&m.offset.to_le_bytes());
        v.extend_from_slice(&m.last_received.to_le_bytes());
        self.batch.insert(MARK_APPLIED, v);
    }

    pub fn checkpoint(&mut self, size: u64, offset: u64, len: u32) {
        let mut v = Vec::with_capacity(12);
        v.extend_from_slice(&offset.to_le_bytes());
        v.extend_from_slice(&len.to_le_bytes());
        self.batch.insert(&checkpoint_key(size)[..], v);
    }

    /// How far `checkpoints.log` is indexed.
    pub fn checkpoint_marker(&mut self, next_offset: u64) {
        self.batch
            .insert(MARK_CHECKPOINTS, &next_offset.to_le_bytes()[..]);
    }
}

impl Index {
    pub fn open(path: &Path, cache_bytes: u64) -> Result<Index, StorageError> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(cache_bytes)
            .mode(sled::Mode::HighThroughput)
            .open()?;
        Ok(Index { db })
    }

    pub fn apply(&self, batch: Batch) -> Result<(), StorageError> {
        self.db.apply_batch(batch.batch)?;
        Ok(())
    }

    pub fn flush(&self) -> Result<(), StorageError> {
        self.db.flush()?;
        Ok(())
    }

    pub fn marker(&self) -> Result<Option<Marker>, StorageError> {
        let Some(v) = self.db.get(MARK_APPLIED)? else {
            return Ok(None);
        };
        let (Some(size), Some(segment), Some(offset), Some(received)) =
            (u64_at(&v, 0), u64_at(&v, 8), u64_at(&v, 16), u64_at(&v, 24))
        else {
            return Err(corrupt_index("the applied marker"));
        };
        Ok(Some(Marker {
            size,
            segment,
            offset,
            last_received: received as i64,
        }))
    }

    pub fn checkpoints_marker(&self) -> Result<Option<u64>, StorageError> {
        Ok(self.db.get(MARK_CHECKPOINTS)?.and_then(|v| u64_at(&v, 0)))
    }

    pub fn location(&self, position: u64) -> Result<Option<Location>, StorageError> {
        let Some(v) = self.db.get(pos_key(position))? else {
            return Ok(None);
        };
        match (u64_at(&v, 0), u64_at(&v, 8), v.get(16..20)) {
            (Some(segment), Some(offset), Some(len)) => Ok(Some(Location {
                segment,
                offset,
                len: u32::from_le_bytes([len[0], len[1], len[2], len[3]]),
            })),
            _ => Err(corrupt_index("an entry location")),
        }
    }

    pub fn position_of_hash(&self, hash: &Hash) -> Result<Option<u64>, StorageError> {
        Ok(self.db.get(hash_key(hash))?.and_then(|v| u64_at(&v, 0)))
    }

    pub fn position_of(&self, stream: &str, version: u64) -> Result<Option<u64>, StorageError> {
        Ok(self
            .db
            .get(stream_version_key(stream, version))?
            .and_then(|v| u64_at(&v, 0)))
    }

    /// Positions of a stream's events from `from_version`, at most `limit` of them.
    pub fn stream_positions(
        &self,
        stream: &str,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<u64>, StorageError> {
        let start = stream_version_key(stream, from_version);
        let end = stream_version_key(stream, u64::MAX);
        let mut out = Vec::new();
        for item in self.db.range(start..=end).take(limit) {
            let (_, v) = item?;
            out.push(u64_at(&v, 0).ok_or_else(|| corrupt_index("a stream position"))?);
        }
        Ok(out)
    }

    pub fn head(&self, stream: &str) -> Result<Option<Head>, StorageError> {
        let Some(v) = self.db.get(head_key(stream))? else {
            return Ok(None);
        };
        match (u64_at(&v, 0), v.get(8..40).and_then(Hash::from_slice)) {
            (Some(next_version), Some(hash)) => Ok(Some(Head { next_version, hash })),
            _ => Err(corrupt_index("a stream head")),
        }
    }

    /// Every stream name, in byte order (for reports and tests).
    pub fn streams(&self) -> Result<Vec<String>, StorageError> {
        let mut out = Vec::new();
        for item in self.db.scan_prefix(b"S") {
            let (k, _) = item?;
            out.push(String::from_utf8_lossy(&k[1..]).into_owned());
        }
        Ok(out)
    }

    pub fn checkpoint_location(&self, size: u64) -> Result<Option<(u64, u32)>, StorageError> {
        let Some(v) = self.db.get(checkpoint_key(size))? else {
            return Ok(None);
        };
        match (u64_at(&v, 0), v.get(8..12)) {
            (Some(offset), Some(len)) => Ok(Some((
                offset,
                u32::from_le_bytes([len[0], len[1], len[2], len[3]]),
            ))),
            _ => Err(corrupt_index("a checkpoint location")),
        }
    }

    /// Where the checkpoint of the largest size is stored.
    pub fn latest_checkpoint_location(&self) -> Result<Option<(u64, u32)>, StorageError> {
        let Some(item) = self.db.scan_prefix(b"c").next_back() else {
            return Ok(None);
        };
        let (k, _) = item?;
        let mut a = [0u8; 8];
        a.copy_from_slice(
            k.get(1..9)
                .ok_or_else(|| corrupt_index("a checkpoint key"))?,
        );
        self.checkpoint_location(u64::from_be_bytes(a))
    }

    /// Sizes at which checkpoints were signed, ascending.
    pub fn checkpoint_sizes(&self) -> Result<Vec<u64>, StorageError> {
        let mut out = Vec::new();
        for item in self.db.scan_prefix(b"c") {
            let (k, _) = item?;
            let mut a = [0u8; 8];
            a.copy_from_slice(
                k.get(1..9)
                    .ok_or_else(|| corrupt_index("a checkpoint key"))?,
            );
            out.push(u64::from_be_bytes(a));
        }
        Ok(out)
    }

    /// Every key and value, in order: used to show that a rebuilt index is identical.
    pub fn dump(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StorageError> {
        let mut out = Vec::new();
        for item in self.db.iter() {
            let (k, v) = item?;
            out.push((k.to_vec(), v.to_vec()));
        }
        Ok(out)
    }
}

impl NodeSource for Index {
    type Error = StorageError;

    fn node(&self, level: u32, index: u64) -> Result<Hash, StorageError> {
        self.db
            .get(node_key(level, index))?
            .and_then(|v| Hash::from_slice(&v))
            .ok_or_else(|| {
                StorageError::Index(format!(
                    "Merkle node (level {level}, index {index}) is missing; delete the index \
                     directory to rebuild it from the log"
                ))
            })
    }
}
