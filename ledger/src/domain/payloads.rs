//! The payload of every event kind (`events.md`), at its newest schema version, as Rust types.
//! Unknown fields are refused, as the JSON Schemas in `schemas/` refuse them; a test checks that
//! the two agree on every example. Older versions are read as these types (`super::decode`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub type Person = String;
/// An event hash in lower-case hex.
pub type Ref = String;
/// A calendar date, `YYYY-MM-DD`.
pub type Date = String;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgRegistered {
    pub org: String,
    pub name: String,
    /// Required, null for the root: present-but-null is not the same as missing.
    #[serde(deserialize_with = "Option::deserialize")]
    pub parent: Option<String>,
    pub level: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub seats: BTreeMap<String, u64>,
    pub secretary_direct: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominees: Option<BTreeMap<String, Vec<Person>>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CongressConvened {
    pub org: String,
    pub term: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    pub form: String,
    pub convened: u64,
    pub opens: Date,
    pub closes: Date,
    pub rulebook: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    pub plan: Plan,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRegistered {
    pub person: Person,
    pub name: String,
    pub gender: String,
    pub birth_year: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ethnicity: Option<String>,
    pub incumbent: Vec<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub delegate: Option<String>,
    /// Local (người địa phương) to the organization holding the congress; `None` when not
    /// recorded (schema 2 requires the field, null allowed; schema 1 had none).
    #[serde(deserialize_with = "Option::deserialize")]
    pub local: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Absence {
    pub person: Person,
    pub whole_congress: bool,
    pub excused: bool,
    #[serde(deserialize_with = "Option::deserialize")]
    pub substituted_by: Option<Person>,
    pub convening_committee_member: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disqualification {
    pub person: Person,
    pub reason: String,
}

/// A member of an all-member congress left out of the threshold's base (schema 2): `category`
/// is `temporary_transfer` (chuyển sinh hoạt tạm thời), `exempted_absent` (miễn công tác và
/// sinh hoạt đảng, vắng mặt), `suspended` (đình chỉ sinh hoạt), `charged` (bị khởi tố) or
/// `detained` (bị tạm giam).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseExclusion {
    pub person: Person,
    pub category: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsReported {
    pub convened: u64,
    pub present: u64,
    pub absent: Vec<Absence>,
    pub disqualified: Vec<Disqualification>,
    /// Schema 2; empty when read from schema 1.
    pub base_exclusions: Vec<BaseExclusion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionOpened {
    pub session: u64,
    pub present: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MotionDecided {
    pub motion: String,
    pub subject: String,
    pub text: String,
    pub method: String,
    pub present: u64,
    #[serde(rename = "for")]
    pub for_: u64,
    pub against: u64,
    pub abstain: u64,
    pub adopted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<Person>>,
    pub refs: Vec<Ref>,
    /// Schema 2: the election a `continue_election`, `max_surplus`, `withdrawal` or
    /// `candidate_list` motion concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub election: Option<String>,
    /// Schema 2, `continue_election`: whether the next round's list may add names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additions: Option<bool>,
    /// Schema 2, `counting_committee`: the elections the committee counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elections: Option<Vec<String>>,
    /// Schema 2, `max_surplus`: the congress's own maximum surplus, in percent of the seats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surplus_percent: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionOpened {
    pub election: String,
    pub body: String,
    pub round: u64,
    pub seats: u64,
    pub alternates: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NominationMade {
    pub election: String,
    pub person: Person,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominated_by: Option<Person>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrawPollCounted {
    pub election: String,
    pub present: u64,
    pub votes: BTreeMap<Person, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalDecided {
    pub election: String,
    pub person: Person,
    pub reason: String,
    pub allowed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motion: Option<Ref>,
    /// Schema 2: who proposed the withdrawal to the congress (`presidium`,
    /// `convening_committee`, `secretariat`, `candidate`, `other`); None when read from
    /// schema 1, which did not say.
    #[serde(deserialize_with = "Option::deserialize")]
    pub proposed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateListAdopted {
    pub election: String,
    pub round: u64,
    pub candidates: Vec<Person>,
    pub motion: Ref,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotsIssued {
    pub election: String,
    pub round: u64,
    pub issued: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotsCounted {
    pub election: String,
    pub round: u64,
    pub received: u64,
    pub valid: u64,
    pub invalid: u64,
    pub votes: BTreeMap<Person, u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes_sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionDeclared {
    pub election: String,
    pub round: u64,
    pub elected: Vec<Person>,
    pub alternates: Vec<Person>,
    pub counted: Ref,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CongressClosed {
    pub closed: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approved {
    pub election: String,
    pub persons: Vec<Person>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refused {
    pub election: String,
    pub person: Person,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsApproved {
    pub decision: String,
    pub date: Date,
    pub approved: Vec<Approved>,
    pub refused: Vec<Refused>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentMade {
    pub decision: String,
    pub date: Date,
    pub body: String,
    pub person: Person,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentAttached {
    pub sha256: String,
    pub media_type: String,
    pub bytes: u64,
    pub title: String,
    pub refs: Vec<Ref>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionIssued {
    pub corrects: Ref,
    pub reason: String,
    pub replacement: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Complainant {
    /// Anonymous or unsigned (nặc danh). An upcast version 1 event's `anonymous` also covers a
    /// false name: version 1 did not tell them apart.
    pub anonymous: bool,
    /// Under a false name (mạo tên); since version 2.
    pub false_name: bool,
    /// Without a clear address (không rõ địa chỉ); since version 2.
    pub no_address: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Confidential>,
    /// Address and contact; since version 3, where it is only ever a commitment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Confidential>,
    /// More than one is a letter signed by several people (nhiều người ký).
    pub signatories: u64,
}

/// A salted commitment to a confidential value (`confidential`), lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    pub commitment: String,
}

/// A confidential field: its commitment (`complaint.received` from schema 3 on), or, in an
/// event of an older schema, the plaintext it was recorded with (an old log keeps it forever).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Confidential {
    Committed(Commitment),
    Plain(String),
}

impl Confidential {
    /// The plaintext, if the event recorded it (schemas before the commitments).
    pub fn plain(&self) -> Option<&str> {
        match self {
            Confidential::Plain(s) => Some(s),
            Confidential::Committed(_) => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Concerns {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub congress: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<Ref>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintReceived {
    pub case: String,
    pub received: Date,
    pub channel: String,
    pub kind: String,
    pub complainant: Complainant,
    pub concerns: Concerns,
    pub summary: Confidential,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_sha256: Option<Confidential>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintAssigned {
    pub handler: String,
    pub due: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintDismissed {
    pub reason: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintConcluded {
    pub finding: String,
    pub summary: String,
    pub measures: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintNotified {
    pub notified: Date,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintReopened {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintShredded {
    pub retention_ended: Date,
    pub decision: String,
}

/// The checkpoint an inspection inspected: the log's size and Merkle root (hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectedCheckpoint {
    pub size: u64,
    pub root: String,
}

/// A finding the inspection commission decided on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingDecision {
    pub rule: String,
    pub events: Vec<Ref>,
    /// `accepted` or `dismissed`.
    pub decision: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionConcluded {
    pub checkpoint: InspectedCheckpoint,
    pub findings: Vec<FindingDecision>,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_sha256: Option<String>,
}

pub use crate::authority::{
    AuthorityAdded, AuthorityRetired, KeyEnrolled, KeyRevoked, LedgerCreated, LogKeyRotated,
};

/// A decoded payload, whatever its kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    LedgerCreated(LedgerCreated),
    KeyEnrolled(KeyEnrolled),
    KeyRevoked(KeyRevoked),
    AuthorityAdded(AuthorityAdded),
    AuthorityRetired(AuthorityRetired),
    LogKeyRotated(LogKeyRotated),
    OrgRegistered(OrgRegistered),
    CongressConvened(Box<CongressConvened>),
    PersonRegistered(PersonRegistered),
    CredentialsReported(CredentialsReported),
    SessionOpened(SessionOpened),
    MotionDecided(MotionDecided),
    ElectionOpened(ElectionOpened),
    NominationMade(NominationMade),
    StrawPollCounted(StrawPollCounted),
    WithdrawalDecided(WithdrawalDecided),
    CandidateListAdopted(CandidateListAdopted),
    BallotsIssued(BallotsIssued),
    BallotsCounted(BallotsCounted),
    ElectionDeclared(ElectionDeclared),
    CongressClosed(CongressClosed),
    ResultsApproved(ResultsApproved),
    AppointmentMade(AppointmentMade),
    DocumentAttached(DocumentAttached),
    CorrectionIssued(CorrectionIssued),
    ComplaintReceived(ComplaintReceived),
    ComplaintAssigned(ComplaintAssigned),
    ComplaintDismissed(ComplaintDismissed),
    ComplaintConcluded(ComplaintConcluded),
    ComplaintNotified(ComplaintNotified),
    ComplaintReopened(ComplaintReopened),
    InspectionConcluded(InspectionConcluded),
    ComplaintShredded(ComplaintShredded),
}
