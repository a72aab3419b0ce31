//! Append-only files of fixed-width records: record `i` is at byte `i · width`. The index
//! keeps what is positional here (entry locations, Merkle nodes), so that a lookup is one
//! read at a computed offset and nothing about it has to live in memory.
//!
//! One writer (the indexer, or recovery before the ledger is shared) appends; any thread
//! reads records below [`RecordFile::len`], which moves only after their bytes are written.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::StorageError;

pub struct RecordFile {
    path: PathBuf,
    file: File,
    width: u64,
    len: AtomicU64,
}

impl RecordFile {
    /// Opens (or creates) the file, keeping its first `keep` records and cutting off the rest,
    /// a partial record included. Fewer than `keep` is an error: what the index recorded as
    /// durable is missing.
    pub fn open(path: &Path, width: usize, keep: u64) -> Result<RecordFile, StorageError> {
        let io = |e| StorageError::io(path, e);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        let width = width as u64;
        let held = file.metadata().map_err(io)?.len() / width;
        if held < keep {
            return Err(StorageError::Index(format!(
                "{} holds {held} records, but the index recorded {keep} as durable; delete the \
                 index directory to rebuild it from the log",
                path.display()
            )));
        }
        file.set_len(keep * width).map_err(io)?;
        Ok(RecordFile {
            path: path.to_path_buf(),
            file,
            width,
            len: AtomicU64::new(keep),
        })
    }

    /// Records written (and readable).
    pub fn len(&self) -> u64 {
        self.len.load(Ordering::Acquire)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends whole records. Only the single writer calls this.
    pub fn append(&self, bytes: &[u8]) -> Result<(), StorageError> {
        assert_eq!(bytes.len() as u64 % self.width, 0, "whole records only");
        let len = self.len.load(Ordering::Acquire);
        self.file
            .write_all_at(bytes, len * self.width)
            .map_err(|e| StorageError::io(&self.path, e))?;
        self.len
            .store(len + bytes.len() as u64 / self.width, Ordering::Release);
        Ok(())
    }

    /// Record `i` into `out` (`width` bytes); false if it is not written yet.
    pub fn read(&self, i: u64, out: &mut [u8]) -> Result<bool, StorageError> {
        debug_assert_eq!(out.len() as u64, self.width);
        if i >= self.len() {
            return Ok(false);
        }
        self.file
            .read_exact_at(out, i * self.width)
            .map_err(|e| StorageError::io(&self.path, e))?;
        Ok(true)
    }

    pub fn sync(&self) -> Result<(), StorageError> {
        self.file
            .sync_data()
            .map_err(|e| StorageError::io(&self.path, e))
    }

    /// Every byte written, for comparing two indexes.
    pub fn bytes(&self) -> Result<Vec<u8>, StorageError> {
        let mut out = vec![0u8; (self.len() * self.width) as usize];
        self.file
            .read_exact_at(&mut out, 0)
            .map_err(|e| StorageError::io(&self.path, e))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_reopen_keeps_only_what_was_durable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.idx");
        let f = RecordFile::open(&path, 4, 0).unwrap();
        f.append(&[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
        f.append(&[9, 9, 9, 9]).unwrap();
        let mut out = [0u8; 4];
        assert!(f.read(1, &mut out).unwrap());
        assert_eq!(out, [5, 6, 7, 8]);
        assert!(!f.read(3, &mut out).unwrap());
        drop(f);
        // A torn record at the end, and a record beyond what is kept: both cut off.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, &[7, 7]))
            .unwrap();
        let f = RecordFile::open(&path, 4, 2).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f.bytes().unwrap(), vec![1, 2, 3, 4, 5, 6, 7, 8]);
        drop(f);
        let err = RecordFile::open(&path, 4, 3).err().unwrap();
        assert!(err.to_string().contains("holds 2 records"), "{err}");
    }
}
