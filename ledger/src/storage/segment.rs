//! Segments: the append-only log, the ledger's only source of truth.
//!
//! `log/<first position, 20 digits>.seg` in the files store, each starting with a 16-byte
//! header (magic and the position of its first entry) followed by frames, one entry per frame.
//! A segment is closed once it reaches the configured size; only the last one is ever written
//! to, by the one [`SegmentWriter`] (the ledger's and every mirror's).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{frame, AppendFile, Poison, PoisonCause, Segments, StorageError};

pub use super::files::sync_dir;

pub const MAGIC: &[u8; 8] = b"CLSEG\x00\x01\x00";
pub const HEADER_LEN: u64 = 16;

pub fn segment_path(dir: &Path, first: u64) -> PathBuf {
    dir.join(format!("{first:020}.seg"))
}

pub fn header(first: u64) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[..8].copy_from_slice(MAGIC);
    h[8..].copy_from_slice(&first.to_le_bytes());
    h
}

/// Refuses a segment whose header is missing or names another first position.
pub fn check_header(file: &dyn AppendFile, first: u64) -> Result<(), StorageError> {
    let mut h = [0u8; 16];
    if file.len()? < HEADER_LEN || file.read_at(0, &mut h).is_err() || h != header(first) {
        return Err(StorageError::Corrupt {
            file: file.name(),
            offset: 0,
            position: Some(first),
            reason: "segment header is missing or does not match its name".into(),
        });
    }
    Ok(())
}

/// Accepts segment `first` found where a new one is to be created only if it holds its header
/// and nothing else (left by a create that failed after it happened); else it is in the way.
pub fn check_unwritten(file: &dyn AppendFile, first: u64) -> Result<(), StorageError> {
    check_header(file, first)?;
    if file.len()? != HEADER_LEN {
        return Err(StorageError::io(
            &file.name(),
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a segment of this name already holds entries",
            ),
        ));
    }
    Ok(())
}

/// Positional reads from any segment.
pub struct Reader {
    store: Arc<dyn Segments>,
    /// First positions of the segments, ascending.
    segments: parking_lot::RwLock<Vec<u64>>,
}

impl Reader {
    pub fn new(store: Arc<dyn Segments>, segments: Vec<u64>) -> Reader {
        Reader {
            store,
            segments: parking_lot::RwLock::new(segments),
        }
    }

    /// Makes a new last segment known to readers.
    pub fn register(&self, first: u64) {
        let mut segments = self.segments.write();
        debug_assert!(segments.last().is_none_or(|&l| l < first));
        segments.push(first);
    }

    /// The segment holding `position`: the last one starting at or before it.
    pub fn segment_of(&self, position: u64) -> u64 {
        let segments = self.segments.read();
        let i = segments.partition_point(|&s| s <= position);
        segments[i.saturating_sub(1)]
    }

    pub fn segments(&self) -> Vec<u64> {
        self.segments.read().clone()
    }

    pub fn name(&self, first: u64) -> PathBuf {
        self.store.name(first)
    }

    /// Reads `len` payload bytes of the frame at `offset`, checking its checksum.
    pub fn read_frame(&self, first: u64, offset: u64, len: u32) -> Result<Vec<u8>, StorageError> {
        let file = self.store.open(first)?;
        let mut buf = vec![0u8; frame::HEADER_LEN + len as usize];
        file.read_at(offset, &mut buf)?;
        match frame::read(&buf, 0, len as usize) {
            frame::Found::Frame { start, end } if end - start == len as usize => {
                buf.drain(..start);
                Ok(buf)
            }
            _ => Err(StorageError::Corrupt {
                file: self.store.name(first),
                offset,
                position: None,
                reason: "stored frame fails its checksum".into(),
            }),
        }
    }

    pub fn read_all(&self, first: u64) -> Result<Vec<u8>, StorageError> {
        self.store.open(first)?.read_all()
    }
}

/// The one writer of segments: the ledger's committer and every mirror append frames through
/// it. It starts a new segment when the last one is full, and cuts a failed write back to
/// where it started, so a segment only ever holds whole writes.
pub struct SegmentWriter {
    store: Arc<dyn Segments>,
    segment_bytes: u64,
    /// The segment being written: its first position, file and length.
    current: Option<(u64, Arc<dyn AppendFile>, u64)>,
}

impl SegmentWriter {
    /// Goes on writing the last segment of `store` (none yet in a new log).
    pub fn resume(
        store: Arc<dyn Segments>,
        segment_bytes: u64,
    ) -> Result<SegmentWriter, StorageError> {
        let current = match store.list()?.last().copied() {
            Some(first) => {
                let file = store.open(first)?;
                let len = file.len()?;
                Some((first, file, len))
            }
            None => None,
        };
        Ok(SegmentWriter {
            store,
            segment_bytes,
            current,
        })
    }

    /// Whether the next write goes to a new segment: there is none yet, or the current one,
    /// with `pending` bytes more, holds at least one frame and reaches the segment size.
    pub fn is_full(&self, pending: u64) -> bool {
        self.current.as_ref().is_none_or(|(_, _, len)| {
            let len = *len + pending;
            len > HEADER_LEN && len >= self.segment_bytes
        })
    }

    /// Starts a new segment whose first entry is `position` when [`SegmentWriter::is_full`]
    /// says so; returns its first position if it did. The segment left behind must already be
    /// durable (or be synced through the file handed out before).
    pub fn roll_if_full(&mut self, position: u64) -> Result<Option<u64>, StorageError> {
        if !self.is_full(0) {
            return Ok(None);
        }
        let file = self.store.create(position)?;
        self.current = Some((position, file, HEADER_LEN));
        Ok(Some(position))
    }

    /// Appends framed bytes to the current segment; on failure, whatever part of them reached
    /// it is cut off and the error returned. When the cut-back fails too, what the segment
    /// holds past its last whole write is unknown: the error is then [`StorageError::Poisoned`].
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), StorageError> {
        let Some((_, file, len)) = self.current.clone() else {
            return Err(StorageError::Lost(
                "no segment to write to: the log has not been started".into(),
            ));
        };
        if let Err(failed) = file.append(bytes) {
            return Err(match file.truncate(len) {
                Ok(()) => failed,
                Err(e) => StorageError::Poisoned(Poison {
                    cause: PoisonCause::CutBack,
                    disk_full: failed.is_disk_full(),
                    detail: format!("{failed}; cutting it back to byte {len}: {e}"),
                }),
            });
        }
        if let Some((_, _, len)) = self.current.as_mut() {
            *len += bytes.len() as u64;
        }
        Ok(())
    }

    /// Makes a write durable through `file` (handed out by [`SegmentWriter::file`], perhaps
    /// to another thread); a failure poisons: after a failed fsync nothing can be known about
    /// what reached the disk.
    pub fn sync_file(file: &dyn AppendFile) -> Result<(), StorageError> {
        file.sync()
            .map_err(|e| StorageError::Poisoned(Poison::from_error(PoisonCause::Fsync, &e)))
    }

    /// The current segment's file (to make a write durable from another thread).
    pub fn file(&self) -> Option<Arc<dyn AppendFile>> {
        self.current.as_ref().map(|(_, f, _)| f.clone())
    }

    /// The current segment's first position and length.
    pub fn current(&self) -> Option<(u64, u64)> {
        self.current.as_ref().map(|(first, _, len)| (*first, *len))
    }

    /// Makes everything written durable.
    pub fn sync(&self) -> Result<(), StorageError> {
        match &self.current {
            Some((_, file, _)) => file.sync(),
            None => Ok(()),
        }
    }
}
