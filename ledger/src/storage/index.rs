//! The index: everything here is derived from the log and the checkpoint file, and can be
//! deleted at any time (invariant 1). Its directory holds:
//!
//! | file | what |
//! | --- | --- |
//! | `entries.idx` | 44 bytes per position: the entry's frame offset (u64), length (u32) and event hash |
//! | `nodes.idx` | 32 bytes per Merkle node, leaves included, in the order the tree completes them |
//! | `runs/hash-*.run` | event hash → position, sorted runs (`storage/runs.rs`) |
//! | `runs/stream-*.run` | (stream's first position, version) → position, sorted runs |
//! | `kv/` | sled: one key per stream, written once; checkpoints, markers, the runs' manifest, projections |
//!
//! sled's keys:
//!
//! | key | value |
//! | --- | --- |
//! | `S` stream | the stream's first position (a stream's head is its last key in the runs) |
//! | `c` size(BE) | checkpoint offset and length in `checkpoints.log` |
//! | `m` name | markers: `applied` (log indexed up to), `durable` (runs and files durable up to, with the runs' spans), `checkpoints` (file indexed up to) |
//! | `P` name | projection checkpoints (their own position inside) |
//!
//! Nothing per entry lives in sled or in memory: positional data is one read at a computed
//! offset, keys are in runs, and only the keys since the last run boundary (at most
//! [`RUN_SPAN`]) are held in memory. That is what keeps an append's cost and the process's
//! memory flat however long the log grows. The `durable` marker moves at run boundaries, after
//! the files below it are fsynced; on open everything past it is truncated and replayed from
//! the log, so a crash (or a power cut) can leave nothing half-written in the index that is
//! then trusted. Every byte depends on the log alone, so a rebuilt index is identical.

use std::collections::HashMap;
use std::path::Path;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::{Condvar, Mutex};

use crate::format::merkle::{NewNode, NodeSource};
use crate::format::Hash;

use super::records::RecordFile;
use super::runs::{self, KeyTable, Span};
use super::{frame, StorageError};

const MARK_APPLIED: &[u8] = b"mapplied";
const MARK_DURABLE: &[u8] = b"mdurable";
const MARK_CHECKPOINTS: &[u8] = b"mcheckpoints";
const PROJECTIONS: &[u8] = b"Pprojections";
/// Positions per run of keys: the most the in-memory tables hold, and the most an open
/// replays into the index.
pub const RUN_SPAN: u64 = 16_384;
const LOCATION_LEN: usize = 44;

/// Where an entry's frame starts in its segment file, and its payload length. (Which
/// segment holds a position follows from the segment files' names.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub offset: u64,
    pub len: u32,
}

/// How much of the log the index covers, and where the last indexed frame ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    pub size: u64,
    pub segment: u64,
    pub offset: u64,
    pub last_received: i64,
}

impl Marker {
    fn encode(&self) -> [u8; 32] {
        let mut v = [0u8; 32];
        v[..8].copy_from_slice(&self.size.to_le_bytes());
        v[8..16].copy_from_slice(&self.segment.to_le_bytes());
        v[16..24].copy_from_slice(&self.offset.to_le_bytes());
        v[24..].copy_from_slice(&self.last_received.to_le_bytes());
        v
    }

