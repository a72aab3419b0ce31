//! Crash safety of the real server: appending clients run while `congress-ledger serve` is
//! killed with SIGKILL at random moments (sometimes while it is still opening the ledger) and
//! restarted. After every kill and every restart: every acknowledged event is in the log with
//! its bytes at its position, no partial entry is visible, the log verifies, and every
//! checkpoint ever served is kept and consistent with the latest.
//!
//! The kill schedule comes from a seed that is printed and can be set (`CRASH_SEED`); thread
//! interleavings are the scheduler's, so a seed repeats the schedule, not every outcome.
//! `crash_safety` is the short run for CI; `crash_safety_long` (ignored unless asked for)
//! makes `CRASH_KILLS` kills, 1,000 by default — see the README's testing section.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use common::{run, stderr, Server};
use ledger::format::merkle;
use ledger::scenarios::hai_duong_2020 as hd;
use ledger::storage::{frame, segment};
use ledger::verify::integrity::VerifyOptions;
use ledger::{compose, Entry, Hash, Ledger, Options, SignedEvent, SignedNote, VerifierKey};
use serde_json::{json, Value};

/// Streams of the crash clients; nothing else writes to them.
const STREAM_PREFIX: &str = "org/hd.crash-";
const CLIENTS: usize = 4;
/// Checkpoints signed often, so that many are served between kills.
const SERVE_ARGS: &[&str] = &["--checkpoint-interval-ms", "50"];

#[test]
fn crash_safety() {
    campaign(&Settings::from_env(30, 600, 1));
}

#[test]
#[ignore = "long: CRASH_KILLS (default 1000) kills; run with --ignored"]
fn crash_safety_long() {
    campaign(&Settings::from_env(1000, 400, 10));
}

struct Settings {
    kills: u64,
    seed: u64,
    /// The longest a server runs before it is killed.
    max_run_ms: u64,
    /// The whole log is verified after every this many kills (and after the last one);
    /// everything else is checked after every kill.
    verify_every: u64,
}

impl Settings {
    fn from_env(kills: u64, max_run_ms: u64, verify_every: u64) -> Settings {
        let var = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .map(|v| v.parse().unwrap_or_else(|e| panic!("{name}={v}: {e}")))
                .unwrap_or(default)
        };
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        Settings {
            kills: var("CRASH_KILLS", kills),
            seed: var("CRASH_SEED", clock),
            max_run_ms: var("CRASH_MAX_RUN_MS", max_run_ms),
            verify_every: var("CRASH_VERIFY_EVERY", verify_every).max(1),
        }
    }
}

/// SplitMix64: a few lines, and the same sequence everywhere for a given seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// What the clients and the checker share.
#[derive(Default)]
struct World {
    /// The live server's base URL; None while it is down.
    url: RwLock<Option<String>>,
    stop: AtomicBool,
    /// Acknowledged appends (a 201 or 200 answer received): position → event bytes.
    acked: Mutex<BTreeMap<u64, Vec<u8>>>,
    /// Events whose answer was lost and that a later 409 showed to be stored.
    confirmed: Mutex<BTreeMap<u64, Vec<u8>>>,
    /// Hashes of every event any client sent: whatever the log holds in the clients' streams
    /// must be one of them.
    sent: Mutex<HashSet<Hash>>,
    unknown_outcomes: AtomicU64,
    retries_stored: AtomicU64,
    conflicts_resolved: AtomicU64,
}

/// Figures printed at the end.
#[derive(Default)]
struct Tally {
    kills: u64,
    kills_while_opening: u64,
    torn_tails: u64,
    full_verifications: u64,
    acked_checks: u64,
    served_checkpoint_checks: u64,
}

