//! Witness cosignatures on checkpoints: C2SP `tlog-cosignature`, its Ed25519 type
//! (`cosignature/v1`) and its post-quantum ML-DSA-44 type (`subtree/v1`).
//!
//! A witness (an inspection commission) that has checked a checkpoint consistent with every
//! one it saw before adds its own signature line to the note. The line's key id is made with
//! signature type 0x04, so a cosignature can never pass for the log's own signature (type
//! 0x01) or the reverse, and it signs `cosignature/v1\ntime <t>\n` followed by the checkpoint
//! body, so it commits to when the witness vouched for the tree.
//!
//! The ML-DSA-44 type (key ids of signature type 0x06) signs the binary `subtree/v1` message,
//! which commits to the cosigner's name, the time, the origin, the range `0..size` and the
//! root: a line moved to another checkpoint, or put under the other type's key, verifies
//! under nothing. The log itself cosigns each checkpoint this way when it holds an ML-DSA-44
//! key (`<ledger>/log-ml-dsa-44.key`), under its origin as the cosigner name.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};

use super::checkpoint::{
    check_key_name, encode_vkey, key_id_for, parse_vkey, NoteError, NoteSignature, SignedNote,
};
use crate::crypto;
use crate::pq::{self, MlDsa44Key};

/// Signature type byte of an Ed25519 cosignature (tlog-cosignature).
const ALG_COSIGNATURE: u8 = 0x04;
/// Signature type byte of an ML-DSA-44 cosignature (tlog-cosignature).
pub const ALG_ML_DSA_44: u8 = 0x06;
/// A cosignature's bytes after the key id: the timestamp (u64, big-endian) and the signature.
const COSIGNATURE_BYTES: usize = 8 + 64;
/// The same for the ML-DSA-44 type.
const ML_DSA_COSIGNATURE_BYTES: usize = 8 + pq::SIGNATURE_BYTES;
/// The spec caps timestamps at 2^63 − 1.
const MAX_TIMESTAMP: u64 = i64::MAX as u64;
/// The `subtree/v1` message's label.
const SUBTREE_LABEL: &[u8; 12] = b"subtree/v1\n\0";

/// A cosigner's public key, of one of the two types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CosignerPublic {
    Ed25519([u8; 32]),
    MlDsa44(Box<[u8; pq::PUBLIC_BYTES]>),
}

impl CosignerPublic {
    fn alg(&self) -> u8 {
        match self {
            CosignerPublic::Ed25519(_) => ALG_COSIGNATURE,
            CosignerPublic::MlDsa44(_) => ALG_ML_DSA_44,
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            CosignerPublic::Ed25519(k) => k,
            CosignerPublic::MlDsa44(k) => &k[..],
        }
    }
}

/// A witness's public key: `<name>+<key id>+<base64(0x04 || Ed25519 public key)>`, or
/// `<name>+<key id>+<base64(0x06 || ML-DSA-44 public key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessKey {
    pub name: String,
    pub id: [u8; 4],
    pub public: CosignerPublic,
}

impl WitnessKey {
    /// An Ed25519 witness key.
    pub fn new(name: &str, public: [u8; 32]) -> Result<WitnessKey, NoteError> {
        WitnessKey::of(name, CosignerPublic::Ed25519(public))
    }

    /// An ML-DSA-44 witness key.
    pub fn ml_dsa_44(name: &str, public: &[u8; pq::PUBLIC_BYTES]) -> Result<WitnessKey, NoteError> {
        WitnessKey::of(name, CosignerPublic::MlDsa44(Box::new(*public)))
    }

    fn of(name: &str, public: CosignerPublic) -> Result<WitnessKey, NoteError> {
        check_key_name(name)?;
        Ok(WitnessKey {
            name: name.to_string(),
            id: key_id_for(public.alg(), name, public.bytes()),
            public,
        })
    }

    /// The cosigner key of `key` under `name`, of the key's own type.
    pub fn of_key(name: &str, key: &CosigningKey) -> Result<WitnessKey, NoteError> {
        match key {
            CosigningKey::Ed25519(k) => WitnessKey::new(name, k.verifying_key().to_bytes()),
            CosigningKey::MlDsa44(k) => WitnessKey::ml_dsa_44(name, k.public()),
        }
    }

