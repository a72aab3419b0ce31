//! Attached documents as files `<dir>/blobs/sha256/<hex>`: the one place their paths are built.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::files::sync_dir;
use super::{Blobs, StorageError};

pub struct FileBlobs {
    dir: PathBuf,
}

/// True for a SHA-256 written as 64 lower-case hex digits (the only names a blob has).
pub fn is_hash(hex: &str) -> bool {
    hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl FileBlobs {
    /// The documents of the ledger in `ledger_dir`.
    pub fn new(ledger_dir: &Path) -> FileBlobs {
        FileBlobs {
            dir: ledger_dir.join("blobs").join("sha256"),
        }
    }

    /// The file of the document `hex` (a SHA-256 in hex, checked by the callers).
    fn path(&self, hex: &str) -> PathBuf {
        self.dir.join(hex)
    }
}

impl Blobs for FileBlobs {
    /// Written to a temporary name, synced, then renamed, so a stored blob is always whole.
    fn put(&self, bytes: &[u8]) -> Result<String, StorageError> {
        let sum = hex::encode(Sha256::digest(bytes));
        fs::create_dir_all(&self.dir).map_err(|e| StorageError::io(&self.dir, e))?;
        let path = self.path(&sum);
        if path.exists() {
            return Ok(sum);
        }
        let tmp = self.dir.join(format!(".{sum}.partial"));
        let mut f = File::create(&tmp).map_err(|e| StorageError::io(&tmp, e))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| StorageError::io(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| StorageError::io(&path, e))?;
        sync_dir(&self.dir)?;
        Ok(sum)
    }

    fn get(&self, hex: &str) -> Result<Option<Vec<u8>>, StorageError> {
        if !is_hash(hex) {
            return Ok(None);
        }
        let path = self.path(hex);
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StorageError::io(&path, e)),
        }
    }

    fn list(&self) -> Result<Vec<String>, StorageError> {
        if !self.dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for item in fs::read_dir(&self.dir).map_err(|e| StorageError::io(&self.dir, e))? {
            let item = item.map_err(|e| StorageError::io(&self.dir, e))?;
            if let Some(name) = item.file_name().to_str().filter(|n| is_hash(n)) {
                out.push(name.to_string());
            }
        }
        out.sort();
        Ok(out)
    }
}
