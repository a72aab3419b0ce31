//! Blocking calls stay off the async workers (issue 16, item 8): with one worker thread, a
//! request whose storage read is slow must not hold up the others — a read of a checkpoint,
//! and the lookups of a correction, which `try_submit_then` defers to a blocking thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ledger::crypto::signing_key_from_seed;
use ledger::storage::faults::{Action, Call, Faults, Op};
use ledger::storage::Storage;
use ledger::{Ledger, Options, VerifierKey};

const ORIGIN: &str = "ledger.test.vn/blocking";
const SLOW: Duration = Duration::from_secs(3);

/// A new ledger whose storage asks `plan` about each call, once `armed` (before, all pass).
fn ledger_with(
    path: &std::path::Path,
    armed: Arc<AtomicBool>,
    plan: impl Fn(&Call) -> Action + Send + Sync + 'static,
) -> (Ledger, ed25519_dalek::SigningKey) {
    let faults = Faults::new(move |call| {
        if armed.load(Ordering::SeqCst) {
            plan(call)
        } else {
            Action::Pass
        }
    });
    let options = Options {
        storage: Some(Arc::new(move |dir: &std::path::Path| {
            faults.wrap(Storage::files(dir))
        })),
        ..Options::default()
    };
    let authority = signing_key_from_seed(&[1; 32]);
    let log = signing_key_from_seed(&[2; 32]);
    let vkey = VerifierKey::new(ORIGIN, log.verifying_key().to_bytes()).unwrap();
    let genesis = ledger::compose::genesis(
        ORIGIN,
        "Sổ cái thử",
        &authority,
        &[],
        &vkey,
        "qd244-2014",
        T0,
    )
    .unwrap();
    (
        Ledger::create(path, genesis, log, options).unwrap(),
        authority,
    )
}

const T0: i64 = 1_590_000_000_000;

/// The next event of `stream`, of schema 1.
fn event(
    ledger: &Ledger,
    stream: &str,
    kind: &str,
    time: i64,
    key: &ed25519_dalek::SigningKey,
    payload: &serde_json::Value,
) -> ledger::SignedEvent {
    ledger::compose::next_event(ledger, stream, kind, 1, time, key, payload).unwrap()
}

/// A server of `state` on a runtime with one async worker; `get` and `post` time each request.
struct SingleWorker {
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl SingleWorker {
    fn start(state: Arc<api::AppState>) -> SingleWorker {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = std::thread::spawn(move || {
            runtime.block_on(api::serve(
                state,
                "127.0.0.1:0".parse().unwrap(),
                move |addr| tx.send(addr).unwrap(),
                async move {
                    let _ = stopped.await;
                },
            ))
        });
        let addr = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        SingleWorker {
            addr,
            stop: Some(stop),
            server: Some(server),
        }
    }

    fn get(&self, path: &str) -> (u16, Duration) {
        timed(ureq::get(&format!("http://{}{path}", self.addr)), None)
    }

    fn post(&self, path: &str, body: &[u8]) -> (u16, Duration) {
        let request = ureq::post(&format!("http://{}{path}", self.addr))
            .set("content-type", "application/octet-stream");
        timed(request, Some(body))
    }

    fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.join().unwrap().unwrap();
        }
    }
}

/// The request's status and how long it took.
fn timed(request: ureq::Request, body: Option<&[u8]>) -> (u16, Duration) {
    let url = request.url().to_string();
    let started = Instant::now();
    let answer = match body {
        Some(body) => request.send_bytes(body),
        None => request.call(),
    };
    let status = match answer {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("{url}: {e}"),
    };
    (status, started.elapsed())
}

/// `/healthz` answers at once while `busy` runs a request that waits on slowed storage reads.
fn healthz_answers_while(
    server: &Arc<SingleWorker>,
    busy: impl FnOnce(&SingleWorker) -> (u16, Duration) + Send + 'static,
) -> (u16, Duration) {
    let s = server.clone();
    let request = std::thread::spawn(move || busy(&s));
    std::thread::sleep(Duration::from_millis(300));
    let (status, took) = server.get("/healthz");
    assert_eq!(status, 200);
    assert!(
        took < Duration::from_secs(1),
        "/healthz waited {took:?} behind a slow read: a blocking call ran on the async worker"
    );
    request.join().unwrap()
}

