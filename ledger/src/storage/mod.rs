//! Storage: segment files (the source of truth), the checkpoint file, and the sled index
//! derived from them.

pub mod checkpoints;
pub mod cosignatures;
pub mod frame;
pub mod history;
pub mod index;
pub mod mirror;
pub mod records;
pub mod runs;
pub mod segment;

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
