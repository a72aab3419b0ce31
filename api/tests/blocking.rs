//! Blocking calls stay off the async workers (issue 16, item 8): with one worker thread, a
//! request whose storage read is slow must not hold up the others.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ledger::crypto::signing_key_from_seed;
use ledger::storage::faults::{Action, Faults, Op};
use ledger::storage::Storage;
use ledger::{Ledger, Options, VerifierKey};

const ORIGIN: &str = "ledger.test.vn/blocking";
const SLOW: Duration = Duration::from_secs(3);

#[test]
fn a_slow_read_does_not_stop_healthz_on_a_single_worker() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let slow = Arc::new(AtomicBool::new(false));
    let armed = slow.clone();
    // Reads of checkpoints.log take 3 s once armed.
    let faults = Faults::new(move |call| {
        if armed.load(Ordering::SeqCst) && call.op == Op::Read && call.file == "checkpoints.log" {
            Action::Delay(SLOW)
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
        1_590_000_000_000,
    )
    .unwrap();
    let ledger = Ledger::create(&path, genesis, log, options).unwrap();
    ledger.sign_checkpoint().unwrap();
    let state = api::AppState::new(ledger).unwrap();

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
    let get = move |path: &str| {
        let started = Instant::now();
        let status = match ureq::get(&format!("http://{addr}{path}")).call() {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(code, _)) => code,
            Err(e) => panic!("{path}: {e}"),
        };
        (status, started.elapsed())
    };
    assert_eq!(get("/healthz").0, 200);

    slow.store(true, Ordering::SeqCst);
    let reader = std::thread::spawn(move || get("/v1/checkpoints/1"));
    std::thread::sleep(Duration::from_millis(300));
    let (status, took) = get("/healthz");
    assert_eq!(status, 200);
    assert!(
        took < Duration::from_secs(1),
        "/healthz waited {took:?} behind a slow read: a blocking call ran on the async worker"
    );
    let (status, took) = reader.join().unwrap();
    assert_eq!(status, 200);
    assert!(
        took >= SLOW,
        "the read was not slowed ({took:?}): the test proves nothing"
    );

    slow.store(false, Ordering::SeqCst);
    let _ = stop.send(());
    server.join().unwrap().unwrap();
}
