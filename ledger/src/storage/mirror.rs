//! Writing a read-only mirror's files: entries exactly as the mirrored ledger stored them
//! (same positions, `received` times and bytes, so the same root), framed into segments rolled
//! at the configured size, and the checkpoints that were verified against them. Archive
//! import and the monitor write mirrors this way; opening the directory as a ledger then
//! indexes whatever the index lacks, as after a crash.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::checkpoints::CheckpointFile;
use super::{frame, segment, StorageError};
use crate::engine::MIRROR_MARKER;
use crate::format::SignedNote;

/// Marks `dir` as a read-only mirror (it holds no log key), saying what it mirrors.
pub fn mark_read_only(dir: &Path, description: &str) -> Result<(), StorageError> {
    let marker = dir.join(MIRROR_MARKER);
    fs::write(&marker, format!("{description}\n")).map_err(|e| StorageError::io(&marker, e))?;
    segment::sync_dir(dir)
}

pub struct MirrorLog {
    dir: PathBuf,
    log_dir: PathBuf,
    segment_bytes: u64,
    /// The segment being written: its first position, file and length.
    current: Option<(u64, File, u64)>,
    size: u64,
    checkpoints: CheckpointFile,
    /// Bytes framed but not yet written.
    buf: Vec<u8>,
}

impl MirrorLog {
    /// Starts writing a log in `dir` (new or empty). Mark it with [`mark_read_only`] unless
    /// the ledger's signing key will be put beside it.
    pub fn create(dir: &Path, segment_bytes: u64) -> Result<MirrorLog, StorageError> {
        let log_dir = dir.join("log");
        fs::create_dir_all(&log_dir).map_err(|e| StorageError::io(&log_dir, e))?;
        let (checkpoints, _) = CheckpointFile::open(dir, 0)?;
        segment::sync_dir(dir)?;
        Ok(MirrorLog {
            dir: dir.to_path_buf(),
            log_dir,
            segment_bytes,
            current: None,
            size: 0,
            checkpoints,
            buf: Vec::new(),
        })
    }

    /// Goes on writing a mirror that holds `size` entries (as opening it as a ledger found,
    /// which also cut off any torn tail).
    pub fn resume(dir: &Path, size: u64, segment_bytes: u64) -> Result<MirrorLog, StorageError> {
        let log_dir = dir.join("log");
        let last = segment::list(&log_dir)?.last().copied();
        let current = match last {
            Some(first) => {
                let file = segment::open_append(&log_dir, first)?;
                let path = segment::segment_path(&log_dir, first);
                let len = file
                    .metadata()
                    .map_err(|e| StorageError::io(&path, e))?
                    .len();
                Some((first, file, len))
            }
            None => None,
        };
        let (checkpoints, _) = CheckpointFile::open(dir, 0)?;
        Ok(MirrorLog {
            dir: dir.to_path_buf(),
            log_dir,
            segment_bytes,
            current,
            size,
            checkpoints,
            buf: Vec::new(),
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds the entry at the next position (its bytes as the ledger stored them).
    pub fn push(&mut self, entry: &[u8]) -> Result<(), StorageError> {
        let full = self
            .current
            .as_ref()
            .is_none_or(|(_, _, len)| *len >= self.segment_bytes);
        if full {
            self.sync()?;
            let file = segment::create(&self.log_dir, self.size)?;
            self.current = Some((self.size, file, segment::HEADER_LEN));
        }
        let before = self.buf.len();
        frame::encode(entry, &mut self.buf);
        if let Some((_, _, len)) = self.current.as_mut() {
            *len += (self.buf.len() - before) as u64;
        }
        self.size += 1;
        Ok(())
    }

    /// Makes every entry pushed durable.
    pub fn sync(&mut self) -> Result<(), StorageError> {
        if let Some((first, file, _)) = self.current.as_mut() {
            let path = segment::segment_path(&self.log_dir, *first);
            file.write_all(&self.buf)
                .and_then(|()| file.sync_data())
                .map_err(|e| StorageError::io(&path, e))?;
            self.buf.clear();
        }
        segment::sync_dir(&self.log_dir)
    }

    /// Keeps a checkpoint verified against the entries (all of them durable first).
    pub fn checkpoint(&mut self, note: &SignedNote) -> Result<(), StorageError> {
        self.sync()?;
        self.checkpoints.append(note).map(|_| ())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
