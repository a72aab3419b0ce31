//! Errors leak nothing (issue 16, item 7): with a ledger in a known temporary directory,
//! damaged segments, unreadable documents and tiles that cannot be made answer with problem
//! documents (or explorer pages) that name no file, while every answer carries a request id
//! that the problem document repeats and the server's log files the cause under.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::contract::Contract;
use common::{run, stderr, Server};
use serde_json::Value;

/// An answer: status, content type, request id, body.
struct Answer {
    status: u16,
    content_type: String,
    request_id: Option<String>,
    body: String,
}

fn send(request: ureq::Request) -> Answer {
    let response = match request.timeout(Duration::from_secs(20)).call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request failed: {e}"),
    };
    Answer {
        status: response.status(),
        content_type: response.content_type().to_string(),
        request_id: response.header("x-request-id").map(str::to_string),
        body: response.into_string().expect("a body"),
    }
}

fn get(base: &str, path: &str) -> Answer {
    send(ureq::get(&format!("{base}{path}")))
}

/// The ledger's directory as the server might show it, and what gives a file away.
fn telltales(dir: &Path) -> Vec<String> {
    let canonical = dir.canonicalize().expect("the temporary directory");
    vec![
        dir.display().to_string(),
        canonical.display().to_string(),
        "/tmp".into(),
        ".seg".into(),
        "segments/".into(),
        "blobs/".into(),
        "os error".into(),
    ]
}

/// Waits (a little) for `text` to appear in the server's log.
fn logged(log: &Path, text: &str) -> String {
    let start = Instant::now();
    loop {
        let content = std::fs::read_to_string(log).unwrap_or_default();
        if content.contains(text) || start.elapsed() > Duration::from_secs(10) {
            return content;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn failures_name_no_file_and_their_request_id_leads_to_the_cause_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger");
    let out = run(&["demo", "--ledger", ledger.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let log = dir.path().join("server.log");
    let mut server = Server::spawn(
        &ledger,
        &[],
        Stdio::from(std::fs::File::create(&log).unwrap()),
    );
    let base = server.listening().expect("the server listens");
    let contract = Contract::of(&base);

    // What the damage will hit, read while the ledger is whole.
    let entry: Value = serde_json::from_str(&get(&base, "/v1/events/140").body).unwrap();
    let hash = entry["event_hash"].as_str().unwrap().to_string();
    let stream = entry["stream"].as_str().unwrap().to_string();

    // A damaged segment: bytes of the frame of entry 140 overwritten in place.
    let segment = std::fs::read_dir(ledger.join("log"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "seg"))
        .expect("a segment");
    let bytes = std::fs::read(&segment).unwrap();
    let signed = hex::decode(entry["signed_hex"].as_str().unwrap()).unwrap();
    let at = bytes
        .windows(signed.len())
        .position(|w| w == signed.as_slice())
        .expect("entry 140 in the segment");
    let mut damaged = bytes.clone();
    for b in &mut damaged[at + 40..at + 104] {
        *b ^= 0xff;
    }
    std::fs::write(&segment, &damaged).unwrap();
    // A document the server cannot read: a directory where its file should be.
    let blob = "ab".repeat(32);
    std::fs::create_dir_all(ledger.join("blobs/sha256").join(&blob)).unwrap();

    let provoked = [
        "/v1/events/140".to_string(),
        format!("/v1/events/by-hash/{hash}"),
        format!("/v1/streams/{stream}?from=0&limit=1000"),
        format!("/v1/proofs/act/{hash}"),
        format!("/v1/blobs/{blob}"),
        "/tlog/tile/entries/000.p/249".to_string(),
        "/acts/at/140".to_string(),
        format!("/acts/{hash}"),
    ];
    let telltales = telltales(dir.path());
    for path in &provoked {
        let answer = get(&base, path);
        assert!(
            answer.status >= 500,
            "{path}: the damage was not met ({} {})",
            answer.status,
            answer.body
        );
        for telltale in &telltales {
            assert!(
                !answer.body.contains(telltale.as_str()),
                "{path} gives `{telltale}` away: {}",
                answer.body
            );
        }
        let id = answer
            .request_id
            .unwrap_or_else(|| panic!("{path}: no x-request-id"));
        if answer.content_type == "application/problem+json" {
            let problem: Value = serde_json::from_str(&answer.body).unwrap();
            assert_eq!(problem["request_id"], id.as_str(), "{path}");
            assert!(problem["detail_en"]
                .as_str()
                .unwrap()
                .contains("request_id"));
            if path.starts_with("/v1/") {
                contract
                    .check(
                        "get",
                        path,
                        answer.status,
                        &answer.content_type,
                        &answer.body,
                    )
                    .unwrap();
            }
        }
        // The server's log has the cause, filed under the id.
        let text = logged(&log, &format!("request_id={id}"));
        let line = text
            .lines()
            .find(|l| l.contains(&format!("request_id={id}")) && l.contains("cause="))
            .unwrap_or_else(|| panic!("{path}: no cause logged under {id}:\n{text}"));
        assert!(
            line.contains(".seg") || line.contains("blobs") || line.contains("entry"),
            "{path}: the log does not say what failed: {line}"
        );
    }
}

#[test]
fn every_answer_carries_a_request_id_and_a_client_s_is_kept_only_if_safe() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger");
    let out = run(&["demo", "--ledger", ledger.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let server = Server::start(&ledger);
    let base = &server.base;

    let mut ids = std::collections::BTreeSet::new();
    for path in [
        "/healthz",
        "/v1/events/0",
        "/v1/events/999999",
        "/no/such",
        "/",
    ] {
        let answer = get(base, path);
        let id = answer
            .request_id
            .unwrap_or_else(|| panic!("{path}: no x-request-id"));
        assert!(id.len() >= 16, "{path}: {id}");
        assert!(ids.insert(id.clone()), "{path}: {id} given twice");
        if answer.content_type == "application/problem+json" {
            let problem: Value = serde_json::from_str(&answer.body).unwrap();
            assert_eq!(problem["request_id"], id.as_str(), "{path}");
        }
    }

    // A client's own id, short and safe, is kept, also in the problem document.
    let answer =
        send(ureq::get(&format!("{base}/v1/events/999999")).set("x-request-id", "inspector-7.a_1"));
    assert_eq!(answer.status, 404);
    assert_eq!(answer.request_id.as_deref(), Some("inspector-7.a_1"));
    let problem: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(problem["request_id"], "inspector-7.a_1");

    // One too long, or with characters a log line or a header should not carry, is replaced.
    for unsafe_id in ["x".repeat(65), "a b".to_string(), "id\"}{".to_string()] {
        let answer = send(ureq::get(&format!("{base}/healthz")).set("x-request-id", &unsafe_id));
        let id = answer.request_id.expect("an id");
        assert_ne!(id, unsafe_id);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    }
}
