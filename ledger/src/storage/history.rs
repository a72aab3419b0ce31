//! The shape of the ledger's durable history files (`checkpoints.log`, `cosignatures.log`):
//! a 16-byte header naming the file's kind, then one frame per record. History cannot be
//! derived from the log, so each record is fsynced before it is acknowledged; a record whose
//! write never finished (a torn last frame) was never acknowledged and is cut off on open;
//! damage anywhere else refuses to open.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::frame::{self, Found};
use super::{Poison, PoisonCause, StorageError};

pub const HEADER_LEN: u64 = 16;

pub struct History {
    path: PathBuf,
    file: File,
    len: u64,
}

impl History {
    /// Opens (or creates) `dir/name`, whose header must be `magic` (else it is not a `what`),
    /// and hands `each` the records from `from_offset` on, with their offsets. `each` refuses
    /// a record it cannot read by saying why.
    pub fn open(
        dir: &Path,
        name: &str,
        magic: &[u8; HEADER_LEN as usize],
        what: &str,
        max_record: usize,
        from_offset: u64,
        mut each: impl FnMut(u64, &[u8]) -> Result<(), String>,
    ) -> Result<History, StorageError> {
        let path = dir.join(name);
        let fresh = !path.exists();
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| StorageError::io(&path, e))?;
        if fresh {
            file.write_all(magic)
                .and_then(|()| file.sync_all())
                .map_err(|e| StorageError::io(&path, e))?;
            super::segment::sync_dir(dir)?;
        }
        let data = std::fs::read(&path).map_err(|e| StorageError::io(&path, e))?;
        let corrupt = |offset: usize, reason: String| StorageError::Corrupt {
            file: path.clone(),
            offset: offset as u64,
            position: None,
            reason,
        };
        if data.len() < HEADER_LEN as usize || &data[..HEADER_LEN as usize] != magic {
            return Err(corrupt(0, format!("not {what} (bad header)")));
        }
        // Records below `from_offset` were acknowledged (the index says so): the file must still
        // hold them whole, each with its checksum, though they are not handed to `each` again.
        if (data.len() as u64) < from_offset {
            return Err(corrupt(
                data.len(),
                format!(
                    "the file is cut short: it ends at byte {}, but acknowledged records run to \
                     byte {from_offset}",
                    data.len()
                ),
            ));
        }
        let mut offset = HEADER_LEN as usize;
        loop {
            match frame::read(&data, offset, max_record) {
                Found::Frame { start, end } => {
                    if offset as u64 >= from_offset {
                        each(offset as u64, &data[start..end])
                            .map_err(|why| corrupt(offset, why))?;
                    }
                    offset = end;
                }
                Found::End => break,
                Found::Torn if (offset as u64) < from_offset => {
                    return Err(corrupt(
                        offset,
                        "an acknowledged record is cut short or fails its checksum".into(),
                    ))
                }
                Found::Torn if frame::is_whole(&data, offset, max_record) => {
                    // Every byte of the record is there: it was written whole, so a bad
                    // checksum is damage, not a write that never finished.
                    return Err(corrupt(
                        offset,
                        "a whole record fails its checksum: the file is damaged".into(),
                    ));
                }
                Found::Torn => {
                    file.set_len(offset as u64)
                        .and_then(|()| file.sync_all())
                        .map_err(|e| StorageError::io(&path, e))?;
                    break;
                }
                Found::Corrupt(reason) => return Err(corrupt(offset, reason)),
            }
        }
        Ok(History {
            path,
            file,
            len: offset as u64,
        })
    }

    /// Appends a record durably and returns its offset.
    pub fn append(&mut self, payload: &[u8]) -> Result<u64, StorageError> {
        let mut buf = Vec::with_capacity(payload.len() + frame::HEADER_LEN);
        frame::encode(payload, &mut buf);
        let offset = self.len;
        if let Err(e) = self.file.write_all(&buf) {
            // No half-written record left behind: the next one starts at a clean boundary.
            let err = StorageError::io(&self.path, e);
            if let Err(cut) = self.file.set_len(offset) {
                return Err(StorageError::Poisoned(Poison {
                    cause: PoisonCause::CutBack,
                    disk_full: err.is_disk_full(),
                    detail: format!("{err}; cutting back to byte {offset}: {cut}"),
                }));
            }
            return Err(err);
        }
        if let Err(e) = self.file.sync_data() {
            // After a failed fsync nothing can be known about what reached the disk.
            let err = StorageError::io(&self.path, e);
            return Err(StorageError::Poisoned(Poison::from_error(
                PoisonCause::Fsync,
                &err,
            )));
        }
        self.len += buf.len() as u64;
        Ok(offset)
    }

    /// The offset the next record will have.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == HEADER_LEN
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The record of `len` payload bytes at `offset`, its checksum checked.
    pub fn read(&self, offset: u64, len: u32) -> Result<Vec<u8>, StorageError> {
        let mut buf = vec![0u8; frame::HEADER_LEN + len as usize];
        if let Err(e) = self.file.read_exact_at(&mut buf, offset) {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                let size = self.file.metadata().map(|m| m.len()).unwrap_or(0);
                return Err(StorageError::Corrupt {
                    file: self.path.clone(),
                    offset,
                    position: None,
                    reason: format!(
                        "the file is cut short: it ends at byte {size}, inside the record at \
                         byte {offset}"
                    ),
                });
            }
            return Err(StorageError::io(&self.path, e));
        }
        match frame::read(&buf, 0, len as usize) {
            Found::Frame { start, end } => Ok(buf[start..end].to_vec()),
            _ => Err(StorageError::Corrupt {
                file: self.path.clone(),
                offset,
                position: None,
                reason: "the stored record fails its checksum".into(),
            }),
        }
    }
}
