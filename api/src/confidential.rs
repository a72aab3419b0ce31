//! The confidential store over HTTP: a registrar deposits a case's values and letters (checked
//! against the act's commitments); the inspection commission reads them back as ciphertexts it
//! opens with its own key (the server stores none; the explorer's act page opens them with a
//! key the commission pasted at login, held in that session only), each read recorded in the
//! access log first; the commission shreds a case's key with a signed `complaint.shredded` act.

use ledger::messages::Text;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use ledger::access::log::ConfidentialRead;
use ledger::access::Role;
use ledger::cases::CaseError;
use ledger::confidential::store::StoreError;
use ledger::Hash;

use crate::auth::Reader;
use crate::events::blocking;
use crate::wire::{
    AccessLog, Appended, Deposit, Deposited, DocumentAdded, SealedRead, WhyQuery as Why,
};
use crate::{AppState, Problem};

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        let detail = Text::of(&e);
        match e {
            StoreError::NoCase(_) => Problem::new(
                StatusCode::NOT_FOUND,
                Text::new("không có dữ liệu bảo mật", "no confidential values"),
                detail,
            ),
            StoreError::AlreadyStored(_) => Problem::new(
                StatusCode::CONFLICT,
                Text::new("đã lưu", "already stored"),
                detail,
            ),
            StoreError::Shredded(_) => Problem::new(
                StatusCode::GONE,
                Text::new("đã hủy khóa", "shredded"),
                detail,
            ),
            StoreError::BadCase(_) => Problem::bad_request(detail),
            StoreError::NoRecipients(_) => Problem::failure(
                StatusCode::SERVICE_UNAVAILABLE,
                Text::new(
                    "chưa có khóa nhận của ủy ban kiểm tra",
                    "no commission recipients",
                ),
                Text::new(
                    "Kho bảo mật chưa có khóa nhận của ủy ban kiểm tra: người vận hành chạy `congress-ledger confidential init --recipient age1…`.",
                    "The confidential store has no inspection commission recipients: the operator runs `congress-ledger confidential init --recipient age1…`.",
                ),
                e,
            ),
            _ => Problem::failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                Text::new("lỗi kho bảo mật", "confidential store error"),
                Text::new(
                    "Máy chủ không đọc hoặc ghi được kho bảo mật; hãy báo người vận hành kèm mã yêu cầu (request_id) để tra nhật ký.",
                    "The server could not read or write the confidential store; give the operator the request_id to find the cause in its log.",
                ),
                e,
            ),
        }
    }
}

impl From<CaseError> for Problem {
    fn from(e: CaseError) -> Problem {
        let detail = Text::of(&e);
        match e {
            CaseError::NoCase(_) => Problem::not_found(detail),
            CaseError::Store(s) => Problem::from(s),
            CaseError::Append(a) => Problem::from(a),
            CaseError::Storage(s) => Problem::from(s),
            CaseError::Format(_) | CaseError::NotShredAct => Problem::bad_request(detail),
            CaseError::NoCommitments(_)
            | CaseError::Missing { .. }
            | CaseError::Confidential(_) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Text::new(
                    "giá trị không khớp với bản ghi",
                    "values do not match the act",
                ),
                detail,
            ),
        }
    }
}

/// `POST /v1/confidential/{case}`: a registrar deposits the case's values and salts.
#[utoipa::path(post, path = "/v1/confidential/{case}", summary = "Deposit a case's confidential values and salts (`{\"values\": {field: {value, salt}}}`), checked against the commitments of its `complaint.received` (registrar or inspection)", params(("case" = String, Path, description = "the case id")), request_body = Deposit, responses((status = 201, description = "stored", body = Deposited), (status = 401, description = "no reader"), (status = 403, description = "not a registrar"), (status = 404, description = "no such case"), (status = 409, description = "already stored"), (status = 422, description = "does not open the act's commitments")))]
pub async fn deposit(
    State(state): State<Arc<AppState>>,
    Extension(reader): Extension<Reader>,
    Path(case): Path<String>,
    Json(body): Json<Deposit>,
) -> Result<impl IntoResponse, Problem> {
    reader.require(
        Role::deposits_confidential,
        ("gửi thông tin bảo mật", "deposit confidential values"),
    )?;
    let act = blocking(move || {
        ledger::cases::deposit(&state.ledger, &state.access.store, &case, &body.values)
            .map_err(Problem::from)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(Deposited { act })))
}

