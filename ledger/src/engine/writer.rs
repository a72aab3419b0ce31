//! The append pipeline, three threads in a row after the submitting threads (which decode,
//! validate and verify each event's signature, in parallel): the committer sequences groups
//! of events (versions, chains, authority) and writes each group with one `write`; the syncer makes each group durable with one
//! fsync and acknowledges it; the indexer applies it to the index, publishes it to readers and
//! signs checkpoints.
//!
//! Ordering: groups reach the syncer in the order they were written, so acknowledgements,
//! index updates and checkpoints follow log order. A group is acknowledged as soon as its
//! fsync returns and indexed right after, while its appenders already prepare the next group;
//! the index's marker therefore never covers an entry that is not durable.
//!
//! Failure: a failed write to the segment (a full disk) is cut off and refused, and the ledger
//! goes on: appending resumes as soon as space is back. A failed fsync poisons the ledger,
//! because after it nothing can be known about what reached the disk; so does a failed index
//! update, because sled keeps failing once one of its writes has (on a full disk the index,
//! which writes more than the log, usually fails first). A poisoned ledger refuses appends,
//! saying why, until it is reopened — for the server, a restart once space is back. Nothing
//! acknowledged is lost either way: acknowledgement follows the fsync, and opening replays
//! into the index whatever the log holds beyond it (`ledger/tests/full_disk.rs`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};

use super::recovery::WriterState;
use super::{AppendError, Appended, OpenError, Options, Shared};
use crate::authority::Registry;
use crate::format::merkle::{self, Frontier};
use crate::format::{Checkpoint, Entry, EventBody, Hash, SignedEvent, SignedNote};
use crate::messages::Text;
use crate::storage::index::{Batch, Head, IndexedEntry, Location, Marker};
use crate::storage::segment::SegmentWriter;
use crate::storage::{frame, AppendFile, Poison, PoisonCause, StorageError};

/// Where an answer goes: a channel a thread waits on, or a function called with it (for
/// callers that must not block a thread per append, such as an async server).
pub(crate) enum Reply<T> {
    Channel(Sender<Result<T, AppendError>>),
    Call(Box<dyn FnOnce(Result<T, AppendError>) + Send>),
}

impl<T> Reply<T> {
    /// Delivers the answer; Err when nobody waits for it any more (ignored by the callers).
    pub(crate) fn send(self, answer: Result<T, AppendError>) -> Result<(), ()> {
        match self {
            Reply::Channel(tx) => tx.send(answer).map_err(|_| ()),
            Reply::Call(f) => {
                f(answer);
                Ok(())
            }
        }
    }
}

pub(crate) enum Job {
    Append {
        event: Box<SignedEvent>,
        reply: Reply<Appended>,
    },
    Checkpoint {
        reply: Reply<SignedNote>,
    },
}

enum SyncMsg {
    Group(Box<Group>),
    Checkpoint(Reply<SignedNote>),
}

/// One written group on its way to durability.
struct Group {
    seq: u64,
    file: Arc<dyn AppendFile>,
    batch: Batch,
    size: u64,
    root: Hash,
    replies: Vec<(Reply<Appended>, Result<Appended, AppendError>)>,
}

/// Stream heads the committer has written, kept until the index has them durably. Bounded:
/// past the limit, heads already in the index are dropped and read back from it on demand.
const HEAD_CACHE_LIMIT: usize = 100_000;

struct Committer {
    shared: Arc<Shared>,
    options: Options,
    segments: SegmentWriter,
    size: u64,
    frontier: Frontier,
    last_received: i64,
    registry: Registry,
    heads: HashMap<String, (Head, u64)>,
    seq: u64,
    sync: Sender<SyncMsg>,
}

/// The channel into a running pipeline and its threads (none for a mirror).
pub(super) type Pipeline = (Sender<Job>, Vec<JoinHandle<()>>);

