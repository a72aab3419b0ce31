//! The monitor: entries verified as they arrive and mirrored only when they verify, every
//! checkpoint checked against them and against the one held before.

mod common;

use common::fixture::{create, log_vkey, next, CONGRESS};
use ledger::monitor::{Alarm, Monitor};
use ledger::{Entry, Ledger, Options};

fn entries(ledger: &Ledger) -> Vec<Entry> {
    (0..ledger.size())
        .map(|p| ledger.entry(p).unwrap().unwrap())
        .collect()
}

fn proofs(ledger: &Ledger) -> impl Fn(u64, u64) -> Result<Vec<ledger::Hash>, String> + '_ {
    move |old, new| {
        ledger
            .consistency_proof(old, new)
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }
}

#[test]
fn a_monitor_verifies_mirrors_and_stops_at_the_first_bad_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    for i in 0..6 {
        ledger
            .append(next(&ledger, &k, CONGRESS, i).into_bytes())
            .unwrap();
    }
    let early = ledger.sign_checkpoint().unwrap();
    let all = entries(&ledger);
    let mirror = dir.path().join("mirror");
    let (mut monitor, alarms) = Monitor::open(log_vkey(&k), None, Some(&mirror), 1 << 20).unwrap();
    assert!(alarms.is_empty());

    // A checkpoint ahead of the entries waits for them, then holds.
    assert!(monitor
        .checkpoint(&early.encode(), &proofs(&ledger))
        .is_empty());
    assert!(monitor.held().is_none());
    let alarms = monitor.push(&all[..5]).unwrap();
    assert!(alarms.is_empty(), "{alarms:?}");
    let alarms = monitor.push(&all[5..]).unwrap();
    assert!(alarms.iter().all(|a| !a.is_integrity()), "{alarms:?}");
    assert_eq!(
        monitor.held().map(|n| n.checkpoint.size),
        Some(all.len() as u64)
    );

    // The log grows; the next checkpoint is proved to extend the one held.
    ledger
        .append(next(&ledger, &k, CONGRESS, 6).into_bytes())
        .unwrap();
    let later = ledger.sign_checkpoint().unwrap();
    let grown = entries(&ledger);
    assert!(monitor
        .push(&grown[all.len()..])
        .unwrap()
        .iter()
        .all(|a| !a.is_integrity()));
    assert!(monitor
        .checkpoint(&later.encode(), &proofs(&ledger))
        .iter()
        .all(|a| !a.is_integrity()));

    // A tampered entry: an integrity alarm at its position, and the mirror stops before it.
    ledger
        .append(next(&ledger, &k, CONGRESS, 7).into_bytes())
        .unwrap();
    ledger
        .append(next(&ledger, &k, CONGRESS, 8).into_bytes())
        .unwrap();
    let mut rest = entries(&ledger)[grown.len()..].to_vec();
    rest[1].received -= 10_000_000; // received times never go back
    let alarms = monitor.push(&rest).unwrap();
    let bad = grown.len() as u64 + 1;
    assert!(
        matches!(alarms.as_slice(), [Alarm::Integrity(f)] if f.position == bad),
        "{alarms:?}"
    );
    assert!(monitor.is_broken());
    assert_eq!(monitor.size(), bad);
    drop(monitor);

    // Resuming from the mirror: its entries verify again, and it holds exactly those.
    let (monitor, alarms) = Monitor::open(log_vkey(&k), None, Some(&mirror), 1 << 20).unwrap();
    assert!(alarms.iter().all(|a| !a.is_integrity()), "{alarms:?}");
    assert_eq!(monitor.size(), bad);
    assert_eq!(
        monitor.held().map(|n| n.checkpoint.size),
        Some(later.checkpoint.size)
    );
}

#[test]
fn a_checkpoint_that_contradicts_the_entries_or_the_one_held_is_a_fork() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    let note = ledger.sign_checkpoint().unwrap();
    let (mut monitor, _) = Monitor::open(log_vkey(&k), None, None, 1 << 20).unwrap();
    monitor.push(&entries(&ledger)).unwrap();
    assert!(monitor
        .checkpoint(&note.encode(), &proofs(&ledger))
        .is_empty());
    // Same size, another root, validly signed by the log key: what a forking server shows.
    let forged = ledger::SignedNote::sign(
        ledger::format::Checkpoint::new(
            &note.checkpoint.origin,
            note.checkpoint.size,
            ledger::Hash([3; 32]),
        ),
        &k.log,
    )
    .unwrap();
    let alarms = monitor.checkpoint(&forged.encode(), &proofs(&ledger));
    match alarms.as_slice() {
        [Alarm::Fork {
            held_note,
            offered_note,
            ..
        }] => {
            assert_eq!(held_note, &note.encode());
            assert_eq!(offered_note, &forged.encode());
        }
        other => panic!("expected a fork, got {other:?}"),
    }
    assert!(monitor.is_broken());
}

/// A checkpoint shown before its entries is judged at exactly its size, even when the entries
/// arrive in one batch that goes past it.
#[test]
fn a_checkpoint_ahead_of_the_entries_is_judged_inside_a_longer_batch() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    let note = ledger.sign_checkpoint().unwrap();
    for i in 0..4 {
        ledger
            .append(next(&ledger, &k, CONGRESS, i).into_bytes())
            .unwrap();
    }
    let mirror = dir.path().join("mirror");
    let (mut monitor, _) = Monitor::open(log_vkey(&k), None, Some(&mirror), 1 << 20).unwrap();
    let no_proofs = |_: u64, _: u64| -> Result<Vec<ledger::Hash>, String> {
        Err("the server is not asked".into())
    };
    assert!(monitor.checkpoint(&note.encode(), &no_proofs).is_empty());
    let alarms = monitor.push(&entries(&ledger)).unwrap();
    assert!(alarms.iter().all(|a| !a.is_integrity()), "{alarms:?}");
    assert_eq!(monitor.held(), Some(&note));
    assert_eq!(monitor.size(), ledger.size());
    drop(monitor);
    // The mirror kept that checkpoint with its entries.
    let (monitor, alarms) = Monitor::open(log_vkey(&k), None, Some(&mirror), 1 << 20).unwrap();
    assert!(alarms.iter().all(|a| !a.is_integrity()), "{alarms:?}");
    assert_eq!(monitor.held(), Some(&note));
}
