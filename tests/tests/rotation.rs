//! Rotating the log key through the binary (issue 17 §4): `key rotate-log`, then a live server
//! (`GET /v1/log-keys`), the monitor, `verify`, `export`/`verify --archive` and
//! `proof export`/`proof verify`, all with the key pinned before the rotation; and the
//! refusal of a rotation signed by a key that is no authority.

mod common;

use std::path::Path;

use common::{http, run, stderr, stdout, Server};
use ledger::scenarios::hai_duong_2020 as hd;

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(out), stderr(out)))
}

#[test]
fn the_log_key_rotated_and_followed_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let ledger_dir = dir.path().join("demo");
    let ledger = ledger_dir.to_str().unwrap();
    assert!(run(&["demo", "--ledger", ledger]).status.success());
    let keys = hd::keys();
    let authority = dir.path().join("authority.key");
    ledger::keys::write(&authority, &keys.authority).unwrap();
    let presidium = dir.path().join("presidium.key");
    ledger::keys::write(&presidium, &keys.presidium).unwrap();
    let old = json(&run(&["checkpoint", "--ledger", ledger, "--json"]))["log_key"]
        .as_str()
        .unwrap()
        .to_string();

    // A key that is no authority may not rotate the log key, and nothing is left behind.
    let out = run(&[
        "key",
        "rotate-log",
        "--ledger",
        ledger,
        "--authority-key",
        presidium.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("only an authority of the ledger may sign it")
            && stderr(&out).contains("log_key.rotated"),
        "{}",
        stderr(&out)
    );
    assert!(
        std::fs::read_dir(ledger_dir.join("log-keys"))
            .map(|d| d.count() == 0)
            .unwrap_or(true),
        "the unused secret was removed"
    );

    let out = run(&[
        "key",
        "rotate-log",
        "--ledger",
        ledger,
        "--authority-key",
        authority.to_str().unwrap(),
        "--reason",
        "Thay khóa định kỳ",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rotated = json(&out);
    let new = rotated["log_key"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(rotated["old_key_signs"], true);
    assert!(Path::new(rotated["secret"].as_str().unwrap()).is_file());
    let position = rotated["position"].as_u64().unwrap();
    let v = json(&run(&["checkpoint", "--ledger", ledger, "--json"]));
    assert_eq!(
        v["log_key"],
        old.as_str(),
        "the genesis key, for old readers"
    );
    assert_eq!(v["current_log_key"], new.as_str());
    assert_eq!(
        v["log_keys"],
        serde_json::json!([{"key": old, "from": 1}, {"key": new, "from": position + 1}])
    );

    // The server shows the chain; a monitor pinning the old key follows it (the checkpoint
    // past the rotation also carries the old key's signature: its anchor).
    let mirror = dir.path().join("mirror");
    let mirror = mirror.to_str().unwrap();
    let monitor = |base: &str| {
        run(&[
            "monitor",
            "--server",
            base,
            "--log-key",
            &old,
            "--mirror",
            mirror,
            "--once",
            "--interval",
            "1",
        ])
    };
    let server = Server::start(&ledger_dir);
    let (status, _, body) = http(ureq::get(&server.url("/v1/log-keys")), None);
    assert_eq!(status, 200, "{body}");
    let chain: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(chain["current"], new.as_str());
    assert_eq!(chain["keys"].as_array().map(Vec::len), Some(2));
    assert_eq!(chain["keys"][1]["named_at"], position);
    assert_eq!(chain["keys"][0]["key"], old.as_str());
    let out = monitor(&server.base);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    server.stop();

    // The old key's holder loses it; the ledger goes on with the new key alone.
    std::fs::remove_file(ledger_dir.join("log.key")).unwrap();
    let batch = dir.path().join("batch.jsonl");
    std::fs::write(
        &batch,
        format!(
            r#"{{"key": "presidium.key", "stream": "{}", "kind": "motion.decided", "time": "2020-06-07T10:00:00+07:00", "payload": {{"motion": "b-r", "subject": "other", "text": "Biểu quyết sau khi thay khóa", "method": "show_of_hands", "present": 297, "for": 297, "against": 0, "abstain": 0, "adopted": true, "refs": []}}}}"#,
            hd::CONGRESS
        ) + "\n",
    )
    .unwrap();
    let out = run(&[
        "append",
        "--ledger",
        ledger,
        "--batch",
        batch.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&run(&["checkpoint", "--ledger", ledger, "--json"]));
    let note = ledger::SignedNote::parse(v["note"].as_str().unwrap()).unwrap();
    let (old_key, new_key) = (
        ledger::VerifierKey::parse(&old).unwrap(),
        ledger::VerifierKey::parse(&new).unwrap(),
    );
    note.verify(&new_key).unwrap();
    assert!(note.verify(&old_key).is_err(), "signed by the new key only");
    let size = note.checkpoint.size;

    // The monitor restarts from its mirror and keeps following.
    let server = Server::start(&ledger_dir);
    let out = monitor(&server.base);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    server.stop();

    // `verify` with the key pinned before the rotation; a key that is none of the log's is
    // refused, named.
    let out = run(&["verify", "--ledger", ledger, "--log-key", &old]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let stranger =
        ledger::VerifierKey::new(&old_key.name, keys.counting.verifying_key().to_bytes())
            .unwrap()
            .encode();
    let out = run(&[
        "verify",
        "--ledger",
        ledger,
        "--log-key",
        &stranger,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("is not one of this log's keys"),
        "{}",
        stdout(&out)
    );

    // A bag exported after the rotation, with the old pinned key.
    let bag = dir.path().join("bag");
    let out = run(&["export", "--ledger", ledger, "--out", bag.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&[
        "verify",
        "--archive",
        bag.to_str().unwrap(),
        "--log-key",
        &old,
    ]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    // An act after the rotation, proved offline, with the old pinned key.
    let proof = dir.path().join("proof.json");
    let last = (size - 1).to_string();
    let out = run(&[
        "proof",
        "export",
        "--ledger",
        ledger,
        "--position",
        &last,
        "--out",
        proof.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&[
        "proof",
        "verify",
        proof.to_str().unwrap(),
        "--log-key",
        &old,
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(json(&out)["kind"], "motion.decided");
}
