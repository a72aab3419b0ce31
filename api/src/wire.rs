//! The HTTP API's contract: one typed structure for every request and answer of `/v1` and
//! `/healthz`. The server's handlers answer with these, the CLI's client code (`append
//! --server`, `monitor`, `report --server`, `confidential`, `access log --server`, …) decodes
//! them, and `/openapi.json` describes them (their `ToSchema`), so that the three cannot drift
//! apart. Types the library already serializes (an act's proof, a congress's view, the
//! complaint register, progress, findings, the confidential store's ciphertexts, the access
//! log's records) are used as they are: the library derives their schemas under its `openapi`
//! feature, which only this crate turns on.

use std::collections::BTreeMap;

use ledger::act_proof::ActProof;
use ledger::projections::orgs::Progress;
use ledger::projections::views::{CaseRow, CongressView};
use ledger::rulebook::Finding;
use ledger::{Entry, Hash};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An RFC 9457 problem document: every refusal and failure of the API. `detail` is in the
/// language the request asked for (`Accept-Language`), `detail_vi` and `detail_en` give both.
/// `request_id` is the answer's `x-request-id`: the server's log holds whatever it did not
/// say (a failure's cause), under that id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProblemDocument {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub detail_vi: String,
    pub detail_en: String,
    pub request_id: String,
    /// What some problems add: a 409's `stream`, `current_version` and `head`; a 422's
    /// `kind`, `schema`, `path`, `reason` and `reason_vi`; a 403's `role`.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// The log's origin (its name in checkpoints).
    pub origin: String,
    /// Entries in the log.
    pub size: u64,
    /// A read-only mirror (no appends).
    pub mirror: bool,
    /// Each Time-Stamp Authority `serve --tsa` asks, by URL (empty when none).
    #[serde(default)]
    pub timestamps: BTreeMap<String, TsaHealth>,
}

/// How one Time-Stamp Authority is doing (`/healthz`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TsaHealth {
    /// The size of the last checkpoint this TSA timestamped.
    pub timestamped: Option<u64>,
    /// Failures in a row (0 when the last attempt succeeded).
    pub failures: u32,
    /// The last failure, while it lasts.
    pub error: Option<String>,
}

/// `GET /v1/checkpoints/{size}/timestamps`: the RFC 3161 tokens held on one checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckpointTimestamps {
    pub size: u64,
    /// The exact bytes the tokens cover (the note's body and the log's own signature).
    pub note: String,
    pub tokens: Vec<TimestampToken>,
}

/// One TSA's token on a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TimestampToken {
    /// The TSA's URL.
    pub tsa: String,
    /// The DER TimeStampResp, base64.
    pub response: String,
}

/// Where an event was appended (`POST /v1/events`, and the `complaint.shredded` act of
/// `POST /v1/confidential/{case}/shred`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Appended {
    pub position: u64,
    #[schema(value_type = String, pattern = "^[0-9a-f]{64}$")]
    pub event_hash: Hash,
    pub stream: String,
    pub version: u64,
    /// When the ledger received it: ms since the Unix epoch.
    pub received: i64,
    /// False when the same bytes were already stored (an idempotent retry, answered 200).
    pub created: bool,
}

impl From<&ledger::engine::Appended> for Appended {
    fn from(a: &ledger::engine::Appended) -> Appended {
        Appended {
            position: a.position,
            event_hash: a.event_hash,
            stream: a.stream.clone(),
            version: a.version,
            received: a.received,
            created: a.created,
        }
    }
}

/// An entry as the API shows it: its place in the log, the signed event's fields, and the
/// signed bytes themselves (`signed_hex`), which alone are authoritative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    pub position: u64,
    /// ms since the Unix epoch, the ledger's clock.
    pub received: i64,
    #[schema(value_type = String, pattern = "^[0-9a-f]{64}$")]
    pub event_hash: Hash,
    pub stream: String,
    pub version: u64,
    pub kind: String,
    pub schema: u16,
    /// When the act happened as its signer claims: ms since the Unix epoch.
    pub time: i64,
    /// The signer's Ed25519 public key, hex.
    pub signer: String,
    /// The payload, as JSON (`null` if it is not JSON: read `signed_hex`).
    #[schema(value_type = Option<Object>)]
    pub payload: serde_json::Value,
    /// The signed event's bytes (spec §2), hex.
    pub signed_hex: String,
}

impl From<&Entry> for EventView {
    fn from(entry: &Entry) -> EventView {
        let body = entry.event.body();
        EventView {
            position: entry.position,
            received: entry.received,
            event_hash: entry.event.hash(),
            stream: body.stream.clone(),
            version: body.version,
            kind: body.kind.clone(),
            schema: body.schema,
            time: body.time,
            signer: hex::encode(body.signer),
            payload: serde_json::from_slice(&body.payload).unwrap_or(serde_json::Value::Null),
            signed_hex: hex::encode(entry.event.bytes()),
        }
    }
}

/// `GET /v1/streams/{stream}`: a page of a stream's events, and where its next event goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StreamPage {
    pub stream: String,
    pub from: u64,
    /// The version a new event of this stream takes.
    pub next_version: u64,
    /// The stream's last event hash: a new event's `prev` (zeros for a new stream).
    #[schema(value_type = String, pattern = "^[0-9a-f]{64}$")]
    pub head: Hash,
    pub events: Vec<EventView>,
}

/// `?from=&limit=` of `GET /v1/streams/{stream}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// The first version (0 by default).
    pub from: Option<u64>,
    /// At most this many events (100 by default, at most 1000).
    pub limit: Option<usize>,
}

