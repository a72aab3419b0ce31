//! Running the built `congress-ledger` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// Builds the binary once (the same profile as these tests) and returns its path.
pub fn bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root")
            .to_path_buf();
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "cli", "--bin", "congress-ledger"])
            .current_dir(&root)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the binary failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        target.join("debug").join("congress-ledger")
    })
}

pub fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A `congress-ledger serve` on an ephemeral loopback port, stopped (SIGTERM) when dropped.
pub struct Server {
    child: std::process::Child,
    pub base: String,
}

impl Server {
    /// Sends SIGTERM and waits for the server to finish.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().expect("server exits")
    }

    pub fn start(ledger: &Path) -> Server {
        Server::start_with(ledger, &[])
    }

    /// `serve` with more arguments (witnesses to accept or push to).
    pub fn start_with(ledger: &Path, more: &[&str]) -> Server {
        let mut args = vec![
            "serve",
            "--ledger",
            ledger.to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(more);
        Server::spawn(&args)
    }

    /// Any command that serves and prints `… listening on http://ADDR` first.
    pub fn spawn(args: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = Command::new(bin())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .split_once("listening on ")
            .map(|(_, addr)| addr.to_string())
            .unwrap_or_else(|| panic!("no address line, got `{line}`"));
        Server { child, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Status and body of a request, whatever the status.
pub fn http(request: ureq::Request, body: Option<&[u8]>) -> (u16, String, String) {
    let request = request.timeout(std::time::Duration::from_secs(20));
    let result = match body {
        Some(b) => request
            .set("content-type", "application/octet-stream")
            .send_bytes(b),
        None => request.call(),
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request failed: {e}"),
    };
    let status = response.status();
    let content_type = response.content_type().to_string();
    (
        status,
        content_type,
        response.into_string().unwrap_or_default(),
    )
}
