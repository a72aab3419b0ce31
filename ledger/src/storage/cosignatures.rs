//! `cosignatures.log`: every witness cosignature the ledger accepted, by checkpoint size.
//!
//! Like the checkpoints, cosignatures are history that cannot be derived from the log (a
//! witness vouched at a moment), so they are kept durably: framed records
//! `<size> <signature line>`, fsynced before the server says it has them. The ledger checked
//! each against its own checkpoint and a configured witness key before storing it; readers
//! check them again with the witness keys they trust.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::format::checkpoint::{NoteSignature, MAX_SIGNATURES};

use super::frame::{self, Found};
use super::StorageError;

const MAGIC: &[u8; 16] = b"CLCOS\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00";
const HEADER_LEN: usize = 16;
/// A record is a size and one signature line: far below this.
const MAX_RECORD_BYTES: usize = 1024;
/// Cosignatures kept per checkpoint: the note that carries them must still hold the log's own
/// signature within the signed-note limit.
pub const MAX_PER_CHECKPOINT: usize = MAX_SIGNATURES - 1;

pub struct CosignatureFile {
    path: PathBuf,
    file: File,
    len: u64,
    by_size: BTreeMap<u64, Vec<NoteSignature>>,
}

impl CosignatureFile {
    /// Opens (or creates) the file and loads it. A torn last record — one whose write never
    /// finished, so never acknowledged — is cut off; damage elsewhere refuses to open.
    pub fn open(dir: &Path) -> Result<CosignatureFile, StorageError> {
        let path = dir.join("cosignatures.log");
        let fresh = !path.exists();
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| StorageError::io(&path, e))?;
        if fresh {
            file.write_all(MAGIC)
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
        if data.len() < HEADER_LEN || &data[..HEADER_LEN] != MAGIC {
            return Err(corrupt(0, "not a cosignature file (bad header)".into()));
        }
        let mut by_size: BTreeMap<u64, Vec<NoteSignature>> = BTreeMap::new();
        let mut offset = HEADER_LEN;
        loop {
            match frame::read(&data, offset, MAX_RECORD_BYTES) {
                Found::Frame { start, end } => {
                    let (size, sig) = decode(&data[start..end])
                        .ok_or_else(|| corrupt(offset, "not a cosignature record".into()))?;
                    by_size.entry(size).or_default().push(sig);
                    offset = end;
                }
                Found::End => break,
                Found::Torn => {
                    file.set_len(offset as u64)
                        .and_then(|()| file.sync_all())
                        .map_err(|e| StorageError::io(&path, e))?;
                    break;
                }
                Found::Corrupt(reason) => return Err(corrupt(offset, reason)),
            }
        }
        Ok(CosignatureFile {
            path,
            file,
            len: offset as u64,
            by_size,
        })
    }

    /// The cosignatures held for the checkpoint of `size`.
    pub fn at(&self, size: u64) -> &[NoteSignature] {
        self.by_size.get(&size).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The sizes that have at least one cosignature, ascending.
    pub fn sizes(&self) -> impl DoubleEndedIterator<Item = u64> + '_ {
        self.by_size.keys().copied()
    }

    /// Stores `sig` for `size` durably. Returns false, writing nothing, when that witness key
    /// already has a cosignature on this checkpoint (the first one stands).
    pub fn add(&mut self, size: u64, sig: NoteSignature) -> Result<bool, StorageError> {
        let held = self.at(size);
        if held.iter().any(|s| s.name == sig.name && s.id == sig.id) {
            return Ok(false);
        }
        if held.len() >= MAX_PER_CHECKPOINT {
            return Err(StorageError::Io {
                path: self.path.clone(),
                kind: std::io::ErrorKind::StorageFull,
                message: format!(
                    "the checkpoint of size {size} already carries {MAX_PER_CHECKPOINT} cosignatures, the most a note can hold"
                ),
            });
        }
        let record = format!("{size} {}", sig.line());
        let mut buf = Vec::with_capacity(record.len() + frame::HEADER_LEN);
        frame::encode(record.as_bytes(), &mut buf);
        let offset = self.len;
        if let Err(e) = self
            .file
            .write_all(&buf)
            .and_then(|()| self.file.sync_data())
        {
            // No half record left behind: the next one starts at a clean boundary.
            let _ = self.file.set_len(offset);
            return Err(StorageError::io(&self.path, e));
        }
        self.len += buf.len() as u64;
        self.by_size.entry(size).or_default().push(sig);
        Ok(true)
    }
}

fn decode(payload: &[u8]) -> Option<(u64, NoteSignature)> {
    let text = std::str::from_utf8(payload).ok()?;
    let (size, line) = text.split_once(' ')?;
    let sig = NoteSignature::parse_line(line.strip_suffix('\n')?).ok()?;
    Some((size.parse().ok()?, sig))
}
