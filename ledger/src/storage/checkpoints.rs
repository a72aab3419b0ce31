//! `checkpoints.log`: every checkpoint the ledger ever signed, in order, as framed note text.
//!
//! It is not derivable from the log (which sizes were signed is history), so it is durable
//! like the segments: a checkpoint is fsynced here before anyone is shown it.

use crate::format::checkpoint::MAX_NOTE_BYTES;
use crate::format::SignedNote;

use super::history::History;
use super::{Histories, StorageError};

const MAGIC: &[u8; 16] = b"CLCKP\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00";

pub struct CheckpointFile {
    history: History,
}

/// One stored checkpoint and where it is.
pub struct Stored {
    pub note: SignedNote,
    pub offset: u64,
    pub len: u32,
}

fn note(payload: &[u8]) -> Option<SignedNote> {
    std::str::from_utf8(payload)
        .ok()
        .and_then(|t| SignedNote::parse(t).ok())
}

impl CheckpointFile {
    /// Opens (or creates) the file and returns the checkpoints stored from `from_offset` on. A
    /// torn last frame — a checkpoint whose write never finished, so never served — is cut off.
    pub fn open(
        store: &dyn Histories,
        from_offset: u64,
    ) -> Result<(CheckpointFile, Vec<Stored>), StorageError> {
        let mut found = Vec::new();
        let history = History::open(
            store,
            "checkpoints.log",
            MAGIC,
            "a checkpoint file",
            MAX_NOTE_BYTES,
            from_offset,
            |offset, payload| {
                let note = note(payload).ok_or("stored checkpoint is not a valid signed note")?;
                found.push(Stored {
                    note,
                    offset,
                    len: payload.len() as u32,
                });
                Ok(())
            },
        )?;
        Ok((CheckpointFile { history }, found))
    }

    /// Appends a note durably; returns its offset and payload length.
    pub fn append(&mut self, note: &SignedNote) -> Result<(u64, u32), StorageError> {
        let text = note.encode();
        let offset = self.history.append(text.as_bytes())?;
        Ok((offset, text.len() as u32))
    }

    /// What to call the file in messages.
    pub fn name(&self) -> std::path::PathBuf {
        self.history.path()
    }

    pub fn next_offset(&self) -> u64 {
        self.history.len()
    }

    pub fn read(&self, offset: u64, len: u32) -> Result<SignedNote, StorageError> {
        let payload = self.history.read(offset, len)?;
        note(&payload).ok_or_else(|| StorageError::Corrupt {
            file: self.history.path(),
            offset,
            position: None,
            reason: "stored checkpoint is not a signed note".into(),
        })
    }
}
