//! Tamper detection: every byte of a small ledger's log flipped, a forger who also fixes the
//! checksums, every file of an exported bag changed, and the structural forgeries — swapped
//! entries, a dropped entry, an entry replayed from another ledger, an act signed with a
//! revoked key, a forked log. Each is detected, by opening (as `congress-ledger verify` does
//! first) or by the verifier, and the report names the entry or the file; the counts are
//! printed. CI flips every byte of the log and samples the rest; `TAMPER_EVERY_BYTE=1` makes
//! every kind of mutation visit every byte (see the README's testing section).

mod common;

use std::path::{Path, PathBuf};

use common::fixture::{self, copy_dir, create, next, segment_files, Keys, CONGRESS, T0};
use ledger::format::entry::push_entries_bin;
use ledger::storage::{frame, StorageError};
use ledger::verify::integrity::{FailureKind, VerifyOptions};
use ledger::{compose, witness, Entry, Ledger, OpenError, Options, SignedNote};
use sha2::{Digest, Sha256};

fn every_byte() -> bool {
    std::env::var("TAMPER_EVERY_BYTE").is_ok_and(|v| v == "1")
}

/// The offsets of `0..len` a mutation visits: all of them, or `sample` spread evenly (the
/// first and last included) unless every byte is asked for.
fn offsets(len: usize, sample: usize) -> Vec<usize> {
    if every_byte() || len <= sample {
        return (0..len).collect();
    }
    let mut v: Vec<usize> = (0..sample).map(|i| i * (len - 1) / (sample - 1)).collect();
    v.dedup();
    v
}

/// Who caught a mutation, and what they said.
#[derive(Debug)]
struct Detection {
    by: &'static str,
    /// The entry named (for a failed checkpoint: its size).
    position: Option<u64>,
    text: String,
}

struct Tally {
    what: &'static str,
    tried: u64,
    by_open: u64,
    by_verify: u64,
}

impl Tally {
    fn new(what: &'static str) -> Tally {
        Tally {
            what,
            tried: 0,
            by_open: 0,
            by_verify: 0,
        }
    }

    /// Counts a mutation; one that went undetected fails the test, naming `case`.
    fn record(&mut self, case: &str, detection: Option<Detection>) -> Detection {
        self.tried += 1;
        let d = detection.unwrap_or_else(|| panic!("{}: {case} went undetected", self.what));
        match d.by {
            "open" => self.by_open += 1,
            _ => self.by_verify += 1,
        }
        d
    }

    fn print(&self) {
        println!(
            "{}: {} mutations tried, {} detected ({} when opening, {} by verification)",
            self.what,
            self.tried,
            self.by_open + self.by_verify,
            self.by_open,
            self.by_verify
        );
    }
}

fn storage_position(e: &StorageError) -> Option<u64> {
    match e {
        StorageError::Corrupt { position, .. } => *position,
        _ => None,
    }
}

/// What `congress-ledger verify --ledger` does: open (which refuses a damaged log), verify.
fn open_and_verify(dir: &Path) -> Option<Detection> {
    match Ledger::open(dir, Options::default()) {
        Err(e) => Some(Detection {
            by: "open",
            position: match &e {
                OpenError::Storage(s) => storage_position(s),
                _ => None,
            },
            text: e.to_string(),
        }),
        Ok(ledger) => {
            let d = verify(&ledger);
            ledger.close().unwrap();
            d
        }
    }
}

/// The verifier of a live ledger over the files as they are on disk now.
fn verify(ledger: &Ledger) -> Option<Detection> {
    match ledger::verify::integrity(ledger, &VerifyOptions::default()) {
        Err(e) => Some(Detection {
            by: "verify",
            position: storage_position(&e),
            text: e.to_string(),
        }),
        Ok(report) => report.first_failure().map(|f| Detection {
            by: "verify",
            position: Some(f.position),
            text: format!("{} at entry {}: {}", f.kind.label(), f.position, f.detail),
        }),
    }
}

/// Genesis, two enrolments, eight sessions, then the presidium's key revoked: 12 entries,
/// with a checkpoint signed at every size from 3 on, so that a changed entry is pinned by
/// the first checkpoint after it.
fn small_ledger(path: &Path) -> Keys {
    let (ledger, k) = create(path, Options::default());
    ledger.sign_checkpoint().unwrap();
    for i in 0..8 {
        ledger
            .append(next(&ledger, &k, CONGRESS, i).into_bytes())
            .unwrap();
        ledger.sign_checkpoint().unwrap();
    }
    let revoke = compose::revocation(&k.presidium.verifying_key().to_bytes(), T0 + 1_000, "lost");
    let e = compose::next_event(
        &ledger,
        "ledger",
        "key.revoked",
        1,
        T0 + 1_000,
        &k.authority,
        &revoke,
    )
    .unwrap();
    ledger.append(e.into_bytes()).unwrap();
    ledger.sign_checkpoint().unwrap();
    ledger.close().unwrap();
    k
}

