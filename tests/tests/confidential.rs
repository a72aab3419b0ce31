//! Who may read what (issue 12), through the real binary and a real server on loopback: a
//! denunciation's complainant is in no byte of the segments, the bag or any unauthenticated
//! answer; only the inspection commission reads it back, each read recorded; receipts and
//! disclosures prove receipt and identity; a revoked token stops at once; a shredded case is
//! unreadable while the ledger and its bag still verify.

mod common;

use std::path::{Path, PathBuf};

use common::{http, run, stderr, stdout, Server};
use serde_json::Value;

const NAME: &str = "Phạm Văn Hùng";
const ADDRESS: &str = "số 12 phố Hồng Quang, Hải Dương";
const LETTER: &str = "Kính gửi Ủy ban Kiểm tra: tôi là Phạm Văn Hùng, tố cáo việc kê khai tài sản.";
const CASE: &str = "hd-2020-0077";

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    stdout(&out)
}

/// The demo ledger with the commission's key pair set up and the demo bodies' keys written.
struct Setup {
    _dir: tempfile::TempDir,
    ledger: String,
    keys: PathBuf,
    commission: String,
    work: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("demo");
    let keys = dir.path().join("keys");
    ok(run(&[
        "demo",
        "--ledger",
        ledger.to_str().unwrap(),
        "--keys-out",
        keys.to_str().unwrap(),
    ]));
    let commission = dir.path().join("ubkt.age");
    let recipient = ok(run(&[
        "confidential",
        "keygen",
        "--out",
        commission.to_str().unwrap(),
    ]));
    ok(run(&[
        "confidential",
        "init",
        "--ledger",
        ledger.to_str().unwrap(),
        "--recipient",
        recipient.trim(),
    ]));
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let payload = serde_json::json!({
        "case": CASE, "received": "2020-05-21", "channel": "post", "kind": "denunciation",
        "complainant": {"anonymous": false, "false_name": false, "no_address": false,
            "name": NAME, "contact": ADDRESS, "signatories": 1},
        "concerns": {"congress": "congress/hd.tp-haiduong/2020-2025"},
        "summary": "Tố cáo người ứng cử kê khai tài sản không trung thực",
    });
    std::fs::write(work.join("payload.json"), payload.to_string()).unwrap();
    std::fs::write(work.join("letter.txt"), LETTER).unwrap();
    Setup {
        ledger: ledger.to_str().unwrap().to_string(),
        keys,
        commission: commission.to_str().unwrap().to_string(),
        work,
        _dir: dir,
    }
}

fn grant(ledger: &str, holder: &str, role: &str) -> (String, String) {
    let v: Value = serde_json::from_str(&ok(run(&[
        "access", "grant", "--ledger", ledger, "--holder", holder, "--role", role, "--json",
    ])))
    .unwrap();
    (
        v["grant"]["id"].as_str().unwrap().to_string(),
        v["token"].as_str().unwrap().to_string(),
    )
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// No byte of any file under `dir` holds a confidential value.
fn assert_absent(dir: &Path) {
    let files = files_under(dir);
    assert!(!files.is_empty(), "{}", dir.display());
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        for secret in [NAME, ADDRESS, LETTER] {
            assert!(
                !contains(&bytes, secret),
                "{} holds `{secret}`",
                f.display()
            );
        }
    }
}

fn get(server: &Server, path: &str, token: Option<&str>) -> (u16, String, String) {
    let mut r = ureq::get(&server.url(path));
    if let Some(t) = token {
        r = r.set("authorization", &format!("Bearer {t}"));
    }
    http(r, None)
}

fn log_key(ledger: &str) -> String {
    let v: Value =
        serde_json::from_str(&ok(run(&["checkpoint", "--ledger", ledger, "--json"]))).unwrap();
    v["log_key"].as_str().unwrap().to_string()
}

