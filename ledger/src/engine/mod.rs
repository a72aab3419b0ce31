//! The ledger engine: one directory holding the segment log, the checkpoint file, the log key
//! and the sled index, with appends acknowledged only once durable.
//!
//! ```text
//! <dir>/log/<first position>.seg   entries, framed (source of truth)
//! <dir>/checkpoints.log            every signed checkpoint (durable history)
//! <dir>/cosignatures.log           witnesses' cosignatures on them (durable history)
//! <dir>/timestamps.log             TSAs' RFC 3161 tokens on them (durable history)
//! <dir>/log.key                    the log's signing key (mode 0600), the one
//!                                  `ledger.created` names
//! <dir>/log-keys/<hex>.key         the secrets of later log keys, by public key (hex): a
//!                                  `log_key.rotated` may name only a key held here
//! <dir>/log-ml-dsa-44.key          optional: the log's ML-DSA-44 key, which cosigns each
//!                                  checkpoint (C2SP tlog-cosignature `subtree/v1`)
//! <dir>/index/                     sled: derived, deletable, rebuilt on open
//! ```
//!
//! Appends flow caller → committer thread (batch signature check, sequencing, one write per
//! group) → syncer thread (one fsync per group, index batch, acknowledgements, checkpoints).
//! The two threads overlap: a group is prepared while the previous one is being flushed.

mod cosigned;
mod error;
mod recovery;
mod rotation;
mod timestamped;
mod writer;

pub use recovery::{log_key_file, LOG_KEYS_DIR, MIRROR_MARKER};

pub use cosigned::CosignError;
pub use error::AppendError;
pub use rotation::Rotation;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{bounded, Sender};
use ed25519_dalek::SigningKey;
use parking_lot::{Condvar, Mutex, RwLock};

use crate::authority::Registry;
use crate::format::merkle::{self, ProofError};
use crate::format::{Entry, Hash, SignedEvent, SignedNote, VerifierKey};
use crate::storage::checkpoints::CheckpointFile;
use crate::storage::index::{Head, Index};
use crate::storage::{frame, segment, EntrySource, SavedState, SignedLog, Storage, StorageError};

/// Tunables, with defaults that suit one congress season on one machine.
#[derive(Clone)]
pub struct Options {
    /// A segment is closed once it reaches this many bytes.
    pub segment_bytes: u64,
    /// The most events one group commit takes.
    pub max_batch: usize,
    /// How often a checkpoint is signed while appends arrive (and when idle after them).
    pub checkpoint_interval: Duration,
    /// sled's page cache.
    pub index_cache_bytes: u64,
    /// Positions per run of index keys (`storage/runs.rs`): what the index holds in memory and
    /// an open replays at most. Tests make it small to cross many run boundaries; a ledger
    /// keeps the span it was built with for its indexes to be rebuilt identically.
    pub index_run_span: u64,
    /// The ledger's clock for `received`, ms since the epoch (injectable for tests).
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    /// Told how many entries have been indexed while opening replays the log into the index
    /// (after a crash, or when the index was deleted); not called when nothing is replayed.
    pub replay_progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
    /// The storage a ledger directory is opened with: [`Storage::files`] unless given (a
    /// store that injects faults, `storage::faults`, or a simulated disk, `storage::sim`).
    pub storage: Option<StorageFor>,
}

/// Makes the storage of a ledger directory.
pub type StorageFor = Arc<dyn Fn(&Path) -> Storage + Send + Sync>;

