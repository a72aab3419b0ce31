//! Key files: a 32-byte seed kept as a small JSON document, readable by the owner only.
//!
//! ```json
//! {"format":"congress-ledger-key/v1","algorithm":"ed25519","seed":"<64 hex>","public":"<64 hex>"}
//! ```
//! `algorithm` is `ed25519` or `ml-dsa-44` (FIPS 204; the seed is ξ, the public key 1312
//! bytes). `public` is redundant on purpose: a damaged seed is caught before it signs anything.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};

use crate::format::cosignature::CosigningKey;
use crate::pq::MlDsa44Key;

const FORMAT: &str = "congress-ledger-key/v1";
const ED25519: &str = "ed25519";
const ML_DSA_44: &str = "ml-dsa-44";

/// A key of either algorithm, as a key file holds it.
#[derive(Debug, Clone)]
pub enum AnyKey {
    Ed25519(SigningKey),
    MlDsa44(MlDsa44Key),
}

impl AnyKey {
    /// The algorithm's name as `key generate --algorithm` and the key file spell it.
    pub fn algorithm(&self) -> &'static str {
        match self {
            AnyKey::Ed25519(_) => ED25519,
            AnyKey::MlDsa44(_) => ML_DSA_44,
        }
    }

    /// The public key's bytes (32 for Ed25519, 1312 for ML-DSA-44).
    pub fn public_bytes(&self) -> Vec<u8> {
        match self {
            AnyKey::Ed25519(k) => k.verifying_key().to_bytes().to_vec(),
            AnyKey::MlDsa44(k) => k.public().to_vec(),
        }
    }

    fn seed(&self) -> [u8; 32] {
        match self {
            AnyKey::Ed25519(k) => k.to_bytes(),
            AnyKey::MlDsa44(k) => *k.seed(),
        }
    }
}

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

/// A key file's key as a cosigner's (a witness's) key, of its own type.
impl From<AnyKey> for CosigningKey {
    fn from(key: AnyKey) -> CosigningKey {
        match key {
            AnyKey::Ed25519(k) => CosigningKey::Ed25519(k),
            AnyKey::MlDsa44(k) => CosigningKey::MlDsa44(k),
        }
    }
}

/// A new key of `algorithm` (`ed25519` or `ml-dsa-44`), or None for another name.
pub fn generate_any(algorithm: &str) -> Option<AnyKey> {
    match algorithm {
        ED25519 => Some(AnyKey::Ed25519(generate())),
        ML_DSA_44 => Some(AnyKey::MlDsa44(MlDsa44Key::generate())),
        _ => None,
    }
}

/// Writes a new key file with mode 0600; refuses to overwrite an existing file.
pub fn write(path: &Path, key: &SigningKey) -> Result<(), KeyError> {
    write_any(path, &AnyKey::Ed25519(key.clone()))
}

/// As [`write`], for a key of either algorithm.
pub fn write_any(path: &Path, key: &AnyKey) -> Result<(), KeyError> {
    let doc = KeyDocument {
        format: FORMAT.into(),
        algorithm: key.algorithm().into(),
        seed: hex::encode(key.seed()),
        public: hex::encode(key.public_bytes()),
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

/// An Ed25519 key file (a log, signer or witness key); an ML-DSA-44 file is refused, named.
pub fn read(path: &Path) -> Result<SigningKey, KeyError> {
    match read_any(path)? {
        AnyKey::Ed25519(key) => Ok(key),
        AnyKey::MlDsa44(_) => Err(KeyError::Malformed {
            path: path.to_path_buf(),
            reason: "this is an ML-DSA-44 key (a post-quantum cosigning key); an Ed25519 key is needed here".into(),
        }),
    }
}

/// An ML-DSA-44 key file; an Ed25519 file is refused, named.
pub fn read_ml_dsa_44(path: &Path) -> Result<MlDsa44Key, KeyError> {
    match read_any(path)? {
        AnyKey::MlDsa44(key) => Ok(key),
        AnyKey::Ed25519(_) => Err(KeyError::Malformed {
            path: path.to_path_buf(),
            reason: "this is an Ed25519 key; an ML-DSA-44 key is needed here (`key generate --algorithm ml-dsa-44`)".into(),
        }),
    }
}

/// A key file of either algorithm.
pub fn read_any(path: &Path) -> Result<AnyKey, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|e| KeyError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let malformed = |reason: String| KeyError::Malformed {
        path: path.to_path_buf(),
        reason,
    };
    let doc: KeyDocument = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
    if doc.format != FORMAT || (doc.algorithm != ED25519 && doc.algorithm != ML_DSA_44) {
        return Err(malformed(format!(
            "format `{}` / algorithm `{}` (expected {FORMAT} / {ED25519} or {ML_DSA_44})",
            doc.format, doc.algorithm
        )));
    }
    let mut seed = [0u8; 32];
    hex::decode_to_slice(&doc.seed, &mut seed)
        .map_err(|_| malformed("`seed` is not 64 hex digits".into()))?;
    let key = if doc.algorithm == ED25519 {
        AnyKey::Ed25519(SigningKey::from_bytes(&seed))
    } else {
        AnyKey::MlDsa44(MlDsa44Key::from_seed(&seed))
    };
    if hex::encode(key.public_bytes()) != doc.public {
        return Err(malformed(
            "`public` does not match `seed`: the file is damaged".into(),
        ));
    }
    Ok(key)
}
