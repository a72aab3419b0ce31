//! Why an append was refused. Every refusal leaves the ledger unchanged.

use crate::authority::AuthorityError;
use crate::crypto::SignatureError;
use crate::format::{FormatError, Hash};
use crate::storage::StorageError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppendError {
    #[error("malformed event: {0}")]
    Format(#[from] FormatError),
    #[error("event is for ledger `{found}`, but this ledger is `{expected}`")]
    WrongLedger { expected: String, found: String },
    #[error("bad signature: {0}")]
    Signature(#[from] SignatureError),
    #[error(
        "version conflict in `{stream}`: the event is version {submitted}, but the stream's next \
         version is {current} (head {head}); fetch the stream and re-sign against its head"
    )]
    Conflict {
        stream: String,
        submitted: u64,
        current: u64,
        head: Hash,
    },
    #[error(
        "`prev` of `{stream}` version {version} is {found}, but the stream's head is {expected}"
    )]
    PrevMismatch {
        stream: String,
        version: u64,
        expected: Hash,
        found: Hash,
    },
    #[error(
        "sự kiện dài {bytes} byte, vượt giới hạn {limit} byte cho sự kiện mới: đính kèm tài liệu \
         dài thành tệp đính kèm / the event is {bytes} bytes, over the limit of {limit} for new \
         events: attach long documents as blobs"
    )]
    TooLarge { bytes: usize, limit: usize },
    #[error("{0}")]
    Schema(#[from] crate::domain::schemas::SchemaError),
    #[error("unauthorized: {0}")]
    Unauthorized(#[from] AuthorityError),
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("the ledger is closed")]
    Closed,
    #[error(
        "this ledger is a read-only mirror (it holds no log key): append to the ledger it mirrors"
    )]
    ReadOnly,
    /// A `log_key.rotated` naming a key whose secret the ledger does not hold (or another
    /// ML-DSA-44 key than the one it cosigns with), or a checkpoint whose key in force is
    /// not held: what was wrong and what to do, in both languages.
    #[error("{}", .0.en)]
    LogKeyNotHeld(crate::messages::Text),
}