impl Options {
    /// The storage of the ledger in `dir`.
    pub fn storage(&self, dir: &Path) -> Storage {
        match &self.storage {
            Some(make) => make(dir),
            None => Storage::files(dir),
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            segment_bytes: 64 << 20,
            max_batch: 4096,
            checkpoint_interval: Duration::from_millis(1000),
            index_cache_bytes: 256 << 20,
            index_run_span: crate::storage::index::RUN_SPAN,
            clock: Arc::new(now_ms),
            replay_progress: None,
            storage: None,
        }
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// What an acknowledged append returns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Appended {
    pub position: u64,
    pub event_hash: Hash,
    pub stream: String,
    pub version: u64,
    pub received: i64,
    /// False when the same bytes were already stored (an idempotent retry).
    pub created: bool,
}

/// What [`Ledger::try_submit_then`] did with an event.
pub enum Submitted {
    /// Checked and queued: its `done` is called once it is durable or refused.
    Queued,
    /// Checked as far as possible without blocking: finish it with [`Ledger::submit_deferred`].
    Deferred(Deferred),
}

/// A submission waiting for a check that reads the log or takes long, or for room in the
/// committer's queue.
pub struct Deferred {
    stage: Stage,
    reply: writer::Reply<Appended>,
}

/// How far a deferred submission was checked.
enum Stage {
    /// Not at all (a large event).
    Unchecked(Vec<u8>),
    /// Decoded and its signature verified, with its free-text verdict; its schema not yet (a
    /// correction's reads the log).
    Signed(Box<SignedEvent>, TextVerdict),
    /// Every check before the queue made.
    Checked(Box<SignedEvent>),
}

/// The free-text rule's verdict on a payload (§4).
type TextVerdict = Result<(), crate::format::json::TextProblem>;

/// Events larger than this are checked by [`Ledger::submit_deferred`], off the caller's
/// thread: hashing and validating one holds a thread for longer than an async worker should
/// be held (events are usually under 1 KiB; documents go in as blobs).
const INLINE_CHECK_BYTES: usize = 64 * 1024;

/// The answer to a submitted event, to be waited for.
pub struct Ticket {
    answer: crossbeam_channel::Receiver<Result<Appended, AppendError>>,
}

impl Ticket {
    /// Blocks until the event is durable or refused.
    pub fn wait(self) -> Result<Appended, AppendError> {
        self.answer.recv().map_err(|_| AppendError::Closed)?
    }
}

/// Why a ledger could not be created or opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
    #[error("{path} already holds a ledger (or other files); choose an empty or new directory")]
    NotEmpty { path: PathBuf },
    #[error("{path} is not a ledger directory (no {missing})")]
    NotALedger {
        path: PathBuf,
        missing: &'static str,
    },
    #[error("the genesis event is not acceptable: {0}")]
    Genesis(String),
}

/// The state readers may see: only what is durable and indexed.
#[derive(Clone)]
struct Committed {
    size: u64,
    root: Hash,
    checkpoint: Option<SignedNote>,
}

pub(crate) struct Shared {
    dir: PathBuf,
    storage: Storage,
    origin: String,
    log_vkey: VerifierKey,
    /// The log's post-quantum cosigning key, when it holds one (`log-ml-dsa-44.key`).
    log_pq_key: Option<crate::format::WitnessKey>,
    /// The chain of log keys as the committed registry names it (§4, `log_key.rotated`).
    log_keys: RwLock<crate::authority::LogKeys>,
    /// The log keys' secrets held, by public key: `log.key` and `log-keys/*.key`.
    signing: Mutex<std::collections::HashMap<[u8; 32], SigningKey>>,
    index: Index,
    reader: segment::Reader,
    committed: RwLock<Committed>,
    checkpoints: Mutex<CheckpointFile>,
    /// Witness cosignatures accepted, by checkpoint size.
    cosignatures: Mutex<crate::storage::cosignatures::CosignatureFile>,
    /// RFC 3161 tokens obtained, by checkpoint size.
    timestamps: Mutex<crate::storage::timestamps::TimestampFile>,
    /// Entries acknowledged to appenders: durable in the log, perhaps not indexed yet.
    acked: AtomicU64,
    /// Sequence number of the last group indexed (readable), and a signal when it moves.
    indexed: Mutex<u64>,
    indexed_changed: Condvar,
    poisoned: RwLock<Option<crate::storage::Poison>>,
    /// Signer keys seen, decompressed once (shared by the submitting threads).
    keys: crate::crypto::KeyCache,
}

