//! Fault injection through the storage seam: [`Faults::wrap`] puts any [`Storage`] (the
//! files, or the simulated disk of `sim.rs`) behind a plan that is asked before every I/O call
//! — write, fsync, read, truncate, create (a new file made durable under its name: a segment's
//! rename into place, a history file, a document) — and may make it fail, tear it (part of a
//! write reaches the store, or the call is carried out but reported as failed), delay it, or
//! crash the store (this call and every later one fail, as if the machine had stopped). The
//! one fault mechanism of the ledger: the full-disk tests, the seeded simulation
//! (`ledger/tests/simulation.rs`) and the API's slow-disk test all go through it.

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::{AppendFile, Blobs, Histories, Segments, Storage, StorageError};

/// The kinds of I/O call a plan is asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    Write,
    Sync,
    Read,
    Truncate,
    /// Making a new file exist under its name (the files store writes a temporary file and
    /// renames it): a segment, a history file, a document.
    Create,
}

impl Op {
    pub const ALL: [Op; 5] = [Op::Write, Op::Sync, Op::Read, Op::Truncate, Op::Create];

    pub fn name(self) -> &'static str {
        match self {
            Op::Write => "write",
            Op::Sync => "fsync",
            Op::Read => "read",
            Op::Truncate => "truncate",
            Op::Create => "create/rename",
        }
    }
}

/// One I/O call, as the plan sees it.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub op: Op,
    /// The file's name (its last component: `00000000000000000000.seg`, `checkpoints.log`),
    /// `segments` for listing them, or `blobs` for documents.
    pub file: &'a str,
    /// How many calls of this kind on this file came before (deterministic when the callers
    /// are, whatever the threads' timing between files).
    pub n: u64,
    /// Bytes written, for [`Op::Write`] (0 otherwise).
    pub len: usize,
}

/// What happens to a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Pass,
    /// The call fails with this kind of error and changes nothing.
    Fail(io::ErrorKind),
    /// The call fails after doing part of its work: a write leaves its first `n` bytes (fewer
    /// than it was given); any other call is carried out whole and still reported as failed
    /// (an fsync that reached the disk, a rename that happened).
    Tear(usize),
    /// The call waits this long, then goes ahead.
    Delay(Duration),
    /// The store stops: this call and every one after it fail, and nothing more reaches it.
    Crash,
    /// The call says it succeeded and did nothing, as a disk that lies about fsync does (for
    /// an fsync or a write; any other call goes ahead). To check that the simulation's checks
    /// catch what such a disk loses.
    Lie,
}

type Plan = Box<dyn Fn(&Call) -> Action + Send + Sync>;

/// A plan and what it did.
pub struct Faults {
    plan: Plan,
    dead: AtomicBool,
    counts: Mutex<HashMap<(Op, String), u64>>,
    /// Faults injected (failed, torn or crashed calls), by [`Op`] in the order of `Op::ALL`.
    injected: [AtomicU64; 5],
}

impl Faults {
    pub fn new(plan: impl Fn(&Call) -> Action + Send + Sync + 'static) -> Arc<Faults> {
        Arc::new(Faults {
            plan: Box::new(plan),
            dead: AtomicBool::new(false),
            counts: Mutex::new(HashMap::new()),
            injected: Default::default(),
        })
    }

    /// `inner`, every call of it asked about first.
    pub fn wrap(self: &Arc<Self>, inner: Storage) -> Storage {
        let store = Arc::new(Faulty {
            inner,
            faults: self.clone(),
        });
        Storage {
            segments: store.clone(),
            histories: store.clone(),
            blobs: store,
        }
    }

    /// True once the plan crashed the store.
    pub fn crashed(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }

    /// Faults injected so far, by kind.
    pub fn injected(&self) -> Vec<(Op, u64)> {
        Op::ALL
            .iter()
            .zip(&self.injected)
            .map(|(op, n)| (*op, n.load(Ordering::Relaxed)))
            .collect()
    }

    /// What the plan says of this call (counting it).
    fn decide(&self, op: Op, file: &str, len: usize) -> Action {
        if self.crashed() {
            return Action::Crash;
        }
        let n = {
            let mut counts = self.counts.lock();
            let n = counts.entry((op, file.to_string())).or_insert(0);
            *n += 1;
            *n - 1
        };
        let action = (self.plan)(&Call { op, file, n, len });
        if let Action::Delay(d) = action {
            std::thread::sleep(d);
            return Action::Pass;
        }
        if !matches!(action, Action::Pass | Action::Lie) {
            let i = Op::ALL.iter().position(|o| *o == op).unwrap_or(0);
            self.injected[i].fetch_add(1, Ordering::Relaxed);
        }
        if action == Action::Crash {
            self.dead.store(true, Ordering::SeqCst);
        }
        action
    }

