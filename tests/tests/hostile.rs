//! Serving a hostile network (issue 16, items 1 and 2), against the real server on loopback:
//! thousands of subscribers hold no thread and leave appends and reads answering; a subscriber
//! that stops reading is dropped and resumes with `from=`; a half-sent request header is cut
//! off; connections and subscribers past their limits are refused with a problem document
//! like every other; descriptors exhausted by slow clients come back; `serve` raises its
//! open-file limit to the hard one.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{http, run, Server};
use ledger::compose;
use ledger::scenarios::hai_duong_2020 as hd;
use ledger::Hash;
use serde_json::{json, Value};

/// A demo ledger (249 entries) in `dir`.
fn demo(dir: &std::path::Path) -> std::path::PathBuf {
    let ledger = dir.join("demo");
    assert!(run(&["demo", "--ledger", ledger.to_str().unwrap()])
        .status
        .success());
    ledger
}

/// Appends `n` resolutions of `text_len` characters each to the demo congress through the
/// API; returns the last position.
fn append(server: &Server, n: usize, text_len: usize) -> u64 {
    let (_, _, head) = http(
        ureq::get(&server.url(&format!("/v1/streams/{}?from=0&limit=1000", hd::CONGRESS))),
        None,
    );
    let head: Value = serde_json::from_str(&head).unwrap();
    let last = head["events"].as_array().unwrap().last().unwrap().clone();
    let first = last["version"].as_u64().unwrap() + 1;
    let mut prev: Hash = last["event_hash"].as_str().unwrap().parse().unwrap();
    let k = hd::keys();
    let mut position = 0;
    for (i, version) in (first..).take(n).enumerate() {
        let text = format!("Nghị quyết {i}: {}", "đ".repeat(text_len));
        let e = compose::event(
            hd::ORIGIN,
            hd::CONGRESS,
            version,
            prev,
            "motion.decided",
            1,
            1_591_509_600_000,
            &k.presidium,
            &json!({"motion": format!("h-{i}"), "subject": "resolution", "text": text,
                "method": "show_of_hands", "present": 297, "for": 290, "against": 4,
                "abstain": 3, "adopted": true, "refs": []}),
        )
        .unwrap();
        let (status, _, body) = http(ureq::post(&server.url("/v1/events")), Some(e.bytes()));
        assert_eq!(status, 201, "{body}");
        position = serde_json::from_str::<Value>(&body).unwrap()["position"]
            .as_u64()
            .unwrap();
        prev = e.hash();
    }
    position
}

