//! §2 Events: the signed body, the domain-separated Ed25519 signature and the event hash.
//!
//! A [`SignedEvent`] keeps the exact bytes it was decoded from; its fields are a read-only view.
//! Hashing and signature checks always use those bytes, never a re-encoding (invariant 4).

use ed25519_dalek::{Signer, SigningKey};

use super::encoding::{
    check_text, decode_prefix, encode, FormatError, MAX_EVENT_BYTES, MAX_KIND_BYTES,
    MAX_ORIGIN_BYTES, MAX_STREAM_BYTES,
};
use super::hash::Hash;
use super::json;

/// The only format this software writes and reads.
pub const FORMAT_VERSION: u16 = 1;
/// Prefixed to the body before signing, so that an event signature can never be replayed as a
/// signature over anything else the same key signs (checkpoints, cosignatures).
pub const EVENT_DOMAIN: &[u8] = b"congress-ledger/event/v1\x00";
pub const SIGNATURE_LEN: usize = 64;

/// The body's wire layout (§2.1), field for field. Kept private: callers use [`EventBody`].
#[derive(bincode::Encode, bincode::Decode)]
struct BodyWire {
    format: u16,
    ledger: String,
    stream: String,
    version: u64,
    prev: [u8; 32],
    kind: String,
    schema: u16,
    time: i64,
    signer: [u8; 32],
    payload: Vec<u8>,
}

/// The signed fields of an event (format is always [`FORMAT_VERSION`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBody {
    pub ledger: String,
    pub stream: String,
    pub version: u64,
    pub prev: Hash,
    pub kind: String,
    pub schema: u16,
    /// When the act happened as the signer claims it: ms since the Unix epoch, UTC.
    pub time: i64,
    pub signer: [u8; 32],
    /// The payload exactly as signed: a UTF-8 JSON object.
    pub payload: Vec<u8>,
}

impl EventBody {
    /// The checks every body passes, whether decoded or about to be signed.
    pub fn validate(&self) -> Result<(), FormatError> {
        self.validate_fields()?;
        json::check_object(&self.payload)
    }

    /// Every check but the payload's: a verifier reports a payload damaged after signing as a
    /// signature failure, which it is, before looking at whether the payload still parses.
    fn validate_fields(&self) -> Result<(), FormatError> {
        check_text("ledger", &self.ledger, MAX_ORIGIN_BYTES)?;
        check_text("stream", &self.stream, MAX_STREAM_BYTES)?;
        check_text("kind", &self.kind, MAX_KIND_BYTES)?;
        if self.schema == 0 {
            return Err(FormatError::Malformed {
                what: "schema",
                reason: "schema versions start at 1".into(),
            });
        }
        Ok(())
    }

    /// Encodes a new body (§2.1). Only for events being created: stored events keep their bytes.
    pub fn encode(&self) -> Result<Vec<u8>, FormatError> {
        self.validate()?;
        let bytes = encode(&BodyWire {
            format: FORMAT_VERSION,
            ledger: self.ledger.clone(),
            stream: self.stream.clone(),
            version: self.version,
            prev: self.prev.0,
            kind: self.kind.clone(),
            schema: self.schema,
            time: self.time,
            signer: self.signer,
            payload: self.payload.clone(),
        });
        if bytes.len() + SIGNATURE_LEN > MAX_EVENT_BYTES {
            return Err(FormatError::TooLarge {
                what: "event",
                len: bytes.len() + SIGNATURE_LEN,
                limit: MAX_EVENT_BYTES,
            });
        }
        Ok(bytes)
    }

    /// Signs the body with `key`, whose public key must be the body's `signer`.
    pub fn sign(self, key: &SigningKey) -> Result<SignedEvent, FormatError> {
        if key.verifying_key().to_bytes() != self.signer {
            return Err(FormatError::Malformed {
                what: "signer",
                reason: "the signing key is not the body's signer".into(),
            });
        }
        let mut bytes = self.encode()?;
        let body_len = bytes.len();
        let signature = key.sign(&signed_message(&bytes));
        bytes.extend_from_slice(&signature.to_bytes());
        let hash = Hash::of(&bytes);
        Ok(SignedEvent {
            bytes,
            body_len,
            body: self,
            hash,
        })
    }
}

