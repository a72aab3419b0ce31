//! The bounded fuzzer: every target of `fuzzing`, fed arbitrary bytes and structure-aware
//! mutations of valid inputs, for a fixed number of cases (`FUZZ_CASES`, default per target
//! below; `FUZZ_SEED` picks the random stream). Each test prints how many inputs it ran.
//! A failing input is shrunk by proptest and shown; a hang aborts with the target's name.
//!
//! `cargo test -p fuzzing --test fuzz -- --nocapture` (CI), or the long version:
//! `FUZZ_CASES=10_000_000 cargo test --release -p fuzzing --test fuzz -- --nocapture`.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fuzzing::http::{SignedCase, Target};
use fuzzing::mutate::{self, Mutation};
use fuzzing::seeds::{self, seeds};
use fuzzing::{targets, Outcome};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// The cases per target when `FUZZ_CASES` is not set: together a minute or two of a debug
/// build on two cores, where Ed25519 and JSON Schema are unoptimized.
fn cases(default: u32) -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn seed() -> u64 {
    std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_c0de)
}

/// Aborts the process if one input runs longer than `FUZZ_HANG_SECS` (default 60): a hang is
/// a bug, and a test harness would otherwise wait for it forever.
fn watchdog(name: &'static str, busy_since: Arc<AtomicU64>, done: Arc<Mutex<bool>>) {
    let limit = std::env::var("FUZZ_HANG_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60u64);
    let base = Instant::now();
    busy_since.store(0, Ordering::SeqCst);
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(500));
        if done.lock().map(|d| *d).unwrap_or(true) {
            return;
        }
        let since = busy_since.load(Ordering::SeqCst);
        let now = base.elapsed().as_millis() as u64 + 1;
        if since != 0 && now.saturating_sub(since) > limit * 1000 {
            eprintln!(
                "fuzz {name}: one input has run for over {limit}s: a hang (FUZZ_SEED={})",
                seed()
            );
            std::process::abort();
        }
    });
}

thread_local! {
    static FUZZING: Cell<bool> = const { Cell::new(false) };
}

/// Panics inside a run are the oracle speaking: proptest catches each one, shrinks the input and
/// reports the smallest. Printing every one on the way would bury that report.
fn quiet_panics_while_fuzzing() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !FUZZING.with(Cell::get) || std::env::var_os("FUZZ_VERBOSE").is_some() {
                default(info);
            }
        }));
    });
}

/// Runs `target` over `cases` inputs from `strategy`, counts outcomes and prints them.
fn fuzz<S: Strategy>(
    name: &'static str,
    default_cases: u32,
    strategy: S,
    target: impl Fn(S::Value) -> Outcome,
) where
    S::Value: std::fmt::Debug,
{
    let cases = cases(default_cases);
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    };
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed().to_le_bytes());
    key[8..8 + name.len().min(24)].copy_from_slice(&name.as_bytes()[..name.len().min(24)]);
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &key));
    let (accepted, refused) = (Cell::new(0u64), Cell::new(0u64));
    let busy = Arc::new(AtomicU64::new(0));
    let done = Arc::new(Mutex::new(false));
    watchdog(name, busy.clone(), done.clone());
    let base = Instant::now();
    let started = Instant::now();
    quiet_panics_while_fuzzing();
    FUZZING.with(|f| f.set(true));
    let result = runner.run(&strategy, |input| {
        busy.store(base.elapsed().as_millis() as u64 + 1, Ordering::SeqCst);
        let outcome = target(input);
        busy.store(0, Ordering::SeqCst);
        match outcome {
            Outcome::Accepted => accepted.set(accepted.get() + 1),
            Outcome::Refused => refused.set(refused.get() + 1),
        }
        Ok(())
    });
    FUZZING.with(|f| f.set(false));
    if let Ok(mut d) = done.lock() {
        *d = true;
    }
    let (a, r) = (accepted.get(), refused.get());
    println!(
        "fuzz {name}: {} executions ({a} accepted, {r} refused) in {:.1}s",
        a + r,
        started.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("fuzz {name} (FUZZ_SEED={}): {e}", seed());
    }
    assert!(a + r >= cases as u64, "fewer executions than cases");
    // Both outcomes occur: the mutations reach past the parser's first check, and the
    // parser does refuse what it should.
    assert!(a > 0 && r > 0, "fuzz {name}: {a} accepted, {r} refused");
}

