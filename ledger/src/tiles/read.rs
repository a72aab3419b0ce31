//! Reading a published log from its tiles alone: the checkpoint checked against the pinned
//! log key, entries from the bundles, Merkle nodes from the hash tiles, each fetched once and
//! kept in a local cache (every path but `checkpoint` names bytes that never change). A
//! [`TileLog`] is a [`SignedLog`], so `verify` runs over it as over a live ledger, and a
//! [`NodeSource`], so proofs are read from its tiles.

use std::collections::HashMap;
use std::path::PathBuf;

use parking_lot::Mutex;

use crate::format::merkle::{self, NodeSource};
use crate::format::{Entry, Hash, SignedNote, VerifierKey};
use crate::storage::{EntrySource, SignedLog, StorageError};

use super::{
    bundle_path, decode_bundle, nodes_at, DirStore, Tile, TileError, TileStore, CHECKPOINT, HEIGHT,
    WIDTH,
};

pub struct TileLog {
    store: Box<dyn TileStore>,
    cache: Option<DirStore>,
    key: VerifierKey,
    note: SignedNote,
    /// A rotated log's first checkpoint of each key ([`super::LOG_KEYS`]), ascending.
    anchors: Vec<SignedNote>,
    /// Event hash → position, built on first use (corrections name what they correct by hash).
    by_hash: Mutex<Option<HashMap<Hash, u64>>>,
    /// Objects fetched from the store (not the cache), for the figures.
    pub fetched: std::sync::atomic::AtomicU64,
    /// Objects read lately, in memory (at most [`MEMORY_OBJECTS`]).
    memory: Mutex<HashMap<String, std::sync::Arc<Vec<u8>>>>,
}

/// Objects kept in memory at once (a tile is 8 KiB, a bundle some hundred KiB at most).
const MEMORY_OBJECTS: usize = 256;

/// The first checkpoints of each log key that a rotated log publishes ([`super::LOG_KEYS`]),
/// up to `size`, ascending.
fn read_anchors(store: &dyn TileStore, size: u64) -> Result<Vec<SignedNote>, TileError> {
    let Some(bytes) = store.get(super::LOG_KEYS)? else {
        return Ok(Vec::new());
    };
    let bad = |reason: String| TileError::Bad {
        path: format!("{}/{}", store.describe(), super::LOG_KEYS),
        reason,
    };
    #[derive(serde::Deserialize)]
    struct Anchors {
        checkpoints: Vec<String>,
    }
    let parsed: Anchors = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    let mut notes = Vec::new();
    for text in parsed.checkpoints {
        let note = SignedNote::parse(&text).map_err(|e| bad(e.to_string()))?;
        if note.checkpoint.size <= size {
            notes.push(note);
        }
    }
    notes.sort_by_key(|n| n.checkpoint.size);
    Ok(notes)
}

