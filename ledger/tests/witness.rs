//! A witness cosigns only what extends what it already vouched for.

use ed25519_dalek::SigningKey;
use ledger::format::cosignature::{self, CosigningKey};
use ledger::format::merkle::{self, MemoryTree};
use ledger::format::{Checkpoint, SignedNote, VerifierKey, WitnessKey};
use ledger::witness::{self, StateDir, WitnessError};
use ledger::Hash;

const ORIGIN: &str = "ledger.tinhuy-haiduong.vn/2020-2025";

fn log_key() -> SigningKey {
    SigningKey::from_bytes(&[1u8; 32])
}

fn log_vkey() -> VerifierKey {
    VerifierKey::new(ORIGIN, log_key().verifying_key().to_bytes()).unwrap()
}

/// A log whose leaves are `salt`-dependent, and its signed checkpoint at each size.
fn tree(size: u64, salt: u8) -> MemoryTree {
    let mut t = MemoryTree::new();
    for i in 0..size {
        t.push(merkle::leaf_hash(&[salt, i as u8, (i >> 8) as u8]));
    }
    t
}

fn note_at(t: &MemoryTree, size: u64) -> String {
    let mut prefix = MemoryTree::new();
    for i in 0..size {
        prefix.push(t.node(0, i));
    }
    SignedNote::sign(Checkpoint::new(ORIGIN, size, prefix.root()), &log_key())
        .unwrap()
        .encode()
}

trait Leaf {
    fn node(&self, level: u32, index: u64) -> Hash;
}
impl Leaf for MemoryTree {
    fn node(&self, level: u32, index: u64) -> Hash {
        merkle::NodeSource::node(self, level, index).unwrap()
    }
}

fn consistency(t: &MemoryTree, old: u64, new: u64) -> Vec<Hash> {
    merkle::consistency_proof(t, old, new).unwrap().unwrap()
}

#[test]
fn a_witness_follows_a_growing_log_and_keeps_what_it_cosigned() {
    let dir = tempfile::tempdir().unwrap();
    let state = StateDir::open(dir.path()).unwrap();
    let wkey = SigningKey::from_bytes(&[7u8; 32]);
    let w = WitnessKey::new("ubkt.tinhuy-haiduong.vn", wkey.verifying_key().to_bytes()).unwrap();
    let t = tree(40, 0);
    let mut held = 0;
    for size in [3u64, 3, 17, 40] {
        let proof = consistency(&t, held, size);
        let (note, _) = witness::cosign(
            &state,
            &note_at(&t, size),
            &log_vkey(),
            &proof,
            &w.name,
            &wkey.clone().into(),
            1_780_000_000 + size,
        )
        .unwrap();
        assert_eq!(cosignature::verify(&note, &w), Ok(1_780_000_000 + size));
        note.verify(&log_vkey()).unwrap();
        let h = state.load(ORIGIN).unwrap().unwrap();
        assert_eq!((h.size, h.root), (size, note.checkpoint.root));
        held = size;
    }
    // A fresh handle on the same directory holds the same.
    let again = StateDir::open(dir.path()).unwrap();
    assert_eq!(again.load(ORIGIN).unwrap().unwrap().size, 40);
}

#[test]
fn forks_rollbacks_and_rewrites_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = StateDir::open(dir.path()).unwrap();
    let wkey = SigningKey::from_bytes(&[7u8; 32]);
    let honest = tree(20, 0);
    let other = tree(20, 1);
    let cosign = |note: &str, proof: &[Hash]| {
        witness::cosign(
            &state,
            note,
            &log_vkey(),
            proof,
            "w",
            &wkey.clone().into(),
            1_780_000_000,
        )
    };
    cosign(&note_at(&honest, 10), &[]).unwrap();
    let before = std::fs::read_dir(dir.path()).unwrap().count();
    let held = state.load(ORIGIN).unwrap().unwrap();

    // Same size, another root: a fork, with both notes as evidence.
    match cosign(&note_at(&other, 10), &[]) {
        Err(WitnessError::Fork {
            size: 10,
            held_note,
            offered_note,
            ..
        }) => {
            assert_eq!(held_note, held.note);
            assert_eq!(offered_note, note_at(&other, 10));
        }
        r => panic!("expected a fork, got {r:?}"),
    }
    // Smaller: a rollback.
    assert!(matches!(
        cosign(&note_at(&honest, 5), &[]),
        Err(WitnessError::Rollback {
            held: 10,
            offered: 5,
            ..
        })
    ));
    // Larger, but with history rewritten: no proof from the held tree can make it hold.
    let forged_proof = consistency(&other, 10, 20);
    assert!(matches!(
        cosign(&note_at(&other, 20), &forged_proof),
        Err(WitnessError::Inconsistent {
            old: 10,
            new: 20,
            ..
        })
    ));
    // Larger and honest, but no proof: refused too.
    assert!(matches!(
        cosign(&note_at(&honest, 20), &[]),
        Err(WitnessError::Inconsistent { .. })
    ));
    // Not signed by the log.
    let unsigned = SignedNote::sign(
        Checkpoint::new(ORIGIN, 20, Hash([3u8; 32])),
        &SigningKey::from_bytes(&[9u8; 32]),
    )
    .unwrap()
    .encode();
    assert!(matches!(cosign(&unsigned, &[]), Err(WitnessError::Note(_))));
    // Nothing refused moved the state.
    assert_eq!(state.load(ORIGIN).unwrap().unwrap(), held);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), before);
    // And the honest continuation is still accepted.
    cosign(&note_at(&honest, 20), &consistency(&honest, 10, 20)).unwrap();
}

