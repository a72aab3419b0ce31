//! The inspector's web explorer in a real browser (issue 14): headless Chromium from Debian's
//! packages (`.ci/install-chromium`), driven with `--dump-dom` against `congress-ledger serve`
//! on loopback, sometimes through a proxy that changes one byte or rolls the log back.
//! With `UPDATE_SCREENSHOTS=1` the pages are also photographed into `docs/`.

mod cdp;
mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use base64::Engine;
use common::contract::Contract;
use common::{run, stderr, Server};
use serde_json::Value;
use sha2::Digest;

const CONGRESS: &str = "/congresses/hd.tp-haiduong/2020-2025";

/// Chromium, which `.ci/run` installs (`.ci/install-chromium`); its absence fails the test.
fn chromium() -> &'static str {
    for candidate in ["chromium", "chromium-browser"] {
        if Command::new(candidate)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return candidate;
        }
    }
    panic!("Chromium is not installed: run .ci/install-chromium (apt-get install chromium)")
}

fn browser_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--virtual-time-budget=20000",
        // A Vietnamese reader: the pages' default language, whatever the machine's locale.
        "--accept-lang=vi",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// The page's DOM once its scripts have run, in a browser profile kept in `profile` (so that
/// what one visit stored, the next one finds).
fn dom(profile: &Path, url: &str) -> String {
    dom_with(profile, url, &[])
}

