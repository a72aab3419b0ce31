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
        "the ledger stopped accepting writes after a failed disk write or flush ({0}); reopen it \
         (restart the server) to recover"
    )]
    Poisoned(String),
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
            StorageError::Io { kind, message, .. } => {
                *kind == io::ErrorKind::StorageFull || message.contains("No space left")
            }
            // Stopped because the disk filled up: still a full disk to whoever asks, until
            // space is back and the ledger reopened.
            StorageError::Poisoned(why) => why.contains("No space left"),
            _ => false,
        }
    }
}

impl From<sled::Error> for StorageError {
    fn from(e: sled::Error) -> Self {
        StorageError::Index(e.to_string())
    }
}
