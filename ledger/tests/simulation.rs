//! The seeded simulation (issue 16, item 6), in the spirit of TigerBeetle's VOPR and
//! FoundationDB's simulation testing: the real engine (committer, syncer, indexer, recovery)
//! runs on a simulated disk (`storage::sim`) through the storage seam, and a plan drawn from
//! one seed (`storage::faults`) fails, tears or delays writes, fsyncs, reads, truncates and
//! creates/renames at chosen calls, and crashes the machine at one: the disk is then what a
//! power cut leaves (unsynced bytes lost, kept, or torn at any byte), the index (outside the
//! seam) is kept as the process left it or deleted, and the ledger is reopened — with faults
//! again, for up to three rounds, then without. Each schedule checks:
//!
//! - nothing acknowledged is lost: every acknowledged append is at its position with its
//!   bytes, every acknowledged checkpoint is covered by one held;
//! - nothing refused becomes visible: every entry past the start is an event submitted and
//!   either acknowledged or answered with an unknown outcome (the ledger stopped: poisoned or
//!   crashed), never one it refused;
//! - reads never return other bytes than were acknowledged;
//! - the ledger reopens, verifies, and appends again — or, while faults are injected, refuses
//!   to open with a typed I/O cause (never "damaged" or "lost").
//!
//! `schedules` runs `CI_SCHEDULES` of them (seeds 0..); a failing one prints its seed and the
//! command that replays it. `long` (ignored; `scripts/simulate.sh N`) runs many, release build.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use common::fixture::{copy_dir, create, keys, log_vkey, next, Keys, CONGRESS, ORIGIN, T0};
use ledger::engine::{AppendError, OpenError};
use ledger::format::Hash;
use ledger::storage::faults::{Action, Call, Faults, Op};
use ledger::storage::sim::SimDisk;
use ledger::storage::{Storage, StorageError};
use ledger::verify::integrity::VerifyOptions;
use ledger::{Ledger, Options};
use parking_lot::Mutex;

/// Schedules run in CI: about a minute in a debug build on a loaded 2-core machine.
const CI_SCHEDULES: u64 = 1000;

/// Seeds that once found a bug, replayed by `replay` when no `SIM_SEED` is given:
/// - 40, 48: the machine stopped while `checkpoints.log` was being made, leaving part of its
///   header; the ledger then refused to open, ever ("not a checkpoint file"). A header whose
///   write never finished is now written again (`storage/history.rs`).
/// - 2572: an fsync failed, leaving an entry written but not durable; the ledger was reopened
///   (the entry read back whole from the page cache), rolled to a new segment, acknowledged an
///   append there, and a power cut then tore the entry it stood on. Opening now makes the last
///   segment (and each history file) durable before building on it (`engine/recovery.rs`).
const REGRESSIONS: &[u64] = &[40, 48, 2572];

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = splitmix(self.0);
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// The ledger every schedule starts from: created (genesis and two enrollments), closed.
struct Template {
    dir: tempfile::TempDir,
    disk: Arc<SimDisk>,
    keys: Keys,
    size: u64,
}

fn options(storage: Storage) -> Options {
    Options {
        segment_bytes: 700,
        index_run_span: 8,
        checkpoint_interval: std::time::Duration::from_secs(3600),
        clock: Arc::new(|| T0 + 1_000_000_000),
        storage: Some(Arc::new(move |_: &Path| storage.clone())),
        ..Options::default()
    }
}

fn template() -> &'static Template {
    static T: std::sync::OnceLock<Template> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let disk = SimDisk::new();
        let (ledger, keys) = create(&dir.path().join("l"), options(disk.storage()));
        let size = ledger.size();
        ledger.close().unwrap();
        Template {
            dir,
            disk,
            keys,
            size,
        }
    })
}

/// What a schedule did, added up over many.
#[derive(Default, Debug, Clone)]
struct Stats {
    schedules: u64,
    faults: BTreeMap<&'static str, u64>,
    crashes: u64,
    refused_opens: u64,
    acknowledged: u64,
    unknown: u64,
    refused: u64,
    checkpoints: u64,
    index_deleted: u64,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.schedules += o.schedules;
        for (k, v) in &o.faults {
            *self.faults.entry(k).or_default() += v;
        }
        self.crashes += o.crashes;
        self.refused_opens += o.refused_opens;
        self.acknowledged += o.acknowledged;
        self.unknown += o.unknown;
        self.refused += o.refused;
        self.checkpoints += o.checkpoints;
        self.index_deleted += o.index_deleted;
    }
}

