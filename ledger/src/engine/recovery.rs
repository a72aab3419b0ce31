//! Creating a ledger directory, and opening one: crash recovery of the log's tail, replay of
//! whatever the index lacks, and the consistency checks that refuse to serve a damaged log.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use parking_lot::{Condvar, Mutex, RwLock};

use super::{Committed, OpenError, Options, Shared};
use crate::authority::Registry;
use crate::format::encoding::MAX_ENTRY_BYTES;
use crate::format::merkle::{self, Frontier};
use crate::format::{Entry, SignedEvent, SignedNote};
use crate::keys;
use crate::storage::checkpoints::CheckpointFile;
use crate::storage::cosignatures::CosignatureFile;
use crate::storage::frame::{self, Stop};
use crate::storage::index::{Batch, Index, IndexedEntry, Location, Marker};
use crate::storage::segment::{self, SegmentWriter};
use crate::storage::{Storage, StorageError};

pub use crate::storage::mirror::MIRROR_MARKER;

/// Entries replayed into the index per sled batch.
const REPLAY_BATCH: usize = 4096;

/// What the writer thread starts from.
/// The file of the log's optional ML-DSA-44 cosigning key, in the ledger directory.
pub const LOG_PQ_KEY: &str = "log-ml-dsa-44.key";

/// The directory of the later log keys' secrets, in the ledger directory: one
/// `<public key, hex>.key` per key (§4, `log_key.rotated`).
pub const LOG_KEYS_DIR: &str = "log-keys";

/// The file of a later log key's secret.
pub fn log_key_file(dir: &Path, public: &[u8; 32]) -> std::path::PathBuf {
    dir.join(LOG_KEYS_DIR)
        .join(format!("{}.key", hex::encode(public)))
}

/// The log keys' secrets the directory holds: `log.key` and every `log-keys/*.key`.
fn held_log_keys(dir: &Path) -> Result<Vec<SigningKey>, OpenError> {
    let mut held = Vec::new();
    let key_path = dir.join("log.key");
    if key_path.is_file() {
        held.push(keys::read(&key_path)?);
    }
    let more = dir.join(LOG_KEYS_DIR);
    if more.is_dir() {
        let mut names: Vec<std::path::PathBuf> = fs::read_dir(&more)
            .map_err(|e| StorageError::io(&more, e))?
            .filter_map(|item| item.ok().map(|i| i.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "key"))
            .collect();
        names.sort();
        for path in names {
            let key = keys::read(&path)?;
            let named = log_key_file(dir, &key.verifying_key().to_bytes());
            if named != path {
                // Both languages in the one reason the key error carries.
                return Err(keys::KeyError::Malformed {
                    path,
                    reason: format!(
                        "tệp giữ khóa bí mật của một khóa khác tên tệp, hãy đặt tên nó là {} / it holds the secret of another key than its name says: name it {}",
                        named.display(),
                        named.display()
                    ),
                }
                .into());
            }
            held.push(key);
        }
    }
    Ok(held)
}

pub(super) struct WriterState {
    /// False for a read-only mirror (no log key: it serves what it holds, appends nothing).
    pub writable: bool,
    /// The log's ML-DSA-44 key, which cosigns each checkpoint, when the directory holds one.
    pub pq_key: Option<crate::pq::MlDsa44Key>,
    pub segments: SegmentWriter,
    pub size: u64,
    pub frontier: Frontier,
    pub last_received: i64,
    pub registry: Registry,
    pub last_checkpoint_size: Option<u64>,
}

pub(super) struct Recovered {
    pub shared: Arc<Shared>,
    pub writer: WriterState,
}

pub(super) fn create(
    dir: &Path,
    genesis: &SignedEvent,
    log_key: &SigningKey,
    options: &Options,
) -> Result<(), OpenError> {
    if dir.exists() {
        let mut items = fs::read_dir(dir).map_err(|e| StorageError::io(dir, e))?;
        if items.next().is_some() {
            return Err(OpenError::NotEmpty {
                path: dir.to_path_buf(),
            });
        }
    }
    genesis
        .verify_signature()
        .map_err(|e| OpenError::Genesis(format!("signature: {e}")))?;
    let origin = genesis.body().ledger.clone();
    let registry =
        Registry::genesis(&origin, genesis).map_err(|e| OpenError::Genesis(e.to_string()))?;
    if registry.log_key().public != log_key.verifying_key().to_bytes() {
        return Err(OpenError::Genesis(
            "the log key given is not the `log_key` that `ledger.created` names".into(),
        ));
    }
    fs::create_dir_all(dir).map_err(|e| StorageError::io(dir, e))?;
    keys::write(&dir.join("log.key"), log_key)?;
    let storage = options.storage(dir);
    let mut writer = SegmentWriter::resume(storage.segments, options.segment_bytes)?;
    writer.roll_if_full(0)?;
    let entry = Entry {
        position: 0,
        received: (options.clock)(),
        event: genesis.clone(),
    };
    let mut buf = Vec::new();
    frame::encode(&entry.encode(), &mut buf);
    writer.write(&buf)?;
    writer.sync()?;
    segment::sync_dir(dir)?;
    Ok(())
}

