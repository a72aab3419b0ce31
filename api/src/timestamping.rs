//! Trusted timestamps on checkpoints (RFC 3161), off the append path: one thread per TSA
//! (`serve --tsa URL`) asks for a token on each new checkpoint and keeps it beside the
//! checkpoints; a TSA that is down is retried with a growing pause, logged, and shown in
//! `/healthz`. Appends never wait on a TSA. Also the RFC 3161 HTTP transport (§3.4) the
//! CLI uses, and `GET /v1/checkpoints/{size}/timestamps`.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::Json;
use base64::Engine;
use ledger::timestamp::{Stamper, MAX_RESPONSE_BYTES};
use parking_lot::Mutex;

use crate::{AppState, Problem};

/// How often a TSA thread looks for a new checkpoint.
const POLL: Duration = Duration::from_millis(500);
/// The first pause after a failure, doubled after each further one up to [`MAX_BACKOFF`].
const BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// A TSA reached over HTTP: `POST` of a DER TimeStampReq as `application/timestamp-query`,
/// answered by a DER TimeStampResp as `application/timestamp-reply` (RFC 3161 §3.4).
pub struct HttpTsa {
    url: String,
    agent: ureq::Agent,
}

impl HttpTsa {
    pub fn new(url: &str) -> HttpTsa {
        HttpTsa {
            url: url.to_string(),
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(20))
                .build(),
        }
    }
}

impl Stamper for HttpTsa {
    fn name(&self) -> String {
        self.url.clone()
    }

    fn query(&self, request: &[u8]) -> Result<Vec<u8>, String> {
        let resp = self
            .agent
            .post(&self.url)
            .set("Content-Type", "application/timestamp-query")
            .send_bytes(request)
            .map_err(|e| e.to_string())?;
        if resp.content_type() != "application/timestamp-reply" {
            return Err(format!(
                "the answer is `{}`, not application/timestamp-reply",
                resp.content_type()
            ));
        }
        let mut body = Vec::new();
        resp.into_reader()
            .take(MAX_RESPONSE_BYTES as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| e.to_string())?;
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(format!("the answer is over {MAX_RESPONSE_BYTES} bytes"));
        }
        Ok(body)
    }
}

/// How each TSA is doing, for `/healthz`.
#[derive(Default)]
pub struct Status {
    by_tsa: Mutex<BTreeMap<String, TsaState>>,
}

pub use crate::wire::TsaHealth as TsaState;

impl Status {
    pub fn snapshot(&self) -> BTreeMap<String, TsaState> {
        self.by_tsa.lock().clone()
    }

    fn set(&self, url: &str, f: impl FnOnce(&mut TsaState)) {
        f(self.by_tsa.lock().entry(url.to_string()).or_default());
    }
}

/// Starts one thread per TSA URL, for as long as the process runs.
pub fn start(state: Arc<AppState>, urls: Vec<String>) {
    for url in urls {
        let state = state.clone();
        state.timestamps.set(&url, |_| {});
        let spawned = std::thread::Builder::new()
            .name("tsa".into())
            .spawn(move || run(state, HttpTsa::new(&url)));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "could not start a TSA thread");
        }
    }
}

/// Timestamps the newest checkpoint this TSA has not yet timestamped; the ones signed while
/// it answered are covered by that later one (each checkpoint is consistent with the next).
fn run(state: Arc<AppState>, tsa: HttpTsa) {
    let url = tsa.name();
    let mut backoff = BACKOFF;
    loop {
        let wait = match state.ledger.checkpoint() {
            Some(note) => match state.ledger.timestamp(&note, &tsa) {
                Ok(added) => {
                    if added {
                        tracing::info!(tsa = %url, size = note.checkpoint.size, "checkpoint timestamped");
                    }
                    state.timestamps.set(&url, |s| {
                        s.timestamped = Some(note.checkpoint.size);
                        s.failures = 0;
                        s.error = None;
                    });
                    backoff = BACKOFF;
                    POLL
                }
                Err(e) => {
                    tracing::warn!(tsa = %url, size = note.checkpoint.size, error = %e, retry_in = ?backoff, "checkpoint not timestamped");
                    state.timestamps.set(&url, |s| {
                        s.failures += 1;
                        s.error = Some(e.to_string());
                    });
                    let wait = backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    wait
                }
            },
            None => POLL,
        };
        std::thread::sleep(wait);
    }
}


/// `GET /v1/checkpoints/{size}/timestamps`: the RFC 3161 tokens held on that checkpoint.
#[utoipa::path(get, path = "/v1/checkpoints/{size}/timestamps", summary = "The RFC 3161 time-stamp tokens held on the checkpoint of this size: the exact bytes they cover and each TSA's DER TimeStampResp (base64)", params(("size" = u64, Path, description = "the log's size when the checkpoint was signed")), responses((status = 200, description = "the tokens", body = crate::wire::CheckpointTimestamps), (status = 400, description = "not a size"), (status = 404, description = "no checkpoint at this size")))]
pub async fn tokens(
    State(state): State<Arc<AppState>>,
    Path(size): Path<String>,
) -> Result<Json<crate::wire::CheckpointTimestamps>, Problem> {
    let note = crate::proofs::signed_at(&state, &size).await?;
    let size = note.checkpoint.size;
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(Json(crate::wire::CheckpointTimestamps {
        size,
        note: String::from_utf8_lossy(&state.ledger.timestamped_bytes(&note)).into_owned(),
        tokens: state
            .ledger
            .timestamps_at(size)
            .into_iter()
            .map(|t| crate::wire::TimestampToken {
                tsa: t.tsa,
                response: b64.encode(&t.response),
            })
            .collect(),
    }))
}
