//! Inspectors as witnesses, end to end against real servers on loopback: a witness service the
//! ledger pushes to, a witness handing its cosignature back, checkpoints served with their
//! cosignatures, proofs and verification under a witness policy, a monitor keeping a mirror,
//! and a forked log caught by each of them.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{http, run, stderr, stdout, Server};

/// A demo ledger in `dir/demo`; two builds share origin and log key but not receive times,
/// so at the same size they have different roots: what a forking operator would show.
fn demo(dir: &Path) -> String {
    let ledger = dir.join("demo");
    let keys = dir.join("keys");
    let out = run(&[
        "demo",
        "--ledger",
        ledger.to_str().unwrap(),
        "--keys-out",
        keys.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    ledger.to_str().unwrap().to_string()
}

fn log_key(ledger: &str) -> String {
    let out = run(&["checkpoint", "--ledger", ledger, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["log_key"].as_str().unwrap().to_string()
}

/// A witness key file and its published key.
fn witness(dir: &Path, name: &str) -> (String, String) {
    let file = dir.join(format!("{name}.key"));
    let file = file.to_str().unwrap().to_string();
    assert!(run(&["key", "generate", "--out", &file]).status.success());
    let out = run(&["witness", "key", "--key", &file, "--name", name]);
    assert!(out.status.success(), "{}", stderr(&out));
    (file, stdout(&out).trim().to_string())
}

fn get(url: &str) -> (u16, String) {
    let (status, _, body) = http(ureq::get(url), None);
    (status, body)
}

fn post_text(url: &str, body: &str) -> (u16, String, String) {
    http(ureq::post(url), Some(body.as_bytes()))
}

/// Polls until `check` holds of the body at `url`, or fails after 30 s.
fn wait_for(url: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let (status, body) = get(url);
        if status == 200 && check(&body) {
            return body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{url} never showed {what}; last answer {status}: {body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn has_cosignature(note: &str, name: &str) -> bool {
    note.lines().any(|l| l.starts_with(&format!("— {name} ")))
}

#[test]
fn witnesses_cosign_through_the_servers_and_a_fork_is_refused_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let fork_dir = tempfile::tempdir().unwrap();
    let (ledger, fork) = (demo(dir.path()), demo(fork_dir.path()));
    let lk = log_key(&ledger);
    assert_eq!(lk, log_key(&fork), "both builds are of one log");
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (w1_file, w1) = witness(dir.path(), "ubkt.tinhuy-haiduong.vn");
    let (w2_file, w2) = witness(dir.path(), "ubkt.trunguong.vn");

    // A witness service (C2SP tlog-witness), and its answers to bad requests.
    let service = Server::command(&[
        "witness",
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--log-key",
        &lk,
        "--key",
        &w1_file,
        "--name",
        "ubkt.tinhuy-haiduong.vn",
        "--state",
        &p("w1-state"),
    ]);
    let add = service.url("/add-checkpoint");
    let (status, _, body) = post_text(&add, "not a request");
    assert_eq!(status, 400, "{body}");
    let note_a = std::str::from_utf8(&run(&["checkpoint", "--ledger", &ledger]).stdout)
        .unwrap()
        .to_string();
    let stale = ledger::witness::AddCheckpoint {
        old: 5,
        proof: Vec::new(),
        note: note_a.clone(),
    };
    let (status, content_type, body) = post_text(&add, &stale.encode());
    assert_eq!(
        (status, content_type.as_str(), body.as_str()),
        (409, "text/x.tlog.size", "0\n"),
        "a witness that holds nothing says so"
    );
    let other_log = ledger::witness::AddCheckpoint {
        old: 0,
        proof: Vec::new(),
        note: note_a.replace("ledger.demo.vn/", "ledger.other.vn/"),
    };
    assert_eq!(post_text(&add, &other_log.encode()).0, 404);

    // The ledger pushes its checkpoint to the service and serves it with the cosignature.
    let serve_pushing = |dir: &str| {
        Server::start_with(
            Path::new(dir),
            &[
                "--witness",
                &w1,
                "--witness",
                &w2,
                "--push-witness",
                &service.base,
            ],
        )
    };
    let server = serve_pushing(&ledger);
    let note = wait_for(&server.url("/v1/checkpoint"), "w1's cosignature", |n| {
        has_cosignature(n, "ubkt.tinhuy-haiduong.vn")
    });
    let parsed = ledger::SignedNote::parse(&note).unwrap();
    assert_eq!(parsed.checkpoint.size, 249);
    let wk1 = ledger::format::WitnessKey::parse(&w1).unwrap();
    assert!(ledger::format::cosignature::verify(&parsed, &wk1).is_ok());

    // A second witness cosigns from the server and hands its cosignature back.
    let cosign = |server: &str, key: &str, name: &str, state: &str| {
        let out = p(&format!(
            "{name}-{}.note",
            server.rsplit(':').next().unwrap()
        ));
        run(&[
            "witness",
            "cosign",
            "--server",
            server,
            "--log-key",
            &lk,
            "--key",
            key,
            "--name",
            name,
            "--state",
            state,
            "--out",
            &out,
        ])
    };
    let out = cosign(&server.base, &w2_file, "ubkt.trunguong.vn", &p("w2-state"));
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let (_, note) = get(&server.url("/v1/checkpoint"));
    assert!(has_cosignature(&note, "ubkt.trunguong.vn"), "{note}");
    assert!(has_cosignature(&note, "ubkt.tinhuy-haiduong.vn"), "{note}");
    // A cosignature by a witness the server does not accept is refused, and said so.
    let (w3_file, _) = witness(dir.path(), "mot.nguoi.la");
    let out = cosign(&server.base, &w3_file, "mot.nguoi.la", &p("w3-state"));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--witness"), "{}", stderr(&out));

    // One act's proof from the server counts under the policy of both witnesses.
    let (_, act) = get(&server.url("/v1/events/148"));
    let hash = serde_json::from_str::<serde_json::Value>(&act).unwrap()["event_hash"]
        .as_str()
        .unwrap()
        .to_string();
    let proof = p("act.json");
    let out = run(&[
        "proof",
        "export",
        "--server",
        &server.base,
        "--event",
        &hash,
        "--out",
        &proof,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let verify_proof = |file: &str, quorum: &str| {
        run(&[
            "proof",
            "verify",
            file,
            "--log-key",
            &lk,
            "--witness",
            &w1,
            "--witness",
            &w2,
            "--quorum",
            quorum,
        ])
    };
    let out = verify_proof(&proof, "2");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    // The fork: the service refuses it (409, the size it holds), so does the second witness,
    // and the forked server's checkpoint gathers no cosignature.
    let fork_server = serve_pushing(&fork);
    let (_, fork_note) = get(&fork_server.url("/v1/checkpoint"));
    let fork_request = ledger::witness::AddCheckpoint {
        old: 249,
        proof: Vec::new(),
        note: fork_note,
    };
    let (status, _, body) = post_text(&add, &fork_request.encode());
    assert_eq!((status, body.as_str()), (409, "249\n"));
    let out = cosign(
        &fork_server.base,
        &w2_file,
        "ubkt.trunguong.vn",
        &p("w2-state"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("REFUSED"), "{}", stdout(&out));
    std::thread::sleep(Duration::from_secs(2));
    let (_, note) = get(&fork_server.url("/v1/checkpoint"));
    assert!(!has_cosignature(&note, "ubkt.tinhuy-haiduong.vn"), "{note}");
    let fork_proof = p("fork-act.json");
    let (_, act) = get(&fork_server.url("/v1/events/148"));
    let hash = serde_json::from_str::<serde_json::Value>(&act).unwrap()["event_hash"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(run(&[
        "proof",
        "export",
        "--server",
        &fork_server.base,
        "--event",
        &hash,
        "--out",
        &fork_proof,
    ])
    .status
    .success());
    let out = verify_proof(&fork_proof, "1");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    drop(fork_server);
    drop(server);
    drop(service);

    // Verification under a witness policy: the witnessed log holds, the fork does not.
    let verify = |args: &[&str]| {
        let mut all = vec!["verify"];
        all.extend_from_slice(args);
        run(&all)
    };
    let out = verify(&["--ledger", &ledger, "--witness", &w1, "--witness", &w2]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("cosigned by 2/2"), "{}", stdout(&out));
    let out = verify(&["--ledger", &fork, "--witness", &w1]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let out = verify(&["--ledger", &fork, "--json", "--witness", &w1]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["witnesses"]["ok"], false);
    assert_eq!(
        report["integrity"]["ok"], true,
        "the fork is a log of its own"
    );

    // The archive carries the cosignatures, so the policy holds offline too.
    let bag = p("bag");
    assert!(run(&["export", "--ledger", &ledger, "--out", &bag])
        .status
        .success());
    let out = verify(&[
        "--archive",
        &bag,
        "--log-key",
        &lk,
        "--witness",
        &w1,
        "--witness",
        &w2,
    ]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let (_, w4) = witness(dir.path(), "chua.dong.ky");
    let out = verify(&["--archive", &bag, "--log-key", &lk, "--witness", &w4]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

#[test]
fn a_monitor_keeps_a_verified_mirror_and_flags_a_fork() {
    let dir = tempfile::tempdir().unwrap();
    let fork_dir = tempfile::tempdir().unwrap();
    let (ledger, fork) = (demo(dir.path()), demo(fork_dir.path()));
    let lk = log_key(&ledger);
    let mirror = dir.path().join("mirror");
    let mirror = mirror.to_str().unwrap();
    let monitor = |server: &str, more: &[&str]| {
        let mut args = vec![
            "monitor",
            "--server",
            server,
            "--log-key",
            &lk,
            "--mirror",
            mirror,
            "--once",
            "--interval",
            "1",
        ];
        args.extend_from_slice(more);
        run(&args)
    };

    // A first run against a server that is down gives up (exit 2) and creates nothing: no
    // empty mirror is left behind a mistyped URL (issue 13 §6).
    let out = monitor("http://127.0.0.1:1", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot reach http://127.0.0.1:1; nothing was created"),
        "{}",
        stderr(&out)
    );
    assert!(
        !Path::new(mirror).exists(),
        "a mirror was made before connecting"
    );

    let server = Server::start(Path::new(&ledger));

    let out = monitor(&server.base, &["--json"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let last: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().last().unwrap()).unwrap();
    assert_eq!(last["progress"]["verified"], 249);
    assert_eq!(last["progress"]["checkpoint"], 249);
    // An act appended meanwhile (with the demo's presidium key) reaches the mirror.
    std::fs::write(
        dir.path().join("motion.json"),
        r#"{"motion": "b-1", "subject": "other", "text": "Biểu quyết số 1", "method": "show_of_hands", "present": 297, "for": 297, "against": 0, "abstain": 0, "adopted": true, "refs": []}"#,
    )
    .unwrap();
    let out = run(&[
        "append",
        "--server",
        &server.base,
        "--key",
        dir.path().join("keys/presidium.key").to_str().unwrap(),
        "--stream",
        "congress/hd.tp-haiduong/2020-2025",
        "--kind",
        "motion.decided",
        "--time",
        "2020-06-07T11:10:00+07:00",
        "--payload",
        dir.path().join("motion.json").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let served = wait_for(&server.url("/v1/checkpoint"), "a checkpoint of 250", |n| {
        n.lines().nth(1) == Some("250")
    });
    // Following again from the mirror: verified afresh, the new act fetched; under a witness policy
    // the uncosigned checkpoint is reported (not a failure of the log).
    let (_, w) = witness(dir.path(), "ubkt.example");
    let out = monitor(&server.base, &["--witness", &w]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("short of witnesses, size 250"),
        "{}",
        stdout(&out)
    );
    drop(server);

    // The mirror serves read-only, the same checkpoint.
    let replica = Server::start(Path::new(mirror));
    let (_, health) = get(&replica.url("/healthz"));
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    assert_eq!(
        (health["mirror"].as_bool(), health["size"].as_u64()),
        (Some(true), Some(250))
    );
    let (_, note) = get(&replica.url("/v1/checkpoint"));
    assert_eq!(note, served);
    let (status, _, _) = http(ureq::post(&replica.url("/v1/events")), Some(b"x"));
    assert!(status >= 400, "a mirror appends nothing");
    drop(replica);

    // The same address now serves another history: the monitor stops, exit 1, with both
    // checkpoints as evidence, and its mirror keeps only what verified.
    let fork_server = Server::start(Path::new(&fork));
    let out = monitor(&fork_server.base, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("FORKED LOG"), "{text}");
    // Both notes: the one held (250, the honest log) and the fork's (249).
    assert!(
        text.contains("\n250\n") && text.contains("\n249\n"),
        "both notes shown: {text}"
    );
    drop(fork_server);
    let out = run(&["verify", "--ledger", mirror]);
    assert!(out.status.success(), "{}", stdout(&out));
}