pub(super) fn start(
    shared: Arc<Shared>,
    state: WriterState,
    options: Options,
) -> Result<Option<Pipeline>, OpenError> {
    if !state.writable {
        // A mirror: nothing to write, nothing to sign.
        return Ok(None);
    }
    let (submit, jobs) = bounded::<Job>(options.max_batch.max(16) * 2);
    let (sync_tx, sync_rx) = bounded::<SyncMsg>(2);
    let (index_tx, index_rx) = bounded::<IndexMsg>(64);
    let indexer = Indexer {
        shared: shared.clone(),
        pq_key: state.pq_key,
        last_checkpoint_size: state.last_checkpoint_size,
        last_checkpoint_at: Instant::now(),
        interval: options.checkpoint_interval,
    };
    let syncer = Syncer {
        shared: shared.clone(),
        indexer: index_tx,
    };
    let committer = Committer {
        shared,
        options,
        segments: state.segments,
        size: state.size,
        frontier: state.frontier,
        last_received: state.last_received,
        registry: state.registry,
        heads: HashMap::new(),
        seq: 0,
        sync: sync_tx,
    };
    let spawn_err = |e: std::io::Error| {
        OpenError::Storage(StorageError::Io {
            path: PathBuf::from("<thread>"),
            kind: e.kind(),
            message: e.to_string(),
        })
    };
    let t0 = std::thread::Builder::new()
        .name("ledger-indexer".into())
        .spawn(move || indexer.run(index_rx))
        .map_err(spawn_err)?;
    let t1 = std::thread::Builder::new()
        .name("ledger-syncer".into())
        .spawn(move || syncer.run(sync_rx))
        .map_err(spawn_err)?;
    let t2 = std::thread::Builder::new()
        .name("ledger-committer".into())
        .spawn(move || committer.run(jobs))
        .map_err(spawn_err)?;
    // Joined in pipeline order: each stage ends when the one before it drops its channel.
    Ok(Some((submit, vec![t2, t1, t0])))
}

impl Committer {
    fn run(mut self, jobs: Receiver<Job>) {
        while let Ok(first) = jobs.recv() {
            let mut appends = Vec::new();
            let mut next = Some(first);
            while let Some(job) = next.take() {
                match job {
                    Job::Append { event, reply } => appends.push((*event, reply)),
                    Job::Checkpoint { reply } => {
                        // A checkpoint covers everything submitted before it.
                        self.group(std::mem::take(&mut appends));
                        let _ = self.sync.send(SyncMsg::Checkpoint(reply));
                    }
                }
                if appends.len() < self.options.max_batch {
                    next = jobs.try_recv().ok();
                }
            }
            self.group(appends);
        }
    }

    fn poisoned(&self) -> Option<AppendError> {
        self.shared
            .poisoned
            .read()
            .as_ref()
            .map(|p| AppendError::Storage(StorageError::Poisoned(p.clone())))
    }

    /// A read the committer depends on failed: see [`poison_read`].
    fn poison_read(&self, e: AppendError) -> AppendError {
        match e {
            AppendError::Storage(e) => AppendError::Storage(poison_read(&self.shared, e)),
            other => other,
        }
    }

    fn group(&mut self, appends: Vec<(SignedEvent, Reply<Appended>)>) {
        if appends.is_empty() {
            return;
        }
        if let Some(err) = self.poisoned() {
            for (_, reply) in appends {
                let _ = reply.send(Err(err.clone()));
            }
            return;
        }
        if let Err(e) = self.roll_if_full() {
            for (_, reply) in appends {
                let _ = reply.send(Err(AppendError::Storage(e.clone())));
            }
            return;
        }
        // Signatures were verified by `Ledger::submit`, on the submitting thread.
        let mut g = Pending::new(self);
        for (event, reply) in appends {
            match self.sequence(&mut g, event) {
                Ok(Outcome::Now(appended)) => {
                    let _ = reply.send(Ok(appended));
                }
                Ok(Outcome::WithGroup(appended)) => g.replies.push((reply, Ok(appended))),
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
            }
        }
        self.write(g);
    }

    /// The segment written to: its first position and length.
    fn segment(&self) -> (u64, u64) {
        self.segments.current().unwrap_or((0, 0))
    }

    fn roll_if_full(&mut self) -> Result<(), StorageError> {
        if let Some(first) = self.segments.roll_if_full(self.size)? {
            self.shared.reader.register(first);
        }
        Ok(())
    }