fn mutation(others: &'static [Vec<u8>]) -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<u16>(), any::<u8>()).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        1 => (any::<u16>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        1 => (any::<u16>(), 1..64u16).prop_map(|(at, len)| Mutation::Delete { at, len }),
        1 => any::<u16>().prop_map(|at| Mutation::Truncate { at }),
        1 => (any::<u16>(), 1..64u16).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        1 => (any::<u16>(), prop::sample::select(others), any::<u16>())
            .prop_map(|(at, other, from)| Mutation::Splice { at, other, from }),
        3 => (any::<u16>(), any::<u8>(), -2..=2i8, any::<bool>())
            .prop_map(|(field, which, delta, narrow)| Mutation::Length { field, which, delta, narrow }),
    ]
}

/// Arbitrary bytes (1 in 5), or a seed with up to four mutations.
fn inputs(
    seeds: &'static [Vec<u8>],
    fields: fn(&[u8]) -> Vec<usize>,
) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..512),
        4 => (prop::sample::select(seeds), prop::collection::vec(mutation(seeds), 0..4))
            .prop_map(move |(mut data, ms)| {
                for m in &ms {
                    let f = fields(&data);
                    mutate::apply(&mut data, m, &f);
                }
                data
            }),
    ]
}

fn no_fields(_: &[u8]) -> Vec<usize> {
    Vec::new()
}

fn text_seeds(texts: &[String]) -> &'static [Vec<u8>] {
    Box::leak(
        texts
            .iter()
            .map(|t| t.as_bytes().to_vec())
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    )
}

#[test]
fn fuzz_event_decoding() {
    fuzz(
        "event",
        3000,
        inputs(&seeds().events, seeds::event_length_fields),
        |d| targets::event(&d),
    );
}

#[test]
fn fuzz_entry_decoding() {
    fuzz(
        "entry",
        2000,
        inputs(&seeds().entries, seeds::entry_length_fields),
        |d| targets::entry(&d),
    );
}

#[test]
fn fuzz_entries_bin_framing() {
    fuzz(
        "entries.bin",
        1000,
        inputs(&seeds().entries_bins, seeds::entries_bin_length_fields),
        |d| targets::entries_bin(&d),
    );
}

#[test]
fn fuzz_segment_frames() {
    // Half the cases reseal the seed's frame headers after mutating, so that a hostile length
    // meets the length check rather than the header checksum.
    let seeds = &seeds().frames;
    let strategy = prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..512),
        4 => (prop::sample::select(seeds.as_slice()), prop::collection::vec(mutation(seeds), 0..4), any::<bool>())
            .prop_map(|(mut data, ms, reseal)| {
                let headers = seeds::frame_length_fields(&data);
                for m in &ms {
                    mutate::apply(&mut data, m, &headers);
                }
                if reseal {
                    mutate::reseal_frame_headers(&mut data, &headers);
                }
                data
            }),
    ];
    fuzz("frames", 1000, strategy, |d| targets::frames(&d));
}

#[test]
fn fuzz_checkpoint_notes() {
    fuzz(
        "note",
        3000,
        inputs(text_seeds(&seeds().notes), no_fields),
        |d| targets::note(&d),
    );
}

#[test]
fn fuzz_verifier_keys() {
    fuzz(
        "key",
        5000,
        inputs(text_seeds(&seeds().keys), no_fields),
        |d| targets::key(&d),
    );
}

#[test]
fn a_key_id_in_upper_case_reads_as_the_same_key() {
    // Found by libFuzzer (fuzz/ key): the oracle once wanted the text back byte for byte.
    let lower = &seeds().keys[2];
    let (head, rest) = lower.split_at(lower.find('+').unwrap_or(0) + 1);
    let upper = format!("{head}{}{}", rest[..8].to_ascii_uppercase(), &rest[8..]);
    assert_ne!(&upper, lower);
    assert_eq!(targets::key(upper.as_bytes()), Outcome::Accepted);
    assert_eq!(
        ledger::VerifierKey::parse(&upper),
        ledger::VerifierKey::parse(lower)
    );
}

