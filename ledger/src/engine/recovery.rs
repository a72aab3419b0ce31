//! Creating a ledger directory, and opening one: crash recovery of the log's tail, replay of
//! whatever the index lacks, and the consistency checks that refuse to serve a damaged log.

use std::fs;
use std::io::Write;
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
use crate::storage::frame::{self, Found};
use crate::storage::index::{Batch, Index, IndexedEntry, Location, Marker};
use crate::storage::{segment, StorageError};

/// The file that marks a ledger directory as a read-only mirror (it holds no log key).
pub const MIRROR_MARKER: &str = "MIRROR";

/// Entries replayed into the index per sled batch.
const REPLAY_BATCH: usize = 4096;

/// What the writer thread starts from.
pub(super) struct WriterState {
    /// None for a read-only mirror (no log key: it serves what it holds, appends nothing).
    pub log_key: Option<SigningKey>,
    pub segment_first: u64,
    pub file: fs::File,
    pub file_len: u64,
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
    let log_dir = dir.join("log");
    fs::create_dir_all(&log_dir).map_err(|e| StorageError::io(&log_dir, e))?;
    keys::write(&dir.join("log.key"), log_key)?;
    let mut file = segment::create(&log_dir, 0)?;
    let entry = Entry {
        position: 0,
        received: (options.clock)(),
        event: genesis.clone(),
    };
    let mut buf = Vec::new();
    frame::encode(&entry.encode(), &mut buf);
    let seg_path = segment::segment_path(&log_dir, 0);
    file.write_all(&buf)
        .and_then(|()| file.sync_data())
        .map_err(|e| StorageError::io(&seg_path, e))?;
    segment::sync_dir(dir)?;
    Ok(())
}