    /// Waits until every group handed to the syncer is durable and indexed.
    fn wait_indexed(&self) -> Result<(), AppendError> {
        let mut indexed = self.shared.indexed.lock();
        while *indexed < self.seq {
            if let Some(err) = self.poisoned() {
                return Err(err);
            }
            self.shared
                .indexed_changed
                .wait_for(&mut indexed, std::time::Duration::from_millis(50));
        }
        Ok(())
    }

    fn head(&self, g: &Pending, stream: &str) -> Result<Option<Head>, AppendError> {
        if let Some(h) = g.heads.get(stream) {
            return Ok(Some(*h));
        }
        if let Some((h, _)) = self.heads.get(stream) {
            return Ok(Some(*h));
        }
        Ok(self.shared.index.head(stream)?)
    }

    /// A stored (durable) event with this hash, if any.
    fn stored(&self, hash: &Hash) -> Result<Option<Entry>, AppendError> {
        self.wait_indexed()?;
        match self.shared.index.position_of_hash(hash)? {
            Some(p) => Ok(self.shared.entry(p)?),
            None => Ok(None),
        }
    }

    fn sequence(&mut self, g: &mut Pending, event: SignedEvent) -> Result<Outcome, AppendError> {
        let body = event.body();
        let hash = event.hash();
        if let Some(done) = g.appended.get(&hash) {
            return Ok(Outcome::WithGroup(Appended {
                created: false,
                ..done.clone()
            }));
        }
        let head = self.head(g, &body.stream)?;
        let (next, head_hash) = head.map_or((0, Hash::ZERO), |h| (h.next_version, h.hash));
        if body.version < next {
            if let Some(entry) = self.stored(&hash).map_err(|e| self.poison_read(e))? {
                return Ok(Outcome::Now(Appended {
                    position: entry.position,
                    event_hash: hash,
                    stream: body.stream.clone(),
                    version: body.version,
                    received: entry.received,
                    created: false,
                }));
            }
        }
        if body.version != next {
            return Err(AppendError::Conflict {
                stream: body.stream.clone(),
                submitted: body.version,
                current: next,
                head: head_hash,
            });
        }
        if body.prev != head_hash {
            return Err(AppendError::PrevMismatch {
                stream: body.stream.clone(),
                version: body.version,
                expected: head_hash,
                found: body.prev,
            });
        }
        let received = (self.options.clock)().max(g.last_received);
        {
            // A correction is judged as the act at the start of its chain: resolved here, so a
            // storage error is reported as one rather than read as an unknown act.
            let corrected = match body.kind.as_str() {
                "correction.issued" => {
                    let first = crate::authority::correction_target(body)?;
                    crate::authority::resolve_correction(&first, &mut |h: &Hash| {
                        if let Some(act) = g.acts.get(h) {
                            return Ok::<_, AppendError>(Some(act.clone()));
                        }
                        Ok(self
                            .stored(h)
                            .map_err(|e| self.poison_read(e))?
                            .map(|e| crate::authority::chain_link(e.event.body())))
                    })?
                }
                _ => None,
            };
            let registry = g.registry.as_ref().unwrap_or(&self.registry);
            registry.check(body, received, &|_| corrected.clone())?;
        }
        if body.kind == "log_key.rotated" {
            let registry = g.registry.as_ref().unwrap_or(&self.registry);
            self.check_rotation(registry, body)?;
        }
        if body.stream == "ledger" {
            let registry = g.registry.get_or_insert_with(|| self.registry.clone());
            registry.apply(body, g.size)?;
        }

        let position = g.size;
        let appended = Appended {
            position,
            event_hash: hash,
            stream: body.stream.clone(),
            version: body.version,
            received,
            created: true,
        };
        let stream = body.stream.clone();
        let version = body.version;
        let link = crate::authority::chain_link(body);
        let entry = Entry {
            position,
            received,
            event,
        }
        .encode();
        let (segment_first, file_len) = self.segment();
        let offset = file_len + g.buf.len() as u64;
        frame::encode(&entry, &mut g.buf);
        let loc = Location {
            offset,
            len: entry.len() as u32,
        };
        let batch = &mut g.batch;
        batch.entry(IndexedEntry {
            position,
            segment: segment_first,
            loc,
            hash: &hash,
            stream: &stream,
            version,
            received,
        });
        g.frontier
            .push(merkle::leaf_hash(&entry), |n| batch.node(n));
        g.heads.insert(
            stream,
            Head {
                next_version: version + 1,
                hash,
            },
        );
        g.acts.insert(hash, link);
        g.appended.insert(hash, appended.clone());
        g.size += 1;
        g.last_received = received;
        Ok(Outcome::WithGroup(appended))
    }