/// The frames of a framed file after its 16-byte header: (start, end) of each.
fn frames(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut offset = 16;
    loop {
        match frame::read(data, offset, ledger::format::encoding::MAX_ENTRY_BYTES) {
            frame::Found::Frame { end, .. } => {
                out.push((offset, end));
                offset = end;
            }
            frame::Found::End => return out,
            other => panic!("a clean file reads {other:?} at byte {offset}"),
        }
    }
}

fn flip(path: &Path, original: &[u8], at: usize) {
    let mut bytes = original.to_vec();
    bytes[at] ^= 0x01;
    std::fs::write(path, &bytes).unwrap();
}

/// Flips (or, again, restores) one byte in place: cheaper than rewriting the file.
fn flip_in_place(path: &Path, at: usize) {
    use std::os::unix::fs::FileExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let mut byte = [0u8];
    file.read_exact_at(&mut byte, at as u64).unwrap();
    file.write_all_at(&[byte[0] ^ 0x01], at as u64).unwrap();
}

#[test]
fn every_flipped_byte_of_the_log_is_detected_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("l");
    small_ledger(&base);
    let seg = segment_files(&base).pop().unwrap();
    let ckp = base.join("checkpoints.log");
    let files: Vec<(PathBuf, Vec<u8>)> = [seg.clone(), ckp.clone()]
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    let mut tally = Tally::new("flipped byte of the log (segment and checkpoints.log)");

    // The files' headers are read when opening, and refused there.
    for (path, _) in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        for at in 0..16 {
            flip_in_place(path, at);
            let d = tally.record(&format!("{name} byte {at}"), open_and_verify(&base));
            flip_in_place(path, at);
            assert!(
                d.by == "open" && d.text.contains(name),
                "{name} {at}: {d:?}"
            );
        }
    }

    // Every other byte, through the verifier of the open ledger, which reads the files as
    // they are: the entry (or the checkpoint's place in its file) is named.
    let ledger = Ledger::open(&base, Options::default()).unwrap();
    for (path, original) in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        for (index, &(start, end)) in frames(original).iter().enumerate() {
            for at in start..end {
                flip_in_place(path, at);
                let d = tally.record(&format!("{name} byte {at}"), verify(&ledger));
                flip_in_place(path, at);
                let named = if *path == seg {
                    format!("entry {index}")
                } else {
                    format!("checkpoints.log is damaged at byte {start}")
                };
                assert!(d.text.contains(&named), "{name} byte {at}: {d:?}");
            }
        }
    }
    ledger.close().unwrap();

    // A sample again the way `congress-ledger verify` goes, opening first.
    for (path, original) in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        for at in (16..original.len()).step_by(101) {
            flip_in_place(path, at);
            tally.record(&format!("{name} byte {at}"), open_and_verify(&base));
            flip_in_place(path, at);
        }
    }
    tally.print();
    for (path, original) in &files {
        assert_eq!(&std::fs::read(path).unwrap(), original, "restored");
    }
    assert!(
        open_and_verify(&base).is_none(),
        "restored, the log verifies"
    );
}

