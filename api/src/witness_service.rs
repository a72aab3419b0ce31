//! A witness as a service: C2SP `tlog-witness`, `POST /add-checkpoint`. A log pushes each new
//! checkpoint with a consistency proof from the size this witness holds; the witness checks,
//! saves, cosigns and answers with its cosignature line. One request at a time, so that the
//! state a decision was made on is the state that is saved.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use ledger::format::cosignature::CosigningKey;
use ledger::witness::{AddCheckpoint, AddRefusal, StateDir};
use ledger::VerifierKey;
use parking_lot::Mutex;

pub struct WitnessService {
    pub name: String,
    /// Ed25519 or ML-DSA-44: the cosignatures are of its type.
    pub key: CosigningKey,
    /// The logs this witness watches.
    pub logs: Vec<VerifierKey>,
    state: Mutex<StateDir>,
}

impl WitnessService {
    pub fn new(
        name: String,
        key: impl Into<CosigningKey>,
        logs: Vec<VerifierKey>,
        state: StateDir,
    ) -> Self {
        WitnessService {
            name,
            key: key.into(),
            logs,
            state: Mutex::new(state),
        }
    }
}

/// Request bodies are a note and at most 63 hashes: far below this.
const MAX_BODY: usize = 64 << 10;

pub fn router(service: Arc<WitnessService>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(service)
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn add_checkpoint(State(service): State<Arc<WitnessService>>, body: String) -> Response {
    let request = match AddCheckpoint::parse(&body) {
        Ok(r) => r,
        Err(e) => return text(StatusCode::BAD_REQUEST, "text/plain", format!("{e}\n")),
    };
    let (origin, size) = ledger::SignedNote::parse(&request.note)
        .map(|n| (n.checkpoint.origin, n.checkpoint.size))
        .unwrap_or_default();
    let outcome = tokio::task::spawn_blocking(move || {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let state = service.state.lock();
        ledger::witness::add_checkpoint(
            &state,
            &request,
            &service.logs,
            &service.name,
            &service.key,
            now,
        )
    })
    .await;
    let plain = "text/plain; charset=utf-8";
    match outcome {
        Ok(Ok(line)) => {
            tracing::info!(origin = %origin, size, "checkpoint cosigned");
            text(StatusCode::OK, plain, line.line())
        }
        Ok(Err(refusal)) => {
            tracing::warn!(%refusal, "add-checkpoint refused");
            match refusal {
                AddRefusal::Conflict { held, .. } => text(
                    StatusCode::CONFLICT,
                    "text/x.tlog.size",
                    format!("{held}\n"),
                ),
                AddRefusal::Malformed(_) => {
                    text(StatusCode::BAD_REQUEST, plain, format!("{refusal}\n"))
                }
                AddRefusal::NotSigned(_) => {
                    text(StatusCode::FORBIDDEN, plain, format!("{refusal}\n"))
                }
                AddRefusal::UnknownLog(_) => {
                    text(StatusCode::NOT_FOUND, plain, format!("{refusal}\n"))
                }
                AddRefusal::Refused(_) => text(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    plain,
                    format!("{refusal}\n"),
                ),
                AddRefusal::State(_) => text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    plain,
                    format!("{refusal}\n"),
                ),
            }
        }
        Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, plain, format!("{e}\n")),
    }
}

/// Serves the witness on `addr` until `shutdown` completes; `bound` is told the address.
pub async fn serve(
    service: Arc<WitnessService>,
    addr: SocketAddr,
    bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    crate::serve_router(router(service), addr, bound, shutdown).await
}