/// What happened to each event submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Acked(u64),
    /// The ledger stopped (poisoned, crashed, closed) before answering: it may or may not
    /// have reached the disk.
    Unknown,
    /// Refused: it must never be seen.
    Refused,
}

/// What a schedule's workload knows: the answers it was given.
#[derive(Default)]
struct Model {
    fates: HashMap<Hash, Fate>,
    bytes: BTreeMap<u64, Vec<u8>>,
    checkpoint: u64,
    n: u64,
}

impl Model {
    fn settle(&mut self, hash: Hash, fate: Fate) {
        let old = self.fates.get(&hash).copied();
        let fate = match (old, fate) {
            (Some(Fate::Acked(p)), _) => Fate::Acked(p),
            (Some(Fate::Unknown), Fate::Refused) => Fate::Unknown,
            (_, f) => f,
        };
        self.fates.insert(hash, fate);
    }
}

/// The plan of one round: every call's fate drawn from the seed, the round, and the call.
struct Plan {
    salt: u64,
    fail: f64,
    crash: f64,
    lie: bool,
}

impl Plan {
    fn action(&self, call: &Call) -> Action {
        let mut r = Rng(self.salt ^ fnv(call.file) ^ (call.op as u64) << 56 ^ call.n);
        if r.chance(self.crash) {
            return Action::Crash;
        }
        if self.lie && call.op == Op::Sync {
            return Action::Lie;
        }
        // Truncates are rare (a failed write's cut-back, a torn tail on open): failed more often.
        let fail = match call.op {
            Op::Truncate => (self.fail * 4.0).min(0.5),
            _ => self.fail,
        };
        if !r.chance(fail) {
            return Action::Pass;
        }
        match r.below(3) {
            0 => Action::Fail(std::io::ErrorKind::Other),
            1 if call.op == Op::Write => Action::Fail(std::io::ErrorKind::StorageFull),
            _ => Action::Tear(r.below(call.len as u64) as usize),
        }
    }
}

/// An open refused while faults were injected must say why, as an I/O error; damage or loss
/// would be a bug (the simulation injects neither).
fn check_refusal(e: &OpenError) -> Result<(), String> {
    match e {
        OpenError::Storage(StorageError::Io { message, .. }) if message.contains("injected") => {
            Ok(())
        }
        other => Err(format!(
            "refused to open for another cause than a fault: {other}"
        )),
    }
}

fn outcome(e: &AppendError) -> Fate {
    match e {
        AppendError::Storage(StorageError::Poisoned(_)) | AppendError::Closed => Fate::Unknown,
        _ => Fate::Refused,
    }
}

/// `SIM_TRACE=1`: every I/O call of a replayed schedule and what the plan did with it.
fn trace() -> bool {
    std::env::var_os("SIM_TRACE").is_some()
}

