//! Figures for the ledger core, each next to the machine limit it is bounded by.
//!
//! `cargo bench -p ledger --bench core` (all), or name parts: `-- limits append build verify
//! proofs`. `BENCH_EVENTS` sets the size of the large log (default 1,000,000).

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ed25519_dalek::{Signer, SigningKey};
use ledger::compose;
use ledger::crypto::signing_key_from_seed;
use ledger::verify::integrity::VerifyOptions;
use ledger::{Hash, Ledger, Options, VerifierKey};
use rayon::prelude::*;
use serde_json::json;

const ORIGIN: &str = "ledger.bench.vn/core";
const T0: i64 = 1_590_000_000_000;
const APPENDERS: usize = 16;

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// CPU time of this process so far (every thread, user and system), in seconds: what an
/// append costs, which a busy machine changes far less than it changes throughput.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are the
    // 12th and 13th, in clock ticks (100 per second on Linux).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

struct Limits {
    strict_1: f64,
    strict_2: f64,
    batch_2: f64,
    torsion_1: f64,
    ledger_1: f64,
    ledger_2: f64,
    precomputed_1: f64,
    ledger_many_1: f64,
    ledger_16_2: f64,
    fsync: f64,
    group: f64,
}

fn limits(dir: &std::path::Path) -> Limits {
    let key = signing_key_from_seed(&[7; 32]);
    let msgs: Vec<Vec<u8>> = (0..4096u32)
        .map(|i| format!("message {i} {}", "x".repeat(300)).into_bytes())
        .collect();
    let sigs: Vec<ed25519_dalek::Signature> = msgs.iter().map(|m| key.sign(m)).collect();
    let vk = key.verifying_key();

    let t = Instant::now();
    for (m, s) in msgs.iter().zip(&sigs) {
        vk.verify_strict(m, s).expect("valid");
    }
    let strict_1 = rate(msgs.len(), t.elapsed());
    let t = Instant::now();
    msgs.par_iter()
        .zip(&sigs)
        .for_each(|(m, s)| vk.verify_strict(m, s).expect("valid"));
    let strict_2 = rate(msgs.len(), t.elapsed());
    let t = Instant::now();
    msgs.par_chunks(1024)
        .zip(sigs.par_chunks(1024))
        .for_each(|(m, s)| {
            let m: Vec<&[u8]> = m.iter().map(|x| x.as_slice()).collect();
            let keys = vec![vk; m.len()];
            ed25519_dalek::verify_batch(&m, s, &keys).expect("valid batch");
        });
    let batch_2 = rate(msgs.len(), t.elapsed());
    // What an exact batch would add (issue 18, goal 3): the batch equation is cofactorless, so
    // deciding as verify_strict needs each R free of a small-order component. A randomized
    // combination of the R's cannot settle it (only z mod 2 acts on an order-2 component: one
    // in two such R's would pass), so each R is checked on its own, [ℓ]R = O.
    let rs: Vec<curve25519_dalek::edwards::EdwardsPoint> = sigs
        .iter()
        .map(|s| {
            curve25519_dalek::edwards::CompressedEdwardsY(s.r_bytes().to_owned())
                .decompress()
                .expect("a valid R")
        })
        .collect();
    let t = Instant::now();
    assert!(rs.iter().all(|r| r.is_torsion_free()));
    let torsion_1 = rate(rs.len(), t.elapsed());

    // The ledger's own strict check (`crypto::verify_each`), one event per call as appends use
    // it: events of a handful of signers, the key cache warmed by one pass, so that every
    // signer has its table (as it has after its first few dozen events).
    let signers: Vec<SigningKey> = (0..5u8)
        .map(|i| signing_key_from_seed(&[40 + i; 32]))
        .collect();
    let signed = sign_in_turn(&msgs, &signers);
    let items = as_items(&msgs, &signed);
    let cache = ledger::crypto::KeyCache::default();
    let ledger_1 = one_at_a_time(&items, &cache, 1);
    let t = Instant::now();
    items
        .par_chunks(1)
        .for_each(|item| assert!(ledger::crypto::verify_each(item, &cache)[0]));
    let ledger_2 = rate(items.len(), t.elapsed());
    let precomputed_1 = precomputed_rate(&items, &signers);
    // The same check with 64 signers taking turns, as under the HTTP load (a client each):
    // their tables together outgrow the caches, so this is the bound the load meets.
    let many: Vec<SigningKey> = (0..64u8)
        .map(|i| signing_key_from_seed(&[100 + i; 32]))
        .collect();
    let signed_many = sign_in_turn(&msgs, &many);
    let items_many = as_items(&msgs, &signed_many);
    // Two passes first: every signer earns its table (32 uses each) before the clock.
    let ledger_many_1 = one_at_a_time(&items_many, &ledger::crypto::KeyCache::default(), 2);
    // With the 16 signers of the large log (one per appender, `build`), on every core, as its
    // strict verification meets them: the bound of that verification.
    let signed_16 = sign_in_turn(&msgs, &many[..APPENDERS]);
    let items_16 = as_items(&msgs, &signed_16);
    let cache_16 = ledger::crypto::KeyCache::default();
    for _ in 0..2 {
        items_16
            .par_chunks(1)
            .for_each(|item| assert!(ledger::crypto::verify_each(item, &cache_16)[0]));
    }
    let t = Instant::now();
    items_16
        .par_chunks(1)
        .for_each(|item| assert!(ledger::crypto::verify_each(item, &cache_16)[0]));
    let ledger_16_2 = rate(items_16.len(), t.elapsed());

    let path = dir.join("fsync.bin");
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .expect("open");
    let record = [0xAB_u8; 512];
    let n = 2000;
    let t = Instant::now();
    for _ in 0..n {
        f.write_all(&record).expect("write");
        f.sync_data().expect("fsync");
    }
    let fsync = rate(n, t.elapsed());
    let n = 256 * 2000;
    let t = Instant::now();
    let mut buf = Vec::with_capacity(256 * 512);
    for i in 0..n {
        buf.extend_from_slice(&record);
        if (i + 1) % 256 == 0 {
            f.write_all(&buf).expect("write");
            f.sync_data().expect("fsync");
            buf.clear();
        }
    }
    let group = rate(n, t.elapsed());
    Limits {
        strict_1,
        strict_2,
        batch_2,
        torsion_1,
        ledger_1,
        ledger_2,
        precomputed_1,
        ledger_many_1,
        ledger_16_2,
        fsync,
        group,
    }
}

