//! `timestamps.log`: every RFC 3161 time-stamp response the ledger obtained on one of its
//! checkpoints, as framed records `<size: u64 LE> <TSA url length: u16 LE> <TSA url> <DER
//! TimeStampResp>`. A token is history that cannot be derived from the log (a TSA vouched at a
//! moment), so it is kept like the checkpoints and cosignatures: fsynced before it counts,
//! a torn last record cut off, damage anywhere else refusing to open.

use std::collections::BTreeMap;

use super::history::History;
use super::{Histories, StorageError};
use crate::timestamp::MAX_RESPONSE_BYTES;

const MAGIC: &[u8; 16] = b"CLTSR\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00";
const MAX_URL_BYTES: usize = 2048;

/// One stored token: which TSA answered, and its DER `TimeStampResp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub tsa: String,
    pub response: Vec<u8>,
}

pub struct TimestampFile {
    history: History,
    by_size: BTreeMap<u64, Vec<StoredToken>>,
}

impl TimestampFile {
    pub fn open(store: &dyn Histories) -> Result<TimestampFile, StorageError> {
        let mut by_size: BTreeMap<u64, Vec<StoredToken>> = BTreeMap::new();
        let history = History::open(
            store,
            "timestamps.log",
            MAGIC,
            "a timestamp file",
            MAX_RESPONSE_BYTES + MAX_URL_BYTES + 10,
            0,
            |_, payload| {
                let (size, token) = decode(payload).ok_or("not a timestamp record")?;
                by_size.entry(size).or_default().push(token);
                Ok(())
            },
        )?;
        Ok(TimestampFile { history, by_size })
    }

    /// The tokens held for the checkpoint of `size`, in the order they came.
    pub fn at(&self, size: u64) -> &[StoredToken] {
        self.by_size.get(&size).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The sizes with at least one token, ascending.
    pub fn sizes(&self) -> impl DoubleEndedIterator<Item = u64> + '_ {
        self.by_size.keys().copied()
    }

    /// Whether the TSA at `tsa` already answered for `size`.
    pub fn has(&self, size: u64, tsa: &str) -> bool {
        self.at(size).iter().any(|t| t.tsa == tsa)
    }

    /// Stores a token durably. Returns false, writing nothing, when this TSA already has one
    /// for this checkpoint.
    pub fn add(&mut self, size: u64, token: StoredToken) -> Result<bool, StorageError> {
        if self.has(size, &token.tsa) {
            return Ok(false);
        }
        if token.tsa.len() > MAX_URL_BYTES || token.response.len() > MAX_RESPONSE_BYTES {
            return Err(StorageError::Io {
                path: self.history.path(),
                kind: std::io::ErrorKind::InvalidInput,
                message: format!(
                    "a timestamp record holds a TSA URL of at most {MAX_URL_BYTES} bytes and a response of at most {MAX_RESPONSE_BYTES}"
                ),
            });
        }
        let mut record = Vec::with_capacity(10 + token.tsa.len() + token.response.len());
        record.extend_from_slice(&size.to_le_bytes());
        record.extend_from_slice(&(token.tsa.len() as u16).to_le_bytes());
        record.extend_from_slice(token.tsa.as_bytes());
        record.extend_from_slice(&token.response);
        self.history.append(&record)?;
        self.by_size.entry(size).or_default().push(token);
        Ok(true)
    }
}

fn decode(payload: &[u8]) -> Option<(u64, StoredToken)> {
    let size = u64::from_le_bytes(payload.get(..8)?.try_into().ok()?);
    let n = u16::from_le_bytes(payload.get(8..10)?.try_into().ok()?) as usize;
    let tsa = std::str::from_utf8(payload.get(10..10 + n)?)
        .ok()?
        .to_string();
    let response = payload.get(10 + n..)?.to_vec();
    if response.is_empty() {
        return None;
    }
    Some((size, StoredToken { tsa, response }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::files::FileHistories;
    use std::io::Write;

    fn token(tsa: &str, byte: u8) -> StoredToken {
        StoredToken {
            tsa: tsa.into(),
            response: vec![0x30, 0x03, 0x02, 0x01, byte],
        }
    }

    #[test]
    fn tokens_survive_a_restart_a_torn_record_is_cut_and_damage_refuses_to_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileHistories::new(dir.path());
        let mut file = TimestampFile::open(&store).unwrap();
        assert!(file.add(1, token("http://a/", 1)).unwrap());
        assert!(file.add(1, token("http://b/", 2)).unwrap());
        assert!(file.add(7, token("http://a/", 3)).unwrap());
        assert!(
            !file.add(7, token("http://a/", 4)).unwrap(),
            "one token per TSA and checkpoint"
        );
        drop(file);

        let path = dir.path().join("timestamps.log");
        let len = std::fs::metadata(&path).unwrap().len();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(&[40, 0, 0])
            .unwrap();
        let file = TimestampFile::open(&store).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            len,
            "torn tail cut"
        );
        assert_eq!(file.sizes().collect::<Vec<_>>(), [1, 7]);
        assert_eq!(file.at(1), [token("http://a/", 1), token("http://b/", 2)]);
        assert_eq!(file.at(7), [token("http://a/", 3)]);
        drop(file);

        // A byte changed inside a whole record: damage, not a torn write.
        let mut bytes = std::fs::read(&path).unwrap();
        let at = HEADER_LEN_FOR_TEST + 12;
        bytes[at] ^= 0xff;
        std::fs::write(&path, bytes).unwrap();
        assert!(matches!(
            TimestampFile::open(&store),
            Err(StorageError::Corrupt { .. })
        ));
    }

    const HEADER_LEN_FOR_TEST: usize = super::super::history::HEADER_LEN as usize;
}
