//! A new user's first hour (issue 13 §2, §4, §6): commands that explain themselves, "did you
//! mean", one language with `--lang vi`, reports from a bag or a server, and the small things
//! a new user hit.

mod common;

use std::path::Path;

use common::{run, stderr, stdout, Server};

fn demo(dir: &Path) -> String {
    let ledger = dir.join("demo");
    let out = run(&["demo", "--ledger", ledger.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    ledger.to_str().unwrap().to_string()
}

fn log_key(ledger: &str) -> String {
    let out = run(&["checkpoint", "--ledger", ledger, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["log_key"].as_str().unwrap().to_string()
}

#[test]
fn kinds_roles_schemas_and_rulebooks_explain_themselves() {
    let out = run(&["kinds", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let kinds: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(kinds.len(), ledger::catalogue::KINDS.len());
    let opened = kinds
        .iter()
        .find(|k| k["kind"] == "session.opened")
        .unwrap();
    assert_eq!(opened["stream"], "congress/<org>/<term>");
    assert_eq!(opened["signed_by"], serde_json::json!(["presidium"]));
    let text = stdout(&run(&["kinds"]));
    assert!(
        text.contains("key.enrolled")
            && text.contains("chỉ cơ quan có thẩm quyền / an authority only"),
        "{text}"
    );

    let text = stdout(&run(&["roles"]));
    for role in ledger::catalogue::ROLES {
        assert!(text.contains(role), "{role}: {text}");
    }
    assert!(
        text.contains("Ban Kiểm phiếu / counting committee"),
        "{text}"
    );

    let out = run(&["schema", "show", "ballots.counted", "--example"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let example: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    ledger::domain::schemas::validate("ballots.counted", 1, example.to_string().as_bytes())
        .unwrap();
    let out = run(&["schema", "show", "ballots.counted"]);
    assert!(stdout(&out).contains("\"$schema\""));

    let out = run(&["rulebook", "show", "qd244-2014"]);
    let text = stdout(&out);
    assert!(
        text.contains("nguồn / source:") && text.contains("độ tin cậy / confidence:"),
        "{text}"
    );
    assert!(
        text.contains("quorum = {\"denominator\":3,\"numerator\":2}"),
        "{text}"
    );
}

#[test]
fn a_mistyped_kind_role_or_rulebook_gets_did_you_mean() {
    let out = run(&["schema", "show", "sesion.opened"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `session.opened`?"),
        "{}",
        stderr(&out)
    );
    let out = run(&["rulebook", "show", "qd244-2041"]);
    assert!(
        stderr(&out).contains("did you mean `qd244-2014`?"),
        "{}",
        stderr(&out)
    );

    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    for key in ["a.key", "l.key"] {
        assert!(run(&["key", "generate", "--out", &p(key)]).status.success());
    }
    let out = run(&[
        "init",
        "--ledger",
        &p("l"),
        "--origin",
        "ledger.test.vn/x",
        "--title",
        "Thử",
        "--authority-key",
        &p("a.key"),
        "--log-key",
        &p("l.key"),
        "--rulebook",
        "qd244-2014",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // `init` says that it copied the log's private key into the ledger directory.
    assert!(stdout(&out).contains("log.key"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("The log's private key was copied into"),
        "{}",
        stdout(&out)
    );

    // A mistyped kind is refused before anything is signed.
    std::fs::write(p("s.json"), r#"{"session": 1, "present": 3}"#).unwrap();
    let out = run(&[
        "append",
        "--ledger",
        &p("l"),
        "--key",
        &p("a.key"),
        "--stream",
        "ledger",
        "--kind",
        "key.enroled",
        "--payload",
        &p("s.json"),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("did you mean `key.enrolled`?"),
        "{}",
        stderr(&out)
    );
    // A mistyped role in an enrollment: refused, with the nearest role, in both languages.
    let public = stdout(&run(&["key", "show", &p("a.key")]))
        .trim()
        .to_string();
    assert!(run(&["key", "generate", "--out", &p("b.key")])
        .status
        .success());
    let other = stdout(&run(&["key", "show", &p("b.key")]))
        .trim()
        .to_string();
    assert_ne!(public, other);
    std::fs::write(
        p("e.json"),
        format!(r#"{{"key": "{other}", "holder": "Ban", "roles": ["presidum"], "scope": "*", "valid_from": 0, "valid_until": null}}"#),
    )
    .unwrap();
    let out = run(&[
        "append",
        "--ledger",
        &p("l"),
        "--key",
        &p("a.key"),
        "--stream",
        "ledger",
        "--kind",
        "key.enrolled",
        "--payload",
        &p("e.json"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("có phải ý bạn là `presidium`?") && err.contains("did you mean `presidium`?"),
        "{err}"
    );
    // With --lang vi, the refusal is in Vietnamese only.
    let out = run(&[
        "--lang",
        "vi",
        "append",
        "--ledger",
        &p("l"),
        "--key",
        &p("a.key"),
        "--stream",
        "ledger",
        "--kind",
        "key.enrolled",
        "--payload",
        &p("e.json"),
    ]);
    let err = stderr(&out);
    assert!(err.contains("có phải ý bạn là `presidium`?"), "{err}");
    assert!(err.contains("tại `/roles/0`"), "{err}");
    assert!(
        !err.contains("did you mean") && !err.contains(" / "),
        "{err}"
    );
}

#[test]
fn lang_vi_prints_vietnamese_only() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = demo(dir.path());
    let out = run(&["--lang", "vi", "verify", "--ledger", &ledger]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Toàn vẹn") && text.contains("mục") && text.contains("luồng"),
        "{text}"
    );
    for english in [
        "entries",
        "streams",
        "root",
        "Integrity",
        "every act",
        "OK",
        "violation",
    ] {
        assert!(
            !text.contains(english),
            "`{english}` with --lang vi:\n{text}"
        );
    }
    let out = run(&["--lang", "en", "verify", "--ledger", &ledger]);
    let text = stdout(&out);
    assert!(
        text.contains("249 entries") && !text.contains("Toàn vẹn"),
        "{text}"
    );
}

#[test]
fn verify_and_report_take_a_bag_or_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = demo(dir.path());
    let key = log_key(&ledger);
    // Without arguments, `verify` names both ways to say what to verify.
    let out = run(&["verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--ledger") && stderr(&out).contains("--archive"),
        "{}",
        stderr(&out)
    );

    let bag = dir.path().join("demo.bag");
    let bag = bag.to_str().unwrap();
    assert!(run(&["export", "--ledger", &ledger, "--out", bag])
        .status
        .success());
    // Another log key: refused as not matching, not "OK" then a failure at an entry.
    let other_dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.key");
    assert!(run(&["key", "generate", "--out", other.to_str().unwrap()])
        .status
        .success());
    let wrong = stdout(&run(&[
        "key",
        "show",
        other.to_str().unwrap(),
        "--name",
        "ledger.demo.vn/tinh-haiduong/2020-2025",
    ]));
    let wrong = wrong.lines().last().unwrap();
    let out = run(&["verify", "--archive", bag, "--log-key", wrong]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("does not match this bag's checkpoint"),
        "{text}"
    );
    assert!(
        !text.contains("ĐẠT / OK") && !text.contains("tại mục"),
        "{text}"
    );
    drop(other_dir);

    // `report --archive`: the congress, from the bag alone.
    let out = run(&[
        "report",
        "--archive",
        bag,
        "--log-key",
        &key,
        "--stream",
        "congress/hd.tp-haiduong/2020-2025",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Lê Đình Long"), "{}", stdout(&out));

    // `report --server`: mirrored and verified first, so the server need not be trusted.
    let server = Server::start(Path::new(&ledger));
    let out = run(&[
        "report",
        "--server",
        &server.base,
        "--log-key",
        &key,
        "--stream",
        "congress/hd.tp-haiduong/2020-2025",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stream"], "congress/hd.tp-haiduong/2020-2025", "{v}");
    // With a key that is not the log's, the server's log is refused and nothing is reported.
    let out = run(&["report", "--server", &server.base, "--log-key", wrong]);
    assert!(!out.status.success());
}

#[test]
fn man_renders_the_pages_it_lists() {
    let out = run(&["man"]);
    let page = stdout(&out);
    assert!(
        page.contains("congress\\-ledger\\-verify(1)"),
        "the main page lists the subcommands' pages"
    );
    let out = run(&["man", "verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(".TH congress-ledger-verify 1"),
        "{}",
        stdout(&out)
    );
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["man", "--out-dir", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    for page in [
        "congress-ledger.1",
        "congress-ledger-verify.1",
        "congress-ledger-key-generate.1",
    ] {
        assert!(dir.path().join(page).exists(), "{page}");
    }
    assert!(!run(&["man", "nowhere"]).status.success());
}

/// The text report (issue 13 §3): each round's candidates by name with votes, share of the
/// base and elected or not; the delegation as officials + alternates; each finding's acts by
/// position and short hash.
#[test]
fn the_text_report_names_candidates_and_locates_each_finding_s_acts() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("demo");
    let keys = dir.path().join("keys");
    let out = run(&[
        "demo",
        "--ledger",
        ledger.to_str().unwrap(),
        "--keys-out",
        keys.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ledger = ledger.to_str().unwrap();
    let stream = "congress/hd.tp-haiduong/2020-2025";
    let text = stdout(&run(&["report", "--ledger", ledger, "--stream", stream]));
    assert!(
        text.contains("Delegation: 37 chính thức + 2 dự khuyết / 37 official + 2 alternates"),
        "{text}"
    );
    assert!(
        text.contains("    Lê Đình Long: 292 phiếu / votes (98,3% / 297), trúng cử / elected"),
        "{text}"
    );
    assert!(text.contains("không trúng cử / not elected"), "{text}");

    // A withdrawal recorded after the results were approved, without a vote: two findings,
    // each naming the act by its position and short hash.
    let payload =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/payloads/withdrawal.decided.json");
    let out = run(&[
        "append",
        "--ledger",
        ledger,
        "--key",
        keys.join("presidium.key").to_str().unwrap(),
        "--stream",
        stream,
        "--kind",
        "withdrawal.decided",
        "--time",
        "2020-06-06T09:00:00+07:00",
        "--payload",
        payload.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let appended = stdout(&out);
    let (position, hash) = appended.trim().split_once('\t').unwrap();
    let text = stdout(&run(&["report", "--ledger", ledger, "--stream", stream]));
    let act = format!("hành vi / acts: mục / entry {position} ({})", &hash[..8]);
    assert!(text.contains(&act), "no `{act}` in:\n{text}");
}

/// Issue 13 §6: a monitor that loses its server says so once, counts the same failure again
/// instead of printing it a dozen times, and prints the count when the server is back.
#[test]
fn the_monitor_summarises_its_retries_while_the_server_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = demo(dir.path());
    let key = log_key(&ledger);
    let server = Server::start(Path::new(&ledger));
    let addr = server.addr();
    let mirror = dir.path().join("mirror");
    let err_path = dir.path().join("monitor.err");
    let mut monitor = std::process::Command::new(common::bin())
        .args([
            "monitor",
            "--server",
            &format!("http://{addr}"),
            "--log-key",
            &key,
            "--mirror",
            mirror.to_str().unwrap(),
            "--interval",
            "1",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    // Caught up, then the server goes away for several retry intervals.
    std::thread::sleep(std::time::Duration::from_secs(3));
    server.stop();
    std::thread::sleep(std::time::Duration::from_secs(7));
    let back = Server::command(&["serve", "--ledger", &ledger, "--addr", &addr, "--public"]);
    std::thread::sleep(std::time::Duration::from_secs(4));
    let _ = monitor.kill();
    let _ = monitor.wait();
    back.stop();
    let err = std::fs::read_to_string(&err_path).unwrap();
    let lost: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("connection lost, retrying"))
        .collect();
    // The stream that broke, then the checkpoint fetch and the resubscription failing side
    // by side while the server is down: each says what failed once, however many retries.
    let distinct: std::collections::BTreeSet<&str> = lost.iter().copied().collect();
    assert!(
        !lost.is_empty() && lost.len() <= 3 && distinct.len() == lost.len(),
        "each different failure once:\n{err}"
    );
    let repeated: Vec<u32> = err
        .lines()
        .filter_map(|l| {
            l.split("(the connection failure repeated ")
                .nth(1)?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert!(
        repeated.iter().any(|n| *n >= 2),
        "the repeats are summed up in one line once the server is back:\n{err}"
    );
    assert!(
        err.contains("(lỗi kết nối lặp lại "),
        "…in Vietnamese too:\n{err}"
    );
}