#[test]
fn an_entry_changed_with_its_checksum_fixed_is_caught_by_the_verifier() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("l");
    small_ledger(&base);
    let seg = segment_files(&base).pop().unwrap();
    let original = std::fs::read(&seg).unwrap();
    let ledger = Ledger::open(&base, Options::default()).unwrap();
    let sizes = ledger.checkpoint_sizes().unwrap();
    let mut tally = Tally::new("changed entry byte with the frame checksum recomputed");
    for (p, &(start, end)) in frames(&original).iter().enumerate() {
        let payload = start + frame::HEADER_LEN;
        // Position and received time (unsigned: only the checkpoints' roots hold them), the
        // event's body and its signature.
        let mut picks: Vec<usize> = offsets(end - payload, 4)
            .into_iter()
            .map(|o| payload + o)
            .collect();
        if !every_byte() {
            picks.extend([payload + 3, payload + 9]);
        }
        for at in picks {
            let mut bytes = original.clone();
            bytes[at] ^= 0x01;
            let crc = crc32c::crc32c(&bytes[payload..end]).to_le_bytes();
            bytes[start + 8..payload].copy_from_slice(&crc);
            std::fs::write(&seg, &bytes).unwrap();
            let d = tally.record(&format!("entry {p} byte {at}"), verify(&ledger));
            std::fs::write(&seg, &original).unwrap();
            // The entry itself, the next one (a received time now out of order), or the first
            // checkpoint whose root covers it.
            let pinned = sizes.iter().copied().find(|&s| s > p as u64);
            let p = p as u64;
            assert!(
                d.position == Some(p) || d.position == Some(p + 1) || d.position == pinned,
                "entry {p} byte {at}: {d:?}"
            );
        }
    }
    assert!(verify(&ledger).is_none(), "restored, the log verifies");
    ledger.close().unwrap();
    tally.print();
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for item in std::fs::read_dir(dir).unwrap() {
        let path = item.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// What a forger does after changing a bag's payload: every checksum made to agree again.
fn rewrite_manifests(bag: &Path) {
    let mut files = Vec::new();
    files_under(&bag.join("data"), &mut files);
    files.sort();
    let line = |p: &Path| {
        let rel = p.strip_prefix(bag).unwrap().to_str().unwrap().to_string();
        format!("{}  {rel}\n", sha256_hex(&std::fs::read(p).unwrap()))
    };
    let manifest: String = files.iter().map(|p| line(p)).collect();
    std::fs::write(bag.join("manifest-sha256.txt"), manifest).unwrap();
    let tags: String = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt"]
        .iter()
        .map(|n| line(&bag.join(n)))
        .collect();
    std::fs::write(bag.join("tagmanifest-sha256.txt"), tags).unwrap();
}

fn export(base: &Path, bag: &Path) -> ledger::VerifierKey {
    let ledger = Ledger::open(base, Options::default()).unwrap();
    ledger::archive::export(&ledger, bag, &|_, _| {}).unwrap();
    let key = ledger.log_key().clone();
    ledger.close().unwrap();
    key
}

/// The archive verifier's verdict on a bag: None when it holds.
fn verify_bag(bag: &Path, key: &ledger::VerifierKey) -> Option<Detection> {
    let report = ledger::archive::verify(bag, key, &VerifyOptions::default()).unwrap();
    if report.holds() {
        return None;
    }
    let failure = report.report.as_ref().and_then(first_failure);
    Some(Detection {
        by: "verify",
        position: failure.map(|f| f.position),
        text: format!(
            "{} | {}",
            report
                .bag
                .problems
                .iter()
                .map(|p| p.en.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            failure.map_or(String::new(), |f| format!(
                "{} at entry {}: {}",
                f.kind.label(),
                f.position,
                f.detail
            ))
        ),
    })
}

/// The first bad entry of a report, an integrity or an authority failure.
fn first_failure(
    r: &ledger::verify::report::Report,
) -> Option<&ledger::verify::integrity::Failure> {
    let integrity = r.integrity.failure.as_ref();
    let authority = r.authority.unauthorized.first();
    match (integrity, authority) {
        (Some(i), Some(a)) if a.position < i.position => Some(a),
        (Some(i), _) => Some(i),
        (None, a) => a,
    }
}

#[test]
fn a_changed_bag_is_caught_and_the_file_named_even_with_its_manifests_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("l");
    small_ledger(&base);
    let bag = dir.path().join("bag");
    let key = export(&base, &bag);
    let mut files = Vec::new();
    files_under(&bag.join("data"), &mut files);
    files.sort();
    let mut tally = Tally::new("flipped byte of a bag's data/");
    for path in &files {
        let rel = path.strip_prefix(&bag).unwrap().to_str().unwrap();
        let original = std::fs::read(path).unwrap();
        for at in offsets(original.len(), 6) {
            flip(path, &original, at);
            let d = tally.record(&format!("{rel} byte {at}"), verify_bag(&bag, &key));
            std::fs::write(path, &original).unwrap();
            assert!(d.text.contains(rel), "{rel} byte {at} is named: {d:?}");
        }
    }
    tally.print();

    // The forger rewrites the manifests too: the log's own checks catch every change to the
    // entries, and name the entry (or the checkpoint that no longer matches).
    let entries = bag.join("data/entries.bin");
    let original = std::fs::read(&entries).unwrap();
    let manifests = ["manifest-sha256.txt", "tagmanifest-sha256.txt"]
        .map(|n| (bag.join(n), std::fs::read(bag.join(n)).unwrap()));
    let mut tally = Tally::new("flipped byte of a bag's entries.bin, manifests rewritten");
    for at in offsets(original.len(), 40) {
        flip(&entries, &original, at);
        rewrite_manifests(&bag);
        let d = tally.record(&format!("entries.bin byte {at}"), verify_bag(&bag, &key));
        assert!(d.position.is_some(), "entries.bin byte {at}: {d:?}");
    }
    std::fs::write(&entries, &original).unwrap();
    for (path, bytes) in &manifests {
        std::fs::write(path, bytes).unwrap();
    }
    assert!(verify_bag(&bag, &key).is_none(), "restored, the bag holds");
    tally.print();
}

/// A structural forgery: the log's entries in a new order or number.
struct Forgery {
    what: &'static str,
    entries: Vec<Vec<u8>>,
    /// The entry the verifier must name.
    named: u64,
    kind: FailureKind,
}

fn forgeries(base: &Path, k: &Keys) -> Vec<Forgery> {
    let ledger = Ledger::open(base, Options::default()).unwrap();
    let size = ledger.size();
    let entries: Vec<Vec<u8>> = (0..size)
        .map(|p| ledger.entry_bytes(p).unwrap().unwrap())
        .collect();
    let head = ledger.head(CONGRESS).unwrap().unwrap();
    ledger.close().unwrap();
    let decoded = |p: usize| Entry::decode(&entries[p]).unwrap();
    let last_received = decoded(entries.len() - 1).received;

    let mut swapped = entries.clone();
    swapped.swap(5, 6);
    let mut dropped = entries.clone();
    dropped.remove(5);
    // Entry 5's act as signed, by the same body, for another ledger (an origin of the same
    // length, so that only the verifier's own checks can tell).
    let original = decoded(5);
    let body = original.event.body();
    let payload: serde_json::Value = serde_json::from_slice(&body.payload).unwrap();
    let foreign = compose::event(
        "ledger.tesx.vn/engine",
        &body.stream,
        body.version,
        body.prev,
        &body.kind,
        body.schema,
        body.time,
        &k.presidium,
        &payload,
    )
    .unwrap();
    let mut replayed = entries.clone();
    replayed[5] = Entry {
        event: foreign,
        ..original
    }
    .encode();
    // The revoked presidium key signs one more session, dated after its revocation, chained
    // properly, and appended behind the ledger's back.
    let late = compose::event(
        fixture::ORIGIN,
        CONGRESS,
        head.next_version,
        head.hash,
        "session.opened",
        1,
        T0 + 2_000,
        &k.presidium,
        &fixture::session(20),
    )
    .unwrap();
    let mut revoked = entries.clone();
    revoked.push(
        Entry {
            position: size,
            received: last_received + 1,
            event: late,
        }
        .encode(),
    );
    vec![
        Forgery {
            what: "entries 5 and 6 swapped",
            entries: swapped,
            named: 5,
            kind: FailureKind::Position,
        },
        Forgery {
            what: "entry 5 dropped",
            entries: dropped,
            named: 5,
            kind: FailureKind::Position,
        },
        Forgery {
            what: "entry 5 replayed from another ledger",
            entries: replayed,
            named: 5,
            kind: FailureKind::LedgerOrigin,
        },
        Forgery {
            what: "an act signed with a revoked key appended",
            entries: revoked,
            named: size,
            kind: FailureKind::Authority,
        },
    ]
}

/// Writes `entries` as the ledger's only segment, with valid frames.
fn write_segment(dir: &Path, entries: &[Vec<u8>]) {
    let seg = segment_files(dir).pop().unwrap();
    let mut bytes = std::fs::read(&seg).unwrap()[..16].to_vec();
    for e in entries {
        frame::encode(e, &mut bytes);
    }
    std::fs::write(&seg, bytes).unwrap();
}

#[test]
fn swapped_dropped_replayed_and_revoked_entries_are_caught_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("l");
    let k = small_ledger(&base);
    let bag = dir.path().join("bag");
    let key = export(&base, &bag);
    let mut tally = Tally::new("swapped, dropped, replayed, revoked-key entries");
    for forgery in forgeries(&base, &k) {
        // In the live log, with the frames' checksums right; the index as it was, deleted,
        // and deleted with the checkpoint history too (then only the log's own checks are
        // left to catch it).
        for variant in [
            "index kept",
            "index deleted",
            "index and checkpoints deleted",
        ] {
            let case = dir.path().join("case");
            copy_dir(&base, &case);
            write_segment(&case, &forgery.entries);
            if variant != "index kept" {
                std::fs::remove_dir_all(case.join("index")).unwrap();
            }
            if variant == "index and checkpoints deleted" {
                std::fs::remove_file(case.join("checkpoints.log")).unwrap();
            }
            let what = format!("{} ({variant})", forgery.what);
            let d = tally.record(&what, open_and_verify(&case));
            println!("  {what}: caught by {}: {}", d.by, d.text);
            if d.by == "verify" {
                assert_eq!(d.position, Some(forgery.named), "{what}: {d:?}");
            }
            std::fs::remove_dir_all(&case).unwrap();
        }
        // In the bag, its manifests rewritten to match.
        let case = dir.path().join("case-bag");
        copy_dir(&bag, &case);
        let mut bin = Vec::new();
        for e in &forgery.entries {
            push_entries_bin(&mut bin, e);
        }
        std::fs::write(case.join("data/entries.bin"), bin).unwrap();
        rewrite_manifests(&case);
        let what = format!("{} (bag)", forgery.what);
        let d = tally.record(&what, verify_bag(&case, &key));
        println!("  {what}: caught by {}: {}", d.by, d.text);
        let report = ledger::archive::verify(&case, &key, &VerifyOptions::default()).unwrap();
        let first = report.report.as_ref().and_then(first_failure).cloned();
        assert_eq!(
            first.map(|f| (f.position, f.kind)),
            Some((forgery.named, forgery.kind)),
            "{what}"
        );
        std::fs::remove_dir_all(&case).unwrap();
    }
    tally.print();
}

