//! Checkpoints and proofs.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
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
