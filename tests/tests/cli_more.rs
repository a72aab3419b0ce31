//! The rest of the command line: batches, appending through a server, attachments,
//! completions, the manual page, languages.

mod common;

use common::{run, stderr, stdout, Server};
use ledger::scenarios::hai_duong_2020 as hd;

/// A demo ledger with the demo presidium's key written to a key file beside it.
fn demo(dir: &std::path::Path) -> (String, String) {
    let ledger = dir.join("demo");
    assert!(run(&["demo", "--ledger", ledger.to_str().unwrap()])
        .status
        .success());
    let key = dir.join("presidium.key");
    ledger::keys::write(&key, &hd::keys().presidium).unwrap();
    (
        ledger.to_str().unwrap().to_string(),
        key.to_str().unwrap().to_string(),
    )
}

fn motion(n: u32, time: &str) -> String {
    format!(
        r#"{{"key": "presidium.key", "stream": "{}", "kind": "motion.decided", "time": "{time}", "payload": {{"motion": "b-{n}", "subject": "other", "text": "Biểu quyết số {n}", "method": "show_of_hands", "present": 297, "for": 297, "against": 0, "abstain": 0, "adopted": true, "refs": []}}}}"#,
        hd::CONGRESS
    )
}

#[test]
fn a_batch_appends_in_order_and_stops_at_the_first_refused_line() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = demo(dir.path());
    let batch = dir.path().join("batch.jsonl");
    let mut lines: Vec<String> = (1..=3)
        .map(|n| motion(n, "2020-06-07T10:00:00+07:00"))
        .collect();
    lines.push(r#"{"key": "presidium.key", "stream": "congress/hd.tp-haiduong/2020-2025", "kind": "session.opened", "time": "2020-06-07T10:00:00+07:00", "payload": {"session": 0, "present": 1}}"#.into());
    lines.push(motion(5, "2020-06-07T10:00:00+07:00"));
    std::fs::write(&batch, lines.join("\n") + "\n").unwrap();
    let out = run(&[
        "append",
        "--ledger",
        &ledger,
        "--batch",
        batch.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).lines().count(),
        3,
        "three appended: {}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("line 4") && stderr(&out).contains("/session"),
        "{}",
        stderr(&out)
    );
    // What came before the refused line is kept; what came after was not tried.
    let out = run(&["verify", "--ledger", &ledger, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["integrity"]["entries"], 252);
}

#[test]
fn events_append_through_a_server_and_documents_attach() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, key) = demo(dir.path());
    let doc = dir.path().join("bien-ban.txt");
    std::fs::write(&doc, "Biên bản kiểm phiếu bầu Ban Chấp hành khóa XXIII\n").unwrap();
    let out = run(&[
        "attach",
        "--ledger",
        &ledger,
        "--key",
        &key,
        "--stream",
        hd::CONGRESS,
        "--file",
        doc.to_str().unwrap(),
        "--title",
        "Biên bản kiểm phiếu",
        "--time",
        "2020-06-07T11:00:00+07:00",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sha = v["sha256"].as_str().unwrap().to_string();

    let server = Server::start(std::path::Path::new(&ledger));
    let (status, _, body) = common::http(ureq::get(&server.url(&format!("/v1/blobs/{sha}"))), None);
    assert_eq!(
        (status, body.as_str()),
        (200, "Biên bản kiểm phiếu bầu Ban Chấp hành khóa XXIII\n")
    );
    let payload = dir.path().join("m.json");
    std::fs::write(&payload, r#"{"motion": "s-1", "subject": "other", "text": "Qua máy chủ", "method": "show_of_hands", "present": 297, "for": 297, "against": 0, "abstain": 0, "adopted": true, "refs": []}"#).unwrap();
    for n in 0..2 {
        let out = run(&[
            "append",
            "--server",
            &server.base,
            "--key",
            &key,
            "--stream",
            hd::CONGRESS,
            "--kind",
            "motion.decided",
            "--time",
            "2020-06-07T11:30:00+07:00",
            "--payload",
            payload.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{n}: {}", stderr(&out));
        assert!(
            stdout(&out).starts_with(&format!("{}\t", 250 + n)),
            "{}",
            stdout(&out)
        );
    }
    let out = run(&[
        "append",
        "--server",
        &server.base,
        "--key",
        &key,
        "--stream",
        "congress/elsewhere/2020-2025",
        "--kind",
        "motion.decided",
        "--payload",
        payload.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("HTTP 403"), "{}", stderr(&out));
    drop(server);

    // The exported bag carries the document.
    let bag = dir.path().join("bag");
    assert!(run(&[
        "export",
        "--ledger",
        &ledger,
        "--out",
        bag.to_str().unwrap()
    ])
    .status
    .success());
    assert!(bag.join("data/blobs/sha256").join(&sha).is_file());
}

#[test]
fn completions_a_manual_page_and_languages() {
    let out = run(&["completions", "bash"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("congress-ledger") && stdout(&out).contains("verify"));
    let out = run(&["man"]);
    assert!(out.status.success());
    assert!(
        stdout(&out).starts_with(".ie") || stdout(&out).contains(".TH"),
        "{}",
        &stdout(&out)[..200.min(stdout(&out).len())]
    );
    let out = run(&["--lang", "en", "demo"]);
    assert!(stdout(&out).contains("Integrity") && !stdout(&out).contains("Toàn vẹn"));
    let out = run(&["--lang", "vi", "demo"]);
    assert!(stdout(&out).contains("Toàn vẹn") && !stdout(&out).contains("Integrity"));
}

#[test]
fn a_report_shows_who_was_declared_but_not_validly_elected_and_acts_after_closing() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = demo(dir.path());
    // The day after the approved congress closed, the presidium records a round of the
    // committee's election declaring someone with no votes counted.
    let line = |kind: &str, payload: String, time: &str| {
        format!(
            r#"{{"key": "presidium.key", "stream": "{}", "kind": "{kind}", "time": "{time}", "payload": {payload}}}"#,
            hd::CONGRESS
        )
    };
    let lines = [
        line(
            "election.opened",
            r#"{"election": "bs", "body": "committee", "round": 1, "seats": 1, "alternates": 0}"#
                .to_string(),
            "2020-06-08T09:00:00+07:00",
        ),
        line(
            "election.declared",
            format!(
                r#"{{"election": "bs", "round": 1, "elected": ["p-bs"], "alternates": [], "counted": "{}"}}"#,
                "0".repeat(64)
            ),
            "2020-06-08T09:30:00+07:00",
        ),
    ];
    let batch = dir.path().join("late.jsonl");
    std::fs::write(&batch, lines.join("\n") + "\n").unwrap();
    let out = run(&[
        "append",
        "--ledger",
        &ledger,
        "--batch",
        batch.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["report", "--ledger", &ledger, "--stream", hd::CONGRESS]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "Ban Chấp hành / Committee: 41\n",
        "p-bs (p-bs), bs vòng / round 1: đã công bố nhưng không trúng cử hợp lệ / declared, not validly elected (0 phiếu / votes, cơ sở / base 297)",
        "[V-06]",
        "`election.declared` was recorded after its results were approved",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in: {text}");
    }
}

#[test]
fn reports_show_a_congress_progress_and_the_register() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = demo(dir.path());
    let out = run(&["report", "--ledger", &ledger, "--stream", hd::CONGRESS]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("nữ / women 8/41 (19,5%)") && text.contains("Present: 297/300"),
        "{text}"
    );
    let out = run(&[
        "report",
        "--ledger",
        &ledger,
        "--stream",
        hd::CONGRESS,
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["composition"]["incumbents_reelected"]["count"], 32);
    assert_eq!(v["base"], 297);
    let out = run(&[
        "report",
        "--ledger",
        &ledger,
        "--org",
        "hd.tinh-haiduong",
        "--term",
        "2020-2025",
        "--as-of",
        "2020-06-06",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["held"].as_u64(), v["closed"].as_u64()),
        (Some(1), Some(0)),
        "held on 5 June, closed on 7 June"
    );
    let out = run(&["report", "--ledger", &ledger, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["complaints"].as_array().unwrap().len(), 0);
    assert_eq!(v["congresses"].as_array().unwrap().len(), 1);
    for bad in [
        vec!["--stream", "complaint/none"],
        vec!["--stream", "congress/none/2020-2025"],
        vec!["--org", "nowhere"],
        vec!["--org", "hd.tinh-haiduong", "--as-of", "19/5/2020"],
    ] {
        let mut args = vec!["report", "--ledger", &ledger];
        args.extend(bad.iter().copied());
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(
            stderr(&out).contains("lỗi / error"),
            "{bad:?}: {}",
            stderr(&out)
        );
    }
    let out = run(&["checkpoint", "--ledger", &ledger, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["size"], 249);
    let out = run(&[
        "key",
        "generate",
        "--out",
        dir.path().join("k.key").to_str().unwrap(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["public"].as_str().unwrap().len(), 64);
}

#[test]
fn verify_fails_on_findings_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, key) = demo(dir.path());
    // Irregular acts are recorded, not refused: a resolution declared adopted with 100 of 297.
    let payload = dir.path().join("nq.json");
    std::fs::write(&payload, r#"{"motion": "nq", "subject": "resolution", "text": "Nghị quyết", "method": "show_of_hands", "present": 150, "for": 100, "against": 20, "abstain": 30, "adopted": true, "refs": []}"#).unwrap();
    let out = run(&[
        "append",
        "--ledger",
        &ledger,
        "--key",
        &key,
        "--stream",
        hd::CONGRESS,
        "--kind",
        "motion.decided",
        "--time",
        "2020-06-07T10:00:00+07:00",
        "--payload",
        payload.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["verify", "--ledger", &ledger]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "integrity and authority hold: {}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("[R-01]"), "{}", stdout(&out));
    for level in ["violation", "warning"] {
        let out = run(&["verify", "--ledger", &ledger, "--fail-on", level]);
        assert_eq!(out.status.code(), Some(3), "--fail-on {level}");
    }
    let out = run(&["verify", "--ledger", &ledger, "--fail-on", "catastrophe"]);
    assert_eq!(out.status.code(), Some(2), "bad usage");
}

#[test]
fn one_act_proved_offline_with_nothing_but_the_log_key() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = demo(dir.path());
    let out = run(&["checkpoint", "--ledger", &ledger, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let log_key = v["log_key"].as_str().unwrap().to_string();
    // The secretary's direct election: entry 148, signed by the counting committee.
    let out = run(&["verify", "--ledger", &ledger, "--json"]);
    assert!(out.status.success());
    let path = std::path::Path::new(&ledger);
    let entry = ledger::Ledger::open(path, ledger::Options::default())
        .unwrap()
        .entry(148)
        .unwrap()
        .unwrap();
    let hash = entry.event.hash().to_hex();
    let proof = dir.path().join("proof.json");
    let out = run(&[
        "proof",
        "export",
        "--ledger",
        &ledger,
        "--event",
        &hash,
        "--out",
        proof.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Named by its position instead, the same act gives the same proof.
    let by_position = dir.path().join("by-position.json");
    let out = run(&[
        "proof",
        "export",
        "--ledger",
        &ledger,
        "--position",
        "148",
        "--out",
        by_position.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&by_position).unwrap(),
        std::fs::read(&proof).unwrap()
    );
    let out = run(&[
        "proof",
        "export",
        "--ledger",
        &ledger,
        "--position",
        "400",
        "--out",
        dir.path().join("none.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the log has 249 entries"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("none.json").exists());
    let out = run(&[
        "proof",
        "verify",
        proof.to_str().unwrap(),
        "--log-key",
        &log_key,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["position"].as_u64(), v["kind"].as_str()),
        (Some(148), Some("election.declared"))
    );
    assert_eq!(v["signed_by"], "Ban Kiểm phiếu");
    assert_eq!(v["payload"]["election"], "bt");

    // Any change to the proof's contents, or another key, fails.
    let original = std::fs::read_to_string(&proof).unwrap();
    let text: serde_json::Value = serde_json::from_str(&original).unwrap();
    let act_entry = text["act"]["entry"].as_str().unwrap().to_string();
    let mut flipped = act_entry.clone().into_bytes();
    let i = flipped.len() - 200;
    flipped[i] = if flipped[i] == b'0' { b'1' } else { b'0' };
    for (what, changed) in [
        (
            "the act's bytes",
            original.replace(&act_entry, std::str::from_utf8(&flipped).unwrap()),
        ),
        (
            "the checkpoint",
            original.replacen("\\n249\\n", "\\n250\\n", 1),
        ),
        (
            "the registry",
            original.replacen("\"position\": 1,", "\"position\": 2,", 1),
        ),
    ] {
        assert_ne!(changed, original, "{what} was changed");
        std::fs::write(&proof, &changed).unwrap();
        let out = run(&[
            "proof",
            "verify",
            proof.to_str().unwrap(),
            "--log-key",
            &log_key,
        ]);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", stdout(&out));
        assert!(stdout(&out).contains("INVALID"), "{what}");
    }
    std::fs::write(&proof, &original).unwrap();
    let out = run(&[
        "key",
        "generate",
        "--out",
        dir.path().join("x.key").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let out = run(&[
        "key",
        "show",
        dir.path().join("x.key").to_str().unwrap(),
        "--name",
        "ledger.demo.vn/tinh-haiduong/2020-2025",
    ]);
    let other = stdout(&out).lines().nth(1).unwrap().to_string();
    let out = run(&[
        "proof",
        "verify",
        proof.to_str().unwrap(),
        "--log-key",
        &other,
    ]);
    assert_eq!(out.status.code(), Some(1));

    // Under a witness policy the checkpoint counts only with the cosignatures asked for.
    let commission = ed25519_dalek::SigningKey::from_bytes(&[41u8; 32]);
    let chair = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
    let wkey = |name: &str, k: &ed25519_dalek::SigningKey| {
        ledger::format::WitnessKey::new(name, k.verifying_key().to_bytes())
            .unwrap()
            .encode()
    };
    let (w1, w2) = (
        wkey("ubkt.tinhuy-haiduong.vn", &commission),
        wkey("ubkt.trunguong.vn", &chair),
    );
    let mut text: serde_json::Value = serde_json::from_str(&original).unwrap();
    let mut note = ledger::SignedNote::parse(text["checkpoint"].as_str().unwrap()).unwrap();
    note.signatures.push(
        ledger::format::cosignature::cosign(
            &note,
            "ubkt.tinhuy-haiduong.vn",
            &commission,
            1_780_000_000,
        )
        .unwrap(),
    );
    text["checkpoint"] = serde_json::Value::String(note.encode());
    std::fs::write(&proof, serde_json::to_string_pretty(&text).unwrap()).unwrap();
    let verify_with = |extra: &[&str]| {
        let mut args = vec![
            "proof",
            "verify",
            proof.to_str().unwrap(),
            "--log-key",
            &log_key,
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let out = verify_with(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a cosignature line changes nothing without a policy"
    );
    let out = verify_with(&["--witness", &w1]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("ubkt.tinhuy-haiduong.vn"),
        "{}",
        stdout(&out)
    );
    let out = verify_with(&["--witness", &w1, "--witness", &w2, "--quorum", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = verify_with(&["--witness", &w1, "--witness", &w2]);
    assert_eq!(out.status.code(), Some(1), "both asked for, one cosigned");
    assert!(
        stdout(&out).contains("ubkt.trunguong.vn"),
        "{}",
        stdout(&out)
    );
    let out = verify_with(&["--witness", &w2, "--quorum", "2"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a quorum larger than the witnesses named"
    );
    let out = verify_with(&["--witness", &log_key]);
    assert_eq!(out.status.code(), Some(2), "a log key is not a witness key");
}

#[test]
fn a_witness_cosigns_a_growing_log_and_refuses_a_fork() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = demo(dir.path());
    // Another build of the same demo: same origin and log key, other receive times, so a
    // checkpoint of the same size with another root — what a forking operator would show.
    let other_dir = tempfile::tempdir().unwrap();
    let (fork, _) = demo(other_dir.path());
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let checkpoint_to = |ledger: &str, file: &str| {
        let out = run(&["checkpoint", "--ledger", ledger]);
        assert!(out.status.success());
        std::fs::write(p(file), &out.stdout).unwrap();
    };
    let out = run(&["checkpoint", "--ledger", &ledger, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let log_key = v["log_key"].as_str().unwrap().to_string();
    assert!(run(&["key", "generate", "--out", &p("ubkt.key")])
        .status
        .success());
    let out = run(&[
        "witness",
        "key",
        "--key",
        &p("ubkt.key"),
        "--name",
        "ubkt.tinhuy-haiduong.vn",
    ]);
    let witness_key = stdout(&out).trim().to_string();
    assert!(ledger::format::WitnessKey::parse(&witness_key).is_ok());
    let (wkey_file, state) = (p("ubkt.key"), p("state"));
    let witness_cosign = |source: &[&str]| {
        let mut args = vec![
            "witness",
            "cosign",
            "--log-key",
            &log_key,
            "--key",
            &wkey_file,
            "--name",
            "ubkt.tinhuy-haiduong.vn",
            "--state",
            &state,
        ];
        args.extend_from_slice(source);
        run(&args)
    };
    let cosign = |file: &str, consistency: Option<&str>, out: &str| {
        let (file, out) = (p(file), p(out));
        let consistency = consistency.map(p);
        let mut source = vec!["--checkpoint", &file, "--out", &out];
        if let Some(c) = &consistency {
            source.extend_from_slice(&["--consistency", c]);
        }
        witness_cosign(&source)
    };

    checkpoint_to(&ledger, "249.note");
    let out = cosign("249.note", None, "249.cosigned");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let note =
        ledger::SignedNote::parse(&std::fs::read_to_string(p("249.cosigned")).unwrap()).unwrap();
    let w = ledger::format::WitnessKey::parse(&witness_key).unwrap();
    assert!(ledger::format::cosignature::verify(&note, &w).is_ok());

    // The other history at the same size is refused, with both checkpoints shown.
    checkpoint_to(&fork, "fork.note");
    let out = cosign("fork.note", None, "fork.cosigned");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("REFUSED"), "{text}");
    let held = std::fs::read_to_string(p("249.note")).unwrap();
    let offered = std::fs::read_to_string(p("fork.note")).unwrap();
    assert!(text.contains(held.lines().nth(2).unwrap()), "{text}");
    assert!(text.contains(offered.lines().nth(2).unwrap()), "{text}");
    assert!(!dir.path().join("fork.cosigned").exists());

    // The log grows; with the consistency proof the witness follows it.
    std::fs::write(
        p("more.jsonl"),
        [
            motion(1, "2020-06-07T11:00:00+07:00"),
            motion(2, "2020-06-07T11:05:00+07:00"),
        ]
        .join("\n")
            + "\n",
    )
    .unwrap();
    let out = run(&["append", "--ledger", &ledger, "--batch", &p("more.jsonl")]);
    assert!(out.status.success(), "{}", stderr(&out));
    checkpoint_to(&ledger, "251.note");
    let out = cosign("251.note", None, "251.cosigned");
    assert_eq!(
        out.status.code(),
        Some(2),
        "a proof is needed: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--consistency"), "{}", stderr(&out));
    let out = run(&[
        "proof",
        "consistency",
        "--ledger",
        &ledger,
        "--old",
        "249",
        "--json",
    ]);
    std::fs::write(p("249-251.json"), &out.stdout).unwrap();
    let out = cosign("251.note", Some("249-251.json"), "251.cosigned");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    // The old checkpoint is now a rollback.
    let out = cosign("249.note", None, "again.cosigned");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));

    // Online: the witness fetches the checkpoint and the proof from the server, and hands
    // the cosignature back to it.
    let server = Server::start_with(std::path::Path::new(&ledger), &["--witness", &witness_key]);
    let cosign_online = || witness_cosign(&["--server", &server.base]);
    let out = cosign_online();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).starts_with("ledger.demo.vn/tinh-haiduong/2020-2025\n251\n"));
    std::fs::write(
        p("one.jsonl"),
        motion(3, "2020-06-07T11:10:00+07:00") + "\n",
    )
    .unwrap();
    let out = run(&[
        "append",
        "--server",
        &server.base,
        "--batch",
        &p("one.jsonl"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The server signs a checkpoint of the new size within a second or so.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let note = ureq::get(&server.url("/v1/checkpoint"))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        if note.lines().nth(1) == Some("252") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint of size 252: {note}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = cosign_online();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let note = ledger::SignedNote::parse(&stdout(&out)).unwrap();
    assert_eq!(note.checkpoint.size, 252);
    assert!(ledger::format::cosignature::verify(&note, &w).is_ok());

    // An act's proof can be had from the server too, and is checked like any other.
    let export_remote = |position: &str, out: &str| {
        let out = p(out);
        run(&[
            "proof",
            "export",
            "--server",
            &server.base,
            "--position",
            position,
            "--out",
            &out,
        ])
    };
    let out = export_remote("148", "remote.json");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&[
        "proof",
        "verify",
        &p("remote.json"),
        "--log-key",
        &log_key,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["position"], 148);
    assert!(v["checkpoint_size"].as_u64().unwrap() >= 252);
    let status = |path: &str| match ureq::get(&server.url(path)).call() {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(status("/v1/proofs/act/not-a-hash"), 400);
    assert_eq!(status(&format!("/v1/proofs/act/{}", "ab".repeat(32))), 404);
    let out = export_remote("9999", "none.json");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("404"), "{}", stderr(&out));
    server.stop();
}

#[test]
fn a_congress_report_shows_the_inspection_conclusion_and_checks_its_root() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = demo(dir.path());
    let (size, root) = {
        let l = ledger::Ledger::open(std::path::Path::new(&ledger), Default::default()).unwrap();
        let at = (l.size(), l.root().to_hex());
        l.close().unwrap();
        at
    };
    let key = dir.path().join("inspection.key");
    ledger::keys::write(&key, &hd::keys().inspection).unwrap();
    let payload = dir.path().join("kl.json");
    std::fs::write(
        &payload,
        format!(
            r#"{{"checkpoint": {{"size": {size}, "root": "{root}"}}, "findings": [], "summary": "Không phát hiện vi phạm."}}"#
        ),
    )
    .unwrap();
    let out = run(&[
        "append",
        "--ledger",
        &ledger,
        "--key",
        key.to_str().unwrap(),
        "--stream",
        hd::CONGRESS,
        "--kind",
        "inspection.concluded",
        "--time",
        "2020-09-01T09:00:00+07:00",
        "--payload",
        payload.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["report", "--ledger", &ledger, "--stream", hd::CONGRESS]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "Kết luận kiểm tra / Inspection conclusion (2020-09-01), điểm kiểm tra / checkpoint {size} / {}: gốc khớp với sổ cái / root matches the log",
            &root[..12]
        )) && text.contains("Không phát hiện vi phạm."),
        "{text}"
    );
}

/// A damaged `checkpoints.log` is integrity failing: `verify` exits 1 naming the file and the
/// byte, and nothing is cut off (issue 16, item 5).
#[test]
fn verify_names_a_damaged_checkpoint_history_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = demo(dir.path());
    let history = std::path::Path::new(&ledger).join("checkpoints.log");
    let mut bytes = std::fs::read(&history).unwrap();
    let n = bytes.len();
    bytes[n - 3] ^= 0x20;
    std::fs::write(&history, &bytes).unwrap();
    let out = run(&["verify", "--ledger", &ledger]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("checkpoints.log") && text.contains("byte 16"),
        "{text}"
    );
    assert_eq!(std::fs::read(&history).unwrap(), bytes, "nothing cut off");
}
