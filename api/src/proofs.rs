//! Checkpoints and proofs.

use ledger::messages::{Localized, Text};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use ledger::act_proof::ActProofError;

use crate::wire::{
    ActProofDocument, CheckpointQuery, ConsistencyProof, ConsistencyQuery, CosignaturesAdded,
    InclusionProof, InclusionQuery,
};
use crate::{AppState, Problem};

fn note_text(note: ledger::SignedNote) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        note.encode(),
    )
}

/// `GET /v1/checkpoint`: the latest signed note, as text, with the witnesses' cosignatures
/// held for it.
#[utoipa::path(get, path = "/v1/checkpoint", summary = "The latest signed checkpoint (C2SP signed note) with its cosignatures; `?witnessed=true`: the latest one witnesses cosigned", params(CheckpointQuery), responses((status = 200, description = "the signed note", body = String, content_type = "text/plain"), (status = 404, description = "none signed (or cosigned) yet")))]
pub async fn checkpoint(
    State(state): State<Arc<AppState>>,
    Query(q): Query<CheckpointQuery>,
) -> Result<impl IntoResponse, Problem> {
    // Cosignatures are read under the lock that storing new ones holds through its fsync:
    // off the async workers, as every read of the ledger (issue 16, item 8).
    let note = crate::events::blocking(move || {
        if q.witnessed.unwrap_or(false) {
            return state.ledger.latest_cosigned()?.ok_or_else(|| {
                Problem::not_found(Text::new(
                    "chưa nhân chứng nào đồng ký một điểm kiểm của sổ cái này",
                    "no witness has cosigned a checkpoint of this ledger yet",
                ))
            });
        }
        let note = state.ledger.checkpoint().ok_or_else(|| {
            Problem::not_found(Text::new(
                "chưa ký điểm kiểm nào",
                "no checkpoint has been signed yet",
            ))
        })?;
        Ok(state.ledger.with_cosignatures(note))
    })
    .await?;
    Ok(note_text(note))
}

/// `GET /v1/checkpoints/{size}`: the checkpoint signed at exactly that size, with its
/// cosignatures.
#[utoipa::path(get, path = "/v1/checkpoints/{size}", summary = "The checkpoint signed at exactly this size, with its cosignatures", params(("size" = u64, Path, description = "the log's size when it was signed")), responses((status = 200, description = "the signed note", body = String, content_type = "text/plain"), (status = 400, description = "not a size"), (status = 404, description = "none at this size")))]
pub async fn checkpoint_at(
    State(state): State<Arc<AppState>>,
    Path(size): Path<String>,
) -> Result<impl IntoResponse, Problem> {
    let note = signed_at(&state, &size).await?;
    Ok(note_text(state.ledger.with_cosignatures(note)))
}

/// `GET /v1/log-keys`: the current log key and the chain of log keys.
#[utoipa::path(get, path = "/v1/log-keys", summary = "The log key in force and the chain of log keys from the one `ledger.created` names, each with the size from which it signs", responses((status = 200, description = "the chain", body = crate::wire::LogKeys)))]
pub async fn log_keys(State(state): State<Arc<AppState>>) -> Json<crate::wire::LogKeys> {
    Json(crate::wire::LogKeys::from(&state.ledger.log_keys()))
}

/// The checkpoint signed at the size a path names (the log's own signatures only): 400 if it
/// is not a size, 404 if none was.
pub(crate) async fn signed_at(
    state: &Arc<AppState>,
    size: &str,
) -> Result<ledger::SignedNote, Problem> {
    let size: u64 = size.parse().map_err(|_| {
        Problem::bad_request(Text::new(
            format!("`{size}` không phải một cỡ (số nguyên không âm)"),
            format!("`{size}` is not a size (a whole number)"),
        ))
    })?;
    let state = state.clone();
    crate::events::blocking(move || {
        state.ledger.checkpoint_at(size)?.ok_or_else(|| {
            Problem::not_found(Text::new(
                format!("không có điểm kiểm nào được ký ở cỡ {size}"),
                format!("no checkpoint was signed at size {size}"),
            ))
        })
    })
    .await
}

/// `POST /v1/checkpoint/cosignatures`: a witness hands back a checkpoint it cosigned (the note
/// as `witness cosign` writes it). Cosignatures by the witnesses this server accepts are
/// checked and kept; they are served with the checkpoint from then on.
#[utoipa::path(post, path = "/v1/checkpoint/cosignatures", summary = "Hand in a cosigned checkpoint (text/plain signed note); its cosignatures by accepted witnesses are kept", request_body(content = String, content_type = "text/plain", description = "the checkpoint as `witness cosign` writes it"), responses((status = 200, description = "what was kept", body = CosignaturesAdded), (status = 400, description = "not a signed note"), (status = 403, description = "no cosignature by a witness this server accepts"), (status = 404, description = "no checkpoint of that size"), (status = 409, description = "not this ledger's checkpoint of that size"), (status = 422, description = "a cosignature does not verify")))]
pub async fn add_cosignatures(
    State(state): State<Arc<AppState>>,
    body: String,
) -> Result<Json<CosignaturesAdded>, Problem> {
    crate::events::blocking(move || {
        let size = ledger::SignedNote::parse(&body)
            .map(|n| n.checkpoint.size)
            .map_err(|e| {
                Problem::bad_request(Text::new(
                    format!("thân yêu cầu không phải một ghi chú đã ký: {}", e.vi()),
                    format!("the body is not a signed note: {e}"),
                ))
            })?;
        let added = state
            .ledger
            .add_cosignatures(&body, &state.witnesses)
            .map_err(cosign_problem)?;
        let held = state
            .ledger
            .checkpoint_at(size)?
            .map(|n| {
                state
                    .ledger
                    .with_cosignatures(n)
                    .signatures
                    .len()
                    .saturating_sub(1)
            })
            .unwrap_or(0);
        Ok(Json(CosignaturesAdded {
            size,
            added,
            cosignatures: held,
        }))
    })
    .await
}

