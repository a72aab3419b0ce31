//! Storage: segment files (the source of truth), the checkpoint file, and the sled index
//! derived from them. The seam: [`Segments`], [`Histories`] and [`Blobs`] are what the engine
//! writes through ([`Storage::files`] is today's directory, `files.rs`); [`EntrySource`] is
//! what folds (projections, verification) read from.

pub mod checkpoints;
pub mod cosignatures;
pub mod frame;
pub mod history;
pub mod index;
pub mod mirror;
pub mod records;
pub mod runs;
pub mod segment;
pub mod timestamps;

use std::io;
use std::path::{Path, PathBuf};

/// Everything that can go wrong below the format: files, disks and the index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    #[error("I/O error on {path}: {message}")]
    Io {
        path: PathBuf,
        kind: io::ErrorKind,
        message: String,
    },
    #[error("{file} is damaged at byte {offset}{}: {reason}", position.map(|p| format!(" (entry {p})")).unwrap_or_default())]
    Corrupt {
        file: PathBuf,
        offset: u64,
        position: Option<u64>,
        reason: String,
    },
    #[error("index database error: {0}")]
    Index(String),
    #[error("acknowledged data is missing: {0}")]
    Lost(String),
    #[error(
        "the ledger stopped accepting writes after {} ({}); reopen it (restart the server) to \
         recover", .0.cause.words(), .0.detail
    )]
    Poisoned(Poison),
}

/// Why a ledger stopped accepting writes: after one of these, nothing can be known about what
/// reached the disk (or what the index holds) until the ledger is reopened and recovers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PoisonCause {
    /// An fsync of the log or of a history file failed.
    Fsync,
    /// A failed write could not be cut back to where the group started.
    CutBack,
    /// The index could not be updated.
    IndexUpdate,
    /// A read the append path depends on failed (e.g. looking up a corrected act).
    Read,
}