#[test]
fn fuzz_payload_validation() {
    let s = seeds();
    let payload_bytes: &'static [Vec<u8>] = Box::leak(
        s.payloads
            .iter()
            .map(|(_, p)| p.clone())
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let strategy = (
        prop::sample::select(s.payloads.clone()),
        prop::collection::vec((any::<u16>(), any::<u8>()), 0..3),
        prop::collection::vec(mutation(payload_bytes), 0..2),
    )
        .prop_map(|((kind, mut payload), tweaks, ms)| {
            for (node, op) in tweaks {
                payload = mutate::tweak_json(&payload, node, op);
            }
            for m in &ms {
                mutate::apply(&mut payload, m, &[]);
            }
            (kind, payload)
        });
    fuzz("payload", 3000, strategy, |(kind, payload)| {
        targets::payload_of(&kind, &payload)
    });
}

/// GET paths with fuzzed parameters (the subscription is left out: it never ends by design).
fn get_path() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        (0u64..300).prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "[0-9a-f]{64}",
        "[ -~]{0,40}",
        Just("99999999999999999999999".to_string()),
        Just(String::new()),
    ];
    let template = prop::sample::select(vec![
        "events/{}",
        "events/by-hash/{}",
        "streams/congress/hd.tp-haiduong/2020-2025?from={}&limit={}",
        "streams/{}",
        "checkpoints/{}",
        "checkpoint",
        "proofs/inclusion?position={}&size={}",
        "proofs/consistency?old={}&new={}",
        "proofs/act/{}",
        "congresses/{}",
        "congresses/hd.tp-haiduong/{}",
        "complaints?state={}",
        "progress/{}?term={}&as_of={}",
        "blobs/{}",
        "{}",
    ]);
    (template, value.clone(), value.clone(), value).prop_map(|(t, a, b, c)| {
        t.replacen("{}", &a, 1)
            .replacen("{}", &b, 1)
            .replacen("{}", &c, 1)
    })
}

fn signed_case() -> impl Strategy<Value = SignedCase> {
    (
        any::<u8>(),
        prop_oneof![4 => Just(0i8), 1 => any::<i8>()],
        prop_oneof![4 => Just(0u8), 1 => any::<u8>()],
        any::<u8>(),
        prop_oneof![4 => Just(1u16), 1 => any::<u16>()],
        any::<u8>(),
        prop_oneof![4 => Just(1_591_509_600_000i64), 1 => any::<i64>()],
        prop::collection::vec((any::<u16>(), any::<u8>()), 0..2),
        any::<bool>(),
    )
        .prop_map(
            |(stream, version_delta, prev, kind, schema, signer, time, tweaks, break_bytes)| {
                let mut payload = Target::seed_payload(kind);
                for (node, op) in tweaks {
                    payload = mutate::tweak_json(&payload, node, op);
                }
                if break_bytes && !payload.is_empty() {
                    let at = payload.len() / 2;
                    payload[at] ^= 0x22;
                }
                SignedCase {
                    stream,
                    version_delta,
                    prev,
                    kind,
                    schema,
                    signer,
                    time,
                    payload,
                }
            },
        )
}

#[derive(Debug, Clone)]
enum Request {
    Post(Vec<u8>),
    Get(String),
    Signed(SignedCase),
}

#[test]
fn fuzz_http_requests() {
    let target = Target::start();
    let mut bodies = seeds().events.clone();
    bodies.push(target.compose_valid());
    let bodies: &'static [Vec<u8>] = Box::leak(bodies.into_boxed_slice());
    let strategy = prop_oneof![
        2 => inputs(bodies, seeds::event_length_fields).prop_map(Request::Post),
        2 => get_path().prop_map(Request::Get),
        3 => signed_case().prop_map(Request::Signed),
    ];
    fuzz("http", 1500, strategy, |r| match r {
        Request::Post(body) => target.post_event(&body),
        Request::Get(path) => target.get(&path),
        Request::Signed(case) => target.signed(&case),
    });
    let size = target.check_ledger();
    println!("fuzz http: the ledger verifies afterwards ({size} entries)");
}