pub(super) fn open(dir: &Path, options: &Options) -> Result<Recovered, OpenError> {
    let log_dir = dir.join("log");
    if !log_dir.is_dir() {
        return Err(OpenError::NotALedger {
            path: dir.to_path_buf(),
            missing: "log/ directory",
        });
    }
    let key_path = dir.join("log.key");
    let log_key = if key_path.is_file() {
        Some(keys::read(&key_path)?)
    } else if dir.join(MIRROR_MARKER).is_file() {
        None
    } else {
        return Err(OpenError::NotALedger {
            path: dir.to_path_buf(),
            missing: "log.key",
        });
    };
    let index = Index::open(
        &dir.join("index"),
        options.index_cache_bytes,
        options.index_run_span,
    )?;
    let segments = segment::list(&log_dir)?;
    if segments.is_empty() {
        return Err(OpenError::NotALedger {
            path: dir.to_path_buf(),
            missing: "log segment",
        });
    }

    let (checkpoints, latest) = load_checkpoints(dir, &index)?;
    let marker = index.marker()?;
    let acknowledged = index
        .applied()?
        .max(latest.as_ref().map(|n| n.checkpoint.size))
        .unwrap_or(0);
    let reader = segment::Reader::new(&log_dir, segments.clone());
    let progress = options.replay_progress.as_deref();
    let (end, frontier) = replay(
        &index,
        &reader,
        &log_dir,
        &segments,
        marker,
        acknowledged,
        progress,
    )?;
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
                file: dir.join("checkpoints.log"),
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
        file: segment::segment_path(&log_dir, 0),
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

    let last_segment = *segments.last().unwrap_or(&0);
    let file = segment::open_append(&log_dir, last_segment)?;
    let seg_path = segment::segment_path(&log_dir, last_segment);
    let file_len = file
        .metadata()
        .map_err(|e| StorageError::io(&seg_path, e))?
        .len();
    let root = frontier.root();
    let shared = Arc::new(Shared {
        dir: dir.to_path_buf(),
        origin,
        log_vkey,
        index,
        reader,
        committed: RwLock::new(Committed {
            size: end.size,
            root,
            checkpoint: latest.clone(),
        }),
        checkpoints: Mutex::new(checkpoints),
        cosignatures: Mutex::new(CosignatureFile::open(dir)?),
        acked: std::sync::atomic::AtomicU64::new(end.size),
        indexed: Mutex::new(0),
        indexed_changed: Condvar::new(),
        poisoned: RwLock::new(None),
        keys: crate::crypto::KeyCache::default(),
    });
    let registry = load_registry(&shared)?;
    Ok(Recovered {
        writer: WriterState {
            log_key,
            segment_first: last_segment,
            file,
            file_len,
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
    dir: &Path,
    index: &Index,
) -> Result<(CheckpointFile, Option<SignedNote>), StorageError> {
    let (file, fresh) = CheckpointFile::open(dir, index.checkpoints_marker()?.unwrap_or(0))?;
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
            file: shared.dir.join("log"),
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
                .apply(entry.event.body())
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
    reader: &segment::Reader,
    log_dir: &Path,
    segments: &[u64],
    marker: Option<Marker>,
    acknowledged: u64,
    progress: Option<&(dyn Fn(u64) + Send + Sync)>,
) -> Result<(Marker, Frontier), StorageError> {
    let indexed = marker.map_or(0, |m| m.size);
    if let Some(m) = marker {
        if !segments.contains(&m.segment) {
            return Err(StorageError::Lost(format!(
                "the index covers {} entries up to segment {}, which is missing from {}",
                m.size,
                m.segment,
                log_dir.display()
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

    for &first in segments {
        let path = segment::segment_path(log_dir, first);
        let data = reader.read_all(first)?;
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
        loop {
            if let Some(m) = marker.filter(|_| !marker_checked) {
                // Checked where the indexed part ends: the end of entry `m.size - 1`'s frame
                // (entry `m.size` may start a new segment).
                if at.size == m.size {
                    marker_checked = true;
                }
                if at.size == m.size && (at.segment != m.segment || at.offset != m.offset) {
                    return Err(StorageError::Corrupt {
                        file: path,
                        offset: at.offset,
                        position: Some(at.size),
                        reason: format!(
                            "the index says entry {} starts at byte {} of segment {}; delete the \
                             index directory to rebuild it from the log",
                            m.size, m.offset, m.segment
                        ),
                    });
                }
            }
            match frame::read(&data, at.offset as usize, MAX_ENTRY_BYTES) {
                Found::Frame { end, .. } if at.size < indexed => {
                    // Already indexed: the checksum is all there is to check on open.
                    at.size += 1;
                    at.offset = end as u64;
                }
                Found::Frame { start, end } => {
                    let corrupt = |reason: String| StorageError::Corrupt {
                        file: path.clone(),
                        offset: at.offset,
                        position: Some(at.size),
                        reason,
                    };
                    let entry = Entry::decode(&data[start..end])
                        .map_err(|e| corrupt(format!("entry does not decode: {e}")))?;
                    if entry.position != at.size {
                        return Err(corrupt(format!(
                            "entry says it is at position {}",
                            entry.position
                        )));
                    }
                    let body = entry.event.body();
                    let hash = entry.event.hash();
                    let loc = Location {
                        offset: at.offset,
                        len: (end - start) as u32,
                    };
                    batch.entry(IndexedEntry {
                        position: at.size,
                        segment: first,
                        loc,
                        hash: &hash,
                        stream: &body.stream,
                        version: body.version,
                        received: entry.received,
                    });
                    frontier.push(merkle::leaf_hash(&data[start..end]), |n| batch.node(n));
                    at.size += 1;
                    at.offset = end as u64;
                    at.last_received = at.last_received.max(entry.received);
                    pending += 1;
                    if pending == REPLAY_BATCH {
                        if let Some(p) = progress {
                            p(at.size);
                        }
                        batch.marker(at);
                        index.apply(std::mem::take(&mut batch))?;
                        pending = 0;
                    }
                }
                Found::End => break,
                Found::Torn if first == last_segment && at.size >= acknowledged.max(indexed) => {
                    tracing::warn!(
                        file = %path.display(),
                        offset = at.offset,
                        position = at.size,
                        "cutting off a torn frame at the end of the log (never acknowledged)"
                    );
                    let file = fs::OpenOptions::new()
                        .write(true)
                        .open(&path)
                        .map_err(|e| StorageError::io(&path, e))?;
                    file.set_len(at.offset)
                        .and_then(|()| file.sync_all())
                        .map_err(|e| StorageError::io(&path, e))?;
                    reader.forget(first);
                    break;
                }
                Found::Torn => {
                    return Err(StorageError::Corrupt {
                        file: path,
                        offset: at.offset,
                        position: Some(at.size),
                        reason: format!(
                            "frame is cut short, but {} entries were acknowledged; restore the \
                             segment from a mirror or an archive",
                            acknowledged.max(indexed)
                        ),
                    })
                }
                Found::Corrupt(reason) => {
                    return Err(StorageError::Corrupt {
                        file: path,
                        offset: at.offset,
                        position: Some(at.size),
                        reason: format!(
                            "{reason}; restore the segment from a mirror or an archive"
                        ),
                    })
                }
            }
        }
    }
    if at.size < acknowledged.max(indexed) {
        return Err(StorageError::Lost(format!(
            "{} entries were acknowledged, but the log holds only {}",
            acknowledged.max(indexed),
            at.size
        )));
    }
    batch.marker(at);
    index.apply(batch)?;
    Ok((at, frontier))
}
