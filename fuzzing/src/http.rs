//! The HTTP target: requests to the API's router, in process, over the demo ledger in a
//! temporary directory. Whatever the request, the answer is never a server error, every
//! refusal is an RFC 9457 problem with its own status, a created event reads back as sent,
//! and the ledger still verifies afterwards (refusals change nothing).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use ed25519_dalek::SigningKey;
use http_body_util::BodyExt;
use ledger::scenarios::hai_duong_2020 as hd;
use ledger::verify::integrity::VerifyOptions;
use ledger::{compose, Hash, Options};
use serde_json::Value;
use tower::ServiceExt;

use crate::seeds::seeds;
use crate::Outcome;

/// Streams a signed case may name: the demo congress, a new one, the registry, an
/// organisation, a complaint, and one of no family.
const STREAMS: [&str; 6] = [
    hd::CONGRESS,
    "congress/hd.fuzz/2025-2030",
    "ledger",
    "org/hd.tp-haiduong",
    "complaint/hd.fuzz/1",
    "elsewhere/x",
];

/// An event signed by one of the demo's bodies (or an outsider) with chosen fields, so that
/// the request gets past the signature to the checks behind it: version, `prev`, authority,
/// schema.
#[derive(Debug, Clone)]
pub struct SignedCase {
    pub stream: u8,
    /// Added to the stream's next version (0: the right one).
    pub version_delta: i8,
    /// 0: the stream's head; 1: zero; otherwise a wrong hash.
    pub prev: u8,
    pub kind: u8,
    pub schema: u16,
    pub signer: u8,
    pub time: i64,
    pub payload: Vec<u8>,
}

pub struct Target {
    runtime: tokio::runtime::Runtime,
    state: Arc<api::AppState>,
    router: axum::Router,
    keys: Vec<SigningKey>,
    _dir: tempfile::TempDir,
}