pub(crate) fn cosign_problem(e: ledger::CosignError) -> Problem {
    use ledger::CosignError as E;
    let (status, vi, en) = match &e {
        E::Note(_) => (
            StatusCode::BAD_REQUEST,
            "không phải ghi chú đã ký",
            "not a signed note",
        ),
        E::NoCheckpoint(_) => (
            StatusCode::NOT_FOUND,
            "không có điểm kiểm này",
            "no such checkpoint",
        ),
        E::Mismatch { .. } => (
            StatusCode::CONFLICT,
            "không phải điểm kiểm của sổ cái này",
            "not this ledger's checkpoint",
        ),
        E::Untrusted { .. } => (
            StatusCode::FORBIDDEN,
            "nhân chứng không được chấp nhận",
            "witness not accepted",
        ),
        E::Invalid { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "chữ ký đồng ký không đúng",
            "cosignature does not verify",
        ),
        E::Storage(s) => return Problem::from(s.clone()),
    };
    Problem::new(status, Text::new(vi, en), Text::of(&e))
}

#[utoipa::path(get, path = "/v1/proofs/inclusion", summary = "Inclusion proof of `position` in the tree of `size` entries", params(InclusionQuery), responses((status = 200, description = "the proof and the root it reaches", body = InclusionProof), (status = 400, description = "out of range")))]
pub async fn inclusion(
    State(state): State<Arc<AppState>>,
    Query(q): Query<InclusionQuery>,
) -> Result<Json<InclusionProof>, Problem> {
    let size = q.size.unwrap_or_else(|| state.ledger.size());
    // Nodes are read from the index, and a size not yet indexed is waited for.
    let (proof, root) = crate::events::blocking(move || {
        let proof = state
            .ledger
            .inclusion_proof(q.position, size)?
            .map_err(|e| Problem::bad_request(Text::of(&e)))?;
        let root = state
            .ledger
            .root_at(size)?
            .map_err(|e| Problem::bad_request(Text::of(&e)))?;
        Ok((proof, root))
    })
    .await?;
    Ok(Json(InclusionProof {
        position: q.position,
        size,
        root,
        proof,
    }))
}

#[utoipa::path(get, path = "/v1/proofs/consistency", summary = "Consistency proof from `old` to `new` entries", params(ConsistencyQuery), responses((status = 200, description = "the proof", body = ConsistencyProof), (status = 400, description = "out of range")))]
pub async fn consistency(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Json<ConsistencyProof>, Problem> {
    let new = q.new.unwrap_or_else(|| state.ledger.size());
    let old = q.old;
    let proof = crate::events::blocking(move || {
        state
            .ledger
            .consistency_proof(old, new)?
            .map_err(|e| Problem::bad_request(Text::of(&e)))
    })
    .await?;
    Ok(Json(ConsistencyProof { old, new, proof }))
}

/// `GET /v1/proofs/act/{hash}`: the self-contained proof of one act, as `proof export` writes
/// it: the entry, its inclusion proof, the signed checkpoint and the authority registry.
#[utoipa::path(get, path = "/v1/proofs/act/{hash}", summary = "The self-contained proof of one act (verify it with `congress-ledger proof verify`)", params(("hash" = String, Path, description = "the act's event hash, 64 lower-case hex digits")), responses((status = 200, description = "the proof", body = ActProofDocument), (status = 400, description = "not a hash"), (status = 404, description = "no such event"), (status = 503, description = "no checkpoint covers it yet")))]
pub async fn act(
    State(state): State<Arc<AppState>>,
    Path(hash): Path<String>,
) -> Result<Json<ActProofDocument>, Problem> {
    let h: ledger::Hash = hash.parse().map_err(|_| {
        Problem::bad_request(Text::new(
            format!("`{hash}` không phải mã băm sự kiện (64 chữ số thập lục phân viết thường)"),
            format!("`{hash}` is not an event hash (64 lower-case hex digits)"),
        ))
    })?;
    crate::events::blocking(move || {
        // A checkpoint of everything so far, so that the newest act can be proved too; a
        // mirror cannot sign and serves the checkpoint it holds.
        let _ = state.ledger.sign_checkpoint();
        ledger::act_proof::export(&*state.ledger, &h)
            .map_err(|e| match e {
                ActProofError::NotFound(_) => Problem::not_found(Text::of(&e)),
                ActProofError::NoCheckpoint(_) => Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Text::new("chưa có điểm kiểm", "no checkpoint yet"),
                    Text::new(
                        format!("{}; hãy thử lại sau vài giây", e.vi()),
                        format!("{e}; try again in a few seconds"),
                    ),
                ),
                ActProofError::Storage(s) => Problem::from(s),
                ActProofError::Invalid(_) => Problem::internal(e),
            })
            .map(Json)
    })
    .await
}
