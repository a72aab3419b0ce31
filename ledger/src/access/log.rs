//! The access log: `<ledger>/access.log`, one JSON record per line, each naming who read which
//! case's confidential values, when, which act, and why if they said. Each record holds the
//! hash of the one before (`prev`, zeros for the first) and its own `hash`, SHA-256 over
//! `"congress-ledger/access/v1" || 0x00 || the record without `hash` as NFC JSON`, so that a
//! record edited, removed or moved breaks the chain from there on. The commission keeps the
//! last hash `access verify` prints: a log cut short no longer reaches it.

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const DOMAIN: &[u8] = b"congress-ledger/access/v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessRecord {
    /// 0 for the first record.
    pub seq: u64,
    /// Milliseconds since the epoch.
    pub time: i64,
    /// The reader: a grant's id and holder (`r-1a2b3c4d Ủy ban Kiểm tra`), or `local:<user>`
    /// for a read from the store on disk.
    pub reader: String,
    pub role: String,
    pub case: String,
    /// The act whose commitments the values open (its event hash), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<String>,
    /// What was read: `values`, or `document <sha256>`.
    pub what: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    pub prev: String,
    pub hash: String,
}

/// A read about to be recorded.
#[derive(Debug, Clone, Default)]
pub struct ConfidentialRead {
    pub reader: String,
    pub role: String,
    pub case: String,
    pub act: Option<String>,
    pub what: String,
    pub why: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccessLogError {
    #[error("the access log is broken at line {line}: {reason}")]
    Broken { line: usize, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

const ZERO: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn record_hash(r: &AccessRecord) -> String {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("hash");
    }
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update([0u8]);
    h.update(crate::confidential::nfc_json(&v));
    hex::encode(h.finalize())
}

pub struct AccessLog {
    path: PathBuf,
    lock: Mutex<()>,
}

impl AccessLog {
    pub fn beside(ledger_dir: &Path) -> AccessLog {
        AccessLog {
            path: ledger_dir.join("access.log"),
            lock: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: std::io::Error) -> AccessLogError {
        AccessLogError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// The last record, read from the file's end.
    fn last(&self) -> Result<Option<AccessRecord>, AccessLogError> {
        let mut f = match fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io(e)),
        };
        let len = f.metadata().map_err(|e| self.io(e))?.len();
        let tail = len.min(64 * 1024);
        f.seek(SeekFrom::Start(len - tail))
            .map_err(|e| self.io(e))?;
        let mut buf = String::new();
        f.read_to_string(&mut buf).map_err(|e| self.io(e))?;
        let Some(line) = buf.lines().rev().find(|l| !l.trim().is_empty()) else {
            return Ok(None);
        };
        serde_json::from_str(line)
            .map(Some)
            .map_err(|e| AccessLogError::Broken {
                line: 0,
                reason: format!("the last record does not parse: {e}"),
            })
    }

    /// Appends a record of `read` (synced before it returns: a read is served only once it is
    /// recorded).
    pub fn record(&self, read: ConfidentialRead) -> Result<AccessRecord, AccessLogError> {
        let _guard = self.lock.lock();
        let last = self.last()?;
        let mut r = AccessRecord {
            seq: last.as_ref().map_or(0, |l| l.seq + 1),
            time: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64),
            reader: read.reader,
            role: read.role,
            case: read.case,
            act: read.act,
            what: read.what,
            why: read.why,
            prev: last.map_or(ZERO.to_string(), |l| l.hash),
            hash: String::new(),
        };
        r.hash = record_hash(&r);
        let mut line = serde_json::to_string(&r).map_err(|e| AccessLogError::Broken {
            line: 0,
            reason: e.to_string(),
        })?;
        line.push('\n');
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| self.io(e))?;
        f.write_all(line.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| self.io(e))?;
        Ok(r)
    }

    /// Every record, after checking the whole chain: each record's hash, its link to the one
    /// before, and its sequence number.
    pub fn verify(&self) -> Result<Vec<AccessRecord>, AccessLogError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io(e)),
        };
        let mut records = Vec::new();
        for (i, line) in text.lines().enumerate() {
            records.push(
                serde_json::from_str(line).map_err(|e| AccessLogError::Broken {
                    line: i + 1,
                    reason: e.to_string(),
                })?,
            );
        }
        verify_records(&records)?;
        Ok(records)
    }
}

/// Checks a chain of records from the first: each record's hash, its link to the one before,
/// and its sequence number (a reviewer checks what a server sent the same way).
pub fn verify_records(records: &[AccessRecord]) -> Result<(), AccessLogError> {
    for (i, r) in records.iter().enumerate() {
        let broken = |reason: String| AccessLogError::Broken {
            line: i + 1,
            reason,
        };
        let prev = if i == 0 {
            ZERO
        } else {
            records[i - 1].hash.as_str()
        };
        if r.prev != prev {
            return Err(broken(
                "it does not follow the record before it (prev)".into(),
            ));
        }
        if r.seq != i as u64 {
            return Err(broken(format!("sequence {} where {i} was due", r.seq)));
        }
        if r.hash != record_hash(r) {
            return Err(broken("its hash does not match its content".into()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_log_is_a_chain_that_an_edit_breaks() {
        let dir = tempfile::tempdir().unwrap();
        let log = AccessLog::beside(dir.path());
        for case in ["c-1", "c-2", "c-3"] {
            log.record(ConfidentialRead {
                reader: "r-1 Ủy ban Kiểm tra".into(),
                role: "inspection".into(),
                case: case.into(),
                what: "values".into(),
                why: Some("xác minh".into()),
                ..ConfidentialRead::default()
            })
            .unwrap();
        }
        let all = log.verify().unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[2].prev, all[1].hash);
        let text = fs::read_to_string(log.path()).unwrap();
        fs::write(log.path(), text.replacen("c-2", "c-9", 1)).unwrap();
        assert!(matches!(
            log.verify(),
            Err(AccessLogError::Broken { line: 2, .. })
        ));
        let lines: Vec<&str> = text.lines().collect();
        fs::write(log.path(), format!("{}\n{}\n", lines[0], lines[2])).unwrap();
        assert!(matches!(
            log.verify(),
            Err(AccessLogError::Broken { line: 2, .. })
        ));
    }
}