    /// A `log_key.rotated` may name only a key whose secret the ledger holds (else no
    /// checkpoint could be signed after it), and only the ML-DSA-44 key the log cosigns with.
    /// A secret placed in `log-keys/` while the ledger runs is picked up here.
    fn check_rotation(&self, registry: &Registry, body: &EventBody) -> Result<(), AppendError> {
        let (key, pq_key) = registry.rotation_keys(body)?;
        let file = super::recovery::log_key_file(&self.shared.dir, &key.public);
        if !self.shared.signing.lock().contains_key(&key.public) && file.is_file() {
            let secret = crate::keys::read(&file).map_err(|e| {
                AppendError::LogKeyNotHeld(Text::new(
                    format!(
                        "không đọc được {}: {}",
                        file.display(),
                        crate::messages::Localized::vi(&e)
                    ),
                    format!("could not read {}: {e}", file.display()),
                ))
            })?;
            if secret.verifying_key().to_bytes() == key.public {
                self.shared.signing.lock().insert(key.public, secret);
            }
        }
        if !self.shared.signing.lock().contains_key(&key.public) {
            return Err(AppendError::LogKeyNotHeld(Text::new(
                format!(
                    "`log_key.rotated` nêu khóa sổ cái {}, mà sổ cái không giữ khóa bí mật của nó, nên sau hành vi này không ký được điểm kiểm nào; hãy tạo khóa và thay bằng `congress-ledger key rotate-log --ledger DIR --authority-key TỆP` (lệnh này ghi khóa bí mật vào {}), hoặc đặt khóa bí mật vào đúng tệp ấy trước khi ghi hành vi",
                    key.encode(),
                    file.display()
                ),
                format!(
                    "`log_key.rotated` names the log key {}, whose secret the ledger does not hold, so no checkpoint could be signed after it; rotate with `congress-ledger key rotate-log --ledger DIR --authority-key FILE` (which writes the secret to {}), or put the secret in that file before appending the act",
                    key.encode(),
                    file.display()
                ),
            )));
        }
        let held_pq = self.shared.log_pq_key.as_ref();
        if pq_key.as_ref() != held_pq {
            let show = |k: Option<&crate::format::WitnessKey>| {
                k.map_or_else(|| "null".to_string(), |k| k.encode())
            };
            return Err(AppendError::LogKeyNotHeld(Text::new(
                format!(
                    "`log_key.rotated` nêu khóa ML-DSA-44 `pq_key` {}, nhưng sổ cái đồng ký bằng {} ({}); hãy nêu đúng khóa ấy",
                    show(pq_key.as_ref()),
                    show(held_pq),
                    super::recovery::LOG_PQ_KEY
                ),
                format!(
                    "`log_key.rotated` names the ML-DSA-44 `pq_key` {}, but the ledger cosigns with {} ({}); name that key",
                    show(pq_key.as_ref()),
                    show(held_pq),
                    super::recovery::LOG_PQ_KEY
                ),
            )));
        }
        Ok(())
    }

