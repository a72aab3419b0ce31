//! Checkpoints and proofs.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use ledger::act_proof::ActProofError;
use serde::Deserialize;

use crate::{AppState, Problem};

/// `GET /v1/checkpoint`: the latest signed note, as text.
#[utoipa::path(get, path = "/v1/checkpoint", summary = "The latest signed checkpoint (C2SP signed note)", responses((status = 200, description = "text/plain"), (status = 404, description = "none signed yet")))]
pub async fn checkpoint(State(state): State<Arc<AppState>>) -> Result<impl IntoResponse, Problem> {
    let note = state
        .ledger
        .checkpoint()
        .ok_or_else(|| Problem::not_found("no checkpoint has been signed yet"))?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        note.encode(),
    ))
}

/// `GET /v1/checkpoints/{size}`: the checkpoint signed at exactly that size.
#[utoipa::path(get, path = "/v1/checkpoints/{size}", summary = "The checkpoint signed at exactly this size", responses((status = 200, description = "text/plain"), (status = 404, description = "none at this size")))]
pub async fn checkpoint_at(
    State(state): State<Arc<AppState>>,
    Path(size): Path<String>,
) -> Result<impl IntoResponse, Problem> {
    let size: u64 = size
        .parse()
        .map_err(|_| Problem::bad_request(format!("`{size}` is not a size (a whole number)")))?;
    let note = state
        .ledger
        .checkpoint_at(size)?
        .ok_or_else(|| Problem::not_found(format!("no checkpoint was signed at size {size}")))?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        note.encode(),
    ))
}

#[derive(Deserialize)]
pub struct InclusionQuery {
    position: u64,
    size: Option<u64>,
}

#[utoipa::path(get, path = "/v1/proofs/inclusion", summary = "Inclusion proof of `position` in the tree of `size` entries", responses((status = 200, description = "{\"proof\": [hex, …]}"), (status = 400, description = "out of range")))]
pub async fn inclusion(
    State(state): State<Arc<AppState>>,
    Query(q): Query<InclusionQuery>,
) -> Result<Json<serde_json::Value>, Problem> {
    let size = q.size.unwrap_or_else(|| state.ledger.size());
    let proof = state
        .ledger
        .inclusion_proof(q.position, size)?
        .map_err(|e| Problem::bad_request(e.to_string()))?;
    let root = state
        .ledger
        .root_at(size)?
        .map_err(|e| Problem::bad_request(e.to_string()))?;
    Ok(Json(
        serde_json::json!({"position": q.position, "size": size, "root": root, "proof": proof}),
    ))
}

#[derive(Deserialize)]
pub struct ConsistencyQuery {
    old: u64,
    new: Option<u64>,
}

#[utoipa::path(get, path = "/v1/proofs/consistency", summary = "Consistency proof from `old` to `new` entries", responses((status = 200, description = "{\"proof\": [hex, …]}"), (status = 400, description = "out of range")))]
pub async fn consistency(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Json<serde_json::Value>, Problem> {
    let new = q.new.unwrap_or_else(|| state.ledger.size());
    let proof = state
        .ledger
        .consistency_proof(q.old, new)?
        .map_err(|e| Problem::bad_request(e.to_string()))?;
    Ok(Json(
        serde_json::json!({"old": q.old, "new": new, "proof": proof}),
    ))
}

/// `GET /v1/proofs/act/{hash}`: the self-contained proof of one act, as `proof export` writes
/// it: the entry, its inclusion proof, the signed checkpoint and the authority registry.
#[utoipa::path(get, path = "/v1/proofs/act/{hash}", summary = "The self-contained proof of one act (verify it with `congress-ledger proof verify`)", responses((status = 200, description = "the proof (JSON)"), (status = 400, description = "not a hash"), (status = 404, description = "no such event"), (status = 503, description = "no checkpoint covers it yet")))]
pub async fn act(
    State(state): State<Arc<AppState>>,
    Path(hash): Path<String>,
) -> Result<Json<serde_json::Value>, Problem> {
    let h: ledger::Hash = hash.parse().map_err(|_| {
        Problem::bad_request(format!(
            "`{hash}` is not an event hash (64 lower-case hex digits)"
        ))
    })?;
    let proof = crate::events::blocking(move || {
        // A checkpoint of everything so far, so that the newest act can be proved too; a
        // mirror cannot sign and serves the checkpoint it holds.
        let _ = state.ledger.sign_checkpoint();
        ledger::act_proof::export(&state.ledger, &h).map_err(|e| match e {
            ActProofError::NotFound(_) => Problem::not_found(e.to_string()),
            ActProofError::NoCheckpoint(_) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "no checkpoint yet",
                format!("{e}; try again in a few seconds"),
            ),
            ActProofError::Storage(s) => Problem::from(s),
            ActProofError::Invalid(_) => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                e.to_string(),
            ),
        })
    })
    .await?;
    serde_json::to_value(&proof).map(Json).map_err(|e| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            e.to_string(),
        )
    })
}
