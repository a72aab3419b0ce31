//! Confidential values (issue 12): what the log must never hold in plaintext — a
//! complainant's identity and contact, a letter's content and its document — is recorded as one
//! salted commitment per field, `SHA-256("congress-ledger/commit/v1" || 0x00 || salt || value
//! as NFC JSON)` with a 32-byte random salt. The values and their salts (an [`Opening`] per
//! field) live in the confidential store beside the ledger (`store`), each case under its own
//! key wrapped to the inspection commission's age recipients, and are disclosed only by
//! choice (`disclosure`: a complainant's receipt, `proof export --disclose`).
//!
//! [`FIELDS`] lists, per kind and schema version, the confidential fields; docs/FORMAT.md
//! ("Confidential fields") says why each field is or is not.

pub mod store;

use std::collections::BTreeMap;

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::format::Hash;

/// The commitment's domain separator (followed by one 0x00 byte).
pub const COMMIT_DOMAIN: &[u8] = b"congress-ledger/commit/v1";

/// The confidential fields of each kind, from the schema version that commits them on: paths
/// into the payload, `.` between object keys.
pub const FIELDS: &[(&str, u16, &[&str])] = &[(
    "complaint.received",
    3,
    &[
        "complainant.name",
        "complainant.contact",
        "summary",
        "document_sha256",
    ],
)];

/// The confidential fields of `kind` at `schema` (none before the version that commits them).
pub fn fields(kind: &str, schema: u16) -> &'static [&'static str] {
    FIELDS
        .iter()
        .find(|(k, from, _)| *k == kind && schema >= *from)
        .map_or(&[], |(_, _, f)| f)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfidentialError {
    #[error("`{field}` is not a confidential field of `{kind}`")]
    NotConfidential { kind: String, field: String },
    #[error("field `{field}` holds no commitment in the act")]
    NoCommitment { field: String },
    #[error("the value and salt of `{field}` do not match the act's commitment")]
    Mismatch { field: String },
    #[error("the salt of `{field}` must be 64 hex digits (32 bytes)")]
    BadSalt { field: String },
    #[error("confidential field `{field}` must be a commitment `{{\"commitment\": …}}`, not a plain value")]
    Plaintext { field: String },
}

/// A random 32-byte salt.
pub fn new_salt() -> [u8; 32] {
    let mut salt = [0u8; 32];
    OsRng.fill_bytes(&mut salt);
    salt
}

/// The value as NFC JSON: compact, object keys sorted by their bytes, every string and key
/// NFC-normalized — so that the same value always commits to the same bytes.
pub fn nfc_json(value: &Value) -> Vec<u8> {
    fn write(v: &Value, out: &mut String) {
        let string = |s: &str, out: &mut String| {
            let nfc: String = s.nfc().collect();
            out.push_str(&Value::String(nfc).to_string());
        };
        match v {
            Value::Object(map) => {
                let mut entries: Vec<(String, &Value)> =
                    map.iter().map(|(k, v)| (k.nfc().collect(), v)).collect();
                entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    string(k, out);
                    out.push(':');
                    write(v, out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(v, out);
                }
                out.push(']');
            }
            Value::String(s) => string(s, out),
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out.into_bytes()
}

/// `SHA-256("congress-ledger/commit/v1" || 0x00 || salt || value as NFC JSON)`.
pub fn commit(salt: &[u8; 32], value: &Value) -> Hash {
    let mut h = Sha256::new();
    h.update(COMMIT_DOMAIN);
    h.update([0u8]);
    h.update(salt);
    h.update(nfc_json(value));
    Hash(h.finalize().into())
}

/// A confidential value and its salt: what opens one commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Opening {
    #[cfg_attr(feature = "openapi", schema(value_type = Value))]
    pub value: Value,
    /// 32 bytes, 64 lower-case hex digits.
    pub salt: String,
}

/// Openings by field path.
pub type Openings = BTreeMap<String, Opening>;

impl Opening {
    /// `value` under a fresh random salt.
    pub fn new(value: Value) -> Opening {
        Opening {
            value,
            salt: hex::encode(new_salt()),
        }
    }

    /// The commitment this opening opens; `field` names it in the error.
    pub fn commitment(&self, field: &str) -> Result<Hash, ConfidentialError> {
        let salt: [u8; 32] = hex::decode(&self.salt)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ConfidentialError::BadSalt {
                field: field.to_string(),
            })?;
        Ok(commit(&salt, &self.value))
    }
}

fn get_path<'a>(payload: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(payload, |v, key| v.get(key))
}

