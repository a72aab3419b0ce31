//! A log key that outlives its holder (issue 17 §4): `log_key.rotated`, the engine signing
//! with the key in force (and the old one while held), and every verifier — integrity, bags,
//! act proofs, the monitor — following the chain of log keys from the key it pinned, and
//! refusing what does not hold, saying which link failed and why.

mod common;

use std::path::Path;

use common::fixture::{create, log_vkey, next, Keys, CONGRESS, ORIGIN, T0};
use ledger::act_proof;
use ledger::compose;
use ledger::format::Checkpoint;
use ledger::monitor::{Alarm, Monitor};
use ledger::verify::integrity::{IntegrityReport, Verifier, VerifyOptions};
use ledger::{AppendError, Entry, Ledger, Options, SignedNote, VerifierKey};
use serde_json::json;

fn append_sessions(ledger: &Ledger, k: &Keys, from: u64, n: u64) -> ledger::Hash {
    let mut last = ledger::Hash::ZERO;
    for i in from..from + n {
        last = ledger
            .append(next(ledger, k, CONGRESS, i).into_bytes())
            .unwrap()
            .event_hash;
    }
    last
}

/// Every entry's bytes, for verifiers that are handed the log.
fn frames(ledger: &Ledger) -> Vec<Vec<u8>> {
    (0..ledger.size())
        .map(|p| ledger.entry_bytes(p).unwrap().unwrap())
        .collect()
}

/// The verifier over the ledger's entries, judging exactly `notes` against `pinned`.
fn verify_with(ledger: &Ledger, notes: &[SignedNote], pinned: &VerifierKey) -> IntegrityReport {
    let mut verifier = Verifier::new(Some(ORIGIN.to_string()), VerifyOptions::default());
    let sizes: Vec<u64> = notes.iter().map(|n| n.checkpoint.size).collect();
    verifier.want_roots(&sizes);
    let frames = frames(ledger);
    let chunk: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
    verifier.push_chunk(&chunk).unwrap();
    verifier.finish(notes, Some(pinned))
}

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

fn lost_old_key(dir: &Path) {
    std::fs::remove_file(dir.join("log.key")).unwrap();
}