/// The ledger's strict check, one signature per call on one core, after `warm` passes over
/// every item (which build the signers' tables).
fn one_at_a_time(
    items: &[ledger::crypto::Item],
    cache: &ledger::crypto::KeyCache,
    warm: usize,
) -> f64 {
    for _ in 0..warm {
        assert!(ledger::crypto::verify_each(items, cache)
            .iter()
            .all(|&ok| ok));
    }
    let t = Instant::now();
    for item in items.chunks(1) {
        assert!(ledger::crypto::verify_each(item, cache)[0]);
    }
    rate(items.len(), t.elapsed())
}

/// Each message signed by the signers in turn: (public key, signature).
fn sign_in_turn(msgs: &[Vec<u8>], signers: &[SigningKey]) -> Vec<([u8; 32], [u8; 64])> {
    msgs.iter()
        .enumerate()
        .map(|(i, m)| {
            let k = &signers[i % signers.len()];
            (k.verifying_key().to_bytes(), k.sign(m).to_bytes())
        })
        .collect()
}

fn as_items<'a>(
    msgs: &'a [Vec<u8>],
    signed: &'a [([u8; 32], [u8; 64])],
) -> Vec<ledger::crypto::Item<'a>> {
    msgs.iter()
        .zip(signed)
        .map(|(m, (p, s))| ledger::crypto::Item {
            public: p,
            message: m,
            signature: s,
        })
        .collect()
}

