//! The sled index: everything here is derived from the log and the checkpoint file, and can
//! be deleted at any time (invariant 1). One tree with key prefixes, so that a whole group
//! commit's index updates, and the marker saying how far the log is indexed, land atomically.
//!
//! | key | value |
//! | --- | --- |
//! | `h` event hash | position |
//! | `s` stream 0x00 version(BE) | position, event hash (the last key of a stream is its head) |
//! | `S` stream | nothing: one key per stream, written at its version 0 |
//! | `b` bucket(BE) | the bucket record of positions `64·bucket .. 64·bucket+63` (below) |
//! | `c` size(BE) | checkpoint offset and length in `checkpoints.log` |
//! | `m` name | markers: `applied` (log indexed up to), `checkpoints` (file indexed up to) |
//! | `P` name | projection checkpoints (their own position inside) |
//!
//! A bucket record packs what is positional: each entry's frame offset and length, then every
//! Merkle node completed by one of the bucket's leaves (level, index, hash), in the order the
//! tree produced them. Per-entry keys in sled cost more than the rest of an append; packing
//! keeps an append to two keys, while a location or a node is still one read. The record's
//! bytes depend only on the log, so a rebuilt index is identical to the original.

use std::path::Path;

use crate::format::merkle::{NewNode, NodeSource};
use crate::format::Hash;

use super::StorageError;

const MARK_APPLIED: &[u8] = b"mapplied";
const MARK_CHECKPOINTS: &[u8] = b"mcheckpoints";
const PROJECTIONS: &[u8] = b"Pprojections";
/// Positions per bucket record.
pub const BUCKET: u64 = 64;
const ENTRY_LEN: usize = 12;
const NODE_LEN: usize = 41;

/// Where an entry's frame starts in its segment file, and its payload length. (Which
/// segment holds a position follows from the segment files' names.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
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

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn stream_prefix(stream: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(stream.len() + 10);
    k.push(b's');
    k.extend_from_slice(stream.as_bytes());
    k.push(0);
    k
}

fn stream_version_key(stream: &str, version: u64) -> Vec<u8> {
    let mut k = stream_prefix(stream);
    k.extend_from_slice(&version.to_be_bytes());
    k
}

fn stream_key(stream: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(stream.len() + 1);
    k.push(b'S');
    k.extend_from_slice(stream.as_bytes());
    k
}

fn hash_key(hash: &Hash) -> [u8; 33] {
    let mut k = [b'h'; 33];
    k[1..].copy_from_slice(&hash.0);
    k
}

fn bucket_key(bucket: u64) -> [u8; 9] {
    let mut k = [b'b'; 9];
    k[1..].copy_from_slice(&bucket.to_be_bytes());
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

/// A bucket record being filled: `count` entries, then nodes.
///
/// Layout: `count: u32`, `count × (offset: u64, len: u32)`, then the nodes, each
/// `level: u8, index: u64, hash: [32]`, to the end of the value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BucketRecord {
    pub bucket: u64,
    entries: Vec<(u64, u32)>,
    nodes: Vec<u8>,
}

