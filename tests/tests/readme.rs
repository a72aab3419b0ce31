//! The README's walkthrough runs as written (issue 13 §1): every shell block marked
//! `<!-- run -->` is run, in order, by one bash in a fresh directory, with the `congress-ledger`
//! just built first on PATH. The only change made to the text is the servers' ports (8080,
//! 8081, 8090), replaced by free ones so that the test can run beside anything else. Every other
//! shell block must say why it is not run (`<!-- not run: … -->`), and the example payloads
//! must be what `schema show KIND --example` prints.

mod common;

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the whole walkthrough may take before it is stopped as hung.
const LIMIT: Duration = Duration::from_secs(600);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// A shell block of the README: its first line's number, whether it is marked to run, its text.
struct Block {
    line: usize,
    run: bool,
    text: String,
}

/// Every ```sh block, with the marker on the line before its fence, if any. A block with
/// neither marker is an error: every block a user would copy is run, or says why not.
fn blocks(readme: &str) -> Result<Vec<Block>, String> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "```sh" {
            i += 1;
            continue;
        }
        let marker = if i > 0 { lines[i - 1].trim() } else { "" };
        let run = marker == "<!-- run -->";
        if !run && !marker.starts_with("<!-- not run:") {
            return Err(format!(
                "README.md line {}: a shell block is neither marked `<!-- run -->` nor `<!-- not run: why -->`",
                i + 1
            ));
        }
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && lines[end].trim_end() != "```" {
            end += 1;
        }
        if end == lines.len() {
            return Err(format!("README.md line {}: the block is not closed", i + 1));
        }
        out.push(Block {
            line: start + 1,
            run,
            text: lines[start..end].join("\n"),
        });
        i = end + 1;
    }
    Ok(out)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn every_shell_block_is_run_or_says_why_not() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let all = blocks(&readme).unwrap_or_else(|e| panic!("{e}"));
    assert!(all.iter().filter(|b| b.run).count() >= 10);
    // The marker is checked: a block without one is refused.
    assert!(blocks("text\n```sh\nls\n```\n").is_err());
    assert!(blocks("<!-- run -->\n```sh\nls\n```\n").is_ok_and(|b| b[0].run));
}

#[test]
fn the_example_payloads_are_the_schemas_examples_for_every_kind() {
    let dir = root().join("examples/payloads");
    for spec in ledger::catalogue::KINDS {
        let file = dir.join(format!("{}.json", spec.kind));
        let shipped =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let out = common::run(&["schema", "show", spec.kind, "--example"]);
        assert!(out.status.success(), "schema show {}", spec.kind);
        let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let shipped: serde_json::Value = serde_json::from_str(&shipped).expect("JSON");
        assert_eq!(
            shipped,
            printed,
            "{} differs from `schema show {} --example`: regenerate it",
            file.display(),
            spec.kind
        );
        let latest = ledger::domain::latest_schema(spec.kind).expect("a schema");
        ledger::domain::schemas::validate(spec.kind, latest, shipped.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
}

#[test]
fn the_walkthrough_runs_as_written() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let ports = [
        ("127.0.0.1:8080", free_port()),
        ("127.0.0.1:8081", free_port()),
        ("127.0.0.1:8090", free_port()),
    ];
    let mut script = String::from("set -euo pipefail\n");
    for block in blocks(&readme).unwrap_or_else(|e| panic!("{e}")) {
        if !block.run {
            continue;
        }
        let mut text = block.text;
        for (addr, port) in ports {
            text = text.replace(addr, &format!("127.0.0.1:{port}"));
        }
        script.push_str(&format!("echo '### README.md line {}' >&2\n", block.line));
        script.push_str(&text);
        script.push('\n');
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin_dir = common::bin().parent().expect("the binary's directory");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Its own process group, so that every server it started is stopped with it.
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(root())
        .env("PATH", path)
        .env("TMPDIR", tmp.path())
        .env_remove("LANG")
        .env_remove("CONGRESS_LEDGER_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("bash runs");
    let group = child.id();
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting") {
            break Some(status);
        }
        if started.elapsed() > LIMIT {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .status();
    let _ = child.wait();
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    match status {
        Some(s) if s.success() => {}
        Some(s) => panic!("the walkthrough failed ({s}):\n--- stdout\n{out}\n--- stderr\n{err}"),
        None => panic!("the walkthrough ran over {LIMIT:?}:\n--- stdout\n{out}\n--- stderr\n{err}"),
    }
    // What the walkthrough says it shows, it shows.
    for expected in [
        "ĐẠT / OK",
        "ĐÚNG — hành vi có trong sổ cái / VALID",
        "Đã đồng ký / cosigned",
        "Hồ sơ lưu trữ / Archive bag ./so-cai-2020.bag: ĐẠT / OK",
        "Đã ký, chưa ghi vào sổ / signed, not appended",
    ] {
        assert!(
            out.contains(expected) || err.contains(expected),
            "no `{expected}` in:\n{out}\n{err}"
        );
    }
}