pub(super) fn open(dir: &Path, options: &Options) -> Result<Recovered, OpenError> {
    let storage = options.storage(dir);
    if !dir.is_dir() {
        return Err(OpenError::NotALedger {
            path: dir.to_path_buf(),
            missing: "log/ directory",
        });
    }
    let key_path = dir.join("log.key");
    let held = held_log_keys(dir)?;
    let writable = !held.is_empty();
    if !writable && !dir.join(MIRROR_MARKER).is_file() {
        return Err(OpenError::NotALedger {
            path: dir.to_path_buf(),
            missing: "log.key",
        });
    }
    let log_key = key_path.is_file().then(|| held.first().cloned()).flatten();
    let pq_path = dir.join(LOG_PQ_KEY);
    let pq_key = if writable && pq_path.is_file() {
        Some(keys::read_ml_dsa_44(&pq_path)?)
    } else {
        None
    };
    let index = Index::open(
        &dir.join("index"),
        options.index_cache_bytes,
        options.index_run_span,
    )?;
    let segments = storage.segments.list()?;
    if segments.is_empty() {
        return Err(OpenError::NotALedger {
            path: dir.to_path_buf(),
            missing: "log segment",
        });
    }

    let (checkpoints, latest) = load_checkpoints(&storage, &index)?;
    let marker = index.marker()?;
    let acknowledged = index
        .applied()?
        .max(latest.as_ref().map(|n| n.checkpoint.size))
        .unwrap_or(0);
    let reader = segment::Reader::new(storage.segments.clone(), segments.clone());
    let progress = options.replay_progress.as_deref();
    let (end, frontier) = replay(&index, &storage, &segments, marker, acknowledged, progress)?;
    if end.size == 0 {
        return Err(OpenError::NotALedger {
            path: dir.to_path_buf(),
            missing: "genesis entry",
        });
    }
    if let Some(note) = &latest {
        let cp = &note.checkpoint;
        if cp.size > end.size {
            return Err(StorageError::Lost(format!(
                "a checkpoint was signed at size {}, but the log holds {} entries",
                cp.size, end.size
            ))
            .into());
        }
        if merkle::root(&index, cp.size)? != cp.root {
            return Err(StorageError::Corrupt {
                file: checkpoints.name(),
                offset: 0,
                position: Some(cp.size),
                reason: "the log does not match the checkpoint signed at this size".into(),
            }
            .into());
        }
    }

    // Read entry 0 directly: the shared state that normally serves reads is not built yet.
    let genesis_bytes = match index.frame_of(0)? {
        Some((offset, len)) => reader.read_frame(0, offset, len)?,
        None => return Err(StorageError::Index("entry 0 is not indexed".into()).into()),
    };
    let genesis = Entry::decode(&genesis_bytes).map_err(|e| StorageError::Corrupt {
        file: storage.segments.name(0),
        offset: segment::HEADER_LEN,
        position: Some(0),
        reason: e.to_string(),
    })?;
    let origin = genesis.event.body().ledger.clone();
    let registry_seed = Registry::genesis(&origin, &genesis.event)
        .map_err(|e| OpenError::Genesis(e.to_string()))?;
    let log_vkey = registry_seed.log_key().clone();
    if log_key
        .as_ref()
        .is_some_and(|k| log_vkey.public != k.verifying_key().to_bytes())
    {
        return Err(OpenError::Genesis(
            "log.key is not the log key that `ledger.created` names".into(),
        ));
    }

    let writer = SegmentWriter::resume(storage.segments.clone(), options.segment_bytes)?;
    let root = frontier.root();
    let cosignatures = CosignatureFile::open(&*storage.histories)?;
    let timestamps = crate::storage::timestamps::TimestampFile::open(&*storage.histories)?;
    let shared = Arc::new(Shared {
        dir: dir.to_path_buf(),
        storage,
        origin,
        log_pq_key: match &pq_key {
            // subtree/v1 frames the origin in at most 255 bytes.
            Some(_) if log_vkey.name.len() > 255 => {
                return Err(OpenError::Genesis(format!(
                "the origin is {} bytes; an ML-DSA-44 cosignature ({LOG_PQ_KEY}) needs at most 255",
                log_vkey.name.len()
            )))
            }
            Some(k) => Some(
                crate::format::WitnessKey::ml_dsa_44(&log_vkey.name, k.public())
                    .map_err(|e| OpenError::Genesis(e.to_string()))?,
            ),
            None => None,
        },
        log_keys: RwLock::new(registry_seed.log_keys().clone()),
        signing: Mutex::new(
            held.into_iter()
                .map(|k| (k.verifying_key().to_bytes(), k))
                .collect(),
        ),
        log_vkey,
        index,
        reader,
        committed: RwLock::new(Committed {
            size: end.size,
            root,
            checkpoint: latest.clone(),
        }),
        checkpoints: Mutex::new(checkpoints),
        cosignatures: Mutex::new(cosignatures),
        timestamps: Mutex::new(timestamps),
        acked: std::sync::atomic::AtomicU64::new(end.size),
        indexed: Mutex::new(0),
        indexed_changed: Condvar::new(),
        poisoned: RwLock::new(None),
        keys: crate::crypto::KeyCache::default(),
    });
    let registry = load_registry(&shared)?;
    *shared.log_keys.write() = registry.log_keys().clone();
    Ok(Recovered {
        writer: WriterState {
            writable,
            pq_key,
            segments: writer,
            size: end.size,
            frontier,
            last_received: end.last_received,
            registry,
            last_checkpoint_size: latest.map(|n| n.checkpoint.size),
        },
        shared,
    })
}