impl TileLog {
    /// Reads the published checkpoint and checks its signature with the pinned `key`.
    pub fn open(
        store: Box<dyn TileStore>,
        cache: Option<DirStore>,
        key: VerifierKey,
    ) -> Result<TileLog, TileError> {
        let bytes = store.get(CHECKPOINT)?.ok_or_else(|| TileError::Missing {
            path: format!("{}/{CHECKPOINT}", store.describe()),
        })?;
        let bad = |reason: String| TileError::Bad {
            path: format!("{}/{CHECKPOINT}", store.describe()),
            reason,
        };
        let text = String::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))?;
        let note = SignedNote::parse(&text).map_err(|e| bad(e.to_string()))?;
        // A rotated log publishes the first checkpoint each key signed; then the checkpoint may
        // be signed by a later key, and verifying follows the chain from the pinned key
        // (docs/FORMAT.md §4): until then nothing read is trusted.
        let anchors = read_anchors(&*store, note.checkpoint.size)?;
        if anchors.is_empty() {
            note.verify(&key).map_err(|e| {
                bad(format!(
                    "không có chữ ký hợp lệ của khóa sổ cái đã ghim / no valid signature by the \
                     pinned log key: {e}"
                ))
            })?;
        }
        Ok(TileLog {
            store,
            cache,
            key,
            note,
            anchors,
            by_hash: Mutex::new(None),
            fetched: std::sync::atomic::AtomicU64::new(0),
            memory: Mutex::new(HashMap::new()),
        })
    }

    /// The published checkpoint (checked against the pinned key, or, for a rotated log, to
    /// be checked against the chain of log keys when the log is verified).
    pub fn checkpoint(&self) -> &SignedNote {
        &self.note
    }

    /// An immutable object: from memory, else the cache, else the store (then kept in the
    /// cache).
    pub fn fetch(&self, path: &str) -> Result<std::sync::Arc<Vec<u8>>, TileError> {
        if let Some(bytes) = self.memory.lock().get(path) {
            return Ok(bytes.clone());
        }
        let bytes = std::sync::Arc::new(self.fetch_stored(path)?);
        let mut memory = self.memory.lock();
        if memory.len() >= MEMORY_OBJECTS {
            memory.clear();
        }
        memory.insert(path.to_string(), bytes.clone());
        Ok(bytes)
    }

    fn fetch_stored(&self, path: &str) -> Result<Vec<u8>, TileError> {
        if let Some(cache) = &self.cache {
            if let Some(bytes) = cache.get(path)? {
                return Ok(bytes);
            }
        }
        let bytes = self.store.get(path)?.ok_or_else(|| TileError::Missing {
            path: format!("{}/{path}", self.store.describe()),
        })?;
        self.fetched
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(cache) = &self.cache {
            cache.put(path, &bytes)?;
        }
        Ok(bytes)
    }

    fn bad(&self, path: &str, reason: String) -> TileError {
        TileError::Bad {
            path: format!("{}/{path}", self.store.describe()),
            reason,
        }
    }

    /// The hashes of a tile of the published tree.
    fn tile_hashes(&self, tile: Tile) -> Result<Vec<Hash>, TileError> {
        let path = tile.path();
        let bytes = self.fetch(&path)?;
        if bytes.len() as u64 != tile.width * 32 {
            return Err(self.bad(
                &path,
                format!("{} bytes, not {} hashes of 32", bytes.len(), tile.width),
            ));
        }
        Ok(bytes
            .chunks_exact(32)
            .map(|c| {
                let mut h = [0u8; 32];
                h.copy_from_slice(c);
                Hash(h)
            })
            .collect())
    }

    /// The entries of bundle `index` of the published log.
    fn bundle(&self, index: u64) -> Result<Vec<Vec<u8>>, TileError> {
        let size = self.note.checkpoint.size;
        let width = (size - index * WIDTH).min(WIDTH);
        let path = bundle_path(index, width);
        let bytes = self.fetch(&path)?;
        let entries = decode_bundle(&bytes, width).map_err(|r| self.bad(&path, r))?;
        Ok(entries.into_iter().map(<[u8]>::to_vec).collect())
    }

    /// Checks every hash tile against the entries: level 0 against the bundles' leaf hashes,
    /// each level above against the tiles below it, and the tree they make against the
    /// checkpoint's root. Returns how many tiles were checked.
    pub fn check_tiles(&self) -> Result<usize, TileError> {
        let size = self.note.checkpoint.size;
        let mut checked = 0;
        // The complete nodes of the level being checked, from the level below.
        let mut nodes: Vec<Hash> = Vec::new();
        for index in 0..size.div_ceil(WIDTH) {
            for e in self.bundle(index)? {
                nodes.push(merkle::leaf_hash(&e));
            }
        }
        let mut level = 0;
        while nodes_at(level, size) > 0 {
            let mut above = Vec::new();
            for (i, chunk) in nodes.chunks(WIDTH as usize).enumerate() {
                let tile = Tile {
                    level,
                    index: i as u64,
                    width: chunk.len() as u64,
                };
                if self.tile_hashes(tile)? != chunk {
                    return Err(self.bad(
                        &tile.path(),
                        "its hashes are not those of the entries published".into(),
                    ));
                }
                checked += 1;
                if chunk.len() as u64 == WIDTH {
                    above.push(complete_root(chunk));
                }
            }
            nodes = above;
            level += 1;
        }
        let root = merkle::root(self, size).map_err(|e| self.bad("tile", e.to_string()))?;
        if root != self.note.checkpoint.root {
            return Err(self.bad(
                CHECKPOINT,
                format!(
                    "the tiles make root {root}, the checkpoint says {}",
                    self.note.checkpoint.root
                ),
            ));
        }
        Ok(checked)
    }

    /// The inclusion proof of entry `index` in the published tree, read from its tiles.
    pub fn inclusion_proof(&self, index: u64) -> Result<Vec<Hash>, TileError> {
        let size = self.note.checkpoint.size;
        merkle::inclusion_proof(self, index, size)
            .map_err(|e| self.bad("tile", e.to_string()))?
            .map_err(|e| self.bad("tile", e.to_string()))
    }

    /// The consistency proof from a tree of `old` entries to the published one.
    pub fn consistency_proof(&self, old: u64) -> Result<Vec<Hash>, TileError> {
        let size = self.note.checkpoint.size;
        merkle::consistency_proof(self, old, size)
            .map_err(|e| self.bad("tile", e.to_string()))?
            .map_err(|e| self.bad("tile", e.to_string()))
    }

    /// The entry at `position`, from its bundle.
    pub fn entry_bytes(&self, position: u64) -> Result<Option<Vec<u8>>, TileError> {
        if position >= self.note.checkpoint.size {
            return Ok(None);
        }
        let mut bundle = self.bundle(position / WIDTH)?;
        Ok(Some(bundle.swap_remove((position % WIDTH) as usize)))
    }
}

