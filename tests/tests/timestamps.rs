//! Trusted timestamps (RFC 3161) and evidence records (RFC 4998), end to end against a local
//! TSA (`openssl ts -reply` on loopback): a live server timestamps its checkpoints off the
//! append path, a bag carries the tokens and an evidence record that `openssl` verifies with
//! no project code, `verify --archive` reports every link, the record is renewed twice, and
//! each way a long-term proof can break is refused with the link and the reason.

mod common;
#[path = "common/tsa.rs"]
mod tsa;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{http, run, stderr, stdout, Server};
use tsa::{LocalTsa, Pki};

const YEAR: Duration = Duration::from_secs(365 * 86_400);

/// A fresh ledger in `dir/l` whose authority key is `dir/authority.key`; returns its log key.
fn ledger(dir: &Path) -> String {
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    for k in ["authority", "log", "k1"] {
        assert!(run(&["key", "generate", "--out", &p(&format!("{k}.key"))])
            .status
            .success());
    }
    let out = run(&[
        "init",
        "--ledger",
        &p("l"),
        "--origin",
        "ledger.test.vn/tsa",
        "--title",
        "Sổ cái thử dấu thời gian",
        "--authority-key",
        &p("authority.key"),
        "--log-key",
        &p("log.key"),
        "--rulebook",
        "qd190-2024",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["checkpoint", "--ledger", &p("l"), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["log_key"].as_str().unwrap().to_string()
}

/// Enrolls a key through the server (an act the authority may sign).
fn append(dir: &Path, server: &Server, key: &str, n: u32) {
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let out = run(&["key", "show", &p(key)]);
    let public = stdout(&out).lines().next().unwrap().trim().to_string();
    std::fs::write(
        p("enroll.json"),
        format!(
            r#"{{"key":"{public}","holder":"Ủy ban kiểm tra {n}","roles":["superior"],"scope":"org/","valid_from":1577836800000,"valid_until":null}}"#
        ),
    )
    .unwrap();
    let out = run(&[
        "append",
        "--server",
        &server.base,
        "--key",
        &p("authority.key"),
        "--stream",
        "ledger",
        "--kind",
        "key.enrolled",
        "--payload",
        &p("enroll.json"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn get_json(url: &str) -> serde_json::Value {
    let (status, _, body) = http(ureq::get(url), None);
    assert_eq!(status, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn verify_archive(bag: &str, key: &str, ca: &str, more: &[&str]) -> (bool, serde_json::Value) {
    let mut args = vec![
        "verify",
        "--archive",
        bag,
        "--log-key",
        key,
        "--tsa-ca",
        ca,
        "--json",
    ];
    args.extend_from_slice(more);
    let out = run(&args);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {}", stdout(&out), stderr(&out)));
    (out.status.success(), v)
}

/// Verification failed, its long-term failures saying each of `needles`.
fn refused((ok, v): (bool, serde_json::Value), needles: &[&str]) {
    assert!(!ok, "{v}");
    let failures = v["long_term"]["failures"].to_string();
    for needle in needles {
        assert!(failures.contains(needle), "{needle}: {failures}");
    }
}

fn openssl_in(dir: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!("{}{}", stdout(&out), stderr(&out)),
    )
}

#[test]
fn a_live_server_timestamps_its_checkpoints_and_a_bag_proves_them_renewed_twice() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let key = ledger(dir.path());
    let pki = Pki::new(&dir.path().join("pki"), "CA dấu thời gian thử");
    let tsa1 = LocalTsa::start(&pki, "tsa1.test.vn", YEAR);
    let tsa2 = LocalTsa::start(&pki, "tsa2.test.vn", YEAR);
    let ca = pki.ca_pem();

    // The server asks both TSAs for each new checkpoint, in the background.
    let server = Server::start_with(
        Path::new(&p("l")),
        &[
            "--tsa",
            &tsa1.url,
            "--tsa",
            &tsa2.url,
            "--checkpoint-interval-ms",
            "100",
        ],
    );
    append(dir.path(), &server, "k1.key", 1);
    let deadline = Instant::now() + Duration::from_secs(60);
    let (size, tokens) = loop {
        let (_, _, cp) = http(ureq::get(&server.url("/v1/checkpoint")), None);
        let size: u64 = cp.lines().nth(1).and_then(|l| l.parse().ok()).unwrap_or(0);
        if size == 2 {
            let t = get_json(&server.url(&format!("/v1/checkpoints/{size}/timestamps")));
            if t["tokens"].as_array().is_some_and(|a| a.len() == 2) {
                break (size, t);
            }
        }
        assert!(Instant::now() < deadline, "never timestamped: {cp}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(size, 2, "genesis and one enrolment");
    let health = get_json(&server.url("/healthz"));
    assert_eq!(
        health["timestamps"][&tsa1.url]["timestamped"], size,
        "{health}"
    );
    assert_eq!(health["timestamps"][&tsa2.url]["failures"], 0, "{health}");
    // The bytes timestamped are the log's own note: body and its one signature line.
    let note = tokens["note"].as_str().unwrap();
    assert!(note.starts_with("ledger.test.vn/tsa\n2\n"), "{note}");
    assert_eq!(note.matches("\n\u{2014} ").count(), 1, "{note}");
    assert!(server.stop().success());

    // The offline command timestamps the newest checkpoint too (here: a new one, at export).
    let out = run(&["timestamp", "--ledger", &p("l"), "--tsa", &tsa1.url]);
    assert!(out.status.success(), "{}", stderr(&out));

    // A bag carries the tokens with the exact bytes they cover; openssl alone verifies each.
    let bag = p("bag");
    let out = run(&[
        "export",
        "--ledger",
        &p("l"),
        "--out",
        &bag,
        "--tsa",
        &tsa1.url,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut tsrs: Vec<String> = std::fs::read_dir(Path::new(&bag).join("data/timestamps"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tsr"))
        .collect();
    tsrs.sort();
    assert!(
        tsrs.contains(&"2-1.tsr".to_string()) && tsrs.contains(&"2-2.tsr".to_string()),
        "both TSAs' tokens on checkpoint 2: {tsrs:?}"
    );
    std::fs::copy(&ca, Path::new(&bag).join("ca.pem")).unwrap();
    for tsr in &tsrs {
        let size = tsr.split('-').next().unwrap();
        let (ok, said) = openssl_in(
            &bag,
            &[
                "ts",
                "-verify",
                "-data",
                &format!("data/timestamps/{size}.note"),
                "-in",
                &format!("data/timestamps/{tsr}"),
                "-CAfile",
                "ca.pem",
            ],
        );
        assert!(ok && said.contains("Verification: OK"), "{tsr}: {said}");
    }
    std::fs::remove_file(Path::new(&bag).join("ca.pem")).unwrap();
    let (ok, said) = openssl_in(
        &bag,
        &["asn1parse", "-inform", "DER", "-in", "data/evidence.ers"],
    );
    assert!(ok, "{said}");
    assert!(
        said.contains("id-smime-ct-TSTInfo") && said.contains("sha256"),
        "{said}"
    );

    // verify --archive: the bag, the log, every token and the record's one link.
    let (ok, v) = verify_archive(&bag, &key, &ca, &[]);
    assert!(ok, "{v}");
    let lt = &v["long_term"];
    assert_eq!(lt["ok"], true, "{lt}");
    assert_eq!(
        lt["timestamps"].as_array().unwrap().len(),
        tsrs.len(),
        "{lt}"
    );
    let authorities: std::collections::BTreeSet<&str> = lt["timestamps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["authority"].as_str().unwrap())
        .collect();
    assert!(
        authorities == ["CN=tsa1.test.vn", "CN=tsa2.test.vn"].into(),
        "{lt}"
    );
    assert_eq!(lt["evidence"]["links"].as_array().unwrap().len(), 1, "{lt}");
    let earliest = lt["evidence"]["earliest"].as_str().unwrap().to_string();
    assert_eq!(
        earliest,
        lt["evidence"]["links"][0]["time"].as_str().unwrap()
    );
    let out = run(&[
        "verify",
        "--archive",
        &bag,
        "--log-key",
        &key,
        "--tsa-ca",
        &ca,
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("Earliest time proved") && text.contains("initial"),
        "{text}"
    );

    // Renewed twice: a new timestamp (by the other TSA), then a new hash tree with SHA-512.
    let manifest_before =
        std::fs::read_to_string(Path::new(&bag).join("manifest-sha256.txt")).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let out = run(&[
        "archive", "renew", &bag, "--tsa", &tsa2.url, "--tsa-ca", &ca,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("timestamp renewal"),
        "{}",
        stdout(&out)
    );
    let out = run(&[
        "archive", "renew", &bag, "--tsa", &tsa1.url, "--tsa-ca", &ca, "--hash", "sha512",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("hash-tree renewal"),
        "{}",
        stdout(&out)
    );
    // The payload and its manifest lines stay; only the record's line changed.
    let manifest_after =
        std::fs::read_to_string(Path::new(&bag).join("manifest-sha256.txt")).unwrap();
    let strip = |m: &str| {
        m.lines()
            .filter(|l| !l.ends_with("data/evidence.ers"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&manifest_before), strip(&manifest_after));
    assert_ne!(manifest_before, manifest_after);
    let (ok, v) = verify_archive(&bag, &key, &ca, &[]);
    assert!(ok, "{v}");
    assert_eq!(v["bag"]["ok"], true, "still a valid bag: {v}");
    let links = v["long_term"]["evidence"]["links"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = links
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap(),
                l["algorithm"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("initial", "sha256"),
            ("timestamp renewal", "sha256"),
            ("hash-tree renewal", "sha512")
        ]
    );
    assert_eq!(v["long_term"]["evidence"]["earliest"], earliest.as_str());
    let (ok, said) = openssl_in(
        &bag,
        &["asn1parse", "-inform", "DER", "-in", "data/evidence.ers"],
    );
    assert!(ok && said.contains("sha512"), "{said}");

    // A hash-tree renewal with a weaker algorithm is refused, and writes nothing.
    let before = std::fs::read(Path::new(&bag).join("data/evidence.ers")).unwrap();
    let out = run(&[
        "archive", "renew", &bag, "--tsa", &tsa1.url, "--tsa-ca", &ca, "--hash", "sha256",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let said = stderr(&out);
    assert!(
        said.contains("chain 3") && said.contains("weaker") && said.contains("yếu hơn"),
        "{said}"
    );
    assert_eq!(
        before,
        std::fs::read(Path::new(&bag).join("data/evidence.ers")).unwrap()
    );

    // An algorithm table under which SHA-256 stopped being trusted before the renewals: the
    // links made with it no longer hold, and verification says which and why.
    let table = p("algorithms.json");
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../algorithms.json"))
            .unwrap();
    std::fs::write(
        &table,
        shipped.replace(
            r#""oid": "2.16.840.1.101.3.4.2.1", "strength": 128, "not_after": null"#,
            r#""oid": "2.16.840.1.101.3.4.2.1", "strength": 128, "not_after": "2020-01-01""#,
        ),
    )
    .unwrap();
    refused(
        verify_archive(&bag, &key, &ca, &["--algorithms", &table]),
        &["sha256 stopped being trusted on 2020-01-01"],
    );

    // A token from a TSA the user does not trust.
    let other = Pki::new(&dir.path().join("other"), "CA khác");
    refused(
        verify_archive(&bag, &key, &other.ca_pem(), &[]),
        &["data/timestamps/", "is not trusted", "không được tin cậy"],
    );
}

#[test]
fn tokens_and_renewals_that_prove_nothing_are_refused_with_the_link_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let key = ledger(dir.path());
    let pki = Pki::new(&dir.path().join("pki"), "CA dấu thời gian thử");
    let lasting = LocalTsa::start(&pki, "tsa-lasting.test.vn", YEAR);
    // Its certificate expires a few seconds from now.
    let brief = LocalTsa::start(&pki, "tsa-brief.test.vn", Duration::from_secs(4));
    let ca = pki.ca_pem();
    let roots = ledger::timestamp::TsaRoots::read(Path::new(&ca)).unwrap();

    // A token whose imprint is not the data's.
    let out = run(&[
        "timestamp",
        "--ledger",
        &p("l"),
        "--tsa",
        &lasting.url,
        "--json",
    ]);
    assert!(out.status.success(), "{} {}", stdout(&out), stderr(&out));
    let bag = p("bag");
    let out = run(&[
        "export",
        "--ledger",
        &p("l"),
        "--out",
        &bag,
        "--tsa",
        &brief.url,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tsr = std::fs::read(Path::new(&bag).join("data/timestamps/1-1.tsr")).unwrap();
    let note = std::fs::read(Path::new(&bag).join("data/timestamps/1.note")).unwrap();
    let sha = ledger::timestamp::HashAlg::Sha256;
    let good = ledger::timestamp::verify(&tsr, sha, &sha.digest(&note), &roots, "1-1.tsr").unwrap();
    assert!(good.authority.contains("tsa-lasting.test.vn"), "{good:?}");
    let mut other = note.clone();
    other[0] ^= 1;
    let mismatch =
        ledger::timestamp::verify(&tsr, sha, &sha.digest(&other), &roots, "1-1.tsr").unwrap_err();
    assert_eq!(mismatch.link, "1-1.tsr");
    assert!(
        mismatch.why.en.contains("does not match the data"),
        "{mismatch}"
    );
    assert!(
        mismatch.why.vi.contains("không khớp với dữ liệu"),
        "{mismatch}"
    );

    // Renewal after the previous TSA's certificate expired: refused, nothing written.
    std::thread::sleep(Duration::from_secs(6));
    let before = std::fs::read(Path::new(&bag).join("data/evidence.ers")).unwrap();
    let out = run(&[
        "archive",
        "renew",
        &bag,
        "--tsa",
        &lasting.url,
        "--tsa-ca",
        &ca,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let said = stderr(&out);
    assert!(
        said.contains("chain 1 timestamp 2")
            && said.contains("renewal too late")
            && said.contains("gia hạn quá muộn")
            && said.contains("tsa-brief.test.vn"),
        "{said}"
    );
    assert_eq!(
        before,
        std::fs::read(Path::new(&bag).join("data/evidence.ers")).unwrap()
    );
    // And a record left unrenewed past that expiry no longer verifies.
    refused(
        verify_archive(&bag, &key, &ca, &[]),
        &["not renewed in time", "không được gia hạn kịp"],
    );

    // Renewals out of order: a record whose links were swapped.
    let bag2 = p("bag2");
    let out = run(&[
        "export",
        "--ledger",
        &p("l"),
        "--out",
        &bag2,
        "--tsa",
        &lasting.url,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::thread::sleep(Duration::from_millis(1100));
    let out = run(&[
        "archive",
        "renew",
        &bag2,
        "--tsa",
        &lasting.url,
        "--tsa-ca",
        &ca,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut record = ledger::evidence::read(Path::new(&bag2)).unwrap();
    record.archive_time_stamp_sequence[0].swap(0, 1);
    std::fs::write(
        Path::new(&bag2).join("data/evidence.ers"),
        der::Encode::to_der(&record).unwrap(),
    )
    .unwrap();
    refused(
        verify_archive(&bag2, &key, &ca, &[]),
        &["chain 1 timestamp 2", "renewal out of order", "sai thứ tự"],
    );
}

#[test]
fn a_tsa_that_is_down_never_blocks_appends_is_reported_and_is_caught_up_when_back() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    ledger(dir.path());
    // An address where nothing answers yet.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let url = format!("http://{addr}/");
    let server = Server::start_with(
        Path::new(&p("l")),
        &["--tsa", &url, "--checkpoint-interval-ms", "100"],
    );
    let started = Instant::now();
    append(dir.path(), &server, "k1.key", 1);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the append did not wait on the TSA"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let health = loop {
        let health = get_json(&server.url("/healthz"));
        if health["timestamps"][&url]["failures"].as_u64() >= Some(2) {
            break health;
        }
        assert!(Instant::now() < deadline, "{health}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        health["timestamps"][&url]["error"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{health}"
    );
    assert_eq!(health["size"], 2, "{health}");

    // Back: the next retry timestamps the newest checkpoint, and the status says so.
    let pki = Pki::new(&dir.path().join("pki"), "CA dấu thời gian thử");
    let _tsa = LocalTsa::start_on(&pki, "tsa-late.test.vn", YEAR, &addr);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let health = get_json(&server.url("/healthz"));
        if health["timestamps"][&url]["timestamped"] == 2 {
            assert_eq!(health["timestamps"][&url]["failures"], 0, "{health}");
            assert!(health["timestamps"][&url]["error"].is_null(), "{health}");
            break;
        }
        assert!(Instant::now() < deadline, "never caught up: {health}");
        std::thread::sleep(Duration::from_millis(300));
    }
    let t = get_json(&server.url("/v1/checkpoints/2/timestamps"));
    assert_eq!(t["tokens"][0]["tsa"], url.as_str(), "{t}");
    assert!(server.stop().success());
}
