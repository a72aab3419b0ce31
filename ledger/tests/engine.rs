//! The live ledger: append semantics, restart, crash recovery, index rebuild, checkpoints.

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::thread;

use common::fixture::{
    self, copy_dir, create, log_bytes, next, segment_files, CONGRESS, ORIGIN, T0,
};
use ledger::engine::AppendError;
use ledger::format::merkle;
use ledger::storage::{frame, StorageError};
use ledger::verify::integrity::VerifyOptions;
use ledger::{compose, Entry, Hash, Ledger, OpenError, Options};
use serde_json::json;

fn opts() -> Options {
    Options::default()
}

#[test]
fn appends_are_sequenced_and_refusals_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let (ledger, k) = create(&path, opts());
    let e0 = next(&ledger, &k, CONGRESS, 0);
    let a0 = ledger.append(e0.bytes().to_vec()).unwrap();
    assert_eq!((a0.position, a0.version, a0.created), (3, 0, true));
    let e1 = next(&ledger, &k, CONGRESS, 1);
    let a1 = ledger.append(e1.bytes().to_vec()).unwrap();
    assert_eq!((a1.position, a1.version), (4, 1));
    assert!(a1.received >= a0.received);

    // An idempotent retry returns the stored position and writes nothing.
    let before = (ledger.size(), log_bytes(&path));
    let retry = ledger.append(e1.bytes().to_vec()).unwrap();
    assert_eq!(
        (retry.position, retry.created, retry.received),
        (4, false, a1.received)
    );

    let refusals: Vec<(Vec<u8>, &str)> = vec![
        // Stale version: version 1 again, other content.
        (
            compose::event(
                ORIGIN,
                CONGRESS,
                1,
                e0.hash(),
                "session.opened",
                1,
                T0,
                &k.presidium,
                &fixture::session(9),
            )
            .unwrap()
            .into_bytes(),
            "conflict",
        ),
        // A gap.
        (
            compose::event(
                ORIGIN,
                CONGRESS,
                5,
                e1.hash(),
                "session.opened",
                1,
                T0,
                &k.presidium,
                &fixture::session(9),
            )
            .unwrap()
            .into_bytes(),
            "conflict",
        ),
        // The right version, the wrong prev.
        (
            compose::event(
                ORIGIN,
                CONGRESS,
                2,
                e0.hash(),
                "session.opened",
                1,
                T0,
                &k.presidium,
                &fixture::session(9),
            )
            .unwrap()
            .into_bytes(),
            "prev",
        ),
        // Another ledger's event.
        (
            compose::event(
                "ledger.other.vn/x",
                CONGRESS,
                2,
                e1.hash(),
                "session.opened",
                1,
                T0,
                &k.presidium,
                &fixture::session(9),
            )
            .unwrap()
            .into_bytes(),
            "ledger",
        ),
        // A damaged signature.
        (
            {
                let mut b = next(&ledger, &k, CONGRESS, 2).into_bytes();
                let n = b.len();
                b[n - 5] ^= 1;
                b
            },
            "signature",
        ),
        // Signed by a key nobody enrolled.
        (
            compose::next_event(
                &ledger,
                CONGRESS,
                "session.opened",
                1,
                T0,
                &k.outsider,
                &fixture::session(2),
            )
            .unwrap()
            .into_bytes(),
            "not enrolled",
        ),
        // A counting key opening a session: the wrong role.
        (
            compose::next_event(
                &ledger,
                CONGRESS,
                "session.opened",
                1,
                T0,
                &k.counting,
                &fixture::session(2),
            )
            .unwrap()
            .into_bytes(),
            "roles [presidium]",
        ),
        // The presidium outside its scope.
        (
            compose::next_event(
                &ledger,
                "congress/other/2020-2025",
                "session.opened",
                1,
                T0,
                &k.presidium,
                &fixture::session(2),
            )
            .unwrap()
            .into_bytes(),
            "scope",
        ),
        // Cut short.
        (
            next(&ledger, &k, CONGRESS, 2).into_bytes()[..100].to_vec(),
            "truncated",
        ),
        // Not a known kind.
        (
            compose::next_event(
                &ledger,
                CONGRESS,
                "session.invented",
                1,
                T0,
                &k.presidium,
                &fixture::session(2),
            )
            .unwrap()
            .into_bytes(),
            "unknown event kind",
        ),
    ];
    for (bytes, expect) in refusals {
        let err = ledger.append(bytes).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(expect), "expected `{expect}` in: {text}");
        match (&err, expect) {
            (AppendError::Conflict { current, head, .. }, "conflict") => {
                assert_eq!((*current, *head), (2, e1.hash()));
            }
            (AppendError::Conflict { .. }, _) => panic!("unexpected conflict: {text}"),
            _ => {}
        }
    }
    assert_eq!(
        (ledger.size(), log_bytes(&path)),
        before,
        "refusals wrote nothing"
    );
    let report = ledger::verify::integrity(&ledger, &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{report:?}");
}

