//! Load generator: `POST /v1/events` from many concurrent clients for a bounded time, then a
//! check that every acknowledged event is stored at its acknowledged position, byte for byte.
//!
//! It starts `congress-ledger serve` over a fresh demo ledger (or drives `--url`, a server over
//! a demo ledger), enrolls one presidium key per client with the demo authority's key, signs
//! every event before the clock starts (each client its own stream, so that no two conflict),
//! and reports throughput, latency percentiles, errors, lost acknowledgements and the server's
//! peak RSS. Run: `cargo run --release -p e2e --bin load -- --seconds 10`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;
use clap::Parser;
use ed25519_dalek::SigningKey;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use ledger::scenarios::{demo_key, hai_duong_2020 as hd};
use ledger::{compose, Hash, Options};
use serde_json::{json, Value};

#[derive(Parser)]
#[command(about = "HTTP load on POST /v1/events, with a check that no acknowledgement is lost")]
struct Args {
    /// A running server over a demo ledger (`congress-ledger demo --ledger DIR`, then `serve`);
    /// default: start one over a fresh demo ledger in a temporary directory.
    #[arg(long)]
    url: Option<String>,
    /// The server's process id, for its peak RSS when `--url` is given.
    #[arg(long)]
    pid: Option<u32>,
    /// The `congress-ledger` binary to start; default: the one beside this binary.
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Where to put the started server's ledger; default: a temporary directory.
    #[arg(long)]
    dir: Option<PathBuf>,
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// How long the clients send.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Events signed in advance per client (a client that runs out stops early); default:
    /// enough for 40,000 appends/s.
    #[arg(long)]
    events: Option<usize>,
    /// Print the figures as one JSON object.
    #[arg(long)]
    json: bool,
    /// A reader token for a `--url` server that is not public (`congress-ledger access grant`).
    #[arg(long, env = "CONGRESS_LEDGER_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Measure the floor instead of the ledger: the same clients post the same events to the
    /// `sink` binary beside this one, an axum server that answers each like the ledger (201,
    /// an acknowledgement of the same shape) after doing `nothing` or only the ledger's strict
    /// signature `check`. Nothing is stored, so nothing is read back.
    #[arg(long, value_enum, conflicts_with_all = ["url", "pid", "server_bin", "dir"])]
    sink: Option<Sink>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Sink {
    Nothing,
    Check,
}

impl Sink {
    fn name(self) -> &'static str {
        match self {
            Sink::Nothing => "nothing",
            Sink::Check => "check",
        }
    }
}

/// The `authorization` header line every request carries when a token was given.
static AUTHORIZATION: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn authorization() -> &'static str {
    AUTHORIZATION.get().map_or("", String::as_str)
}

/// A TCP connection to the server at `base` (`http://host:port`), and its host.
async fn connect(base: &str) -> anyhow::Result<(tokio::net::TcpStream, String)> {
    let host = base
        .strip_prefix("http://")
        .context("the URL must start with http://")?
        .trim_end_matches('/')
        .to_string();
    let stream = tokio::net::TcpStream::connect(&host)
        .await
        .with_context(|| format!("connecting to {host}"))?;
    stream.set_nodelay(true)?;
    Ok((stream, host))
}

/// One HTTP/1.1 keep-alive connection.
struct Conn {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    host: String,
}

impl Conn {
    async fn open(base: &str) -> anyhow::Result<Conn> {
        let (stream, host) = connect(base).await?;
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        Ok(Conn { sender, host })
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Bytes,
    ) -> anyhow::Result<(StatusCode, Bytes)> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host)
            .header("content-type", "application/octet-stream");
        if let Some(value) = authorization().strip_prefix("authorization: ") {
            request = request.header("authorization", value.trim_end());
        }
        let request = request.body(Full::new(body))?;
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    async fn get_json(&mut self, path: &str) -> anyhow::Result<Value> {
        let (status, body) = self.send(Method::GET, path, Bytes::new()).await?;
        if !status.is_success() {
            bail!("GET {path}: {status} {}", String::from_utf8_lossy(&body));
        }
        Ok(serde_json::from_slice(&body)?)
    }
}

/// The timed path's connection. Each request goes out in one write and each answer is parsed
/// with httparse into a buffer reused from request to request: the generator shares the
/// machine's two cores with the server it measures, so it spends as little of them as it can.
struct RawConn {
    stream: tokio::net::TcpStream,
    head: String,
    out: Vec<u8>,
    buf: Vec<u8>,
}