impl PoisonCause {
    pub fn words(self) -> &'static str {
        match self {
            PoisonCause::Fsync => "a failed fsync",
            PoisonCause::CutBack => "a failed write that could not be cut back",
            PoisonCause::IndexUpdate => "a failed index update",
            PoisonCause::Read => "a failed read on the append path",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poison {
    pub cause: PoisonCause,
    /// The failure was the disk being full: once space is back, a reopen recovers.
    pub disk_full: bool,
    pub detail: String,
}

impl Poison {
    /// The poison a storage failure causes.
    pub fn from_error(cause: PoisonCause, e: &StorageError) -> Poison {
        match e {
            StorageError::Poisoned(p) => p.clone(),
            other => Poison {
                cause,
                disk_full: other.is_disk_full(),
                detail: other.to_string(),
            },
        }
    }
}

impl StorageError {
    pub fn io(path: &Path, e: io::Error) -> StorageError {
        StorageError::Io {
            path: path.to_path_buf(),
            kind: e.kind(),
            message: e.to_string(),
        }
    }

    /// True when the disk is full: the append can be retried once space is back.
    pub fn is_disk_full(&self) -> bool {
        match self {
            StorageError::Io { kind, .. } => *kind == io::ErrorKind::StorageFull,
            // Stopped because the disk filled up: still a full disk to whoever asks, until
            // space is back and the ledger reopened.
            StorageError::Poisoned(p) => p.disk_full,
            _ => false,
        }
    }
}

impl From<sled::Error> for StorageError {
    fn from(e: sled::Error) -> Self {
        StorageError::Index(e.to_string())
    }
}

pub mod blobs;
pub mod faults;
pub mod files;
pub mod sim;

use std::sync::Arc;

/// One append-only file of the store: a segment of the log or a history file. Written only at
/// its end; a write that fails is cut back with [`AppendFile::truncate`] by the writer.
pub trait AppendFile: Send + Sync {
    /// Appends `bytes` at the end (not yet durable).
    fn append(&self, bytes: &[u8]) -> Result<(), StorageError>;
    /// Makes everything appended durable.
    fn sync(&self) -> Result<(), StorageError>;
    /// Cuts the file back to `len` bytes, durably.
    fn truncate(&self, len: u64) -> Result<(), StorageError>;
    fn len(&self) -> Result<u64, StorageError>;
    fn is_empty(&self) -> Result<bool, StorageError> {
        Ok(self.len()? == 0)
    }
    /// Reads exactly `buf.len()` bytes at `offset`.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), StorageError>;
    /// Every byte of the file.
    fn read_all(&self) -> Result<Vec<u8>, StorageError>;
    /// What to call the file in messages (its path, for the files store).
    fn name(&self) -> PathBuf;
}

/// The log's segments, each named by the position of its first entry (`storage/segment.rs`
/// has their header and the one writer that appends to them).
pub trait Segments: Send + Sync {
    /// The segments held, ascending by first position, each with a header matching its name.
    fn list(&self) -> Result<Vec<u64>, StorageError>;
    /// Creates segment `first` holding only its header, durably (its name too).
    fn create(&self, first: u64) -> Result<Arc<dyn AppendFile>, StorageError>;
    /// Opens segment `first` for reading and appending.
    fn open(&self, first: u64) -> Result<Arc<dyn AppendFile>, StorageError>;
    /// What to call segment `first` in messages.
    fn name(&self, first: u64) -> PathBuf;
}

/// The durable history files beside the log (`checkpoints.log`, `cosignatures.log`,
/// `timestamps.log`): history
/// that cannot be derived from the log, each an append-only file opened by name.
pub trait Histories: Send + Sync {
    /// Opens the history file `name`, creating it empty (durably) if there is none.
    fn open(&self, name: &str) -> Result<Box<dyn AppendFile>, StorageError>;
}

/// Attached documents, stored and named by the SHA-256 of their content.
pub trait Blobs: Send + Sync {
    /// Stores `bytes` (whole or not at all) and returns their hash in hex; storing the same
    /// bytes twice is harmless.
    fn put(&self, bytes: &[u8]) -> Result<String, StorageError>;
    /// The document whose SHA-256 is `hex`, if held.
    fn get(&self, hex: &str) -> Result<Option<Vec<u8>>, StorageError>;
    /// The hashes of every document held, in hex, ascending.
    fn list(&self) -> Result<Vec<String>, StorageError>;
}

/// A ledger's storage: its segments, its history files and its documents. The index (derived,
/// deletable) stays in files of its own.
#[derive(Clone)]
pub struct Storage {
    pub segments: Arc<dyn Segments>,
    pub histories: Arc<dyn Histories>,
    pub blobs: Arc<dyn Blobs>,
}

impl Storage {
    /// Today's files: `<dir>/log/*.seg`, `<dir>/<name>.log`, `<dir>/blobs/sha256/<hex>`.
    pub fn files(dir: &Path) -> Storage {
        Storage {
            segments: Arc::new(files::FileSegments::new(&dir.join("log"))),
            histories: Arc::new(files::FileHistories::new(dir)),
            blobs: Arc::new(blobs::FileBlobs::new(dir)),
        }
    }
}

/// Where entries come from, for whatever folds over a log (projections, verification, export)
/// without knowing what holds it: a live ledger, a mirror, tiles.
pub trait EntrySource {
    /// How many entries the source holds.
    fn size(&self) -> u64;
    /// Reads entries `[from, to)` in order, a stretch at a time: `f` gets the position of the
    /// stretch's first entry and the entries' bytes, and returns false to stop.
    fn scan_chunks(
        &self,
        from: u64,
        to: u64,
        f: &mut dyn FnMut(u64, &[&[u8]]) -> bool,
    ) -> Result<(), StorageError>;
    /// The entry whose event has this hash, if the source holds one.
    fn entry_by_hash(
        &self,
        hash: &crate::format::Hash,
    ) -> Result<Option<crate::format::Entry>, StorageError>;
    /// What to call the source in messages about its entries.
    fn name(&self) -> PathBuf;
}

/// A signed log to verify: its entries, every checkpoint signed over them, and the
/// witnesses' cosignatures on those.
pub trait SignedLog: EntrySource {
    fn origin(&self) -> &str;
    /// The log's verifier key (the one its genesis names).
    fn log_key(&self) -> &crate::format::VerifierKey;
    /// Every checkpoint signed over the log, ascending by size.
    fn checkpoints(&self) -> Result<Vec<crate::format::SignedNote>, StorageError>;
    /// The checkpoints of these sizes, in the same order, each with its cosignatures.
    fn cosigned(&self, sizes: &[u64]) -> Result<Vec<crate::format::SignedNote>, StorageError>;
}

/// Where folded state (the projections) is checkpointed between runs.
pub trait SavedState {
    fn saved_state(&self) -> Result<Option<Vec<u8>>, StorageError>;
    fn save_state(&self, bytes: &[u8]) -> Result<(), StorageError>;
}
