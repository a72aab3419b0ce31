//! Rotating the log's key (§4, `log_key.rotated`): a new Ed25519 key is generated, its secret
//! written to `log-keys/<public key, hex>.key` beside the log, and an authority's signed
//! `log_key.rotated` naming it appended. Checkpoints of every size past the act are signed by
//! the new key, and by the old one while its secret is still held.

use std::path::PathBuf;

use ed25519_dalek::SigningKey;

use super::recovery::{log_key_file, LOG_KEYS_DIR};
use super::{AppendError, Appended, Ledger};
use crate::format::{EventBody, Hash, VerifierKey};
use crate::messages::Text;

/// A rotation done: the new key, where its secret is, and the act.
#[derive(Debug, Clone)]
pub struct Rotation {
    pub key: VerifierKey,
    pub file: PathBuf,
    pub appended: Appended,
}

impl Ledger {
    /// Rotates the log key: generates a new key, keeps its secret in `log-keys/`, and appends
    /// the `log_key.rotated` that `authority` signs at `time` (ms), naming the log's
    /// ML-DSA-44 key when it holds one. When the act is refused, the unused secret is removed.
    pub fn rotate_log_key(
        &self,
        authority: &SigningKey,
        reason: &str,
        time: i64,
    ) -> Result<Rotation, AppendError> {
        let secret = crate::keys::generate();
        let public = secret.verifying_key().to_bytes();
        let key = VerifierKey::new(self.origin(), public)
            .map_err(|e| AppendError::LogKeyNotHeld(Text::of(&e)))?;
        let file = log_key_file(self.dir(), &public);
        let not_written = |why: String| {
            AppendError::LogKeyNotHeld(Text::new(
                format!(
                    "không ghi được khóa bí mật của khóa sổ cái mới vào {}: {why}; chưa thay khóa",
                    file.display()
                ),
                format!(
                    "could not write the new log key's secret to {}: {why}; nothing was rotated",
                    file.display()
                ),
            ))
        };
        let dir = self.dir().join(LOG_KEYS_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| not_written(e.to_string()))?;
        crate::keys::write(&file, &secret).map_err(|e| not_written(e.to_string()))?;
        crate::storage::files::sync_dir(&dir).map_err(|e| not_written(e.to_string()))?;
        self.shared.signing.lock().insert(public, secret);
        let appended = self.append_rotation(authority, &key, reason, time);
        if appended.is_err() {
            self.shared.signing.lock().remove(&public);
            let _ = std::fs::remove_file(&file);
        }
        Ok(Rotation {
            key,
            file,
            appended: appended?,
        })
    }

    fn append_rotation(
        &self,
        authority: &SigningKey,
        key: &VerifierKey,
        reason: &str,
        time: i64,
    ) -> Result<Appended, AppendError> {
        let (version, prev) = match self.head("ledger")? {
            Some(h) => (h.next_version, h.hash),
            None => (0, Hash::ZERO),
        };
        let payload = serde_json::json!({
            "log_key": key.encode(),
            "pq_key": self.log_pq_key().map(|k| k.encode()),
            "reason": reason,
        });
        let body = EventBody {
            ledger: self.origin().to_string(),
            stream: "ledger".into(),
            version,
            prev,
            kind: "log_key.rotated".into(),
            schema: 1,
            time,
            signer: authority.verifying_key().to_bytes(),
            payload: serde_json::to_vec(&payload).unwrap_or_default(),
        };
        let event = body.sign(authority)?;
        self.append(event.into_bytes())
    }
}