/// Opens `checkpoints.log`, indexes any notes the index lacks, and returns the latest note.
fn load_checkpoints(
    storage: &Storage,
    index: &Index,
) -> Result<(CheckpointFile, Option<SignedNote>), StorageError> {
    let (file, fresh) = CheckpointFile::open(
        &*storage.histories,
        index.checkpoints_marker()?.unwrap_or(0),
    )?;
    let mut latest = None;
    if !fresh.is_empty() {
        let mut batch = Batch::new();
        let mut next = 0;
        for stored in &fresh {
            next = stored.offset + frame::framed_len(stored.len as usize);
            batch.checkpoint(stored.note.checkpoint.size, stored.offset, stored.len);
        }
        batch.checkpoint_marker(next.max(file.next_offset()));
        index.apply(batch)?;
        latest = fresh.into_iter().last().map(|s| s.note);
    }
    if latest.is_none() {
        if let Some((offset, len)) = index.latest_checkpoint_location()? {
            latest = Some(file.read(offset, len)?);
        }
    }
    Ok((file, latest))
}

/// The authority registry rebuilt from stream `ledger`.
pub(super) fn load_registry(shared: &Shared) -> Result<Registry, StorageError> {
    let positions = shared.index.stream_positions("ledger", 0, usize::MAX)?;
    let mut registry: Option<Registry> = None;
    for p in positions {
        let Some(entry) = shared.entry(p)? else { break };
        let bad = |reason: String| StorageError::Corrupt {
            file: shared.reader.name(p),
            offset: 0,
            position: Some(p),
            reason,
        };
        match registry.as_mut() {
            None => {
                registry = Some(
                    Registry::genesis(&shared.origin, &entry.event)
                        .map_err(|e| bad(e.to_string()))?,
                )
            }
            Some(r) => r
                .apply(entry.event.body(), p)
                .map_err(|e| bad(e.to_string()))?,
        }
    }
    registry.ok_or_else(|| StorageError::Index("stream `ledger` is empty".into()))
}

