//! `complaint.received` in its older schema versions, and their upcasting to the current type.

use serde::Deserialize;

use super::payloads::{ComplaintReceived, Concerns, Date};

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
                name: v.complainant.name,
                signatories: v.complainant.signatories,
            },
            concerns: v.concerns,
            summary: v.summary,
            document_sha256: v.document_sha256,
        }
    }
}