    fn write(&mut self, mut g: Pending) {
        if g.replies.is_empty() {
            return;
        }
        let file = self
            .segments
            .file()
            .ok_or_else(|| StorageError::Lost("the log has no segment to write to".into()));
        // Whatever part of the group reached the file is cut off on failure.
        let written = file.and_then(|file| {
            if !g.buf.is_empty() {
                self.segments.write(&g.buf)?;
            }
            Ok(file)
        });
        let file = match written {
            Ok(file) => file,
            Err(e) => {
                // Refuse the group; nothing of it stays in the segment, or, when it could not
                // be cut back, the ledger stops: what the file holds past it is unknown.
                let err = match e {
                    StorageError::Poisoned(p) => poison(&self.shared, p),
                    other => AppendError::Storage(other),
                };
                tracing::error!(error = %err, "append group refused");
                for (reply, _) in g.replies {
                    let _ = reply.send(Err(err.clone()));
                }
                return;
            }
        };
        self.size = g.size;
        self.last_received = g.last_received;
        self.frontier = g.frontier;
        if let Some(r) = g.registry.take() {
            if r.log_keys() != self.registry.log_keys() {
                // Before the group reaches the indexer, which signs its checkpoints.
                *self.shared.log_keys.write() = r.log_keys().clone();
            }
            self.registry = r;
        }
        self.seq += 1;
        for (stream, head) in g.heads {
            self.heads.insert(stream, (head, self.seq));
        }
        if self.heads.len() > HEAD_CACHE_LIMIT {
            let indexed = *self.shared.indexed.lock();
            self.heads.retain(|_, (_, seq)| *seq > indexed);
        }
        let (segment_first, file_len) = self.segment();
        g.batch.marker(Marker {
            size: self.size,
            segment: segment_first,
            offset: file_len,
            last_received: self.last_received,
        });
        let group = Group {
            seq: self.seq,
            file,
            batch: g.batch,
            size: self.size,
            root: self.frontier.root(),
            replies: g.replies,
        };
        if let Err(e) = self.sync.send(SyncMsg::Group(Box::new(group))) {
            if let SyncMsg::Group(group) = e.into_inner() {
                for (reply, _) in group.replies {
                    let _ = reply.send(Err(AppendError::Closed));
                }
            }
        }
    }
}

enum Outcome {
    /// Already durable: answer at once.
    Now(Appended),
    /// Answer when the group is durable.
    WithGroup(Appended),
}

/// A group being assembled: scratch copies of the state it changes, committed only when the
/// group's write succeeds.
struct Pending {
    buf: Vec<u8>,
    batch: Batch,
    size: u64,
    last_received: i64,
    frontier: Frontier,
    registry: Option<Registry>,
    heads: HashMap<String, Head>,
    /// The group's acts not yet durable: kind, stream and what a correction corrects.
    acts: HashMap<Hash, crate::authority::ChainLink>,
    appended: HashMap<Hash, Appended>,
    replies: Vec<(Reply<Appended>, Result<Appended, AppendError>)>,
}

impl Pending {
    fn new(c: &Committer) -> Pending {
        Pending {
            buf: Vec::new(),
            batch: Batch::new(),
            size: c.size,
            last_received: c.last_received,
            frontier: c.frontier.clone(),
            registry: None,
            heads: HashMap::new(),
            acts: HashMap::new(),
            appended: HashMap::new(),
            replies: Vec::new(),
        }
    }
}

/// Makes groups durable and acknowledges them.
struct Syncer {
    shared: Arc<Shared>,
    indexer: Sender<IndexMsg>,
}

enum IndexMsg {
    Group {
        seq: u64,
        batch: Box<Batch>,
        size: u64,
        root: Hash,
    },
    Checkpoint(Reply<SignedNote>),
}

/// A read the append path depends on failed (the lookup of a corrected act, by the committer
/// or by the schema check before it): judging on without it could read a storage error as "no
/// such act", so the ledger stops with [`PoisonCause::Read`] (a poisoned ledger's own error
/// passes on).
pub(super) fn poison_read(shared: &Shared, e: StorageError) -> StorageError {
    match e {
        e @ StorageError::Poisoned(_) => e,
        e => StorageError::Poisoned(stop(shared, Poison::from_error(PoisonCause::Read, &e))),
    }
}

fn poison(shared: &Shared, why: Poison) -> AppendError {
    AppendError::Storage(StorageError::Poisoned(stop(shared, why)))
}

/// Stops the ledger for `why`; returns the poison in force (the first one).
fn stop(shared: &Shared, why: Poison) -> Poison {
    tracing::error!(cause = ?why.cause, reason = %why.detail, "ledger poisoned: no further appends until reopened");
    let first = shared.poisoned.write().get_or_insert(why).clone();
    shared.indexed_changed.notify_all();
    first
}

