//! Running the built `congress-ledger` binary.
#![allow(dead_code)]

pub mod contract;

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
        let profile = if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        };
        let mut build = Command::new(env!("CARGO"));
        build.args(["build", "--quiet", "-p", "cli", "--bin", "congress-ledger"]);
        if profile == "release" {
            build.arg("--release");
        }
        let status = build.current_dir(&root).status().expect("cargo runs");
        assert!(status.success(), "building the binary failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        target.join(profile).join("congress-ledger")
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
    stdout: Option<std::process::ChildStdout>,
    pub base: String,
    /// Waited for already: its pid may belong to another process by now, so it gets no signal.
    ended: bool,
}

impl Server {
    /// Sends SIGTERM and waits for the server to finish.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.ended = true;
        self.child.wait().expect("server exits")
    }

    /// Ends the server with SIGKILL, as a crash would: no handler runs, nothing is flushed.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.ended = true;
    }

    pub fn start(ledger: &Path) -> Server {
        Server::start_with(ledger, &[])
    }

    /// `serve` with more arguments (witnesses to accept or push to), once it listens.
    pub fn start_with(ledger: &Path, more: &[&str]) -> Server {
        let mut server = Server::spawn(ledger, more, Stdio::null());
        server.listening().expect("address line");
        server
    }

    /// Any command that serves and prints `… listening on http://ADDR` first (the witness
    /// service), once it listens.
    pub fn command(args: &[&str]) -> Server {
        let mut server = Server::launch(args, Stdio::null());
        server.listening().expect("address line");
        server
    }

    /// `serve` as it starts by default, every read needing a reader token, once it listens.
    pub fn start_secure(ledger: &Path) -> Server {
        let mut server = Server::launch(
            &[
                "serve",
                "--ledger",
                ledger.to_str().unwrap(),
                "--addr",
                "127.0.0.1:0",
            ],
            Stdio::null(),
        );
        server.listening().expect("address line");
        server
    }

    /// Starts `serve --public` (the log readable without a token, as these tests read it)
    /// with `extra` arguments, without waiting for it to listen (it may still be opening the
    /// ledger).
    pub fn spawn(ledger: &Path, extra: &[&str], stderr: Stdio) -> Server {
        let mut args = vec![
            "serve",
            "--ledger",
            ledger.to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
            "--public",
        ];
        args.extend_from_slice(extra);
        Server::launch(&args, stderr)
    }

    /// `serve --public` with `extra` arguments, started by `bash -c PREFIX` so that the shell
    /// can set limits first (e.g. `ulimit -n 64`), once it listens.
    pub fn start_under(prefix: &str, ledger: &Path, extra: &[&str]) -> Server {
        let mut args = vec![
            "-c".to_string(),
            format!("{prefix} && exec \"$0\" \"$@\""),
            bin().to_str().unwrap().to_string(),
            "serve".into(),
            "--ledger".into(),
            ledger.to_str().unwrap().into(),
            "--addr".into(),
            "127.0.0.1:0".into(),
            "--public".into(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        let mut child = Command::new("bash")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let mut server = Server {
            stdout: child.stdout.take(),
            child,
            base: String::new(),
            ended: false,
        };
        server.listening().expect("address line");
        server
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's address, `host:port`.
    pub fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    fn launch(args: &[&str], stderr: Stdio) -> Server {
        let mut child = Command::new(bin())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("server starts");
        Server {
            stdout: child.stdout.take(),
            child,
            base: String::new(),
            ended: false,
        }
    }

    /// Waits for the server's address line and returns its base URL; None when the server
    /// ended without listening.
    pub fn listening(&mut self) -> Option<String> {
        use std::io::BufRead;
        if let Some(out) = self.stdout.take() {
            let mut line = String::new();
            std::io::BufReader::new(out).read_line(&mut line).ok()?;
            // "đang nghe tại URL / listening on URL" (or one of them, by --lang): the URL is
            // the last word.
            if !line.contains("listening on ") && !line.contains("đang nghe tại ") {
                return None;
            }
            self.base = line.split_whitespace().last()?.to_string();
        }
        Some(self.base.clone()).filter(|b| !b.is_empty())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
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
