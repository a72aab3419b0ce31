//! The JSON Schemas (2020-12) of every kind and schema version, as shipped in `schemas/`.
//! Appends are validated against them; archives carry them.

use std::collections::HashMap;
use std::sync::OnceLock;

use jsonschema::Validator;

/// (kind, schema version, schema text).
pub const SCHEMAS: &[(&str, u16, &str)] = &[
    (
        "ledger.created",
        1,
        include_str!("../../../schemas/ledger.created/1.json"),
    ),
    (
        "key.enrolled",
        1,
        include_str!("../../../schemas/key.enrolled/1.json"),
    ),
    (
        "key.revoked",
        1,
        include_str!("../../../schemas/key.revoked/1.json"),
    ),
    (
        "authority.added",
        1,
        include_str!("../../../schemas/authority.added/1.json"),
    ),
    (
        "authority.retired",
        1,
        include_str!("../../../schemas/authority.retired/1.json"),
    ),
    (
        "org.registered",
        1,
        include_str!("../../../schemas/org.registered/1.json"),
    ),
    (
        "congress.convened",
        1,
        include_str!("../../../schemas/congress.convened/1.json"),
    ),
    (
        "person.registered",
        1,
        include_str!("../../../schemas/person.registered/1.json"),
    ),
    (
        "person.registered",
        2,
        include_str!("../../../schemas/person.registered/2.json"),
    ),
    (
        "credentials.reported",
        1,
        include_str!("../../../schemas/credentials.reported/1.json"),
    ),
    (
        "credentials.reported",
        2,
        include_str!("../../../schemas/credentials.reported/2.json"),
    ),
    (
        "session.opened",
        1,
        include_str!("../../../schemas/session.opened/1.json"),
    ),
    (
        "motion.decided",
        1,
        include_str!("../../../schemas/motion.decided/1.json"),
    ),
    (
        "motion.decided",
        2,
        include_str!("../../../schemas/motion.decided/2.json"),
    ),
    (
        "election.opened",
        1,
        include_str!("../../../schemas/election.opened/1.json"),
    ),
    (
        "nomination.made",
        1,
        include_str!("../../../schemas/nomination.made/1.json"),
    ),
    (
        "straw_poll.counted",
        1,
        include_str!("../../../schemas/straw_poll.counted/1.json"),
    ),
    (
        "withdrawal.decided",
        1,
        include_str!("../../../schemas/withdrawal.decided/1.json"),
    ),
    (
        "withdrawal.decided",
        2,
        include_str!("../../../schemas/withdrawal.decided/2.json"),
    ),
    (
        "candidate_list.adopted",
        1,
        include_str!("../../../schemas/candidate_list.adopted/1.json"),
    ),
    (
        "ballots.issued",
        1,
        include_str!("../../../schemas/ballots.issued/1.json"),
    ),
    (
        "ballots.counted",
        1,
        include_str!("../../../schemas/ballots.counted/1.json"),
    ),
    (
        "election.declared",
        1,
        include_str!("../../../schemas/election.declared/1.json"),
    ),
    (
        "congress.closed",
        1,
        include_str!("../../../schemas/congress.closed/1.json"),
    ),
    (
        "results.approved",
        1,
        include_str!("../../../schemas/results.approved/1.json"),
    ),
    (
        "appointment.made",
        1,
        include_str!("../../../schemas/appointment.made/1.json"),
    ),
    (
        "document.attached",
        1,
        include_str!("../../../schemas/document.attached/1.json"),
    ),
    (
        "correction.issued",
        1,
        include_str!("../../../schemas/correction.issued/1.json"),
    ),
    (
        "complaint.received",
        1,
        include_str!("../../../schemas/complaint.received/1.json"),
    ),
    (
        "complaint.received",
        2,
        include_str!("../../../schemas/complaint.received/2.json"),
    ),
    (
        "complaint.received",
        3,
        include_str!("../../../schemas/complaint.received/3.json"),
    ),
    (
        "complaint.assigned",
        1,
        include_str!("../../../schemas/complaint.assigned/1.json"),
    ),
    (
        "complaint.dismissed",
        1,
        include_str!("../../../schemas/complaint.dismissed/1.json"),
    ),
    (
        "complaint.concluded",
        1,
        include_str!("../../../schemas/complaint.concluded/1.json"),
    ),
    (
        "complaint.notified",
        1,
        include_str!("../../../schemas/complaint.notified/1.json"),
    ),
    (
        "complaint.reopened",
        1,
        include_str!("../../../schemas/complaint.reopened/1.json"),
    ),
    (
        "inspection.concluded",
        1,
        include_str!("../../../schemas/inspection.concluded/1.json"),
    ),
    (
        "complaint.shredded",
        1,
        include_str!("../../../schemas/complaint.shredded/1.json"),
    ),
];

/// Why a payload does not match its schema: where (a JSON pointer) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("payload of `{kind}` (schema {schema}) does not match its schema at `{path}`: {message}")]
pub struct SchemaError {
    pub kind: String,
    pub schema: u16,
    /// JSON pointer into the payload (`` for the whole payload).
    pub path: String,
    pub message: String,
}

type Validators = HashMap<(&'static str, u16), Result<Validator, String>>;

fn validators() -> &'static Validators {
    static ALL: OnceLock<Validators> = OnceLock::new();
    ALL.get_or_init(|| {
        SCHEMAS
            .iter()
            .map(|&(kind, version, text)| {
                let compiled = serde_json::from_str(text)
                    .map_err(|e| e.to_string())
                    .and_then(|schema| {
                        jsonschema::options()
                            .should_validate_formats(true)
                            .build(&schema)
                            .map_err(|e| e.to_string())
                    });
                ((kind, version), compiled)
            })
            .collect()
    })
}

/// The schema text of a kind at a version.
pub fn text(kind: &str, version: u16) -> Option<&'static str> {
    SCHEMAS
        .iter()
        .find(|(k, v, _)| *k == kind && *v == version)
        .map(|(_, _, t)| *t)
}

/// Validates a payload (JSON bytes) against its kind's schema.
pub fn validate(kind: &str, version: u16, payload: &[u8]) -> Result<(), SchemaError> {
    let fail = |path: String, message: String| SchemaError {
        kind: kind.to_string(),
        schema: version,
        path,
        message,
    };
    let validator = match validators().get(&(kind, version)) {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            return Err(fail(
                String::new(),
                format!("the schema itself is invalid: {e}"),
            ))
        }
        None => {
            return Err(fail(
                String::new(),
                format!("no schema version {version} for this kind"),
            ))
        }
    };
    let value: serde_json::Value =
        serde_json::from_slice(payload).map_err(|e| fail(String::new(), e.to_string()))?;
    if let Some((field, later)) = value
        .as_object()
        .and_then(|map| super::later_field(kind, version, map))
    {
        return Err(fail(
            format!("/{field}"),
            format!(
                "`{field}` came with schema {later} of `{kind}`: sign the event with schema {later} (trường `{field}` có từ phiên bản {later}: hãy ký sự kiện với schema {later})"
            ),
        ));
    }
    if let Err(e) = validator.validate(&value) {
        return Err(fail(e.instance_path().to_string(), e.to_string()));
    }
    // JSON Schema counts 1.0 and 1e308 as integers; the Rust types (u64) do not. A payload that
    // passed the schema but not the type would be recorded yet unreadable to the projections,
    // left out of every report: the type has the last word (found by fuzzing).
    super::decode(kind, version, payload)
        .map(|_| ())
        .map_err(|e| fail(String::new(), e.to_string()))
}
