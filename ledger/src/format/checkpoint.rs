//! §3.2 Checkpoints: a C2SP `tlog-checkpoint` body published as a C2SP `signed-note`, and
//! verifier keys in the `name+keyid+base64` form.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

use super::hash::Hash;
use crate::crypto;

/// Signature type byte for Ed25519 in C2SP signed-note key ids and verifier keys.
const ALG_ED25519: u8 = 0x01;
/// The em dash that starts every signature line.
const SIG_PREFIX: &str = "\u{2014} ";
/// Notes larger than this, or with more signatures, are refused before any parsing work. An
/// ML-DSA-44 cosignature line is about 3.3 KB: the limit holds a note with the most
/// signatures, all post-quantum.
pub const MAX_NOTE_BYTES: usize = 384 * 1024;
pub const MAX_SIGNATURES: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("checkpoint note is malformed: {0}")]
    Malformed(String),
    #[error("verifier key is malformed: {0}")]
    BadKey(String),
    #[error("no valid signature by `{key}` on the note")]
    NotSigned { key: String },
    #[error("no valid cosignature by witness `{witness}` on the note")]
    NotCosigned { witness: String },
    #[error("{found} of the trusted witnesses cosigned the checkpoint, {needed} are needed (not cosigned by: {})", missing.join(", "))]
    Quorum {
        needed: usize,
        found: usize,
        missing: Vec<String>,
    },
}

fn malformed(msg: impl Into<String>) -> NoteError {
    NoteError::Malformed(msg.into())
}

/// The first four bytes of SHA-256(name || '\n' || 0x01 || public key).
pub fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    key_id_for(ALG_ED25519, name, public)
}

/// The first four bytes of SHA-256(name || '\n' || alg || public key): the signed-note key id
/// of a key of signature type `alg`.
pub(crate) fn key_id_for(alg: u8, name: &str, public: &[u8]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0A, alg]);
    h.update(public);
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// Parses a verifier key `<name>+<key id>+<base64(alg || public key)>` of signature type
/// `alg`, checking the key id against the name and key.
pub(crate) fn parse_vkey(text: &str, alg: u8) -> Result<(String, [u8; 4], [u8; 32]), NoteError> {
    let text = text.trim();
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(NoteError::BadKey(format!(
            "`{text}` is not of the form name+keyid+base64"
        )));
    };
    check_key_name(name)?;
    let mut id = [0u8; 4];
    if id_hex.len() != 8 || hex::decode_to_slice(id_hex, &mut id).is_err() {
        return Err(NoteError::BadKey(format!(
            "key id `{id_hex}` must be 8 hex digits"
        )));
    }
    let raw = B64
        .decode(key_b64)
        .map_err(|e| NoteError::BadKey(format!("key is not base64: {e}")))?;
    if raw.len() != 33 || raw[0] != alg {
        // The two kinds of key look alike; say which one was given where the other was due.
        let hint = match (raw.first(), alg) {
            (Some(0x04), 0x01) if raw.len() == 33 => {
                "; this is a witness key: give the log's key here (`congress-ledger checkpoint --ledger DIR --json` prints it as log_key)"
            }
            (Some(0x01), 0x04) if raw.len() == 33 => {
                "; this is a log or signer key: a witness's key is the one `congress-ledger witness key --key FILE --name NAME` prints"
            }
            _ => "",
        };
        return Err(NoteError::BadKey(format!(
            "key must be 0x{alg:02x} followed by a 32-byte Ed25519 public key{hint}"
        )));
    }
    let mut public = [0u8; 32];
    public.copy_from_slice(&raw[1..]);
    let expected = key_id_for(alg, name, &public);
    if expected != id {
        return Err(NoteError::BadKey(format!(
            "key id {id_hex} does not match the key (expected {})",
            hex::encode(expected)
        )));
    }
    Ok((name.to_string(), id, public))
}

/// Encodes a verifier key of signature type `alg`.
pub(crate) fn encode_vkey(alg: u8, name: &str, id: &[u8; 4], public: &[u8; 32]) -> String {
    let mut raw = Vec::with_capacity(33);
    raw.push(alg);
    raw.extend_from_slice(public);
    format!("{name}+{}+{}", hex::encode(id), B64.encode(raw))
}

/// A note key name: non-empty, no spaces, no '+' and no control characters (C2SP signed-note).
pub(crate) fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c == '+' || c.is_whitespace() || c.is_control())
    {
        return Err(NoteError::BadKey(format!(
            "key name `{name}` must be non-empty with no spaces or '+'"
        )));
    }
    Ok(())
}

/// A public key that verifies notes: `<name>+<key id, 8 hex>+<base64(0x01 || public key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub id: [u8; 4],
    pub public: [u8; 32],
}

impl VerifierKey {
    pub fn new(name: &str, public: [u8; 32]) -> Result<VerifierKey, NoteError> {
        check_key_name(name)?;
        Ok(VerifierKey {
            name: name.to_string(),
            id: key_id(name, &public),
            public,
        })
    }

    pub fn parse(text: &str) -> Result<VerifierKey, NoteError> {
        let (name, id, public) = parse_vkey(text, ALG_ED25519)?;
        Ok(VerifierKey { name, id, public })
    }

    pub fn encode(&self) -> String {
        encode_vkey(ALG_ED25519, &self.name, &self.id, &self.public)
    }
}

impl std::fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.encode())
    }
}

