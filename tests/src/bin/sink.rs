//! The floor under the HTTP figure (issue 18): a server that answers `POST /v1/events` like
//! the ledger (201 and an acknowledgement of the same shape) after doing nothing, or only the
//! ledger's strict signature check (decoding the event, `crypto::verify_each` with its key
//! cache). Nothing is stored. `load --sink nothing|check` starts it and drives it with the
//! same clients and events as the ledger; run alone: `sink check` prints `listening on URL`.

use std::sync::Arc;

use anyhow::Context;
use axum::http::StatusCode;
use bytes::Bytes;
use ledger::Hash;
use serde_json::{json, Value};

/// What the sink shares between requests.
struct SinkState {
    check: bool,
    keys: ledger::crypto::KeyCache,
    next: std::sync::atomic::AtomicU64,
}

/// The sink's `POST /v1/events`: the strict check when asked, then an acknowledgement of the
/// ledger's shape (`api::wire::Appended`).
async fn sink_append(
    axum::extract::State(state): axum::extract::State<Arc<SinkState>>,
    body: Bytes,
) -> (StatusCode, axum::Json<Value>) {
    let mut stream = String::new();
    let mut version = 0;
    let mut event_hash = Hash::ZERO;
    if state.check {
        let event = match ledger::SignedEvent::decode_structure(body.to_vec()) {
            Ok(event) => event,
            Err(e) => {
                let problem = json!({"title": e.to_string()});
                return (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(problem));
            }
        };
        let message = ledger::format::event::signed_message(event.body_bytes());
        let item = ledger::crypto::Item {
            public: &event.body().signer,
            message: &message,
            signature: &event.signature(),
        };
        if !ledger::crypto::verify_each(&[item], &state.keys)[0] {
            let problem = json!({"title": "signature does not verify"});
            return (StatusCode::FORBIDDEN, axum::Json(problem));
        }
        stream = event.body().stream.clone();
        version = event.body().version;
        event_hash = event.hash();
    }
    let position = state
        .next
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let ack = json!({"position": position, "event_hash": event_hash.to_string(),
        "stream": stream, "version": version, "received": 0, "created": true});
    (StatusCode::CREATED, axum::Json(ack))
}

/// Runs the sink until killed.
fn serve_sink(check: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("listening on http://{}", listener.local_addr()?);
        std::io::Write::flush(&mut std::io::stdout())?;
        let state = Arc::new(SinkState {
            check,
            keys: ledger::crypto::KeyCache::default(),
            next: std::sync::atomic::AtomicU64::new(0),
        });
        let app = axum::Router::new()
            .route("/v1/events", axum::routing::post(sink_append))
            .with_state(state);
        axum::serve(listener, app).await?;
        Ok(())
    })
}

fn main() -> anyhow::Result<()> {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let check = match mode.as_str() {
        "nothing" => false,
        "check" => true,
        other => anyhow::bail!(
            "usage: sink nothing|check (got `{other}`) / cách dùng: sink nothing|check"
        ),
    };
    serve_sink(check).context("the sink / máy nhận")
}
