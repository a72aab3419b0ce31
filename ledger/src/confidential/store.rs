//! The confidential store beside the ledger (`<ledger>/confidential/`), never in segments,
//! entries or the subscription:
//!
//! ```text
//! confidential/recipients                  the inspection commission's age X25519 recipients
//! confidential/cases/<case>/recipient      the case's own public key (age1…)
//! confidential/cases/<case>/key.age        the case's secret key, encrypted to the commission
//! confidential/cases/<case>/values.age     the case's openings (value and salt per field),
//!                                          encrypted to the case's key
//! confidential/cases/<case>/documents/<sha256>.age   confidential attachments, likewise
//! ```
//!
//! Writing needs only public keys; reading needs one of the commission's identities, which
//! the server never stores: readers get the ciphertexts ([`SealedCase`]) and open them
//! themselves (or, in the explorer, with a key pasted at login and kept in that session only). Crypto-shredding a case destroys `key.age`: the rest stays, unreadable.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::ExposeSecret;
pub use age::x25519::Identity;
use age::x25519::Recipient;
use serde::{Deserialize, Serialize};

use super::Openings;
use crate::format::Hash;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no inspection commission recipients in {0}: run `congress-ledger confidential init --recipient age1…`")]
    NoRecipients(PathBuf),
    #[error("`{0}` is not an age X25519 recipient (age1…)")]
    BadRecipient(String),
    #[error("not an age secret key (AGE-SECRET-KEY-1…)")]
    BadIdentity,
    #[error("`{0}` is not a valid case id")]
    BadCase(String),
    #[error("case `{0}` has no confidential values")]
    NoCase(String),
    #[error("the confidential values of case `{0}` are already stored; they are not overwritten")]
    AlreadyStored(String),
    #[error("the key of case `{0}` was destroyed at the end of its retention period: unreadable")]
    Shredded(String),
    #[error("cannot decrypt with this key (not an inspection commission key?): {0}")]
    Decrypt(String),
    #[error("encryption failed: {0}")]
    Encrypt(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A new age X25519 key pair: (secret `AGE-SECRET-KEY-1…`, recipient `age1…`).
pub fn generate_identity() -> (String, String) {
    let id = Identity::generate();
    (
        id.to_string().expose_secret().to_string(),
        id.to_public().to_string(),
    )
}

/// Reads an age identity (a key file's text: comments and blank lines are skipped).
pub fn parse_identity(text: &str) -> Result<Identity, StoreError> {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .and_then(|l| Identity::from_str(l).ok())
        .ok_or(StoreError::BadIdentity)
}

fn parse_recipient(text: &str) -> Result<Recipient, StoreError> {
    Recipient::from_str(text.trim()).map_err(|_| StoreError::BadRecipient(text.trim().into()))
}

fn encrypt(recipients: &[Recipient], plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| StoreError::Encrypt(e.to_string()))?;
    let mut out = Vec::new();
    let mut w = encryptor
        .wrap_output(&mut out)
        .map_err(|e| StoreError::Encrypt(e.to_string()))?;
    w.write_all(plaintext)
        .and_then(|_| w.finish().map(|_| ()))
        .map_err(|e| StoreError::Encrypt(e.to_string()))?;
    Ok(out)
}

fn decrypt(identity: &Identity, ciphertext: &[u8]) -> Result<Vec<u8>, StoreError> {
    age::decrypt(identity, ciphertext).map_err(|e| StoreError::Decrypt(e.to_string()))
}

/// Writes `bytes` to `path` whole or not at all: a temporary file, synced, renamed, the
/// directory synced.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io(dir))?;
    let tmp = path.with_extension("tmp");
    let mut f = fs::File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(io(&tmp))?;
    fs::rename(&tmp, path).map_err(io(path))?;
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

/// Case ids as the schemas give them: no path separators, never `.` or `..`.
fn check_case(case: &str) -> Result<(), StoreError> {
    let ok = !case.is_empty()
        && case.len() <= 64
        && case.as_bytes()[0].is_ascii_alphanumeric()
        && case
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadCase(case.into()))
    }
}

/// One case's ciphertexts, as a reader receives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealedCase {
    pub case: String,
    /// The case's secret key encrypted to the commission (base64); absent once shredded.
    pub key: Option<String>,
    /// The openings encrypted to the case's key (base64).
    pub values: String,
    /// The confidential attachments held, by SHA-256 of their plaintext.
    pub documents: Vec<String>,
}

/// A case's secret key, unwrapped with a commission identity.
pub struct CaseKey(Identity);