    fn decode(v: &[u8]) -> Option<Marker> {
        Some(Marker {
            size: u64_at(v, 0)?,
            segment: u64_at(v, 8)?,
            offset: u64_at(v, 16)?,
            last_received: u64_at(v, 24)? as i64,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub next_version: u64,
    pub hash: Hash,
}

/// What the index records of one entry.
pub struct IndexedEntry<'a> {
    pub position: u64,
    pub segment: u64,
    pub loc: Location,
    pub hash: &'a Hash,
    pub stream: &'a str,
    pub version: u64,
    pub received: i64,
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

fn stream_key(stream: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(stream.len() + 1);
    k.push(b'S');
    k.extend_from_slice(stream.as_bytes());
    k
}

/// A stream's events are keyed by the stream's first position, which the log fixes, rather
/// than by its name: fixed-width keys, in version order.
fn version_key(first: u64, version: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&first.to_be_bytes());
    k[8..].copy_from_slice(&version.to_be_bytes());
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

/// Nodes of a tree of `size` leaves that are complete, leaves included.
pub fn nodes_count(size: u64) -> u64 {
    2 * size - u64::from(size.count_ones())
}

/// Where node (`level`, `index`) is in `nodes.idx`: nodes are stored as the tree completes
/// them, the leaf first and then each node it completes, so the node completed by leaf `m`
/// follows every node of the first `m` leaves and the `level` before it.
fn node_slot(level: u32, index: u64) -> u64 {
    let m = ((index + 1) << level) - 1;
    nodes_count(m) + u64::from(level)
}

fn encode_durable(marker: &Marker, spans: &[Span]) -> Vec<u8> {
    let mut v = Vec::with_capacity(32 + 4 + spans.len() * 16);
    v.extend_from_slice(&marker.encode());
    v.extend_from_slice(&(spans.len() as u32).to_le_bytes());
    for s in spans {
        v.extend_from_slice(&s.from.to_le_bytes());
        v.extend_from_slice(&s.to.to_le_bytes());
    }
    v
}

fn decode_durable(v: &[u8]) -> Result<(Marker, Vec<Span>), StorageError> {
    let bad = || corrupt_index("the durable marker");
    let marker = Marker::decode(v).ok_or_else(bad)?;
    let n = u32_at(v, 32).ok_or_else(bad)? as usize;
    if v.len() != 36 + n * 16 {
        return Err(bad());
    }
    let spans = (0..n)
        .map(|i| Span {
            from: u64_at(v, 36 + i * 16).unwrap_or(0),
            to: u64_at(v, 44 + i * 16).unwrap_or(0),
        })
        .collect::<Vec<_>>();
    let tiles = spans.windows(2).all(|w| w[0].to == w[1].from)
        && spans.first().is_none_or(|s| s.from == 0)
        && spans.last().map_or(0, |s| s.to) == marker.size;
    if !tiles {
        return Err(bad());
    }
    Ok((marker, spans))
}

/// One entry's keys, waiting in a batch.
struct PendingKeys {
    position: u64,
    segment: u64,
    end: u64,
    hash: Hash,
    stream: String,
    version: u64,
    received: i64,
}

/// The index updates of one group commit (or one stretch of replay).
#[derive(Default)]
pub struct Batch {
    kv: sled::Batch,
    first: Option<u64>,
    locations: Vec<u8>,
    nodes: Vec<u8>,
    keys: Vec<PendingKeys>,
    marker: Option<Marker>,
    /// Writes in `kv` (sled's batch does not say).
    kv_writes: usize,
}

impl Batch {
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Records entry `e.position` (which must be the next one after the last recorded).
    pub fn entry(&mut self, e: IndexedEntry<'_>) {
        let first = *self.first.get_or_insert(e.position);
        debug_assert_eq!(e.position, first + self.keys.len() as u64);
        self.locations
            .extend_from_slice(&e.loc.offset.to_le_bytes());
        self.locations.extend_from_slice(&e.loc.len.to_le_bytes());
        self.locations.extend_from_slice(&e.hash.0);
        self.keys.push(PendingKeys {
            position: e.position,
            segment: e.segment,
            end: e.loc.offset + frame::framed_len(e.loc.len as usize),
            hash: *e.hash,
            stream: e.stream.to_owned(),
            version: e.version,
            received: e.received,
        });
    }

    /// Records a node completed by the entry recorded last (the leaf first, as the tree
    /// completes them).
    pub fn node(&mut self, node: NewNode) {
        self.nodes.extend_from_slice(&node.hash.0);
    }

    pub fn marker(&mut self, m: Marker) {
        self.marker = Some(m);
    }

    pub fn checkpoint(&mut self, size: u64, offset: u64, len: u32) {
        let mut v = Vec::with_capacity(12);
        v.extend_from_slice(&offset.to_le_bytes());
        v.extend_from_slice(&len.to_le_bytes());
        self.kv.insert(&checkpoint_key(size)[..], v);
        self.kv_writes += 1;
    }

    /// How far `checkpoints.log` is indexed.
    pub fn checkpoint_marker(&mut self, next_offset: u64) {
        self.kv
            .insert(MARK_CHECKPOINTS, &next_offset.to_le_bytes()[..]);
        self.kv_writes += 1;
    }
}

/// What the single writer of the index carries from one batch to the next: where the last
/// indexed entry ends, for the `durable` marker of the next run boundary.
struct WriterSide {
    last: Option<Marker>,
    runs_to: u64,
    run_span: u64,
    /// The applied marker not yet written, and when one last was.
    unwritten: Option<Marker>,
    marker_written: std::time::Instant,
}

/// How often the applied marker is written while appends go on.
const MARKER_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

pub struct Index {
    db: sled::Db,
    entries: RecordFile,
    nodes: RecordFile,
    runs: Arc<RunSet>,
    merger: Option<JoinHandle<()>>,
    durable: Option<Marker>,
    writer: Mutex<WriterSide>,
}

/// The keys' runs, shared with the thread that merges them. Merging a run pair costs time in
/// proportion to the log (two runs of half the log, at the largest), so it is done beside
/// the indexer, which only writes each new run, never behind it.
struct RunSet {
    hashes: KeyTable<32>,
    versions: KeyTable<16>,
    db: sled::Db,
    /// The durable marker, held while the runs change and the manifest naming them is
    /// written: the manifest in sled always names runs that are on disk.
    manifest: Mutex<Option<Marker>>,
    merges: Mutex<MergeState>,
    merges_changed: Condvar,
    stop: AtomicBool,
}

#[derive(Default)]
struct MergeState {
    requested: u64,
    done: u64,
    failed: Option<String>,
}

impl RunSet {
    fn request_merge(&self) {
        self.merges.lock().requested += 1;
        self.merges_changed.notify_all();
    }

    /// Merges until no two neighbouring runs have equal spans (or it is told to stop).
    fn merge_all(&self) -> Result<(), StorageError> {
        while let Some((a, b)) = self.hashes.pair_to_merge() {
            let Some(h) = self.hashes.write_merged(a, b, &self.stop)? else {
                return Ok(());
            };
            let Some(v) = self.versions.write_merged(a, b, &self.stop)? else {
                h.discard();
                return Ok(());
            };
            let old = {
                let durable = self.manifest.lock();
                let mut old = self.hashes.put_merged(h);
                old.extend(self.versions.put_merged(v));
                if let Some(d) = *durable {
                    self.db
                        .insert(MARK_DURABLE, encode_durable(&d, &self.hashes.spans()))?;
                }
                old
            };
            // The merged runs replace these only once the manifest naming them is durable.
            self.db.flush()?;
            for path in old {
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(StorageError::io(&path, e))
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn merge_loop(&self) {
        loop {
            let target = {
                let mut m = self.merges.lock();
                while m.requested == m.done && !self.stop.load(Ordering::Relaxed) {
                    self.merges_changed.wait(&mut m);
                }
                if self.stop.load(Ordering::Relaxed) {
                    return;
                }
                m.requested
            };
            let result = self.merge_all();
            let mut m = self.merges.lock();
            if let Err(e) = result {
                // Unmerged runs are still a correct index, only slower to search: merging
                // stops until the ledger is reopened.
                tracing::error!(error = %e, "merging index runs failed; merging stops until reopened");
                m.failed = Some(e.to_string());
                self.merges_changed.notify_all();
                return;
            }
            m.done = target;
            self.merges_changed.notify_all();
        }
    }

    /// Waits until every merge asked for is done (or merging failed).
    fn quiesce(&self) {
        let mut m = self.merges.lock();
        while m.done < m.requested && m.failed.is_none() && !self.stop.load(Ordering::Relaxed) {
            self.merges_changed.wait(&mut m);
        }
    }
}

impl Drop for Index {
    fn drop(&mut self) {
        {
            // Set under the lock the merger checks it under, so that the wake-up cannot fall
            // between its check and its wait.
            let _m = self.runs.merges.lock();
            self.runs.stop.store(true, Ordering::Relaxed);
        }
        self.runs.merges_changed.notify_all();
        if let Some(merger) = self.merger.take() {
            let _ = merger.join();
        }
    }
}

/// One raw key and value of the index.
pub type KeyValue = (Vec<u8>, Vec<u8>);

/// Why sled would not open.
enum SledOpen {
    /// sled cannot read its own files (a process killed while sled wrote can leave them so,
    /// as the crash test found): the index is derived, so it is rebuilt from the log.
    Corrupt(String),
    Failed(StorageError),
}

fn open_sled(path: &Path, cache_bytes: u64) -> Result<sled::Db, SledOpen> {
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
            Ok(db) => return Ok(db),
            Err(e) if locked(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) if locked(&e) => {
                return Err(SledOpen::Failed(StorageError::Index(format!(
                    "{} is in use by another process (a server or a monitor on this ledger?): stop it, or read the ledger through that server's API",
                    path.display()
                ))))
            }
            // Its files unreadable to it: damaged (Corruption), a configuration it cannot
            // parse (Unsupported), or a state it did not expect (ReportableBug). An I/O error
            // is not among them: the disk is asked again at the next open.
            Err(
                e @ (sled::Error::Corruption { .. }
                | sled::Error::Unsupported(_)
                | sled::Error::ReportableBug(_)),
            ) => return Err(SledOpen::Corrupt(e.to_string())),
            Err(e) => return Err(SledOpen::Failed(e.into())),
        }
    }
}

impl Index {
    /// Opens the index in `path`, cut back to its `durable` marker: the caller replays the
    /// log from [`Index::marker`] on.
    pub fn open(path: &Path, cache_bytes: u64, run_span: u64) -> Result<Index, StorageError> {
        assert!(run_span > 0, "a run spans at least one position");
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |e| StorageError::io(&p, e)
        };
        // An index of the first layout (sled alone, in this directory) is rebuilt.
        if path.join("conf").is_file() && !path.join("kv").exists() {
            tracing::info!(index = %path.display(), "rebuilding an index of an older layout");
            std::fs::remove_dir_all(path).map_err(io(path))?;
        }
        let runs_dir = path.join("runs");
        std::fs::create_dir_all(&runs_dir).map_err(io(&runs_dir))?;
        let db = match open_sled(&path.join("kv"), cache_bytes) {
            Ok(db) => db,
            Err(SledOpen::Failed(e)) => return Err(e),
            Err(SledOpen::Corrupt(reason)) => {
                // Everything here is derived from the log, which is checked frame by frame as
                // it is replayed into the new index: nothing acknowledged depends on it.
                tracing::warn!(index = %path.display(), %reason, "the index database is damaged: rebuilding the index from the log");
                std::fs::remove_dir_all(path).map_err(io(path))?;
                std::fs::create_dir_all(&runs_dir).map_err(io(&runs_dir))?;
                match open_sled(&path.join("kv"), cache_bytes) {
                    Ok(db) => db,
                    Err(SledOpen::Failed(e)) => return Err(e),
                    Err(SledOpen::Corrupt(reason)) => return Err(StorageError::Index(reason)),
                }
            }
        };
        let (durable, spans) = match db.get(MARK_DURABLE)? {
            Some(v) => {
                let (m, spans) = decode_durable(&v)?;
                (Some(m), spans)
            }
            None => (None, Vec::new()),
        };
        let keep = durable.map_or(0, |m| m.size);
        let entries = RecordFile::open(&path.join("entries.idx"), LOCATION_LEN, keep)?;
        let nodes = RecordFile::open(&path.join("nodes.idx"), 32, nodes_count(keep))?;
        let hashes: KeyTable<32> = KeyTable::open(&runs_dir, "hash", &spans)?;
        let versions: KeyTable<16> = KeyTable::open(&runs_dir, "stream", &spans)?;
        // Runs written or merged after the manifest last became durable: never trusted.
        let known: Vec<String> = spans
            .iter()
            .flat_map(|s| {
                [
                    runs::run_file_name("hash", *s),
                    runs::run_file_name("stream", *s),
                ]
            })
            .collect();
        for item in std::fs::read_dir(&runs_dir).map_err(io(&runs_dir))? {
            let item = item.map_err(io(&runs_dir))?;
            let name = item.file_name().to_string_lossy().into_owned();
            if !known.contains(&name) {
                std::fs::remove_file(item.path()).map_err(io(&item.path()))?;
            }
        }
        let runs = Arc::new(RunSet {
            hashes,
            versions,
            db: db.clone(),
            manifest: Mutex::new(durable),
            // Runs an earlier session left unmerged are merged now.
            merges: Mutex::new(MergeState {
                requested: 1,
                ..MergeState::default()
            }),
            merges_changed: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let merger = {
            let runs = runs.clone();
            std::thread::Builder::new()
                .name("ledger-merger".into())
                .spawn(move || runs.merge_loop())
                .map_err(|e| StorageError::io(path, e))?
        };
        Ok(Index {
            db,
            entries,
            nodes,
            runs,
            merger: Some(merger),
            durable,
            writer: Mutex::new(WriterSide {
                last: durable,
                runs_to: keep,
                run_span,
                unwritten: None,
                marker_written: std::time::Instant::now(),
            }),
        })
    }

    pub fn apply(&self, mut batch: Batch) -> Result<(), StorageError> {
        let mut w = self.writer.lock();
        if let Some(first) = batch.first {
            if first != self.entries.len() {
                return Err(StorageError::Index(format!(
                    "index out of step: entry {first} comes next, but {} are indexed",
                    self.entries.len()
                )));
            }
        }
        self.entries.append(&batch.locations)?;
        self.nodes.append(&batch.nodes)?;
        assert_eq!(
            self.nodes.len(),
            nodes_count(self.entries.len()),
            "one leaf and the nodes it completes per entry"
        );
        // First positions of the streams this batch starts or continues.
        let mut firsts: HashMap<&str, u64> = HashMap::new();
        for k in &batch.keys {
            if k.position % w.run_span == 0 && k.position > w.runs_to {
                self.cut_run(&mut w, k.position)?;
            }
            let first = if k.version == 0 {
                batch
                    .kv
                    .insert(stream_key(&k.stream), &k.position.to_le_bytes()[..]);
                batch.kv_writes += 1;
                k.position
            } else {
                match firsts.get(k.stream.as_str()) {
                    Some(first) => *first,
                    None => self.first_position(&k.stream)?.ok_or_else(|| {
                        StorageError::Index(format!(
                            "stream {} has no first event in the index; delete the index \
                             directory to rebuild it from the log",
                            k.stream
                        ))
                    })?,
                }
            };
            firsts.insert(&k.stream, first);
            self.runs.hashes.insert(k.hash.0, k.position);
            self.runs
                .versions
                .insert(version_key(first, k.version), k.position);
            let last_received = w.last.map_or(i64::MIN, |m| m.last_received);
            w.last = Some(Marker {
                size: k.position + 1,
                segment: k.segment,
                offset: k.end,
                last_received: last_received.max(k.received),
            });
        }
        // The applied marker only bounds what an open must find in the log, with the latest
        // checkpoint (signed every second). Writing it with every group cost sled more than
        // the rest of indexing, so it goes with other writes, at most `MARKER_EVERY` apart
        // otherwise, and at every flush.
        if let Some(m) = batch.marker {
            w.unwritten = Some(m);
        }
        if batch.kv_writes > 0 || w.marker_written.elapsed() >= MARKER_EVERY {
            if let Some(m) = w.unwritten.take() {
                batch.kv.insert(MARK_APPLIED, &m.encode()[..]);
                batch.kv_writes += 1;
                w.marker_written = std::time::Instant::now();
            }
        }
        if batch.kv_writes > 0 {
            self.db.apply_batch(batch.kv)?;
        }
        Ok(())
    }

    /// At a run boundary: makes the positional files durable, writes the keys since the last
    /// boundary as runs, records the new `durable` marker, and asks for merges.
    fn cut_run(&self, w: &mut WriterSide, at: u64) -> Result<(), StorageError> {
        let last = w
            .last
            .ok_or_else(|| StorageError::Index("run boundary before any entry".into()))?;
        assert_eq!(last.size, at, "a run ends where the next entry starts");
        self.entries.sync()?;
        self.nodes.sync()?;
        let span = Span {
            from: w.runs_to,
            to: at,
        };
        {
            let mut durable = self.runs.manifest.lock();
            self.runs.hashes.push_run(span)?;
            self.runs.versions.push_run(span)?;
            debug_assert_eq!(self.runs.hashes.spans(), self.runs.versions.spans());
            self.db.insert(
                MARK_DURABLE,
                encode_durable(&last, &self.runs.hashes.spans()),
            )?;
            *durable = Some(last);
        }
        w.runs_to = at;
        self.runs.request_merge();
        Ok(())
    }

    pub fn flush(&self) -> Result<(), StorageError> {
        if let Some(m) = self.writer.lock().unwritten.take() {
            self.db.insert(MARK_APPLIED, &m.encode()[..])?;
        }
        self.db.flush()?;
        Ok(())
    }

    /// Where replay starts: the index is trusted up to here (None: replay the whole log).
    pub fn marker(&self) -> Result<Option<Marker>, StorageError> {
        Ok(self.durable)
    }

    /// How many entries the index was last told about (all of them acknowledged).
    pub fn applied(&self) -> Result<Option<u64>, StorageError> {
        match self.db.get(MARK_APPLIED)? {
            None => Ok(None),
            Some(v) => Marker::decode(&v)
                .map(|m| Some(m.size))
                .ok_or_else(|| corrupt_index("the applied marker")),
        }
    }

    pub fn checkpoints_marker(&self) -> Result<Option<u64>, StorageError> {
        Ok(self.db.get(MARK_CHECKPOINTS)?.and_then(|v| u64_at(&v, 0)))
    }

    /// The frame offset and length of entry `position`, if indexed. The segment is the
    /// caller's to find (the last segment starting at or before the position).
    pub fn frame_of(&self, position: u64) -> Result<Option<(u64, u32)>, StorageError> {
        let mut rec = [0u8; LOCATION_LEN];
        if !self.entries.read(position, &mut rec)? {
            return Ok(None);
        }
        match (u64_at(&rec, 0), u32_at(&rec, 8)) {
            (Some(offset), Some(len)) => Ok(Some((offset, len))),
            _ => Err(corrupt_index("an entry location")),
        }
    }

    pub fn position_of_hash(&self, hash: &Hash) -> Result<Option<u64>, StorageError> {
        self.runs.hashes.get(&hash.0)
    }

    fn first_position(&self, stream: &str) -> Result<Option<u64>, StorageError> {
        match self.db.get(stream_key(stream))? {
            Some(v) if v.len() == 8 => Ok(u64_at(&v, 0)),
            Some(_) => Err(corrupt_index("a stream record")),
            None => Ok(None),
        }
    }

    pub fn position_of(&self, stream: &str, version: u64) -> Result<Option<u64>, StorageError> {
        match self.first_position(stream)? {
            Some(first) => self.runs.versions.get(&version_key(first, version)),
            None => Ok(None),
        }
    }

    /// Positions of a stream's events from `from_version`, at most `limit` of them.
    pub fn stream_positions(
        &self,
        stream: &str,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<u64>, StorageError> {
        match self.first_position(stream)? {
            Some(first) => self.runs.versions.range(
                &version_key(first, from_version),
                &version_key(first, u64::MAX),
                limit,
            ),
            None => Ok(Vec::new()),
        }
    }

    /// A stream's next version and head hash: its last key, and that entry's hash.
    pub fn head(&self, stream: &str) -> Result<Option<Head>, StorageError> {
        let Some(first) = self.first_position(stream)? else {
            return Ok(None);
        };
        let Some((key, position)) = self
            .runs
            .versions
            .last(&version_key(first, 0), &version_key(first, u64::MAX))?
        else {
            return Err(corrupt_index("a stream without events"));
        };
        let mut rec = [0u8; LOCATION_LEN];
        if !self.entries.read(position, &mut rec)? {
            return Err(corrupt_index("a stream's head entry"));
        }
        let version = u64::from_be_bytes(key[8..].try_into().unwrap_or_default());
        let hash = Hash::from_slice(&rec[12..]).ok_or_else(|| corrupt_index("an entry hash"))?;
        Ok(Some(Head {
            next_version: version + 1,
            hash,
        }))
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

    /// The smallest size, at least `from`, at which a checkpoint was signed.
    pub fn first_checkpoint_from(&self, from: u64) -> Result<Option<u64>, StorageError> {
        let end = checkpoint_key(u64::MAX);
        let Some(item) = self.db.range(checkpoint_key(from)..=end).next() else {
            return Ok(None);
        };
        let (k, _) = item?;
        let mut a = [0u8; 8];
        a.copy_from_slice(
            k.get(1..9)
                .ok_or_else(|| corrupt_index("a checkpoint key"))?,
        );
        Ok(Some(u64::from_be_bytes(a)))
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

    /// Every key and value of sled, then every file's bytes (and the keys held in memory),
    /// in order: used to show that a rebuilt index is identical.
    pub fn dump(&self) -> Result<Vec<KeyValue>, StorageError> {
        self.runs.quiesce();
        let mut out = Vec::new();
        for item in self.db.iter() {
            let (k, v) = item?;
            out.push((k.to_vec(), v.to_vec()));
        }
        out.push((b"entries.idx".to_vec(), self.entries.bytes()?));
        out.push((b"nodes.idx".to_vec(), self.nodes.bytes()?));
        for (name, bytes) in self
            .runs
            .hashes
            .dump()?
            .into_iter()
            .chain(self.runs.versions.dump()?)
        {
            out.push((name.into_bytes(), bytes));
        }
        Ok(out)
    }
}

impl NodeSource for Index {
    type Error = StorageError;

    fn node(&self, level: u32, index: u64) -> Result<Hash, StorageError> {
        let mut h = [0u8; 32];
        if !self.nodes.read(node_slot(level, index), &mut h)? {
            return Err(StorageError::Index(format!(
                "Merkle node (level {level}, index {index}) is missing; delete the index \
                 directory to rebuild it from the log"
            )));
        }
        Ok(Hash(h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::merkle::Frontier;

    #[test]
    fn node_slots_follow_the_order_the_tree_completes_nodes_in() {
        let mut frontier = Frontier::new();
        let mut order = Vec::new();
        for n in 0..300u64 {
            frontier.push(Hash::of(&n.to_le_bytes()), |node| {
                order.push((node.level, node.index))
            });
            assert_eq!(order.len() as u64, nodes_count(n + 1));
        }
        for (slot, (level, index)) in order.into_iter().enumerate() {
            assert_eq!(
                node_slot(level, index),
                slot as u64,
                "node ({level}, {index})"
            );
        }
    }
}