/// Runs the schedule of `seed`, or says what went wrong.
fn schedule(seed: u64, lie: bool) -> Result<Stats, String> {
    let t = template();
    let mut rng = Rng(splitmix(seed));
    if !lie && rng.chance(0.1) {
        return creation(&mut rng);
    }
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = work.path().join("l");
    copy_dir(&t.dir.path().join("l"), &path);
    let mut disk = t.disk.copy();
    let mut model = Model::default();
    let mut stats = Stats {
        schedules: 1,
        ..Stats::default()
    };
    let fail = [0.0, 0.003, 0.02, 0.08][rng.below(4) as usize];
    let crash = [0.0, 0.01, 0.04][rng.below(3) as usize];
    let rounds = 1 + rng.below(3);
    for round in 0..rounds {
        let plan = Plan {
            salt: splitmix(seed ^ (round + 1) << 40),
            fail,
            crash,
            lie,
        };
        let cut_seed = rng.next();
        if trace() {
            let st = disk.storage();
            for first in st.segments.list().unwrap_or_default() {
                let len = st.segments.open(first).and_then(|f| f.len());
                eprintln!("round {round} starts: segment {first}: {len:?} bytes");
            }
        }
        let image: Arc<Mutex<Option<Arc<SimDisk>>>> = Arc::default();
        let faults = {
            let (image, disk) = (image.clone(), disk.clone());
            Faults::new(move |call| {
                let action = plan.action(call);
                if trace() {
                    eprintln!(
                        "round {round}: {} {} #{} ({} bytes): {action:?}",
                        call.op.name(),
                        call.file,
                        call.n,
                        call.len
                    );
                }
                if action == Action::Crash {
                    // The disk as the power cut leaves it, taken before this call.
                    let mut r = Rng(cut_seed);
                    let cut = disk.crash(&mut |pending| match r.below(3) {
                        0 => 0,
                        1 => pending,
                        _ => r.below(pending as u64 + 1) as usize,
                    });
                    image.lock().get_or_insert(cut);
                }
                action
            })
        };
        match Ledger::open(&path, options(faults.wrap(disk.storage()))) {
            Err(e) => {
                check_refusal(&e)?;
                stats.refused_opens += 1;
            }
            Ok(ledger) => {
                let steps = 1 + rng.below(8);
                for _ in 0..steps {
                    if faults.crashed() {
                        break;
                    }
                    step(&ledger, &t.keys, &mut rng, &mut model)?;
                }
                let _ = ledger.close();
            }
        }
        for (op, n) in faults.injected() {
            *stats.faults.entry(op.name()).or_default() += n;
        }
        let crashed = image.lock().take();
        disk = match crashed {
            Some(image) => {
                stats.crashes += 1;
                image
            }
            // A power cut after a clean close loses nothing durable either.
            None if rng.chance(0.5) => {
                let mut r = Rng(rng.next());
                disk.crash(&mut |pending| {
                    let keep = r.below(pending as u64 + 1) as usize;
                    if trace() && pending > 0 {
                        eprintln!("power cut after the close: {keep} of {pending} bytes not yet durable kept");
                    }
                    keep
                })
            }
            None => disk,
        };
        if rng.chance(0.25) {
            stats.index_deleted += 1;
            std::fs::remove_dir_all(path.join("index")).map_err(|e| e.to_string())?;
        }
    }

    // Without faults: it opens, holds everything acknowledged, nothing refused, verifies, and
    // appends again.
    let ledger = Ledger::open(&path, options(disk.storage()))
        .map_err(|e| format!("does not reopen without faults: {e}"))?;
    check(&ledger, t, &model)?;
    let e = next(&ledger, &t.keys, CONGRESS, 1_000_000 + model.n);
    ledger
        .append(e.into_bytes())
        .map_err(|e| format!("appending again after recovery: {e}"))?;
    ledger.close().map_err(|e| format!("closing: {e}"))?;
    for fate in model.fates.values() {
        match fate {
            Fate::Acked(_) => stats.acknowledged += 1,
            Fate::Unknown => stats.unknown += 1,
            Fate::Refused => stats.refused += 1,
        }
    }
    stats.checkpoints += (model.checkpoint > 0) as u64;
    Ok(stats)
}

/// The machine stops while a ledger is being created (at the `n`th I/O call): reopened
/// without faults, the ledger opens, verifies and signs a checkpoint, or says it is not a
/// ledger (creation never finished) — never that it is damaged.
fn creation(rng: &mut Rng) -> Result<Stats, String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = work.path().join("l");
    let disk = SimDisk::new();
    let crash_at = rng.below(16);
    let cut_seed = rng.next();
    let calls = std::sync::atomic::AtomicU64::new(0);
    let image: Arc<Mutex<Option<Arc<SimDisk>>>> = Arc::default();
    let faults = {
        let (image, disk) = (image.clone(), disk.clone());
        Faults::new(move |_| {
            if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) != crash_at {
                return Action::Pass;
            }
            let mut r = Rng(cut_seed);
            let cut = disk.crash(&mut |pending| r.below(pending as u64 + 1) as usize);
            image.lock().get_or_insert(cut);
            Action::Crash
        })
    };
    let k = keys();
    let genesis = ledger::compose::genesis(
        ORIGIN,
        "Sổ cái thử nghiệm",
        &k.authority,
        &[],
        &log_vkey(&k),
        "qd244-2014",
        T0,
    )
    .map_err(|e| e.to_string())?;
    if let Ok(ledger) = Ledger::create(&path, genesis, k.log, options(faults.wrap(disk.storage())))
    {
        let _ = ledger.close();
    }
    let crashed = image.lock().take();
    let mut stats = Stats {
        schedules: 1,
        crashes: crashed.is_some() as u64,
        ..Stats::default()
    };
    for (op, n) in faults.injected() {
        *stats.faults.entry(op.name()).or_default() += n;
    }
    let disk = crashed.unwrap_or(disk);
    match Ledger::open(&path, options(disk.storage())) {
        Ok(ledger) => {
            let report = ledger::verify::integrity(&ledger, &VerifyOptions::default())
                .map_err(|e| format!("verify after a crash while creating: {e}"))?;
            if !report.ok() {
                return Err(format!("does not verify: {:?}", report.failure));
            }
            ledger
                .sign_checkpoint()
                .map_err(|e| format!("signing after a crash while creating: {e}"))?;
            stats.checkpoints += 1;
            ledger.close().map_err(|e| format!("closing: {e}"))?;
        }
        Err(OpenError::NotALedger { .. }) => stats.refused_opens += 1,
        Err(e) => return Err(format!("after a crash while creating: {e}")),
    }
    Ok(stats)
}