#[test]
fn a_rotated_log_key_is_followed_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("l");
    let (ledger, k) = create(&dir, Options::default());
    let old = log_vkey(&k);
    append_sessions(&ledger, &k, 0, 3);
    let before = ledger.sign_checkpoint().unwrap();
    before.verify(&old).unwrap();

    let rotation = ledger
        .rotate_log_key(&k.authority, "Thay khóa định kỳ", T0 + 100)
        .unwrap();
    let new = rotation.key.clone();
    assert!(rotation.file.starts_with(dir.join("log-keys")));
    let keys = ledger.log_keys();
    assert_eq!(keys.all().len(), 2);
    assert_eq!(keys.current().key, new);
    assert_eq!(keys.current().from, rotation.appended.position + 1);
    assert_eq!(keys.current().named_at, Some(rotation.appended.position));

    // Past the act: signed by the new key, and by the old one while it is held.
    append_sessions(&ledger, &k, 3, 2);
    let both = ledger.sign_checkpoint().unwrap();
    assert_eq!(both.signatures.len(), 2, "{}", both.encode());
    both.verify(&new).unwrap();
    both.verify(&old).unwrap();
    assert_eq!(
        both.signatures[0].id, new.id,
        "the key in force signs first"
    );
    let report = ledger::verify::integrity(&ledger, &VerifyOptions::default()).unwrap();
    assert!(report.failure.is_none(), "{:?}", report.failure);

    // The old key is lost: the ledger reopens on the new one and follows it.
    ledger.close().unwrap();
    lost_old_key(&dir);
    let ledger = Ledger::open(&dir, Options::default()).unwrap();
    assert!(!ledger.is_mirror());
    assert_eq!(ledger.log_keys().current().key, new);
    let last = append_sessions(&ledger, &k, 5, 2);
    let only_new = ledger.sign_checkpoint().unwrap();
    assert_eq!(only_new.signatures.len(), 1);
    only_new.verify(&new).unwrap();
    assert!(only_new.verify(&old).is_err());
    let report = ledger::verify::integrity(&ledger, &VerifyOptions::default()).unwrap();
    assert!(report.failure.is_none(), "{:?}", report.failure);
    assert!(report.checkpoints.iter().all(|c| c.ok));

    // A bag exported now verifies with the old pinned key, and with the new one.
    let bag = tmp.path().join("bag");
    ledger::archive::export(&ledger, &bag, &|_, _| {}).unwrap();
    let ledger_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bag.join("data/ledger.json")).unwrap()).unwrap();
    assert_eq!(ledger_json["log_key"], json!(old.encode()));
    assert_eq!(
        ledger_json["log_keys"],
        json!([{"key": old.encode(), "from": 1}, {"key": new.encode(), "from": rotation.appended.position + 1}])
    );
    let anchors = ledger::archive::log_key_notes(&bag);
    assert_eq!(anchors.len(), 2, "the first checkpoint of each key");
    for pinned in [&old, &new] {
        let report = ledger::archive::verify(&bag, pinned, &VerifyOptions::default()).unwrap();
        assert!(report.holds(), "{pinned}: {:?}", report);
    }

    // An act proved after the rotation verifies with the old pinned key.
    let proof = act_proof::export(&ledger, &last).unwrap();
    let chain = proof
        .log_keys
        .as_ref()
        .expect("the proof carries the chain");
    assert!(!chain.anchors.is_empty());
    let json = serde_json::to_string(&proof).unwrap();
    let proof: act_proof::ActProof = serde_json::from_str(&json).unwrap();
    for pinned in [&old, &new] {
        let verified = act_proof::verify(&proof, pinned).unwrap();
        assert_eq!(verified.event_hash, last);
    }
    // So does the rotation act's own proof.
    let act = act_proof::export(&ledger, &rotation.appended.event_hash).unwrap();
    act_proof::verify(&act, &old).unwrap();

    // The monitor follows: it saw the old key's checkpoint, then the chain.
    let (mut monitor, _) = Monitor::open(old.clone(), None, None, 1 << 20).unwrap();
    let alarms = monitor.checkpoint(&before.encode(), &proofs(&ledger));
    assert!(alarms.is_empty(), "{alarms:?}");
    let alarms = monitor.push(&entries(&ledger)).unwrap();
    assert!(alarms.iter().all(|a| !a.is_integrity()), "{alarms:?}");
    let alarms = monitor.checkpoint(&only_new.encode(), &proofs(&ledger));
    assert!(alarms.iter().all(|a| !a.is_integrity()), "{alarms:?}");
    assert_eq!(monitor.held(), Some(&only_new));

    // Published as tiles: read back and verified with the old pinned key, through the first
    // checkpoints of each key published beside them; an act proved from the tiles too.
    let tiles_dir = tmp.path().join("tiles");
    let store = ledger::tiles::DirStore::new(&tiles_dir);
    ledger::tiles::publish::publish(&ledger, &store, &only_new).unwrap();
    assert!(tiles_dir.join(ledger::tiles::LOG_KEYS).is_file());
    let tiles = ledger::tiles::read::TileLog::open(
        Box::new(ledger::tiles::DirStore::new(&tiles_dir)),
        None,
        old.clone(),
    )
    .unwrap();
    let report = ledger::tiles::read::verify(&tiles, &VerifyOptions::default()).unwrap();
    assert!(report.integrity.ok, "{:?}", report.integrity.failure);
    let from_tiles = act_proof::export(&tiles, &last).unwrap();
    act_proof::verify(&from_tiles, &old).unwrap();
    // Without them, the chain cannot be followed from the old key: refused, not trusted.
    std::fs::remove_file(tiles_dir.join(ledger::tiles::LOG_KEYS)).unwrap();
    let refused = ledger::tiles::read::TileLog::open(
        Box::new(ledger::tiles::DirStore::new(&tiles_dir)),
        None,
        old.clone(),
    );
    assert!(refused.is_err());

    // A monitor keeping a mirror resumes on a later run, when the checkpoint it holds is
    // signed by the new key alone: the anchor it found before is in the mirror.
    let mirror_dir = tmp.path().join("monitor-mirror");
    {
        let (mut monitor, _) =
            Monitor::open(old.clone(), None, Some(&mirror_dir), 1 << 20).unwrap();
        assert!(monitor
            .checkpoint(&before.encode(), &proofs(&ledger))
            .is_empty());
        let alarms = monitor.push(&entries(&ledger)).unwrap();
        assert!(alarms.iter().all(|a| !a.is_integrity()), "{alarms:?}");
        let alarms = monitor.checkpoint(&only_new.encode(), &proofs(&ledger));
        assert!(alarms.iter().all(|a| !a.is_integrity()), "{alarms:?}");
    }
    let (monitor, alarms) = Monitor::open(old.clone(), None, Some(&mirror_dir), 1 << 20).unwrap();
    assert!(alarms.iter().all(|a| !a.is_integrity()), "{alarms:?}");
    assert_eq!(monitor.held(), Some(&only_new));
    drop(monitor);

    // Reopening as a mirror of the bag keeps the chain.
    let mirror = tmp.path().join("mirror");
    let (_, imported) = ledger::archive::import(
        &bag,
        &mirror,
        &old,
        None,
        Options::default(),
        &VerifyOptions::default(),
    )
    .unwrap();
    assert_eq!(imported.log_keys(), ledger.log_keys());
    let report = ledger::verify::integrity(&imported, &VerifyOptions::default()).unwrap();
    assert!(report.failure.is_none(), "{:?}", report.failure);

    // Restored from the bag with the current key's secret, the ledger goes on appending.
    let secret = ledger::keys::read(&rotation.file).unwrap();
    let (_, restored) = ledger::archive::import(
        &bag,
        &tmp.path().join("restored"),
        &old,
        Some(secret),
        Options::default(),
        &VerifyOptions::default(),
    )
    .unwrap();
    assert!(!restored.is_mirror());
    append_sessions(&restored, &k, 20, 1);
    let note = restored.sign_checkpoint().unwrap();
    note.verify(&new).unwrap();
    let report = ledger::verify::integrity(&restored, &VerifyOptions::default()).unwrap();
    assert!(report.failure.is_none(), "{:?}", report.failure);
}

