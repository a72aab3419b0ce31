//! Tiles end to end: `publish` into a real S3-compatible server (`s3s-fs`, installed by
//! `scripts/install-test-tools.sh`, started here on loopback), `verify --tiles` from the
//! bucket alone, `serve`'s `/tlog/` and `serve --publish`, and publishers killed at random
//! moments never leaving a checkpoint the bucket's tiles do not back.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{bin, http, stderr, stdout};
use ledger::tiles::read::TileLog;
use ledger::tiles::DirStore;

const BUCKET: &str = "term";
const ACCESS: &str = "congress-ledger-test";
const SECRET: &str = "congress-ledger-test-secret";

/// `s3s-fs` on a free loopback port, over a temporary directory; killed when dropped.
struct S3 {
    child: Child,
    endpoint: String,
    root: tempfile::TempDir,
}

impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn s3s_fs() -> PathBuf {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(std::env::var_os("CARGO_HOME").map(|h| PathBuf::from(h).join("bin")))
        .chain(std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin")));
    for dir in candidates {
        let exe = dir.join("s3s-fs");
        if exe.is_file() {
            return exe;
        }
    }
    panic!(
        "s3s-fs is not installed: run scripts/install-test-tools.sh (which .ci/run calls) \
         before these tests"
    );
}

impl S3 {
    fn start() -> S3 {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(BUCKET)).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(s3s_fs())
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--access-key",
                ACCESS,
                "--secret-key",
                SECRET,
            ])
            .arg(root.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "s3s-fs did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        S3 {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            root,
        }
    }

    /// The congress-ledger command, with this server's endpoint and credentials.
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.args(args)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", ACCESS)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_REGION", "us-east-1")
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("binary runs")
    }

    /// What the bucket holds under `prefix`, read from the server's own directory.
    fn objects(&self, prefix: &str) -> PathBuf {
        self.root.path().join(BUCKET).join(prefix)
    }
}