#[test]
fn a_revoked_key_signs_nothing_received_after_its_revocation_whatever_it_claims() {
    // The ledger's clock, moved by the test: `received` is what revocation follows (§4).
    let now = Arc::new(AtomicI64::new(T0 + 10_000));
    let clock = now.clone();
    let options = Options {
        clock: Arc::new(move || clock.load(Ordering::SeqCst)),
        ..opts()
    };
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), options);
    let session = |n: u64, time: i64| {
        compose::next_event(
            &ledger,
            CONGRESS,
            "session.opened",
            1,
            time,
            &k.presidium,
            &fixture::session(n),
        )
        .unwrap()
    };
    // Recorded before the revocation: it stands, whatever comes later.
    let before = session(0, T0 + 9_000);
    ledger.append(before.into_bytes()).unwrap();
    // Revoked from T0 + 20 s, a time still ahead of the ledger's clock.
    let revoke = compose::revocation(&k.presidium.verifying_key().to_bytes(), T0 + 20_000, "lost");
    let e = compose::next_event(
        &ledger,
        "ledger",
        "key.revoked",
        1,
        T0 + 10_000,
        &k.authority,
        &revoke,
    )
    .unwrap();
    ledger.append(e.into_bytes()).unwrap();
    // Received before the revocation takes effect: still valid.
    ledger.append(session(1, T0 + 15_000).into_bytes()).unwrap();
    // From then on nothing, even an act that claims a time before the revocation (backdated).
    now.store(T0 + 20_000, Ordering::SeqCst);
    let backdated = session(2, T0 + 1_000);
    let err = ledger.append(backdated.into_bytes()).unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    let report = ledger::verify::integrity(&ledger, &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{report:?}");
    // Only an authority may enroll keys.
    let payload = compose::enrollment(
        &k.outsider.verifying_key().to_bytes(),
        "x",
        &["presidium"],
        "*",
        T0,
        None,
    );
    let e = compose::next_event(
        &ledger,
        "ledger",
        "key.enrolled",
        1,
        T0,
        &k.presidium,
        &payload,
    )
    .unwrap();
    assert!(ledger
        .append(e.into_bytes())
        .unwrap_err()
        .to_string()
        .contains("authority"));
    // An enrollment with an unknown role is refused, naming where and what is allowed.
    let payload = compose::enrollment(
        &k.outsider.verifying_key().to_bytes(),
        "x",
        &["king"],
        "*",
        T0,
        None,
    );
    let e = compose::next_event(
        &ledger,
        "ledger",
        "key.enrolled",
        1,
        T0,
        &k.authority,
        &payload,
    )
    .unwrap();
    let err = ledger.append(e.into_bytes()).unwrap_err().to_string();
    assert!(
        err.contains("/roles/0") && err.contains("king") && err.contains("convener"),
        "{err}"
    );
}

#[test]
fn concurrent_appenders_get_dense_positions_and_everything_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let options = Options {
        segment_bytes: 8 * 1024,
        ..opts()
    };
    let (ledger, k) = create(&path, options.clone());
    let ledger = Arc::new(ledger);
    let k = Arc::new(k);
    let mut handles = Vec::new();
    for t in 0..8 {
        let (ledger, k) = (ledger.clone(), k.clone());
        handles.push(thread::spawn(move || {
            let stream = format!("{CONGRESS}/s{t}");
            let mut acked = Vec::new();
            let mut prev = Hash::ZERO;
            for v in 0..60u64 {
                let e = compose::event(
                    ORIGIN,
                    &stream,
                    v,
                    prev,
                    "session.opened",
                    1,
                    T0,
                    &k.presidium,
                    &fixture::session(v),
                )
                .unwrap();
                prev = e.hash();
                let a = ledger.append(e.bytes().to_vec()).unwrap();
                acked.push((a.position, e.into_bytes()));
            }
            acked
        }));
    }
    let mut acked: Vec<(u64, Vec<u8>)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    acked.sort();
    let positions: Vec<u64> = acked.iter().map(|(p, _)| *p).collect();
    assert_eq!(positions, (3..3 + 480).collect::<Vec<_>>());
    assert!(segment_files(&path).len() > 3, "small segments roll");
    let first_cp = ledger.sign_checkpoint().unwrap();
    let ledger = Arc::into_inner(ledger).unwrap();
    ledger.close().unwrap();

    let ledger = Ledger::open(&path, options).unwrap();
    assert_eq!(ledger.size(), 483);
    for (p, bytes) in &acked {
        assert_eq!(
            &ledger.entry(*p).unwrap().unwrap().event.into_bytes(),
            bytes,
            "entry {p}"
        );
    }
    // Appending goes on after the restart, and `received` never goes back.
    let e = next(&ledger, &keys_again(), CONGRESS, 0);
    let a = ledger.append(e.into_bytes()).unwrap();
    assert_eq!(a.position, 483);
    let last = ledger.entry(482).unwrap().unwrap();
    assert!(a.received >= last.received);
    // The checkpoint signed before the restart is still served, and consistent with the latest.
    assert_eq!(
        ledger.checkpoint_at(first_cp.checkpoint.size).unwrap(),
        Some(first_cp.clone())
    );
    let latest = ledger.sign_checkpoint().unwrap();
    assert_eq!(latest.checkpoint.size, 484);
    let proof = ledger.consistency_proof(483, 484).unwrap().unwrap();
    merkle::verify_consistency(
        483,
        484,
        &first_cp.checkpoint.root,
        &latest.checkpoint.root,
        &proof,
    )
    .unwrap();
    let report = ledger::verify::integrity(&ledger, &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.entries, 484);
}

fn keys_again() -> fixture::Keys {
    fixture::keys()
}

