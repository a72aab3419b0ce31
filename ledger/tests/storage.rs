//! The storage seam: a ledger runs on any implementation of `Segments`, `Histories` and
//! `Blobs`. Here the simulated disk (`storage::sim`, in memory), behind the fault store for a
//! torn write: if anything wrote or read the log's files behind the seam, these ledgers would
//! not open, verify or recover.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::fixture::{create, next, CONGRESS};
use ledger::storage::faults::{Action, Faults, Op};
use ledger::storage::sim::SimDisk;
use ledger::storage::Storage;
use ledger::verify::integrity::VerifyOptions;
use ledger::{Ledger, Options};

/// The ledger's log, histories and documents on `storage` (segments of 600 bytes, to roll).
fn on(storage: impl Fn() -> Storage + Send + Sync + 'static) -> Options {
    Options {
        segment_bytes: 600,
        storage: Some(Arc::new(move |_: &Path| storage())),
        ..Options::default()
    }
}

#[test]
fn a_ledger_runs_and_recovers_on_another_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let disk = SimDisk::new();
    let on_disk = || {
        let disk = disk.clone();
        on(move || disk.storage())
    };
    let (ledger, k) = create(&path, on_disk());
    for n in 0..12 {
        ledger
            .append(next(&ledger, &k, CONGRESS, n).bytes().to_vec())
            .unwrap();
    }
    ledger.sign_checkpoint().unwrap();
    let hash = ledger.blobs().put(b"bien ban").unwrap();
    let size = ledger.size();
    let root = ledger.root();
    ledger.close().unwrap();

    // Nothing of the log, its history or its documents is in the directory.
    for gone in ["log", "checkpoints.log", "cosignatures.log", "blobs"] {
        assert!(
            !path.join(gone).exists(),
            "{gone} was written behind the seam"
        );
    }
    let store = disk.storage();
    assert!(
        store.segments.list().unwrap().len() > 1,
        "segments were not rolled"
    );
    let checkpoints = store.histories.open("checkpoints.log").unwrap();
    assert!(checkpoints.len().unwrap() > 8, "no checkpoint was kept");

    // The index is deleted: opening replays it from the store's segments alone.
    std::fs::remove_dir_all(path.join("index")).unwrap();
    let ledger = Ledger::open(&path, on_disk()).unwrap();
    assert_eq!((ledger.size(), ledger.root()), (size, root));
    assert_eq!(ledger.blobs().get(&hash).unwrap().unwrap(), b"bien ban");
    let report = ledger::verify::integrity(&ledger, &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{:?}", report.failure);
    assert_eq!(report.entries, size);
    assert!(report.checkpoints.iter().all(|c| c.ok));
}

#[test]
fn a_failed_write_through_the_seam_is_cut_back_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let disk = SimDisk::new();
    let full = Arc::new(AtomicBool::new(false));
    let faults = {
        let full = full.clone();
        // Half of a segment write reaches the disk before it fails: the writer must cut it back.
        Faults::new(move |call| {
            if call.op == Op::Write && call.file.ends_with(".seg") && full.load(Ordering::SeqCst) {
                Action::Tear(call.len / 2)
            } else {
                Action::Pass
            }
        })
    };
    let options = {
        let disk = disk.clone();
        on(move || faults.wrap(disk.storage()))
    };
    let (ledger, k) = create(&path, options);
    let event = next(&ledger, &k, CONGRESS, 0);
    let segment_len = || {
        let store = disk.storage();
        let last = *store.segments.list().unwrap().last().unwrap();
        store.segments.open(last).unwrap().len().unwrap()
    };
    let before = segment_len();
    full.store(true, Ordering::SeqCst);
    let err = ledger.append(event.bytes().to_vec()).unwrap_err();
    assert!(err.to_string().contains("torn write"), "{err}");
    // Half the group reached the segment; the writer cut it back.
    assert_eq!(segment_len(), before);
    full.store(false, Ordering::SeqCst);
    let appended = ledger.append(event.bytes().to_vec()).unwrap();
    assert_eq!(appended.position, ledger.size() - 1);
    let report = ledger::verify::integrity(&ledger, &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{:?}", report.failure);
}