/// `GET /v1/confidential/{case}?why=…`: the case's ciphertexts, for the inspection commission.
#[utoipa::path(get, path = "/v1/confidential/{case}", summary = "A case's confidential values as ciphertexts to open with a commission key; the read is recorded in the access log first (inspection only)", params(("case" = String, Path, description = "the case id"), Why), responses((status = 200, description = "the ciphertexts", body = SealedRead), (status = 401, description = "no reader"), (status = 403, description = "not the inspection commission"), (status = 404, description = "no such case")))]
pub async fn read(
    State(state): State<Arc<AppState>>,
    Extension(reader): Extension<Reader>,
    Path(case): Path<String>,
    Query(why): Query<Why>,
) -> Result<impl IntoResponse, Problem> {
    reader.require(Role::reads_confidential, READ)?;
    blocking(move || {
        let sealed = state.access.store.sealed(&case)?;
        let act = record(&state, &reader, &case, "values".into(), why.why)?;
        Ok(Json(SealedRead { act, sealed }))
    })
    .await
}

const READ: (&str, &str) = ("đọc thông tin bảo mật", "read confidential values");

/// The event hash of the act that opened `case`, for the access log.
fn case_act_hash(state: &AppState, case: &str) -> Option<String> {
    ledger::cases::case_act(&state.ledger, case)
        .ok()
        .map(|e| e.event.hash().to_hex())
}

/// Records a read of `what` in `case` by `reader`, who must be the inspection commission, in
/// the access log (synced) before the answer goes out; returns the act that opened the case.
pub(crate) fn record(
    state: &AppState,
    reader: &Reader,
    case: &str,
    what: String,
    why: Option<String>,
) -> Result<Option<String>, Problem> {
    let grant = reader.require(Role::reads_confidential, READ)?;
    let act = case_act_hash(state, case);
    state
        .access
        .log
        .record(ConfidentialRead {
            reader: reader.label(),
            role: grant.role.name().into(),
            case: case.to_string(),
            act: act.clone(),
            what,
            why,
        })
        .map_err(|e| {
            Problem::failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                Text::new("lỗi nhật ký truy cập", "access log error"),
                Text::new(
                    "Không ghi được lượt đọc vào nhật ký truy cập nên không trả dữ liệu; hãy báo người vận hành kèm mã yêu cầu (request_id) để tra nhật ký.",
                    "The read could not be recorded in the access log, so nothing is served; give the operator the request_id to find the cause in its log.",
                ),
                e,
            )
        })?;
    Ok(act)
}

/// `POST /v1/confidential/{case}/documents`: a registrar deposits a letter (its bytes).
#[utoipa::path(post, path = "/v1/confidential/{case}/documents", summary = "Deposit a confidential attachment of a case (its bytes); never served at /v1/blobs or published (registrar or inspection)", params(("case" = String, Path, description = "the case id")), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the letter's bytes"), responses((status = 201, description = "stored", body = DocumentAdded), (status = 401, description = "no reader"), (status = 403, description = "not a registrar"), (status = 404, description = "no such case")))]
pub async fn add_document(
    State(state): State<Arc<AppState>>,
    Extension(reader): Extension<Reader>,
    Path(case): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, Problem> {
    reader.require(
        Role::deposits_confidential,
        ("gửi thông tin bảo mật", "deposit confidential values"),
    )?;
    let hash = blocking(move || {
        ledger::cases::case_act(&state.ledger, &case)?;
        Ok(state.access.store.add_document(&case, &body)?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(DocumentAdded { sha256: hash })))
}

/// `GET /v1/confidential/{case}/documents/{sha256}?why=…`: a confidential attachment's
/// ciphertext, for the inspection commission.
#[utoipa::path(get, path = "/v1/confidential/{case}/documents/{sha256}", summary = "A confidential attachment, encrypted to the case's key; the read is recorded first (inspection only)", params(("case" = String, Path, description = "the case id"), ("sha256" = String, Path, description = "the attachment's SHA-256"), Why), responses((status = 200, description = "age ciphertext", body = Vec<u8>, content_type = "application/octet-stream"), (status = 401, description = "no reader"), (status = 403, description = "not the inspection commission"), (status = 404, description = "no such document")))]
pub async fn document(
    State(state): State<Arc<AppState>>,
    Extension(reader): Extension<Reader>,
    Path((case, sha256)): Path<(String, String)>,
    Query(why): Query<Why>,
) -> Result<impl IntoResponse, Problem> {
    reader.require(Role::reads_confidential, READ)?;
    let hash: Hash = sha256.parse().map_err(|_| {
        Problem::bad_request(Text::new(
            format!("`{sha256}` không phải SHA-256 (64 chữ số thập lục phân)"),
            format!("`{sha256}` is not a SHA-256 (64 hex digits)"),
        ))
    })?;
    blocking(move || {
        let bytes = state.access.store.document(&case, &hash)?;
        record(
            &state,
            &reader,
            &case,
            format!("document {}", hash.to_hex()),
            why.why,
        )?;
        Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes))
    })
    .await
}