#[test]
fn a_slow_read_does_not_stop_healthz_on_a_single_worker() {
    let dir = tempfile::tempdir().unwrap();
    let slow = Arc::new(AtomicBool::new(false));
    // Reads of checkpoints.log take 3 s once armed.
    let (ledger, _) = ledger_with(&dir.path().join("l"), slow.clone(), |call| {
        if call.op == Op::Read && call.file == "checkpoints.log" {
            Action::Delay(SLOW)
        } else {
            Action::Pass
        }
    });
    ledger.sign_checkpoint().unwrap();
    let server = Arc::new(SingleWorker::start(api::AppState::new(ledger).unwrap()));
    assert_eq!(server.get("/healthz").0, 200);

    slow.store(true, Ordering::SeqCst);
    let (status, took) = healthz_answers_while(&server, |s| s.get("/v1/checkpoints/1"));
    assert_eq!(status, 200);
    assert!(
        took >= SLOW,
        "the read was not slowed ({took:?}): the test proves nothing"
    );
    slow.store(false, Ordering::SeqCst);
    Arc::into_inner(server).unwrap().stop();
}

/// `submit_then`'s lookups of the act a correction corrects (in the schema check, then the
/// committer's) read the log: with those reads slowed, `/healthz` still answers at once.
#[test]
fn a_correction_whose_lookups_are_slow_does_not_stop_healthz_on_a_single_worker() {
    const STREAM: &str = "congress/hd.test/2020-2025";
    let dir = tempfile::tempdir().unwrap();
    let slow = Arc::new(AtomicBool::new(false));
    // Reads of the log's segments take 3 s once armed.
    let (ledger, authority) = ledger_with(&dir.path().join("l"), slow.clone(), |call| {
        if call.op == Op::Read && call.file.ends_with(".seg") {
            Action::Delay(SLOW)
        } else {
            Action::Pass
        }
    });
    let presidium = signing_key_from_seed(&[4; 32]);
    let enrollment = ledger::compose::enrollment(
        &presidium.verifying_key().to_bytes(),
        "Đoàn Chủ tịch",
        &["presidium"],
        STREAM,
        T0,
        None,
    );
    let enrolled = event(
        &ledger,
        "ledger",
        "key.enrolled",
        T0,
        &authority,
        &enrollment,
    );
    ledger.append(enrolled.into_bytes()).unwrap();
    let act = event(
        &ledger,
        STREAM,
        "session.opened",
        T0 + 1,
        &presidium,
        &serde_json::json!({"session": 1, "present": 297}),
    );
    ledger.append(act.bytes().to_vec()).unwrap();
    let correction = event(
        &ledger,
        STREAM,
        "correction.issued",
        T0 + 60_000,
        &presidium,
        &serde_json::json!({"corrects": act.hash().to_hex(), "reason": "ghi nhầm số có mặt",
            "replacement": {"session": 1, "present": 296}}),
    );
    // Public, as `serve --public`: events are posted without a token.
    let state = api::AppState::configured(ledger, Vec::new(), true).unwrap();
    let server = Arc::new(SingleWorker::start(state));
    assert_eq!(server.get("/healthz").0, 200);

    slow.store(true, Ordering::SeqCst);
    let bytes = correction.into_bytes();
    let (status, took) = healthz_answers_while(&server, move |s| s.post("/v1/events", &bytes));
    assert_eq!(status, 201, "the correction is appended");
    assert!(
        took >= SLOW,
        "the lookups were not slowed ({took:?}): the test proves nothing"
    );
    slow.store(false, Ordering::SeqCst);
    Arc::into_inner(server).unwrap().stop();
}
