//! The JSON Schemas (2020-12) of every kind and schema version, as shipped in `schemas/`.
//! Appends are validated against them; archives carry them.

use std::collections::HashMap;

use crate::messages::Text;
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
        "log_key.rotated",
        1,
        include_str!("../../../schemas/log_key.rotated/1.json"),
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
    /// JSON pointer into the payload (`/` for the whole payload).
    pub path: String,
    pub message: String,
    /// The same as `message`, in Vietnamese.
    pub message_vi: String,
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
    // A JSON pointer to the whole payload is empty; it is shown as `/`, never as nothing.
    let fail = |path: String, message: Text| SchemaError {
        kind: kind.to_string(),
        schema: version,
        path: if path.is_empty() { "/".into() } else { path },
        message: message.en,
        message_vi: message.vi,
    };
    let validator = match validators().get(&(kind, version)) {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            return Err(fail(
                String::new(),
                Text::new(
                    format!("chính lược đồ không hợp lệ: {e}"),
                    format!("the schema itself is invalid: {e}"),
                ),
            ))
        }
        None => {
            return Err(fail(
                String::new(),
                Text::new(
                    format!("loại này không có lược đồ phiên bản {version}"),
                    format!("no schema version {version} for this kind"),
                ),
            ))
        }
    };
    let value: serde_json::Value = serde_json::from_slice(payload).map_err(|e| {
        fail(
            String::new(),
            Text::new(format!("không phải JSON: {e}"), e.to_string()),
        )
    })?;
    if let Some((field, later)) = value
        .as_object()
        .and_then(|map| super::later_field(kind, version, map))
    {
        return Err(fail(
            format!("/{field}"),
            Text::new(
                format!(
                    "trường `{field}` có từ lược đồ {later} của `{kind}`: hãy ký sự kiện với lược đồ {later}"
                ),
                format!(
                    "`{field}` came with schema {later} of `{kind}`: sign the event with schema {later}"
                ),
            ),
        ));
    }
    if let Err(e) = validator.validate(&value) {
        // A mistyped value of an enumeration (a role, a body) gets the nearest one.
        let (hint_vi, hint_en) = match (e.kind(), e.instance().as_str()) {
            (jsonschema::error::ValidationErrorKind::Enum { options }, Some(value)) => {
                let known = options
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|o| o.as_str());
                crate::catalogue::closest(value, known).map_or_else(Default::default, |k| {
                    (
                        format!("; có phải ý bạn là `{k}`?"),
                        format!("; did you mean `{k}`?"),
                    )
                })
            }
            _ => Default::default(),
        };
        return Err(fail(
            e.instance_path().to_string(),
            Text::new(
                format!("{}{hint_vi}", vietnamese(&e)),
                format!("{e}{hint_en}"),
            ),
        ));
    }
    // JSON Schema counts 1.0 and 1e308 as integers; the Rust types (u64) do not. A payload that
    // passed the schema but not the type would be recorded yet unreadable to the projections,
    // left out of every report: the type has the last word (found by fuzzing).
    super::decode(kind, version, payload)
        .map(|_| ())
        .map_err(|e| fail(String::new(), Text::of(&e)))
}

/// What a schema validation error says, in Vietnamese.
fn vietnamese(e: &jsonschema::ValidationError) -> String {
    use jsonschema::error::{TypeKind, ValidationErrorKind as K};
    let value = e.instance();
    match e.kind() {
        K::Required { property } => format!("thiếu trường bắt buộc {property}"),
        K::AdditionalProperties { unexpected } => format!(
            "có trường không được phép: {} (lược đồ không cho thêm trường)",
            unexpected.join(", ")
        ),
        K::Type { kind } => {
            let types = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" hoặc "),
            };
            format!("{value} không thuộc kiểu {types}")
        }
        K::Minimum { limit } => format!("{value} nhỏ hơn giá trị tối thiểu {limit}"),
        K::Maximum { limit } => format!("{value} lớn hơn giá trị tối đa {limit}"),
        K::ExclusiveMinimum { limit } => format!("{value} không lớn hơn {limit}"),
        K::ExclusiveMaximum { limit } => format!("{value} không nhỏ hơn {limit}"),
        K::MinLength { limit } => format!("{value} ngắn hơn {limit} ký tự"),
        K::MaxLength { limit } => format!("{value} dài hơn {limit} ký tự"),
        K::MinItems { limit } => format!("mảng có ít hơn {limit} phần tử"),
        K::MaxItems { limit } => format!("mảng có nhiều hơn {limit} phần tử"),
        K::MinProperties { limit } => format!("đối tượng có ít hơn {limit} trường"),
        K::MaxProperties { limit } => format!("đối tượng có nhiều hơn {limit} trường"),
        K::Pattern { pattern } => format!("{value} không khớp mẫu \"{pattern}\""),
        K::Enum { options } => format!("{value} không phải một trong các giá trị {options}"),
        K::Constant { expected_value } => format!("giá trị phải là {expected_value}"),
        K::Format { format } => format!("{value} không đúng định dạng \"{format}\""),
        K::UniqueItems => "mảng có phần tử trùng nhau".into(),
        K::FalseSchema => "lược đồ không cho phép giá trị ở đây".into(),
        K::OneOfNotValid { .. } | K::AnyOf { .. } => {
            format!("{value} không khớp dạng nào lược đồ cho phép")
        }
        K::OneOfMultipleValid { .. } => {
            format!("{value} khớp nhiều hơn một dạng trong khi chỉ được khớp một")
        }
        _ => format!("{value} không khớp lược đồ"),
    }
}