pub struct Ledger {
    shared: Arc<Shared>,
    submit: Option<Sender<writer::Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl Ledger {
    /// Creates a ledger in `dir` (new or empty) whose first entry is `genesis`, a signed
    /// `ledger.created` naming `log_key` as the log key.
    pub fn create(
        dir: &Path,
        genesis: SignedEvent,
        log_key: SigningKey,
        options: Options,
    ) -> Result<Ledger, OpenError> {
        recovery::create(dir, &genesis, &log_key, &options)?;
        Ledger::open(dir, options)
    }

    /// Opens an existing ledger, recovering from a crash and rebuilding the index as needed.
    pub fn open(dir: &Path, options: Options) -> Result<Ledger, OpenError> {
        let recovered = recovery::open(dir, &options)?;
        let shared = recovered.shared;
        let (submit, threads) = match writer::start(shared.clone(), recovered.writer, options)? {
            Some((submit, threads)) => (Some(submit), threads),
            None => (None, Vec::new()),
        };
        Ok(Ledger {
            shared,
            submit,
            threads,
        })
    }

    /// A read-only mirror: it holds no log key, serves what it holds and appends nothing.
    pub fn is_mirror(&self) -> bool {
        self.submit.is_none()
    }

    /// Every byte of the index (sled's keys, the files, the keys held in memory), for tests
    /// showing that a rebuilt index is identical to the original.
    pub fn index_dump(&self) -> Result<Vec<crate::storage::index::KeyValue>, StorageError> {
        self.shared.index.dump()
    }

    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    pub fn origin(&self) -> &str {
        &self.shared.origin
    }

    /// The log's verifier key (the one named in `ledger.created`): the one verifiers pin.
    pub fn log_key(&self) -> &VerifierKey {
        &self.shared.log_vkey
    }

    /// The chain of log keys: the genesis key, then each key a `log_key.rotated` named, with
    /// the size from which it signs. The last one signs the checkpoints to come.
    pub fn log_keys(&self) -> crate::authority::LogKeys {
        self.shared.log_keys.read().clone()
    }

    /// The first checkpoint each log key signed, in the chain's order (None for a key that
    /// has signed none yet): what a verifier needs to follow the chain from any of them.
    pub fn first_checkpoints_by_key(&self) -> Result<Vec<Option<SignedNote>>, StorageError> {
        let keys = self.log_keys();
        let mut out = Vec::new();
        for k in keys.all() {
            // The first checkpoint at or past its `from` is in its range, so signed by it.
            let note = match self.shared.index.first_checkpoint_from(k.from)? {
                Some(size) => self.checkpoint_at(size)?,
                None => None,
            };
            out.push(note.filter(|n| n.verify(&k.key).is_ok()));
        }
        Ok(out)
    }

    /// The log's ML-DSA-44 cosigning key (named by the origin), when it holds one: each
    /// checkpoint it signs carries a `subtree/v1` cosignature by it. Readers who require
    /// post-quantum signatures pass it as a `--witness` key.
    pub fn log_pq_key(&self) -> Option<&crate::format::WitnessKey> {
        self.shared.log_pq_key.as_ref()
    }

    /// Appends signed event bytes, returning once the entry is durable.
    pub fn append(&self, bytes: Vec<u8>) -> Result<Appended, AppendError> {
        self.submit(bytes)?.wait()
    }

    /// Hands signed event bytes to the ledger without waiting: the answer comes through the
    /// returned ticket once the entry is durable (or refused). An appender may keep several
    /// events of its stream in flight this way; they are sequenced in submission order, and
    /// if one is refused the ones after it in the same stream are refused too (their `prev`
    /// no longer matches).
    pub fn submit(&self, bytes: Vec<u8>) -> Result<Ticket, AppendError> {
        let (reply, answer) = bounded(1);
        self.enqueue(bytes, writer::Reply::Channel(reply))?;
        Ok(Ticket { answer })
    }

    /// As [`Ledger::submit`], but the answer is handed to `done` (on the ledger's thread that
    /// makes the entry durable: it must return quickly) instead of a ticket to wait on. Checks
    /// made before the event is queued are returned at once, and `done` is then not called.
    pub fn submit_then(
        &self,
        bytes: Vec<u8>,
        done: impl FnOnce(Result<Appended, AppendError>) + Send + 'static,
    ) -> Result<(), AppendError> {
        self.enqueue(bytes, writer::Reply::Call(Box::new(done)))
    }

    /// As [`Ledger::submit_then`], but never blocks, so that an async server can call it on
    /// its own threads (issue 18: no hand-off to a blocking thread per append). The checks
    /// that are computation only (decoding, the signature, the schema) are made here; an event
    /// whose check reads the log (a correction looks up the act it corrects), one larger than
    /// 64 KiB, and one that finds the committer's queue full come back as
    /// [`Submitted::Deferred`], to be finished by
    /// [`Ledger::submit_deferred`] on a thread that may block.
    pub fn try_submit_then(
        &self,
        bytes: Vec<u8>,
        done: impl FnOnce(Result<Appended, AppendError>) + Send + 'static,
    ) -> Result<Submitted, AppendError> {
        let reply = writer::Reply::Call(Box::new(done));
        if bytes.len() > INLINE_CHECK_BYTES {
            // Hashing and validating a large event takes milliseconds: not on the caller's.
            return Ok(Submitted::Deferred(Deferred {
                stage: Stage::Unchecked(bytes),
                reply,
            }));
        }
        let (event, text) = self.checked(bytes)?;
        if event.body().kind == "correction.issued" {
            return Ok(Submitted::Deferred(Deferred {
                stage: Stage::Signed(Box::new(event), text),
                reply,
            }));
        }
        self.check_schema(&event, text)?;
        let submit = self.submit.as_ref().ok_or(AppendError::ReadOnly)?;
        let job = writer::Job::Append {
            event: Box::new(event),
            reply,
        };
        match submit.try_send(job) {
            Ok(()) => Ok(Submitted::Queued),
            Err(crossbeam_channel::TrySendError::Full(writer::Job::Append { event, reply })) => {
                Ok(Submitted::Deferred(Deferred {
                    stage: Stage::Checked(event),
                    reply,
                }))
            }
            Err(_) => Err(AppendError::Closed),
        }
    }

    /// Finishes a submission [`Ledger::try_submit_then`] deferred: the checks that read the
    /// log, then the wait for room in the committer's queue. Blocks; an error is returned
    /// here, and the submission's `done` is then not called.
    pub fn submit_deferred(&self, deferred: Deferred) -> Result<(), AppendError> {
        let Deferred { stage, reply } = deferred;
        let event = match stage {
            Stage::Unchecked(bytes) => {
                let (event, text) = self.checked(bytes)?;
                self.check_schema(&event, text)?;
                Box::new(event)
            }
            Stage::Signed(event, text) => {
                self.check_schema(&event, text)?;
                event
            }
            Stage::Checked(event) => event,
        };
        let submit = self.submit.as_ref().ok_or(AppendError::ReadOnly)?;
        submit
            .send(writer::Job::Append { event, reply })
            .map_err(|_| AppendError::Closed)
    }

    fn enqueue(&self, bytes: Vec<u8>, reply: writer::Reply<Appended>) -> Result<(), AppendError> {
        let (event, text) = self.checked(bytes)?;
        self.check_schema(&event, text)?;
        let submit = self.submit.as_ref().ok_or(AppendError::ReadOnly)?;
        submit
            .send(writer::Job::Append {
                event: Box::new(event),
                reply,
            })
            .map_err(|_| AppendError::Closed)
    }

    /// The checks of a submitted event that need nothing but its bytes: its size, its
    /// encoding, its ledger and its signature; with the free-text verdict on its payload
    /// (§4), found by the same pass as the payload rule and reported by the schema check.
    fn checked(&self, bytes: Vec<u8>) -> Result<(SignedEvent, TextVerdict), AppendError> {
        let limit = crate::format::encoding::MAX_APPEND_EVENT_BYTES;
        if bytes.len() > limit {
            return Err(AppendError::TooLarge {
                bytes: bytes.len(),
                limit,
            });
        }
        let event = SignedEvent::decode_structure(bytes)?;
        let rules = crate::format::json::check_rules(&event.body().payload);
        rules.object?;
        if event.body().ledger != self.shared.origin {
            return Err(AppendError::WrongLedger {
                expected: self.shared.origin.clone(),
                found: event.body().ledger.clone(),
            });
        }
        // Verified here, on the submitting thread: submitters run in parallel, while the
        // committer that sequences every event is one thread. The signature comes before the
        // schema, so that a tampered event is refused as such (403), not as malformed (422).
        let message = crate::format::event::signed_message(event.body_bytes());
        let signature = event.signature();
        let item = crate::crypto::Item {
            public: &event.body().signer,
            message: &message,
            signature: &signature,
        };
        if !crate::crypto::verify_each(&[item], &self.shared.keys)[0] {
            return Err(AppendError::Signature(
                crate::crypto::SignatureError::Invalid,
            ));
        }
        Ok((event, rules.text))
    }

    /// Validates the payload against its kind's schema (a correction's replacement against the
    /// corrected act's); a kind with confidential fields must use the schema that commits
    /// them. Unknown kinds are left to the authority check, which names them.
    fn check_schema(&self, event: &SignedEvent, text: TextVerdict) -> Result<(), AppendError> {
        let body = event.body();
        if crate::catalogue::spec(&body.kind).is_none() {
            return Ok(());
        }
        if let Err(problem) = text {
            return Err(AppendError::Schema(crate::domain::schemas::SchemaError {
                kind: body.kind.clone(),
                schema: body.schema,
                path: problem.path.clone(),
                message: problem.describe().1,
                message_vi: problem.describe().0,
            }));
        }
        crate::domain::schemas::validate(&body.kind, body.schema, &body.payload)?;
        crate::confidential::check_new_append(&body.kind, body.schema)?;
        if body.kind == "correction.issued" {
            // The replacement is of the act at the start of the correction chain. A lookup
            // that fails stops the ledger (`writer::poison_read`), as the committer's do: a
            // storage error is never judged on as an act that is not there.
            let stored = |h: &Hash| {
                self.entry_by_hash(h)
                    .map_err(|e| writer::poison_read(&self.shared, e))
            };
            let first = crate::authority::correction_target(body)?;
            let root = crate::authority::resolve_correction(&first, &mut |h: &Hash| {
                Ok::<_, StorageError>(
                    stored(h)?.map(|e| crate::authority::chain_link(e.event.body())),
                )
            })?;
            let corrected = match root {
                Some(root) => stored(&root.event)?,
                None => None,
            };
            if let Some(corrected) = corrected {
                #[derive(serde::Deserialize)]
                struct Replacement {
                    replacement: serde_json::Value,
                }
                let r: Replacement = serde_json::from_slice(&body.payload).map_err(|e| {
                    crate::domain::schemas::SchemaError {
                        kind: body.kind.clone(),
                        schema: body.schema,
                        path: "/replacement".into(),
                        message: e.to_string(),
                        message_vi: format!("không đọc được: {e}"),
                    }
                })?;
                let c = corrected.event.body();
                let bytes = serde_json::to_vec(&r.replacement).unwrap_or_default();
                crate::domain::schemas::validate(&c.kind, c.schema, &bytes).map_err(|mut e| {
                    e.path = format!("/replacement{}", e.path);
                    e
                })?;
                crate::confidential::check_correction(c, &r.replacement)?;
            }
        }
        Ok(())
    }

    /// Signs a checkpoint of everything acknowledged so far (or returns the one already
    /// signed at that size) once it is durable.
    pub fn sign_checkpoint(&self) -> Result<SignedNote, AppendError> {
        let Some(submit) = self.submit.as_ref() else {
            // A mirror serves the checkpoint it holds for its whole log.
            return match self.checkpoint() {
                Some(note) if note.checkpoint.size == self.size() => Ok(note),
                _ => Err(AppendError::ReadOnly),
            };
        };
        let (reply, answer) = bounded(1);
        submit
            .send(writer::Job::Checkpoint {
                reply: writer::Reply::Channel(reply),
            })
            .map_err(|_| AppendError::Closed)?;
        answer.recv().map_err(|_| AppendError::Closed)?
    }

    /// Number of acknowledged entries.
    pub fn size(&self) -> u64 {
        self.shared.acked.load(Ordering::Acquire)
    }

    /// Root of the tree of every entry acknowledged so far (waiting for the index to have
    /// them, which follows each acknowledgement by a moment).
    pub fn root(&self) -> Hash {
        let size = self.size();
        if size > 0 {
            self.shared.wait_indexed(size - 1);
        }
        self.shared.committed.read().root
    }

    /// Blocks until the log holds more than `size` entries, or `timeout` passes; returns the
    /// size then. For followers (subscriptions, monitors).
    pub fn wait_for_growth(&self, size: u64, timeout: Duration) -> u64 {
        let mut indexed = self.shared.indexed.lock();
        let current = self.size();
        if current > size {
            return current;
        }
        self.shared.indexed_changed.wait_for(&mut indexed, timeout);
        drop(indexed);
        self.size()
    }

    /// The stream's next version and head hash, as of every acknowledged entry.
    pub fn head(&self, stream: &str) -> Result<Option<Head>, StorageError> {
        self.indexed_size(self.size());
        self.shared.index.head(stream)
    }

    pub fn streams(&self) -> Result<Vec<String>, StorageError> {
        self.indexed_size(self.size());
        self.shared.index.streams()
    }

    /// The stored bytes of entry `position` (None past the end).
    pub fn entry_bytes(&self, position: u64) -> Result<Option<Vec<u8>>, StorageError> {
        self.shared.entry_bytes(position)
    }

    pub fn entry(&self, position: u64) -> Result<Option<Entry>, StorageError> {
        self.shared.entry(position)
    }

    pub fn entry_by_hash(&self, hash: &Hash) -> Result<Option<Entry>, StorageError> {
        self.indexed_size(self.size());
        match self.shared.index.position_of_hash(hash)? {
            Some(p) => self.entry(p),
            None => Ok(None),
        }
    }

    /// Up to `limit` events of `stream` from version `from`.
    pub fn stream(
        &self,
        stream: &str,
        from: u64,
        limit: usize,
    ) -> Result<Vec<Entry>, StorageError> {
        let size = self.size();
        let mut out = Vec::new();
        for p in self.shared.index.stream_positions(stream, from, limit)? {
            if p >= size {
                break;
            }
            if let Some(e) = self.entry(p)? {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Reads entries `[from, to)` in order, segment by segment, calling `f` with each entry's
    /// position and bytes. Memory stays within one segment.
    pub fn scan(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(u64, &[u8]) -> bool,
    ) -> Result<(), StorageError> {
        let to = self.indexed_size(to.min(self.size())).min(to);
        self.shared.scan(from, to, f)
    }

    /// Like [`Ledger::scan`], a segment's stretch at a time: `f` gets the position of the
    /// first entry and the entries' bytes.
    pub fn scan_chunks(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(u64, &[&[u8]]) -> bool,
    ) -> Result<(), StorageError> {
        let to = self.indexed_size(to.min(self.size())).min(to);
        let mut position = from;
        self.shared.scan_frames(from, to, &mut |frames| {
            let go_on = f(position, frames);
            position += frames.len() as u64;
            go_on
        })
    }

    /// The attached documents.
    pub fn blobs(&self) -> &dyn crate::storage::Blobs {
        &*self.shared.storage.blobs
    }

    /// The latest signed checkpoint.
    pub fn checkpoint(&self) -> Option<SignedNote> {
        self.shared.committed.read().checkpoint.clone()
    }

    /// The checkpoint signed at exactly `size`, if one was.
    pub fn checkpoint_at(&self, size: u64) -> Result<Option<SignedNote>, StorageError> {
        match self.shared.index.checkpoint_location(size)? {
            Some((offset, len)) => self.shared.checkpoints.lock().read(offset, len).map(Some),
            None => Ok(None),
        }
    }

    /// Every size at which a checkpoint was signed, ascending.
    pub fn checkpoint_sizes(&self) -> Result<Vec<u64>, StorageError> {
        self.shared.index.checkpoint_sizes()
    }

    pub fn root_at(&self, size: u64) -> Result<Result<Hash, ProofError>, StorageError> {
        let current = self.indexed_size(size);
        if size > current {
            return Ok(Err(ProofError::IndexOutOfRange {
                index: size,
                size: current,
            }));
        }
        merkle::root(&self.shared.index, size).map(Ok)
    }

    /// The hash of the complete subtree at `level` (0 for leaves) and `index`, which covers
    /// entries `index·2^level .. (index+1)·2^level` (all acknowledged: waited for).
    pub fn tree_node(&self, level: u32, index: u64) -> Result<Hash, StorageError> {
        let end = (index + 1) << level;
        if self.indexed_size(end.min(self.size())) < end {
            return Err(StorageError::Lost(format!(
                "the Merkle node (level {level}, index {index}) covers entries the log does not hold"
            )));
        }
        merkle::NodeSource::node(&self.shared.index, level, index)
    }

    /// Inclusion proof of entry `index` in the tree of `size` entries (O(log n) index reads).
    pub fn inclusion_proof(
        &self,
        index: u64,
        size: u64,
    ) -> Result<Result<Vec<Hash>, ProofError>, StorageError> {
        // Against what the index holds (after waiting for it to catch up with what is
        // acknowledged): a size acknowledged but not indexed yet is not a missing node.
        let current = self.indexed_size(size.min(self.size()));
        if size > current {
            return Ok(Err(ProofError::IndexOutOfRange {
                index: size,
                size: current,
            }));
        }
        merkle::inclusion_proof(&self.shared.index, index, size)
    }

    pub fn consistency_proof(
        &self,
        old: u64,
        new: u64,
    ) -> Result<Result<Vec<Hash>, ProofError>, StorageError> {
        let current = self.indexed_size(new.min(self.size()));
        if new > current {
            return Ok(Err(ProofError::IndexOutOfRange {
                index: new,
                size: current,
            }));
        }
        merkle::consistency_proof(&self.shared.index, old, new)
    }

    /// How many entries the index covers, after waiting for it to cover `wanted` entries if
    /// they are acknowledged.
    fn indexed_size(&self, wanted: u64) -> u64 {
        if wanted > 0 {
            self.shared.wait_indexed(wanted - 1);
        }
        self.shared.committed.read().size
    }

    /// The authority registry as of the latest entry, rebuilt from stream `ledger`.
    pub fn registry(&self) -> Result<Registry, StorageError> {
        recovery::load_registry(&self.shared)
    }

    /// Stops accepting appends, waits for acknowledged work, signs a last checkpoint and
    /// flushes the index.
    pub fn close(mut self) -> Result<(), StorageError> {
        self.shutdown();
        self.shared.index.flush()
    }

    fn shutdown(&mut self) {
        self.submit.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        self.shutdown();
        // The index is derived and replayed on open, so a failed flush loses nothing; it is
        // still said, never passed over silently.
        if let Err(e) = self.shared.index.flush() {
            tracing::error!(error = %e, "flushing the index on close failed; it is rebuilt from the log on open");
        }
    }
}

impl EntrySource for Ledger {
    fn size(&self) -> u64 {
        Ledger::size(self)
    }

    fn scan_chunks(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(u64, &[&[u8]]) -> bool,
    ) -> Result<(), StorageError> {
        Ledger::scan_chunks(self, from, to, f)
    }

    fn entry_by_hash(&self, hash: &Hash) -> Result<Option<Entry>, StorageError> {
        Ledger::entry_by_hash(self, hash)
    }

    fn name(&self) -> PathBuf {
        self.shared.dir.clone()
    }
}

impl SignedLog for Ledger {
    fn origin(&self) -> &str {
        Ledger::origin(self)
    }

    fn log_key(&self) -> &VerifierKey {
        Ledger::log_key(self)
    }

    fn checkpoints(&self) -> Result<Vec<SignedNote>, StorageError> {
        let mut notes = Vec::new();
        for size in self.checkpoint_sizes()? {
            if let Some(note) = self.checkpoint_at(size)? {
                notes.push(note);
            }
        }
        Ok(notes)
    }

    fn cosigned(&self, sizes: &[u64]) -> Result<Vec<SignedNote>, StorageError> {
        self.checkpoints_cosigned(sizes)
    }
}

impl SavedState for Ledger {
    fn saved_state(&self) -> Result<Option<Vec<u8>>, StorageError> {
        self.shared.index.projection_checkpoint()
    }

    fn save_state(&self, bytes: &[u8]) -> Result<(), StorageError> {
        self.shared.index.save_projection_checkpoint(bytes)
    }
}

/// How long a read of an acknowledged entry waits for the index to catch up.
const INDEX_LAG_LIMIT: Duration = Duration::from_secs(10);

impl Shared {
    /// Whether entry `position` is readable; an acknowledged entry whose index update is still
    /// in flight (it follows the fsync) is waited for, so appenders read their own writes.
    fn wait_indexed(&self, position: u64) -> bool {
        if position < self.committed.read().size {
            return true;
        }
        if position >= self.acked.load(Ordering::Acquire) {
            return false;
        }
        let deadline = std::time::Instant::now() + INDEX_LAG_LIMIT;
        let mut indexed = self.indexed.lock();
        while position >= self.committed.read().size {
            if self.poisoned.read().is_some()
                || self
                    .indexed_changed
                    .wait_until(&mut indexed, deadline)
                    .timed_out()
            {
                return position < self.committed.read().size;
            }
        }
        true
    }

    fn entry_bytes(&self, position: u64) -> Result<Option<Vec<u8>>, StorageError> {
        if !self.wait_indexed(position) {
            return Ok(None);
        }
        let Some((offset, len)) = self.index.frame_of(position)? else {
            return Err(StorageError::Index(format!(
                "entry {position} is acknowledged but not indexed; delete the index directory \
                 to rebuild it"
            )));
        };
        let segment = self.reader.segment_of(position);
        self.reader.read_frame(segment, offset, len).map(Some)
    }

    fn entry(&self, position: u64) -> Result<Option<Entry>, StorageError> {
        let Some(bytes) = self.entry_bytes(position)? else {
            return Ok(None);
        };
        Entry::decode(&bytes)
            .map(Some)
            .map_err(|e| StorageError::Corrupt {
                file: self.reader.name(self.reader.segment_of(position)),
                offset: 0,
                position: Some(position),
                reason: format!("stored entry does not decode: {e}"),
            })
    }

    fn scan(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(u64, &[u8]) -> bool,
    ) -> Result<(), StorageError> {
        let mut position = from;
        self.scan_frames(from, to, &mut |frames| {
            frames.iter().all(|bytes| {
                let go_on = f(position, bytes);
                position += 1;
                go_on
            })
        })
    }

    /// Reads entries `[from, to)` a segment at a time, handing `f` the entry bytes of each
    /// segment's stretch in order; `f` returns false to stop. Memory stays within a segment.
    fn scan_frames(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(&[&[u8]]) -> bool,
    ) -> Result<(), StorageError> {
        if from >= to {
            return Ok(());
        }
        let Some((start_offset, _)) = self.index.frame_of(from)? else {
            return Err(StorageError::Index(format!("entry {from} is not indexed")));
        };
        let start_segment = self.reader.segment_of(from);
        let mut position = from;
        for first in self
            .reader
            .segments()
            .into_iter()
            .filter(|&s| s >= start_segment)
        {
            let data = self.reader.read_all(first)?;
            let offset = if first == start_segment {
                start_offset as usize
            } else {
                segment::HEADER_LEN as usize
            };
            let mut frames: Vec<&[u8]> = Vec::new();
            let (offset, stop) = frame::walk(
                &data,
                offset,
                crate::format::encoding::MAX_ENTRY_BYTES,
                |_, bytes| {
                    frames.push(bytes);
                    position += 1;
                    Ok::<_, StorageError>(position < to)
                },
            )?;
            let damaged = |reason: String| StorageError::Corrupt {
                file: self.reader.name(first),
                offset: offset as u64,
                position: Some(position),
                reason,
            };
            match stop {
                frame::Stop::End | frame::Stop::Halted => {}
                // Every entry asked for is acknowledged, so whole: a frame cut short (or
                // failing its checksum with nothing after it) is damage, named here rather
                // than after a pass over everything before it.
                frame::Stop::Torn if position < to => {
                    return Err(damaged(
                        "frame is cut short or fails its checksum, but the entry is acknowledged"
                            .into(),
                    ))
                }
                frame::Stop::Torn => {}
                frame::Stop::Corrupt(reason) => return Err(damaged(reason)),
            }
            if !f(&frames) || position >= to {
                return Ok(());
            }
        }
        if position < to {
            return Err(StorageError::Lost(format!(
                "the log ends at entry {position}, but {to} entries are acknowledged"
            )));
        }
        Ok(())
    }
}