    /// Runs `call` as the plan says; `part` does only a write's first `n` bytes (nothing, for
    /// an fsync, when `n` is 0); other calls are never done in part.
    fn run<T>(
        &self,
        op: Op,
        name: &dyn Fn() -> PathBuf,
        len: usize,
        call: impl FnOnce() -> Result<T, StorageError>,
        part: impl FnOnce(usize) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let file = name();
        let short = file
            .file_name()
            .unwrap_or(file.as_os_str())
            .to_string_lossy();
        let action = self.decide(op, &short, len);
        let injected = |kind: io::ErrorKind, what: &str| {
            let what = match kind {
                io::ErrorKind::Other => what.to_string(),
                kind => io::Error::from(kind).to_string(),
            };
            StorageError::io(
                &file,
                io::Error::new(kind, format!("{what} (injected: {})", op.name())),
            )
        };
        match action {
            Action::Pass | Action::Delay(_) => call(),
            Action::Fail(kind) => Err(injected(kind, "I/O error")),
            Action::Tear(n) if op == Op::Write => {
                let _ = part(n.min(len.saturating_sub(1)))?;
                Err(injected(io::ErrorKind::Other, "torn write"))
            }
            Action::Tear(_) => {
                call()?;
                Err(injected(
                    io::ErrorKind::Other,
                    "done, then reported as failed",
                ))
            }
            Action::Crash => Err(injected(io::ErrorKind::Other, "the machine stopped")),
            Action::Lie if matches!(op, Op::Write | Op::Sync) => part(0),
            Action::Lie => call(),
        }
    }
}

/// The `part` of a call that is never done in part.
fn whole<T>(_: usize) -> Result<T, StorageError> {
    Err(StorageError::Lost(
        "a call done in part that cannot be".into(),
    ))
}

struct Faulty {
    inner: Storage,
    faults: Arc<Faults>,
}

struct FaultyFile<F> {
    inner: F,
    faults: Arc<Faults>,
}

impl<F: std::ops::Deref<Target = dyn AppendFile> + Send + Sync> AppendFile for FaultyFile<F> {
    fn append(&self, bytes: &[u8]) -> Result<(), StorageError> {
        self.faults.run(
            Op::Write,
            &|| self.inner.name(),
            bytes.len(),
            || self.inner.append(bytes),
            |n| self.inner.append(&bytes[..n]),
        )
    }

    fn sync(&self) -> Result<(), StorageError> {
        let f = &self.faults;
        f.run(
            Op::Sync,
            &|| self.inner.name(),
            0,
            || self.inner.sync(),
            |_| Ok(()),
        )
    }

    fn truncate(&self, len: u64) -> Result<(), StorageError> {
        let f = &self.faults;
        let cut = || self.inner.truncate(len);
        f.run(Op::Truncate, &|| self.inner.name(), 0, cut, whole)
    }

    fn len(&self) -> Result<u64, StorageError> {
        let f = &self.faults;
        f.run(
            Op::Read,
            &|| self.inner.name(),
            0,
            || self.inner.len(),
            whole,
        )
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), StorageError> {
        let name = || self.inner.name();
        let read = || self.inner.read_at(offset, buf);
        self.faults.run(Op::Read, &name, 0, read, whole)
    }

    fn read_all(&self) -> Result<Vec<u8>, StorageError> {
        let name = || self.inner.name();
        let read = || self.inner.read_all();
        self.faults.run(Op::Read, &name, 0, read, whole)
    }

    fn name(&self) -> PathBuf {
        self.inner.name()
    }
}

impl Segments for Faulty {
    fn list(&self) -> Result<Vec<u64>, StorageError> {
        let name = || PathBuf::from("segments");
        let list = || self.inner.segments.list();
        self.faults.run(Op::Read, &name, 0, list, whole)
    }

    fn create(&self, first: u64) -> Result<Arc<dyn AppendFile>, StorageError> {
        let name = || self.inner.segments.name(first);
        let create = || self.inner.segments.create(first);
        let file = self.faults.run(Op::Create, &name, 0, create, whole)?;
        Ok(Arc::new(FaultyFile {
            inner: file,
            faults: self.faults.clone(),
        }))
    }

    fn open(&self, first: u64) -> Result<Arc<dyn AppendFile>, StorageError> {
        Ok(Arc::new(FaultyFile {
            inner: self.inner.segments.open(first)?,
            faults: self.faults.clone(),
        }))
    }

    fn name(&self, first: u64) -> PathBuf {
        self.inner.segments.name(first)
    }
}

impl Histories for Faulty {
    fn open(&self, name: &str) -> Result<Box<dyn AppendFile>, StorageError> {
        let file = || PathBuf::from(name);
        let open = || self.inner.histories.open(name);
        let file = self.faults.run(Op::Create, &file, 0, open, whole)?;
        Ok(Box::new(FaultyFile {
            inner: file,
            faults: self.faults.clone(),
        }))
    }
}

impl Blobs for Faulty {
    fn put(&self, bytes: &[u8]) -> Result<String, StorageError> {
        let name = || PathBuf::from("blobs");
        let put = || self.inner.blobs.put(bytes);
        self.faults.run(Op::Create, &name, 0, put, whole)
    }

    fn get(&self, hex: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let name = || PathBuf::from("blobs");
        let get = || self.inner.blobs.get(hex);
        self.faults.run(Op::Read, &name, 0, get, whole)
    }

    fn list(&self) -> Result<Vec<String>, StorageError> {
        let name = || PathBuf::from("blobs");
        let list = || self.inner.blobs.list();
        self.faults.run(Op::Read, &name, 0, list, whole)
    }
}