/// One step of the workload, its answer recorded in `model`.
fn step(ledger: &Ledger, k: &Keys, rng: &mut Rng, model: &mut Model) -> Result<(), String> {
    match rng.below(10) {
        0..=5 => {
            model.n += 1;
            let event = next(ledger, k, CONGRESS, model.n);
            let hash = event.hash();
            let bytes = event.bytes().to_vec();
            let answer = ledger.append(bytes.clone());
            if trace() {
                eprintln!(
                    "append {}: {:?}",
                    model.n,
                    answer.as_ref().map(|a| a.position)
                );
            }
            match answer {
                Ok(a) => {
                    if let Some(Fate::Acked(p)) = model.fates.get(&hash) {
                        if *p != a.position {
                            return Err(format!("acknowledged at {p}, then at {}", a.position));
                        }
                    }
                    model.settle(hash, Fate::Acked(a.position));
                    model.bytes.insert(a.position, bytes);
                }
                Err(e) => model.settle(hash, outcome(&e)),
            }
        }
        6 => {
            // An idempotent retry of an acknowledged event: the same position, not a new one.
            let Some((&p, bytes)) = model
                .bytes
                .iter()
                .nth(rng.below(model.bytes.len() as u64) as usize)
            else {
                return Ok(());
            };
            if let Ok(a) = ledger.append(bytes.clone()) {
                if a.position != p || a.created {
                    return Err(format!("a retry of entry {p} answered {a:?}"));
                }
            }
        }
        7 => {
            if let Ok(note) = ledger.sign_checkpoint() {
                model.checkpoint = model.checkpoint.max(note.checkpoint.size);
            }
        }
        _ => {
            let Some((&p, bytes)) = model
                .bytes
                .iter()
                .nth(rng.below(model.bytes.len() as u64) as usize)
            else {
                return Ok(());
            };
            if let Ok(Some(entry)) = ledger.entry(p) {
                if entry.event.bytes() != bytes.as_slice() {
                    return Err(format!("entry {p} read back as other bytes"));
                }
            }
        }
    }
    Ok(())
}

/// The reopened ledger against what the workload was told.
fn check(ledger: &Ledger, t: &Template, model: &Model) -> Result<(), String> {
    let size = ledger.size();
    for (&p, bytes) in &model.bytes {
        match ledger.entry(p) {
            Ok(Some(e)) if e.event.bytes() == bytes.as_slice() => {}
            Ok(Some(_)) => return Err(format!("LOST: acknowledged entry {p} holds other bytes")),
            Ok(None) => {
                return Err(format!(
                    "LOST: acknowledged entry {p} is gone (size {size})"
                ))
            }
            Err(e) => return Err(format!("reading acknowledged entry {p}: {e}")),
        }
    }
    for p in t.size..size {
        let entry = ledger
            .entry(p)
            .map_err(|e| format!("reading entry {p}: {e}"))?
            .ok_or_else(|| format!("entry {p} below the size {size} is missing"))?;
        match model.fates.get(&entry.event.hash()) {
            Some(Fate::Acked(q)) if *q != p => {
                return Err(format!("entry acknowledged at {q} is visible at {p}"))
            }
            Some(Fate::Acked(_)) | Some(Fate::Unknown) => {}
            Some(Fate::Refused) => return Err(format!("a refused event is visible at {p}")),
            None => return Err(format!("entry {p} was never submitted")),
        }
    }
    let held = ledger.checkpoint().map_or(0, |n| n.checkpoint.size);
    if held < model.checkpoint {
        return Err(format!(
            "LOST: a checkpoint of size {} was acknowledged, the latest held is of size {held}",
            model.checkpoint
        ));
    }
    let report = ledger::verify::integrity(ledger, &VerifyOptions::default())
        .map_err(|e| format!("verify: {e}"))?;
    if !report.ok() {
        return Err(format!("does not verify: {:?}", report.failure));
    }
    Ok(())
}

