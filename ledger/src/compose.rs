//! Building and signing new events: what a congress body's client does before it appends.
//!
//! Payloads are serialized once, here, as compact JSON with sorted keys; from then on they are
//! bytes, never re-serialized (invariant 4).

use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

use crate::engine::Ledger;
use crate::format::{EventBody, FormatError, Hash, SignedEvent, VerifierKey};
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("payload must be a JSON object")]
    NotAnObject,
}

/// Serializes a payload (sorted keys, no spaces).
pub fn payload_bytes(payload: &Value) -> Result<Vec<u8>, ComposeError> {
    if !payload.is_object() {
        return Err(ComposeError::NotAnObject);
    }
    // serde_json's map is ordered by key unless `preserve_order` is on, which this crate
    // never enables: the output is canonical for the same value.
    serde_json::to_vec(payload).map_err(|_| ComposeError::NotAnObject)
}

/// Signs an event at an explicit stream position.
#[allow(clippy::too_many_arguments)]
pub fn event(
    origin: &str,
    stream: &str,
    version: u64,
    prev: Hash,
    kind: &str,
    schema: u16,
    time: i64,
    key: &SigningKey,
    payload: &Value,
) -> Result<SignedEvent, ComposeError> {
    let body = EventBody {
        ledger: origin.to_string(),
        stream: stream.to_string(),
        version,
        prev,
        kind: kind.to_string(),
        schema,
        time,
        signer: key.verifying_key().to_bytes(),
        payload: payload_bytes(payload)?,
    };
    Ok(body.sign(key)?)
}

/// Signs an event at the current head of `stream` in `ledger` (its next version, its head's
/// hash as `prev`). Another appender may still get there first: the append then reports a
/// conflict and the caller signs again.
pub fn next_event(
    ledger: &Ledger,
    stream: &str,
    kind: &str,
    schema: u16,
    time: i64,
    key: &SigningKey,
    payload: &Value,
) -> Result<SignedEvent, ComposeError> {
    let (version, prev) = match ledger.head(stream)? {
        Some(h) => (h.next_version, h.hash),
        None => (0, Hash::ZERO),
    };
    event(
        ledger.origin(),
        stream,
        version,
        prev,
        kind,
        schema,
        time,
        key,
        payload,
    )
}

/// The genesis event `ledger.created`, signed by `authority` (which it names, with the others).
pub fn genesis(
    origin: &str,
    title: &str,
    authority: &SigningKey,
    other_authorities: &[[u8; 32]],
    log_key: &VerifierKey,
    rulebook: &str,
    time: i64,
) -> Result<SignedEvent, ComposeError> {
    let mut authorities = vec![hex::encode(authority.verifying_key().to_bytes())];
    authorities.extend(other_authorities.iter().map(hex::encode));
    let payload = json!({
        "origin": origin,
        "title": title,
        "log_key": log_key.encode(),
        "authorities": authorities,
        "rulebook": rulebook,
    });
    event(
        origin,
        "ledger",
        0,
        Hash::ZERO,
        "ledger.created",
        1,
        time,
        authority,
        &payload,
    )
}

/// The payload of `key.enrolled`.
pub fn enrollment(
    key: &[u8; 32],
    holder: &str,
    roles: &[&str],
    scope: &str,
    valid_from: i64,
    valid_until: Option<i64>,
) -> Value {
    json!({
        "key": hex::encode(key),
        "holder": holder,
        "roles": roles,
        "scope": scope,
        "valid_from": valid_from,
        "valid_until": valid_until,
    })
}

/// The payload of `key.revoked`.
pub fn revocation(key: &[u8; 32], effective: i64, reason: &str) -> Value {
    json!({"key": hex::encode(key), "effective": effective, "reason": reason})
}
