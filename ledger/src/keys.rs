//! Key files: an Ed25519 seed kept as a small JSON document, readable by the owner only.
//!
//! ```json
//! {"format":"congress-ledger-key/v1","algorithm":"ed25519","seed":"<64 hex>","public":"<64 hex>"}
//! ```
//! `public` is redundant on purpose: a damaged seed is caught before it signs anything.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};

const FORMAT: &str = "congress-ledger-key/v1";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyDocument {
    format: String,
    algorithm: String,
    seed: String,
    public: String,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read key file {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("cannot write key file {path}: {message}")]
    Write { path: PathBuf, message: String },
    #[error("{path} is not a congress-ledger key file: {reason}")]
    Malformed { path: PathBuf, reason: String },
}

/// A new key from the operating system's random source.
pub fn generate() -> SigningKey {
    SigningKey::generate(&mut rand_core::OsRng)
}

/// Writes a new key file with mode 0600; refuses to overwrite an existing file.
pub fn write(path: &Path, key: &SigningKey) -> Result<(), KeyError> {
    let doc = KeyDocument {
        format: FORMAT.into(),
        algorithm: "ed25519".into(),
        seed: hex::encode(key.to_bytes()),
        public: hex::encode(key.verifying_key().to_bytes()),
    };
    let text = serde_json::to_string(&doc).map_err(|e| KeyError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })? + "\n";
    let err = |e: std::io::Error| KeyError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(err)?;
    file.write_all(text.as_bytes()).map_err(err)?;
    file.sync_all().map_err(err)
}

pub fn read(path: &Path) -> Result<SigningKey, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|e| KeyError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let malformed = |reason: String| KeyError::Malformed {
        path: path.to_path_buf(),
        reason,
    };
    let doc: KeyDocument = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
    if doc.format != FORMAT || doc.algorithm != "ed25519" {
        return Err(malformed(format!(
            "format `{}` / algorithm `{}` (expected {FORMAT} / ed25519)",
            doc.format, doc.algorithm
        )));
    }
    let mut seed = [0u8; 32];
    hex::decode_to_slice(&doc.seed, &mut seed)
        .map_err(|_| malformed("`seed` is not 64 hex digits".into()))?;
    let key = SigningKey::from_bytes(&seed);
    if hex::encode(key.verifying_key().to_bytes()) != doc.public {
        return Err(malformed(
            "`public` does not match `seed`: the file is damaged".into(),
        ));
    }
    Ok(key)
}