fn get_path_mut<'a>(payload: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    path.split('.').try_fold(payload, |v, key| v.get_mut(key))
}

/// The commitment held at `path` in a committed payload.
pub fn commitment_at(payload: &Value, path: &str) -> Option<Hash> {
    let hex = get_path(payload, path)?.get("commitment")?.as_str()?;
    hex.parse().ok()
}

/// Replaces each confidential field of `kind` at `schema` present in `payload` (given in
/// plaintext) by `{"commitment": …}` under a fresh random salt; returns the payload to sign and
/// the openings to keep in the confidential store.
pub fn seal(kind: &str, schema: u16, payload: &Value) -> (Value, Openings) {
    seal_with(kind, schema, payload, |_| new_salt())
}

/// [`seal`] with the salt of each field from `salt` (the demonstration scenarios derive theirs,
/// so that they are reproducible; real appends use random salts).
pub fn seal_with(
    kind: &str,
    schema: u16,
    payload: &Value,
    mut salt: impl FnMut(&str) -> [u8; 32],
) -> (Value, Openings) {
    let mut sealed = payload.clone();
    let mut openings = Openings::new();
    for &field in fields(kind, schema) {
        if let Some(slot) = get_path_mut(&mut sealed, field) {
            let salt = salt(field);
            let value = slot.take();
            *slot = serde_json::json!({"commitment": commit(&salt, &value).to_hex()});
            let salt = hex::encode(salt);
            openings.insert(field.to_string(), Opening { value, salt });
        }
    }
    (sealed, openings)
}

/// New appends of a kind with confidential fields must use a schema that commits them: the
/// older versions, which held them in plaintext, stay readable but are not written again.
pub fn check_new_append(
    kind: &str,
    schema: u16,
) -> Result<(), crate::domain::schemas::SchemaError> {
    let Some(latest) = crate::domain::latest_schema(kind) else {
        return Ok(());
    };
    if fields(kind, latest).is_empty() || !fields(kind, schema).is_empty() {
        return Ok(());
    }
    Err(crate::domain::schemas::SchemaError {
        kind: kind.to_string(),
        schema,
        path: "/".into(),
        message: format!(
            "`{kind}` must be appended with schema {latest}, which holds confidential values as commitments only; version {schema} holds them in plaintext"
        ),
        message_vi: format!(
            "`{kind}` phải được ghi theo lược đồ {latest}, trong đó thông tin bảo mật chỉ là cam kết; phiên bản {schema} ghi rõ tên người gửi"
        ),
    })
}

/// Checks `openings` against the commitments of a payload of `kind` at `schema`: each names a
/// confidential field the payload commits to, and opens it.
pub fn check(
    kind: &str,
    schema: u16,
    payload: &Value,
    openings: &Openings,
) -> Result<(), ConfidentialError> {
    let confidential = fields(kind, schema);
    for (field, opening) in openings {
        if !confidential.contains(&field.as_str()) {
            return Err(ConfidentialError::NotConfidential {
                kind: kind.to_string(),
                field: field.clone(),
            });
        }
        let held =
            commitment_at(payload, field).ok_or_else(|| ConfidentialError::NoCommitment {
                field: field.clone(),
            })?;
        if opening.commitment(field)? != held {
            return Err(ConfidentialError::Mismatch {
                field: field.clone(),
            });
        }
    }
    Ok(())
}

