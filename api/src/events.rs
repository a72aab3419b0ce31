//! Appending and reading events, attached documents, and the catch-up subscription.

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::Json;
use futures_util::{Stream, StreamExt};
use ledger::format::encoding::MAX_EVENT_BYTES;
use ledger::{Entry, Hash};
use serde::Deserialize;

use crate::{AppState, Problem};

/// An event as the API shows it.
pub fn event_json(entry: &Entry) -> serde_json::Value {
    let body = entry.event.body();
    let payload: serde_json::Value =
        serde_json::from_slice(&body.payload).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "position": entry.position,
        "received": entry.received,
        "event_hash": entry.event.hash().to_hex(),
        "stream": body.stream,
        "version": body.version,
        "kind": body.kind,
        "schema": body.schema,
        "time": body.time,
        "signer": hex::encode(body.signer),
        "payload": payload,
        "signed_hex": hex::encode(entry.event.bytes()),
    })
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            e.to_string(),
        )
    })?
}

fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "event too large",
        format!(
            "a signed event is at most {MAX_EVENT_BYTES} bytes; attach large documents as blobs"
        ),
    )
}

/// Reads an event body of at most `MAX_EVENT_BYTES`. A body a little too large is read to its
/// end before the 413 goes out, so the client sees the answer rather than a reset connection;
/// one declared or found to be far too large is refused without reading further.
async fn read_event_body(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, Problem> {
    const DRAIN_LIMIT: usize = 4 * MAX_EVENT_BYTES;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(declared.map_or(0, |n| (n as usize).min(MAX_EVENT_BYTES)));
    let mut seen = 0usize;
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| {
            Problem::bad_request(format!("the request body could not be read: {e}"))
        })?;
        seen += chunk.len();
        if seen > DRAIN_LIMIT {
            return Err(too_large());
        }
        if seen <= MAX_EVENT_BYTES {
            bytes.extend_from_slice(&chunk);
        }
    }
    if seen > MAX_EVENT_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// `POST /v1/events`: the signed event's bytes. 201 when appended, 200 for a retry of an
/// event already stored.
#[utoipa::path(post, path = "/v1/events", summary = "Append a signed event (its bytes, application/octet-stream)", responses((status = 201, description = "appended"), (status = 200, description = "already stored (an idempotent retry)"), (status = 400, description = "malformed"), (status = 403, description = "signature or authority refused"), (status = 409, description = "stale version: the body gives the current version and head"), (status = 413, description = "too large"), (status = 422, description = "payload does not match its schema")))]
pub async fn append(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, Problem> {
    let bytes = read_event_body(&headers, body).await?;
    if bytes.is_empty() {
        return Err(Problem::bad_request(
            "the body is empty: send the signed event's bytes (application/octet-stream)",
        ));
    }
    // Decoding and the signature check run here, briefly; the wait for durability holds no
    // thread: the ledger calls back when the group is on disk.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let result = match state.ledger.submit_then(bytes, move |answer| {
        let _ = tx.send(answer);
    }) {
        Ok(()) => match rx.await {
            Ok(answer) => answer.map_err(Problem::from),
            Err(_) => Err(Problem::from(ledger::AppendError::Closed)),
        },
        Err(e) => Err(Problem::from(e)),
    };
    let m = &state.metrics;
    match result {
        Ok(a) => {
            let status = if a.created {
                m.appended.fetch_add(1, Ordering::Relaxed);
                StatusCode::CREATED
            } else {
                m.retried.fetch_add(1, Ordering::Relaxed);
                StatusCode::OK
            };
            Ok((
                status,
                Json(serde_json::json!({
                    "position": a.position, "event_hash": a.event_hash.to_hex(), "stream": a.stream,
                    "version": a.version, "received": a.received,
                })),
            ))
        }
        Err(p) => {
            m.refused.fetch_add(1, Ordering::Relaxed);
            Err(p)
        }
    }
}

#[utoipa::path(get, path = "/v1/events/{position}", summary = "An entry by position", responses((status = 200, description = "the event"), (status = 400, description = "not a position"), (status = 404, description = "no such entry")))]
pub async fn by_position(
    State(state): State<Arc<AppState>>,
    Path(position): Path<String>,
) -> Result<Json<serde_json::Value>, Problem> {
    let position: u64 = position.parse().map_err(|_| {
        Problem::bad_request(format!("`{position}` is not a position (a whole number)"))
    })?;
    let entry = blocking(move || state.ledger.entry(position).map_err(Problem::from)).await?;
    entry
        .map(|e| Json(event_json(&e)))
        .ok_or_else(|| Problem::not_found(format!("no entry at position {position}")))
}