/// Verifies a published log at all three levels, as a ledger is verified, and then its hash
/// tiles against its entries: tiles that are not the entries' fail integrity (proofs are
/// read from them), and the procedure findings are then not given.
pub fn verify(
    log: &TileLog,
    options: &crate::verify::integrity::VerifyOptions,
) -> Result<crate::verify::report::Report, StorageError> {
    use crate::verify::integrity::{Failure, FailureKind};
    let mut report = crate::verify::ledger(log, options)?;
    if report.integrity.ok {
        if let Err(e) = log.check_tiles() {
            report.integrity.ok = false;
            report.integrity.failure = Some(Failure {
                position: log.size(),
                kind: FailureKind::Tiles,
                detail: e.to_string(),
                // TileError's text is written in both languages already.
                detail_vi: e.to_string(),
            });
            report.findings = None;
        }
    }
    Ok(report)
}

/// The root of a complete tree over `hashes` (a power of two of them).
fn complete_root(hashes: &[Hash]) -> Hash {
    let mut level = hashes.to_vec();
    while level.len() > 1 {
        level = level
            .chunks_exact(2)
            .map(|p| merkle::node_hash(&p[0], &p[1]))
            .collect();
    }
    level[0]
}

impl NodeSource for TileLog {
    type Error = TileError;

    /// Node (`level`, `index`) from the tile of level `level / 8` that holds the 2^(level % 8)
    /// hashes below it.
    fn node(&self, level: u32, index: u64) -> Result<Hash, TileError> {
        let size = self.note.checkpoint.size;
        let (tile_level, within) = (level / HEIGHT, level % HEIGHT);
        let first = index << within;
        let count = 1u64 << within;
        if first + count > nodes_at(tile_level, size) {
            return Err(self.bad(
                "tile",
                format!("node ({level}, {index}) is not complete in a tree of {size}"),
            ));
        }
        let tile = Tile::holding(tile_level, first, size);
        let hashes = self.tile_hashes(tile)?;
        let start = (first % WIDTH) as usize;
        Ok(complete_root(&hashes[start..start + count as usize]))
    }
}

fn storage(e: TileError) -> StorageError {
    match e {
        TileError::Storage(s) => s,
        other => StorageError::Lost(other.to_string()),
    }
}

impl EntrySource for TileLog {
    fn size(&self) -> u64 {
        self.note.checkpoint.size
    }

    fn scan_chunks(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(u64, &[&[u8]]) -> bool,
    ) -> Result<(), StorageError> {
        let to = to.min(self.size());
        let mut position = from;
        while position < to {
            let index = position / WIDTH;
            let bundle = self.bundle(index).map_err(storage)?;
            let start = (position - index * WIDTH) as usize;
            let end = ((to - index * WIDTH) as usize).min(bundle.len());
            let frames: Vec<&[u8]> = bundle[start..end].iter().map(Vec::as_slice).collect();
            position += frames.len() as u64;
            if !f(position - frames.len() as u64, &frames) {
                break;
            }
        }
        Ok(())
    }