/// `EVENT_DOMAIN || body`: the message an event signature covers (§2.2).
pub fn signed_message(body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(EVENT_DOMAIN.len() + body.len());
    write_signed_message(&mut message, body);
    message
}

/// Appends `EVENT_DOMAIN || body` to `out`: many messages in one buffer (the verifier's).
pub fn write_signed_message(out: &mut Vec<u8>, body: &[u8]) {
    out.extend_from_slice(EVENT_DOMAIN);
    out.extend_from_slice(body);
}

/// An event as stored: its exact bytes, the decoded body, and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEvent {
    bytes: Vec<u8>,
    body_len: usize,
    body: EventBody,
    hash: Hash,
}

impl SignedEvent {
    /// Strictly decodes a signed event. The signature is *not* checked here (see
    /// [`crate::crypto`]), so that a log can be decoded once and its signatures batch-verified.
    pub fn decode(bytes: Vec<u8>) -> Result<SignedEvent, FormatError> {
        let event = SignedEvent::decode_structure(bytes)?;
        event.check_payload()?;
        Ok(event)
    }

    /// The payload rule (§2.1): a JSON object.
    pub fn check_payload(&self) -> Result<(), FormatError> {
        json::check_object(&self.body.payload)
    }

    /// Decodes everything but the payload's JSON, which [`SignedEvent::check_payload`] checks.
    pub fn decode_structure(bytes: Vec<u8>) -> Result<SignedEvent, FormatError> {
        if bytes.len() > MAX_EVENT_BYTES {
            return Err(FormatError::TooLarge {
                what: "event",
                len: bytes.len(),
                limit: MAX_EVENT_BYTES,
            });
        }
        // The format field comes first so that a future layout is named, not misparsed.
        if bytes.len() >= 2 {
            let found = u16::from_le_bytes([bytes[0], bytes[1]]);
            if found != FORMAT_VERSION {
                return Err(FormatError::UnknownFormat {
                    found,
                    expected: FORMAT_VERSION,
                });
            }
        }
        let (wire, body_len): (BodyWire, usize) = decode_prefix("event body", &bytes)?;
        let rest = bytes.len() - body_len;
        if rest < SIGNATURE_LEN {
            return Err(FormatError::Truncated { what: "signature" });
        }
        if rest > SIGNATURE_LEN {
            return Err(FormatError::TrailingBytes {
                what: "signed event",
                extra: rest - SIGNATURE_LEN,
            });
        }
        let body = EventBody {
            ledger: wire.ledger,
            stream: wire.stream,
            version: wire.version,
            prev: Hash(wire.prev),
            kind: wire.kind,
            schema: wire.schema,
            time: wire.time,
            signer: wire.signer,
            payload: wire.payload,
        };
        body.validate_fields()?;
        let hash = Hash::of(&bytes);
        Ok(SignedEvent {
            bytes,
            body_len,
            body,
            hash,
        })
    }

    pub fn body(&self) -> &EventBody {
        &self.body
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    pub fn body_bytes(&self) -> &[u8] {
        &self.bytes[..self.body_len]
    }

    pub fn signature(&self) -> [u8; 64] {
        let mut sig = [0u8; 64];
        sig.copy_from_slice(&self.bytes[self.body_len..]);
        sig
    }

    /// The event hash (§2.3): SHA-256 of the signed event.
    pub fn hash(&self) -> Hash {
        self.hash
    }

    /// Verifies the signature strictly (§2.2).
    pub fn verify_signature(&self) -> Result<(), crate::crypto::SignatureError> {
        crate::crypto::verify_strict(
            &self.body.signer,
            &signed_message(self.body_bytes()),
            &self.signature(),
        )
    }
}
