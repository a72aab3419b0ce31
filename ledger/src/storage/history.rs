//! The shape of the ledger's durable history files (`checkpoints.log`, `cosignatures.log`):
//! a 16-byte header naming the file's kind, then one frame per record. History cannot be
//! derived from the log, so each record is fsynced before it is acknowledged; a record whose
//! write never finished (a torn last frame) was never acknowledged and is cut off on open;
//! damage anywhere else refuses to open.

use std::path::PathBuf;

use super::frame::{self, Found, Stop};
use super::{AppendFile, Histories, StorageError};

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
        if file.is_empty()? {
            file.append(magic)?;
            file.sync()?;
        }
        let data = file.read_all()?;
        let corrupt = |offset: usize, reason: String| StorageError::Corrupt {
            file: file.name(),
            offset: offset as u64,
            position: None,
            reason,
        };
        if data.len() < HEADER_LEN as usize || &data[..HEADER_LEN as usize] != magic {
            return Err(corrupt(0, format!("not {what} (bad header)")));
        }
        let from = from_offset.max(HEADER_LEN) as usize;
        let (offset, stop) = frame::walk(&data, from, max_record, |offset, payload| {
            each(offset as u64, payload)
                .map(|()| true)
                .map_err(|why| corrupt(offset, why))
        })?;
        match stop {
            Stop::End | Stop::Halted => {}
            // A record whose write never finished: never acknowledged, cut off.
            Stop::Torn => file.truncate(offset as u64)?,
            Stop::Corrupt(reason) => return Err(corrupt(offset, reason)),
        }
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
        if let Err(e) = self.file.append(&buf).and_then(|()| self.file.sync()) {
            // No half-written record left behind: the next one starts at a clean boundary.
            let _ = self.file.truncate(offset);
            return Err(e);
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
        self.file.read_at(offset, &mut buf)?;
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