/// Runs a schedule, turning a panic into its message.
fn run(seed: u64, lie: bool) -> Result<Stats, String> {
    std::panic::catch_unwind(|| schedule(seed, lie)).unwrap_or_else(|p| {
        Err(p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panicked".into()))
    })
}

fn replay_command(seed: u64) -> String {
    format!("SIM_SEED={seed} cargo test -p ledger --test simulation replay -- --nocapture")
}

/// Runs `count` schedules from `first` on `threads` threads, or as many as start within
/// `budget`; panics naming every failing seed.
fn run_many(first: u64, count: u64, threads: u64, budget: Option<std::time::Duration>) -> Stats {
    let next = std::sync::atomic::AtomicU64::new(first);
    let total = Mutex::new(Stats::default());
    let failures = Mutex::new(Vec::new());
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| loop {
                let seed = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if seed >= first + count || budget.is_some_and(|b| started.elapsed() >= b) {
                    return;
                }
                match run(seed, false) {
                    Ok(stats) => {
                        let mut total = total.lock();
                        total.add(&stats);
                        if total.schedules % 100_000 == 0 {
                            eprintln!("{} schedules, {:?}", total.schedules, started.elapsed());
                        }
                    }
                    Err(why) => {
                        eprintln!(
                            "schedule {seed} failed: {why}\n  replay: {}",
                            replay_command(seed)
                        );
                        failures.lock().push(seed);
                    }
                }
            });
        }
    });
    let stats = total.into_inner();
    eprintln!("{stats:#?}\nin {:?}", started.elapsed());
    let failures = failures.into_inner();
    assert!(
        failures.is_empty(),
        "{} schedules failed, seeds {failures:?}; replay one with `{}`",
        failures.len(),
        replay_command(failures[0])
    );
    stats
}

fn env(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number"))
    })
}

#[test]
fn schedules() {
    let stats = run_many(0, env("SIM_SCHEDULES").unwrap_or(CI_SCHEDULES), 4, None);
    // The schedules did what they are for: faults of every kind, crashes, acknowledgements
    // and answers of unknown outcome.
    for op in Op::ALL {
        assert!(
            stats.faults.get(op.name()).copied().unwrap_or(0) > 0,
            "no {} fault: {stats:?}",
            op.name()
        );
    }
    assert!(
        stats.crashes > 0 && stats.acknowledged > 0 && stats.unknown > 0,
        "{stats:?}"
    );
    assert!(
        stats.refused_opens > 0 && stats.index_deleted > 0,
        "{stats:?}"
    );
}

/// `SIM_SEED=n` replays one schedule; without it, the seeds that once found bugs.
#[test]
fn replay() {
    let seeds = match env("SIM_SEED") {
        Some(seed) => vec![seed],
        None => REGRESSIONS.to_vec(),
    };
    for seed in seeds {
        if let Err(why) = run(seed, false) {
            panic!("schedule {seed} failed: {why}");
        }
    }
}

/// The checks catch a lost acknowledgement: on a disk whose fsync lies (says done, keeps the
/// bytes unsynced), some schedule loses an acknowledged append and says so.
#[test]
fn a_disk_that_lies_about_fsync_is_caught() {
    let lost = (0..200u64).find_map(|seed| run(seed, true).err());
    let why = lost.expect("no schedule noticed a lying fsync");
    // Caught by the checks (LOST), or by the ledger itself refusing to open without entries
    // or checkpoints it had acknowledged.
    assert!(
        why.contains("LOST") || why.contains("acknowledged"),
        "{why}"
    );
}

/// The long run: `SIM_SCHEDULES` (1,000,000 unless given) from `SIM_FIRST` (0), on
/// `SIM_THREADS` threads (2), stopping early after `SIM_SECONDS` if given;
/// `scripts/simulate.sh N` runs it in a release build.
#[test]
#[ignore]
fn long() {
    let stats = run_many(
        env("SIM_FIRST").unwrap_or(0),
        env("SIM_SCHEDULES").unwrap_or(1_000_000),
        env("SIM_THREADS").unwrap_or(2),
        env("SIM_SECONDS").map(std::time::Duration::from_secs),
    );
    println!("{stats:#?}");
}