/// `?from=` of `GET /v1/subscribe`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubscribeQuery {
    /// The first position (0 by default).
    pub from: Option<u64>,
}

/// The last event of a subscription that fell behind: resume with `?from=resume_from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Lagged {
    pub resume_from: u64,
}

/// `?witnessed=` of `GET /v1/checkpoint`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckpointQuery {
    /// `true`: the latest checkpoint that witnesses cosigned, rather than the latest one.
    pub witnessed: Option<bool>,
}

/// `GET /v1/log-keys`: the log key that signs the checkpoints to come, and the chain of
/// log keys from the one `ledger.created` names (docs/FORMAT.md §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogKeys {
    /// The verifier key in force now: it signs the checkpoints to come.
    pub current: String,
    /// Every log key, the genesis one first.
    pub keys: Vec<LogKeyListed>,
}

/// One log key of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogKeyListed {
    /// Its note verifier key.
    pub key: String,
    /// The smallest checkpoint size it signs.
    pub from: u64,
    /// The position of the `log_key.rotated` that names it (absent for the genesis key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub named_at: Option<u64>,
    /// The log's ML-DSA-44 cosigning key named with it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pq_key: Option<String>,
}

impl From<&ledger::authority::LogKeys> for LogKeys {
    fn from(keys: &ledger::authority::LogKeys) -> LogKeys {
        LogKeys {
            current: keys.current().key.encode(),
            keys: keys
                .all()
                .iter()
                .map(|k| LogKeyListed {
                    key: k.key.encode(),
                    from: k.from,
                    named_at: k.named_at,
                    pq_key: k.pq_key.as_ref().map(|p| p.encode()),
                })
                .collect(),
        }
    }
}

/// `POST /v1/checkpoint/cosignatures`: what was kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CosignaturesAdded {
    /// The checkpoint's size.
    pub size: u64,
    /// The witnesses whose cosignatures were added by this request.
    pub added: Vec<String>,
    /// Cosignatures held for this checkpoint now.
    pub cosignatures: usize,
}

/// `?position=&size=` of `GET /v1/proofs/inclusion`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    pub position: u64,
    /// The tree's size (the log's size by default).
    pub size: Option<u64>,
}

/// `GET /v1/proofs/inclusion`: RFC 9162 inclusion proof of `position` in the tree of `size`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InclusionProof {
    pub position: u64,
    pub size: u64,
    #[schema(value_type = String, pattern = "^[0-9a-f]{64}$")]
    pub root: Hash,
    #[schema(value_type = Vec<String>)]
    pub proof: Vec<Hash>,
}

/// `?old=&new=` of `GET /v1/proofs/consistency`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    pub old: u64,
    /// The newer size (the log's size by default).
    pub new: Option<u64>,
}

/// `GET /v1/proofs/consistency`: RFC 9162 consistency proof from `old` to `new` entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConsistencyProof {
    pub old: u64,
    pub new: u64,
    #[schema(value_type = Vec<String>)]
    pub proof: Vec<Hash>,
}

/// `GET /v1/proofs/act/{hash}`: the library's act proof, as `proof export` writes it.
pub type ActProofDocument = ActProof;

/// `?state=&as_of=` of `GET /v1/complaints`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplaintsQuery {
    /// open, received, assigned, dismissed, concluded or reopened.
    pub state: Option<String>,
    /// The day the register is drawn up on, YYYY-MM-DD (today by default).
    pub as_of: Option<String>,
}

/// `GET /v1/complaints`: the complaint register.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Complaints {
    pub complaints: Vec<CaseRow>,
}

/// `?term=&as_of=` of `GET /v1/progress/{org}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    pub term: Option<String>,
    /// YYYY-MM-DD.
    pub as_of: Option<String>,
}

/// `GET /v1/progress/{org}`.
pub type ProgressDocument = Progress;

/// `GET /v1/congresses/{org}/{term}`.
pub type Congress = CongressView;

/// `GET /v1/report`: every congress, the register and every finding.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Report {
    pub congresses: Vec<CongressView>,
    pub complaints: Vec<CaseRow>,
    pub findings: Vec<Finding>,
}

/// `POST /v1/confidential/{case}`: a case's values and salts, by field path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Deposit {
    /// An opening (`{"value", "salt"}`) by field path.
    #[schema(inline)]
    pub values: ledger::confidential::Openings,
}

/// What `POST /v1/confidential/{case}` stored them against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Deposited {
    /// The act whose commitments the values open.
    #[schema(value_type = String, pattern = "^[0-9a-f]{64}$")]
    pub act: Hash,
}

/// `?why=` of the confidential reads: the reason, recorded in the access log.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WhyQuery {
    pub why: Option<String>,
}

/// `GET /v1/confidential/{case}`: the case's ciphertexts, and the act that opened the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SealedRead {
    /// The event hash of the act that opened the case, when known.
    pub act: Option<String>,
    #[serde(flatten)]
    pub sealed: ledger::confidential::store::SealedCase,
}

/// `POST /v1/confidential/{case}/documents`: the attachment's SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentAdded {
    #[schema(value_type = String, pattern = "^[0-9a-f]{64}$")]
    pub sha256: Hash,
}

/// `GET /v1/access-log`: every confidential read, hash-chained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AccessLog {
    pub records: Vec<ledger::access::log::AccessRecord>,
    /// The last record's hash, to keep and compare next time.
    pub last_hash: Option<String>,
}