fn dom_with(profile: &Path, url: &str, extra: &[&str]) -> String {
    let out = Command::new(chromium())
        .args(browser_args(profile))
        .args(extra)
        .args(["--dump-dom", url])
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// With `UPDATE_SCREENSHOTS=1`, a PNG of `url` in `docs/`.
fn screenshot(url: &str, name: &str) {
    if std::env::var("UPDATE_SCREENSHOTS").as_deref() != Ok("1") {
        return;
    }
    let profile = tempfile::tempdir().unwrap();
    let docs = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("docs")
        .join(name);
    let out = Command::new(chromium())
        .args(browser_args(profile.path()))
        .args(["--window-size=1100,1400", "--hide-scrollbars"])
        .arg(format!("--screenshot={}", docs.display()))
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn verdict(dom: &str) -> Option<&str> {
    let mark = "<p class=\"verdict\" data-verdict=\"";
    let at = dom.find(mark)? + mark.len();
    dom[at..].split('"').next()
}

/// The first step that did not pass, by its id.
fn first_failed_step(dom: &str) -> Option<String> {
    let mark = "<li data-step=\"invalid\" data-step-id=\"";
    let at = dom.find(mark)? + mark.len();
    dom[at..].split('"').next().map(str::to_string)
}

fn get_json(base: &str, path: &str) -> Value {
    ureq::get(&format!("{base}{path}"))
        .call()
        .unwrap()
        .into_json()
        .unwrap()
}

/// A demo ledger (with its bodies' keys); `Server::start` serves it publicly (`--public`).
struct Demo {
    dir: tempfile::TempDir,
}

impl Demo {
    fn new() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let out = run(&[
            "demo",
            "--ledger",
            dir.path().join("demo").to_str().unwrap(),
            "--keys-out",
            dir.path().join("keys").to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        Demo { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn serve(&self, ledger: &str) -> Server {
        Server::start(&self.path(ledger))
    }

    /// A copy of the demo ledger one registry entry longer: the same history, grown.
    fn grown(&self) -> PathBuf {
        let to = self.path("grown");
        let status = Command::new("cp")
            .args([
                "-r",
                self.path("demo").to_str().unwrap(),
                to.to_str().unwrap(),
            ])
            .status()
            .unwrap();
        assert!(status.success());
        let key = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
        std::fs::write(
            self.path("enrolled.json"),
            serde_json::json!({
                "key": hex::encode(key.verifying_key().to_bytes()), "holder": "Văn phòng Tỉnh ủy",
                "roles": ["secretariat"], "scope": "congress/hd.tp-haiduong/", "valid_from": 0, "valid_until": null,
            })
            .to_string(),
        )
        .unwrap();
        let out = run(&[
            "append",
            "--ledger",
            to.to_str().unwrap(),
            "--key",
            self.path("keys/authority.key").to_str().unwrap(),
            "--stream",
            "ledger",
            "--kind",
            "key.enrolled",
            "--payload",
            self.path("enrolled.json").to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        to
    }
}

/// The log key as the genesis event names it (the test made this ledger, so it trusts it).
fn log_key(base: &str) -> String {
    get_json(base, "/v1/events/0")["payload"]["log_key"]
        .as_str()
        .unwrap()
        .to_string()
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The hash of the secretary's election result (an act with a registry behind it).
fn an_act(base: &str) -> String {
    let congress = get_json(base, &format!("/v1{CONGRESS}"));
    congress["findings"][0]["events"][0]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| {
            get_json(base, "/v1/events/100")["event_hash"]
                .as_str()
                .unwrap()
                .to_string()
        })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tamper {
    None,
    /// One byte of the act's entry (the last byte of its signature).
    Act,
    /// One byte of the first hash of the act's inclusion proof.
    Proof,
    /// One byte of the log's signature on the checkpoint.
    Checkpoint,
    /// One byte of the act's signature, with the act's hash made to match (in the proof and
    /// in the page that names it): only the signature step can tell.
    Signature,
    /// The key registry cut down to the genesis event: the signer's enrollment is hidden.
    Registry,
}

/// A loopback HTTP proxy in front of a server, which can change one byte of every act proof
/// it passes and be pointed at another server (same port: the browser's storage goes on).
/// It keeps every `/v1` answer the page fetched, as the server sent it.
struct Proxy {
    base: String,
    backend: Arc<Mutex<String>>,
    tamper: Arc<Mutex<Tamper>>,
    seen: Seen,
}

/// The hashes a `Tamper::Signature` page was given, each with the act's real hash.
type Renamed = Arc<Mutex<std::collections::HashMap<String, String>>>;

/// `/v1` answers as the server sent them: path, status, content type, body.
type Seen = Arc<Mutex<Vec<(String, u16, String, String)>>>;

/// The explorer's contract (issue 14): every `/v1` answer the in-browser verifier read
/// conforms to the schema `/openapi.json` gives for it. Returns how many were checked.
fn check_contract(proxy: &Proxy, server: &str) -> usize {
    let contract = Contract::of(server);
    let seen = proxy.seen.lock().unwrap().clone();
    for (path, status, kind, body) in &seen {
        if let Err(e) = contract.check("get", path, *status, kind, body) {
            panic!("the explorer read an answer that breaks the API's contract: {e}");
        }
    }
    seen.len()
}

impl Proxy {
    fn start(backend: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let backend = Arc::new(Mutex::new(backend.to_string()));
        let tamper = Arc::new(Mutex::new(Tamper::None));
        let seen = Seen::default();
        let renamed = Renamed::default();
        let (b, t, s) = (backend.clone(), tamper.clone(), seen.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (b, t, s, r) = (b.clone(), t.clone(), s.clone(), renamed.clone());
                std::thread::spawn(move || {
                    forward(conn, &b.lock().unwrap().clone(), *t.lock().unwrap(), &s, &r)
                });
            }
        });
        Proxy {
            base,
            backend,
            tamper,
            seen,
        }
    }

    fn set(&self, backend: &str, tamper: Tamper) {
        *self.backend.lock().unwrap() = backend.to_string();
        *self.tamper.lock().unwrap() = tamper;
    }
}

/// Changes one byte of the act's signature in an act proof and gives the act the hash it has
/// then (`event_hash`): the new hash.
fn change_signature(proof: &mut Value) -> String {
    flip_last_hex(&mut proof["act"]["entry"]);
    let entry = hex::decode(proof["act"]["entry"].as_str().unwrap()).unwrap();
    // position (8 bytes), received (8), the signed event's length (8), the signed event.
    let hash = hex::encode(sha2::Sha256::digest(&entry[24..]));
    proof["event_hash"] = Value::String(hash.clone());
    hash
}

fn fetch(url: &str) -> (u16, String, String) {
    match ureq::get(url).call() {
        Ok(r) => (
            r.status(),
            r.content_type().to_string(),
            r.into_string().unwrap_or_default(),
        ),
        Err(ureq::Error::Status(code, r)) => (
            code,
            r.content_type().to_string(),
            r.into_string().unwrap_or_default(),
        ),
        Err(e) => (502, "text/plain".into(), e.to_string()),
    }
}

fn forward(mut conn: TcpStream, backend: &str, tamper: Tamper, seen: &Seen, renamed: &Renamed) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match conn.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let asked = head.split(' ').nth(1).unwrap_or("/").to_string();
    // A proof asked for by the hash a `Tamper::Signature` page was given: the server knows the
    // act by its real hash.
    let path = asked
        .strip_prefix("/v1/proofs/act/")
        .and_then(|h| renamed.lock().unwrap().get(h).cloned())
        .map_or(asked.clone(), |real| format!("/v1/proofs/act/{real}"));
    let (status, kind, mut body) = fetch(&format!("{backend}{path}"));
    if tamper == Tamper::Signature && status == 200 {
        if let Some(real) = path.strip_prefix("/acts/") {
            let real = real.split('?').next().unwrap();
            let (_, _, proof) = fetch(&format!("{backend}/v1/proofs/act/{real}"));
            let new = change_signature(&mut serde_json::from_str(&proof).unwrap());
            renamed
                .lock()
                .unwrap()
                .insert(new.clone(), real.to_string());
            body = body.replace(
                &format!("data-hash=\"{real}\""),
                &format!("data-hash=\"{new}\""),
            );
        }
    }
    if path.starts_with("/v1/") {
        let answer = (path.clone(), status, kind.clone(), body.clone());
        seen.lock().unwrap().push(answer);
    }
    if path.starts_with("/v1/proofs/act/") && status == 200 && tamper != Tamper::None {
        let mut proof: Value = serde_json::from_str(&body).unwrap();
        match tamper {
            Tamper::Act => flip_last_hex(&mut proof["act"]["entry"]),
            Tamper::Proof => flip_first_hex(&mut proof["act"]["inclusion"][0]),
            Tamper::Checkpoint => {
                let note = proof["checkpoint"].as_str().unwrap().to_string();
                let (body_part, sigs) = note.split_once("\n\n").unwrap();
                let mut lines: Vec<String> = sigs.lines().map(str::to_string).collect();
                // A character of the signature itself (past the key id), another base64 digit.
                let line = &mut lines[0];
                let at = line.len() - 20;
                let c = line.as_bytes()[at];
                line.replace_range(at..at + 1, if c == b'A' { "B" } else { "A" });
                proof["checkpoint"] =
                    Value::String(format!("{body_part}\n\n{}\n", lines.join("\n")));
            }
            Tamper::Signature => {
                change_signature(&mut proof);
            }
            Tamper::Registry => {
                proof["registry"].as_array_mut().unwrap().truncate(1);
                proof["registry_next"] = Value::Null;
            }
            Tamper::None => {}
        }
        body = proof.to_string();
    }
    let reply = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = conn.write_all(reply.as_bytes());
    let _ = conn.write_all(body.as_bytes());
}

fn flip(text: &str, at: usize) -> String {
    let mut s = text.to_string();
    let c = s.as_bytes()[at];
    s.replace_range(at..at + 1, if c == b'0' { "1" } else { "0" });
    s
}
fn flip_last_hex(v: &mut Value) {
    let s = v.as_str().unwrap();
    *v = Value::String(flip(s, s.len() - 1));
}
fn flip_first_hex(v: &mut Value) {
    *v = Value::String(flip(v.as_str().unwrap(), 0));
}

#[test]
fn the_congress_page_shows_the_demo_figures_and_search_folds_diacritics() {
    let demo = Demo::new();
    let server = demo.serve("demo");
    let profile = tempfile::tempdir().unwrap();
    let page = dom(profile.path(), &format!("{}{CONGRESS}", server.base));
    for figure in [
        "Lê Đình Long",
        "98,7%",
        "32/32",
        "8/41",
        "37 + 2",
        "<dd class=\"committee\">41</dd>",
        // The body elected named in the page's language, not by its code.
        "Cuộc bầu bch (Ban Chấp hành), vòng 1",
    ] {
        assert!(
            page.contains(figure),
            "{figure} missing from the congress page:\n{page}"
        );
    }
    assert!(page.contains("<html lang=\"vi\""));
    let english = dom(
        profile.path(),
        &format!("{}{CONGRESS}?lang=en", server.base),
    );
    assert!(
        english.contains("<html lang=\"en\"")
            && english.contains("Secretary")
            && english.contains("98.7%")
            && english.contains("Election bch (Executive Committee), round 1")
            && !english.contains("Ban Chấp hành")
    );
    screenshot(
        &format!("{}{CONGRESS}", server.base),
        "explorer-congress.png",
    );

    let found = dom(
        profile.path(),
        &format!("{}/search?q=le%20dinh%20long", server.base),
    );
    assert!(
        found.contains("<td class=\"name\">Lê Đình Long</td>"),
        "{found}"
    );
    let none = dom(
        profile.path(),
        &format!("{}/search?q=le%20dinh%20lang", server.base),
    );
    assert!(!none.contains("<td class=\"name\">"), "{none}");

    let home = dom(profile.path(), &format!("{}/", server.base));
    assert!(
        home.contains("hd.tp-haiduong") && home.contains(&log_key(&server.base)),
        "{home}"
    );
    screenshot(&format!("{}/", server.base), "explorer-home.png");
}

#[test]
fn an_act_verifies_in_the_browser_and_one_changed_byte_fails_at_its_step() {
    let demo = Demo::new();
    let server = demo.serve("demo");
    let proxy = Proxy::start(&server.base);
    let hash = an_act(&server.base);
    let key = log_key(&server.base);
    let url = format!("{}/acts/{hash}?key={}", proxy.base, url_encode(&key));

    let profile = tempfile::tempdir().unwrap();
    let page = dom(profile.path(), &url);
    assert_eq!(verdict(&page), Some("valid"), "{page}");
    assert_eq!(page.matches("data-step=\"valid\"").count(), 6, "{page}");
    assert!(page.contains("data-key-source=\"link\""), "{page}");
    assert!(page.contains("WebCrypto"), "{page}");
    screenshot(&url, "explorer-act.png");

    for (tamper, step) in [
        (Tamper::Act, "hash"),
        (Tamper::Signature, "signature"),
        (Tamper::Registry, "authority"),
        (Tamper::Proof, "inclusion"),
        (Tamper::Checkpoint, "checkpoint"),
    ] {
        proxy.set(&server.base, tamper);
        let fresh = tempfile::tempdir().unwrap();
        let page = dom(fresh.path(), &url);
        assert_eq!(verdict(&page), Some("invalid"), "{tamper:?}: {page}");
        assert_eq!(
            first_failed_step(&page).as_deref(),
            Some(step),
            "{tamper:?}: {page}"
        );
        // The steps before the one that failed passed: each step fails on its own.
        let before = ["hash", "signature", "authority"]
            .into_iter()
            .take_while(|s| *s != step);
        for passed in before {
            assert!(
                page.contains(&format!("data-step=\"valid\" data-step-id=\"{passed}\"")),
                "{tamper:?}: step {passed} should pass: {page}"
            );
        }
    }
    // Hiding the enrollment leaves the act's own proof and the checkpoint intact.
    proxy.set(&server.base, Tamper::Registry);
    let page = dom(tempfile::tempdir().unwrap().path(), &url);
    for passed in ["inclusion", "checkpoint"] {
        assert!(
            page.contains(&format!("data-step=\"valid\" data-step-id=\"{passed}\"")),
            "{passed}: {page}"
        );
    }

    // Another pinned key: the checkpoint does not verify with it.
    proxy.set(&server.base, Tamper::None);
    let other = other_log_key(&key);
    let fresh = tempfile::tempdir().unwrap();
    let page = dom(
        fresh.path(),
        &format!("{}/acts/{hash}?key={}", proxy.base, url_encode(&other)),
    );
    assert_eq!(verdict(&page), Some("invalid"), "{page}");
    assert_eq!(
        first_failed_step(&page).as_deref(),
        Some("checkpoint"),
        "{page}"
    );

    // Unpinned: verified against the server's own key, and said so.
    let fresh = tempfile::tempdir().unwrap();
    let page = dom(fresh.path(), &format!("{}/acts/{hash}", proxy.base));
    assert!(page.contains("data-key-source=\"server\""), "{page}");
    assert!(page.contains("class=\"warning\""), "{page}");
    assert!(check_contract(&proxy, &server.base) > 0);
}

/// The contract check is not a formality: an act proof missing a member, or with a member
/// of another type, is refused, while the one served conforms.
#[test]
fn an_answer_that_breaks_the_contract_is_caught() {
    let demo = Demo::new();
    let server = demo.serve("demo");
    let contract = Contract::of(&server.base);
    let path = format!("/v1/proofs/act/{}", an_act(&server.base));
    let proof = get_json(&server.base, &path);
    let check = |v: &Value| contract.check("get", &path, 200, "application/json", &v.to_string());
    assert_eq!(check(&proof), Ok(()));
    let mut missing = proof.clone();
    missing.as_object_mut().unwrap().remove("checkpoint");
    assert!(check(&missing).unwrap_err().contains("checkpoint"));
    let mut retyped = proof.clone();
    retyped["act"]["position"] = Value::String("7".into());
    assert!(check(&retyped).is_err());
    let mut extra = proof.clone();
    extra["trust_me"] = Value::Bool(true);
    assert!(check(&extra).is_err());
    // A problem document without its request id breaks the contract too.
    let refusal = r#"{"type":"about:blank","title":"t","status":404,"detail":"d","detail_vi":"d","detail_en":"d"}"#;
    assert!(contract
        .check("get", &path, 404, "application/problem+json", refusal)
        .unwrap_err()
        .contains("request_id"));
}

/// A well-formed verifier key of the same name, for another Ed25519 key.
fn other_log_key(key: &str) -> String {
    let name = key.split('+').next().unwrap();
    let public = ed25519_dalek::SigningKey::from_bytes(&[77; 32])
        .verifying_key()
        .to_bytes();
    let mut h = sha2::Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0a, 0x01]);
    h.update(public);
    let id = hex::encode(&h.finalize()[..4]);
    let mut raw = vec![0x01];
    raw.extend_from_slice(&public);
    format!(
        "{name}+{id}+{}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

#[test]
fn a_server_that_rolls_back_below_what_the_browser_saw_is_caught() {
    let demo = Demo::new();
    let grown = demo.grown();
    let small = demo.serve("demo");
    let large = Server::start(&grown);
    let proxy = Proxy::start(&large.base);
    let hash = an_act(&small.base);
    let key = log_key(&small.base);
    let url = format!("{}/acts/{hash}?key={}", proxy.base, url_encode(&key));
    let profile = tempfile::tempdir().unwrap();

    let page = dom(profile.path(), &url);
    assert_eq!(verdict(&page), Some("valid"), "{page}");
    // The same browser, the same origin, now backed by the log as it was one entry earlier.
    proxy.set(&small.base, Tamper::None);
    let page = dom(profile.path(), &url);
    assert_eq!(verdict(&page), Some("invalid"), "{page}");
    assert_eq!(
        first_failed_step(&page).as_deref(),
        Some("consistency"),
        "{page}"
    );

    // A browser that saw only the smaller log, then the grown one: consistent, valid.
    let fresh = tempfile::tempdir().unwrap();
    assert_eq!(verdict(&dom(fresh.path(), &url)), Some("valid"));
    proxy.set(&large.base, Tamper::None);
    let page = dom(fresh.path(), &url);
    assert_eq!(verdict(&page), Some("valid"), "{page}");
    assert!(page.contains("data-step-id=\"consistency\""), "{page}");
    // The consistency proofs the page read conform too.
    assert!(proxy
        .seen
        .lock()
        .unwrap()
        .iter()
        .any(|(p, ..)| p.starts_with("/v1/proofs/consistency")));
    assert!(check_contract(&proxy, &large.base) > 0);
}

/// `verify.html` as the server hands it out, opened from a file with a script that pins the
/// key and pastes `proof`: what an inspector does offline.
fn offline_page(dir: &Path, html: &str, key: &str, proof: &str, name: &str) -> String {
    let script = format!(
        "<script type=\"module\">globalThis.CongressLedgerVerify.pin({{logKey: {key}, source: \"pasted\"}});\
setTimeout(() => {{ document.getElementById('proof-text').value = {proof}; document.getElementById('verify-button').click(); }}, 100);</script>",
        key = serde_json::to_string(key).unwrap(),
        proof = serde_json::to_string(proof).unwrap(),
    );
    let file = dir.join(name);
    std::fs::write(&file, html.replace("</body>", &format!("{script}</body>"))).unwrap();
    format!("file://{}", file.display())
}

#[test]
fn verify_html_checks_an_exported_proof_file_offline_and_refuses_it_changed() {
    let demo = Demo::new();
    let server = demo.serve("demo");
    let hash = an_act(&server.base);
    let key = log_key(&server.base);
    let html = ureq::get(&format!("{}/verify.html", server.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        !html.contains("src=\"") && !html.contains("href=\"http"),
        "verify.html must be self-contained"
    );
    keep_verify_html(&html);
    server.stop();
    let out = run(&[
        "proof",
        "export",
        "--ledger",
        demo.path("demo").to_str().unwrap(),
        "--event",
        &hash,
        "--out",
        demo.path("proof.json").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let proof = std::fs::read_to_string(demo.path("proof.json")).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let page = dom(
        profile.path(),
        &offline_page(demo.dir.path(), &html, &key, &proof, "good.html"),
    );
    assert_eq!(verdict(&page), Some("valid"), "{page}");

    let mut changed: Value = serde_json::from_str(&proof).unwrap();
    flip_first_hex(&mut changed["act"]["inclusion"][0]);
    let fresh = tempfile::tempdir().unwrap();
    let page = dom(
        fresh.path(),
        &offline_page(
            demo.dir.path(),
            &html,
            &key,
            &changed.to_string(),
            "changed.html",
        ),
    );
    assert_eq!(verdict(&page), Some("invalid"), "{page}");
    assert_eq!(
        first_failed_step(&page).as_deref(),
        Some("inclusion"),
        "{page}"
    );
}

/// An act recorded after the log key was rotated and the old key lost (issue 17 §4): the
/// browser follows the chain of log keys from the key pinned before the rotation, and refuses
/// the proof at the checkpoint step once its anchors are taken out.
#[test]
fn an_act_after_a_log_key_rotation_verifies_in_the_browser_with_the_old_pinned_key() {
    let demo = Demo::new();
    let ledger = demo.path("demo");
    let ledger = ledger.to_str().unwrap();
    let server = demo.serve("demo");
    let old = log_key(&server.base);
    server.stop();
    let out = run(&[
        "key",
        "rotate-log",
        "--ledger",
        ledger,
        "--authority-key",
        demo.path("keys/authority.key").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::remove_file(demo.path("demo/log.key")).unwrap();
    std::fs::write(
        demo.path("keys/batch.jsonl"),
        r#"{"key": "presidium.key", "stream": "congress/hd.tp-haiduong/2020-2025", "kind": "motion.decided", "time": "2020-06-07T10:00:00+07:00", "payload": {"motion": "b-r", "subject": "other", "text": "Biểu quyết sau khi thay khóa", "method": "show_of_hands", "present": 297, "for": 297, "against": 0, "abstain": 0, "adopted": true, "refs": []}}"#.to_string() + "\n",
    )
    .unwrap();
    let out = run(&[
        "append",
        "--ledger",
        ledger,
        "--batch",
        demo.path("keys/batch.jsonl").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let server = demo.serve("demo");
    let html = ureq::get(&format!("{}/verify.html", server.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let last = get_json(&server.base, "/v1/log-keys")["keys"][1]["from"]
        .as_u64()
        .unwrap();
    server.stop();
    let out = run(&[
        "proof",
        "export",
        "--ledger",
        ledger,
        "--position",
        &last.to_string(),
        "--out",
        demo.path("proof.json").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let proof = std::fs::read_to_string(demo.path("proof.json")).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let page = dom(
        profile.path(),
        &offline_page(demo.dir.path(), &html, &old, &proof, "rotated.html"),
    );
    assert_eq!(verdict(&page), Some("valid"), "{page}");
    assert!(page.contains("khóa đã thay; theo chuỗi từ"), "{page}");

    let mut unanchored: Value = serde_json::from_str(&proof).unwrap();
    unanchored["log_keys"]["anchors"] = Value::Array(Vec::new());
    let fresh = tempfile::tempdir().unwrap();
    let page = dom(
        fresh.path(),
        &offline_page(
            demo.dir.path(),
            &html,
            &old,
            &unanchored.to_string(),
            "unanchored.html",
        ),
    );
    assert_eq!(verdict(&page), Some("invalid"), "{page}");
    assert_eq!(
        first_failed_step(&page).as_deref(),
        Some("checkpoint"),
        "{page}"
    );
    assert!(
        page.contains("không theo được chuỗi khóa sổ cái từ khóa đã ghim"),
        "{page}"
    );
}

/// The spec's vectors, must-fail logs included, and the signature edge cases of the library's
/// `crypto.rs`, decided in the browser exactly as `verify_strict` decides them: with
/// WebCrypto, and again with the vendored @noble library forced (no `crypto.subtle`, as on a
/// non-secure origin).
#[test]
fn the_browser_verifier_decides_the_spec_vectors_and_signature_edge_cases_like_the_library() {
    let demo = Demo::new();
    let server = demo.serve("demo");
    let html = ureq::get(&format!("{}/verify.html", server.base))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ledger/tests/data/vectors");
    let load = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(vectors.join(name)).unwrap()).unwrap()
    };
    let events = load("events.json");
    let must_fail = load("must-fail.json");
    let mut good = Vec::new();
    for e in events["events"].as_array().unwrap() {
        let entry = hex::decode(e["entry_hex"].as_str().unwrap()).unwrap();
        good.extend_from_slice(&(entry.len() as u64).to_le_bytes());
        good.extend_from_slice(&entry);
    }
    let mut logs =
        vec![serde_json::json!({"name": "good", "hex": hex::encode(&good), "expect": null})];
    for c in must_fail["cases"].as_array().unwrap() {
        logs.push(serde_json::json!({"name": c["name"], "hex": c["entries_bin_hex"], "expect": c["first_bad_position"]}));
    }
    let signatures: Vec<Value> = edge_cases()
        .into_iter()
        .map(|(public, message, signature, strict)| {
            serde_json::json!({"public": hex::encode(public), "message": hex::encode(message), "signature": hex::encode(signature), "strict": strict})
        })
        .collect();
    let script = format!(
        "<script type=\"module\">\
const V = globalThis.CongressLedgerVerify; const h = (x) => Uint8Array.from(x.match(/../g) || [], (b) => parseInt(b, 16));\
const out = {{logs: [], signatures: []}};\
for (const l of {logs}) {{ const r = await V.verifyLog(h(l.hex), {origin}); out.logs.push({{name: l.name, got: r && r.position, expect: l.expect, why: r && r.why}}); }}\
for (const s of {sigs}) {{ out.signatures.push({{got: await V.ed25519Verify(h(s.public), h(s.message), h(s.signature)), strict: s.strict}}); }}\
out.crypto = await V.cryptoUsed(); out.secure = V.secure;\
const pre = document.createElement('pre'); pre.id = 'selftest'; pre.textContent = JSON.stringify(out); document.body.append(pre);\
</script>",
        logs = Value::Array(logs),
        origin = events["origin"],
        sigs = Value::Array(signatures.clone()),
    );
    let with_webcrypto = html.replace("</body>", &format!("{script}</body>"));
    // Before any other script: this page has no WebCrypto, so verify.js falls back on @noble.
    let vendored = with_webcrypto.replacen(
        "<head>",
        "<head><script>Object.defineProperty(Crypto.prototype, 'subtle', {get() { return undefined; }, configurable: true});</script>",
        1,
    );
    assert_ne!(vendored, with_webcrypto);
    for (name, page, crypto) in [
        ("selftest.html", with_webcrypto, "WebCrypto"),
        ("selftest-noble.html", vendored, "@noble/ed25519"),
    ] {
        let out = selftest(&demo.path(name), &page);
        assert!(
            out["crypto"].as_str().unwrap_or("").contains(crypto),
            "{name}: {}",
            out["crypto"]
        );
        assert_eq!(out["secure"], crypto == "WebCrypto", "{name}");
        let logs = out["logs"].as_array().unwrap();
        assert_eq!(logs.len(), 1 + must_fail["cases"].as_array().unwrap().len());
        for l in logs {
            assert_eq!(l["got"], l["expect"], "{name}: log {}: {l}", l["name"]);
        }
        let sigs = out["signatures"].as_array().unwrap();
        assert_eq!(sigs.len(), signatures.len());
        assert!(sigs.iter().filter(|s| s["strict"] == true).count() >= 2);
        for (i, s) in sigs.iter().enumerate() {
            assert_eq!(s["got"], s["strict"], "{name}: signature case {i}");
        }
    }
}

/// Opens the self-test page `html` from `file` and returns what it wrote in `#selftest`.
fn selftest(file: &Path, html: &str) -> Value {
    std::fs::write(file, html).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let page = dom(profile.path(), &format!("file://{}", file.display()));
    let start = page
        .find("<pre id=\"selftest\">")
        .expect("the self-test ran")
        + "<pre id=\"selftest\">".len();
    let json = page[start..]
        .split("</pre>")
        .next()
        .unwrap()
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap()
}

/// A key, a message, a signature, and whether `verify_strict` accepts it.
type EdgeCase = ([u8; 32], Vec<u8>, [u8; 64], bool);

/// Signatures `verify_strict` accepts and refuses: the good one, every small-order R, an
/// unreduced R, S + ℓ, edge values of S, and small-order keys with a matching equation.
fn edge_cases() -> Vec<EdgeCase> {
    use curve25519_dalek::constants::EIGHT_TORSION;
    use curve25519_dalek::scalar::Scalar;
    use ed25519_dalek::{Signer, VerifyingKey};
    let key = ed25519_dalek::SigningKey::from_bytes(&[8; 32]);
    let public = key.verifying_key().to_bytes();
    let msg = b"an act of the congress".to_vec();
    let good = key.sign(&msg).to_bytes();
    let mut sigs = vec![good];
    for p in EIGHT_TORSION {
        for flip in [0u8, 0x80] {
            let mut sig = good;
            sig[..32].copy_from_slice(&p.compress().0);
            sig[31] ^= flip;
            sigs.push(sig);
        }
    }
    let mut unreduced = good;
    unreduced[..32].copy_from_slice(&[0xff; 32]);
    unreduced[31] = 0x7f;
    sigs.push(unreduced);
    let s = Scalar::from_bytes_mod_order(good[32..].try_into().unwrap());
    let l_minus_1 = -Scalar::ONE;
    let mut s_plus_l = good;
    // S + ℓ = (S + ℓ − 1) + 1 as integers, written out by hand: add ℓ byte by byte.
    let ell: [u8; 32] = {
        let mut l = (l_minus_1).to_bytes();
        l[0] += 1;
        l
    };
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(good[32 + i]) + u16::from(ell[i]) + carry;
        s_plus_l[32 + i] = v as u8;
        carry = v >> 8;
    }
    sigs.push(s_plus_l);
    for edge in [Scalar::ZERO, Scalar::ONE, l_minus_1, -Scalar::from(2u8), s] {
        let mut sig = good;
        sig[32..].copy_from_slice(edge.as_bytes());
        sigs.push(sig);
    }
    let vk = VerifyingKey::from_bytes(&public).unwrap();
    let mut cases: Vec<_> = sigs
        .into_iter()
        .map(|sig| {
            let strict = vk
                .verify_strict(&msg, &ed25519_dalek::Signature::from_bytes(&sig))
                .is_ok();
            (public, msg.clone(), sig, strict)
        })
        .collect();
    // A small-order key with R = identity and S = 0: [0]B = R + [k]A holds for any A of
    // small order when k·A is the identity; verify_strict refuses the weak key regardless.
    for p in EIGHT_TORSION {
        let a = p.compress().0;
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&EIGHT_TORSION[0].compress().0);
        let strict = VerifyingKey::from_bytes(&a)
            .map(|k| {
                k.verify_strict(&msg, &ed25519_dalek::Signature::from_bytes(&sig))
                    .is_ok()
            })
            .unwrap_or(false);
        cases.push((a, msg.clone(), sig, strict));
    }
    cases
}

/// `docs/verify.html` is the verifier the server hands out, and the README prints its SHA-256
/// (`UPDATE_SCREENSHOTS=1` rewrites both, with the screenshots).
fn keep_verify_html(html: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let sha = hex::encode(sha2::Sha256::digest(html.as_bytes()));
    let readme_path = root.join("README.md");
    if std::env::var("UPDATE_SCREENSHOTS").as_deref() == Ok("1") {
        std::fs::write(root.join("docs/verify.html"), html).unwrap();
        let readme = std::fs::read_to_string(&readme_path).unwrap();
        let marker = "Check its SHA-256 before use:\n\n```\n";
        let at = readme
            .find(marker)
            .expect("the README's verify.html paragraph")
            + marker.len();
        let end = at + readme[at..].find('\n').unwrap();
        std::fs::write(
            &readme_path,
            format!("{}{sha}{}", &readme[..at], &readme[end..]),
        )
        .unwrap();
    }
    let kept = std::fs::read_to_string(root.join("docs/verify.html")).unwrap();
    assert!(kept == html, "docs/verify.html is not the verifier the server serves: run the test with UPDATE_SCREENSHOTS=1");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    assert!(
        readme.contains(&format!("\n{sha}\n")),
        "the README does not print verify.html's SHA-256 {sha}"
    );
}

#[test]
fn over_tls_and_on_a_non_secure_origin_the_act_still_verifies_and_says_how() {
    let demo = Demo::new();
    let plain = demo.serve("demo");
    let hash = an_act(&plain.base);
    let key = url_encode(&log_key(&plain.base));
    // Not a secure context (a name, plain HTTP): no WebCrypto; the vendored library decides.
    // Through a proxy that keeps the /v1 answers the page read, for the contract.
    let proxy = Proxy::start(&plain.base);
    let port = proxy.base.rsplit(':').next().unwrap().to_string();
    let profile = tempfile::tempdir().unwrap();
    let page = dom_with(
        profile.path(),
        &format!("http://so-cai.test:{port}/acts/{hash}?key={key}"),
        &["--host-resolver-rules=MAP so-cai.test 127.0.0.1"],
    );
    assert_eq!(verdict(&page), Some("valid"), "{page}");
    assert!(page.contains("@noble/ed25519"), "{page}");
    assert!(check_contract(&proxy, &plain.base) > 0);
    plain.stop();

    let cert = demo.path("cert.pem");
    let key_file = demo.path("key.pem");
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=so-cai.test",
        ])
        .arg("-keyout")
        .arg(&key_file)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tls = Server::start_with(
        &demo.path("demo"),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key_file.to_str().unwrap(),
        ],
    );
    assert!(tls.base.starts_with("https://"), "{}", tls.base);
    let port = tls.base.rsplit(':').next().unwrap().to_string();
    let profile = tempfile::tempdir().unwrap();
    let page = dom_with(
        profile.path(),
        &format!("https://so-cai.test:{port}/acts/{hash}?key={key}"),
        &[
            "--host-resolver-rules=MAP so-cai.test 127.0.0.1",
            "--ignore-certificate-errors",
        ],
    );
    assert_eq!(verdict(&page), Some("valid"), "{page}");
    assert!(page.contains("WebCrypto"), "{page}");
}

// ---- Signing in, search filters, files, witnesses, TLS limits (issues 12 §3 and 14) ----

const DENOUNCER: &str = "Phạm Văn Hùng";
const CASE: &str = "hd-2020-0077";

fn ok_out(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        common::stdout(&out),
        stderr(&out)
    );
    common::stdout(&out)
}

/// The demo ledger with a denunciation recorded through a secure server (its complainant's
/// name in the confidential store only), and reader tokens for each role.
struct Denunciation {
    demo: Demo,
    server: Server,
    act: String,
    commission_key: String,
    inspection: String,
    member: (String, String),
}

fn access_grant(ledger: &Path, holder: &str, role: &str) -> (String, String) {
    let v: Value = serde_json::from_str(&ok_out(run(&[
        "access",
        "grant",
        "--ledger",
        ledger.to_str().unwrap(),
        "--holder",
        holder,
        "--role",
        role,
        "--json",
    ])))
    .unwrap();
    (
        v["grant"]["id"].as_str().unwrap().to_string(),
        v["token"].as_str().unwrap().to_string(),
    )
}

impl Denunciation {
    fn new() -> Denunciation {
        let demo = Demo::new();
        let ledger = demo.path("demo");
        let commission = demo.path("ubkt.age");
        let recipient = ok_out(run(&[
            "confidential",
            "keygen",
            "--out",
            commission.to_str().unwrap(),
        ]));
        ok_out(run(&[
            "confidential",
            "init",
            "--ledger",
            ledger.to_str().unwrap(),
            "--recipient",
            recipient.trim(),
        ]));
        let payload = serde_json::json!({
            "case": CASE, "received": "2020-05-21", "channel": "post", "kind": "denunciation",
            "complainant": {"anonymous": false, "false_name": false, "no_address": false,
                "name": DENOUNCER, "contact": "số 12 phố Hồng Quang, Hải Dương", "signatories": 1},
            "concerns": {"congress": "congress/hd.tp-haiduong/2020-2025"},
            "summary": "Tố cáo người ứng cử kê khai tài sản không trung thực",
        });
        std::fs::write(demo.path("payload.json"), payload.to_string()).unwrap();
        let (_, registrar) = access_grant(&ledger, "Văn phòng Tỉnh ủy", "registrar");
        let (_, inspection) = access_grant(&ledger, "Ủy ban Kiểm tra Tỉnh ủy", "inspection");
        let member = access_grant(&ledger, "Đảng viên Nguyễn Văn A", "member");
        let server = Server::start_secure(&ledger);
        let act = ok_out(run(&[
            "confidential",
            "receive",
            "--server",
            &server.base,
            "--token",
            &registrar,
            "--key",
            demo.path("keys/inspection.key").to_str().unwrap(),
            "--payload",
            demo.path("payload.json").to_str().unwrap(),
            "--openings-out",
            demo.path("openings.json").to_str().unwrap(),
        ]))
        .trim()
        .to_string();
        let commission_key = std::fs::read_to_string(&commission).unwrap();
        Denunciation {
            demo,
            server,
            act,
            commission_key,
            inspection,
            member,
        }
    }
}

/// Fills the login form of the page the browser is on and submits it.
fn sign_in(browser: &mut cdp::Browser, token: &str, commission_key: &str) {
    browser.navigate_by(&format!(
        "document.getElementById('token').value = {}; document.getElementById('commission-key').value = {}; document.getElementById('login-button').click()",
        serde_json::to_string(token).unwrap(),
        serde_json::to_string(commission_key).unwrap(),
    ));
}

#[test]
fn signing_in_shows_a_denouncer_to_the_inspection_commission_only_and_revoking_ends_it() {
    let d = Denunciation::new();
    let act_path = format!("/acts/{}", d.act);
    let mut browser = cdp::Browser::start(chromium(), &[]);

    // Not signed in: sent to the login page, which comes back here afterwards.
    browser.goto(&d.server.url(&act_path));
    assert_eq!(browser.path(), "/login", "{}", browser.html());
    assert!(browser.html().contains("<html lang=\"vi\""));

    // A wrong token: a clear error in the page's language (Vietnamese here), still on the
    // login page.
    sign_in(&mut browser, "clr_not-a-token", "");
    let page = browser.html();
    assert_eq!(browser.path(), "/login");
    assert!(
        page.contains("Mã đọc không đúng hoặc đã bị thu hồi")
            && !page.contains("The reader token is unknown or revoked"),
        "{page}"
    );

    // The inspection commission, with its key: the denouncer's name, and the read recorded.
    sign_in(&mut browser, &d.inspection, &d.commission_key);
    assert_eq!(browser.path(), act_path, "{}", browser.html());
    let page = browser.html();
    assert!(page.contains("data-confidential=\"shown\""), "{page}");
    assert!(page.contains(DENOUNCER), "{page}");
    let cookie = browser
        .cookies()
        .into_iter()
        .find(|c| c["name"] == "clr_session")
        .expect("the session cookie");
    assert_eq!(cookie["httpOnly"], true, "{cookie}");
    assert_eq!(cookie["sameSite"], "Strict", "{cookie}");
    assert_eq!(cookie["path"], "/", "{cookie}");
    let log: Value = ureq::get(&d.server.url("/v1/access-log"))
        .set("authorization", &format!("Bearer {}", d.inspection))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    let reads: Vec<&Value> = log["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["case"] == CASE && r["why"] == "explorer")
        .collect();
    assert_eq!(reads.len(), 1, "{log}");
    assert_eq!(reads[0]["act"], Value::String(d.act.clone()), "{log}");
    // The in-browser verifier's fetches of /v1 carry the cookie: the act verifies.
    let verdict = browser.wait_until("document.querySelector('[data-verdict]')?.dataset.verdict");
    assert_eq!(verdict, "valid", "{}", browser.html());

    // Signed out (the login page shows who is signed in, and the button), then in as a
    // member: the act page, without the name.
    browser.goto(&d.server.url("/login"));
    assert!(browser.html().contains("data-role=\"inspection\""));
    browser.navigate_by("document.querySelector('form[action=\"/logout\"] button').click()");
    assert_eq!(browser.path(), "/login");
    browser.goto(&d.server.url(&act_path));
    assert_eq!(browser.path(), "/login", "signing out ended the session");
    sign_in(&mut browser, &d.member.1, "");
    assert_eq!(browser.path(), act_path, "{}", browser.html());
    let page = browser.html();
    assert!(
        !page.contains(DENOUNCER),
        "a member sees the denouncer: {page}"
    );
    assert!(page.contains("class=\"confidential\""), "{page}");
    browser.goto(&d.server.url(CONGRESS));
    assert_eq!(browser.path(), CONGRESS);

    // The operator revokes the member's token: the next page load is back at the login.
    ok_out(run(&[
        "access",
        "revoke",
        "--ledger",
        d.demo.path("demo").to_str().unwrap(),
        &d.member.0,
    ]));
    browser.goto(&d.server.url(CONGRESS));
    assert_eq!(browser.path(), "/login", "{}", browser.html());
}

/// `POST /login` as a browser of `origin` would send it; the answer's status, `Location` and
/// `Set-Cookie`.
fn post_login(base: &str, origin: Option<&str>, token: &str) -> (u16, String, String) {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let mut r = agent.post(&format!("{base}/login"));
    if let Some(o) = origin {
        r = r.set("origin", o);
    }
    let answer = r.send_form(&[("token", token), ("next", "/complaints"), ("lang", "en")]);
    let r = match answer {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    (
        r.status(),
        r.header("location").unwrap_or("").to_string(),
        r.header("set-cookie").unwrap_or("").to_string(),
    )
}

fn get_status(agent: &ureq::Agent, url: &str, cookie: Option<&str>) -> (u16, String, String) {
    let mut r = agent.get(url);
    if let Some(c) = cookie {
        r = r.set("cookie", c);
    }
    let r = match r.call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    (
        r.status(),
        r.header("location").unwrap_or("").to_string(),
        r.into_string().unwrap_or_default(),
    )
}

#[test]
fn login_refuses_other_origins_sets_a_strict_cookie_and_the_api_still_answers_401() {
    let demo = Demo::new();
    let ledger = demo.path("demo");
    let (_, token) = access_grant(&ledger, "Giám sát viên", "member");
    let server = Server::start_secure(&ledger);
    let agent = ureq::AgentBuilder::new().redirects(0).build();

    let (status, location, _) = get_status(&agent, &server.url("/search?q=le&lang=en"), None);
    assert_eq!(
        (status, location.as_str()),
        (303, "/login?next=/search%3Fq%3Dle%26lang%3Den&lang=en")
    );
    let (status, _, body) = get_status(&agent, &server.url("/v1/complaints"), None);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("\"status\":401"), "{body}");

    // CSRF: a POST naming no origin, or another one, is refused and opens no session.
    for origin in [None, Some("http://evil.example")] {
        let (status, _, cookie) = post_login(&server.base, origin, &token);
        assert_eq!(status, 403, "{origin:?}");
        assert!(cookie.is_empty(), "{cookie}");
    }
    let (status, _, cookie) = post_login(&server.base, Some(&server.base), "clr_wrong");
    assert_eq!((status, cookie.as_str()), (401, ""));

    let (status, location, cookie) = post_login(&server.base, Some(&server.base), &token);
    assert_eq!((status, location.as_str()), (303, "/complaints"));
    for part in [
        "clr_session=",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        "Max-Age=",
    ] {
        assert!(cookie.contains(part), "{part} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let session = cookie.split(';').next().unwrap().to_string();
    // The cookie reads the API too (the verifier's fetches), and the pages.
    assert_eq!(
        get_status(&agent, &server.url("/v1/complaints"), Some(&session)).0,
        200
    );
    assert_eq!(
        get_status(&agent, &server.url("/complaints"), Some(&session)).0,
        200
    );

    // Signing out ends the session on the server, not just in the browser.
    let out = agent
        .post(&server.url("/logout"))
        .set("cookie", &session)
        .set("origin", &server.base)
        .send_form(&[("lang", "vi")])
        .unwrap();
    assert_eq!(out.status(), 303);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(
        get_status(&agent, &server.url("/v1/complaints"), Some(&session)).0,
        401
    );
    assert_eq!(
        get_status(&agent, &server.url("/complaints"), Some(&session)).0,
        303
    );
}

/// One entry as the search tests know it: (position, kind, time, hash).
type Known = (u64, String, i64, String);

/// Every entry of the demo ledger.
fn all_entries(base: &str) -> Vec<Known> {
    let size = get_json(base, "/healthz")["size"].as_u64().unwrap();
    (0..size)
        .map(|p| {
            let e = get_json(base, &format!("/v1/events/{p}"));
            (
                p,
                e["kind"].as_str().unwrap().to_string(),
                e["time"].as_i64().unwrap(),
                e["event_hash"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The positions of the acts a search page lists.
fn listed_positions(page: &str) -> Vec<u64> {
    page.split("<tr data-position=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().parse().unwrap())
        .collect()
}

fn search_page(base: &str, query: &str) -> (u16, String) {
    let agent = ureq::AgentBuilder::new().build();
    let (status, _, body) = get_status(&agent, &format!("{base}/search?{query}"), None);
    (status, body)
}

/// The local date (Asia/Ho_Chi_Minh) of a time in ms.
fn local_date(ms: i64) -> String {
    let days = (ms + 7 * 3_600_000).div_euclid(86_400_000);
    ledger::calendar::format_date(days)
}

#[test]
fn search_finds_acts_by_kind_local_date_range_position_and_hash_prefix() {
    let demo = Demo::new();
    let server = demo.serve("demo");
    let entries = all_entries(&server.base);
    let expect = |f: &dyn Fn(&Known) -> bool| -> Vec<u64> {
        entries.iter().filter(|e| f(e)).map(|e| e.0).collect()
    };

    let kind = entries[148].1.clone();
    let (status, page) = search_page(&server.base, &format!("q=kind%3A{kind}"));
    assert_eq!(status, 200, "{page}");
    let want = expect(&|e| e.1 == kind);
    assert!(want.len() > 1 && want.len() < entries.len());
    assert_eq!(listed_positions(&page), want, "{page}");

    // A local day: the acts whose time falls in it in Vietnam, whatever UTC says.
    let day = local_date(entries[148].2);
    let (_, page) = search_page(&server.base, &format!("from={day}&to={day}"));
    let want = expect(&|e| local_date(e.2) == day);
    assert!(want.contains(&148));
    assert_eq!(listed_positions(&page), want, "{page}");
    // The kind selector and the range together.
    let (_, page) = search_page(&server.base, &format!("q=&kind={kind}&from={day}&to={day}"));
    assert_eq!(
        listed_positions(&page),
        expect(&|e| local_date(e.2) == day && e.1 == kind),
        "{page}"
    );
    assert!(
        page.contains(&format!("<option selected>{kind}</option>")),
        "{page}"
    );

    let (_, page) = search_page(&server.base, "q=148");
    assert_eq!(listed_positions(&page), vec![148], "{page}");
    let prefix = &entries[148].3[..8];
    let (_, page) = search_page(&server.base, &format!("q={prefix}"));
    assert_eq!(
        listed_positions(&page),
        expect(&|e| e.3.starts_with(prefix)),
        "{page}"
    );
    // Seven hex digits are not a hash prefix (too short to be one): no act is listed.
    let (_, page) = search_page(&server.base, &format!("q={}", &prefix[..7]));
    assert!(listed_positions(&page).is_empty(), "{page}");

    for bad in [
        "from=2020-02-30",
        "q=kind%3Anot.a.kind",
        "from=2020-06-02&to=2020-06-01",
    ] {
        let (status, page) = search_page(&server.base, bad);
        assert_eq!(status, 400, "{bad}: {page}");
        assert!(page.contains("class=\"error\""), "{bad}: {page}");
    }
}

#[test]
fn the_search_form_filters_by_kind_in_the_browser() {
    let demo = Demo::new();
    let server = demo.serve("demo");
    let mut browser = cdp::Browser::start(chromium(), &[]);
    browser.goto(&server.url("/search"));
    browser.navigate_by(
        "document.getElementById('kind').value = 'congress.convened'; document.getElementById('search-button').click()",
    );
    let kinds = browser
        .eval("[...document.querySelectorAll('table.acts td.kind')].map((td) => td.textContent)");
    let kinds = kinds.as_array().unwrap();
    assert!(!kinds.is_empty(), "{}", browser.html());
    assert!(kinds.iter().all(|k| k == "congress.convened"), "{kinds:?}");
    assert!(browser
        .eval("location.search")
        .as_str()
        .unwrap()
        .contains("kind=congress.convened"));
}

#[test]
fn verify_checks_a_proof_file_given_to_its_file_input_and_refuses_it_changed() {
    let demo = Demo::new();
    let server = demo.serve("demo");
    let hash = an_act(&server.base);
    let key = log_key(&server.base);
    let proof = demo.path("proof.json");
    ok_out(run(&[
        "proof",
        "export",
        "--server",
        &server.base,
        "--event",
        &hash,
        "--out",
        proof.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&proof).unwrap();
    let mut changed: Value = serde_json::from_str(&text).unwrap();
    flip_last_hex(&mut changed["act"]["entry"]);
    let changed_file = demo.path("changed.json");
    std::fs::write(&changed_file, changed.to_string()).unwrap();

    for (file, want, step) in [
        (&proof, "valid", None),
        (&changed_file, "invalid", Some("hash")),
    ] {
        let mut browser = cdp::Browser::start(chromium(), &[]);
        browser.goto(&format!("{}/verify?key={}", server.base, url_encode(&key)));
        browser.set_file("#proof-file", file);
        let got = browser.wait_until("document.querySelector('[data-verdict]')?.dataset.verdict");
        let page = browser.html();
        assert_eq!(got, want, "{}: {page}", file.display());
        assert_eq!(first_failed_step(&page).as_deref(), step, "{page}");
        assert!(page.contains("data-key-source=\"link\""), "{page}");
    }
}

#[test]
fn the_pinned_witness_policy_decides_step_6_in_the_browser() {
    let demo = Demo::new();
    let key = {
        let out = run(&[
            "checkpoint",
            "--ledger",
            demo.path("demo").to_str().unwrap(),
            "--json",
        ]);
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["log_key"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let witness = |name: &str| {
        let file = demo.path(&format!("{name}.key"));
        ok_out(run(&["key", "generate", "--out", file.to_str().unwrap()]));
        let public = ok_out(run(&[
            "witness",
            "key",
            "--key",
            file.to_str().unwrap(),
            "--name",
            name,
        ]));
        (file, public.trim().to_string())
    };
    let (w1_file, w1) = witness("ubkt.tinhuy-haiduong.vn");
    let (_, w2) = witness("ubkt.trunguong.vn");
    let server = Server::start_with(&demo.path("demo"), &["--witness", &w1, "--witness", &w2]);
    ok_out(run(&[
        "witness",
        "cosign",
        "--server",
        &server.base,
        "--log-key",
        &key,
        "--key",
        w1_file.to_str().unwrap(),
        "--name",
        "ubkt.tinhuy-haiduong.vn",
        "--state",
        demo.path("w1-state").to_str().unwrap(),
    ]));
    let hash = an_act(&server.base);
    // Through a proxy that keeps every /v1 answer the page read, to check them against the
    // contract.
    let proxy = Proxy::start(&server.base);
    let url = |policy: &str| {
        format!(
            "{}/acts/{hash}?key={}{policy}",
            proxy.base,
            url_encode(&key)
        )
    };
    let (w1, w2) = (url_encode(&w1), url_encode(&w2));
    for (policy, want) in [
        (format!("&witness={w1}&quorum=1"), "valid"),
        (format!("&witness={w1}&witness={w2}&quorum=1"), "valid"),
        (format!("&witness={w1}&witness={w2}&quorum=2"), "invalid"),
        (format!("&witness={w2}&quorum=1"), "invalid"),
    ] {
        let profile = tempfile::tempdir().unwrap();
        let page = dom(profile.path(), &url(&policy));
        assert_eq!(verdict(&page), Some(want), "{policy}: {page}");
        if want == "valid" {
            assert!(
                page.contains("data-step=\"valid\" data-step-id=\"witnesses\""),
                "{policy}: {page}"
            );
        } else {
            assert_eq!(
                first_failed_step(&page).as_deref(),
                Some("witnesses"),
                "{policy}: {page}"
            );
        }
    }
    assert!(check_contract(&proxy, &server.base) >= 4);
}

fn self_signed(demo: &Demo) -> (PathBuf, PathBuf) {
    let cert = demo.path("cert.pem");
    let key_file = demo.path("key.pem");
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args([
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=so-cai.test",
            "-keyout",
        ])
        .arg(&key_file)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key_file)
}

/// A TLS client (`openssl s_client`) that sends `request` and keeps its side open; how long
/// the server took to close the connection, and what it answered.
fn tls_exchange(port: &str, request: &str) -> (std::time::Duration, String) {
    let mut client = Command::new("openssl")
        .args([
            "s_client",
            "-quiet",
            "-connect",
            &format!("127.0.0.1:{port}"),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("openssl runs");
    let mut input = client.stdin.take().unwrap();
    input.write_all(request.as_bytes()).unwrap();
    input.flush().unwrap();
    let started = std::time::Instant::now();
    let deadline = started + std::time::Duration::from_secs(30);
    loop {
        if client.try_wait().unwrap().is_some() {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = client.kill();
            let _ = client.wait();
            panic!("the server held the TLS connection open for 30 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let elapsed = started.elapsed();
    drop(input);
    let mut out = String::new();
    let _ = client.stdout.take().unwrap().read_to_string(&mut out);
    (elapsed, out)
}

#[test]
fn over_tls_a_half_sent_request_is_dropped_after_the_header_timeout_and_cookies_are_secure() {
    let demo = Demo::new();
    let (cert, key_file) = self_signed(&demo);
    let ledger = demo.path("demo");
    let (_, token) = access_grant(&ledger, "Giám sát viên", "member");
    let server = Server::command(&[
        "serve",
        "--ledger",
        ledger.to_str().unwrap(),
        "--addr",
        "127.0.0.1:0",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key_file.to_str().unwrap(),
        "--header-read-timeout",
        "1",
    ]);
    assert!(server.base.starts_with("https://"), "{}", server.base);
    let port = server.base.rsplit(':').next().unwrap().to_string();

    let (elapsed, answer) = tls_exchange(&port, "GET /healthz HTTP/1.1\r\nhost: so-cai.test\r\n");
    assert!(
        elapsed < std::time::Duration::from_secs(10),
        "a half-sent request held the connection for {elapsed:?}"
    );
    assert!(!answer.contains("200 OK"), "{answer}");

    // A whole request over TLS is served; a login there gets a Secure cookie.
    let form = format!("token={token}&next=%2F");
    let (_, answer) = tls_exchange(
        &port,
        &format!(
            "POST /login HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\norigin: https://127.0.0.1:{port}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{form}",
            form.len()
        ),
    );
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let cookie = answer
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap_or_default();
    assert!(
        cookie.contains("; Secure") && cookie.contains("HttpOnly"),
        "{answer}"
    );
}

/// Not a test but the measure `scripts/explorer-bench.sh` takes (ignored; run with
/// `--ignored`): the in-browser verification of the act at `BENCH_ACT_URL` (the act page, with
/// `?key=` pinning the log key) in headless Chromium over the DevTools protocol, five page
/// loads in one profile, the verifier's own `data-ms` (the seven steps, the download of the
/// proof not counted) printed for each. It fails if the act does not verify.
#[test]
#[ignore]
fn bench_in_browser_verification() {
    let Ok(url) = std::env::var("BENCH_ACT_URL") else {
        panic!("BENCH_ACT_URL (an act page with ?key=) is what this measure needs");
    };
    let mut browser = cdp::Browser::start(chromium(), &[]);
    let mut times = Vec::new();
    for _ in 0..5 {
        browser.goto(&url);
        let ms = browser.wait_until(
            "(() => { const v = document.querySelector('p.verdict'); \
             return v && v.dataset.verdict ? [v.dataset.verdict, v.dataset.ms] : null })()",
        );
        assert_eq!(ms[0], "valid", "{}", browser.html());
        times.push(ms[1].as_str().unwrap_or("").to_string());
    }
    println!("in-browser verification ms: {}", times.join(" "));
}