    fn entry_by_hash(&self, hash: &Hash) -> Result<Option<Entry>, StorageError> {
        let mut by_hash = self.by_hash.lock();
        if by_hash.is_none() {
            let mut map = HashMap::new();
            self.scan_chunks(0, self.size(), &mut |first, frames| {
                for (i, bytes) in frames.iter().enumerate() {
                    if let Ok(e) = Entry::decode_structure(bytes) {
                        map.insert(e.event.hash(), first + i as u64);
                    }
                }
                true
            })?;
            *by_hash = Some(map);
        }
        let Some(position) = by_hash.as_ref().and_then(|m| m.get(hash).copied()) else {
            return Ok(None);
        };
        drop(by_hash);
        match self.entry_bytes(position).map_err(storage)? {
            Some(bytes) => Ok(Entry::decode(&bytes).ok()),
            None => Ok(None),
        }
    }

    fn name(&self) -> PathBuf {
        PathBuf::from(self.store.describe())
    }
}

impl SignedLog for TileLog {
    fn origin(&self) -> &str {
        &self.note.checkpoint.origin
    }

    fn log_key(&self) -> &VerifierKey {
        &self.key
    }

    fn checkpoints(&self) -> Result<Vec<SignedNote>, StorageError> {
        let mut notes: Vec<SignedNote> = self
            .anchors
            .iter()
            .filter(|a| a.checkpoint.size < self.note.checkpoint.size)
            .cloned()
            .collect();
        notes.push(self.note.clone());
        Ok(notes)
    }

    fn cosigned(&self, sizes: &[u64]) -> Result<Vec<SignedNote>, StorageError> {
        Ok(sizes
            .iter()
            .filter(|&&s| s == self.note.checkpoint.size)
            .map(|_| self.note.clone())
            .collect())
    }
}

impl crate::act_proof::Provable for TileLog {
    fn origin(&self) -> &str {
        &self.note.checkpoint.origin
    }

    /// The published checkpoint (with whatever cosignatures it carries).
    fn proving_note(&self, position: u64) -> Result<Option<SignedNote>, StorageError> {
        Ok(Some(self.note.clone()).filter(|n| n.checkpoint.size > position))
    }

    fn entry_by_hash(&self, hash: &Hash) -> Result<Option<Entry>, StorageError> {
        EntrySource::entry_by_hash(self, hash)
    }

    fn entry_bytes(&self, position: u64) -> Result<Option<Vec<u8>>, StorageError> {
        TileLog::entry_bytes(self, position).map_err(storage)
    }

    /// Read from the hash tiles (which must make the checkpoint's root).
    fn inclusion(
        &self,
        position: u64,
        size: u64,
    ) -> Result<Vec<Hash>, crate::act_proof::ActProofError> {
        use crate::messages::Text;
        let invalid = |e: Text| crate::act_proof::ActProofError::Invalid(e);
        merkle::inclusion_proof(self, position, size)
            .map_err(|e| invalid(Text::of(&e)))?
            .map_err(|e| invalid(Text::of(&e)))
    }

    fn key_anchors(
        &self,
        size: u64,
    ) -> Result<Vec<crate::act_proof::KeyAnchor>, crate::act_proof::ActProofError> {
        use crate::messages::Text;
        let invalid = |e: Text| crate::act_proof::ActProofError::Invalid(e);
        let mut out = Vec::new();
        for note in self.anchors.iter().filter(|a| a.checkpoint.size <= size) {
            let consistency = merkle::consistency_proof(self, note.checkpoint.size, size)
                .map_err(|e| invalid(Text::of(&e)))?
                .map_err(|e| invalid(Text::of(&e)))?;
            out.push(crate::act_proof::KeyAnchor {
                checkpoint: note.encode(),
                consistency,
            });
        }
        Ok(out)
    }

    fn registry_positions(&self, size: u64) -> Result<Vec<u64>, StorageError> {
        let mut out = Vec::new();
        self.scan_chunks(0, size, &mut |first, frames| {
            for (i, bytes) in frames.iter().enumerate() {
                if Entry::decode_structure(bytes).is_ok_and(|e| e.event.body().stream == "ledger") {
                    out.push(first + i as u64);
                }
            }
            true
        })?;
        Ok(out)
    }
}