/// Opens a subscription from `from` without reading anything of it.
fn subscribe(server: &Server, from: u64) -> TcpStream {
    let mut s = TcpStream::connect(server.addr()).unwrap();
    write!(
        s,
        "GET /v1/subscribe?from={from} HTTP/1.1\r\nhost: test\r\naccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    s
}

/// Reads until the response header ends; returns it.
fn read_head(s: &mut TcpStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            other => panic!("response header cut short: {other:?} after {head:?}"),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Reads a subscription until the server closes it or `until` is seen (`until` is matched at
/// the end of a complete event, so the event it names is read whole).
fn read_events(s: &mut TcpStream, until: Option<&str>) -> String {
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut text = Vec::new();
    let mut buf = [0u8; 65536];
    let mut found: Option<usize> = None;
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => text.extend_from_slice(&buf[..n]),
            Err(e) => {
                let tail = String::from_utf8_lossy(&text[text.len().saturating_sub(300)..]);
                panic!("the subscription neither ended nor went on ({e}); it ends with {tail:?}")
            }
        }
        let Some(u) = until else { continue };
        // Only the newly read part (and a little before it) needs looking at.
        let from = found.unwrap_or(text.len().saturating_sub(buf.len() + u.len() + 2));
        let seen = String::from_utf8_lossy(&text[from..]);
        if let Some(at) = seen.find(u) {
            found.get_or_insert(from + at);
            if seen[at..].contains("\n\n") {
                break;
            }
        }
    }
    String::from_utf8_lossy(&text).into_owned()
}

/// The `id:` of each `entry` event in an SSE text (chunked framing is ignored: ids stand on
/// their own lines).
fn entry_ids(text: &str) -> Vec<u64> {
    text.lines()
        .filter_map(|l| l.strip_prefix("id: ").or_else(|| l.strip_prefix("id:")))
        .filter_map(|id| id.trim().parse().ok())
        .collect()
}

fn proc_status(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// The answer read from `s` until the server closes it: its status line and headers (names
/// in lower case) and its body as JSON.
fn read_answer(s: &mut TcpStream) -> (String, Vec<(String, String)>, Value) {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no whole header: {answer:?}"));
    let mut lines = head.lines();
    let status = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"));
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A 503 problem document like every other: `detail` in `lang`, both languages, the request
/// id of the `x-request-id` header (`id` when the client gave one), `Retry-After`.
fn assert_problem_503(
    status: &str,
    headers: &[(String, String)],
    body: &Value,
    lang: &str,
    id: Option<&str>,
) {
    assert!(status.starts_with("HTTP/1.1 503"), "{status}");
    assert_eq!(
        header(headers, "content-type"),
        Some("application/problem+json"),
        "{headers:?}"
    );
    let retry: u64 = header(headers, "retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After in seconds: {headers:?}"));
    assert!(retry >= 1, "{headers:?}");
    assert_eq!(
        header(headers, "content-language"),
        Some(lang),
        "{headers:?}"
    );
    assert_eq!(body["status"], 503, "{body}");
    for field in [
        "type",
        "title",
        "detail",
        "detail_vi",
        "detail_en",
        "request_id",
    ] {
        assert!(
            body[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {body}"
        );
    }
    let detail_vi = body["detail_vi"].as_str().unwrap();
    let detail_en = body["detail_en"].as_str().unwrap();
    assert_ne!(detail_vi, detail_en, "{body}");
    let in_lang = if lang == "en" { detail_en } else { detail_vi };
    assert_eq!(body["detail"].as_str(), Some(in_lang), "{body}");
    let request_id = body["request_id"].as_str().unwrap();
    assert_eq!(
        header(headers, "x-request-id"),
        Some(request_id),
        "{headers:?}"
    );
    if let Some(id) = id {
        assert_eq!(request_id, id, "{body}");
    }
}

#[test]
fn two_thousand_subscribers_hold_no_thread_and_appends_and_reads_still_answer() {
    // 2,000 subscriptions are 2,000 descriptors here too: not left to the soft limit this
    // process was started with.
    let (_, hard) = rlimit::Resource::NOFILE.get().unwrap();
    rlimit::Resource::NOFILE.set(hard, hard).unwrap();
    assert!(
        hard > 2100,
        "2,000 subscribers need more than {hard} descriptors"
    );
    let dir = tempfile::tempdir().unwrap();
    let ledger = demo(dir.path());
    let server = Server::start_with(&ledger, &["--max-subscribers", "2000"]);
    let mut subscribers: Vec<TcpStream> = (0..2000).map(|_| subscribe(&server, 249)).collect();
    for s in &mut subscribers {
        let head = read_head(s);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    }
    // One more is refused, saying when to come back.
    let mut extra = subscribe(&server, 249);
    let head = read_head(&mut extra);
    assert!(
        head.starts_with("HTTP/1.1 503") && head.to_ascii_lowercase().contains("retry-after"),
        "{head}"
    );
    let threads = proc_status(server.pid(), "Threads:");
    let rss_kib = proc_status(server.pid(), "VmRSS:");
    println!(
        "2,000 subscribers open: {threads} threads, RSS {} MiB",
        rss_kib / 1024
    );
    assert!(threads < 100, "a thread per subscriber: {threads} threads");

    // Appends, reads and proofs answer while they are open.
    let started = Instant::now();
    let last = append(&server, 20, 10);
    for path in [
        "/healthz".to_string(),
        "/v1/events/0".to_string(),
        format!("/v1/events/{last}"),
        "/v1/checkpoint".to_string(),
        format!("/v1/proofs/inclusion?position=0&size={}", last + 1),
        "/v1/congresses/hd.tp-haiduong/2020-2025".to_string(),
        "/v1/report".to_string(),
    ] {
        let (status, _, body) = http(ureq::get(&server.url(&path)), None);
        assert_eq!(status, 200, "{path}: {body}");
    }
    println!(
        "20 appends and 6 reads with 2,000 subscribers open: {:?}",
        started.elapsed()
    );
    // And the subscribers are served: a few of them read the new entries.
    for s in subscribers.iter_mut().step_by(400) {
        let text = read_events(s, Some(&format!("id: {last}")));
        assert_eq!(entry_ids(&text), (249..=last).collect::<Vec<_>>());
    }
    drop(subscribers);
}

#[test]
fn a_subscriber_that_stops_reading_is_dropped_and_resumes_from_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = demo(dir.path());
    let server = Server::start(&ledger);
    let mut lazy = subscribe(&server, 249);
    assert!(read_head(&mut lazy).starts_with("HTTP/1.1 200"));
    // Far more than the socket buffers and the feed hold, while it reads nothing.
    let last = append(&server, 3000, 3000);
    let rss_kib = proc_status(server.pid(), "VmRSS:");
    println!(
        "RSS with a subscriber that reads nothing: {} MiB",
        rss_kib / 1024
    );
    // The response ends with the `lagged` event (the connection itself may stay open).
    let text = read_events(&mut lazy, Some("resume_from"));
    let lagged = text
        .lines()
        .position(|l| l.starts_with("event: lagged"))
        .expect("a last `lagged` event");
    let data: Value = serde_json::from_str(
        text.lines()
            .skip(lagged)
            .find_map(|l| l.strip_prefix("data: "))
            .unwrap(),
    )
    .unwrap();
    let resume = data["resume_from"].as_u64().unwrap();
    let ids = entry_ids(&text);
    assert_eq!(
        ids,
        (249..resume).collect::<Vec<_>>(),
        "every entry up to the drop"
    );
    assert!(resume <= last, "dropped before the end: {resume} of {last}");
    // It resumes where it was and gets the rest.
    let mut again = subscribe(&server, resume);
    assert!(read_head(&mut again).starts_with("HTTP/1.1 200"));
    let text = read_events(&mut again, Some(&format!("id: {last}\n")));
    assert_eq!(entry_ids(&text), (resume..=last).collect::<Vec<_>>());
}

#[test]
fn a_half_sent_request_header_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = demo(dir.path());
    let server = Server::start_with(&ledger, &["--header-read-timeout", "1"]);
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nhost: test\r\n")
        .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let read = s.read_to_end(&mut rest);
    assert!(read.is_ok(), "the server held the connection: {read:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "closed after {:?}",
        started.elapsed()
    );
}

#[test]
fn connections_past_the_limit_are_refused_cleanly_and_served_again_once_freed() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = demo(dir.path());
    let server = Server::start_with(
        &ledger,
        &["--max-connections", "20", "--max-subscribers", "5"],
    );
    // Twenty connections that send nothing yet.
    let idle: Vec<TcpStream> = (0..20)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut one_more = TcpStream::connect(server.addr()).unwrap();
    one_more
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: test\r\n\r\n")
        .unwrap();
    one_more
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let (status, headers, body) = read_answer(&mut one_more);
    assert_problem_503(&status, &headers, &body, "vi", None);
    assert!(
        body["detail_en"]
            .as_str()
            .unwrap()
            .contains("as many connections"),
        "{body}"
    );
    // In the language the request asks for, with its request id.
    let mut english = TcpStream::connect(server.addr()).unwrap();
    english
        .write_all(
            b"GET /healthz HTTP/1.1\r\nhost: test\r\naccept-language: en\r\nx-request-id: over-the-limit-1\r\n\r\n",
        )
        .unwrap();
    let (status, headers, body) = read_answer(&mut english);
    assert_problem_503(&status, &headers, &body, "en", Some("over-the-limit-1"));
    // A connection that sends nothing is answered too, in Vietnamese, with an id of its own.
    let mut silent = TcpStream::connect(server.addr()).unwrap();
    let (status, headers, body) = read_answer(&mut silent);
    assert_problem_503(&status, &headers, &body, "vi", None);
    drop(idle);
    // Their places come back.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = ureq::get(&server.url("/healthz"))
            .timeout(Duration::from_secs(5))
            .call();
        match r {
            Ok(r) if r.status() == 200 => break,
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            other => panic!("not served again: {other:?}"),
        }
    }
}

