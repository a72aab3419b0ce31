//! `cosignatures.log`: every witness cosignature the ledger accepted, by checkpoint size.
//!
//! Like the checkpoints, cosignatures are history that cannot be derived from the log (a
//! witness vouched at a moment), so they are kept durably: framed records
//! `<size> <signature line>`, fsynced before the server says it has them. The ledger checked
//! each against its own checkpoint and a configured witness key before storing it; readers
//! check them again with the witness keys they trust.

use std::collections::BTreeMap;

use crate::format::checkpoint::{NoteSignature, MAX_SIGNATURES};

use super::history::History;
use super::{Histories, StorageError};

const MAGIC: &[u8; 16] = b"CLCOS\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00";
/// A record is a size and one signature line: an ML-DSA-44 cosignature's line is about 3.3 KB
/// (an Ed25519 one about 100 bytes), far below this.
const MAX_RECORD_BYTES: usize = 8 * 1024;
/// Cosignatures kept per checkpoint: the note that carries them must still hold the log's own
/// signature within the signed-note limit.
pub const MAX_PER_CHECKPOINT: usize = MAX_SIGNATURES - 1;

pub struct CosignatureFile {
    history: History,
    by_size: BTreeMap<u64, Vec<NoteSignature>>,
}

impl CosignatureFile {
    /// Opens (or creates) the file and loads it. A torn last record — one whose write never
    /// finished, so never acknowledged — is cut off; damage elsewhere refuses to open.
    pub fn open(store: &dyn Histories) -> Result<CosignatureFile, StorageError> {
        let mut by_size: BTreeMap<u64, Vec<NoteSignature>> = BTreeMap::new();
        let history = History::open(
            store,
            "cosignatures.log",
            MAGIC,
            "a cosignature file",
            MAX_RECORD_BYTES,
            0,
            |_, payload| {
                let (size, sig) = decode(payload).ok_or("not a cosignature record")?;
                by_size.entry(size).or_default().push(sig);
                Ok(())
            },
        )?;
        Ok(CosignatureFile { history, by_size })
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
                path: self.history.path(),
                kind: std::io::ErrorKind::StorageFull,
                message: format!(
                    "the checkpoint of size {size} already carries {MAX_PER_CHECKPOINT} cosignatures, the most a note can hold"
                ),
            });
        }
        let record = format!("{size} {}", sig.line());
        if record.len() > MAX_RECORD_BYTES {
            return Err(StorageError::Io {
                path: self.history.path(),
                kind: std::io::ErrorKind::InvalidInput,
                message: format!(
                    "a cosignature of {} bytes is over the {MAX_RECORD_BYTES} a record may hold",
                    record.len()
                ),
            });
        }
        self.history.append(record.as_bytes())?;
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
