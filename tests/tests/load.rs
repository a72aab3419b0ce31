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