/// The same strict decision as the ledger's check (`[s]B - [k]A` recomputes `R`, `S` canonical),
/// with curve25519-dalek's own precomputation for each signer's `(B, -A)` in place of
/// `crypto.rs`'s tables (issue 18, goal 5): what the hand-written tables must beat by more
/// than 10% to be kept. One signature per call, on one core, the precomputations built first
/// (as the ledger's tables are, by the warm-up pass).
fn precomputed_rate(items: &[ledger::crypto::Item], signers: &[SigningKey]) -> f64 {
    use curve25519_dalek::edwards::{CompressedEdwardsY, VartimeEdwardsPrecomputation};
    use curve25519_dalek::scalar::Scalar;
    use curve25519_dalek::traits::VartimePrecomputedMultiscalarMul;
    use sha2::{Digest, Sha512};
    let tables: std::collections::HashMap<[u8; 32], VartimeEdwardsPrecomputation> = signers
        .iter()
        .map(|k| {
            let a = CompressedEdwardsY(k.verifying_key().to_bytes())
                .decompress()
                .expect("a valid key");
            let table = VartimeEdwardsPrecomputation::new([
                curve25519_dalek::constants::ED25519_BASEPOINT_POINT,
                -a,
            ]);
            (k.verifying_key().to_bytes(), table)
        })
        .collect();
    let check = |item: &ledger::crypto::Item| -> bool {
        let Some(table) = tables.get(item.public) else {
            return false;
        };
        let mut r = [0u8; 32];
        r.copy_from_slice(&item.signature[..32]);
        let mut s = [0u8; 32];
        s.copy_from_slice(&item.signature[32..]);
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s)) else {
            return false;
        };
        let k = Scalar::from_hash(
            Sha512::new()
                .chain_update(r)
                .chain_update(item.public)
                .chain_update(item.message),
        );
        table.vartime_multiscalar_mul([s, k]).compress().0 == r
    };
    assert!(
        items.iter().all(check),
        "the precomputed check accepts every valid signature"
    );
    let t = Instant::now();
    for item in items {
        assert!(check(item));
    }
    rate(items.len(), t.elapsed())
}

struct Fixture {
    authority: SigningKey,
    log: SigningKey,
    presidium: Vec<SigningKey>,
}

fn new_ledger(dir: &std::path::Path, options: Options) -> (Ledger, Fixture) {
    let authority = signing_key_from_seed(&[1; 32]);
    let log = signing_key_from_seed(&[2; 32]);
    let vkey = VerifierKey::new(ORIGIN, log.verifying_key().to_bytes()).expect("key");
    let genesis = compose::genesis(
        ORIGIN,
        "Sổ cái đo hiệu năng",
        &authority,
        &[],
        &vkey,
        "qd190-2024",
        T0,
    )
    .expect("genesis");
    let ledger = Ledger::create(dir, genesis, log.clone(), options).expect("create");
    // One enrolled body per appender, as in a province where many congresses sit at once.
    let presidium: Vec<SigningKey> = (0..APPENDERS)
        .map(|i| signing_key_from_seed(&[10 + i as u8; 32]))
        .collect();
    for (i, k) in presidium.iter().enumerate() {
        let p = compose::enrollment(
            &k.verifying_key().to_bytes(),
            &format!("Đoàn Chủ tịch {i}"),
            &["presidium"],
            "congress/",
            T0,
            None,
        );
        let e = compose::next_event(&ledger, "ledger", "key.enrolled", 1, T0, &authority, &p)
            .expect("enroll");
        ledger.append(e.into_bytes()).expect("append enrollment");
    }
    (
        ledger,
        Fixture {
            authority,
            log,
            presidium,
        },
    )
}

fn stream_event(stream: &str, version: u64, prev: Hash, key: &SigningKey) -> ledger::SignedEvent {
    let payload = json!({"motion": format!("m-{version}"), "subject": "resolution",
        "text": "Thông qua Nghị quyết Đại hội đại biểu Đảng bộ nhiệm kỳ 2025–2030",
        "method": "show_of_hands", "present": 297, "for": 290, "against": 3, "abstain": 4,
        "adopted": true, "refs": []});
    compose::event(
        ORIGIN,
        stream,
        version,
        prev,
        "motion.decided",
        1,
        T0 + version as i64,
        key,
        &payload,
    )
    .expect("event")
}