#[test]
fn a_log_key_rotation_not_signed_by_an_authority_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&tmp.path().join("l"), Options::default());
    let fresh = ledger::keys::generate();
    let key = VerifierKey::new(ORIGIN, fresh.verifying_key().to_bytes()).unwrap();
    let payload = json!({"log_key": key.encode(), "pq_key": null, "reason": "thử"});
    let e = compose::next_event(
        &ledger,
        "ledger",
        "log_key.rotated",
        1,
        T0,
        &k.presidium,
        &payload,
    )
    .unwrap();
    let size = ledger.size();
    let err = ledger.append(e.into_bytes()).unwrap_err();
    assert!(matches!(err, AppendError::Unauthorized(_)), "{err}");
    let en = err.to_string();
    assert!(en.contains("log_key.rotated"), "{en}");
    assert!(
        en.contains("only an authority of the ledger may sign it"),
        "{en}"
    );
    let vi = ledger::messages::Localized::vi(&err);
    assert!(vi.contains("chỉ cơ quan có thẩm quyền"), "{vi}");
    assert_eq!(ledger.size(), size, "nothing was written");
    assert!(!ledger.log_keys().rotated());

    // A rotation naming a key of another log is refused as a bad payload.
    let other = VerifierKey::new("ledger.other.vn/x", fresh.verifying_key().to_bytes()).unwrap();
    let payload = json!({"log_key": other.encode(), "pq_key": null, "reason": "thử"});
    let e = compose::next_event(
        &ledger,
        "ledger",
        "log_key.rotated",
        1,
        T0,
        &k.authority,
        &payload,
    )
    .unwrap();
    let err = ledger.append(e.into_bytes()).unwrap_err();
    assert!(err.to_string().contains("not the origin"), "{err}");
}

#[test]
fn a_rotation_to_a_key_the_ledger_does_not_hold_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("l");
    let (ledger, k) = create(&dir, Options::default());
    let fresh = ledger::keys::generate();
    let key = VerifierKey::new(ORIGIN, fresh.verifying_key().to_bytes()).unwrap();
    let payload = json!({"log_key": key.encode(), "pq_key": null, "reason": "thử"});
    let e = compose::next_event(
        &ledger,
        "ledger",
        "log_key.rotated",
        1,
        T0,
        &k.authority,
        &payload,
    )
    .unwrap();
    let size = ledger.size();
    let err = ledger.append(e.clone().into_bytes()).unwrap_err();
    assert!(matches!(err, AppendError::LogKeyNotHeld(_)), "{err}");
    let en = err.to_string();
    assert!(en.contains("does not hold"), "{en}");
    assert!(en.contains("key rotate-log"), "{en}");
    let vi = ledger::messages::Localized::vi(&err);
    assert!(vi.contains("không giữ khóa bí mật"), "{vi}");
    assert_eq!(ledger.size(), size);

    // Its secret put where the error says: the same act is taken, on the running ledger.
    let file = ledger::engine::log_key_file(&dir, &key.public);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    ledger::keys::write(&file, &fresh).unwrap();
    ledger.append(e.into_bytes()).unwrap();
    append_sessions(&ledger, &k, 0, 1);
    ledger.sign_checkpoint().unwrap().verify(&key).unwrap();

    // The ML-DSA-44 key named must be the one the log cosigns with (it holds none here).
    let second = ledger::keys::generate();
    let key2 = VerifierKey::new(ORIGIN, second.verifying_key().to_bytes()).unwrap();
    let pq = ledger::pq::MlDsa44Key::generate();
    let pq_key = ledger::format::WitnessKey::ml_dsa_44(ORIGIN, pq.public()).unwrap();
    let file = ledger::engine::log_key_file(&dir, &key2.public);
    ledger::keys::write(&file, &second).unwrap();
    let payload = json!({"log_key": key2.encode(), "pq_key": pq_key.encode(), "reason": "thử"});
    let e = compose::next_event(
        &ledger,
        "ledger",
        "log_key.rotated",
        1,
        T0,
        &k.authority,
        &payload,
    )
    .unwrap();
    let err = ledger.append(e.into_bytes()).unwrap_err();
    assert!(err.to_string().contains("ML-DSA-44"), "{err}");
}