/// What an acknowledgement says that the check needs.
#[derive(serde::Deserialize)]
struct Ack {
    position: u64,
}

impl RawConn {
    async fn open(base: &str) -> anyhow::Result<RawConn> {
        let (stream, host) = connect(base).await?;
        Ok(RawConn {
            stream,
            head: format!(
                "POST /v1/events HTTP/1.1\r\nhost: {host}\r\n{}content-type: application/octet-stream\r\ncontent-length: ",
                authorization()
            ),
            out: Vec::with_capacity(2048),
            buf: Vec::with_capacity(4096),
        })
    }

    /// Posts one event; returns the status and the answer's body.
    async fn post(&mut self, event: &[u8]) -> anyhow::Result<(u16, &[u8])> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        self.out.clear();
        self.out.extend_from_slice(self.head.as_bytes());
        self.out
            .extend_from_slice(format!("{}\r\n\r\n", event.len()).as_bytes());
        self.out.extend_from_slice(event);
        self.stream.write_all(&self.out).await?;
        self.buf.clear();
        let (status, start, len) = loop {
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                bail!("the server closed the connection");
            }
            self.buf.extend_from_slice(&chunk[..n]);
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut response = httparse::Response::new(&mut headers);
            if let httparse::Status::Complete(at) = response.parse(&self.buf)? {
                let len = response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| std::str::from_utf8(h.value).ok())
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .context("an answer without content-length")?;
                break (response.code.unwrap_or(0), at, len);
            }
        };
        while self.buf.len() < start + len {
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                bail!("the server closed the connection mid-answer");
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
        Ok((status, &self.buf[start..start + len]))
    }
}

/// A binary in this one's directory.
fn beside_me(name: &str) -> anyhow::Result<PathBuf> {
    Ok(std::env::current_exe()?
        .parent()
        .context("this binary's directory")?
        .join(name))
}

/// The server this run drives: started here, or given.
struct Server {
    base: String,
    child: Option<Child>,
    pid: Option<u32>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    fn start(args: &Args) -> anyhow::Result<Server> {
        if let Some(mode) = args.sink {
            let mut sink = Command::new(beside_me("sink")?);
            sink.arg(mode.name());
            return Server::spawn(sink, "cargo build --release -p e2e --bin sink", None);
        }
        if let Some(url) = &args.url {
            return Ok(Server {
                base: url.trim_end_matches('/').to_string(),
                child: None,
                pid: args.pid,
                _dir: None,
            });
        }
        let temp = tempfile::tempdir()?;
        let dir = args
            .dir
            .clone()
            .unwrap_or_else(|| temp.path().join("ledger"));
        let ledger = hd::build()?.create_ledger(&dir, Options::default())?;
        ledger.close()?;
        let bin = match &args.server_bin {
            Some(b) => b.clone(),
            None => beside_me("congress-ledger")?,
        };
        let mut serve = Command::new(&bin);
        serve
            .args(["serve", "--ledger"])
            .arg(&dir)
            // The load generator reads back everything it appended: it serves the demo
            // ledger publicly, as an operator of a public record would.
            .args(["--addr", "127.0.0.1:0", "--public"])
            .env("RUST_LOG", "warn");
        Server::spawn(serve, "cargo build --release -p cli", Some(temp))
    }

    /// Starts a server (how to build it in `build`, for the error) and waits until it says
    /// where it listens.
    fn spawn(
        mut command: Command,
        build: &str,
        dir: Option<tempfile::TempDir>,
    ) -> anyhow::Result<Server> {
        let bin = PathBuf::from(command.get_program());
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {} (build it: {build})", bin.display()))?;
        Server::listening(child, dir)
    }

    /// A started server, once it says where it listens.
    fn listening(mut child: Child, dir: Option<tempfile::TempDir>) -> anyhow::Result<Server> {
        let mut line = String::new();
        let stdout = child.stdout.take().context("the server's stdout")?;
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)?;
        // "đang nghe tại URL / listening on URL": the URL is the last word.
        let base = line
            .contains("listening on ")
            .then(|| line.split_whitespace().last())
            .flatten()
            .with_context(|| format!("the server said `{}`", line.trim()))?
            .to_string();
        let pid = child.id();
        Ok(Server {
            base,
            child: Some(child),
            pid: Some(pid),
            _dir: dir,
        })
    }

    /// CPU time the server has used so far (every thread, user and system), in seconds.
    fn cpu_seconds(&self) -> Option<f64> {
        cpu_seconds(&format!("/proc/{}/stat", self.pid?))
    }

    /// Peak resident set size (VmHWM) in MiB.
    fn peak_rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        let kb: f64 = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        Some(kb / 1024.0)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Enrolls one presidium key per client with the demo authority's key, over the API.