impl Syncer {
    fn run(self, messages: Receiver<SyncMsg>) {
        while let Ok(first) = messages.recv() {
            // Every group written while the last fsync ran is made durable by one fsync: an
            // acknowledgement waits for the fsync in progress and its own, never for a queue
            // of them (issue 18: five fsyncs' worth of waiting behind groups of one or two).
            let mut groups = Vec::new();
            let mut next = Some(first);
            while let Some(msg) = next.take() {
                match msg {
                    SyncMsg::Group(g) => {
                        groups.push(*g);
                        next = messages.try_recv().ok();
                    }
                    SyncMsg::Checkpoint(reply) => {
                        // A checkpoint covers every group before it: those go first.
                        self.commit(std::mem::take(&mut groups));
                        let _ = self.indexer.send(IndexMsg::Checkpoint(reply));
                    }
                }
            }
            self.commit(groups);
        }
    }

    /// Makes `groups` (in log order) durable with one fsync per file they were written to,
    /// then acknowledges them and hands them to the indexer, in order.
    fn commit(&self, groups: Vec<Group>) {
        let Some(last) = groups.last() else {
            return;
        };
        // Bound first: a read guard held by the match would deadlock `poison`'s write lock.
        let poisoned = self.shared.poisoned.read().clone();
        let failed = match poisoned {
            Some(why) => Some(AppendError::Storage(StorageError::Poisoned(why))),
            None => {
                // A segment rolled between the groups: each file is synced, oldest first.
                let mut files: Vec<&Arc<dyn AppendFile>> = Vec::new();
                for g in &groups {
                    if !files.iter().any(|f| Arc::ptr_eq(f, &g.file)) {
                        files.push(&g.file);
                    }
                }
                files
                    .into_iter()
                    .find_map(|f| SegmentWriter::sync_file(&**f).err())
                    .map(|e| match e {
                        StorageError::Poisoned(p) => poison(&self.shared, p),
                        other => {
                            poison(&self.shared, Poison::from_error(PoisonCause::Fsync, &other))
                        }
                    })
            }
        };
        if let Some(err) = failed {
            for g in groups {
                for (reply, _) in g.replies {
                    let _ = reply.send(Err(err.clone()));
                }
            }
            return;
        }
        // Durable: acknowledge now, so that the appenders prepare the next group while this
        // one is indexed. Reads of these positions wait for the index (Shared::wait_indexed).
        self.shared
            .acked
            .store(last.size, std::sync::atomic::Ordering::Release);
        for g in groups {
            for (reply, answer) in g.replies {
                let _ = reply.send(answer);
            }
            let _ = self.indexer.send(IndexMsg::Group {
                seq: g.seq,
                batch: Box::new(g.batch),
                size: g.size,
                root: g.root,
            });
        }
    }
}

/// Applies durable groups to the index, publishes them to readers, and signs checkpoints.
struct Indexer {
    shared: Arc<Shared>,
    pq_key: Option<crate::pq::MlDsa44Key>,
    last_checkpoint_size: Option<u64>,
    last_checkpoint_at: Instant,
    interval: std::time::Duration,
}

impl Indexer {
    fn run(mut self, messages: Receiver<IndexMsg>) {
        loop {
            match messages.recv_timeout(self.interval) {
                Ok(IndexMsg::Group {
                    seq,
                    batch,
                    size,
                    root,
                }) => {
                    self.apply(seq, *batch, size, root);
                    if self.last_checkpoint_at.elapsed() >= self.interval {
                        self.checkpoint_if_behind();
                    }
                }
                Ok(IndexMsg::Checkpoint(reply)) => {
                    let _ = reply.send(self.checkpoint());
                }
                Err(RecvTimeoutError::Timeout) => self.checkpoint_if_behind(),
                Err(RecvTimeoutError::Disconnected) => {
                    self.checkpoint_if_behind();
                    return;
                }
            }
        }
    }

    fn apply(&mut self, seq: u64, batch: Batch, size: u64, root: Hash) {
        if self.shared.poisoned.read().is_some() {
            return;
        }
        if let Err(e) = self.shared.index.apply(batch) {
            poison(
                &self.shared,
                Poison::from_error(PoisonCause::IndexUpdate, &e),
            );
            return;
        }
        {
            let mut c = self.shared.committed.write();
            debug_assert!(size >= c.size, "the log never shrinks");
            c.size = size;
            c.root = root;
        }
        *self.shared.indexed.lock() = seq;
        self.shared.indexed_changed.notify_all();
    }