/// A ledger rotated once, with checkpoints signed by the old key before and by both after;
/// then the old key is dropped and later checkpoints carry the new key's only.
fn rotated(dir: &Path) -> (Ledger, Keys, VerifierKey, VerifierKey) {
    let (ledger, k) = create(dir, Options::default());
    append_sessions(&ledger, &k, 0, 2);
    ledger.sign_checkpoint().unwrap();
    let rotation = ledger.rotate_log_key(&k.authority, "cũ", T0 + 50).unwrap();
    append_sessions(&ledger, &k, 2, 2);
    ledger.sign_checkpoint().unwrap();
    (ledger, k, log_vkey(&keys_of()), rotation.key)
}

fn keys_of() -> Keys {
    common::fixture::keys()
}

#[test]
fn a_checkpoint_after_the_rotation_signed_only_by_the_old_key_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (ledger, k, old, _new) = rotated(&tmp.path().join("l"));
    let size = ledger.size();
    let root = ledger.root_at(size).unwrap().unwrap();
    let forged = SignedNote::sign(Checkpoint::new(ORIGIN, size, root), &k.log).unwrap();
    let mut notes = ledger::storage::SignedLog::checkpoints(&ledger).unwrap();
    notes.retain(|n| n.checkpoint.size < size);
    notes.push(forged.clone());

    let report = verify_with(&ledger, &notes, &old);
    let failure = report.failure.expect("refused");
    assert!(
        failure
            .detail
            .contains("must be signed by the log key in force")
            && failure
                .detail
                .contains("only the old key, rotated out, signed it"),
        "{}",
        failure.detail
    );
    assert!(
        failure.detail_vi.contains("chỉ có chữ ký của khóa cũ"),
        "{}",
        failure.detail_vi
    );
    let bad = report.checkpoints.iter().find(|c| c.size == size).unwrap();
    assert!(!bad.ok);

    // In an act proof.
    let last = ledger.entry(size - 1).unwrap().unwrap().event.hash();
    let mut proof = act_proof::export(&ledger, &last).unwrap();
    proof.checkpoint = forged.encode();
    let err = act_proof::verify(&proof, &old).unwrap_err().to_string();
    assert!(
        err.contains("log keys") && err.contains("only the old key"),
        "{err}"
    );

    // Shown to the monitor.
    let (mut monitor, _) = Monitor::open(old.clone(), None, None, 1 << 20).unwrap();
    monitor.push(&entries(&ledger)).unwrap();
    let alarms = monitor.checkpoint(&forged.encode(), &proofs(&ledger));
    assert!(
        matches!(&alarms[..], [Alarm::BadCheckpoint { detail, .. }] if detail.en.contains("in force")),
        "{alarms:?}"
    );
}