#[test]
fn every_checkpoint_ever_signed_is_kept_and_consistent_with_the_latest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let (ledger, k) = create(&path, opts());
    let mut notes = vec![ledger.sign_checkpoint().unwrap()];
    for i in 0..5 {
        ledger
            .append(next(&ledger, &k, CONGRESS, i).into_bytes())
            .unwrap();
        notes.push(ledger.sign_checkpoint().unwrap());
        // Asking again at the same size returns the same note: never two for one size.
        assert_eq!(ledger.sign_checkpoint().unwrap(), *notes.last().unwrap());
    }
    let sizes = ledger.checkpoint_sizes().unwrap();
    assert_eq!(sizes, vec![3, 4, 5, 6, 7, 8]);
    let vkey = ledger.log_key().clone();
    let latest = notes.last().unwrap().clone();
    for note in &notes {
        note.verify(&vkey).unwrap();
        assert_eq!(
            ledger.checkpoint_at(note.checkpoint.size).unwrap().as_ref(),
            Some(note)
        );
        let (old, new) = (note.checkpoint.size, latest.checkpoint.size);
        let proof = ledger.consistency_proof(old, new).unwrap().unwrap();
        merkle::verify_consistency(
            old,
            new,
            &note.checkpoint.root,
            &latest.checkpoint.root,
            &proof,
        )
        .unwrap();
        for index in 0..old {
            let leaf = merkle::leaf_hash(&ledger.entry_bytes(index).unwrap().unwrap());
            let proof = ledger.inclusion_proof(index, old).unwrap().unwrap();
            merkle::verify_inclusion(&leaf, index, old, &proof, &note.checkpoint.root).unwrap();
        }
    }
}

/// Writes an unacknowledged frame to the end of the last segment, as a crash between the
/// committer's write and the syncer's fsync would leave it.
fn write_unacknowledged_frame(
    path: &std::path::Path,
    entry: &Entry,
) -> (std::path::PathBuf, u64, u64) {
    let seg = segment_files(path).pop().unwrap();
    let before = std::fs::metadata(&seg).unwrap().len();
    let mut buf = Vec::new();
    frame::encode(&entry.encode(), &mut buf);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&seg)
        .unwrap()
        .write_all(&buf)
        .unwrap();
    (seg, before, before + buf.len() as u64)
}

#[test]
fn a_torn_last_frame_is_cut_off_at_every_offset_and_the_log_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    let (ledger, k) = create(&base, opts());
    for i in 0..4 {
        ledger
            .append(next(&ledger, &k, CONGRESS, i).into_bytes())
            .unwrap();
    }
    let size = ledger.size();
    let pending = Entry {
        position: size,
        received: ledger::engine::now_ms() + 1_000,
        event: next(&ledger, &k, CONGRESS, 4),
    };
    let root = ledger.root();
    ledger.close().unwrap();
    let (_, start, end) = write_unacknowledged_frame(&base, &pending);

    for cut in start + 1..end {
        let case = dir.path().join(format!("cut-{cut}"));
        copy_dir(&base, &case);
        let seg = segment_files(&case).pop().unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&seg)
            .unwrap()
            .set_len(cut)
            .unwrap();
        if cut % 7 == 0 {
            // Sometimes without the index too: the rebuild must cut the same way.
            std::fs::remove_dir_all(case.join("index")).unwrap();
        }
        let ledger = Ledger::open(&case, opts()).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(ledger.size(), size, "cut at {cut}");
        assert_eq!(ledger.root(), root);
        assert_eq!(
            std::fs::metadata(&seg).unwrap().len(),
            start,
            "torn bytes removed"
        );
        let a = ledger
            .append(next(&ledger, &k, CONGRESS, 4).into_bytes())
            .unwrap();
        assert_eq!(a.position, size);
        ledger.close().unwrap();
        std::fs::remove_dir_all(&case).unwrap();
    }
    // The whole frame present: it was durable, so it is kept and indexed.
    let ledger = Ledger::open(&base, opts()).unwrap();
    assert_eq!(ledger.size(), size + 1);
    let report = ledger::verify::integrity(&ledger, &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{report:?}");
}

#[test]
fn a_damaged_earlier_frame_refuses_to_open_and_names_the_entry_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    let (ledger, k) = create(&base, opts());
    for i in 0..6 {
        ledger
            .append(next(&ledger, &k, CONGRESS, i).into_bytes())
            .unwrap();
    }
    let target = 4u64;
    ledger.close().unwrap();
    // Find entry 4's frame by walking the segment.
    let seg = segment_files(&base).pop().unwrap();
    let data = std::fs::read(&seg).unwrap();
    let mut offset = ledger::storage::segment::HEADER_LEN as usize;
    for _ in 0..target {
        match frame::read(&data, offset, 1 << 20) {
            frame::Found::Frame { end, .. } => offset = end,
            other => panic!("{other:?}"),
        }
    }
    for (name, at) in [("header", offset + 2), ("payload", offset + 40)] {
        let case = dir.path().join(name);
        copy_dir(&base, &case);
        let seg = segment_files(&case).pop().unwrap();
        let mut bytes = std::fs::read(&seg).unwrap();
        bytes[at] ^= 0x10;
        std::fs::write(&seg, &bytes).unwrap();
        let err = match Ledger::open(&case, opts()) {
            Err(OpenError::Storage(e @ StorageError::Corrupt { .. })) => e,
            Err(other) => panic!("{name}: wrong error {other}"),
            Ok(_) => panic!("{name}: a damaged log was opened"),
        };
        let text = err.to_string();
        assert!(
            text.contains("entry 4") && text.contains(".seg"),
            "{name}: {text}"
        );
        // Refusing to open changed nothing on disk.
        assert_eq!(std::fs::read(&seg).unwrap(), bytes);
    }
}