#[test]
fn a_damaged_state_file_is_reported_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let state = StateDir::open(dir.path()).unwrap();
    let wkey: CosigningKey = SigningKey::from_bytes(&[7u8; 32]).into();
    let t = tree(4, 0);
    witness::cosign(&state, &note_at(&t, 4), &log_vkey(), &[], "w", &wkey, 1).unwrap();
    let file = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&file, b"{ not json").unwrap();
    let err = witness::cosign(&state, &note_at(&t, 4), &log_vkey(), &[], "w", &wkey, 2)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unreadable"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"{ not json");
}

/// The `tlog-witness` service's decision: each refusal with the status the protocol gives it,
/// and the state moved only by a cosignature.
#[test]
fn the_witness_service_answers_each_request_as_the_protocol_says() {
    use ledger::witness::{add_checkpoint, AddCheckpoint, AddRefusal};
    let dir = tempfile::tempdir().unwrap();
    let state = StateDir::open(dir.path()).unwrap();
    let wkey = SigningKey::from_bytes(&[9u8; 32]);
    let w = WitnessKey::new("ubkt.example", wkey.verifying_key().to_bytes()).unwrap();
    let logs = [log_vkey()];
    let t = tree(30, 0);
    let ask = |old: u64, size: u64, proof: Vec<Hash>, note: String| {
        let request = AddCheckpoint { old, proof, note };
        // The request survives its text form.
        assert_eq!(AddCheckpoint::parse(&request.encode()).unwrap(), request);
        add_checkpoint(
            &state,
            &request,
            &logs,
            "ubkt.example",
            &wkey.clone().into(),
            1_700_000_000 + size,
        )
    };

    // First contact: nothing held, so `old 0` and no proof.
    let line = ask(0, 10, Vec::new(), note_at(&t, 10)).unwrap();
    let mut cosigned = SignedNote::parse(&note_at(&t, 10)).unwrap();
    cosigned.signatures.push(line);
    assert_eq!(cosignature::verify(&cosigned, &w).unwrap(), 1_700_000_010);
    // A stale `old`: 409 with the size held, state unchanged.
    assert!(matches!(
        ask(0, 20, Vec::new(), note_at(&t, 20)),
        Err(AddRefusal::Conflict {
            held: 10,
            offered: 0,
            fork: false
        })
    ));
    // A proof that does not hold: 422.
    let wrong = consistency(&tree(30, 1), 10, 20);
    assert!(matches!(
        ask(10, 20, wrong, note_at(&t, 20)),
        Err(AddRefusal::Refused(e)) if matches!(*e, WitnessError::Inconsistent { .. })
    ));
    // The right proof: cosigned, and now size 20 is held.
    assert!(ask(10, 20, consistency(&t, 10, 20), note_at(&t, 20)).is_ok());
    assert_eq!(state.load(ORIGIN).unwrap().unwrap().size, 20);
    // Another tree at the size held: 409, a fork.
    assert!(matches!(
        ask(20, 20, Vec::new(), note_at(&tree(30, 2), 20)),
        Err(AddRefusal::Conflict {
            held: 20,
            fork: true,
            ..
        })
    ));
    // `old` above the checkpoint's size: 400. Not the log's signature: 403. Another log: 404.
    assert!(matches!(
        ask(25, 22, Vec::new(), note_at(&t, 22)),
        Err(AddRefusal::Malformed(_))
    ));
    let forged = SignedNote::sign(
        Checkpoint::new(ORIGIN, 25, t.root()),
        &SigningKey::from_bytes(&[2u8; 32]),
    )
    .unwrap()
    .encode();
    assert!(matches!(
        ask(20, 25, Vec::new(), forged),
        Err(AddRefusal::NotSigned(_))
    ));
    let other = SignedNote::sign(Checkpoint::new("other.vn/log", 5, t.root()), &log_key())
        .unwrap()
        .encode();
    assert!(matches!(
        ask(0, 5, Vec::new(), other),
        Err(AddRefusal::UnknownLog(_))
    ));
    assert_eq!(
        state.load(ORIGIN).unwrap().unwrap().size,
        20,
        "refusals move nothing"
    );

    // Malformed request texts are refused with what is wrong.
    for bad in [
        "old 1\n\nnote",
        "old 01\n\nx",
        "new 1\n\nx",
        "old 1\nnot-base64!\n\nx",
        "old 1\nAAAA\n\nx",
        "old 1\nno blank line",
    ] {
        let parsed = AddCheckpoint::parse(bad);
        if bad == "old 1\n\nnote" {
            assert!(
                parsed.is_ok(),
                "a request without proof lines is well formed"
            );
        } else {
            assert!(parsed.is_err(), "{bad:?} should be refused");
        }
    }
}