    pub fn parse(text: &str) -> Result<WitnessKey, NoteError> {
        if let Some(key) = parse_ml_dsa_44(text)? {
            return Ok(key);
        }
        let (name, id, public) = parse_vkey(text, ALG_COSIGNATURE)?;
        Ok(WitnessKey {
            name,
            id,
            public: CosignerPublic::Ed25519(public),
        })
    }

    pub fn encode(&self) -> String {
        match &self.public {
            CosignerPublic::Ed25519(k) => encode_vkey(ALG_COSIGNATURE, &self.name, &self.id, k),
            CosignerPublic::MlDsa44(k) => {
                let mut raw = Vec::with_capacity(1 + pq::PUBLIC_BYTES);
                raw.push(ALG_ML_DSA_44);
                raw.extend_from_slice(&k[..]);
                format!("{}+{}+{}", self.name, hex::encode(self.id), B64.encode(raw))
            }
        }
    }

    /// Whether this is a post-quantum (ML-DSA-44) key.
    pub fn is_post_quantum(&self) -> bool {
        matches!(self.public, CosignerPublic::MlDsa44(_))
    }
}

/// The key if `text` is an ML-DSA-44 verifier key (its key material starts with 0x06), None if
/// it is of another type; an ML-DSA-44 key whose parts do not hold is an error.
fn parse_ml_dsa_44(text: &str) -> Result<Option<WitnessKey>, NoteError> {
    let text = text.trim();
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
    else {
        return Ok(None);
    };
    let Ok(raw) = B64.decode(key_b64) else {
        return Ok(None);
    };
    if raw.first() != Some(&ALG_ML_DSA_44) {
        return Ok(None);
    }
    let public: [u8; pq::PUBLIC_BYTES] = raw[1..].try_into().map_err(|_| {
        NoteError::BadKey(format!(
            "an ML-DSA-44 key must be 0x06 followed by a {}-byte public key, not {} bytes",
            pq::PUBLIC_BYTES,
            raw.len() - 1
        ))
    })?;
    let key = WitnessKey::ml_dsa_44(name, &public)?;
    if hex::encode(key.id) != id_hex {
        return Err(NoteError::BadKey(format!(
            "key id `{id_hex}` does not match the key (expected {})",
            hex::encode(key.id)
        )));
    }
    Ok(Some(key))
}

/// A cosigner's private key, of one of the two types.
#[derive(Debug, Clone)]
pub enum CosigningKey {
    Ed25519(SigningKey),
    MlDsa44(MlDsa44Key),
}

impl From<SigningKey> for CosigningKey {
    fn from(key: SigningKey) -> CosigningKey {
        CosigningKey::Ed25519(key)
    }
}

/// The ML-DSA-44 type's signed message (`subtree/v1`) for a whole checkpoint: start 0, end
/// its size.
pub fn subtree_message(
    cosigner: &str,
    timestamp: u64,
    note: &SignedNote,
) -> Result<Vec<u8>, NoteError> {
    let cp = &note.checkpoint;
    let short = |what: &str, s: &str| -> Result<u8, NoteError> {
        u8::try_from(s.len())
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                NoteError::Malformed(format!(
                    "the {what} `{s}` must be 1 to 255 bytes for an ML-DSA-44 cosignature"
                ))
            })
    };
    let mut m = Vec::with_capacity(12 + 1 + cosigner.len() + 8 + 1 + cp.origin.len() + 48);
    m.extend_from_slice(SUBTREE_LABEL);
    m.push(short("cosigner name", cosigner)?);
    m.extend_from_slice(cosigner.as_bytes());
    m.extend_from_slice(&timestamp.to_be_bytes());
    m.push(short("origin", &cp.origin)?);
    m.extend_from_slice(cp.origin.as_bytes());
    m.extend_from_slice(&0u64.to_be_bytes());
    m.extend_from_slice(&cp.size.to_be_bytes());
    m.extend_from_slice(&cp.root.0);
    Ok(m)
}

/// The ML-DSA-44 cosignature line of `name` on `note` at `timestamp` (POSIX seconds).
pub fn cosign_ml_dsa_44(
    note: &SignedNote,
    name: &str,
    key: &MlDsa44Key,
    timestamp: u64,
) -> Result<NoteSignature, NoteError> {
    if timestamp > MAX_TIMESTAMP {
        return Err(NoteError::Malformed(format!(
            "cosignature time {timestamp} is over 2^63 - 1"
        )));
    }
    let witness = WitnessKey::ml_dsa_44(name, key.public())?;
    let signature = key
        .sign(&subtree_message(name, timestamp, note)?)
        .map_err(|e| NoteError::Malformed(format!("ML-DSA-44 signing failed: {e}")))?;
    let mut bytes = Vec::with_capacity(ML_DSA_COSIGNATURE_BYTES);
    bytes.extend_from_slice(&timestamp.to_be_bytes());
    bytes.extend_from_slice(&signature);
    Ok(NoteSignature {
        name: witness.name,
        id: witness.id,
        signature: bytes,
    })
}