#[test]
fn a_deleted_index_is_rebuilt_identically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    // Runs of 8 positions: the 44 entries cross five run boundaries and three merges.
    let options = Options {
        segment_bytes: 4 * 1024,
        index_run_span: 8,
        ..opts()
    };
    let (ledger, k) = create(&path, options.clone());
    for i in 0..40 {
        ledger
            .append(next(&ledger, &k, CONGRESS, i).into_bytes())
            .unwrap();
        if i % 9 == 0 {
            ledger.sign_checkpoint().unwrap();
        }
    }
    let complaint = "complaint/2020-001";
    let inspection = &k.outsider;
    let enroll = compose::enrollment(
        &inspection.verifying_key().to_bytes(),
        "Ủy ban Kiểm tra",
        &["inspection"],
        "complaint/",
        T0,
        None,
    );
    let e = compose::next_event(
        &ledger,
        "ledger",
        "key.enrolled",
        1,
        T0,
        &k.authority,
        &enroll,
    )
    .unwrap();
    ledger.append(e.into_bytes()).unwrap();
    let e = compose::next_event(
        &ledger,
        complaint,
        "complaint.assigned",
        1,
        T0,
        inspection,
        &json!({"handler":"UBKT","due":"2020-07-01"}),
    )
    .unwrap();
    ledger.append(e.into_bytes()).unwrap();
    ledger.close().unwrap();
    let ledger = Ledger::open(&path, options.clone()).unwrap();
    let dump = ledger::verify::integrity(&ledger, &VerifyOptions::default()).unwrap();
    assert!(dump.ok());
    let before = index_dump(ledger, &options);

    std::fs::remove_dir_all(path.join("index")).unwrap();
    let ledger = Ledger::open(&path, options.clone()).unwrap();
    assert_eq!(ledger.size(), 45);
    assert_eq!(
        ledger.streams().unwrap(),
        vec![
            complaint.to_string(),
            CONGRESS.to_string(),
            "ledger".to_string()
        ]
    );
    // Every entry is found by its hash and in its stream, across runs and the keys in memory.
    let mut in_stream = std::collections::HashMap::<String, Vec<u64>>::new();
    for p in 0..ledger.size() {
        let entry = ledger.entry(p).unwrap().unwrap();
        let by_hash = ledger.entry_by_hash(&entry.event.hash()).unwrap().unwrap();
        assert_eq!(by_hash.position, p);
        in_stream
            .entry(entry.event.body().stream.clone())
            .or_default()
            .push(p);
    }
    for (stream, positions) in &in_stream {
        let read: Vec<u64> = ledger
            .stream(stream, 0, usize::MAX)
            .unwrap()
            .iter()
            .map(|e| e.position)
            .collect();
        assert_eq!(&read, positions, "{stream}");
        let tail: Vec<u64> = ledger
            .stream(stream, 3, 5)
            .unwrap()
            .iter()
            .map(|e| e.position)
            .collect();
        assert_eq!(
            tail,
            positions
                .iter()
                .skip(3)
                .take(5)
                .copied()
                .collect::<Vec<_>>()
        );
    }
    let after = index_dump(ledger, &options);
    assert_eq!(before.len(), after.len());
    assert!(
        before == after,
        "the rebuilt index differs from the original"
    );
}

#[test]
fn an_index_is_trusted_only_up_to_its_durable_marker() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let options = Options {
        index_run_span: 8,
        ..opts()
    };
    let (ledger, k) = create(&path, options.clone());
    for i in 0..30 {
        ledger
            .append(next(&ledger, &k, CONGRESS, i).into_bytes())
            .unwrap();
    }
    let expected = index_dump(ledger, &options);
    let index = path.join("index");
    // What a crash can leave past the durable marker: half-written records, a run written
    // (or merged) whose manifest never became durable.
    for (file, junk) in [("entries.idx", 7usize), ("nodes.idx", 45)] {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(index.join(file))
            .unwrap();
        std::io::Write::write_all(&mut f, &vec![0xAB; junk]).unwrap();
    }
    let orphan = index.join("runs/hash-0000000000000000-0000000000000040.run");
    std::fs::write(&orphan, [1u8; 40]).unwrap();
    let ledger = Ledger::open(&path, options.clone()).unwrap();
    assert!(
        !orphan.exists(),
        "a run the manifest does not name is removed"
    );
    assert!(
        ledger::verify::integrity(&ledger, &VerifyOptions::default())
            .unwrap()
            .ok()
    );
    assert!(index_dump(ledger, &options) == expected);

    // Records missing below the durable marker: refused, with what to do.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(index.join("entries.idx"))
        .unwrap();
    f.set_len(44 * 3).unwrap();
    let err = Ledger::open(&path, options.clone())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("entries.idx holds 3 records") && err.contains("delete the index directory"),
        "{err}"
    );
    std::fs::remove_dir_all(&index).unwrap();
    let ledger = Ledger::open(&path, options.clone()).unwrap();
    assert!(index_dump(ledger, &options) == expected);
}

/// The index as a reopened ledger has it (a live ledger may still be indexing its last group).
fn index_dump(ledger: Ledger, options: &Options) -> Vec<(Vec<u8>, Vec<u8>)> {
    let dir = ledger.dir().to_path_buf();
    ledger.close().unwrap();
    let ledger = Ledger::open(&dir, options.clone()).unwrap();
    let dump = ledger.index_dump().unwrap();
    ledger.close().unwrap();
    dump
}