fn campaign(settings: &Settings) {
    println!(
        "crash test: seed {} (CRASH_SEED={} repeats the kill schedule), {} kills",
        settings.seed, settings.seed, settings.kills
    );
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let ledger_dir = dir.path().join("demo");
    let out = run(&["demo", "--ledger", ledger_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let log_key = Ledger::open(&ledger_dir, Options::default())
        .unwrap()
        .log_key()
        .clone();

    let world = Arc::new(World::default());
    let clients: Vec<_> = (0..CLIENTS)
        .map(|t| {
            let world = world.clone();
            // Half the clients resend the same bytes after a lost answer; the others sign a
            // new event for the same version, and learn from a 409 that the first was stored.
            std::thread::spawn(move || client(&world, t, t % 2 == 1))
        })
        .collect();
    let notes: Arc<Mutex<Vec<SignedNote>>> = Arc::default();
    let poller = {
        let (world, notes) = (world.clone(), notes.clone());
        std::thread::spawn(move || poll_checkpoints(&world, &notes))
    };

    let mut rng = Rng(settings.seed);
    let mut tally = Tally::default();
    let mut recovered_size = None;
    let mut checked_notes = 0usize;
    let stderr_log = dir.path().join("server.log");
    let scratch = dir.path().join("scratch");
    while tally.kills < settings.kills {
        let log = std::fs::File::create(&stderr_log).unwrap();
        let mut server = Server::spawn(&ledger_dir, SERVE_ARGS, Stdio::from(log));
        if rng.below(8) == 0 {
            // Killed while opening: during recovery, replay or the projections' load.
            std::thread::sleep(Duration::from_millis(rng.below(60)));
            server.kill();
            tally.kills_while_opening += 1;
        } else {
            let Some(base) = server.listening() else {
                panic!(
                    "the server did not start after kill {}: {}",
                    tally.kills,
                    std::fs::read_to_string(&stderr_log).unwrap_or_default()
                );
            };
            if let Some(size) = recovered_size {
                check_restarted(&base, size, &world, &mut tally);
            }
            checked_notes =
                check_served_checkpoints(&base, &log_key, &notes, checked_notes, &mut tally);
            *world.url.write().unwrap() = Some(base);
            std::thread::sleep(Duration::from_millis(rng.below(settings.max_run_ms + 1)));
            *world.url.write().unwrap() = None;
            server.kill();
        }
        tally.kills += 1;
        let verify = tally.kills % settings.verify_every == 0 || tally.kills == settings.kills;
        recovered_size = Some(check_after_kill(
            &ledger_dir,
            &scratch,
            &world,
            &notes,
            verify,
            &mut tally,
        ));
        if tally.kills % 100 == 0 {
            println!(
                "  {} kills, {} acknowledged, {:.0?}",
                tally.kills,
                world.acked.lock().unwrap().len(),
                started.elapsed()
            );
        }
    }

    // One last run without a kill: the clients' lost answers resolve, then a clean stop.
    let mut server = Server::spawn(&ledger_dir, SERVE_ARGS, Stdio::null());
    let base = server
        .listening()
        .expect("the server starts after the last kill");
    check_restarted(&base, recovered_size.unwrap_or(0), &world, &mut tally);
    *world.url.write().unwrap() = Some(base.clone());
    std::thread::sleep(Duration::from_millis(300));
    world.stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().expect("a client failed");
    }
    poller.join().expect("the checkpoint poller failed");
    check_served_checkpoints(&base, &log_key, &notes, 0, &mut tally);
    assert!(server.stop().success(), "the server stops cleanly");
    let final_size = check_after_kill(&ledger_dir, &scratch, &world, &notes, true, &mut tally);

    let acked = world.acked.lock().unwrap().len();
    let served = notes.lock().unwrap().len();
    println!(
        "crash test: seed {}: {} kills ({} while opening), {} torn tails cut, {} acknowledged \
         appends ({} lost answers: {} found stored on retry, {} through a 409), log of {} \
         entries; {} acknowledged-entry checks, {} full verifications, {} served checkpoints \
         ({} checks against the latest); {:.1?}",
        settings.seed,
        tally.kills,
        tally.kills_while_opening,
        tally.torn_tails,
        acked,
        world.unknown_outcomes.load(Ordering::Relaxed),
        world.retries_stored.load(Ordering::Relaxed),
        world.conflicts_resolved.load(Ordering::Relaxed),
        final_size,
        tally.acked_checks,
        tally.full_verifications,
        served,
        tally.served_checkpoint_checks,
        started.elapsed()
    );
    assert!(acked > 0, "the clients got appends acknowledged");
    assert!(served > 0, "checkpoints were served");
}

/// One appending client on its own stream, until told to stop.
fn client(world: &World, t: usize, resign_after_loss: bool) {
    let key = hd::keys().superior;
    let stream = format!("{STREAM_PREFIX}{t}");
    let make = |version: u64, prev: Hash, attempt: u64| {
        let name = if attempt == 0 {
            "Chi bộ".to_string()
        } else {
            format!("Chi bộ (lần gửi {attempt})")
        };
        compose::event(
            hd::ORIGIN,
            &stream,
            version,
            prev,
            "org.registered",
            1,
            1_591_509_600_000,
            &key,
            &json!({"org": format!("hd.crash-{t}-{version}"), "name": name,
                    "parent": "hd.tinh-haiduong", "level": "grassroots"}),
        )
        .unwrap()
    };
    let (mut version, mut prev) = (0u64, Hash::ZERO);
    let mut event = make(version, prev, 0);
    // Events of this version sent without an answer: any one of them may be stored.
    let mut lost: Vec<SignedEvent> = Vec::new();
    while !world.stop.load(Ordering::SeqCst) {
        let url = world.url.read().unwrap().clone();
        let Some(url) = url else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        world.sent.lock().unwrap().insert(event.hash());
        let answer = ureq::post(&format!("{url}/v1/events"))
            .timeout(Duration::from_secs(10))
            .set("content-type", "application/octet-stream")
            .send_bytes(event.bytes());
        let (status, body) = match answer {
            Ok(r) => (r.status(), r.into_json::<Value>().unwrap_or(Value::Null)),
            Err(ureq::Error::Status(s, r)) => (s, r.into_json::<Value>().unwrap_or(Value::Null)),
            // Killed with the request in flight (or before it reached the server): the event
            // may or may not be stored, and is not acknowledged.
            Err(ureq::Error::Transport(_)) => (0, Value::Null),
        };
        let stored = match status {
            200 | 201 => {
                let position = body["position"].as_u64().expect("position in the answer");
                assert_eq!(body["event_hash"], event.hash().to_hex(), "{body}");
                if status == 200 {
                    world.retries_stored.fetch_add(1, Ordering::Relaxed);
                }
                record(&world.acked, position, event.bytes());
                Some(event.hash())
            }
            409 => {
                // Only a re-signing client can meet one: the stream moved on with an event
                // it sent earlier whose answer was lost; the head names which.
                assert!(
                    resign_after_loss && !lost.is_empty(),
                    "409 without a lost answer: {body}"
                );
                assert_eq!(
                    body["current_version"].as_u64(),
                    Some(version + 1),
                    "{body}"
                );
                let head: Hash = body["head"].as_str().unwrap().parse().unwrap();
                let earlier = lost
                    .iter()
                    .find(|e| e.hash() == head)
                    .unwrap_or_else(|| panic!("the head {head} is none of this client's events"));
                let (status, text) = get_text(&url, &format!("/v1/events/by-hash/{head}"));
                if status != 200 {
                    // Killed between the two requests: try again on the next server.
                    continue;
                }
                let found: Value = serde_json::from_str(&text).unwrap();
                let position = found["position"].as_u64().unwrap();
                record(&world.confirmed, position, earlier.bytes());
                world.conflicts_resolved.fetch_add(1, Ordering::Relaxed);
                Some(head)
            }
            0 | 500..=599 => {
                world.unknown_outcomes.fetch_add(1, Ordering::Relaxed);
                if resign_after_loss {
                    lost.push(event.clone());
                    event = make(version, prev, lost.len() as u64);
                }
                std::thread::sleep(Duration::from_millis(10));
                None
            }
            other => panic!("unexpected answer {other} to an append: {body}"),
        };
        if let Some(hash) = stored {
            prev = hash;
            version += 1;
            lost.clear();
            event = make(version, prev, 0);
        }
    }
}

fn record(map: &Mutex<BTreeMap<u64, Vec<u8>>>, position: u64, bytes: &[u8]) {
    let mut map = map.lock().unwrap();
    if let Some(before) = map.insert(position, bytes.to_vec()) {
        assert_eq!(
            before, bytes,
            "two events acknowledged at position {position}"
        );
    }
}

fn get_text(base: &str, path: &str) -> (u16, String) {
    match ureq::get(&format!("{base}{path}"))
        .timeout(Duration::from_secs(10))
        .call()
    {
        Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
        Err(ureq::Error::Status(s, r)) => (s, r.into_string().unwrap_or_default()),
        Err(ureq::Error::Transport(_)) => (0, String::new()),
    }
}

/// Collects every checkpoint the server serves while it runs.
fn poll_checkpoints(world: &World, notes: &Mutex<Vec<SignedNote>>) {
    let mut seen = HashSet::new();
    while !world.stop.load(Ordering::SeqCst) {
        let url = world.url.read().unwrap().clone();
        if let Some(url) = url {
            if let (200, text) = get_text(&url, "/v1/checkpoint") {
                if seen.insert(text.clone()) {
                    let note = SignedNote::parse(&text).expect("a served checkpoint parses");
                    notes.lock().unwrap().push(note);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A restarted server, before any client reaches it: it recovered to exactly the size the
/// same bytes recovered to in the test's own process, shows no entry past it, and serves the
/// acknowledged entries as acknowledged (the newest, and a sample of the older ones).
fn check_restarted(base: &str, recovered: u64, world: &World, tally: &mut Tally) {
    let (status, text) = get_text(base, "/healthz");
    assert_eq!(status, 200, "{text}");
    let health: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(health["size"].as_u64(), Some(recovered), "{health}");
    let (status, _) = get_text(base, &format!("/v1/events/{recovered}"));
    assert_eq!(status, 404, "nothing is visible past the recovered log");
    let acked = world.acked.lock().unwrap().clone();
    let step = (acked.len() / 16).max(1);
    let sample = acked.iter().rev().take(8).chain(acked.iter().step_by(step));
    for (position, bytes) in sample {
        let (status, text) = get_text(base, &format!("/v1/events/{position}"));
        assert_eq!(status, 200, "acknowledged entry {position}: {text}");
        let served: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            served["signed_hex"].as_str(),
            Some(hex::encode(bytes).as_str()),
            "entry {position} as served"
        );
        tally.acked_checks += 1;
    }
}

/// Every checkpoint served since `from` (an index into `notes`) verifies with the log key, is
/// still served at its size, and is consistent with the server's latest; two served at one
/// size agree. Returns how many notes are checked.
fn check_served_checkpoints(
    base: &str,
    log_key: &VerifierKey,
    notes: &Mutex<Vec<SignedNote>>,
    from: usize,
    tally: &mut Tally,
) -> usize {
    let (status, text) = get_text(base, "/v1/checkpoint");
    assert_eq!(
        status, 200,
        "a checkpoint is served after a restart: {text}"
    );
    let latest = SignedNote::parse(&text).unwrap();
    let all = {
        let mut notes = notes.lock().unwrap();
        if !notes.contains(&latest) {
            notes.push(latest.clone());
        }
        notes.clone()
    };
    let mut by_size: HashMap<u64, Hash> = HashMap::new();
    for note in &all {
        let cp = &note.checkpoint;
        if let Some(root) = by_size.insert(cp.size, cp.root) {
            assert_eq!(root, cp.root, "two checkpoints served at size {}", cp.size);
        }
    }
    let new = &latest.checkpoint;
    for note in &all[from.min(all.len())..] {
        let old = &note.checkpoint;
        note.verify(log_key)
            .unwrap_or_else(|e| panic!("checkpoint {} is not the log's: {e}", old.size));
        assert!(
            old.size <= new.size,
            "the log shrank from {} to {}",
            old.size,
            new.size
        );
        let (status, text) = get_text(base, &format!("/v1/checkpoints/{}", old.size));
        assert_eq!(status, 200, "checkpoint {} is kept: {text}", old.size);
        assert_eq!(SignedNote::parse(&text).unwrap(), *note);
        let (status, text) = get_text(
            base,
            &format!("/v1/proofs/consistency?old={}&new={}", old.size, new.size),
        );
        assert_eq!(status, 200, "{text}");
        let proof: Vec<Hash> = serde_json::from_str::<Value>(&text).unwrap()["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().parse().unwrap())
            .collect();
        merkle::verify_consistency(old.size, new.size, &old.root, &new.root, &proof)
            .unwrap_or_else(|e| {
                panic!(
                    "checkpoint {} is not consistent with {}: {e}",
                    old.size, new.size
                )
            });
        tally.served_checkpoint_checks += 1;
    }
    all.len()
}

/// Checks the log as the kill left it, on a copy (so that the server, not this check, does
/// the recovery of the real directory): the last segment ends in whole frames or a torn one;
/// opened, it holds every acknowledged entry byte for byte, nothing in the clients' streams
/// that they did not send, no partial frame; it verifies; and every checkpoint served is
/// kept. Returns the recovered size.
fn check_after_kill(
    ledger_dir: &Path,
    scratch: &Path,
    world: &World,
    notes: &Mutex<Vec<SignedNote>>,
    verify: bool,
    tally: &mut Tally,
) -> u64 {
    if scratch.exists() {
        std::fs::remove_dir_all(scratch).unwrap();
    }
    copy_dir(ledger_dir, scratch);
    if frames_end(&last_segment(scratch)) == FramesEnd::Torn {
        tally.torn_tails += 1;
    }
    let ledger = Ledger::open(scratch, Options::default())
        .unwrap_or_else(|e| panic!("after kill {}: the ledger does not open: {e}", tally.kills));
    assert_eq!(
        frames_end(&last_segment(scratch)),
        FramesEnd::Whole,
        "no partial frame is left after opening"
    );
    let size = ledger.size();
    let acked = world.acked.lock().unwrap().clone();
    let confirmed = world.confirmed.lock().unwrap().clone();
    let sent = world.sent.lock().unwrap().clone();
    let mut seen = 0u64;
    ledger
        .scan(0, size, &mut |position, bytes| {
            let entry = Entry::decode(bytes).expect("a stored entry decodes");
            let event = entry.event.bytes();
            for expected in [acked.get(&position), confirmed.get(&position)]
                .into_iter()
                .flatten()
            {
                assert_eq!(event, expected.as_slice(), "acknowledged entry {position}");
                seen += 1;
            }
            if entry.event.body().stream.starts_with(STREAM_PREFIX) {
                assert!(
                    sent.contains(&entry.event.hash()),
                    "entry {position} is no event a client sent"
                );
            }
            true
        })
        .unwrap();
    let expected = (acked.len() + confirmed.len()) as u64;
    assert_eq!(
        seen, expected,
        "after kill {}: {} of {} acknowledged entries are in a log of {size}",
        tally.kills, seen, expected
    );
    tally.acked_checks += seen;
    if verify {
        let report = ledger::verify::integrity(&ledger, &VerifyOptions::default()).unwrap();
        assert!(report.ok(), "after kill {}: {report:?}", tally.kills);
        assert_eq!(report.entries, size);
        assert!(report.checkpoints.iter().all(|c| c.ok), "{report:?}");
        tally.full_verifications += 1;
    }
    for note in notes.lock().unwrap().iter() {
        assert_eq!(
            ledger.checkpoint_at(note.checkpoint.size).unwrap().as_ref(),
            Some(note),
            "the checkpoint served at size {} is kept",
            note.checkpoint.size
        );
    }
    ledger.close().unwrap();
    size
}

#[derive(Debug, PartialEq, Eq)]
enum FramesEnd {
    Whole,
    Torn,
}

fn last_segment(dir: &Path) -> PathBuf {
    let log = dir.join("log");
    let first = *ledger::storage::Storage::files(dir)
        .segments
        .list()
        .unwrap()
        .last()
        .unwrap();
    segment::segment_path(&log, first)
}

/// How a segment ends: after a whole frame, or inside one. Anything else is damage.
fn frames_end(path: &Path) -> FramesEnd {
    let data = std::fs::read(path).unwrap();
    let mut offset = segment::HEADER_LEN as usize;
    loop {
        match frame::read(&data, offset, ledger::format::encoding::MAX_ENTRY_BYTES) {
            frame::Found::Frame { end, .. } => offset = end,
            frame::Found::End => return FramesEnd::Whole,
            frame::Found::Torn => return FramesEnd::Torn,
            frame::Found::Corrupt(why) => panic!("{} at byte {offset}: {why}", path.display()),
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for item in std::fs::read_dir(from).unwrap() {
        let item = item.unwrap();
        let target = to.join(item.file_name());
        if item.file_type().unwrap().is_dir() {
            copy_dir(&item.path(), &target);
        } else {
            std::fs::copy(item.path(), &target).unwrap();
        }
    }
}