fn demo(dir: &Path) -> (PathBuf, String) {
    let ledger = dir.join("demo");
    let out = common::run(&["demo", "--ledger", ledger.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let key = ledger::Ledger::open(&ledger, ledger::Options::default())
        .unwrap()
        .log_key()
        .encode();
    (ledger, key)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for item in std::fs::read_dir(dir).unwrap() {
        let path = item.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn a_term_published_to_a_bucket_verifies_from_it_alone() {
    let s3 = S3::start();
    let dir = tempfile::tempdir().unwrap();
    let (ledger, key) = demo(dir.path());
    let url = format!("s3://{BUCKET}/hai-duong");
    let out = s3.run(&[
        "publish",
        "--ledger",
        ledger.to_str().unwrap(),
        "--to",
        &url,
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let done: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (done["from"].as_u64(), done["size"].as_u64()),
        (Some(0), Some(249))
    );

    // The same tiles as a publication into a directory, byte for byte.
    let local = dir.path().join("tiles");
    let out = common::run(&[
        "publish",
        "--ledger",
        ledger.to_str().unwrap(),
        "--to",
        local.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut published = Vec::new();
    files(&local, &mut published);
    assert!(published.len() >= 3);
    for path in &published {
        let rel = path.strip_prefix(&local).unwrap();
        let in_bucket = std::fs::read(s3.objects("hai-duong").join(rel))
            .unwrap_or_else(|e| panic!("{} not in the bucket: {e}", rel.display()));
        assert_eq!(in_bucket, std::fs::read(path).unwrap(), "{}", rel.display());
    }

    // An act's proof, from the ledger and then from the bucket alone: the same document.
    let from_ledger = dir.path().join("proof-ledger.json");
    let out = common::run(&[
        "proof",
        "export",
        "--ledger",
        ledger.to_str().unwrap(),
        "--position",
        "100",
        "--out",
        from_ledger.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    // No ledger anywhere: the bucket and the pinned key are enough.
    std::fs::remove_dir_all(&ledger).unwrap();
    let from_tiles = dir.path().join("proof-tiles.json");
    let out = s3.run(&[
        "proof",
        "export",
        "--tiles",
        &url,
        "--log-key",
        &key,
        "--cache",
        dir.path().join("proof-cache").to_str().unwrap(),
        "--position",
        "100",
        "--out",
        from_tiles.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let read = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    assert_eq!(read(&from_tiles), read(&from_ledger));
    let out = common::run(&[
        "proof",
        "verify",
        from_tiles.to_str().unwrap(),
        "--log-key",
        &key,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let cache = dir.path().join("cache");
    let verify = |cache: &Path| {
        s3.run(&[
            "verify",
            "--tiles",
            &url,
            "--log-key",
            &key,
            "--cache",
            cache.to_str().unwrap(),
            "--json",
        ])
    };
    let out = verify(&cache);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["integrity"]["entries"], 249);
    assert!(report["findings"].is_array());

    // A monitor follows the bucket alone and keeps a verified mirror of it.
    let mirror = dir.path().join("mirror");
    let monitor = |cache: &str, mirror: &Path| {
        s3.run(&[
            "monitor",
            "--tiles",
            &url,
            "--log-key",
            &key,
            "--cache",
            dir.path().join(cache).to_str().unwrap(),
            "--mirror",
            mirror.to_str().unwrap(),
            "--once",
            "--interval",
            "1",
        ])
    };
    let out = monitor("m-cache", &mirror);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let out = common::run(&["verify", "--ledger", mirror.to_str().unwrap(), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["integrity"]["entries"], 249);

    // One entry byte changed in the bucket: integrity fails (a fresh cache reads it).
    let bundle = s3.objects("hai-duong").join("tile/entries/000.p/249");
    let mut bytes = std::fs::read(&bundle).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 1;
    std::fs::write(&bundle, bytes).unwrap();
    let out = verify(&dir.path().join("cache2"));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let out = monitor("m-cache2", &dir.path().join("mirror2"));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // A key that is not the log's: refused, nothing trusted.
    let stranger = "ledger.demo.vn/tinh-haiduong/2020-2025+00000000+AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB";
    let out = s3.run(&["verify", "--tiles", &url, "--log-key", stranger]);
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn serve_serves_tlog_and_keeps_a_bucket_published() {
    let s3 = S3::start();
    let dir = tempfile::tempdir().unwrap();
    let (ledger, key) = demo(dir.path());
    let url = format!("s3://{BUCKET}/live");
    let mut child = s3
        .command(&[
            "serve",
            "--ledger",
            ledger.to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
            "--publish",
            &url,
            // The log's tiles are read as the log is: here by anyone.
            "--public",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = {
        use std::io::BufRead;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("listening on "), "{line}");
        line.split_whitespace().last().unwrap().to_string()
    };
    struct Kill(Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _server = Kill(child);

    let get = |path: &str| {
        let resp = ureq::get(&format!("{base}/tlog/{path}")).call();
        match resp {
            Ok(r) => (200, r.header("cache-control").unwrap_or("").to_string()),
            Err(ureq::Error::Status(code, _)) => (code, String::new()),
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(get("checkpoint"), (200, "no-cache".to_string()));
    let (status, cache) = get("tile/0/000.p/249");
    assert_eq!(status, 200);
    assert!(cache.contains("immutable"), "{cache}");
    assert_eq!(get("tile/entries/000.p/249").0, 200);
    assert_eq!(
        get("tile/0/000").0,
        404,
        "a full tile the log does not have yet"
    );
    assert_eq!(get("tile/0/0").0, 404, "not a tiles path");
    let (status, _, body) = http(ureq::get(&format!("{base}/tlog/tile/0/001")), None);
    assert_eq!(status, 404, "{body}");

    // Verified from the server's /tlog like from any static host.
    let out = s3.run(&[
        "verify",
        "--tiles",
        &format!("{base}/tlog"),
        "--log-key",
        &key,
        "--cache",
        dir.path().join("c1").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // And the bucket it keeps published.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !s3.objects("live").join("checkpoint").is_file() {
        assert!(
            Instant::now() < deadline,
            "serve --publish published nothing"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = s3.run(&[
        "verify",
        "--tiles",
        &url,
        "--log-key",
        &key,
        "--cache",
        dir.path().join("c2").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

/// Every checkpoint a bucket shows is backed by tiles: read from the server's directory, it
/// opens with the log key, its tiles are the entries', and the log verifies.
fn backed(objects: &Path, key: &ledger::VerifierKey) -> Option<u64> {
    if !objects.join("checkpoint").is_file() {
        return None;
    }
    let log = TileLog::open(Box::new(DirStore::new(objects)), None, key.clone())
        .unwrap_or_else(|e| panic!("the bucket's checkpoint does not open: {e}"));
    log.check_tiles()
        .unwrap_or_else(|e| panic!("the bucket's checkpoint is not backed by its tiles: {e}"));
    let report = ledger::verify::integrity(&log, &Default::default()).unwrap();
    assert!(report.ok(), "{:?}", report.failure);
    Some(log.checkpoint().checkpoint.size)
}

#[test]
fn a_publisher_killed_at_any_moment_leaves_a_backed_checkpoint() {
    let s3 = S3::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let scenario = ledger::scenarios::hai_duong_2020::build().unwrap();
    let key = ledger::VerifierKey::new(
        &scenario.origin,
        scenario.log_key.verifying_key().to_bytes(),
    )
    .unwrap();
    let mut events = scenario.events.into_iter();
    let genesis = events.next().unwrap();
    ledger::Ledger::create(&path, genesis, scenario.log_key, ledger::Options::default())
        .unwrap()
        .close()
        .unwrap();
    let url = format!("s3://{BUCKET}/crash");
    let objects = s3.objects("crash");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    println!("seed {seed}");
    let mut rng = seed;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let (mut kills, mut last) = (0, None);
    loop {
        // The log grows by a random stretch between publications.
        let stretch: Vec<_> = events.by_ref().take(1 + (next() % 40) as usize).collect();
        let grown = !stretch.is_empty();
        let l = ledger::Ledger::open(&path, ledger::Options::default()).unwrap();
        for e in stretch {
            l.append(e.into_bytes()).unwrap();
        }
        l.sign_checkpoint().unwrap();
        l.close().unwrap();
        // A publisher killed after a random moment (some finish first).
        let mut child = s3
            .command(&["publish", "--ledger", path.to_str().unwrap(), "--to", &url])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(next() % 400));
        if child.try_wait().unwrap().is_none() {
            kills += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        let now = backed(&objects, &key);
        assert!(
            now >= last,
            "the bucket's checkpoint went back from {last:?} to {now:?}"
        );
        last = now;
        if !grown {
            break;
        }
    }
    println!("{kills} publishers killed mid-way");
    // A publisher that is left to finish brings the bucket to the whole log.
    let out = s3.run(&["publish", "--ledger", path.to_str().unwrap(), "--to", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let size = ledger::Ledger::open(&path, ledger::Options::default())
        .unwrap()
        .size();
    assert_eq!(backed(&objects, &key), Some(size));
}