/// The cosignature line of `name` with a key of either type.
pub fn cosign_with(
    note: &SignedNote,
    name: &str,
    key: &CosigningKey,
    timestamp: u64,
) -> Result<NoteSignature, NoteError> {
    match key {
        CosigningKey::Ed25519(k) => cosign(note, name, k, timestamp),
        CosigningKey::MlDsa44(k) => cosign_ml_dsa_44(note, name, k, timestamp),
    }
}

impl std::fmt::Display for WitnessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.encode())
    }
}

/// What a witness signs: two header lines, then the checkpoint body.
fn signed_message(note: &SignedNote, timestamp: u64) -> String {
    format!(
        "cosignature/v1\ntime {timestamp}\n{}",
        note.checkpoint.body()
    )
}

/// The cosignature line of witness `name` on `note` at `timestamp` (POSIX seconds). The caller
/// has checked the checkpoint: signing is the statement that it has.
pub fn cosign(
    note: &SignedNote,
    name: &str,
    key: &SigningKey,
    timestamp: u64,
) -> Result<NoteSignature, NoteError> {
    if timestamp > MAX_TIMESTAMP {
        return Err(NoteError::Malformed(format!(
            "cosignature time {timestamp} is over 2^63 - 1"
        )));
    }
    let witness = WitnessKey::new(name, key.verifying_key().to_bytes())?;
    let signature = key.sign(signed_message(note, timestamp).as_bytes());
    let mut bytes = Vec::with_capacity(COSIGNATURE_BYTES);
    bytes.extend_from_slice(&timestamp.to_be_bytes());
    bytes.extend_from_slice(&signature.to_bytes());
    Ok(NoteSignature {
        name: witness.name,
        id: witness.id,
        signature: bytes,
    })
}

/// The time of `witness`'s valid cosignature on `note`. Lines by other keys are ignored, as
/// signed notes ask; a line under the key's name and id whose length is that of the other
/// type's cosignature (a classical signature under a post-quantum key, or the reverse) is not
/// valid.
pub fn verify(note: &SignedNote, witness: &WitnessKey) -> Result<u64, NoteError> {
    note.signatures
        .iter()
        .filter(|sig| sig.name == witness.name && sig.id == witness.id)
        .find_map(|sig| {
            let time: [u8; 8] = sig.signature.get(..8)?.try_into().ok()?;
            let timestamp = u64::from_be_bytes(time);
            if timestamp > MAX_TIMESTAMP {
                return None;
            }
            let signature = &sig.signature[8..];
            let valid = match &witness.public {
                CosignerPublic::Ed25519(public) => {
                    let signature: &[u8; 64] = signature.try_into().ok()?;
                    let message = signed_message(note, timestamp);
                    crypto::verify_strict(public, message.as_bytes(), signature).is_ok()
                }
                CosignerPublic::MlDsa44(public) => {
                    let message = subtree_message(&witness.name, timestamp, note).ok()?;
                    pq::verify(public, &message, signature)
                }
            };
            valid.then_some(timestamp)
        })
        .ok_or_else(|| NoteError::NotCosigned {
            witness: witness.encode(),
        })
}

/// The witnesses, of those trusted, whose cosignatures on `note` are valid, if there are at
/// least `quorum` of them. A witness listed twice counts once.
pub fn check_quorum<'a>(
    note: &SignedNote,
    witnesses: &'a [WitnessKey],
    quorum: usize,
) -> Result<Vec<&'a WitnessKey>, NoteError> {
    let mut cosigned: Vec<&WitnessKey> = Vec::new();
    let mut missing = Vec::new();
    for w in witnesses {
        if cosigned.contains(&w) || missing.contains(&w.name) {
            continue;
        }
        match verify(note, w) {
            Ok(_) => cosigned.push(w),
            Err(_) => missing.push(w.name.clone()),
        }
    }
    if cosigned.len() < quorum {
        return Err(NoteError::Quorum {
            needed: quorum,
            found: cosigned.len(),
            missing,
        });
    }
    Ok(cosigned)
}
