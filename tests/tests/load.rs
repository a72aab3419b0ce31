//! The load generator, briefly: a few seconds against a started server, and its own check
//! that every acknowledged event is stored where and as it was acknowledged. The figures are
//! the benchmark's business (scripts/benchmarks.sh); here only correctness is asserted.

mod common;

use std::process::Command;

#[test]
fn a_short_load_run_loses_no_acknowledged_append() {
    let server = common::bin();
    let out = Command::new(env!("CARGO_BIN_EXE_load"))
        .args([
            "--seconds",
            "3",
            "--clients",
            "8",
            "--events",
            "300",
            "--json",
        ])
        .arg("--server-bin")
        .arg(server)
        .output()
        .expect("the load generator runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let figures: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(figures["lost"], 0, "{figures}");
    assert_eq!(figures["errors"], 0, "{figures}");
    assert_eq!(figures["stored_unacknowledged"], 0, "{figures}");
    assert!(figures["acknowledged"].as_u64().unwrap() > 0, "{figures}");
    assert!(figures["p99_ms"].as_f64().unwrap() >= figures["p50_ms"].as_f64().unwrap());
    assert!(
        figures["server_peak_rss_mib"].as_f64().unwrap() > 0.0,
        "{figures}"
    );
}

/// The floor's sinks (`load --sink`): the generator runs against them with no error, and the
/// checking sink really checks, refusing an event whose signature was changed.
#[test]
fn the_floor_sinks_answer_like_the_ledger_and_the_checking_one_checks() {
    for sink in ["nothing", "check"] {
        let out = Command::new(env!("CARGO_BIN_EXE_load"))
            .args(["--sink", sink, "--seconds", "1", "--clients", "4"])
            .args(["--events", "100", "--json"])
            .output()
            .expect("the load generator runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{sink}: {stdout}");
        let figures: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one line");
        assert_eq!(figures["sink"], sink, "{figures}");
        assert_eq!(figures["errors"], 0, "{figures}");
        assert!(figures["acknowledged"].as_u64().unwrap() > 0, "{figures}");
    }

    let mut child = Command::new(env!("CARGO_BIN_EXE_sink"))
        .arg("check")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the sink starts");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("its stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).expect("a line");
    let url = format!(
        "{}/v1/events",
        line.trim().rsplit(' ').next().expect("a URL")
    );
    let key = ledger::scenarios::demo_key("load/sink-test");
    let payload = serde_json::json!({"motion": "m-0", "subject": "resolution"});
    let event = ledger::compose::event(
        "urn:test",
        "congress/sink/2025-2030",
        0,
        ledger::Hash::ZERO,
        "motion.decided",
        1,
        0,
        &key,
        &payload,
    )
    .expect("signed");
    let good = event.into_bytes();
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let (good_status, _, good_body) = common::http(ureq::post(&url), Some(&good));
    let (bad_status, _, _) = common::http(ureq::post(&url), Some(&bad));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(good_status, 201, "{good_body}");
    assert!(
        good_body.contains("\"stream\":\"congress/sink/2025-2030\""),
        "{good_body}"
    );
    assert_eq!(bad_status, 403, "a changed signature must be refused");
}