/// A correction of an act recorded under a schema that held confidential values in plaintext
/// may keep them as they were, or drop them, but never bring a new one into the log.
pub fn check_correction(
    corrected: &crate::EventBody,
    replacement: &Value,
) -> Result<(), crate::domain::schemas::SchemaError> {
    let Some(latest) = crate::domain::latest_schema(&corrected.kind) else {
        return Ok(());
    };
    if !fields(&corrected.kind, corrected.schema).is_empty() {
        // The corrected act holds commitments; its schema refuses plaintext already.
        return Ok(());
    }
    let original: Value = serde_json::from_slice(&corrected.payload).unwrap_or(Value::Null);
    for field in fields(&corrected.kind, latest) {
        let new = get_path(replacement, field);
        if new.is_some() && new != get_path(&original, field) {
            return Err(crate::domain::schemas::SchemaError {
                kind: corrected.kind.clone(),
                schema: corrected.schema,
                path: format!("/replacement/{}", field.replace('.', "/")),
                message: format!(
                    "a correction may not bring new plaintext into confidential field `{field}`: keep the old value or leave the field out"
                ),
                message_vi: format!(
                    "bản đính chính không được ghi mới thông tin bảo mật `{field}` ở dạng rõ; giữ nguyên giá trị cũ hoặc bỏ trường này"
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_commitment_is_the_specified_hash_over_nfc_json() {
        let salt = [7u8; 32];
        // "Hùng" in NFD commits like "Hùng" in NFC; keys are sorted.
        let nfd = json!({"b": "Hu\u{0300}ng", "a": 1});
        assert_eq!(nfc_json(&nfd), "{\"a\":1,\"b\":\"Hùng\"}".as_bytes());
        let mut h = Sha256::new();
        h.update(b"congress-ledger/commit/v1\0");
        h.update(salt);
        h.update("{\"a\":1,\"b\":\"Hùng\"}".as_bytes());
        assert_eq!(commit(&salt, &nfd), Hash(h.finalize().into()));
        assert_ne!(commit(&[8u8; 32], &nfd), commit(&salt, &nfd));
    }

    #[test]
    fn a_correction_of_an_old_complaint_brings_no_new_plaintext() {
        let v2 = json!({
            "case": "c-1", "received": "2020-05-20", "channel": "post", "kind": "complaint",
            "complainant": {"anonymous": false, "false_name": false, "no_address": false,
                "name": "Phạm Văn Hùng", "signatories": 1},
            "concerns": {}, "summary": "Khiếu nại",
        });
        let body = |schema: u16, payload: &Value| crate::EventBody {
            ledger: "l".into(),
            stream: "complaint/c-1".into(),
            version: 0,
            prev: Hash::ZERO,
            kind: "complaint.received".into(),
            schema,
            time: 0,
            signer: [0; 32],
            payload: serde_json::to_vec(payload).unwrap(),
        };
        // The same name, or none, is fine; another kind is a correction of a public fact.
        let mut same = v2.clone();
        same["kind"] = json!("election_complaint");
        check_correction(&body(2, &v2), &same).unwrap();
        let mut dropped = same.clone();
        dropped["complainant"]
            .as_object_mut()
            .unwrap()
            .remove("name");
        check_correction(&body(2, &v2), &dropped).unwrap();
        // A new name in plaintext is refused.
        let mut renamed = v2.clone();
        renamed["complainant"]["name"] = json!("Phạm Văn Hưng");
        let err = check_correction(&body(2, &v2), &renamed).unwrap_err();
        assert_eq!(err.path, "/replacement/complainant/name");
        // An act with commitments is left to its schema.
        let (sealed, _) = seal("complaint.received", 3, &v2);
        check_correction(&body(3, &sealed), &sealed).unwrap();
    }

    #[test]
    fn sealing_replaces_the_confidential_fields_and_their_openings_check() {
        let plain = json!({
            "case": "c-1", "summary": "Tố cáo",
            "complainant": {"name": "Phạm Văn Hùng", "anonymous": false},
        });
        let (sealed, openings) = seal("complaint.received", 3, &plain);
        assert!(!sealed.to_string().contains("Hùng"), "{sealed}");
        assert!(!sealed.to_string().contains("Tố cáo"), "{sealed}");
        assert_eq!(sealed["case"], "c-1");
        assert_eq!(openings.len(), 2);
        check("complaint.received", 3, &sealed, &openings).unwrap();
        let mut wrong = openings.clone();
        wrong.get_mut("complainant.name").unwrap().value = json!("Phạm Văn Hưng");
        assert!(matches!(
            check("complaint.received", 3, &sealed, &wrong),
            Err(ConfidentialError::Mismatch { .. })
        ));
        let mut case = Openings::new();
        case.insert("case".into(), Opening::new(json!("c-1")));
        assert!(matches!(
            check("complaint.received", 3, &sealed, &case),
            Err(ConfidentialError::NotConfidential { .. })
        ));
        assert_eq!(fields("complaint.received", 2), &[] as &[&str]);
    }
}