/// What came back: status, content type, body.
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Target {
    /// The demo ledger (249 entries) in a new temporary directory, and its router.
    pub fn start() -> Target {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary directory: {e}"));
        let scenario = hd::build().unwrap_or_else(|e| panic!("demo scenario: {e}"));
        let ledger = scenario
            .create_ledger(&dir.path().join("ledger"), Options::default())
            .unwrap_or_else(|e| panic!("demo ledger: {e}"));
        // Served publicly: the oracles read every append back without a token.
        let state = api::AppState::configured(ledger, Vec::new(), true)
            .unwrap_or_else(|e| panic!("app state: {e}"));
        let router = api::router(state.clone());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        let k = hd::keys();
        let keys = vec![
            k.authority,
            k.superior,
            k.convener,
            k.presidium,
            k.credentials,
            k.counting,
            k.inspection,
            ledger::scenarios::demo_key("fuzzing/outsider"),
        ];
        Target {
            runtime,
            state,
            router,
            keys,
            _dir: dir,
        }
    }

    /// Sends one request; `None` when `uri` is not a URI at all (no server would route it).
    pub fn request(&self, method: Method, uri: &str, body: Vec<u8>) -> Option<Answer> {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/octet-stream")
            .body(Body::from(body))
            .ok()?;
        Some(self.send(request))
    }

    /// Sends a request built by the caller, and checks the answer.
    pub fn send(&self, request: Request<Body>) -> Answer {
        let uri = request.uri().to_string();
        let router = self.router.clone();
        let answer = self.runtime.block_on(async {
            let response = router.oneshot(request).await.unwrap_or_else(|e| match e {});
            let status = response.status();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let body = match response.into_body().collect().await {
                Ok(b) => b.to_bytes().to_vec(),
                Err(e) => panic!("{uri}: the response body failed: {e}"),
            };
            Answer {
                status,
                content_type,
                body,
            }
        });
        check_answer(&uri, &answer);
        answer
    }

    /// `POST /v1/events` with `bytes`.
    pub fn post_event(&self, bytes: &[u8]) -> Outcome {
        let Some(answer) = self.request(Method::POST, "/v1/events", bytes.to_vec()) else {
            return Outcome::Refused;
        };
        match answer.status {
            StatusCode::CREATED | StatusCode::OK => {
                self.check_stored(bytes, &answer);
                Outcome::Accepted
            }
            _ => Outcome::Refused,
        }
    }

    /// `GET` of any path under `/v1/` (and the query string in it).
    pub fn get(&self, path: &str) -> Outcome {
        let uri = format!("/v1/{}", path.trim_start_matches('/'));
        match self.request(Method::GET, &uri, Vec::new()) {
            Some(a) if a.status.is_success() => Outcome::Accepted,
            _ => Outcome::Refused,
        }
    }

    /// Signs `case` and posts it.
    pub fn signed(&self, case: &SignedCase) -> Outcome {
        let stream = STREAMS[case.stream as usize % STREAMS.len()];
        let head = match self.state.ledger.head(stream) {
            Ok(h) => h,
            Err(e) => panic!("reading the head of {stream}: {e}"),
        };
        let next = head.map_or(0, |h| h.next_version);
        let version = next.saturating_add_signed(case.version_delta as i64);
        let prev = match case.prev {
            0 => head.map_or(Hash::ZERO, |h| h.hash),
            1 => Hash::ZERO,
            n => Hash([n; 32]),
        };
        let kinds = ledger::catalogue::KINDS;
        let kind = kinds[case.kind as usize % kinds.len()].kind;
        let key = &self.keys[case.signer as usize % self.keys.len()];
        let body = ledger::EventBody {
            ledger: hd::ORIGIN.to_string(),
            stream: stream.to_string(),
            version,
            prev,
            kind: kind.to_string(),
            schema: case.schema.max(1),
            time: case.time,
            signer: key.verifying_key().to_bytes(),
            payload: case.payload.clone(),
        };
        // A body the format refuses cannot be signed; its bytes are still worth posting.
        match body.sign(key) {
            Ok(event) => self.post_event(event.bytes()),
            Err(_) => self.post_event(&case.payload),
        }
    }

    /// The payload of a seed event of the kind `case` names, to start a signed case from.
    pub fn seed_payload(kind: u8) -> Vec<u8> {
        let kinds = ledger::catalogue::KINDS;
        let kind = kinds[kind as usize % kinds.len()].kind;
        let s = seeds();
        s.payloads
            .iter()
            .find(|(k, _)| k == kind)
            .map_or_else(|| b"{}".to_vec(), |(_, p)| p.clone())
    }

    /// An appended event reads back by position as the bytes sent.
    fn check_stored(&self, bytes: &[u8], answer: &Answer) {
        let reply: Value = serde_json::from_slice(&answer.body)
            .unwrap_or_else(|e| panic!("an append's answer is not JSON: {e}"));
        assert_eq!(
            reply["event_hash"].as_str(),
            Some(Hash::of(bytes).to_hex().as_str()),
            "the acknowledged hash is of the bytes sent"
        );
        let Some(position) = reply["position"].as_u64() else {
            panic!("an append's answer has no position: {reply}");
        };
        let read = self
            .request(Method::GET, &format!("/v1/events/{position}"), Vec::new())
            .unwrap_or_else(|| panic!("no answer for entry {position}"));
        let entry: Value = serde_json::from_slice(&read.body)
            .unwrap_or_else(|e| panic!("entry {position} is not JSON: {e}"));
        assert_eq!(
            entry["signed_hex"].as_str(),
            Some(hex::encode(bytes).as_str()),
            "entry {position} holds the bytes acknowledged"
        );
    }

    /// The ledger verifies (integrity and authority) after everything the fuzzer sent.
    pub fn check_ledger(&self) -> u64 {
        let report = ledger::verify::integrity(&*self.state.ledger, &VerifyOptions::default())
            .unwrap_or_else(|e| panic!("verifying the fuzzed ledger: {e}"));
        assert!(
            report.ok(),
            "the fuzzed ledger no longer verifies: {:?}",
            report.failure
        );
        self.state.ledger.size()
    }

    pub fn compose_valid(&self) -> Vec<u8> {
        let k = hd::keys();
        let stream = STREAMS[1];
        match compose::next_event(
            &self.state.ledger,
            stream,
            "session.opened",
            1,
            1_591_509_600_000,
            &k.presidium,
            &serde_json::json!({"session": 1, "present": 297}),
        ) {
            Ok(e) => e.into_bytes(),
            Err(e) => panic!("composing a valid event: {e}"),
        }
    }
}

/// Every answer: no server error; a refusal is a problem document with its own status.
fn check_answer(uri: &str, a: &Answer) {
    assert!(
        !a.status.is_server_error(),
        "{uri}: {} {}",
        a.status,
        String::from_utf8_lossy(&a.body)
    );
    if a.status.is_client_error() {
        assert_eq!(
            a.content_type,
            "application/problem+json",
            "{uri}: {} {}",
            a.status,
            String::from_utf8_lossy(&a.body)
        );
        let problem: Value = serde_json::from_slice(&a.body)
            .unwrap_or_else(|e| panic!("{uri}: the problem is not JSON: {e}"));
        assert_eq!(
            problem["status"].as_u64(),
            Some(a.status.as_u16() as u64),
            "{uri}: {problem}"
        );
    }
}
