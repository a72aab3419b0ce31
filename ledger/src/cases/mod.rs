//! A case's confidential values against the log (issue 12): depositing them (checked against
//! the commitments of the act that opened the case), crypto-shredding them (after the signed
//! `complaint.shredded` is appended), and disclosures (an act's proof with chosen openings).
//! Kept apart from `confidential` (the commitments and the store), which the engine uses to
//! hold appends to the commitment schemas: these read and append through a `Ledger`.

pub mod disclosure;

use serde_json::Value;

use crate::confidential::{check, commitment_at, fields, store, ConfidentialError, Openings};
use crate::format::Hash;

/// What can go wrong depositing a case's values or shredding its key against the log.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("không có vụ việc `{0}` trong sổ (luồng complaint/{0}) / no case `{0}` in the log (stream complaint/{0})")]
    NoCase(String),
    #[error("bản ghi mở vụ việc `{0}` không chứa cam kết nào (lược đồ cũ ghi rõ giá trị) / the act opening case `{0}` holds no commitments (an older schema recorded the values in plaintext)")]
    NoCommitments(String),
    #[error("thiếu giá trị của trường bảo mật `{field}` mà bản ghi đã cam kết / the value of confidential field `{field}`, which the act commits to, is missing")]
    Missing { field: String },
    #[error("đây không phải bản ghi `complaint.shredded` của một vụ việc / this is not a case's `complaint.shredded` act")]
    NotShredAct,
    #[error(transparent)]
    Confidential(#[from] ConfidentialError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Append(#[from] crate::engine::AppendError),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error(transparent)]
    Format(#[from] crate::format::FormatError),
}

/// The act that opened case `case` (`complaint.received`, version 0 of `complaint/<case>`).
pub fn case_act(ledger: &crate::Ledger, case: &str) -> Result<crate::Entry, CaseError> {
    let stream = format!("complaint/{case}");
    // `head` waits for the index to hold every acknowledged entry (read-your-writes).
    ledger.head(&stream)?;
    ledger
        .stream(&stream, 0, 1)?
        .into_iter()
        .next()
        .filter(|e| e.event.body().kind == "complaint.received")
        .ok_or_else(|| CaseError::NoCase(case.to_string()))
}

/// Stores case `case`'s openings, after checking them against the commitments of the act
/// that opened it: each opens its commitment, and every commitment has its opening.
pub fn deposit(
    ledger: &crate::Ledger,
    store: &store::Store,
    case: &str,
    openings: &Openings,
) -> Result<Hash, CaseError> {
    let entry = case_act(ledger, case)?;
    let body = entry.event.body();
    let confidential = fields(&body.kind, body.schema);
    if confidential.is_empty() {
        return Err(CaseError::NoCommitments(case.to_string()));
    }
    let payload: Value = serde_json::from_slice(&body.payload).unwrap_or(Value::Null);
    check(&body.kind, body.schema, &payload, openings)?;
    for field in confidential {
        if commitment_at(&payload, field).is_some() && !openings.contains_key(*field) {
            return Err(CaseError::Missing {
                field: field.to_string(),
            });
        }
    }
    store.deposit(case, openings)?;
    Ok(entry.event.hash())
}

/// Crypto-shredding at the end of a retention period: appends the signed `complaint.shredded`
/// act (`event`), then destroys the case's key. If the append is refused, nothing is
/// destroyed; the act says that the values became unreadable, while every proof, checkpoint
/// and bag still verifies (they hold only commitments).
pub fn shred(
    ledger: &crate::Ledger,
    store: &store::Store,
    event: Vec<u8>,
) -> Result<crate::Appended, CaseError> {
    let decoded = crate::SignedEvent::decode(event.clone())?;
    let body = decoded.body();
    let case = body
        .stream
        .strip_prefix("complaint/")
        .filter(|_| body.kind == "complaint.shredded")
        .ok_or(CaseError::NotShredAct)?
        .to_string();
    case_act(ledger, &case)?;
    if store.is_shredded(&case) {
        return Err(store::StoreError::Shredded(case).into());
    }
    store.sealed(&case)?;
    let appended = ledger.append(event)?;
    store.shred(&case)?;
    Ok(appended)
}
