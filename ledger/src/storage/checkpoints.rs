//! `checkpoints.log`: every checkpoint the ledger ever signed, in order, as framed note text.
//!
//! It is not derivable from the log (which sizes were signed is history), so it is durable
//! like the segments: a checkpoint is fsynced here before anyone is shown it.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::format::checkpoint::MAX_NOTE_BYTES;
use crate::format::SignedNote;

use super::frame::{self, Found};
use super::StorageError;

const MAGIC: &[u8; 16] = b"CLCKP\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00";
pub const HEADER_LEN: u64 = 16;

pub struct CheckpointFile {
    path: PathBuf,
    file: File,
    len: u64,
}

/// One stored checkpoint and where it is.
pub struct Stored {
    pub note: SignedNote,
    pub offset: u64,
    pub len: u32,
}

impl CheckpointFile {
    /// Opens (or creates) the file and returns the checkpoints stored from `from_offset` on. A
    /// torn last frame — a checkpoint whose write never finished, so never served — is cut off.
    pub fn open(
        dir: &Path,
        from_offset: u64,
    ) -> Result<(CheckpointFile, Vec<Stored>), StorageError> {
        let path = dir.join("checkpoints.log");
        let fresh = !path.exists();
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| StorageError::io(&path, e))?;
        if fresh {
            file.write_all(MAGIC)
                .map_err(|e| StorageError::io(&path, e))?;
            file.sync_all().map_err(|e| StorageError::io(&path, e))?;
            super::segment::sync_dir(dir)?;
        }
        let data = std::fs::read(&path).map_err(|e| StorageError::io(&path, e))?;
        if data.len() < HEADER_LEN as usize || &data[..16] != MAGIC {
            return Err(StorageError::Corrupt {
                file: path,
                offset: 0,
                position: None,
                reason: "not a checkpoint file (bad header)".into(),
            });
        }
        let mut offset = (from_offset.max(HEADER_LEN)) as usize;
        let mut found = Vec::new();
        loop {
            match frame::read(&data, offset, MAX_NOTE_BYTES) {
                Found::Frame { start, end } => {
                    let note = std::str::from_utf8(&data[start..end])
                        .ok()
                        .and_then(|t| SignedNote::parse(t).ok())
                        .ok_or_else(|| StorageError::Corrupt {
                            file: path.clone(),
                            offset: offset as u64,
                            position: None,
                            reason: "stored checkpoint is not a valid signed note".into(),
                        })?;
                    found.push(Stored {
                        note,
                        offset: offset as u64,
                        len: (end - start) as u32,
                    });
                    offset = end;
                }
                Found::End => break,
                Found::Torn => {
                    file.set_len(offset as u64)
                        .map_err(|e| StorageError::io(&path, e))?;
                    file.sync_all().map_err(|e| StorageError::io(&path, e))?;
                    break;
                }
                Found::Corrupt(reason) => {
                    return Err(StorageError::Corrupt {
                        file: path,
                        offset: offset as u64,
                        position: None,
                        reason,
                    })
                }
            }
        }
        let len = offset as u64;
        Ok((CheckpointFile { path, file, len }, found))
    }

    /// Appends a note durably; returns its offset and payload length.
    pub fn append(&mut self, note: &SignedNote) -> Result<(u64, u32), StorageError> {
        let text = note.encode();
        let mut buf = Vec::with_capacity(text.len() + frame::HEADER_LEN);
        frame::encode(text.as_bytes(), &mut buf);
        let offset = self.len;
        let result = self
            .file
            .write_all(&buf)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = result {
            // Leave no half-written note behind; the next append starts at a clean boundary.
            let _ = self.file.set_len(offset);
            return Err(StorageError::io(&self.path, e));
        }
        self.len += buf.len() as u64;
        Ok((offset, text.len() as u32))
    }

    pub fn next_offset(&self) -> u64 {
        self.len
    }

    pub fn read(&self, offset: u64, len: u32) -> Result<SignedNote, StorageError> {
        let mut buf = vec![0u8; frame::HEADER_LEN + len as usize];
        self.file
            .read_exact_at(&mut buf, offset)
            .map_err(|e| StorageError::io(&self.path, e))?;
        let corrupt = |reason: &str| StorageError::Corrupt {
            file: self.path.clone(),
            offset,
            position: None,
            reason: reason.into(),
        };
        let Found::Frame { start, end } = frame::read(&buf, 0, len as usize) else {
            return Err(corrupt("stored checkpoint fails its checksum"));
        };
        let text = std::str::from_utf8(&buf[start..end]).map_err(|_| corrupt("not UTF-8"))?;
        SignedNote::parse(text).map_err(|_| corrupt("not a signed note"))
    }
}