#[test]
fn opening_refuses_what_is_not_a_ledger_and_creating_refuses_a_used_directory() {
    let dir = tempfile::tempdir().unwrap();
    let err = Ledger::open(dir.path(), opts()).err().unwrap();
    assert!(err.to_string().contains("not a ledger directory"), "{err}");
    std::fs::write(dir.path().join("something"), b"x").unwrap();
    let k = fixture::keys();
    let genesis = compose::genesis(
        ORIGIN,
        "t",
        &k.authority,
        &[],
        &fixture::log_vkey(&k),
        "qd244-2014",
        T0,
    )
    .unwrap();
    let err = Ledger::create(dir.path(), genesis.clone(), k.log.clone(), opts())
        .err()
        .unwrap();
    assert!(err.to_string().contains("already holds"), "{err}");
    // A genesis naming another log key than the one given.
    let err = Ledger::create(&dir.path().join("new"), genesis, k.outsider.clone(), opts())
        .err()
        .unwrap();
    assert!(err.to_string().contains("log key"), "{err}");
}

#[test]
fn a_signature_with_a_torsioned_nonce_is_refused_every_time() {
    // The holder of the authority key crafts events whose signatures a batch check would let
    // through about half the time; the ledger verifies strictly and refuses every one.
    let signer = common::RawSigner::new(b"dishonest authority");
    let log = ledger::crypto::signing_key_from_seed(&[2; 32]);
    let vkey = ledger::VerifierKey::new(ORIGIN, log.verifying_key().to_bytes()).unwrap();
    let body =
        |stream: &str, version, prev, kind: &str, payload: serde_json::Value| ledger::EventBody {
            ledger: ORIGIN.into(),
            stream: stream.into(),
            version,
            prev,
            kind: kind.into(),
            schema: 1,
            time: T0,
            signer: signer.public,
            payload: serde_json::to_vec(&payload).unwrap(),
        };
    let genesis = body(
        "ledger",
        0,
        Hash::ZERO,
        "ledger.created",
        json!({"origin": ORIGIN, "title": "t", "log_key": vkey.encode(),
               "authorities": [hex::encode(signer.public)], "rulebook": "qd190-2024"}),
    );
    let genesis = ledger::SignedEvent::decode(signer.sign_event(&genesis, false)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::create(&dir.path().join("l"), genesis, log, opts()).unwrap();
    let genesis_hash = ledger.entry(0).unwrap().unwrap().event.hash();
    for n in 0..16 {
        // An authority's own act (authorities sign the key registry only).
        let org = body(
            "ledger",
            1,
            genesis_hash,
            "key.enrolled",
            json!({"key": hex::encode([7u8; 32]), "holder": "Ban Tổ chức", "roles": ["superior"],
                   "scope": "org/", "valid_from": T0, "valid_until": null}),
        );
        let err = ledger.append(signer.sign_event(&org, true)).unwrap_err();
        assert!(
            matches!(err, AppendError::Signature(_)),
            "attempt {n}: {err}"
        );
        // The same act, signed properly, is accepted.
        if n == 15 {
            ledger.append(signer.sign_event(&org, false)).unwrap();
        }
    }
    assert_eq!(ledger.size(), 2);
}

/// Cosignatures: kept only from accepted witnesses, only on the ledger's own checkpoints and
/// only when valid; durable across a restart; served with the note; a torn record cut off.
#[test]
fn cosignatures_are_checked_kept_and_served_with_their_checkpoint() {
    use ed25519_dalek::SigningKey;
    use ledger::format::{cosignature, Checkpoint, SignedNote, WitnessKey};
    use ledger::CosignError;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let (ledger, _) = create(&path, opts());
    let note = ledger.sign_checkpoint().unwrap();
    let wkey = SigningKey::from_bytes(&[5u8; 32]);
    let w = WitnessKey::new("ubkt.example", wkey.verifying_key().to_bytes()).unwrap();
    let stranger = SigningKey::from_bytes(&[6u8; 32]);
    let cosigned_by = |key: &SigningKey, name: &str, note: &SignedNote| {
        let mut n = note.clone();
        n.signatures
            .push(cosignature::cosign(note, name, key, 1_700_000_000).unwrap());
        n.encode()
    };
    let trusted = [w.clone()];

    assert!(matches!(
        ledger.add_cosignatures(&cosigned_by(&stranger, "la.example", &note), &trusted),
        Err(CosignError::Untrusted { .. })
    ));
    let mut bad = SignedNote::parse(&cosigned_by(&wkey, "ubkt.example", &note)).unwrap();
    bad.signatures[1].signature[20] ^= 1;
    assert!(matches!(
        ledger.add_cosignatures(&bad.encode(), &trusted),
        Err(CosignError::Invalid { .. })
    ));
    let other_root = SignedNote {
        checkpoint: Checkpoint::new(ORIGIN, note.checkpoint.size, Hash([7; 32])),
        signatures: note.signatures.clone(),
    };
    assert!(matches!(
        ledger.add_cosignatures(&cosigned_by(&wkey, "ubkt.example", &other_root), &trusted),
        Err(CosignError::Mismatch { .. })
    ));
    let unsigned_size = SignedNote {
        checkpoint: Checkpoint::new(ORIGIN, 99, note.checkpoint.root),
        signatures: note.signatures.clone(),
    };
    assert!(matches!(
        ledger.add_cosignatures(
            &cosigned_by(&wkey, "ubkt.example", &unsigned_size),
            &trusted
        ),
        Err(CosignError::NoCheckpoint(99))
    ));
    assert_eq!(
        ledger.latest_cosigned().unwrap(),
        None,
        "refusals keep nothing"
    );

    let good = cosigned_by(&wkey, "ubkt.example", &note);
    assert_eq!(
        ledger.add_cosignatures(&good, &trusted).unwrap(),
        vec!["ubkt.example".to_string()]
    );
    assert!(
        ledger.add_cosignatures(&good, &trusted).unwrap().is_empty(),
        "kept once"
    );
    let served = ledger.with_cosignatures(ledger.checkpoint().unwrap());
    assert_eq!(served.encode(), good);
    ledger.close().unwrap();

    // A record torn by a crash is cut off; the whole ones survive the restart.
    let file = path.join("cosignatures.log");
    let len = std::fs::metadata(&file).unwrap().len();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap()
        .write_all(&[40, 0, 0])
        .unwrap();
    let ledger = Ledger::open(&path, opts()).unwrap();
    assert_eq!(std::fs::metadata(&file).unwrap().len(), len);
    let witnessed = ledger.latest_cosigned().unwrap().unwrap();
    assert_eq!(witnessed.encode(), good);
    assert!(cosignature::verify(&witnessed, &w).is_ok());
}

/// Proofs asked for at the acknowledged size while appends go on: the index catches up first,
/// never a missing Merkle node (which used to be reported as damage to delete the index for).
#[test]
fn proofs_at_the_acknowledged_size_wait_for_the_index_while_appending() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), opts());
    let ledger = Arc::new(ledger);
    let appender = {
        let ledger = ledger.clone();
        thread::spawn(move || {
            let mut tickets = Vec::new();
            for n in 0..4000u64 {
                let e = compose::event(
                    fixture::ORIGIN,
                    CONGRESS,
                    n,
                    tickets.last().map_or(Hash::ZERO, |(h, _)| *h),
                    "session.opened",
                    1,
                    T0 + n as i64,
                    &k.presidium,
                    &fixture::session(n),
                )
                .unwrap();
                let hash = e.hash();
                tickets.push((hash, ledger.submit(e.into_bytes()).unwrap()));
                if tickets.len() >= 64 {
                    for (_, t) in tickets.drain(..tickets.len() - 1) {
                        t.wait().unwrap();
                    }
                }
            }
            for (_, t) in tickets {
                t.wait().unwrap();
            }
        })
    };
    let mut asked = 0;
    while !appender.is_finished() || asked == 0 {
        let size = ledger.size();
        ledger
            .inclusion_proof(size - 1, size)
            .expect("no storage error at the acknowledged size")
            .unwrap();
        ledger
            .consistency_proof(1, size)
            .expect("no storage error at the acknowledged size")
            .unwrap();
        asked += 1;
    }
    appender.join().unwrap();
    assert!(asked > 10, "asked {asked} times while appending");
}

