//! Reader tokens: `<ledger>/readers.json`, each grant with its id, holder, role and the
//! SHA-256 of its token (the token itself is shown once, when granted, and never stored).
//! The file is replaced whole on each change, so a server that checks it on each request
//! sees a revocation at once.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Role;

/// What a token starts with: tells it apart from other secrets in a file or a log.
pub const TOKEN_PREFIX: &str = "clr_";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub id: String,
    /// Who holds it (`Ủy ban Kiểm tra Tỉnh ủy`, a person, a service).
    pub holder: String,
    pub role: Role,
    /// SHA-256 of the token, hex.
    pub token_sha256: String,
    /// Milliseconds since the epoch.
    pub granted: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no grant with id `{0}` (see `congress-ledger access list`)")]
    NoGrant(String),
    #[error("the holder's name must not be empty")]
    NoHolder,
    #[error("{path}: {reason}")]
    File { path: PathBuf, reason: String },
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The SHA-256 (hex) a grant keeps of `token`, surrounding spaces ignored.
pub fn token_sha256(token: &str) -> String {
    sha256_hex(token.trim())
}

/// The grants of one ledger, with a cache that is dropped whenever the file changes.
pub struct Readers {
    path: PathBuf,
    cache: Mutex<Option<(Stamp, Vec<Grant>)>>,
}

/// What tells one version of the file from the next (it is replaced, never edited in place).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    #[cfg(unix)]
    inode: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = fs::metadata(path).ok()?;
    Some(Stamp {
        modified: m.modified().ok(),
        len: m.len(),
        #[cfg(unix)]
        inode: std::os::unix::fs::MetadataExt::ino(&m),
    })
}

impl Readers {
    /// The grants beside the ledger in `ledger_dir`.
    pub fn beside(ledger_dir: &Path) -> Readers {
        Readers {
            path: ledger_dir.join("readers.json"),
            cache: Mutex::new(None),
        }
    }

    fn file_error(&self, reason: impl ToString) -> TokenError {
        TokenError::File {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    /// Every grant, revoked ones included, oldest first.
    pub fn list(&self) -> Result<Vec<Grant>, TokenError> {
        match fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| self.file_error(e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(self.file_error(e)),
        }
    }

    fn save(&self, grants: &[Grant]) -> Result<(), TokenError> {
        let bytes = serde_json::to_vec_pretty(grants).map_err(|e| self.file_error(e))?;
        crate::confidential::store::write_file(&self.path, &bytes).map_err(|e| self.file_error(e))
    }

    /// Grants `holder` a reader token of `role`; returns the grant and the token, which is
    /// shown only now.
    pub fn grant(&self, holder: &str, role: Role) -> Result<(Grant, String), TokenError> {
        if holder.trim().is_empty() {
            return Err(TokenError::NoHolder);
        }
        let mut grants = self.list()?;
        let mut secret = [0u8; 32];
        OsRng.fill_bytes(&mut secret);
        let token = format!("{TOKEN_PREFIX}{}", hex::encode(secret));
        let mut id = [0u8; 4];
        OsRng.fill_bytes(&mut id);
        let grant = Grant {
            id: format!("r-{}", hex::encode(id)),
            holder: holder.trim().to_string(),
            role,
            token_sha256: sha256_hex(&token),
            granted: now_ms(),
            revoked: None,
        };
        grants.push(grant.clone());
        self.save(&grants)?;
        Ok((grant, token))
    }

    /// Revokes the grant `id`: its token stops working at once.
    pub fn revoke(&self, id: &str) -> Result<Grant, TokenError> {
        let mut grants = self.list()?;
        let g = grants
            .iter_mut()
            .find(|g| g.id == id)
            .ok_or_else(|| TokenError::NoGrant(id.to_string()))?;
        g.revoked.get_or_insert(now_ms());
        let revoked = g.clone();
        self.save(&grants)?;
        Ok(revoked)
    }

    /// The live grant `token` belongs to, if any.
    pub fn authenticate(&self, token: &str) -> Result<Option<Grant>, TokenError> {
        self.authenticate_sha256(&token_sha256(token))
    }

    /// The live grant whose token hashes to `hash` (a session kept by its token's hash): the
    /// same check as [`Readers::authenticate`], so a revocation ends it at once.
    pub fn authenticate_sha256(&self, hash: &str) -> Result<Option<Grant>, TokenError> {
        let current = stamp(&self.path);
        let mut cache = self.cache.lock();
        let fresh = matches!((&*cache, &current), (Some((s, _)), Some(c)) if s == c);
        if !fresh {
            let grants = self.list()?;
            *cache = current.map(|s| (s, grants.clone()));
            return Ok(grants
                .into_iter()
                .find(|g| g.token_sha256 == hash && g.revoked.is_none()));
        }
        Ok(cache.as_ref().and_then(|(_, grants)| {
            grants
                .iter()
                .find(|g| g.token_sha256 == hash && g.revoked.is_none())
                .cloned()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stored_hashed_and_a_revoked_one_stops_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let readers = Readers::beside(dir.path());
        let (grant, token) = readers.grant("Ủy ban Kiểm tra", Role::Inspection).unwrap();
        assert!(token.starts_with(TOKEN_PREFIX));
        let file = fs::read_to_string(dir.path().join("readers.json")).unwrap();
        assert!(!file.contains(&token) && file.contains(&grant.token_sha256));
        assert_eq!(readers.authenticate(&token).unwrap(), Some(grant.clone()));
        assert_eq!(readers.authenticate("clr_0000").unwrap(), None);
        // Another handle on the same file (the CLI while the server runs) revokes it.
        Readers::beside(dir.path()).revoke(&grant.id).unwrap();
        assert_eq!(readers.authenticate(&token).unwrap(), None);
        assert!(matches!(
            readers.revoke("r-none"),
            Err(TokenError::NoGrant(_))
        ));
        assert!(readers.list().unwrap()[0].revoked.is_some());
    }
}