#[test]
fn a_forged_log_naming_the_pinned_key_in_its_own_genesis_is_refused() {
    // The forger does not hold the pinned key: a genesis of their own names it, with their
    // own authority, which rotates at once to their key. (The test creates the log with the
    // pinned key's secret, then drops every signature that key made, as the forger could
    // not have made them.)
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("forged");
    let k = keys_of();
    let pinned = log_vkey(&k);
    let genesis = compose::genesis(
        ORIGIN,
        "Sổ giả",
        &k.outsider,
        &[],
        &pinned,
        "qd244-2014",
        T0,
    )
    .unwrap();
    let ledger = Ledger::create(&dir, genesis, k.log.clone(), Options::default()).unwrap();
    ledger.rotate_log_key(&k.outsider, "giả", T0 + 1).unwrap();
    ledger.close().unwrap();
    lost_old_key(&dir);
    let ledger = Ledger::open(&dir, Options::default()).unwrap();
    let enrolled = compose::enrollment(
        &k.presidium.verifying_key().to_bytes(),
        "Đoàn Chủ tịch giả",
        &["presidium"],
        CONGRESS,
        T0,
        None,
    );
    let e = compose::next_event(
        &ledger,
        "ledger",
        "key.enrolled",
        1,
        T0,
        &k.outsider,
        &enrolled,
    )
    .unwrap();
    ledger.append(e.into_bytes()).unwrap();
    let last = append_sessions(&ledger, &k, 0, 2);
    let note = ledger.sign_checkpoint().unwrap();
    assert!(note.verify(&pinned).is_err(), "the forger's note");

    let report = verify_with(&ledger, std::slice::from_ref(&note), &pinned);
    let failure = report.failure.expect("refused");
    assert!(
        failure
            .detail
            .contains("cannot be followed from the pinned key")
            && failure
                .detail
                .contains("no checkpoint of this very log is signed by it"),
        "{}",
        failure.detail
    );
    assert!(
        failure.detail_vi.contains("không theo được chuỗi khóa"),
        "{}",
        failure.detail_vi
    );

    // Its act proofs, with the pinned key's checkpoints taken out.
    let mut proof = act_proof::export(&ledger, &last).unwrap();
    let chain = proof.log_keys.as_mut().unwrap();
    chain.anchors.retain(|a| {
        SignedNote::parse(&a.checkpoint)
            .unwrap()
            .verify(&pinned)
            .is_err()
    });
    proof.checkpoint = note.encode();
    let err = act_proof::verify(&proof, &pinned).unwrap_err().to_string();
    assert!(
        err.contains("cannot be followed from the pinned key"),
        "{err}"
    );

    // The monitor shown only the forger's checkpoints.
    let (mut monitor, _) = Monitor::open(pinned.clone(), None, None, 1 << 20).unwrap();
    monitor.push(&entries(&ledger)).unwrap();
    let alarms = monitor.checkpoint(&note.encode(), &proofs(&ledger));
    assert!(
        matches!(&alarms[..], [Alarm::BadCheckpoint { detail, .. }] if detail.en.contains("cannot be followed")),
        "{alarms:?}"
    );

    // A key the chain does not hold, pinned, is named as such.
    let stranger = VerifierKey::new(ORIGIN, k.counting.verifying_key().to_bytes()).unwrap();
    let report = verify_with(&ledger, std::slice::from_ref(&note), &stranger);
    let failure = report.failure.expect("refused");
    assert!(
        failure.detail.contains("is not one of this log's keys"),
        "{}",
        failure.detail
    );
}

#[test]
fn a_witness_given_both_keys_cosigns_across_the_rotation() {
    use ledger::witness::{add_checkpoint, AddCheckpoint, AddRefusal, StateDir};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("l");
    let (ledger, k, old, new) = rotated(&dir);
    let state = StateDir::open(&tmp.path().join("witness")).unwrap();
    let wkey = ledger::keys::generate();
    let ask = |ledger: &Ledger, logs: &[VerifierKey], old_size: u64, note: &SignedNote| {
        let proof = match old_size {
            0 => Vec::new(),
            n => ledger
                .consistency_proof(n, note.checkpoint.size)
                .unwrap()
                .unwrap(),
        };
        let request = AddCheckpoint {
            old: old_size,
            proof,
            note: note.encode(),
        };
        add_checkpoint(
            &state,
            &request,
            logs,
            "ubkt.example",
            &wkey.clone().into(),
            1_700_000_000,
        )
    };
    let sizes = ledger.checkpoint_sizes().unwrap();
    let first = ledger.checkpoint_at(sizes[0]).unwrap().unwrap();
    ask(&ledger, std::slice::from_ref(&old), 0, &first).unwrap();
    // The old key gone: checkpoints carry the new key's signature alone.
    ledger.close().unwrap();
    lost_old_key(&dir);
    let ledger = Ledger::open(&dir, Options::default()).unwrap();
    append_sessions(&ledger, &k, 10, 1);
    let latest = ledger.sign_checkpoint().unwrap();
    let held = first.checkpoint.size;
    // Told only the old key, the witness refuses it as not signed by the log.
    let refused = ask(&ledger, std::slice::from_ref(&old), held, &latest).unwrap_err();
    assert!(matches!(refused, AddRefusal::NotSigned(_)), "{refused}");
    // Told both (`witness serve --log-key OLD --log-key NEW`), it cosigns.
    ask(&ledger, &[old, new], held, &latest).unwrap();
}