async fn enroll(base: &str, keys: &[SigningKey]) -> anyhow::Result<()> {
    let mut conn = Conn::open(base).await?;
    let health = conn.get_json("/healthz").await?;
    if health["origin"] != hd::ORIGIN {
        bail!(
            "the server's ledger is {}, not the demo's {}: start it over `congress-ledger demo --ledger DIR`",
            health["origin"],
            hd::ORIGIN
        );
    }
    let authority = hd::keys().authority;
    for (i, key) in keys.iter().enumerate() {
        let head = conn.get_json("/v1/streams/ledger?from=0&limit=1").await?;
        let version = head["next_version"].as_u64().context("next_version")?;
        let prev: Hash = head["head"].as_str().context("head")?.parse()?;
        let payload = compose::enrollment(
            &key.verifying_key().to_bytes(),
            &format!("Đoàn Chủ tịch tải {i}"),
            &["presidium"],
            "congress/",
            hd_time(),
            None,
        );
        let event = compose::event(
            hd::ORIGIN,
            "ledger",
            version,
            prev,
            "key.enrolled",
            1,
            hd_time(),
            &authority,
            &payload,
        )?;
        let (status, body) = conn
            .send(Method::POST, "/v1/events", Bytes::from(event.into_bytes()))
            .await?;
        if status != StatusCode::CREATED {
            bail!(
                "enrolling key {i}: {status} {}",
                String::from_utf8_lossy(&body)
            );
        }
    }
    Ok(())
}

fn hd_time() -> i64 {
    ledger::scenarios::vn_time(2020, 6, 7, 9, 0)
}