/// `proof export` of `act` with `choice` (`--receipt`, `--disclose FIELD`) into `out`, then
/// `proof verify --json` of it.
fn export_and_verify(
    server: &Server,
    act: &str,
    choice: &[&str],
    openings: &Path,
    out: &Path,
    log_key: &str,
) -> Value {
    let mut args = vec!["proof", "export", "--server", &server.base, "--event", act];
    args.extend_from_slice(choice);
    args.extend([
        "--openings",
        openings.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    ok(run(&args));
    let verified = ok(run(&[
        "proof",
        "verify",
        out.to_str().unwrap(),
        "--log-key",
        log_key,
        "--json",
    ]));
    serde_json::from_str(&verified).unwrap()
}

#[test]
fn a_denunciation_through_the_api_is_readable_by_the_inspection_commission_only() {
    let s = setup();
    let log_key = log_key(&s.ledger);
    let (_, registrar) = grant(&s.ledger, "Văn phòng Tỉnh ủy (tiếp nhận đơn)", "registrar");
    let (_, member) = grant(&s.ledger, "Đảng viên Nguyễn Văn A", "member");
    let (inspection_id, inspection) = grant(&s.ledger, "Ủy ban Kiểm tra Tỉnh ủy", "inspection");
    let server = Server::start_secure(Path::new(&s.ledger));
    let key = s.keys.join("inspection.key");
    let openings = s.work.join("openings.json");

    // Without a token, the CLI is refused like any reader.
    let out = run(&[
        "confidential",
        "receive",
        "--server",
        &server.base,
        "--key",
        key.to_str().unwrap(),
        "--payload",
        s.work.join("payload.json").to_str().unwrap(),
        "--openings-out",
        s.work.join("refused.json").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("401"), "{}", stderr(&out));

    // The registrar records it: the act, the values, the letter.
    let act = ok(run(&[
        "confidential",
        "receive",
        "--server",
        &server.base,
        "--token",
        &registrar,
        "--key",
        key.to_str().unwrap(),
        "--payload",
        s.work.join("payload.json").to_str().unwrap(),
        "--letter",
        s.work.join("letter.txt").to_str().unwrap(),
        "--openings-out",
        openings.to_str().unwrap(),
    ]));
    let act = act.trim().to_string();

    // A deposit must open the act's commitments (422), by a registrar (403 for a member),
    // and is stored once (409).
    let mut wrong: Value = serde_json::from_slice(&std::fs::read(&openings).unwrap()).unwrap();
    let deposit = |token: &str, values: &Value| {
        let body = serde_json::json!({ "values": values }).to_string();
        let answer = ureq::post(&server.url(&format!("/v1/confidential/{CASE}")))
            .set("authorization", &format!("Bearer {token}"))
            .set("content-type", "application/json")
            .send_string(&body);
        match answer {
            Ok(r) => (r.status(), String::new(), String::new()),
            Err(ureq::Error::Status(code, _)) => (code, String::new(), String::new()),
            Err(e) => panic!("{e}"),
        }
    };
    let right = wrong.clone();
    wrong["complainant.name"]["value"] = "Phạm Văn Hưng".into();
    assert_eq!(deposit(&registrar, &wrong).0, 422);
    assert_eq!(deposit(&member, &right).0, 403);
    assert_eq!(deposit(&registrar, &right).0, 409);

    // Unauthenticated: every route but health, checkpoints and proofs is a 401 problem; the
    // open ones hold commitments only.
    for path in [
        format!("/v1/streams/complaint/{CASE}"),
        "/v1/complaints".to_string(),
        "/v1/report".to_string(),
        format!("/v1/events/by-hash/{act}"),
        format!("/v1/confidential/{CASE}"),
    ] {
        let (status, ct, body) = get(&server, &path, None);
        assert_eq!(status, 401, "{path}: {body}");
        assert_eq!(ct, "application/problem+json", "{path}");
        let problem: Value = serde_json::from_str(&body).unwrap();
        assert!(
            problem["detail"].as_str().unwrap().contains("Bearer"),
            "{body}"
        );
    }
    std::thread::sleep(std::time::Duration::from_millis(1500));
    for path in [
        "/healthz".to_string(),
        "/v1/checkpoint".to_string(),
        format!("/v1/proofs/act/{act}"),
    ] {
        let (status, _, body) = get(&server, &path, None);
        assert_eq!(status, 200, "{path}: {body}");
        for secret in [NAME, ADDRESS, LETTER] {
            assert!(!body.contains(secret), "{path} shows `{secret}`");
        }
    }
    // A member reads the log (commitments) but not the confidential store: 403.
    let (status, _, body) = get(
        &server,
        &format!("/v1/streams/complaint/{CASE}"),
        Some(&member),
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        !body.contains(NAME) && body.contains("commitment"),
        "{body}"
    );
    let (status, ct, body) = get(&server, &format!("/v1/confidential/{CASE}"), Some(&member));
    assert_eq!(
        (status, ct.as_str()),
        (403, "application/problem+json"),
        "{body}"
    );
    let doc = ledger::Hash::of(LETTER.as_bytes()).to_hex();
    let (status, _, _) = get(
        &server,
        &format!("/v1/confidential/{CASE}/documents/{doc}"),
        Some(&member),
    );
    assert_eq!(status, 403);

    // The commission reads it back with its own key; the read is recorded with its reason.
    let out = ok(run(&[
        "confidential",
        "show",
        "--server",
        &server.base,
        "--token",
        &inspection,
        "--case",
        CASE,
        "--identity",
        &s.commission,
        "--why",
        "xác minh đơn",
        "--json",
    ]));
    let shown: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["values"]["complainant.name"]["value"], NAME);
    assert_eq!(shown["values"]["complainant.contact"]["value"], ADDRESS);
    assert_eq!(shown["documents"][0], doc.as_str());
    let (status, _, cipher) = get(
        &server,
        &format!("/v1/confidential/{CASE}/documents/{doc}"),
        Some(&inspection),
    );
    assert_eq!(status, 200);
    assert!(!cipher.contains(LETTER));
    // A copy of the letter among the public blobs is still the commission's only.
    let blobs = Path::new(&s.ledger).join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::write(blobs.join(&doc), LETTER).unwrap();
    assert_eq!(
        get(&server, &format!("/v1/blobs/{doc}"), Some(&member)).0,
        403
    );
    let (status, _, body) = get(&server, &format!("/v1/blobs/{doc}"), Some(&inspection));
    assert_eq!((status, body.as_str()), (200, LETTER));

    // A receipt: the act's proof and the complainant's own salts; a changed salt fails.
    let receipt = s.work.join("receipt.json");
    let verified = export_and_verify(&server, &act, &["--receipt"], &openings, &receipt, &log_key);
    assert_eq!(verified["disclosed"]["complainant.name"], NAME);
    assert_eq!(verified["act"]["payload"]["received"], "2020-05-21");
    assert_eq!(verified["act"]["payload"]["case"], CASE);
    assert!(
        verified["disclosed"].get("summary").is_none(),
        "a receipt discloses the identity only"
    );
    let mut changed: Value = serde_json::from_slice(&std::fs::read(&receipt).unwrap()).unwrap();
    changed["disclosed"]["complainant.name"]["salt"] = "00".repeat(32).into();
    let forged = s.work.join("forged.json");
    std::fs::write(&forged, changed.to_string()).unwrap();
    let out = run(&[
        "proof",
        "verify",
        forged.to_str().unwrap(),
        "--log-key",
        &log_key,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    // Selective disclosure of one chosen field to someone entitled.
    let summary = s.work.join("summary.json");
    let verified = export_and_verify(
        &server,
        &act,
        &["--disclose", "summary"],
        &openings,
        &summary,
        &log_key,
    );
    assert!(verified["disclosed"]["summary"]
        .as_str()
        .unwrap()
        .starts_with("Tố cáo"));
    assert!(verified["disclosed"].get("complainant.name").is_none());

    // The commission reviews the access log through the server too, and checks its chain.
    let remote: Value = serde_json::from_str(&ok(run(&[
        "access",
        "log",
        "--server",
        &server.base,
        "--token",
        &inspection,
        "--json",
    ])))
    .unwrap();
    assert_eq!(remote.as_array().unwrap().len(), 3, "{remote:#}");
    assert_eq!(get(&server, "/v1/access-log", Some(&member)).0, 403);

    // Revoked: the commission's token stops at once, on the running server.
    ok(run(&[
        "access",
        "revoke",
        "--ledger",
        &s.ledger,
        &inspection_id,
    ]));
    let (status, _, body) = get(
        &server,
        &format!("/v1/confidential/{CASE}"),
        Some(&inspection),
    );
    assert_eq!(status, 401, "{body}");
    let list: Value = serde_json::from_str(&ok(run(&[
        "access", "list", "--ledger", &s.ledger, "--json",
    ])))
    .unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|g| !g.to_string().contains(&inspection)),
        "tokens are stored hashed"
    );
    assert!(server.stop().success());

    // The access log verifies and lists each confidential read.
    let log: Value = serde_json::from_str(&ok(run(&[
        "access", "log", "--ledger", &s.ledger, "--json",
    ])))
    .unwrap();
    let reads = log.as_array().unwrap();
    assert_eq!(reads.len(), 3, "{log:#}");
    assert_eq!(reads[0]["what"], "values");
    assert_eq!(reads[0]["why"], "xác minh đơn");
    assert_eq!(reads[0]["act"], act.as_str());
    assert!(reads[0]["reader"]
        .as_str()
        .unwrap()
        .starts_with(&inspection_id));
    assert_eq!(reads[1]["what"], format!("document {doc}"));
    assert_eq!(reads[1]["act"], act.as_str());
    assert_eq!(reads[2]["what"], format!("document {doc}"));

    // Neither the segments nor the bag hold a confidential value (the letter's copy among the
    // blobs stays out of the bag).
    assert_absent(&Path::new(&s.ledger).join("log"));
    let bag = s.work.join("bag");
    ok(run(&[
        "export",
        "--ledger",
        &s.ledger,
        "--out",
        bag.to_str().unwrap(),
    ]));
    assert_absent(&bag);
    ok(run(&[
        "verify",
        "--archive",
        bag.to_str().unwrap(),
        "--log-key",
        &log_key,
    ]));
    // Nor does the log published as tiles, and the confidential letter is not published.
    let tiles = s.work.join("tiles");
    ok(run(&[
        "publish",
        "--ledger",
        &s.ledger,
        "--to",
        tiles.to_str().unwrap(),
    ]));
    assert_absent(&tiles);
    assert!(
        files_under(&tiles)
            .iter()
            .all(|f| !f.to_string_lossy().contains(doc.as_str())),
        "the confidential letter {doc} is published"
    );
    ok(run(&[
        "verify",
        "--tiles",
        tiles.to_str().unwrap(),
        "--log-key",
        &log_key,
    ]));

    // Served publicly (`serve --public`), nothing anyone can open shows them either: the
    // explorer's pages (the act, the register, a search for the name), the log's routes, and
    // the live feed.
    let public = Server::start(Path::new(&s.ledger));
    for path in [
        "/".to_string(),
        "/complaints".to_string(),
        format!("/acts/{act}"),
        // (Searched without diacritics: the page repeats the query, which is not a leak.)
        "/search?q=pham+van+hung".to_string(),
        format!("/v1/streams/complaint/{CASE}"),
        format!("/v1/events/by-hash/{act}"),
        "/v1/complaints".to_string(),
        "/v1/report".to_string(),
    ] {
        let (status, _, body) = get(&public, &path, None);
        assert_eq!(status, 200, "{path}: {body}");
        for secret in [NAME, ADDRESS, LETTER] {
            assert!(!body.contains(secret), "{path} shows `{secret}`");
        }
    }
    // The act page does show the act, so that the check above looked at it.
    let (_, _, page) = get(&public, &format!("/acts/{act}"), None);
    assert!(page.contains(&act), "the act page does not show the act");
    let feed = ureq::get(&public.url("/v1/subscribe?from=0"))
        .timeout(std::time::Duration::from_secs(3))
        .call()
        .unwrap();
    let mut seen = Vec::new();
    let mut reader = feed.into_reader();
    let mut buf = [0u8; 8192];
    // Until the feed has sent every entry (the act's hash among them) or the timeout ends it.
    while let Ok(n) = std::io::Read::read(&mut reader, &mut buf) {
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        if contains(&seen, &act) && seen.len() > 4096 {
            break;
        }
    }
    assert!(contains(&seen, &act), "the feed did not send the act");
    for secret in [NAME, ADDRESS, LETTER] {
        assert!(!contains(&seen, secret), "the feed shows `{secret}`");
    }
}

#[test]
fn a_shredded_case_is_unreadable_and_the_ledger_and_its_bag_still_verify() {
    let s = setup();
    let log_key = log_key(&s.ledger);
    let key = s.keys.join("inspection.key");
    let openings = s.work.join("openings.json");
    ok(run(&[
        "confidential",
        "receive",
        "--ledger",
        &s.ledger,
        "--key",
        key.to_str().unwrap(),
        "--payload",
        s.work.join("payload.json").to_str().unwrap(),
        "--letter",
        s.work.join("letter.txt").to_str().unwrap(),
        "--openings-out",
        openings.to_str().unwrap(),
    ]));
    let show = || {
        run(&[
            "confidential",
            "show",
            "--ledger",
            &s.ledger,
            "--case",
            CASE,
            "--identity",
            &s.commission,
            "--json",
        ])
    };
    let shown: Value = serde_json::from_str(&ok(show())).unwrap();
    assert_eq!(shown["values"]["complainant.name"]["value"], NAME);

    let shred = |decision: &str| {
        run(&[
            "confidential",
            "shred",
            "--ledger",
            &s.ledger,
            "--case",
            CASE,
            "--key",
            key.to_str().unwrap(),
            "--retention-ended",
            "2025-05-21",
            "--decision",
            decision,
        ])
    };
    ok(shred(
        "Quyết định số 15-QĐ/UBKT về tiêu hủy hồ sơ hết thời hạn lưu trữ",
    ));
    let out = show();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("destroyed"), "{}", stderr(&out));
    assert!(!Path::new(&s.ledger)
        .join(format!("confidential/cases/{CASE}/key.age"))
        .exists());
    assert_absent(&Path::new(&s.ledger).join("confidential"));

    // The shredding is an act in the case's stream; the ledger and its bag verify.
    let report: Value = serde_json::from_str(&ok(run(&[
        "report",
        "--ledger",
        &s.ledger,
        "--stream",
        &format!("complaint/{CASE}"),
        "--json",
    ])))
    .unwrap();
    assert_eq!(report["case"]["shredded"], "2025-05-21", "{report:#}");
    ok(run(&["verify", "--ledger", &s.ledger]));
    let bag = s.work.join("bag");
    ok(run(&[
        "export",
        "--ledger",
        &s.ledger,
        "--out",
        bag.to_str().unwrap(),
    ]));
    ok(run(&[
        "verify",
        "--archive",
        bag.to_str().unwrap(),
        "--log-key",
        &log_key,
    ]));
    assert_absent(&bag);
    // Shredding twice is refused: the key is gone already.
    let out = shred("lần hai");
    assert!(!out.status.success());
}

#[test]
fn the_cli_and_the_monitor_authenticate_with_a_reader_token() {
    let s = setup();
    let log_key = log_key(&s.ledger);
    let (_, member) = grant(&s.ledger, "Giám sát viên", "member");
    let server = Server::start_secure(Path::new(&s.ledger));
    let monitor = |mirror: &str, token: Option<&str>, env: Option<&str>| {
        let mut c = std::process::Command::new(common::bin());
        c.args([
            "monitor",
            "--server",
            &server.base,
            "--log-key",
            &log_key,
            "--once",
            "--json",
        ])
        .args(["--mirror", s.work.join(mirror).to_str().unwrap()])
        .env_remove("CONGRESS_LEDGER_TOKEN")
        .stdin(std::process::Stdio::null());
        if let Some(t) = token {
            c.args(["--token", t]);
        }
        if let Some(t) = env {
            c.env("CONGRESS_LEDGER_TOKEN", t);
        }
        c.output().unwrap()
    };
    let refused = monitor("m0", None, None);
    assert!(!refused.status.success(), "{}", stdout(&refused));
    assert!(
        (stdout(&refused) + &stderr(&refused)).contains("401"),
        "{}{}",
        stdout(&refused),
        stderr(&refused)
    );
    let by_flag = monitor("m1", Some(&member), None);
    assert!(
        by_flag.status.success(),
        "{}{}",
        stdout(&by_flag),
        stderr(&by_flag)
    );
    let by_env = monitor("m2", None, Some(&member));
    assert!(
        by_env.status.success(),
        "{}{}",
        stdout(&by_env),
        stderr(&by_env)
    );
}