/// A tampered event whose payload also breaks its schema is refused for its signature.
#[test]
fn a_tampered_event_is_refused_for_its_signature_before_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), opts());
    let bytes = next(&ledger, &k, CONGRESS, 0).into_bytes();
    let at = bytes.windows(3).position(|w| w == b"297").unwrap();
    let mut tampered = bytes.clone();
    tampered[at..at + 3].copy_from_slice(b"-97");
    let err = ledger.append(tampered).unwrap_err();
    assert!(matches!(err, AppendError::Signature(_)), "{err}");
    ledger.append(bytes).unwrap();
}

/// `checkpoints.log` is history: a whole record that fails its checksum is damage, refused with
/// the file and the byte, with the index or without it; an acknowledged record cut short is
/// named with the byte too. Only a record whose write never finished is cut off.
#[test]
fn a_damaged_checkpoint_history_is_refused_never_cut_off_as_torn() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let (ledger, k) = create(&path, opts());
    for n in 0..3 {
        ledger
            .append(next(&ledger, &k, CONGRESS, n).into_bytes())
            .unwrap();
        ledger.sign_checkpoint().unwrap();
    }
    ledger.close().unwrap();
    let history = path.join("checkpoints.log");
    let original = std::fs::read(&history).unwrap();
    // Where each record starts.
    let mut starts = Vec::new();
    let mut at = 16;
    while at < original.len() {
        starts.push(at);
        let len = u32::from_le_bytes(original[at..at + 4].try_into().unwrap()) as usize;
        at += frame::HEADER_LEN + len;
    }
    let last = *starts.last().unwrap();
    let saved = dir.path().join("saved");
    fixture::copy_dir(&path, &saved);
    let restore = || {
        std::fs::remove_dir_all(&path).unwrap();
        fixture::copy_dir(&saved, &path);
    };
    for without_index in [false, true] {
        for (record, byte) in [(last, original.len() - 3), (starts[1], starts[1] + 20)] {
            restore();
            let mut bytes = original.clone();
            bytes[byte] ^= 0x20;
            std::fs::write(&history, &bytes).unwrap();
            if without_index {
                std::fs::remove_dir_all(path.join("index")).unwrap();
            }
            let err = Ledger::open(&path, opts()).err().expect("refused");
            let text = err.to_string();
            assert!(
                text.contains("checkpoints.log") && text.contains(&format!("byte {record}")),
                "byte {byte}, without index {without_index}: {text}"
            );
            assert_eq!(std::fs::read(&history).unwrap(), bytes, "nothing cut off");
        }
    }
    // Cut short inside the last record, which the index knows was acknowledged.
    restore();
    std::fs::write(&history, &original[..last + 5]).unwrap();
    let err = Ledger::open(&path, opts()).err().expect("refused");
    assert!(
        err.to_string().contains("cut short")
            && err.to_string().contains(&format!("byte {}", last + 5)),
        "{err}"
    );
    // A record whose write never finished, the index knowing nothing of it: cut off.
    restore();
    let mut torn = original.clone();
    torn.extend_from_slice(&original[last..last + 20]);
    std::fs::write(&history, &torn).unwrap();
    let ledger = Ledger::open(&path, opts()).unwrap();
    assert_eq!(ledger.checkpoint_sizes().unwrap().len(), 3);
    ledger.close().unwrap();
    assert_eq!(std::fs::read(&history).unwrap(), original);
}