/// Each client's events, signed in order on its own stream, on every core.
fn sign_all(run: &str, keys: &[SigningKey], per_client: usize) -> Vec<(String, Vec<Bytes>)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut out: Vec<(String, Vec<Bytes>)> = Vec::with_capacity(keys.len());
    std::thread::scope(|s| {
        // Every chunk but the last holds `size` keys: client i's index counts from there (the
        // last chunk's own length would give its clients the streams of earlier ones).
        let size = keys.len().div_ceil(threads);
        let handles: Vec<_> = keys
            .chunks(size)
            .enumerate()
            .map(|(chunk, keys)| {
                s.spawn(move || {
                    keys.iter()
                        .enumerate()
                        .map(|(j, key)| {
                            let i = chunk * size + j;
                            let stream = format!("congress/load-{run}-{i}/2025-2030");
                            let mut prev = Hash::ZERO;
                            let events = (0..per_client as u64)
                                .map(|v| {
                                    let e = motion(&stream, v, prev, key);
                                    prev = e.hash();
                                    Bytes::from(e.into_bytes())
                                })
                                .collect();
                            (stream, events)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part),
                Err(_) => panic!("a signing thread failed"),
            }
        }
    });
    out
}

fn motion(stream: &str, version: u64, prev: Hash, key: &SigningKey) -> ledger::SignedEvent {
    let payload = json!({"motion": format!("m-{version}"), "subject": "resolution",
        "text": "Thông qua Nghị quyết Đại hội đại biểu Đảng bộ nhiệm kỳ 2025–2030",
        "method": "show_of_hands", "present": 297, "for": 290, "against": 3, "abstain": 4,
        "adopted": true, "refs": []});
    match compose::event(
        hd::ORIGIN,
        stream,
        version,
        prev,
        "motion.decided",
        1,
        hd_time() + version as i64,
        key,
        &payload,
    ) {
        Ok(e) => e,
        Err(e) => panic!("signing a load event: {e}"),
    }
}

/// What one client did.
#[derive(Default)]
struct ClientRun {
    /// Position acknowledged for each version sent, in order.
    acked: Vec<u64>,
    latencies_us: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
    ran_out: bool,
}

async fn client(base: String, events: Arc<Vec<Bytes>>, deadline: Instant) -> ClientRun {
    let mut run = ClientRun::default();
    let mut conn = match RawConn::open(&base).await {
        Ok(c) => c,
        Err(e) => {
            run.errors += 1;
            run.first_error = Some(e.to_string());
            return run;
        }
    };
    let mut next = 0;
    let mut retries = 0;
    while Instant::now() < deadline {
        let Some(event) = events.get(next) else {
            run.ran_out = true;
            break;
        };
        let started = Instant::now();
        let result = conn.post(event).await;
        run.latencies_us
            .push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
        let (position, failure) = match result {
            Ok((s, body)) if s == 201 || s == 200 => match serde_json::from_slice::<Ack>(body) {
                Ok(ack) => (Some(ack.position), None),
                Err(e) => (None, Some(format!("{s}: {e}"))),
            },
            Ok((s, body)) => (None, Some(format!("{s} {}", String::from_utf8_lossy(body)))),
            Err(e) => (None, Some(e.to_string())),
        };
        match position {
            Some(p) => {
                run.acked.push(p);
                next += 1;
                retries = 0;
            }
            None => {
                run.errors += 1;
                if run.first_error.is_none() {
                    run.first_error = failure;
                }
                // The same bytes again: a retry of a stored event is answered 200. A client
                // whose event keeps failing stops, since the rest of its stream follows it.
                retries += 1;
                if retries == 3 {
                    break;
                }
                if let Ok(c) = RawConn::open(&base).await {
                    conn = c;
                }
            }
        }
    }
    run
}

/// Every acknowledged event is at its acknowledged position with the bytes sent; returns the
/// number that are not (lost) and the number stored beyond the acknowledged ones.
async fn check(
    base: &str,
    stream: &str,
    events: &[Bytes],
    acked: &[u64],
) -> anyhow::Result<(u64, u64)> {
    let mut conn = Conn::open(base).await?;
    let (mut lost, mut extra, mut from) = (0u64, 0u64, 0usize);
    let mut seen = 0usize;
    loop {
        let page = conn
            .get_json(&format!("/v1/streams/{stream}?from={from}&limit=1000"))
            .await?;
        let items = page["events"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            break;
        }
        for e in &items {
            let version = e["version"].as_u64().unwrap_or(u64::MAX) as usize;
            match acked.get(version) {
                Some(&position) => {
                    seen += 1;
                    let same_bytes =
                        e["signed_hex"].as_str() == Some(hex::encode(&events[version]).as_str());
                    if e["position"].as_u64() != Some(position) || !same_bytes {
                        lost += 1;
                    }
                }
                None => extra += 1,
            }
        }
        from += items.len();
    }
    lost += (acked.len() - seen.min(acked.len())) as u64;
    Ok((lost, extra))
}

/// utime + stime from a `/proc/<pid>/stat` file, in seconds (clock ticks are 1/100 s on Linux).
fn cpu_seconds(stat: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(stat).ok()?;
    // The fields after the command name, which is in parentheses: utime and stime are the
    // 12th and 13th.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(token) = args.token.as_deref().filter(|t| !t.trim().is_empty()) {
        let _ = AUTHORIZATION.set(format!("authorization: Bearer {}\r\n", token.trim()));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut server = Server::start(&args)?;
    let run_id = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos()
    );
    let keys: Vec<SigningKey> = (0..args.clients)
        .map(|i| demo_key(&format!("load/{run_id}/{i}")))
        .collect();
    if args.sink.is_none() {
        runtime.block_on(enroll(&server.base, &keys))?;
    }
    let per_client = args.events.unwrap_or(
        ((40_000.0 * args.seconds) as usize)
            .div_ceil(args.clients)
            .max(16),
    );
    let signing = Instant::now();
    let streams = sign_all(&run_id, &keys, per_client);
    let signed_in = signing.elapsed();

    let rss_before = server.peak_rss_mib();
    // CPU time of the server and of this generator over the timed part: what an append costs
    // each of them, which a busy machine changes far less than throughput (issue 18).
    let cpu_before = (server.cpu_seconds(), cpu_seconds("/proc/self/stat"));
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.seconds);
    let events: Vec<Arc<Vec<Bytes>>> = streams.iter().map(|(_, e)| Arc::new(e.clone())).collect();
    let runs: Vec<ClientRun> = runtime.block_on(async {
        let tasks: Vec<_> = events
            .iter()
            .map(|e| tokio::spawn(client(server.base.clone(), e.clone(), deadline)))
            .collect();
        let mut runs = Vec::new();
        for t in tasks {
            runs.push(t.await.unwrap_or_default());
        }
        runs
    });
    let elapsed = started.elapsed();
    let cpu_after = (server.cpu_seconds(), cpu_seconds("/proc/self/stat"));

    let (mut lost, mut extra) = (0, 0);
    // A sink stores nothing: there is nothing to read back.
    for ((stream, evs), r) in streams.iter().zip(&runs).filter(|_| args.sink.is_none()) {
        let (l, x) = runtime.block_on(check(&server.base, stream, evs, &r.acked))?;
        lost += l;
        extra += x;
    }
    let rss = server.peak_rss_mib();
    server.stop();

    let acked: u64 = runs.iter().map(|r| r.acked.len() as u64).sum();
    let errors: u64 = runs.iter().map(|r| r.errors).sum();
    let ran_out = runs.iter().filter(|r| r.ran_out).count();
    let first_error = runs.iter().find_map(|r| r.first_error.clone());
    let mut lat: Vec<u32> = runs
        .iter()
        .flat_map(|r| r.latencies_us.iter().copied())
        .collect();
    lat.sort_unstable();
    let per_append = |before: Option<f64>, after: Option<f64>| {
        Some((after? - before?) / acked.max(1) as f64 * 1e6)
    };
    let server_cpu_us = per_append(cpu_before.0, cpu_after.0);
    let load_cpu_us = per_append(cpu_before.1, cpu_after.1);
    let figures = json!({
        "clients": args.clients,
        "sink": args.sink.map(Sink::name),
        "seconds": elapsed.as_secs_f64(),
        "acknowledged": acked,
        "appends_per_s": acked as f64 / elapsed.as_secs_f64(),
        "p50_ms": percentile(&lat, 0.50),
        "p99_ms": percentile(&lat, 0.99),
        "max_ms": lat.last().map_or(0.0, |&m| m as f64 / 1000.0),
        "errors": errors,
        "first_error": first_error,
        "lost": lost,
        "stored_unacknowledged": extra,
        "clients_out_of_events": ran_out,
        "server_peak_rss_mib": rss,
        "server_rss_before_mib": rss_before,
        "server_cpu_us_per_append": server_cpu_us,
        "load_cpu_us_per_append": load_cpu_us,
        "event_bytes": streams.first().and_then(|(_, e)| e.first()).map_or(0, |e| e.len()),
        "signed_in_advance": per_client * args.clients,
        "signing_seconds": signed_in.as_secs_f64(),
    });
    if args.json {
        println!("{figures}");
    } else {
        println!(
            "HTTP load: {} clients, POST /v1/events{} for {:.1}s ({} B events, signed in advance)",
            args.clients,
            args.sink
                .map(|m| format!(" to a sink doing {}", m.name()))
                .unwrap_or_default(),
            elapsed.as_secs_f64(),
            figures["event_bytes"]
        );
        println!(
            "  appends/s            {:>10.0}   target ≥ 15,000",
            figures["appends_per_s"].as_f64().unwrap_or(0.0)
        );
        println!(
            "  latency p50/p99/max  {:>7.2} / {:.2} / {:.2} ms   target p99 ≤ 20 ms",
            figures["p50_ms"].as_f64().unwrap_or(0.0),
            figures["p99_ms"].as_f64().unwrap_or(0.0),
            figures["max_ms"].as_f64().unwrap_or(0.0)
        );
        println!("  acknowledged         {acked:>10}");
        println!(
            "  errors               {errors:>10}{}",
            first_error
                .map(|e| format!("   first: {e}"))
                .unwrap_or_default()
        );
        println!("  lost acknowledgements{lost:>10}   (each acknowledged event read back at its position, byte for byte)");
        println!(
            "  server peak RSS      {:>10}",
            rss.map_or("unknown (give --pid)".to_string(), |r| format!(
                "{r:.1} MiB"
            ))
        );
        let us =
            |v: Option<f64>| v.map_or("unknown (give --pid)".to_string(), |v| format!("{v:.1} µs"));
        println!(
            "  CPU per append       {:>10} server, {} this generator",
            us(server_cpu_us),
            us(load_cpu_us)
        );
        if ran_out > 0 {
            println!("  {ran_out} clients used up their pre-signed events: raise --events");
        }
    }
    if lost > 0 {
        bail!("{lost} acknowledged events are not stored as acknowledged");
    }
    Ok(())
}