/// Reads the whole log once: checks every frame's checksum, indexes every entry the index
/// lacks (those from its marker on), and cuts off a torn frame at the very end if nothing
/// acknowledged is in it. Returns where the log ends and its frontier.
fn replay(
    index: &Index,
    storage: &Storage,
    segments: &[u64],
    marker: Option<Marker>,
    acknowledged: u64,
    progress: Option<&(dyn Fn(u64) + Send + Sync)>,
) -> Result<(Marker, Frontier), StorageError> {
    let indexed = marker.map_or(0, |m| m.size);
    if let Some(m) = marker {
        if !segments.contains(&m.segment) {
            return Err(StorageError::Lost(format!(
                "the index covers {} entries up to segment {}, which is missing from the log",
                m.size,
                storage.segments.name(m.segment).display()
            )));
        }
    }
    let mut frontier = Frontier::load(index, indexed)?;
    let mut at = Marker {
        size: 0,
        segment: segments[0],
        offset: segment::HEADER_LEN,
        last_received: marker.map_or(i64::MIN, |m| m.last_received),
    };
    if segments[0] != 0 {
        return Err(StorageError::Lost(format!(
            "the first segment starts at entry {}, not 0",
            segments[0]
        )));
    }
    let mut batch = Batch::new();
    let mut pending = 0usize;
    let mut marker_checked = false;
    let last_segment = *segments.last().unwrap_or(&0);
    let must_hold = acknowledged.max(indexed);

    for &first in segments {
        let path = storage.segments.name(first);
        let file = storage.segments.open(first)?;
        let data = file.read_all()?;
        if first != at.size {
            return Err(StorageError::Corrupt {
                file: path,
                offset: 0,
                position: Some(at.size),
                reason: format!(
                    "segment starts at entry {first}, but the previous one ends at {}",
                    at.size
                ),
            });
        }
        at.segment = first;
        at.offset = segment::HEADER_LEN;
        // Checked where the indexed part ends: the end of entry `m.size - 1`'s frame (entry
        // `m.size` may start a new segment), so at a segment's start and after each frame.
        let mut check_marker = |at: &Marker| -> Result<(), StorageError> {
            let Some(m) = marker.filter(|_| !marker_checked) else {
                return Ok(());
            };
            if at.size != m.size {
                return Ok(());
            }
            marker_checked = true;
            if at.segment != m.segment || at.offset != m.offset {
                return Err(StorageError::Corrupt {
                    file: storage.segments.name(at.segment),
                    offset: at.offset,
                    position: Some(at.size),
                    reason: format!(
                        "the index says entry {} starts at byte {} of segment {}; delete the \
                         index directory to rebuild it from the log",
                        m.size, m.offset, m.segment
                    ),
                });
            }
            Ok(())
        };
        check_marker(&at)?;
        let (offset, stop) = frame::walk(
            &data,
            at.offset as usize,
            MAX_ENTRY_BYTES,
            |frame_at, bytes| -> Result<bool, StorageError> {
                let end = (frame_at + frame::HEADER_LEN + bytes.len()) as u64;
                if at.size >= indexed {
                    // Beyond the index: decoded, checked and indexed. (Below it, the checksum
                    // is all there is to check on open.)
                    let corrupt = |reason: String| StorageError::Corrupt {
                        file: path.clone(),
                        offset: at.offset,
                        position: Some(at.size),
                        reason,
                    };
                    let entry = Entry::decode(bytes)
                        .map_err(|e| corrupt(format!("entry does not decode: {e}")))?;
                    if entry.position != at.size {
                        return Err(corrupt(format!(
                            "entry says it is at position {}",
                            entry.position
                        )));
                    }
                    let body = entry.event.body();
                    let hash = entry.event.hash();
                    batch.entry(IndexedEntry {
                        position: at.size,
                        segment: first,
                        loc: Location {
                            offset: at.offset,
                            len: bytes.len() as u32,
                        },
                        hash: &hash,
                        stream: &body.stream,
                        version: body.version,
                        received: entry.received,
                    });
                    frontier.push(merkle::leaf_hash(bytes), |n| batch.node(n));
                    at.last_received = at.last_received.max(entry.received);
                    pending += 1;
                }
                at.size += 1;
                at.offset = end;
                if pending == REPLAY_BATCH {
                    if let Some(p) = progress {
                        p(at.size);
                    }
                    batch.marker(at);
                    index.apply(std::mem::take(&mut batch))?;
                    pending = 0;
                }
                check_marker(&at)?;
                Ok(true)
            },
        )?;
        debug_assert_eq!(offset as u64, at.offset);
        match stop {
            Stop::End | Stop::Halted => {}
            Stop::Torn if first == last_segment && at.size >= must_hold => {
                tracing::warn!(
                    file = %path.display(),
                    offset = at.offset,
                    position = at.size,
                    "cutting off a torn frame at the end of the log (never acknowledged)"
                );
                file.truncate(at.offset)?;
            }
            Stop::Torn => {
                return Err(StorageError::Corrupt {
                    file: path,
                    offset: at.offset,
                    position: Some(at.size),
                    reason: format!(
                        "frame is cut short, but {must_hold} entries were acknowledged; restore \
                         the segment from a mirror or an archive"
                    ),
                })
            }
            Stop::Corrupt(reason) => {
                return Err(StorageError::Corrupt {
                    file: path,
                    offset: at.offset,
                    position: Some(at.size),
                    reason: format!("{reason}; restore the segment from a mirror or an archive"),
                })
            }
        }
        // The last segment's frames may be only in the page cache: written by a process whose
        // fsync failed, they read back whole, yet a power cut would still lose them. Made
        // durable here, before the log is served or appended to past them — else an append
        // acknowledged in a new segment would stand on entries that are not on disk (the
        // simulation's seed 2572: a failed fsync, a reopen, a roll, a power cut).
        if first == last_segment {
            file.sync()?;
        }
    }
    if at.size < must_hold {
        return Err(StorageError::Lost(format!(
            "{must_hold} entries were acknowledged, but the log holds only {}",
            at.size
        )));
    }
    batch.marker(at);
    index.apply(batch)?;
    Ok((at, frontier))
}