impl BucketRecord {
    fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(4 + self.entries.len() * ENTRY_LEN + self.nodes.len());
        v.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        for (offset, len) in &self.entries {
            v.extend_from_slice(&offset.to_le_bytes());
            v.extend_from_slice(&len.to_le_bytes());
        }
        v.extend_from_slice(&self.nodes);
        v
    }

    fn decode(bucket: u64, v: &[u8]) -> Result<BucketRecord, StorageError> {
        let count = u32_at(v, 0).ok_or_else(|| corrupt_index("a bucket record"))? as usize;
        let nodes_at = 4 + count * ENTRY_LEN;
        if count as u64 > BUCKET || v.len() < nodes_at || (v.len() - nodes_at) % NODE_LEN != 0 {
            return Err(corrupt_index("a bucket record"));
        }
        let entries = (0..count)
            .map(|i| {
                let at = 4 + i * ENTRY_LEN;
                (u64_at(v, at).unwrap_or(0), u32_at(v, at + 8).unwrap_or(0))
            })
            .collect();
        Ok(BucketRecord {
            bucket,
            entries,
            nodes: v[nodes_at..].to_vec(),
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn find_node(&self, level: u32, index: u64) -> Option<Hash> {
        self.nodes.chunks_exact(NODE_LEN).find_map(|n| {
            (u32::from(n[0]) == level && u64_at(n, 1) == Some(index))
                .then(|| Hash::from_slice(&n[9..41]))
                .flatten()
        })
    }
}

pub struct Index {
    db: sled::Db,
}

/// One raw key and value of the index.
pub type KeyValue = (Vec<u8>, Vec<u8>);

/// The index updates of one group commit (or one stretch of replay). It carries the bucket
/// record of the log's end across groups: the next batch continues where this one stopped.
pub struct Batch {
    batch: sled::Batch,
    bucket: BucketRecord,
    bucket_dirty: bool,
}

impl Batch {
    /// A batch that records no entries (checkpoints only).
    pub fn empty() -> Batch {
        Batch::new(BucketRecord::default())
    }

    /// A batch continuing the log whose partial last bucket is `bucket`.
    pub fn new(bucket: BucketRecord) -> Batch {
        Batch {
            batch: sled::Batch::default(),
            bucket,
            bucket_dirty: false,
        }
    }

    /// Records entry `position` (which must be the next one after the last recorded).
    pub fn entry(&mut self, position: u64, loc: Location, hash: &Hash, stream: &str, version: u64) {
        let bucket = position / BUCKET;
        if bucket != self.bucket.bucket {
            self.flush_bucket();
            self.bucket = BucketRecord {
                bucket,
                ..BucketRecord::default()
            };
        }
        debug_assert_eq!(position % BUCKET, self.bucket.entries.len() as u64);
        self.bucket.entries.push((loc.offset, loc.len));
        self.bucket_dirty = true;
        let p = position.to_le_bytes();
        self.batch.insert(&hash_key(hash)[..], &p[..]);
        let mut v = [0u8; 40];
        v[..8].copy_from_slice(&p);
        v[8..].copy_from_slice(&hash.0);
        self.batch
            .insert(stream_version_key(stream, version), &v[..]);
        if version == 0 {
            self.batch.insert(stream_key(stream), &[][..]);
        }
    }

    /// Records a node completed by the entry recorded last.
    pub fn node(&mut self, node: NewNode) {
        self.bucket.nodes.push(node.level as u8);
        self.bucket
            .nodes
            .extend_from_slice(&node.index.to_le_bytes());
        self.bucket.nodes.extend_from_slice(&node.hash.0);
        self.bucket_dirty = true;
    }

    fn flush_bucket(&mut self) {
        if self.bucket_dirty {
            self.batch
                .insert(&bucket_key(self.bucket.bucket)[..], self.bucket.encode());
            self.bucket_dirty = false;
        }
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

    /// The bucket record at the log's end, to start the next batch from.
    pub fn tail(&self) -> BucketRecord {
        self.bucket.clone()
    }
}

impl Index {
    pub fn open(path: &Path, cache_bytes: u64) -> Result<Index, StorageError> {
        // sled releases its directory lock when its flusher thread ends, a moment after the
        // last handle is dropped: a close followed at once by an open waits for it, briefly.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let opened = sled::Config::new()
                .path(path)
                .cache_capacity(cache_bytes)
                .mode(sled::Mode::HighThroughput)
                .open();
            // sled reports the lock held elsewhere either as WouldBlock or in its message.
            let locked = |e: &sled::Error| match e {
                sled::Error::Io(io) => {
                    io.kind() == std::io::ErrorKind::WouldBlock
                        || io.to_string().contains("could not acquire lock")
                }
                _ => false,
            };
            match opened {
                Ok(db) => return Ok(Index { db }),
                Err(e) if locked(&e) && std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) if locked(&e) => {
                    return Err(StorageError::Index(format!(
                        "{} is in use by another process (a server or a monitor on this ledger?): stop it, or read the ledger through that server's API",
                        path.display()
                    )))
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    pub fn apply(&self, mut batch: Batch) -> Result<(), StorageError> {
        batch.flush_bucket();
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

    /// The record of bucket `bucket` (empty if nothing is indexed there yet).
    pub fn bucket(&self, bucket: u64) -> Result<BucketRecord, StorageError> {
        match self.db.get(bucket_key(bucket))? {
            Some(v) => BucketRecord::decode(bucket, &v),
            None => Ok(BucketRecord {
                bucket,
                ..BucketRecord::default()
            }),
        }
    }

    /// The frame offset and length of entry `position`, if indexed. The segment is the
    /// caller's to find (the last segment starting at or before the position).
    pub fn frame_of(&self, position: u64) -> Result<Option<(u64, u32)>, StorageError> {
        let Some(v) = self.db.get(bucket_key(position / BUCKET))? else {
            return Ok(None);
        };
        let i = (position % BUCKET) as usize;
        let count = u32_at(&v, 0).ok_or_else(|| corrupt_index("a bucket record"))? as usize;
        if i >= count {
            return Ok(None);
        }
        let at = 4 + i * ENTRY_LEN;
        match (u64_at(&v, at), u32_at(&v, at + 8)) {
            (Some(offset), Some(len)) => Ok(Some((offset, len))),
            _ => Err(corrupt_index("a bucket record")),
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
        let prefix = stream_prefix(stream);
        let Some(item) = self.db.scan_prefix(&prefix).next_back() else {
            return Ok(None);
        };
        let (k, v) = item?;
        let version = k
            .get(prefix.len()..)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_be_bytes);
        match (version, v.get(8..40).and_then(Hash::from_slice)) {
            (Some(version), Some(hash)) => Ok(Some(Head {
                next_version: version + 1,
                hash,
            })),
            _ => Err(corrupt_index("a stream key")),
        }
    }

    /// Every stream name, in byte order.
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
        match (u64_at(&v, 0), u32_at(&v, 8)) {
            (Some(offset), Some(len)) => Ok(Some((offset, len))),
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

    pub fn projection_checkpoint(&self) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.db.get(PROJECTIONS)?.map(|v| v.to_vec()))
    }

    pub fn save_projection_checkpoint(&self, bytes: &[u8]) -> Result<(), StorageError> {
        self.db.insert(PROJECTIONS, bytes)?;
        Ok(())
    }

    /// Every key and value, in order: used to show that a rebuilt index is identical.
    pub fn dump(&self) -> Result<Vec<KeyValue>, StorageError> {
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

    /// A node is stored in the bucket of the leaf that completed it: its subtree's last leaf.
    fn node(&self, level: u32, index: u64) -> Result<Hash, StorageError> {
        let last_leaf = ((index + 1) << level) - 1;
        self.bucket(last_leaf / BUCKET)?
            .find_node(level, index)
            .ok_or_else(|| {
                StorageError::Index(format!(
                    "Merkle node (level {level}, index {index}) is missing; delete the index \
                     directory to rebuild it from the log"
                ))
            })
    }
}
