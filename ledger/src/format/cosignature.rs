//! Witness cosignatures on checkpoints: C2SP `tlog-cosignature/v1`, the Ed25519 type.
//!
//! A witness (an inspection commission) that has checked a checkpoint consistent with every
//! one it saw before adds its own signature line to the note. The line's key id is made with
//! signature type 0x04, so a cosignature can never pass for the log's own signature (type
//! 0x01) or the reverse, and it signs `cosignature/v1\ntime <t>\n` followed by the checkpoint
//! body, so it commits to when the witness vouched for the tree.

use ed25519_dalek::{Signer, SigningKey};

use super::checkpoint::{
    check_key_name, encode_vkey, key_id_for, parse_vkey, NoteError, NoteSignature, SignedNote,
};
use crate::crypto;

/// Signature type byte of an Ed25519 cosignature (tlog-cosignature).
const ALG_COSIGNATURE: u8 = 0x04;
/// A cosignature's bytes after the key id: the timestamp (u64, big-endian) and the signature.
const COSIGNATURE_BYTES: usize = 8 + 64;
/// The spec caps timestamps at 2^63 − 1.
const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// A witness's public key: `<name>+<key id>+<base64(0x04 || public key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessKey {
    pub name: String,
    pub id: [u8; 4],
    pub public: [u8; 32],
}

impl WitnessKey {
    pub fn new(name: &str, public: [u8; 32]) -> Result<WitnessKey, NoteError> {
        check_key_name(name)?;
        Ok(WitnessKey {
            name: name.to_string(),
            id: key_id_for(ALG_COSIGNATURE, name, &public),
            public,
        })
    }

    pub fn parse(text: &str) -> Result<WitnessKey, NoteError> {
        let (name, id, public) = parse_vkey(text, ALG_COSIGNATURE)?;
        Ok(WitnessKey { name, id, public })
    }

    pub fn encode(&self) -> String {
        encode_vkey(ALG_COSIGNATURE, &self.name, &self.id, &self.public)
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
/// signed notes ask.
pub fn verify(note: &SignedNote, witness: &WitnessKey) -> Result<u64, NoteError> {
    note.signatures
        .iter()
        .filter(|sig| sig.name == witness.name && sig.id == witness.id)
        .find_map(|sig| {
            let bytes: &[u8; COSIGNATURE_BYTES] = sig.signature.as_slice().try_into().ok()?;
            let mut time = [0u8; 8];
            time.copy_from_slice(&bytes[..8]);
            let timestamp = u64::from_be_bytes(time);
            let mut signature = [0u8; 64];
            signature.copy_from_slice(&bytes[8..]);
            let message = signed_message(note, timestamp);
            (timestamp <= MAX_TIMESTAMP
                && crypto::verify_strict(&witness.public, message.as_bytes(), &signature).is_ok())
            .then_some(timestamp)
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