    /// Signs with the log key in force at the checkpoint's size and, while its secret is
    /// still held, the key it replaced (two signature lines, the key in force first).
    fn sign(&self, body: Checkpoint) -> Result<SignedNote, AppendError> {
        let size = body.size;
        let keys = self.shared.log_keys.read().clone();
        let signing = self.shared.signing.lock();
        let in_force = keys.in_force(size);
        let Some(secret) = signing.get(&in_force.key.public) else {
            return Err(AppendError::LogKeyNotHeld(Text::new(
                format!(
                    "không ký được điểm kiểm cỡ {size}: sổ cái không giữ khóa bí mật của khóa sổ cái có hiệu lực {}; hãy đặt nó vào {} hoặc thay khóa bằng `congress-ledger key rotate-log`",
                    in_force.key.encode(),
                    super::recovery::log_key_file(&self.shared.dir, &in_force.key.public).display()
                ),
                format!(
                    "cannot sign the checkpoint of size {size}: the ledger does not hold the secret of the log key in force, {}; put it in {} or rotate with `congress-ledger key rotate-log`",
                    in_force.key.encode(),
                    super::recovery::log_key_file(&self.shared.dir, &in_force.key.public).display()
                ),
            )));
        };
        let mut note = SignedNote::sign(body, secret)
            .map_err(|e| AppendError::Storage(StorageError::Index(e.to_string())))?;
        if let Some(old) = keys.before(size).and_then(|b| signing.get(&b.key.public)) {
            let also = SignedNote::sign(note.checkpoint.clone(), old)
                .map_err(|e| AppendError::Storage(StorageError::Index(e.to_string())))?;
            note.signatures.extend(also.signatures);
        }
        Ok(note)
    }

    fn checkpoint_if_behind(&mut self) {
        let size = self.shared.committed.read().size;
        if self.last_checkpoint_size != Some(size) && self.shared.poisoned.read().is_none() {
            if let Err(e) = self.checkpoint() {
                tracing::error!(error = %e, "could not sign a checkpoint");
            }
        }
    }

    /// Signs and durably stores a checkpoint of the committed log, unless one of that size
    /// exists already: the ledger never signs two checkpoints of one size.
    /// A poisoned ledger signs nothing more: what its files hold past the poisoning is unknown
    /// (a record cut short, an fsync that failed), and a checkpoint written after it would be
    /// carried on from.
    fn checkpoint(&mut self) -> Result<SignedNote, AppendError> {
        if let Some(p) = self.shared.poisoned.read().clone() {
            return Err(AppendError::Storage(StorageError::Poisoned(p)));
        }
        let committed = self.shared.committed.read().clone();
        if let Some(note) = committed.checkpoint.as_ref() {
            if note.checkpoint.size == committed.size {
                return Ok(note.clone());
            }
            assert!(
                note.checkpoint.size < committed.size,
                "checkpoint sizes only grow ({} then {})",
                note.checkpoint.size,
                committed.size
            );
        }
        let body = Checkpoint::new(&self.shared.origin, committed.size, committed.root);
        let mut note = self.sign(body)?;
        if let Some(pq) = &self.pq_key {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let line =
                crate::format::cosignature::cosign_ml_dsa_44(&note, &self.shared.origin, pq, now)
                    .map_err(|e| AppendError::Storage(StorageError::Index(e.to_string())))?;
            note.signatures.push(line);
        }
        let appended = self.shared.checkpoints.lock().append(&note);
        let (offset, len) = match appended {
            Ok(at) => at,
            // A failed fsync or cut-back of the history leaves it unknown: stop, never carry on.
            Err(StorageError::Poisoned(p)) => return Err(poison(&self.shared, p)),
            Err(e) => return Err(AppendError::Storage(e)),
        };
        let mut batch = Batch::new();
        batch.checkpoint(committed.size, offset, len);
        batch.checkpoint_marker(offset + frame::framed_len(len as usize));
        self.shared.index.apply(batch)?;
        self.shared.committed.write().checkpoint = Some(note.clone());
        self.last_checkpoint_size = Some(committed.size);
        self.last_checkpoint_at = Instant::now();
        Ok(note)
    }
}