/// The checkpoint body: origin, tree size and root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Optional extension lines after the root (C2SP allows them; this ledger writes none).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    pub fn new(origin: &str, size: u64, root: Hash) -> Checkpoint {
        Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    pub fn body(&self) -> String {
        let mut body = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root.0)
        );
        for line in &self.extensions {
            body.push_str(line);
            body.push('\n');
        }
        body
    }

    pub fn parse_body(body: &str) -> Result<Checkpoint, NoteError> {
        let Some(text) = body.strip_suffix('\n') else {
            return Err(malformed("body must end with a newline"));
        };
        let mut lines = text.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(malformed("first line (origin) is empty"));
        }
        let size_text = lines
            .next()
            .ok_or_else(|| malformed("missing the tree size line"))?;
        let canonical = size_text == "0" || !size_text.starts_with('0');
        let size: u64 = match size_text.parse() {
            Ok(n) if canonical && size_text.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => {
                return Err(malformed(format!(
                    "tree size `{size_text}` is not a decimal number"
                )))
            }
        };
        let root_text = lines
            .next()
            .ok_or_else(|| malformed("missing the root hash line"))?;
        let root = B64
            .decode(root_text)
            .ok()
            .and_then(|b| Hash::from_slice(&b))
            .ok_or_else(|| malformed(format!("root `{root_text}` is not base64 of 32 bytes")))?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(malformed("empty line inside the body"));
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions,
        })
    }
}

/// One `— <name> <base64(key id || signature)>` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub id: [u8; 4],
    /// The signature bytes after the key id (64 for Ed25519; other algorithms may differ).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    pub fn line(&self) -> String {
        let mut raw = self.id.to_vec();
        raw.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw))
    }

    /// Parses one signature line (without its newline).
    pub fn parse_line(line: &str) -> Result<NoteSignature, NoteError> {
        let Some(rest) = line.strip_prefix(SIG_PREFIX) else {
            return Err(malformed(format!(
                "signature line `{line}` does not start with an em dash and a space"
            )));
        };
        let Some((name, b64)) = rest.split_once(' ') else {
            return Err(malformed(format!(
                "signature line `{line}` has no signature"
            )));
        };
        check_key_name(name).map_err(|_| malformed(format!("bad key name `{name}`")))?;
        let raw = B64
            .decode(b64)
            .map_err(|_| malformed(format!("signature of `{name}` is not base64")))?;
        if raw.len() < 5 {
            return Err(malformed(format!("signature of `{name}` is too short")));
        }
        let mut id = [0u8; 4];
        id.copy_from_slice(&raw[..4]);
        Ok(NoteSignature {
            name: name.to_string(),
            id,
            signature: raw[4..].to_vec(),
        })
    }
}

/// A signed note carrying a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    pub checkpoint: Checkpoint,
    pub signatures: Vec<NoteSignature>,
}

impl SignedNote {
    /// Signs a checkpoint with the log key; the key name is the checkpoint's origin.
    pub fn sign(checkpoint: Checkpoint, key: &SigningKey) -> Result<SignedNote, NoteError> {
        let public = key.verifying_key().to_bytes();
        let vkey = VerifierKey::new(&checkpoint.origin, public)?;
        let signature = key.sign(checkpoint.body().as_bytes()).to_bytes().to_vec();
        Ok(SignedNote {
            checkpoint,
            signatures: vec![NoteSignature {
                name: vkey.name,
                id: vkey.id,
                signature,
            }],
        })
    }

    /// The note as the log's Ed25519 key(s) signed it: the body and the log's own signature
    /// lines only (named by the origin, 64-byte Ed25519 signatures), without the witnesses'
    /// or the post-quantum cosignatures that are added after it. Its [`SignedNote::encode`] is
    /// what a trusted timestamp covers.
    pub fn log_signed(&self) -> SignedNote {
        SignedNote {
            checkpoint: self.checkpoint.clone(),
            signatures: self
                .signatures
                .iter()
                .filter(|s| s.name == self.checkpoint.origin && s.signature.len() == 64)
                .cloned()
                .collect(),
        }
    }

    pub fn encode(&self) -> String {
        let mut text = self.checkpoint.body();
        text.push('\n');
        for sig in &self.signatures {
            text.push_str(&sig.line());
        }
        text
    }

    pub fn parse(text: &str) -> Result<SignedNote, NoteError> {
        if text.len() > MAX_NOTE_BYTES {
            return Err(malformed(format!(
                "note is {} bytes, over the limit of {MAX_NOTE_BYTES}",
                text.len()
            )));
        }
        let Some(split) = text.find("\n\n") else {
            return Err(malformed(
                "no blank line between the body and the signatures",
            ));
        };
        let (body, sigs) = (&text[..split + 1], &text[split + 2..]);
        let checkpoint = Checkpoint::parse_body(body)?;
        let Some(sigs) = sigs.strip_suffix('\n') else {
            return Err(malformed("the last signature line must end with a newline"));
        };
        let mut signatures = Vec::new();
        for line in sigs.split('\n') {
            if signatures.len() == MAX_SIGNATURES {
                return Err(malformed(format!("more than {MAX_SIGNATURES} signatures")));
            }
            signatures.push(NoteSignature::parse_line(line)?);
        }
        if signatures.is_empty() {
            return Err(malformed("the note carries no signature"));
        }
        Ok(SignedNote {
            checkpoint,
            signatures,
        })
    }

    /// Checks that `key` signed this note. Signatures by other keys are ignored, as C2SP asks.
    pub fn verify(&self, key: &VerifierKey) -> Result<(), NoteError> {
        let body = self.checkpoint.body();
        let valid = self.signatures.iter().any(|sig| {
            sig.name == key.name
                && sig.id == key.id
                && <[u8; 64]>::try_from(sig.signature.as_slice())
                    .is_ok_and(|s| crypto::verify_strict(&key.public, body.as_bytes(), &s).is_ok())
        });
        if valid {
            Ok(())
        } else {
            Err(NoteError::NotSigned { key: key.encode() })
        }
    }
}
