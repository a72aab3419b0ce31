//! Post-quantum cosignatures end to end (issue 17 §2): a live server cosigning its checkpoints
//! with ML-DSA-44, a witness service and a witness on the command line cosigning with
//! ML-DSA-44, and a reader requiring the post-quantum quorum in `verify`, `proof verify`, the
//! monitor and a bag's verification.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{http, run, stderr, stdout, Server};

fn wait_for(url: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let (status, _, body) = http(ureq::get(url), None);
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

/// A demo ledger in `dir/demo`, its keys in `dir/keys`.
fn demo(dir: &Path) -> String {
    let ledger = dir.join("demo").to_str().unwrap().to_string();
    let keys = dir.join("keys").to_str().unwrap().to_string();
    let out = run(&["demo", "--ledger", &ledger, "--keys-out", &keys]);
    assert!(out.status.success(), "{}", stderr(&out));
    ledger
}

/// `checkpoint --json` of a ledger: its keys among others.
fn checkpoint_json(ledger: &str) -> serde_json::Value {
    let out = run(&["checkpoint", "--ledger", ledger, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A new ML-DSA-44 key file at `file`.
fn generate_ml_dsa_44(file: &str) {
    let out = run(&["key", "generate", "--algorithm", "ml-dsa-44", "--out", file]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim().len(), 2 * 1312, "the public key, hex");
}

/// An ML-DSA-44 key file and its published cosigner key (type 0x06).
fn pq_witness(dir: &Path, name: &str) -> (String, String) {
    let file = dir.join(format!("{name}.key"));
    let file = file.to_str().unwrap().to_string();
    generate_ml_dsa_44(&file);
    let out = run(&["witness", "key", "--key", &file, "--name", name]);
    assert!(out.status.success(), "{}", stderr(&out));
    let key = stdout(&out).trim().to_string();
    assert!(
        ledger::format::WitnessKey::parse(&key)
            .unwrap()
            .is_post_quantum(),
        "{key}"
    );
    (file, key)
}

#[test]
fn a_server_and_witnesses_cosign_with_ml_dsa_and_readers_require_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let ledger = demo(dir.path());

    // The log's own ML-DSA-44 key, in its directory: from the next checkpoint on, each is
    // cosigned with it.
    generate_ml_dsa_44(&format!("{ledger}/log-ml-dsa-44.key"));
    let v = checkpoint_json(&ledger);
    let lk = v["log_key"].as_str().unwrap().to_string();
    let log_pq = v["log_pq_key"].as_str().unwrap().to_string();
    let log_pq_key = ledger::format::WitnessKey::parse(&log_pq).unwrap();
    assert!(log_pq_key.is_post_quantum());
    assert_eq!(log_pq_key.name, "ledger.demo.vn/tinh-haiduong/2020-2025");

    let (w1_file, w1) = pq_witness(dir.path(), "ubkt.tinhuy-haiduong.vn");
    let (w2_file, w2) = pq_witness(dir.path(), "ubkt.trunguong.vn");
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
    let server = Server::start_with(
        Path::new(&ledger),
        &[
            "--witness",
            &w1,
            "--witness",
            &w2,
            "--push-witness",
            &service.base,
        ],
    );
    std::fs::write(
        p("motion.json"),
        r#"{"motion": "b-1", "subject": "other", "text": "Biểu quyết số 1", "method": "show_of_hands", "present": 297, "for": 297, "against": 0, "abstain": 0, "adopted": true, "refs": []}"#,
    )
    .unwrap();
    let out = run(&[
        "append",
        "--server",
        &server.base,
        "--key",
        &p("keys/presidium.key"),
        "--stream",
        "congress/hd.tp-haiduong/2020-2025",
        "--kind",
        "motion.decided",
        "--time",
        "2020-06-07T11:10:00+07:00",
        "--payload",
        &p("motion.json"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let note = wait_for(
        &server.url("/v1/checkpoint"),
        "the ML-DSA-44 witness's cosignature on 250",
        |n| n.lines().nth(1) == Some("250") && has_cosignature(n, "ubkt.tinhuy-haiduong.vn"),
    );
    let parsed = ledger::SignedNote::parse(&note).unwrap();
    // The log's Ed25519 signature, its ML-DSA-44 cosignature, and the witness's.
    ledger::format::cosignature::verify(&parsed, &log_pq_key).unwrap();
    let wk1 = ledger::format::WitnessKey::parse(&w1).unwrap();
    ledger::format::cosignature::verify(&parsed, &wk1).unwrap();

    // A second ML-DSA-44 witness cosigns from the command line and hands it back.
    let out = run(&[
        "witness",
        "cosign",
        "--server",
        &server.base,
        "--log-key",
        &lk,
        "--key",
        &w2_file,
        "--name",
        "ubkt.trunguong.vn",
        "--state",
        &p("w2-state"),
        "--out",
        &p("w2.note"),
    ]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let note = wait_for(&server.url("/v1/checkpoint"), "w2's cosignature", |n| {
        has_cosignature(n, "ubkt.trunguong.vn")
    });
    assert!(has_cosignature(&note, "ubkt.tinhuy-haiduong.vn"), "{note}");

    let pq_policy = [
        "--witness",
        log_pq.as_str(),
        "--witness",
        w1.as_str(),
        "--witness",
        w2.as_str(),
        "--quorum",
        "3",
    ];
    // The monitor follows the log under the post-quantum policy.
    let mut args = vec![
        "monitor",
        "--server",
        &server.base,
        "--log-key",
        &lk,
        "--mirror",
        dir.path().join("mirror").to_str().unwrap(),
        "--once",
        "--interval",
        "1",
    ]
    .into_iter()
    .map(str::to_string)
    .collect::<Vec<_>>();
    args.extend(pq_policy.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    // One act's proof, verified under it.
    let (_, _, act) = http(ureq::get(&server.url("/v1/events/249")), None);
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
    let mut args = vec!["proof", "verify", proof.as_str(), "--log-key", lk.as_str()];
    args.extend_from_slice(&pq_policy);
    let out = run(&args);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    drop(server);
    drop(service);

    // Verification of the ledger, and of its bag, under the post-quantum policy.
    let mut args = vec!["verify", "--ledger", ledger.as_str()];
    args.extend_from_slice(&pq_policy);
    let out = run(&args);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("cosigned by 3/3"), "{}", stdout(&out));
    let bag = p("bag");
    let out = run(&["export", "--ledger", &ledger, "--out", &bag]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut args = vec![
        "verify",
        "--archive",
        bag.as_str(),
        "--log-key",
        lk.as_str(),
    ];
    args.extend_from_slice(&pq_policy);
    let out = run(&args);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    // A post-quantum witness that never cosigned: the policy is not met, and said so.
    let (_, w3) = pq_witness(dir.path(), "chua.dong.ky");
    let out = run(&[
        "verify",
        "--archive",
        &bag,
        "--log-key",
        &lk,
        "--witness",
        &w3,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("chua.dong.ky"), "{}", stdout(&out));
}

/// Issue 17 §5: the bag holds the explorer's pages as static HTML under `data/render/`,
/// linked relatively, with no script, covered by the manifests; `verify --archive` wants it.
#[test]
fn an_exported_bag_carries_a_readable_render_of_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let ledger = demo(dir.path());
    let lk = checkpoint_json(&ledger)["log_key"]
        .as_str()
        .unwrap()
        .to_string();
    let bag = p("bag");
    let out = run(&["export", "--ledger", &ledger, "--out", &bag]);
    assert!(out.status.success(), "{}", stderr(&out));
    let render = Path::new(&bag).join("data/render");

    // The congress, its acts (in both languages), their proofs, the complaints.
    let index = std::fs::read_to_string(render.join("index.html")).unwrap();
    assert!(
        index.contains("href=\"congresses/hd.tp-haiduong/2020-2025.html\""),
        "{index}"
    );
    let congress =
        std::fs::read_to_string(render.join("congresses/hd.tp-haiduong/2020-2025.html")).unwrap();
    assert!(
        congress.contains("href=\"../../acts/"),
        "acts linked relatively"
    );
    assert!(render.join("index.en.html").is_file());
    assert!(render.join("complaints.html").is_file());
    let acts: Vec<_> = std::fs::read_dir(render.join("acts"))
        .unwrap()
        .flatten()
        .collect();
    assert!(acts.len() > 200, "{} act pages", acts.len());
    let proofs = std::fs::read_dir(render.join("proofs")).unwrap().count();
    assert!(proofs > 100, "{proofs} proofs");

    // Every page: no script, and every link resolves to a file of the render.
    let manifest = std::fs::read_to_string(Path::new(&bag).join("manifest-sha256.txt")).unwrap();
    let mut pages = 0;
    let mut stack = vec![render.clone()];
    while let Some(d) = stack.pop() {
        for item in std::fs::read_dir(&d).unwrap().flatten() {
            let path = item.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(&bag)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            assert!(
                manifest.contains(&format!("  {rel}\n")),
                "{rel} not in the manifest"
            );
            if path.extension().is_some_and(|e| e == "html") {
                pages += 1;
                let html = std::fs::read_to_string(&path).unwrap();
                assert!(!html.contains("<script"), "{rel} has a script");
                for link in html.split("href=\"").skip(1) {
                    let link = link.split('"').next().unwrap();
                    if link.starts_with('#') {
                        continue;
                    }
                    assert!(!link.starts_with('/'), "{rel}: absolute link {link}");
                    let target = path.parent().unwrap().join(link);
                    assert!(target.is_file(), "{rel}: link {link} goes nowhere");
                }
            }
        }
    }
    assert!(pages > 400, "{pages} pages");
    let verify = || run(&["verify", "--archive", &bag, "--log-key", &lk]);
    let out = verify();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    // A render changed after export is caught by the manifest.
    let page = render.join("index.html");
    std::fs::write(&page, index.replace("2020-2025", "2020-2026")).unwrap();
    let out = verify();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("data/render/index.html"),
        "{}",
        stdout(&out)
    );
    // A bag without a render (its manifests rewritten to match) is incomplete, and said so.
    std::fs::remove_dir_all(&render).unwrap();
    let kept: String = manifest
        .lines()
        .filter(|l| !l.contains("  data/render/"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(Path::new(&bag).join("manifest-sha256.txt"), &kept).unwrap();
    std::fs::remove_file(Path::new(&bag).join("tagmanifest-sha256.txt")).unwrap();
    let out = verify();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("no human-readable render"),
        "{}",
        stdout(&out)
    );
}