#[test]
fn a_forked_log_is_caught_by_a_witness_by_the_archive_verifier_and_on_opening() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let k = small_ledger(&a);
    let b = dir.path().join("b");
    copy_dir(&a, &b);
    // The same log key signs two histories of the same size.
    let mut notes = Vec::new();
    for (path, n) in [(&a, 30), (&b, 31)] {
        let ledger = Ledger::open(path, Options::default()).unwrap();
        let e = compose::next_event(
            &ledger,
            "ledger",
            "key.enrolled",
            1,
            T0 + 3_000,
            &k.authority,
            &compose::enrollment(
                &k.outsider.verifying_key().to_bytes(),
                "Ban Tổ chức",
                &["presidium"],
                &format!("{CONGRESS}/{n}"),
                T0,
                None,
            ),
        )
        .unwrap();
        ledger.append(e.into_bytes()).unwrap();
        notes.push(ledger.sign_checkpoint().unwrap());
        ledger.close().unwrap();
    }
    let (note_a, note_b): (&SignedNote, &SignedNote) = (&notes[0], &notes[1]);
    let size = note_a.checkpoint.size;
    assert_eq!(size, note_b.checkpoint.size);
    assert_ne!(note_a.checkpoint.root, note_b.checkpoint.root);
    let key = Ledger::open(&a, Options::default())
        .unwrap()
        .log_key()
        .clone();
    let mut tally = Tally::new("forked checkpoints (same size, other root)");

    // A witness holding one refuses the other, with both as evidence.
    let held = witness::Held {
        origin: note_a.checkpoint.origin.clone(),
        size,
        root: note_a.checkpoint.root,
        note: note_a.encode(),
    };
    let fork = match witness::check(Some(&held), &note_b.encode(), &key, &[]) {
        Err(e @ witness::WitnessError::Fork { .. }) => Some(Detection {
            by: "verify",
            position: Some(size),
            text: e.to_string(),
        }),
        other => panic!("a fork was not refused: {other:?}"),
    };
    let d = tally.record("witness offered the other checkpoint", fork);
    assert!(d.text.contains(&format!("size {size}")), "{d:?}");

    // A bag of one history carrying the other's checkpoint, manifests rewritten.
    let bag = dir.path().join("bag");
    export(&a, &bag);
    std::fs::write(bag.join("data/checkpoint.note"), note_b.encode()).unwrap();
    rewrite_manifests(&bag);
    let d = tally.record("bag with the other checkpoint", verify_bag(&bag, &key));
    assert!(
        d.position == Some(size) && d.text.contains("checkpoint"),
        "{d:?}"
    );

    // The other checkpoint slipped into the ledger's own checkpoint history.
    let mut framed = Vec::new();
    frame::encode(note_b.encode().as_bytes(), &mut framed);
    let history = a.join("checkpoints.log");
    let mut bytes = std::fs::read(&history).unwrap();
    bytes.extend_from_slice(&framed);
    std::fs::write(&history, bytes).unwrap();
    let d = tally.record(
        "checkpoint history with the other checkpoint",
        open_and_verify(&a),
    );
    assert!(d.text.contains("checkpoint"), "{d:?}");
    println!("  forked history: caught by {}: {}", d.by, d.text);
    tally.print();
}