#[test]
fn descriptors_exhausted_by_slow_clients_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = demo(dir.path());
    // 96 descriptors in all for the server (its files and sled's among them).
    let server = Server::start_under("ulimit -n 96", &ledger, &["--header-read-timeout", "1"]);
    // More slow clients than it has descriptors, each sending half a header and holding on.
    let slow: Vec<TcpStream> = (0..150)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr()).unwrap();
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nhost: test\r\n");
            s
        })
        .collect();
    // While they hold on, the server cuts them off and serves again.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = ureq::get(&server.url("/healthz"))
            .timeout(Duration::from_secs(3))
            .call();
        match r {
            Ok(r) if r.status() == 200 => break,
            _ if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            other => panic!("the server did not recover: {other:?}"),
        }
    }
    drop(slow);
    let (status, _, _) = http(ureq::get(&server.url("/v1/events/0")), None);
    assert_eq!(status, 200);
}

#[test]
fn a_subscriber_past_the_cap_gets_a_problem_document() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = demo(dir.path());
    let server = Server::start_with(&ledger, &["--max-subscribers", "2"]);
    let mut open: Vec<TcpStream> = (0..2).map(|_| subscribe(&server, 249)).collect();
    for s in &mut open {
        assert!(read_head(s).starts_with("HTTP/1.1 200"));
    }
    for (lang, id) in [("en", Some("third-subscriber")), ("vi", None)] {
        let mut s = TcpStream::connect(server.addr()).unwrap();
        let id_header = id.map_or(String::new(), |id| format!("x-request-id: {id}\r\n"));
        write!(
            s,
            "GET /v1/subscribe?from=249 HTTP/1.1\r\nhost: test\r\naccept: text/event-stream\r\naccept-language: {lang}\r\n{id_header}connection: close\r\n\r\n"
        )
        .unwrap();
        let (status, headers, body) = read_answer(&mut s);
        assert_problem_503(&status, &headers, &body, lang, id);
    }
}

/// `serve` raises its soft open-file limit to the hard one at start (issue 16, item 1): read
/// from `/proc/<pid>/limits` of a server started with a low soft limit.
#[test]
fn serve_raises_its_open_file_limit_to_the_hard_limit() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = demo(dir.path());
    let server = Server::start_under("ulimit -Sn 128", &ledger, &[]);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.pid())).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap_or_else(|| panic!("{limits}"));
    let values: Vec<&str> = line
        .trim_start_matches("Max open files")
        .split_whitespace()
        .collect();
    let (soft, hard) = (values[0], values[1]);
    assert_eq!(soft, hard, "{line}");
    assert_ne!(soft, "128", "{line}");
}
