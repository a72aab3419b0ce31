//! The shape of the ledger's durable history files (`checkpoints.log`, `cosignatures.log`):
//! a 16-byte header naming the file's kind, then one frame per record. History cannot be
//! derived from the log, so each record is fsynced before it is acknowledged; a record whose
//! write never finished (a torn last frame) was never acknowledged and is cut off on open;
//! damage anywhere else refuses to open.

use std::path::PathBuf;

use super::frame::{self, Found, Stop};
use super::{AppendFile, Histories, Poison, PoisonCause, StorageError};

pub const HEADER_LEN: u64 = 16;

pub struct History {
    file: Box<dyn AppendFile>,
    len: u64,
}

impl History {
    /// Opens (or creates) the history file `name` of `store`, whose header must be `magic`
    /// (else it is not a `what`), and hands `each` the records from `from_offset` on, with
    /// their offsets. `each` refuses a record it cannot read by saying why.
    pub fn open(
        store: &dyn Histories,
        name: &str,
        magic: &[u8; HEADER_LEN as usize],
        what: &str,
        max_record: usize,
        from_offset: u64,
        mut each: impl FnMut(u64, &[u8]) -> Result<(), String>,
    ) -> Result<History, StorageError> {
        let file = store.open(name)?;
        let mut data = file.read_all()?;
        // Empty, or a header whose write never finished (the machine stopped as the file was
        // made; nothing can follow it): the header is written again.
        if data.len() < HEADER_LEN as usize && magic.starts_with(&data) {
            if !data.is_empty() {
                file.truncate(0)?;
            }
            file.append(magic)?;
            file.sync()?;
            data = magic.to_vec();
        }
        let corrupt = |offset: usize, reason: String| StorageError::Corrupt {
            file: file.name(),
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
        let (offset, stop) =
            frame::walk(&data, HEADER_LEN as usize, max_record, |offset, payload| {
                if offset as u64 >= from_offset {
                    each(offset as u64, payload).map_err(|why| corrupt(offset, why))?;
                }
                Ok::<_, StorageError>(true)
            })?;
        match stop {
            Stop::End | Stop::Halted => {}
            Stop::Torn if (offset as u64) < from_offset => {
                return Err(corrupt(
                    offset,
                    "an acknowledged record is cut short or fails its checksum".into(),
                ))
            }
            // Every byte of the record is there: it was written whole, so a bad checksum is
            // damage, not a write that never finished.
            Stop::Torn if frame::is_whole(&data, offset, max_record) => {
                return Err(corrupt(
                    offset,
                    "a whole record fails its checksum: the file is damaged".into(),
                ))
            }
            // A record whose write never finished: never acknowledged, cut off.
            Stop::Torn => file.truncate(offset as u64)?,
            Stop::Corrupt(reason) => return Err(corrupt(offset, reason)),
        }
        // What was read may be only in the page cache (written by a process whose fsync
        // failed): made durable before anything is served from it or built on it. Found by the
        // simulation (seed 2572, for the segments).
        file.sync()?;
        Ok(History {
            file,
            len: offset as u64,
        })
    }

    /// Appends a record durably and returns its offset.
    pub fn append(&mut self, payload: &[u8]) -> Result<u64, StorageError> {
        let mut buf = Vec::with_capacity(payload.len() + frame::HEADER_LEN);
        frame::encode(payload, &mut buf);
        let offset = self.len;
        if let Err(err) = self.file.append(&buf) {
            // No half-written record left behind: the next one starts at a clean boundary.
            if let Err(cut) = self.file.truncate(offset) {
                return Err(StorageError::Poisoned(Poison {
                    cause: PoisonCause::CutBack,
                    disk_full: err.is_disk_full(),
                    detail: format!("{err}; cutting back to byte {offset}: {cut}"),
                }));
            }
            return Err(err);
        }
        if let Err(err) = self.file.sync() {
            // After a failed fsync nothing can be known about what reached the disk.
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

    pub fn path(&self) -> PathBuf {
        self.file.name()
    }

    /// The record of `len` payload bytes at `offset`, its checksum checked.
    pub fn read(&self, offset: u64, len: u32) -> Result<Vec<u8>, StorageError> {
        let mut buf = vec![0u8; frame::HEADER_LEN + len as usize];
        if let Err(e) = self.file.read_at(offset, &mut buf) {
            if let StorageError::Io {
                kind: std::io::ErrorKind::UnexpectedEof,
                ..
            } = e
            {
                let size = self.file.len().unwrap_or(0);
                return Err(StorageError::Corrupt {
                    file: self.file.name(),
                    offset,
                    position: None,
                    reason: format!(
                        "the file is cut short: it ends at byte {size}, inside the record at \
                         byte {offset}"
                    ),
                });
            }
            return Err(e);
        }
        match frame::read(&buf, 0, len as usize) {
            Found::Frame { start, end } => Ok(buf[start..end].to_vec()),
            _ => Err(StorageError::Corrupt {
                file: self.file.name(),
                offset,
                position: None,
                reason: "the stored record fails its checksum".into(),
            }),
        }
    }
}