impl SealedCase {
    /// Unwraps the case's key with a commission identity.
    pub fn unwrap_key(&self, commission: &Identity) -> Result<CaseKey, StoreError> {
        let key = self
            .key
            .as_deref()
            .ok_or_else(|| StoreError::Shredded(self.case.clone()))?;
        let wrapped = b64(key)?;
        let secret = decrypt(commission, &wrapped)?;
        let text = String::from_utf8(secret).map_err(|_| StoreError::BadIdentity)?;
        Ok(CaseKey(parse_identity(&text)?))
    }

    /// The openings, with a commission identity.
    pub fn open(&self, commission: &Identity) -> Result<Openings, StoreError> {
        self.unwrap_key(commission)?.values(&self.values)
    }
}

fn b64(text: &str) -> Result<Vec<u8>, StoreError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| StoreError::Decrypt(e.to_string()))
}

fn to_b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl CaseKey {
    /// Decrypts a case's values (base64 ciphertext as in [`SealedCase::values`]).
    pub fn values(&self, ciphertext_b64: &str) -> Result<Openings, StoreError> {
        let plain = decrypt(&self.0, &b64(ciphertext_b64)?)?;
        serde_json::from_slice(&plain).map_err(|e| StoreError::Decrypt(e.to_string()))
    }

    /// Decrypts one of the case's documents (its ciphertext bytes).
    pub fn document(&self, ciphertext: &[u8]) -> Result<Vec<u8>, StoreError> {
        decrypt(&self.0, ciphertext)
    }
}