#[utoipa::path(get, path = "/v1/events/by-hash/{hash}", summary = "An entry by event hash", responses((status = 200, description = "the event"), (status = 400, description = "not a hash"), (status = 404, description = "no such event")))]
pub async fn by_hash(
    State(state): State<Arc<AppState>>,
    Path(hash): Path<String>,
) -> Result<Json<serde_json::Value>, Problem> {
    let h: Hash = hash.parse().map_err(|_| {
        Problem::bad_request(format!(
            "`{hash}` is not an event hash (64 lower-case hex digits)"
        ))
    })?;
    let entry = blocking(move || state.ledger.entry_by_hash(&h).map_err(Problem::from)).await?;
    entry
        .map(|e| Json(event_json(&e)))
        .ok_or_else(|| Problem::not_found(format!("no event with hash {hash}")))
}

#[derive(Deserialize)]
pub struct Page {
    from: Option<u64>,
    limit: Option<usize>,
}

/// `GET /v1/streams/{stream}?from=&limit=`: a stream's events from a version (at most 1000).
pub async fn stream(
    State(state): State<Arc<AppState>>,
    Path(stream): Path<String>,
    Query(page): Query<Page>,
) -> Result<Json<serde_json::Value>, Problem> {
    let limit = page.limit.unwrap_or(100).min(1000);
    let from = page.from.unwrap_or(0);
    let name = stream.clone();
    let (entries, head) = blocking(move || {
        let entries = state.ledger.stream(&name, from, limit)?;
        let head = state.ledger.head(&name)?;
        Ok((entries, head))
    })
    .await?;
    Ok(Json(serde_json::json!({
        "stream": stream, "from": from,
        // Where a new event of this stream goes: its version and its `prev`.
        "next_version": head.map_or(0, |h| h.next_version),
        "head": head.map_or(Hash::ZERO, |h| h.hash).to_hex(),
        "events": entries.iter().map(event_json).collect::<Vec<_>>(),
    })))
}

/// `GET /v1/blobs/{sha256}`: an attached document.
#[utoipa::path(get, path = "/v1/blobs/{sha256}", summary = "An attached document", responses((status = 200, description = "its bytes"), (status = 400, description = "not a SHA-256"), (status = 404, description = "no such document")))]
pub async fn blob(
    State(state): State<Arc<AppState>>,
    axum::Extension(reader): axum::Extension<crate::auth::Reader>,
    Path(sha256): Path<String>,
) -> Result<impl IntoResponse, Problem> {
    if sha256.len() != 64
        || !sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(Problem::bad_request(format!(
            "`{sha256}` is not a SHA-256 (64 lower-case hex digits)"
        )));
    }
    // A document held as a case's confidential attachment is the commission's only, even if
    // a copy was placed among the public blobs, and its read is recorded like any other.
    if let Ok(hash) = sha256.parse::<Hash>() {
        let state = state.clone();
        blocking(move || {
            let Some(case) = state.access.store.document_case(&hash) else {
                return Ok(());
            };
            let what = format!("document {}", hash.to_hex());
            crate::confidential::record(&state, &reader, &case, what, None).map(|_| ())
        })
        .await?;
    }
    let wanted = sha256.clone();
    let found = blocking(move || Ok(state.ledger.blobs().get(&wanted)?)).await?;
    match found {
        Some(bytes) => Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes)),
        None => Err(Problem::not_found(format!(
            "no document with SHA-256 {sha256}"
        ))),
    }
}

#[derive(Deserialize)]
pub struct From {
    from: Option<u64>,
}

/// `GET /v1/subscribe?from=N`: Server-Sent Events, one per entry from position N, then each new
/// entry as it is appended. The event's `id` is its position, to resume from.
#[utoipa::path(get, path = "/v1/subscribe", summary = "Server-Sent Events: every entry from `from`, then new ones", responses((status = 200, description = "text/event-stream, one `entry` event per entry, `id` its position")))]
pub async fn subscribe(
    State(state): State<Arc<AppState>>,
    Query(q): Query<From>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(256);
    let mut next = q.from.unwrap_or(0);
    let ledger = state.ledger.clone();
    tokio::task::spawn_blocking(move || loop {
        if next >= ledger.size() {
            // Returns once an entry at `next` exists, or after a second to notice a client
            // that went away.
            ledger.wait_for_growth(next, Duration::from_secs(1));
        }
        while next < ledger.size() {
            let Ok(Some(entry)) = ledger.entry(next) else {
                return;
            };
            let event = Event::default()
                .id(next.to_string())
                .event("entry")
                .data(event_json(&entry).to_string());
            if tx.blocking_send(event).is_err() {
                return;
            }
            next += 1;
        }
        if tx.is_closed() {
            return;
        }
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
    let stream = futures_util::StreamExt::map(stream, Ok);
    Sse::new(stream).keep_alive(KeepAlive::default())
}