/// Issue 18: groups written while an fsync runs wait for one fsync together, not for one each
/// in a queue (an acknowledgement then waits for the fsync in progress and its own at most).
#[test]
fn groups_written_during_an_fsync_are_made_durable_by_one_fsync() {
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    use std::sync::Mutex;
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let armed = Arc::new(AtomicBool::new(false));
    let fsyncs = Arc::new(AtomicUsize::new(0));
    // The first fsync once armed waits until the test lets it go.
    let (release, released) = std::sync::mpsc::channel::<()>();
    let released = Arc::new(Mutex::new(released));
    let plan = {
        let (armed, fsyncs) = (armed.clone(), fsyncs.clone());
        move |call: &ledger::storage::faults::Call| {
            if call.op == ledger::storage::faults::Op::Sync
                && call.file.ends_with(".seg")
                && armed.load(Ordering::SeqCst)
                && fsyncs.fetch_add(1, Ordering::SeqCst) == 0
            {
                let _ = released.lock().unwrap().recv();
            }
            ledger::storage::faults::Action::Pass
        }
    };
    let faults = ledger::storage::faults::Faults::new(plan);
    let options = Options {
        storage: Some(Arc::new(move |dir: &std::path::Path| {
            faults.wrap(ledger::storage::Storage::files(dir))
        })),
        ..opts()
    };
    let (ledger, k) = create(&path, options);
    let ledger = Arc::new(ledger);
    armed.store(true, Ordering::SeqCst);
    // One group whose fsync is held, then two more groups written (one event each, a pause
    // between them so that the committer writes each as its own group; two is what the
    // channel to the syncer holds, so that the committer never waits here).
    let mut waiting = Vec::new();
    for t in 0..3u64 {
        let stream = format!("{CONGRESS}/g{t}");
        let e = compose::event(
            ORIGIN,
            &stream,
            0,
            Hash::ZERO,
            "session.opened",
            1,
            T0,
            &k.presidium,
            &fixture::session(t),
        )
        .unwrap();
        waiting.push(ledger.submit(e.into_bytes()).unwrap());
        thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(fsyncs.load(Ordering::SeqCst), 1, "the first fsync is held");
    release.send(()).unwrap();
    let positions: Vec<u64> = waiting
        .into_iter()
        .map(|t| t.wait().unwrap().position)
        .collect();
    assert_eq!(positions, vec![3, 4, 5]);
    // The held fsync, then one for the two groups written meanwhile (one each before issue 18).
    assert_eq!(fsyncs.load(Ordering::SeqCst), 2);
    // And all three are durable.
    Arc::into_inner(ledger).unwrap().close().unwrap();
    let ledger = Ledger::open(&path, opts()).unwrap();
    assert_eq!(ledger.size(), 6);
}

/// The server's way in (issue 18): `try_submit_then` checks on the caller's thread what needs
/// nothing but the event and queues it without blocking; a refusal comes back at once and
/// never calls `done`; a correction (its check reads the log) and an event that finds the
/// committer's queue full come back deferred, and `submit_deferred` finishes them, in order.
#[test]
fn a_submission_that_would_block_is_deferred_and_finished_in_order() {
    use ledger::storage::faults::{Action, Faults, Op};
    use ledger::storage::Storage;
    use ledger::Submitted;
    use std::sync::atomic::AtomicBool;
    use std::sync::mpsc;
    use std::time::Duration;

    let dir = tempfile::tempdir().unwrap();
    let slow = Arc::new(AtomicBool::new(false));
    let armed = slow.clone();
    let faults = Faults::new(move |call| {
        if armed.load(Ordering::SeqCst) && call.op == Op::Sync {
            Action::Delay(Duration::from_millis(200))
        } else {
            Action::Pass
        }
    });
    let options = Options {
        storage: Some(Arc::new(move |dir: &std::path::Path| {
            faults.wrap(Storage::files(dir))
        })),
        // A queue of 32 jobs, so that a stalled fsync fills it quickly.
        max_batch: 1,
        ..Options::default()
    };
    let (ledger, k) = create(dir.path(), options);
    let (tx, answers) = mpsc::channel();
    let done = |tag: u64| {
        let tx = tx.clone();
        move |answer: Result<ledger::Appended, AppendError>| {
            let _ = tx.send((tag, answer));
        }
    };

    // An ordinary event is queued at once and acknowledged.
    let first = next(&ledger, &k, CONGRESS, 0);
    let first_hash = first.hash();
    assert!(matches!(
        ledger.try_submit_then(first.into_bytes(), done(0)),
        Ok(Submitted::Queued)
    ));
    let (tag, answer) = answers.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(tag, 0);
    assert!(answer.unwrap().created);

    // A forged signature is refused at once, and `done` is never called.
    let mut forged = next(&ledger, &k, CONGRESS, 1).into_bytes();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let size = ledger.size();
    assert!(matches!(
        ledger.try_submit_then(forged, done(99)),
        Err(AppendError::Signature(_))
    ));

    // A large event is deferred unchecked, and refused when it is finished; `done` is never
    // called for it either.
    let large = vec![0x5a_u8; 70 * 1024];
    let deferred = match ledger.try_submit_then(large, done(98)) {
        Ok(Submitted::Deferred(d)) => d,
        Ok(Submitted::Queued) => panic!("70 KiB of garbage queued"),
        Err(e) => panic!("a large event must be checked off the caller's thread: {e}"),
    };
    assert!(ledger.submit_deferred(deferred).is_err());

    // A correction is deferred: its check reads the act it corrects.
    let correction = compose::next_event(
        &ledger,
        CONGRESS,
        "correction.issued",
        1,
        T0 + 5,
        &k.presidium,
        &json!({"corrects": first_hash.to_hex(), "reason": "sai số người có mặt", "replacement": fixture::session(0)}),
    )
    .unwrap();
    let deferred = match ledger.try_submit_then(correction.into_bytes(), done(1)) {
        Ok(Submitted::Deferred(d)) => d,
        Ok(Submitted::Queued) => panic!("a correction must not be checked on the caller's thread"),
        Err(e) => panic!("refused: {e}"),
    };
    ledger.submit_deferred(deferred).unwrap();
    let (tag, answer) = answers.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(tag, 1);
    assert_eq!(answer.unwrap().position, size);

    // With fsync stalled, the committer's queue fills: the submission that finds it full is
    // deferred (never blocks), and finishing it keeps the stream's order.
    slow.store(true, Ordering::SeqCst);
    let stream = "congress/hd.test/2020-2025";
    let mut head = ledger.head(stream).unwrap().unwrap();
    let (mut version, mut prev) = (head.next_version, head.hash);
    let mut deferred = None;
    let mut queued = 0u64;
    for n in 0..2_000u64 {
        let e = compose::event(
            fixture::ORIGIN,
            stream,
            version,
            prev,
            "session.opened",
            1,
            T0 + 10 + n as i64,
            &k.presidium,
            &fixture::session(2 + n),
        )
        .unwrap();
        version += 1;
        prev = e.hash();
        match ledger
            .try_submit_then(e.into_bytes(), done(100 + n))
            .unwrap()
        {
            Submitted::Queued => queued += 1,
            Submitted::Deferred(d) => {
                deferred = Some(d);
                break;
            }
        }
    }
    let deferred = deferred.expect("a full queue defers the submission");
    slow.store(false, Ordering::SeqCst);
    ledger.submit_deferred(deferred).unwrap();
    let mut positions = Vec::new();
    for _ in 0..=queued {
        let (tag, answer) = answers.recv_timeout(Duration::from_secs(30)).unwrap();
        assert!(tag >= 100, "no answer for the forged event");
        positions.push((tag, answer.unwrap().position));
    }
    positions.sort();
    let start = positions[0].1;
    for (i, (_, position)) in positions.iter().enumerate() {
        assert_eq!(*position, start + i as u64, "dense and in submission order");
    }
    head = ledger.head(stream).unwrap().unwrap();
    assert_eq!(head.next_version, version);
    assert!(
        answers.try_recv().is_err(),
        "the forged event's done was never called"
    );
}

/// The index database damaged (sled can be left so by a process killed while it wrote: the
/// crash test found it) is rebuilt from the log on open, which loses nothing: the index is
/// derived. A file planted in the index directory shows that the rebuild ran.
#[test]
fn a_damaged_index_database_is_rebuilt_from_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let (ledger, k) = create(&path, opts());
    for i in 0..30 {
        ledger
            .append(next(&ledger, &k, CONGRESS, i).into_bytes())
            .unwrap();
    }
    ledger.sign_checkpoint().unwrap();
    let (size, root) = (ledger.size(), ledger.root());
    ledger.close().unwrap();
    // Every file sled keeps (its log, its config, snapshots), damaged 16 bytes at a time.
    let mut files = Vec::new();
    let mut dirs = vec![path.join("index/kv")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                files.push(p.strip_prefix(&path).unwrap().to_path_buf());
            }
        }
    }
    let (mut rebuilt, mut tried) = (0, 0);
    for file in &files {
        let len = std::fs::metadata(path.join(file)).unwrap().len();
        for offset in (0..len).step_by(16) {
            tried += 1;
            let copy = dir.path().join(format!("copy-{tried}"));
            copy_dir(&path, &copy);
            let damaged = copy.join(file);
            let mut bytes = std::fs::read(&damaged).unwrap();
            for b in bytes.iter_mut().skip(offset as usize).take(16) {
                *b ^= 0xA5;
            }
            std::fs::write(&damaged, &bytes).unwrap();
            std::fs::write(copy.join("index/planted"), b"x").unwrap();
            let reopened = match Ledger::open(&copy, opts()) {
                Ok(l) => l,
                Err(e) => panic!("{} damaged at byte {offset}: {e}", file.display()),
            };
            if !copy.join("index/planted").exists() {
                rebuilt += 1;
            }
            assert_eq!(reopened.size(), size);
            assert_eq!(reopened.root(), root);
            let report = ledger::verify::integrity(&reopened, &VerifyOptions::default()).unwrap();
            assert!(report.ok(), "{:?}", report.failure);
            reopened.close().unwrap();
            std::fs::remove_dir_all(&copy).unwrap();
        }
    }
    println!("{rebuilt} of {tried} damaged index databases rebuilt");
    assert!(
        rebuilt > 0,
        "no damage made sled report corruption: the rebuild was not tested"
    );
}