/// `POST /v1/confidential/{case}/shred`: the signed `complaint.shredded` act; appended, then
/// the case's key destroyed.
#[utoipa::path(post, path = "/v1/confidential/{case}/shred", summary = "Crypto-shred a case at the end of its retention period: the body is the signed `complaint.shredded` act (inspection only)", params(("case" = String, Path, description = "the case id")), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the signed `complaint.shredded` event's bytes"), responses((status = 201, description = "recorded and destroyed", body = Appended), (status = 401, description = "no reader"), (status = 403, description = "not the inspection commission, or the act is refused"), (status = 404, description = "no such case")))]
pub async fn shred(
    State(state): State<Arc<AppState>>,
    Extension(reader): Extension<Reader>,
    Path(case): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, Problem> {
    reader.require(
        Role::reads_confidential,
        ("hủy khóa vụ việc", "shred a case's key"),
    )?;
    let a = blocking(move || {
        let event = ledger::SignedEvent::decode(body.to_vec())
            .map_err(|e| Problem::bad_request(Text::of(&e)))?;
        if event.body().stream != format!("complaint/{case}") {
            return Err(Problem::bad_request(Text::new(
                format!(
                    "bản ghi thuộc `{}`, không phải `complaint/{case}`",
                    event.body().stream
                ),
                format!(
                    "the act is for `{}`, not `complaint/{case}`",
                    event.body().stream
                ),
            )));
        }
        ledger::cases::shred(&state.ledger, &state.access.store, body.to_vec())
            .map_err(Problem::from)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(Appended::from(&a))))
}

/// `GET /v1/access-log`: every confidential read, for the commission to review (and verify
/// again on its side: `congress-ledger access log --server`).
#[utoipa::path(get, path = "/v1/access-log", summary = "The access log of confidential reads, each record hash-chained to the one before (inspection only)", responses((status = 200, description = "the records", body = AccessLog), (status = 401, description = "no reader"), (status = 403, description = "not the inspection commission"), (status = 500, description = "the access log is broken")))]
pub async fn access_log(
    State(state): State<Arc<AppState>>,
    Extension(reader): Extension<Reader>,
) -> Result<impl IntoResponse, Problem> {
    reader.require(
        Role::reads_confidential,
        ("xem nhật ký truy cập", "review the access log"),
    )?;
    blocking(move || {
        let records = state.access.log.verify().map_err(|e| {
            Problem::failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                Text::new("nhật ký truy cập bị hỏng", "access log broken"),
                Text::new(
                    "Nhật ký truy cập không đọc được hoặc chuỗi băm của nó bị đứt; hãy báo người vận hành kèm mã yêu cầu (request_id) để tra nhật ký.",
                    "The access log is unreadable or its hash chain is broken; give the operator the request_id to find the cause in its log.",
                ),
                e,
            )
        })?;
        let last = records.last().map(|r| r.hash.clone());
        Ok(Json(AccessLog {
            records,
            last_hash: last,
        }))
    })
    .await
}
