//! Writing a read-only mirror's files: entries exactly as the mirrored ledger stored them
//! (same positions, `received` times and bytes, so the same root), framed into segments rolled
//! at the configured size, and the checkpoints that were verified against them. Archive
//! import and the monitor write mirrors this way; opening the directory as a ledger then
//! indexes whatever the index lacks, as after a crash.

use std::fs;
use std::path::{Path, PathBuf};

use super::checkpoints::CheckpointFile;
use super::segment::SegmentWriter;
use super::{frame, segment, Storage, StorageError};
use crate::format::SignedNote;

/// The file that marks a ledger directory as a read-only mirror (it holds no log key).
pub const MIRROR_MARKER: &str = "MIRROR";

/// Marks `dir` as a read-only mirror (it holds no log key), saying what it mirrors.
pub fn mark_read_only(dir: &Path, description: &str) -> Result<(), StorageError> {
    let marker = dir.join(MIRROR_MARKER);
    fs::write(&marker, format!("{description}\n")).map_err(|e| StorageError::io(&marker, e))?;
    segment::sync_dir(dir)
}

pub struct MirrorLog {
    dir: PathBuf,
    writer: SegmentWriter,
    size: u64,
    checkpoints: CheckpointFile,
    /// Bytes framed but not yet written.
    buf: Vec<u8>,
}

impl MirrorLog {
    /// Starts writing a log in `dir` (new or empty). Mark it with [`mark_read_only`] unless
    /// the ledger's signing key will be put beside it.
    pub fn create(dir: &Path, segment_bytes: u64) -> Result<MirrorLog, StorageError> {
        fs::create_dir_all(dir).map_err(|e| StorageError::io(dir, e))?;
        let log = MirrorLog::resume(dir, 0, segment_bytes)?;
        segment::sync_dir(dir)?;
        Ok(log)
    }

    /// Goes on writing a mirror that holds `size` entries (as opening it as a ledger found,
    /// which also cut off any torn tail).
    pub fn resume(dir: &Path, size: u64, segment_bytes: u64) -> Result<MirrorLog, StorageError> {
        let storage = Storage::files(dir);
        let writer = SegmentWriter::resume(storage.segments.clone(), segment_bytes)?;
        let (checkpoints, _) = CheckpointFile::open(&*storage.histories, 0)?;
        Ok(MirrorLog {
            dir: dir.to_path_buf(),
            writer,
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
        if self.writer.is_full(self.buf.len() as u64) {
            self.sync()?;
            self.writer.roll_if_full(self.size)?;
        }
        frame::encode(entry, &mut self.buf);
        self.size += 1;
        Ok(())
    }

    /// Makes every entry pushed durable.
    pub fn sync(&mut self) -> Result<(), StorageError> {
        if !self.buf.is_empty() {
            self.writer.write(&self.buf)?;
            self.buf.clear();
        }
        self.writer.sync()
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