/// Durable appends, 16 appenders on 16 streams, events signed before the clock starts. Each
/// appender keeps up to `window` events in flight (1: wait for each acknowledgement).
/// Returns the rate, the event's size and the process's CPU time per append in µs.
fn append(dir: &std::path::Path, per_appender: usize, window: usize) -> (f64, usize, f64) {
    let (ledger, fx) = new_ledger(&dir.join(format!("append-{window}")), Options::default());
    let ledger = Arc::new(ledger);
    let events: Vec<Vec<Vec<u8>>> = (0..APPENDERS)
        .into_par_iter()
        .map(|i| {
            let stream = format!("congress/bench-{i}/2025-2030");
            let mut prev = Hash::ZERO;
            (0..per_appender as u64)
                .map(|v| {
                    let e = stream_event(&stream, v, prev, &fx.presidium[i]);
                    prev = e.hash();
                    e.into_bytes()
                })
                .collect()
        })
        .collect();
    let bytes = events[0][0].len();
    let t = Instant::now();
    let cpu = cpu_seconds();
    let handles: Vec<_> = events
        .into_iter()
        .map(|evs| {
            let ledger = ledger.clone();
            std::thread::spawn(move || {
                let mut in_flight = std::collections::VecDeque::with_capacity(window);
                for e in evs {
                    if in_flight.len() == window {
                        let t: ledger::Ticket = in_flight.pop_front().expect("non-empty");
                        t.wait().expect("append");
                    }
                    in_flight.push_back(ledger.submit(e).expect("submit"));
                }
                for t in in_flight {
                    t.wait().expect("append");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("appender");
    }
    let r = rate(APPENDERS * per_appender, t.elapsed());
    let cpu_us = (cpu_seconds() - cpu) / (APPENDERS * per_appender) as f64 * 1e6;
    drop(fx.authority);
    drop(fx.log);
    (r, bytes, cpu_us)
}

/// One appender waiting on each acknowledgement: the time from submitting an event (signed
/// in advance) to its acknowledgement, p50 and p99 in µs, over `n` events.
fn ack_latency(dir: &std::path::Path, n: usize) -> (f64, f64) {
    let (ledger, fx) = new_ledger(&dir.join("latency"), Options::default());
    let stream = "congress/bench-0/2025-2030";
    let mut prev = Hash::ZERO;
    let events: Vec<Vec<u8>> = (0..n as u64)
        .map(|v| {
            let e = stream_event(stream, v, prev, &fx.presidium[0]);
            prev = e.hash();
            e.into_bytes()
        })
        .collect();
    let mut micros: Vec<f64> = events
        .into_iter()
        .map(|e| {
            let t = Instant::now();
            ledger.append(e).expect("append");
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((micros.len() - 1) as f64 * q).round() as usize];
    let (p50, p99) = (at(0.50), at(0.99));
    drop(ledger);
    drop(fx.authority);
    drop(fx.log);
    (p50, p99)
}

/// Builds a large log with 16 appenders signing as they go; reports RSS along the way.
fn build(dir: &std::path::Path, total: usize) -> (Ledger, Vec<(usize, f64)>, f64) {
    let options = Options {
        index_cache_bytes: 64 << 20,
        ..Options::default()
    };
    let (ledger, fx) = new_ledger(dir, options);
    let ledger = Arc::new(ledger);
    let per = total / APPENDERS;
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t = Instant::now();
    let handles: Vec<_> = (0..APPENDERS)
        .map(|i| {
            let (ledger, key, done) = (ledger.clone(), fx.presidium[i].clone(), done.clone());
            std::thread::spawn(move || {
                let stream = format!("congress/build-{i}/2025-2030");
                let mut prev = Hash::ZERO;
                for v in 0..per as u64 {
                    let e = stream_event(&stream, v, prev, &key);
                    prev = e.hash();
                    ledger.append(e.into_bytes()).expect("append");
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            })
        })
        .collect();
    let mut samples = Vec::new();
    let marks = [total / 10, total / 4, total / 2, total * 3 / 4];
    let mut next_mark = 0;
    while handles.iter().any(|h| !h.is_finished()) {
        std::thread::sleep(Duration::from_millis(50));
        let n = done.load(std::sync::atomic::Ordering::Relaxed);
        if next_mark < marks.len() && n >= marks[next_mark] {
            samples.push((n, rss_mib()));
            next_mark += 1;
        }
    }
    for h in handles {
        h.join().expect("builder");
    }
    let build_rate = rate(per * APPENDERS, t.elapsed());
    samples.push((per * APPENDERS, rss_mib()));
    ledger.sign_checkpoint().expect("checkpoint");
    let ledger = Arc::into_inner(ledger).expect("sole owner");
    (ledger, samples, build_rate)
}

/// A province's season: `congresses` congresses like Hải Dương's (≈250 acts each), signed and
/// appended a congress at a time.
fn province(dir: &std::path::Path, congresses: usize) -> Ledger {
    use ledger::scenarios::{hai_duong_2020 as hd, start};
    let k = hd::keys();
    let origin = "ledger.bench.vn/province";
    let day0 = ledger::scenarios::vn_time(2020, 3, 2, 8, 0);
    let mut r = start(
        origin,
        "Sổ cái đo hiệu năng: một mùa đại hội",
        &k.authority,
        &k.log,
        "qd244-2014",
        day0,
    )
    .expect("genesis");
    let bodies: [(&SigningKey, &[&str], &str); 6] = [
        (&k.superior, &["superior"], "*"),
        (&k.convener, &["convener"], "congress/"),
        (&k.presidium, &["presidium", "secretariat"], "congress/"),
        (&k.credentials, &["credentials"], "congress/"),
        (&k.counting, &["counting"], "congress/"),
        (&k.inspection, &["inspection", "registrar"], "*"),
    ];
    for (key, roles, scope) in bodies {
        let p = compose::enrollment(
            &key.verifying_key().to_bytes(),
            "cơ quan",
            roles,
            scope,
            day0,
            None,
        );
        r.record(&k.authority, "ledger", "key.enrolled", day0, p)
            .expect("enroll");
    }
    let mut first = r.take_events().into_iter();
    let ledger = Ledger::create(
        dir,
        first.next().expect("genesis"),
        k.log.clone(),
        Options::default(),
    )
    .expect("create");
    let mut pending: Vec<ledger::Ticket> = first
        .map(|e| ledger.submit(e.into_bytes()).expect("submit"))
        .collect();
    for i in 0..congresses {
        let org = format!("bench.dv-{i:05}");
        hd::record_congress(&mut r, &k, &org, &format!("congress/{org}/2020-2025"))
            .expect("congress");
        for t in pending.drain(..) {
            t.wait().expect("append");
        }
        pending = r
            .take_events()
            .into_iter()
            .map(|e| ledger.submit(e.into_bytes()).expect("submit"))
            .collect();
    }
    for t in pending {
        t.wait().expect("append");
    }
    ledger
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let want = |part: &str| args.is_empty() || args.iter().any(|a| a == part);
    let total: usize = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let base = std::env::var("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    let dir = tempfile::tempdir_in(base).expect("temp dir");
    println!(
        "# Congress Ledger core benchmarks ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let lim = limits(dir.path());
    if want("limits") || want("append") || want("verify") {
        println!("\n## Machine limits (same run)");
        println!(
            "ed25519 verify_strict, 1 core     {:>12.0} /s",
            lim.strict_1
        );
        println!(
            "ed25519 verify_strict, 2 cores    {:>12.0} /s",
            lim.strict_2
        );
        println!("ed25519 batch (n=1024), 2 cores   {:>12.0} /s", lim.batch_2);
        // Per signature on 2 cores: the batch's share plus a torsion check of its R (which
        // parallelizes as the batch does).
        let exact_2 = 1.0 / (1.0 / lim.batch_2 + 1.0 / (2.0 * lim.torsion_1));
        println!(
            "torsion check of one R, 1 core    {:>12.0} /s   (batch + one per R, 2 cores: {:.0} /s = {:.2}× the ledger's strict check)",
            lim.torsion_1,
            exact_2,
            exact_2 / lim.ledger_2
        );
        println!(
            "ledger strict check, 1 core       {:>12.0} /s   ({:.1} µs each)",
            lim.ledger_1,
            1e6 / lim.ledger_1
        );
        println!(
            "ledger strict check, 2 cores      {:>12.0} /s",
            lim.ledger_2
        );
        println!(
            "ledger check, 64 signers, 1 core  {:>12.0} /s   ({:.1} µs each)",
            lim.ledger_many_1,
            1e6 / lim.ledger_many_1
        );
        println!(
            "ledger check, 16 signers, 2 cores {:>12.0} /s   (the large log's signers)",
            lim.ledger_16_2
        );
        println!(
            "dalek precomputed check, 1 core   {:>12.0} /s   ({:.1} µs each; crypto.rs tables ÷ this: {:.2}×)",
            lim.precomputed_1,
            1e6 / lim.precomputed_1,
            lim.ledger_1 / lim.precomputed_1
        );
        println!(
            "fsync per 512-byte record         {:>12.0} records/s",
            lim.fsync
        );
        println!(
            "group commit per 256 records      {:>12.0} records/s",
            lim.group
        );
    }
    if want("append") {
        let per = 12_500;
        println!("\n## Durable appends, {APPENDERS} appenders on {APPENDERS} streams ({} events each run)", per * APPENDERS);
        for window in [1, 64] {
            let (r, bytes, cpu_us) = append(dir.path(), per, window);
            println!("appends, {window:>2} in flight per appender ({bytes} B) {:>9.0} events/s   target ≥ 40,000   = {:.2}× strict-verify on 2 cores, {:.2}× fsync-per-record, {:.3}× group-commit",
                r, r / lim.strict_2, r / lim.fsync, r / lim.group);
            println!("CPU per append, {window:>2} in flight         {cpu_us:>9.1} µs   (every thread of the process)");
        }
    }
    if want("latency") {
        let n = (total / 200).clamp(500, 5_000);
        let (p50, p99) = ack_latency(dir.path(), n);
        let fsync_us = 1e6 / lim.fsync;
        println!("\n## One appender waiting on each acknowledgement ({n} events)");
        println!("acknowledgement latency p50       {p50:>12.0} µs   target ≤ 2× fsync   = {:.2}× one fsync ({fsync_us:.0} µs)", p50 / fsync_us);
        println!(
            "acknowledgement latency p99       {p99:>12.0} µs   = {:.2}× one fsync",
            p99 / fsync_us
        );
    }
    if want("procedure") {
        let keep = std::env::var("BENCH_KEEP_PROVINCE")
            .ok()
            .map(std::path::PathBuf::from);
        let ledger = match &keep {
            Some(path) if path.exists() => {
                Ledger::open(path, Options::default()).expect("open kept province")
            }
            _ => {
                let path = keep.clone().unwrap_or_else(|| dir.path().join("province"));
                let t = Instant::now();
                let l = province(&path, total / 250);
                println!(
                    "\n## A province of {} congresses, {} events (built in {:.1}s)",
                    total / 250,
                    l.size(),
                    t.elapsed().as_secs_f64()
                );
                l
            }
        };
        let n = ledger.size() as usize;
        let t = Instant::now();
        let integrity =
            ledger::verify::integrity(&ledger, &VerifyOptions::default()).expect("verify");
        let t_integrity = t.elapsed();
        assert!(integrity.ok(), "{:?}", integrity.failure);
        let t = Instant::now();
        let folded = ledger::verify::integrity(
            &ledger,
            &VerifyOptions {
                with_projections: true,
                ..Default::default()
            },
        )
        .expect("verify");
        let t_folded = t.elapsed();
        assert!(folded.ok());
        drop(folded);
        let t = Instant::now();
        let projections = ledger::projections::Projections::rebuild(&ledger).expect("projections");
        let t_projections = t.elapsed();
        let t = Instant::now();
        let procedure = ledger::rules::check(&projections, "qd244-2014");
        let t_rules = t.elapsed();
        let congresses = projections.congresses.len();
        assert!(
            procedure.findings.is_empty(),
            "{} findings",
            procedure.findings.len()
        );
        drop(projections);
        let t = Instant::now();
        let (full, projections) =
            ledger::verify::ledger_with_projections(&ledger, &VerifyOptions::default())
                .expect("full");
        let t_full = t.elapsed();
        assert!(full.holds());
        let t = Instant::now();
        drop(projections);
        let t_drop = t.elapsed();
        println!(
            "integrity and authority             {:>10.0} events/s ({:.2}s)",
            rate(n, t_integrity),
            t_integrity.as_secs_f64()
        );
        println!(
            "integrity with projections folded   {:>10.0} events/s ({:.2}s)",
            rate(n, t_folded),
            t_folded.as_secs_f64()
        );
        println!(
            "projection rebuild                  {:>10.0} events/s ({:.2}s)   target ≥ 300,000",
            rate(n, t_projections),
            t_projections.as_secs_f64()
        );
        println!(
            "procedure checks over {} congresses {:>8.2}s",
            congresses,
            t_rules.as_secs_f64()
        );
        println!("full three-level verification       {:>10.0} events/s ({:.2}s): procedure adds {:.0}% to integrity   target ≤ 20%",
            rate(n, t_full), t_full.as_secs_f64(), (t_full.as_secs_f64() / t_integrity.as_secs_f64() - 1.0) * 100.0);
        println!(
            "  (freeing the projections afterwards: {:.2}s)",
            t_drop.as_secs_f64()
        );
    }
    if want("build") || want("verify") || want("proofs") || want("tiles") {
        // BENCH_KEEP=DIR keeps the large log there, and reuses it when it exists already.
        let keep = std::env::var("BENCH_KEEP")
            .ok()
            .map(std::path::PathBuf::from);
        let ledger = match &keep {
            Some(path) if path.exists() => {
                Ledger::open(path, Options::default()).expect("open kept log")
            }
            _ => {
                let path = keep.clone().unwrap_or_else(|| dir.path().join("large"));
                let t = Instant::now();
                let (ledger, samples, build_rate) = build(&path, total);
                println!("\n## A log of {} events (built in {:.1}s, {:.0} events/s while signing on the same 2 cores)", ledger.size(), t.elapsed().as_secs_f64(), build_rate);
                for (n, mib) in &samples {
                    println!("RSS after {n:>9} appends           {mib:>10.1} MiB");
                }
                ledger
            }
        };
        if want("verify") {
            let modes: &[bool] = if std::env::var("BENCH_BATCH_ONLY").is_ok() {
                &[false]
            } else {
                &[false, true]
            };
            for &strict in modes {
                let t = Instant::now();
                let report = ledger::verify::integrity(
                    &ledger,
                    &VerifyOptions {
                        strict_signatures: strict,
                        ..Default::default()
                    },
                )
                .expect("verify");
                let d = t.elapsed();
                assert!(report.ok(), "{:?}", report.failure);
                let r = rate(report.entries as usize, d);
                println!("verify whole log ({}) {:>12.0} events/s   target ≥ 100,000   = {:.2}× batch-verify limit, {:.2}× strict on 2 cores ({:.1}s)",
                    if strict { "strict signatures" } else { "batch signatures " }, r, r / lim.batch_2, r / lim.strict_2, d.as_secs_f64());
                if strict {
                    println!("  strict ÷ the ledger's strict check {:.2}×, ÷ that check with the log's 16 signers {:.2}×",
                        r / lim.ledger_2, r / lim.ledger_16_2);
                }
            }
        }
        if want("proofs") {
            let size = ledger.size();
            let n = 2000u64;
            let mut x = 0x9E37_79B9_7F4A_7C15u64;
            let mut next = move || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            let t = Instant::now();
            for _ in 0..n {
                let i = next() % size;
                ledger.inclusion_proof(i, size).expect("io").expect("proof");
            }
            let incl = t.elapsed() / n as u32;
            let t = Instant::now();
            for _ in 0..n {
                let old = 1 + next() % (size - 1);
                ledger
                    .consistency_proof(old, size)
                    .expect("io")
                    .expect("proof");
            }
            let cons = t.elapsed() / n as u32;
            println!(
                "inclusion proof at {size}     {:>10.1} µs   target < 1 ms",
                incl.as_secs_f64() * 1e6
            );
            println!(
                "consistency proof at {size}   {:>10.1} µs   target < 1 ms",
                cons.as_secs_f64() * 1e6
            );
        }
        if want("tiles") {
            tiles(&ledger, dir.path());
        }
        let t = Instant::now();
        let dir_path = ledger.dir().to_path_buf();
        ledger.close().expect("close");
        let reopened = Ledger::open(&dir_path, Options::default()).expect("reopen");
        println!(
            "reopen (checksums of every frame)   {:>10.2} s",
            t.elapsed().as_secs_f64()
        );
        drop(reopened);
    }
}

/// Bytes of every file under `dir`.
fn du(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    for item in std::fs::read_dir(dir).expect("read dir") {
        let item = item.expect("entry");
        let meta = item.metadata().expect("metadata");
        total += if meta.is_dir() {
            du(&item.path())
        } else {
            meta.len()
        };
    }
    total
}

/// The log as tiles: publishing it whole into a directory (then the growth of one
/// checkpoint interval's appends), the bytes of the tiles against the log's, and an
/// inclusion proof read from the tiles, cold (nothing cached) and warm.
fn tiles(ledger: &Ledger, dir: &std::path::Path) {
    use ledger::tiles::publish::publish;
    use ledger::tiles::read::TileLog;
    use ledger::tiles::DirStore;
    let out = dir.join("tiles");
    let store = DirStore::new(&out);
    let note = ledger.sign_checkpoint().expect("checkpoint");
    let size = note.checkpoint.size;
    let t = Instant::now();
    let done = publish(ledger, &store, &note).expect("publish");
    let d = t.elapsed();
    println!("\n## Tiles (log of {size} events)");
    println!(
        "publish whole log into a directory  {:>10.0} entries/s   ({} bundles, {} tiles, {:.1}s)",
        rate(size as usize, d),
        done.bundles,
        done.tiles,
        d.as_secs_f64()
    );
    let log_bytes = du(&ledger.dir().join("log"));
    let tile_bytes = du(&out);
    println!(
        "tiles bytes / log bytes             {:>10.3}   ({tile_bytes} B of tiles, {log_bytes} B of segments)",
        tile_bytes as f64 / log_bytes as f64
    );
    let key = ledger.log_key().clone();
    let n = 200u64;
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let picks: Vec<u64> = (0..n).map(|_| next() % size).collect();
    // Cold: a new cache for each proof; warm: the same cache, filled by the cold reads.
    let cache = dir.join("tile-cache");
    let t = Instant::now();
    for (i, &p) in picks.iter().enumerate() {
        let log = TileLog::open(
            Box::new(DirStore::new(&out)),
            Some(DirStore::cache(&cache.join(i.to_string()))),
            key.clone(),
        )
        .expect("open tiles");
        log.inclusion_proof(p).expect("proof");
    }
    let cold = t.elapsed() / n as u32;
    let warm_cache = dir.join("warm-cache");
    let log = TileLog::open(
        Box::new(DirStore::new(&out)),
        Some(DirStore::cache(&warm_cache)),
        key.clone(),
    )
    .expect("open tiles");
    for &p in &picks {
        log.inclusion_proof(p).expect("proof");
    }
    let t = Instant::now();
    for &p in &picks {
        log.inclusion_proof(p).expect("proof");
    }
    let warm = t.elapsed() / n as u32;
    println!(
        "inclusion proof from tiles, cold    {:>10.1} µs   (checkpoint and tiles read, cache written)",
        cold.as_secs_f64() * 1e6
    );
    println!(
        "inclusion proof from tiles, warm    {:>10.1} µs   (tiles from the local cache)",
        warm.as_secs_f64() * 1e6
    );
}
