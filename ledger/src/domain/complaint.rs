//! `complaint.received` in its older schema versions, and their upcasting to the current type.
//! Version 2 holds its confidential fields in plaintext, version 3 only their commitments: the
//! current type holds either ([`Confidential`]), and [`check_version`] holds each version to its
//! own.

use serde::Deserialize;

use super::payloads::{ComplaintReceived, Concerns, Confidential, Date};
use super::PayloadError;

/// Version 1 (`schemas/complaint.received/1.json`): one `anonymous` flag for "anonymous,
/// unsigned or under a false name", and no election complaints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReceivedV1 {
    case: String,
    received: Date,
    channel: String,
    kind: String,
    complainant: ComplainantV1,
    concerns: Concerns,
    summary: String,
    #[serde(default)]
    document_sha256: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ComplainantV1 {
    anonymous: bool,
    #[serde(default)]
    name: Option<String>,
    signatories: u64,
}

impl From<ReceivedV1> for ComplaintReceived {
    /// Version 1's `anonymous` becomes `anonymous` (it cannot be told apart from a false name,
    /// and K-03 treats both alike); nothing was recorded about the address; a version 1
    /// `complaint` stays a `complaint`, since version 1 could not say it was about an election.
    fn from(v: ReceivedV1) -> ComplaintReceived {
        ComplaintReceived {
            case: v.case,
            received: v.received,
            channel: v.channel,
            kind: v.kind,
            complainant: super::payloads::Complainant {
                anonymous: v.complainant.anonymous,
                false_name: false,
                no_address: false,
                name: v.complainant.name.map(Confidential::Plain),
                contact: None,
                signatories: v.complainant.signatories,
            },
            concerns: v.concerns,
            summary: Confidential::Plain(v.summary),
            document_sha256: v.document_sha256.map(Confidential::Plain),
        }
    }
}

/// Version 2 holds plaintext in its confidential fields and has no `contact`; version 3 holds
/// only commitments. `p` was parsed as the current type, which takes both.
pub(super) fn check_version(
    schema: u16,
    p: ComplaintReceived,
) -> Result<ComplaintReceived, PayloadError> {
    let fields = [
        ("complainant.name", p.complainant.name.as_ref()),
        ("complainant.contact", p.complainant.contact.as_ref()),
        ("summary", Some(&p.summary)),
        ("document_sha256", p.document_sha256.as_ref()),
    ];
    for (field, value) in fields {
        let wrong = match (schema, value) {
            (_, None) => false,
            (2, Some(_)) if field == "complainant.contact" => true,
            (2, Some(v)) => v.plain().is_none(),
            (_, Some(v)) => v.plain().is_some(),
        };
        if wrong {
            return Err(PayloadError::Mismatch {
                kind: "complaint.received".into(),
                reason: if schema == 2 {
                    format!("`{field}` is not a field of schema 2 in this form")
                } else {
                    format!(
                        "`{field}` must be a commitment `{{\"commitment\": …}}` in schema {schema}"
                    )
                },
            });
        }
    }
    Ok(p)
}
