//! The HTTP API, driven against a real server on a loopback port.

mod common;

use std::io::BufRead;

use common::{http, run, stderr, Server};
use ledger::format::merkle;
use ledger::scenarios::hai_duong_2020 as hd;
use ledger::{compose, Hash, SignedNote};
use serde_json::{json, Value};

fn get(server: &Server, path: &str) -> (u16, String, String) {
    http(ureq::get(&server.url(path)), None)
}

fn post(server: &Server, body: &[u8]) -> (u16, String, Value) {
    let (status, ct, text) = http(ureq::post(&server.url("/v1/events")), Some(body));
    (
        status,
        ct,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn every_route_and_every_error_status() {
    let dir = tempfile::tempdir().unwrap();
    let ledger_dir = dir.path().join("demo");
    let out = run(&["demo", "--ledger", ledger_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let server = Server::start(&ledger_dir);

    let (status, _, health) = get(&server, "/healthz");
    assert_eq!(status, 200);
    assert_eq!(json_of(&health)["size"], 249);

    // The head of the congress stream, read through the API.
    let (status, _, text) = get(
        &server,
        &format!("/v1/streams/{}?from=230&limit=1000", hd::CONGRESS),
    );
    assert_eq!(status, 200);
    let events = json_of(&text)["events"].as_array().unwrap().clone();
    let last = events.last().unwrap();
    let version = last["version"].as_u64().unwrap() + 1;
    let prev: Hash = last["event_hash"].as_str().unwrap().parse().unwrap();
    let k = hd::keys();
    let resolution = json!({"motion": "m-nq", "subject": "resolution", "text": "Thông qua Nghị quyết Đại hội",
        "method": "show_of_hands", "present": 297, "for": 290, "against": 4, "abstain": 3,
        "adopted": true, "refs": []});
    let time = 1_591_509_600_000;
    let event = compose::event(
        hd::ORIGIN,
        hd::CONGRESS,
        version,
        prev,
        "motion.decided",
        1,
        time,
        &k.presidium,
        &resolution,
    )
    .unwrap();

    // 201, then 200 for the same bytes again.
    let (status, _, body) = post(&server, event.bytes());
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["position"], 249);
    assert_eq!(body["event_hash"], event.hash().to_hex());
    let (status, _, body) = post(&server, event.bytes());
    assert_eq!((status, body["position"].as_u64()), (200, Some(249)));

    // 409: the same version again, other content; the body says where the stream is.
    let stale = compose::event(hd::ORIGIN, hd::CONGRESS, version, prev, "motion.decided", 1, time, &k.presidium,
        &json!({"motion": "m-x", "subject": "other", "text": "x", "method": "show_of_hands", "present": 1,
                "for": 1, "against": 0, "abstain": 0, "adopted": true, "refs": []})).unwrap();
    let (status, ct, body) = post(&server, stale.bytes());
    assert_eq!((status, ct.as_str()), (409, "application/problem+json"));
    assert_eq!(body["current_version"].as_u64(), Some(version + 1));
    assert_eq!(body["head"], event.hash().to_hex());

    // 400 malformed, 403 unauthorized, 422 schema, 413 too large.
    let (status, ct, body) = post(&server, b"not an event");
    assert_eq!(
        (status, ct.as_str()),
        (400, "application/problem+json"),
        "{body}"
    );
    assert!(body["detail_en"].as_str().unwrap().contains("format"));
    // Vietnamese by default (no Accept-Language), both languages beside it.
    assert!(
        body["detail"].as_str().unwrap().contains("định dạng"),
        "{body}"
    );
    assert_eq!(body["detail"], body["detail_vi"]);
    let outsider = ledger::crypto::signing_key_from_seed(&[42; 32]);
    let forged = compose::event(
        hd::ORIGIN,
        hd::CONGRESS,
        version + 1,
        event.hash(),
        "motion.decided",
        1,
        time,
        &outsider,
        &resolution,
    )
    .unwrap();
    let (status, _, body) = post(&server, forged.bytes());
    assert_eq!(status, 403, "{body}");
    assert!(body["detail_en"].as_str().unwrap().contains("not enrolled"));
    assert!(
        body["detail_vi"]
            .as_str()
            .unwrap()
            .contains("khóa chưa được đăng ký"),
        "{body}"
    );
    let bad = compose::event(
        hd::ORIGIN,
        hd::CONGRESS,
        version + 1,
        event.hash(),
        "session.opened",
        1,
        time,
        &k.presidium,
        &json!({"session": 0, "present": 297}),
    )
    .unwrap();
    let (status, _, body) = post(&server, bad.bytes());
    assert_eq!(
        (status, body["path"].as_str()),
        (422, Some("/session")),
        "{body}"
    );
    let (status, _, _) = post(&server, &vec![1u8; (1 << 20) + 1]);
    assert_eq!(status, 413, "one byte over the limit");
    let (status, _, _) = post(&server, &vec![1u8; 2 << 20]);
    assert_eq!(status, 413, "twice the limit");
    let (status, _, _) = post(&server, b"");
    assert_eq!(status, 400);

    // Reading back.
    let (status, _, text) = get(&server, "/v1/events/249");
    assert_eq!(status, 200);
    let e = json_of(&text);
    assert_eq!(
        (e["kind"].as_str(), e["version"].as_u64()),
        (Some("motion.decided"), Some(version))
    );
    assert_eq!(e["payload"]["text"], "Thông qua Nghị quyết Đại hội");
    assert_eq!(
        e["signed_hex"].as_str().unwrap(),
        hex::encode(event.bytes())
    );
    let (status, _, text) = get(&server, &format!("/v1/events/by-hash/{}", event.hash()));
    assert_eq!(
        (status, json_of(&text)["position"].as_u64()),
        (200, Some(249))
    );
    assert_eq!(get(&server, "/v1/events/abc").0, 400);
    assert_eq!(get(&server, "/v1/events/99999").0, 404);
    assert_eq!(get(&server, "/v1/events/by-hash/zz").0, 400);
    assert_eq!(
        get(&server, &format!("/v1/events/by-hash/{}", Hash::ZERO)).0,
        404
    );

    // Checkpoints and proofs that verify against them.
    let (status, ct, note_text) = get(&server, "/v1/checkpoint");
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/plain"));
    let note = SignedNote::parse(&note_text).unwrap();
    let size = note.checkpoint.size;
    let (status, _, again) = get(&server, &format!("/v1/checkpoints/{size}"));
    assert_eq!((status, again.as_str()), (200, note_text.as_str()));
    assert_eq!(get(&server, "/v1/checkpoints/1").0, 404);
    assert_eq!(get(&server, "/v1/checkpoints/x").0, 400);
    let (status, _, text) = get(
        &server,
        &format!("/v1/proofs/inclusion?position=3&size={size}"),
    );
    assert_eq!(status, 200);
    let proof: Vec<Hash> = json_of(&text)["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().parse().unwrap())
        .collect();
    let (_, _, entry) = get(&server, "/v1/events/3");
    let entry_bytes = hex::decode(json_of(&entry)["signed_hex"].as_str().unwrap()).unwrap();
    let received = json_of(&entry)["received"].as_i64().unwrap();
    let stored = ledger::Entry {
        position: 3,
        received,
        event: ledger::SignedEvent::decode(entry_bytes).unwrap(),
    }
    .encode();
    merkle::verify_inclusion(
        &merkle::leaf_hash(&stored),
        3,
        size,
        &proof,
        &note.checkpoint.root,
    )
    .unwrap();
    let (status, _, text) = get(
        &server,
        &format!("/v1/proofs/consistency?old=10&new={size}"),
    );
    assert_eq!(status, 200);
    assert!(!json_of(&text)["proof"].as_array().unwrap().is_empty());
    assert_eq!(get(&server, "/v1/proofs/inclusion?position=99999").0, 400);
    // Parameters that do not parse are refused by the framework before any handler runs; the
    // answer is a problem document all the same (found by fuzzing: it was text/plain).
    for path in [
        "/v1/proofs/inclusion?position=abc&size=3",
        "/v1/streams/ledger?from=-1",
        "/v1/complaints?state=open&state=x&limit=z",
    ] {
        let (status, ct, text) = get(&server, path);
        assert_eq!(
            (status, ct.as_str()),
            (400, "application/problem+json"),
            "{path}"
        );
        assert_eq!(json_of(&text)["status"], 400, "{path}");
    }
    let (status, ct, _) = http(ureq::delete(&server.url("/v1/events")), None);
    assert_eq!((status, ct.as_str()), (405, "application/problem+json"));
    assert_eq!(
        get(&server, "/v1/proofs/consistency?old=9999&new=10").0,
        400
    );

    // Projections and findings.
    let (status, _, text) = get(&server, "/v1/congresses/hd.tp-haiduong/2020-2025");
    assert_eq!(status, 200);
    let c = json_of(&text);
    assert_eq!(c["composition"]["committee_size"], 41);
    assert_eq!(c["composition"]["women"]["count"], 8);
    assert_eq!(get(&server, "/v1/congresses/nowhere/2020-2025").0, 404);
    assert_eq!(get(&server, "/v1/complaints?state=open").0, 200);
    assert_eq!(get(&server, "/v1/complaints?state=bogus").0, 400);
    let (status, _, text) = get(&server, "/v1/progress/hd.tinh-haiduong?term=2020-2025");
    assert_eq!((status, json_of(&text)["held"].as_u64()), (200, Some(1)));
    assert_eq!(get(&server, "/v1/progress/nowhere").0, 404);
    assert_eq!(
        get(&server, "/v1/progress/hd.tinh-haiduong?as_of=19-5-2020").0,
        400
    );
    let (status, _, text) = get(&server, "/v1/report");
    assert_eq!(status, 200);
    assert_eq!(json_of(&text)["congresses"].as_array().unwrap().len(), 1);
    assert_eq!(get(&server, "/v1/blobs/xyz").0, 400);
    assert_eq!(
        get(&server, &format!("/v1/blobs/{}", "0".repeat(64))).0,
        404
    );
    let (status, ct, _) = get(&server, "/no/such/route");
    assert_eq!((status, ct.as_str()), (404, "application/problem+json"));

    // The OpenAPI description names every route.
    let (status, _, text) = get(&server, "/openapi.json");
    assert_eq!(status, 200);
    let spec = json_of(&text);
    for path in [
        "/v1/events",
        "/v1/events/{position}",
        "/v1/events/by-hash/{hash}",
        "/v1/streams/{stream}",
        "/v1/checkpoint",
        "/v1/checkpoints/{size}",
        "/v1/checkpoints/{size}/timestamps",
        "/v1/log-keys",
        "/v1/proofs/inclusion",
        "/v1/proofs/consistency",
        "/v1/congresses/{org}/{term}",
        "/v1/complaints",
        "/v1/progress/{org}",
        "/v1/report",
        "/v1/subscribe",
        "/v1/blobs/{sha256}",
        "/healthz",
        "/metrics",
    ] {
        assert!(
            spec["paths"][path].is_object(),
            "{path} missing from /openapi.json"
        );
    }

    // The log keys: never rotated, the genesis key alone, in force from size 1.
    let (status, _, text) = get(&server, "/v1/log-keys");
    assert_eq!(status, 200, "{text}");
    let keys = json_of(&text);
    assert_eq!(keys["keys"].as_array().map(Vec::len), Some(1));
    assert_eq!(keys["keys"][0]["from"], 1);
    assert_eq!(keys["current"], keys["keys"][0]["key"]);

    // Metrics count what happened.
    let (status, _, metrics) = get(&server, "/metrics");
    assert_eq!(status, 200);
    assert!(metrics.contains("congress_ledger_entries 250"), "{metrics}");
    assert!(
        metrics.contains("congress_ledger_appends_total{outcome=\"created\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("congress_ledger_appends_total{outcome=\"retry\"} 1"),
        "{metrics}"
    );

    // The subscription replays from a position and follows new appends.
    let response = ureq::get(&server.url("/v1/subscribe?from=248"))
        .timeout(std::time::Duration::from_secs(20))
        .call()
        .unwrap();
    assert_eq!(response.content_type(), "text/event-stream");
    let mut lines = std::io::BufReader::new(response.into_reader()).lines();
    let mut ids = Vec::new();
    let next = compose::event(hd::ORIGIN, hd::CONGRESS, version + 1, event.hash(), "motion.decided", 1, time, &k.presidium,
        &json!({"motion": "m-2", "subject": "other", "text": "Bế mạc", "method": "show_of_hands", "present": 297,
                "for": 297, "against": 0, "abstain": 0, "adopted": true, "refs": []})).unwrap();
    let mut appended = false;
    while ids.len() < 3 {
        let line = lines.next().expect("stream goes on").unwrap();
        if let Some(id) = line.strip_prefix("id: ") {
            ids.push(id.parse::<u64>().unwrap());
            if !appended {
                assert_eq!(post(&server, next.bytes()).0, 201);
                appended = true;
            }
        }
    }
    assert_eq!(ids, vec![248, 249, 250]);
}

#[test]
fn a_mirror_serves_but_refuses_appends() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    assert!(run(&["demo", "--ledger", &p("demo")]).status.success());
    assert!(run(&["export", "--ledger", &p("demo"), "--out", &p("bag")])
        .status
        .success());
    let out = run(&["import", "--archive", &p("bag"), "--ledger", &p("mirror")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let server = Server::start(&dir.path().join("mirror"));
    let (status, _, text) = get(&server, "/healthz");
    assert_eq!(
        (status, json_of(&text)["mirror"].as_bool()),
        (200, Some(true))
    );
    let (status, _, body) = post(&server, b"whatever");
    assert_eq!(
        status, 400,
        "malformed bytes are malformed, mirror or not: {body}"
    );
    let k = hd::keys();
    let e = compose::event(
        hd::ORIGIN,
        "org/hd.khac",
        0,
        Hash::ZERO,
        "org.registered",
        1,
        1_591_509_600_000,
        &k.superior,
        &json!({"org": "hd.khac", "name": "Đảng bộ khác", "parent": null, "level": "district"}),
    )
    .unwrap();
    let (status, _, body) = post(&server, e.bytes());
    assert_eq!(status, 405, "{body}");
    assert!(body["detail_en"]
        .as_str()
        .unwrap()
        .contains("read-only mirror"));
    assert_eq!(get(&server, "/v1/events/248").0, 200);
}

#[test]
fn shutting_down_loses_no_acknowledged_append() {
    let dir = tempfile::tempdir().unwrap();
    let ledger_dir = dir.path().join("demo");
    assert!(run(&["demo", "--ledger", ledger_dir.to_str().unwrap()])
        .status
        .success());
    let server = Server::start(&ledger_dir);
    let k = hd::keys();
    // Eight appenders, each on its own stream, sending as fast as they can.
    let base = server.base.clone();
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let base = base.clone();
            let key = k.superior.clone();
            std::thread::spawn(move || {
                let stream = format!("org/hd.dv-{t}");
                let mut acked = Vec::new();
                let mut prev = Hash::ZERO;
                for v in 0..400u64 {
                    let e = compose::event(hd::ORIGIN, &stream, v, prev, "org.registered", 1, 1_591_509_600_000, &key,
                        &json!({"org": format!("hd.dv-{t}-{v}"), "name": "Chi bộ", "parent": "hd.tinh-haiduong", "level": "grassroots"}))
                        .unwrap();
                    let r = ureq::post(&format!("{base}/v1/events"))
                        .timeout(std::time::Duration::from_secs(10))
                        .set("content-type", "application/octet-stream")
                        .send_bytes(e.bytes());
                    match r {
                        Ok(resp) if resp.status() == 201 => {
                            let v: Value = resp.into_json().unwrap();
                            acked.push((v["position"].as_u64().unwrap(), e.bytes().to_vec()));
                            prev = e.hash();
                        }
                        _ => break,
                    }
                }
                acked
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let status = server.stop();
    assert!(
        status.success(),
        "the server stops cleanly on SIGTERM: {status}"
    );
    let acked: Vec<(u64, Vec<u8>)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert!(
        !acked.is_empty(),
        "some appends were acknowledged before the stop"
    );
    // Every acknowledged append is in the log, at its position, byte for byte.
    let ledger = ledger::Ledger::open(&ledger_dir, ledger::Options::default()).unwrap();
    for (position, bytes) in &acked {
        let entry = ledger
            .entry(*position)
            .unwrap()
            .expect("acknowledged entry present");
        assert_eq!(entry.event.bytes(), bytes.as_slice(), "entry {position}");
    }
    let report = ledger::verify::integrity(&ledger, &Default::default()).unwrap();
    assert!(report.ok(), "{report:?}");
}

/// Problem documents follow `Accept-Language`: Vietnamese by default, English when asked
/// for (issue 13 §2), with `Content-Language`; both languages are always beside it.
#[test]
fn problem_documents_follow_accept_language() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("demo");
    let out = run(&["demo", "--ledger", ledger.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let server = Server::start(&ledger);
    let ask = |lang: Option<&str>, path: &str| {
        let mut request = ureq::get(&server.url(path));
        if let Some(lang) = lang {
            request = request.set("accept-language", lang);
        }
        match request.call() {
            Err(ureq::Error::Status(status, response)) => {
                let language = response
                    .header("content-language")
                    .unwrap_or("")
                    .to_string();
                let body: Value = response.into_json().unwrap();
                (status, language, body)
            }
            other => panic!("{path}: expected a problem, got {other:?}"),
        }
    };
    for path in [
        "/v1/events/99999",
        "/v1/events/x",
        "/v1/nowhere",
        "/v1/events?x",
    ] {
        let (status, language, body) = ask(None, path);
        assert!(status >= 400, "{path}");
        assert_eq!(language, "vi", "{path}: {body}");
        assert_eq!(body["detail"], body["detail_vi"], "{path}");
        assert_ne!(body["detail_vi"], body["detail_en"], "{path}: {body}");
        let (_, language, en) = ask(Some("en-GB,en;q=0.9,vi;q=0.5"), path);
        assert_eq!(language, "en", "{path}: {en}");
        assert_eq!(en["detail"], en["detail_en"], "{path}");
        assert_eq!(en["status"], body["status"]);
        let (_, language, vi) = ask(Some("vi-VN"), path);
        assert_eq!((language.as_str(), &vi["detail"]), ("vi", &body["detail"]));
    }
    let (_, _, body) = ask(None, "/v1/events/99999");
    assert_eq!(body["detail"], "không có mục ở vị trí 99999");
    assert_eq!(body["title"], "không tìm thấy");
    let (_, _, body) = ask(Some("en"), "/v1/events/99999");
    assert_eq!(body["detail"], "no entry at position 99999");
    assert_eq!(body["title"], "not found");
}

/// A signature is checked before the schema (issue 16, item 9): an event changed after it was
/// signed is refused 403 for its signature, with a problem document, even when its payload
/// also fails its schema (which would be a 422).
#[test]
fn a_tampered_event_is_refused_for_its_signature_before_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    let ledger_dir = dir.path().join("demo");
    let out = run(&["demo", "--ledger", ledger_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let server = Server::start(&ledger_dir);
    let (_, _, text) = get(
        &server,
        &format!("/v1/streams/{}?from=230&limit=1000", hd::CONGRESS),
    );
    let events = json_of(&text)["events"].as_array().unwrap().clone();
    let last = events.last().unwrap();
    let version = last["version"].as_u64().unwrap() + 1;
    let prev: Hash = last["event_hash"].as_str().unwrap().parse().unwrap();
    let k = hd::keys();
    // Session 0 fails the schema (sessions count from 1).
    let signed = compose::event(
        hd::ORIGIN,
        hd::CONGRESS,
        version,
        prev,
        "session.opened",
        1,
        1_591_509_600_000,
        &k.presidium,
        &json!({"session": 0, "present": 297}),
    )
    .unwrap();
    let (status, _, body) = post(&server, signed.bytes());
    assert_eq!(status, 422, "as signed, only the schema fails: {body}");

    // The same event with one digit of its payload changed after signing.
    let mut tampered = signed.bytes().to_vec();
    let at = tampered
        .windows(3)
        .position(|w| w == b"297")
        .expect("the payload's bytes");
    tampered[at + 2] = b'8';
    assert!(
        ledger::SignedEvent::decode(tampered.clone()).is_ok(),
        "still decodes"
    );
    let (status, ct, body) = post(&server, &tampered);
    assert_eq!(
        (status, ct.as_str()),
        (403, "application/problem+json"),
        "{body}"
    );
    assert_eq!(body["status"], 403, "{body}");
    assert!(
        body["detail_en"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("signature"),
        "{body}"
    );
    assert!(
        body["detail_vi"].as_str().unwrap().contains("chữ ký"),
        "{body}"
    );
    assert_eq!(body["detail"], body["detail_vi"], "{body}");
    assert!(
        body["request_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{body}"
    );
    assert!(body.get("path").is_none(), "no schema problem: {body}");
    // Nothing was appended.
    let (_, _, health) = get(&server, "/healthz");
    assert_eq!(json_of(&health)["size"], 249);
}