/// The confidential store of one ledger.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// The store beside the ledger in `ledger_dir`.
    pub fn beside(ledger_dir: &Path) -> Store {
        Store {
            dir: ledger_dir.join("confidential"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn case_dir(&self, case: &str) -> Result<PathBuf, StoreError> {
        check_case(case)?;
        Ok(self.dir.join("cases").join(case))
    }

    /// Sets the commission's recipients (`age1…`), for cases opened from now on.
    pub fn set_recipients(&self, recipients: &[String]) -> Result<(), StoreError> {
        if recipients.is_empty() {
            return Err(StoreError::NoRecipients(self.dir.clone()));
        }
        for r in recipients {
            parse_recipient(r)?;
        }
        let text: String = recipients
            .iter()
            .map(|r| format!("{}\n", r.trim()))
            .collect();
        write_file(&self.dir.join("recipients"), text.as_bytes())
    }

    /// The commission's recipients.
    pub fn recipients(&self) -> Result<Vec<Recipient>, StoreError> {
        let path = self.dir.join("recipients");
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NoRecipients(self.dir.clone()))
            }
            Err(e) => return Err(io(&path)(e)),
        };
        let list: Vec<Recipient> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(parse_recipient)
            .collect::<Result<_, _>>()?;
        if list.is_empty() {
            return Err(StoreError::NoRecipients(self.dir.clone()));
        }
        Ok(list)
    }

    /// The case's public key, creating the case (its key wrapped to the commission) if new.
    fn case_recipient(&self, case: &str) -> Result<Recipient, StoreError> {
        let dir = self.case_dir(case)?;
        let path = dir.join("recipient");
        match fs::read_to_string(&path) {
            Ok(text) => {
                if !dir.join("key.age").exists() {
                    return Err(StoreError::Shredded(case.into()));
                }
                return parse_recipient(&text);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&path)(e)),
        }
        let commission = self.recipients()?;
        let key = Identity::generate();
        let wrapped = encrypt(&commission, key.to_string().expose_secret().as_bytes())?;
        write_file(&dir.join("key.age"), &wrapped)?;
        write_file(&path, format!("{}\n", key.to_public()).as_bytes())?;
        Ok(key.to_public())
    }

    /// Stores a case's openings, once.
    pub fn deposit(&self, case: &str, openings: &Openings) -> Result<(), StoreError> {
        let recipient = self.case_recipient(case)?;
        let path = self.case_dir(case)?.join("values.age");
        if path.exists() {
            return Err(StoreError::AlreadyStored(case.into()));
        }
        let json = serde_json::to_vec(openings).map_err(|e| StoreError::Encrypt(e.to_string()))?;
        write_file(&path, &encrypt(&[recipient], &json)?)
    }

    /// Stores a confidential attachment of a case; returns its SHA-256.
    pub fn add_document(&self, case: &str, bytes: &[u8]) -> Result<Hash, StoreError> {
        let recipient = self.case_recipient(case)?;
        let hash = Hash::of(bytes);
        let path = self
            .case_dir(case)?
            .join("documents")
            .join(format!("{}.age", hash.to_hex()));
        if !path.exists() {
            write_file(&path, &encrypt(&[recipient], bytes)?)?;
        }
        Ok(hash)
    }

    /// Whether the case has confidential values here.
    pub fn has(&self, case: &str) -> bool {
        self.case_dir(case)
            .is_ok_and(|d| d.join("values.age").exists())
    }

    /// A case's ciphertexts.
    pub fn sealed(&self, case: &str) -> Result<SealedCase, StoreError> {
        let dir = self.case_dir(case)?;
        let values_path = dir.join("values.age");
        let values = match fs::read(&values_path) {
            Ok(v) => v,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NoCase(case.into()))
            }
            Err(e) => return Err(io(&values_path)(e)),
        };
        let key_path = dir.join("key.age");
        let key = match fs::read(&key_path) {
            Ok(k) => Some(to_b64(&k)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(&key_path)(e)),
        };
        let mut documents = Vec::new();
        if let Ok(list) = fs::read_dir(dir.join("documents")) {
            for f in list.flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                if let Some(hex) = name.strip_suffix(".age") {
                    documents.push(hex.to_string());
                }
            }
        }
        documents.sort();
        Ok(SealedCase {
            case: case.into(),
            key,
            values: to_b64(&values),
            documents,
        })
    }

    /// The case holding the confidential attachment `sha256`, if any.
    pub fn document_case(&self, sha256: &Hash) -> Option<String> {
        let name = format!("{}.age", sha256.to_hex());
        fs::read_dir(self.dir.join("cases"))
            .ok()?
            .flatten()
            .find(|c| c.path().join("documents").join(&name).exists())
            .map(|c| c.file_name().to_string_lossy().into_owned())
    }

    /// A confidential attachment's ciphertext.
    pub fn document(&self, case: &str, sha256: &Hash) -> Result<Vec<u8>, StoreError> {
        let path = self
            .case_dir(case)?
            .join("documents")
            .join(format!("{}.age", sha256.to_hex()));
        fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => StoreError::NoCase(case.into()),
            _ => io(&path)(e),
        })
    }

    /// Crypto-shredding: destroys the case's key (overwritten, synced, removed). Its values and
    /// attachments stay, and can never be read again. Shredding a shredded case does nothing.
    pub fn shred(&self, case: &str) -> Result<(), StoreError> {
        let dir = self.case_dir(case)?;
        let path = dir.join("key.age");
        let len = match fs::metadata(&path) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if dir.join("recipient").exists() {
                    return Ok(());
                }
                return Err(StoreError::NoCase(case.into()));
            }
            Err(e) => return Err(io(&path)(e)),
        };
        let mut f = fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        f.write_all(&vec![0u8; len as usize])
            .and_then(|_| f.sync_all())
            .map_err(io(&path))?;
        fs::remove_file(&path).map_err(io(&path))?;
        fs::File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&dir))
    }

    /// Whether the case's key was destroyed.
    pub fn is_shredded(&self, case: &str) -> bool {
        self.case_dir(case)
            .is_ok_and(|d| d.join("recipient").exists() && !d.join("key.age").exists())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::confidential::Opening;

    #[test]
    fn a_case_is_readable_with_a_commission_key_only_until_shredded() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::beside(dir.path());
        let (secret, recipient) = generate_identity();
        let (other, _) = generate_identity();
        assert!(matches!(
            store.deposit("c-1", &Openings::new()),
            Err(StoreError::NoRecipients(_))
        ));
        store.set_recipients(&[recipient]).unwrap();
        let mut openings = Openings::new();
        openings.insert(
            "complainant.name".into(),
            Opening::new(serde_json::json!("Phạm Văn Hùng")),
        );
        store.deposit("c-1", &openings).unwrap();
        assert!(matches!(
            store.deposit("c-1", &openings),
            Err(StoreError::AlreadyStored(_))
        ));
        let doc = store.add_document("c-1", "thư tố cáo".as_bytes()).unwrap();
        assert!(matches!(
            store.deposit("../x", &openings),
            Err(StoreError::BadCase(_))
        ));
        // Nothing on disk holds the name in plaintext.
        for f in walk(store.dir()) {
            let bytes = fs::read(&f).unwrap();
            assert!(!contains(&bytes, "Hùng".as_bytes()), "{}", f.display());
        }
        let sealed = store.sealed("c-1").unwrap();
        let commission = parse_identity(&secret).unwrap();
        assert_eq!(sealed.open(&commission).unwrap(), openings);
        assert!(sealed.open(&parse_identity(&other).unwrap()).is_err());
        assert_eq!(store.document_case(&doc).as_deref(), Some("c-1"));
        let key = sealed.unwrap_key(&commission).unwrap();
        let cipher = store.document("c-1", &doc).unwrap();
        assert_eq!(key.document(&cipher).unwrap(), "thư tố cáo".as_bytes());
        store.shred("c-1").unwrap();
        assert!(store.is_shredded("c-1"));
        let sealed = store.sealed("c-1").unwrap();
        assert!(matches!(
            sealed.open(&commission),
            Err(StoreError::Shredded(_))
        ));
        assert!(matches!(
            store.add_document("c-1", b"more"),
            Err(StoreError::Shredded(_))
        ));
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }
}
