//! The spec's test vectors, reproduced byte for byte.

mod common;

use std::collections::VecDeque;
use std::sync::Arc;

use common::{hash, hex, load, seed};
use ledger::format::checkpoint::{Checkpoint, SignedNote, VerifierKey};
use ledger::format::merkle::{self, MemoryTree};
use ledger::format::{Entry, EventBody, Hash, SignedEvent};
use ledger::verify::integrity::{verify_entries_bin, VerifyOptions};
use parking_lot::Mutex;
use serde_json::Value;

fn body_of(events: &Value, e: &Value) -> EventBody {
    let key = seed(events, e["signer"].as_str().unwrap());
    EventBody {
        ledger: events["origin"].as_str().unwrap().to_string(),
        stream: e["stream"].as_str().unwrap().to_string(),
        version: e["version"].as_u64().unwrap(),
        prev: hash(&e["prev_hex"]),
        kind: e["kind"].as_str().unwrap().to_string(),
        schema: 1,
        time: e["time"].as_i64().unwrap(),
        signer: key.verifying_key().to_bytes(),
        payload: e["payload"].as_str().unwrap().as_bytes().to_vec(),
    }
}

#[test]
fn keys_come_from_their_seeds() {
    let events = load("events.json");
    for (name, k) in events["keys"].as_object().unwrap() {
        let key = seed(&events, name);
        assert_eq!(
            hex::encode(key.verifying_key().to_bytes()),
            k["public_hex"].as_str().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn resigning_every_event_reproduces_its_bytes_hash_entry_and_leaf() {
    let events = load("events.json");
    assert_eq!(
        events["event_domain"]
            .as_str()
            .unwrap()
            .replace("\\x00", "\0")
            .as_bytes(),
        ledger::format::EVENT_DOMAIN
    );
    for e in events["events"].as_array().unwrap() {
        let pos = e["position"].as_u64().unwrap();
        let key = seed(&events, e["signer"].as_str().unwrap());
        let signed = body_of(&events, e).sign(&key).unwrap();
        assert_eq!(
            signed.bytes(),
            hex(&e["signed_event_hex"]),
            "signed bytes of event {pos}"
        );
        assert_eq!(
            signed.body_bytes().len() as u64,
            e["body_len"].as_u64().unwrap()
        );
        assert_eq!(
            signed.signature().to_vec(),
            hex(&e["signature_hex"]),
            "signature {pos}"
        );
        assert_eq!(
            signed.hash(),
            hash(&e["event_hash_hex"]),
            "event hash {pos}"
        );
        signed.verify_signature().unwrap();

        // Decoding the stored bytes gives the same fields back.
        let decoded = SignedEvent::decode(hex(&e["signed_event_hex"])).unwrap();
        assert_eq!(decoded, signed);

        let entry_bytes = hex(&e["entry_hex"]);
        let entry = Entry::decode(&entry_bytes).unwrap();
        assert_eq!(entry.position, pos);
        assert_eq!(entry.event, signed);
        assert_eq!(entry.encode(), entry_bytes, "entry bytes {pos}");
        assert_eq!(
            Entry::leaf_hash(&entry_bytes),
            hash(&e["leaf_hash_hex"]),
            "leaf {pos}"
        );
    }
}

#[test]
fn merkle_roots_and_every_proof_up_to_size_8() {
    let m = load("merkle.json");
    assert_eq!(merkle::empty_root(), hash(&m["empty_root_hex"]));
    let mut tree = MemoryTree::new();
    for input in m["inputs_hex"].as_array().unwrap() {
        tree.push(merkle::leaf_hash(&hex(input)));
        let size = tree.size();
        assert_eq!(
            tree.root(),
            hash(&m["roots_hex"][size.to_string()]),
            "root {size}"
        );
    }
    let roots: Vec<Hash> = (0..=8)
        .map(|s| {
            if s == 0 {
                merkle::empty_root()
            } else {
                hash(&m["roots_hex"][s.to_string()])
            }
        })
        .collect();
    for case in m["inclusion"].as_array().unwrap() {
        let (index, size) = (
            case["index"].as_u64().unwrap(),
            case["size"].as_u64().unwrap(),
        );
        let expected: Vec<Hash> = case["proof_hex"]
            .as_array()
            .unwrap()
            .iter()
            .map(hash)
            .collect();
        let proof = merkle::inclusion_proof(&tree, index, size)
            .unwrap()
            .unwrap();
        assert_eq!(proof, expected, "inclusion {index} in {size}");
        let leaf = merkle::leaf_hash(&hex(&m["inputs_hex"][index as usize]));
        merkle::verify_inclusion(&leaf, index, size, &proof, &roots[size as usize]).unwrap();
        // The wrong leaf, index or root does not verify.
        let other = merkle::leaf_hash(b"not this leaf");
        assert!(
            merkle::verify_inclusion(&other, index, size, &proof, &roots[size as usize]).is_err()
        );
        if size > 1 {
            let wrong_index = (index + 1) % size;
            assert!(merkle::verify_inclusion(
                &leaf,
                wrong_index,
                size,
                &proof,
                &roots[size as usize]
            )
            .is_err());
        }
    }
    for case in m["consistency"].as_array().unwrap() {
        let (old, new) = (case["old"].as_u64().unwrap(), case["new"].as_u64().unwrap());
        let expected: Vec<Hash> = case["proof_hex"]
            .as_array()
            .unwrap()
            .iter()
            .map(hash)
            .collect();
        let proof = merkle::consistency_proof(&tree, old, new).unwrap().unwrap();
        assert_eq!(proof, expected, "consistency {old} → {new}");
        merkle::verify_consistency(old, new, &roots[old as usize], &roots[new as usize], &proof)
            .unwrap();
        if old < new {
            let wrong = merkle::leaf_hash(b"forged");
            assert!(
                merkle::verify_consistency(old, new, &wrong, &roots[new as usize], &proof).is_err()
            );
            assert!(
                merkle::verify_consistency(old, new, &roots[old as usize], &wrong, &proof).is_err()
            );
        }
    }
}

fn vector_tree(events: &Value) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for e in events["events"].as_array().unwrap() {
        tree.push(Entry::leaf_hash(&hex(&e["entry_hex"])));
    }
    tree
}

#[test]
fn checkpoint_note_and_its_proofs() {
    let events = load("events.json");
    let c = load("checkpoint.json");
    let tree = vector_tree(&events);
    let size = c["size"].as_u64().unwrap();
    assert_eq!(tree.size(), size);
    assert_eq!(tree.root(), hash(&c["root_hex"]));

    let log_key =
        ledger::crypto::signing_key_from_seed(&hex(&c["log_seed_hex"]).try_into().unwrap());
    let origin = c["origin"].as_str().unwrap();
    let note = SignedNote::sign(Checkpoint::new(origin, size, tree.root()), &log_key).unwrap();
    assert_eq!(
        note.encode(),
        c["note"].as_str().unwrap(),
        "checkpoint note, byte for byte"
    );

    let vkey = VerifierKey::new(
        c["key_name"].as_str().unwrap(),
        log_key.verifying_key().to_bytes(),
    )
    .unwrap();
    assert_eq!(vkey.encode(), c["vkey"].as_str().unwrap());
    let parsed_key = VerifierKey::parse(c["vkey"].as_str().unwrap()).unwrap();
    assert_eq!(parsed_key, vkey);

    let parsed = SignedNote::parse(c["note"].as_str().unwrap()).unwrap();
    assert_eq!(parsed, note);
    parsed.verify(&parsed_key).unwrap();
    let other =
        VerifierKey::new(origin, seed(&events, "outsider").verifying_key().to_bytes()).unwrap();
    assert!(parsed.verify(&other).is_err());

    for case in c["inclusion"].as_array().unwrap() {
        let index = case["index"].as_u64().unwrap();
        let expected: Vec<Hash> = case["proof_hex"]
            .as_array()
            .unwrap()
            .iter()
            .map(hash)
            .collect();
        let proof = merkle::inclusion_proof(&tree, index, size)
            .unwrap()
            .unwrap();
        assert_eq!(proof, expected, "inclusion of {index}");
        let leaf = Entry::leaf_hash(&hex(&events["events"][index as usize]["entry_hex"]));
        merkle::verify_inclusion(&leaf, index, size, &proof, &parsed.checkpoint.root).unwrap();
    }
    for case in c["consistency_from"].as_array().unwrap() {
        let old = case["old"].as_u64().unwrap();
        let expected: Vec<Hash> = case["proof_hex"]
            .as_array()
            .unwrap()
            .iter()
            .map(hash)
            .collect();
        assert_eq!(
            merkle::root(&tree, old).unwrap(),
            hash(&case["old_root_hex"]),
            "root at {old}"
        );
        let proof = merkle::consistency_proof(&tree, old, size)
            .unwrap()
            .unwrap();
        assert_eq!(proof, expected, "consistency from {old}");
        merkle::verify_consistency(
            old,
            size,
            &hash(&case["old_root_hex"]),
            &parsed.checkpoint.root,
            &proof,
        )
        .unwrap();
    }
}

fn good_entries_bin(events: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    for e in events["events"].as_array().unwrap() {
        ledger::format::entry::push_entries_bin(&mut out, &hex(&e["entry_hex"]));
    }
    out
}

#[test]
fn the_good_log_verifies_against_its_checkpoint() {
    let events = load("events.json");
    let c = load("checkpoint.json");
    let note = SignedNote::parse(c["note"].as_str().unwrap()).unwrap();
    let vkey = VerifierKey::parse(c["vkey"].as_str().unwrap()).unwrap();
    for strict in [false, true] {
        let report = verify_entries_bin(
            &good_entries_bin(&events),
            Some(events["origin"].as_str().unwrap().into()),
            std::slice::from_ref(&note),
            Some(&vkey),
            VerifyOptions {
                strict_signatures: strict,
                ..Default::default()
            },
        );
        assert_eq!(report.failure, None);
        assert_eq!(report.entries, 20);
        assert_eq!(report.root, hash(&c["root_hex"]));
        assert!(report.checkpoints.iter().all(|r| r.ok));
    }
}

#[test]
fn every_must_fail_log_is_rejected_at_its_first_bad_position() {
    let cases = load("must-fail.json");
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        for strict in [false, true] {
            let report = verify_entries_bin(
                &hex(&case["entries_bin_hex"]),
                None,
                &[],
                None,
                VerifyOptions {
                    strict_signatures: strict,
                    ..Default::default()
                },
            );
            let failure = report
                .first_failure()
                .cloned()
                .unwrap_or_else(|| panic!("{name}: accepted"));
            assert_eq!(
                failure.position,
                case["first_bad_position"].as_u64().unwrap(),
                "{name}: {failure:?}"
            );
            assert_eq!(
                failure.kind.label(),
                case["why"].as_str().unwrap(),
                "{name}: {failure:?}"
            );
        }
    }
}

/// The live engine, fed the vectors' events with the vectors' received times, must write the
/// very same log: same entries, same root, same checkpoint note.
#[test]
fn the_engine_writes_the_vector_ledger_byte_for_byte() {
    let events = load("events.json");
    let c = load("checkpoint.json");
    let list = events["events"].as_array().unwrap();
    let received: VecDeque<i64> = list
        .iter()
        .map(|e| i64::from_le_bytes(hex(&e["entry_hex"])[8..16].try_into().unwrap()))
        .collect();
    let clock_values = Arc::new(Mutex::new(received));
    let clock = {
        let v = clock_values.clone();
        Arc::new(move || v.lock().pop_front().expect("one received time per event"))
    };
    let options = ledger::Options {
        clock,
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    let log_key =
        ledger::crypto::signing_key_from_seed(&hex(&c["log_seed_hex"]).try_into().unwrap());
    let genesis = SignedEvent::decode(hex(&list[0]["signed_event_hex"])).unwrap();
    let ledger = ledger::Ledger::create(&path, genesis, log_key, options).unwrap();
    for e in &list[1..] {
        let appended = ledger.append(hex(&e["signed_event_hex"])).unwrap();
        assert_eq!(appended.position, e["position"].as_u64().unwrap());
        assert!(appended.created);
    }
    for e in list {
        let pos = e["position"].as_u64().unwrap();
        assert_eq!(
            ledger.entry_bytes(pos).unwrap().unwrap(),
            hex(&e["entry_hex"]),
            "entry {pos}"
        );
    }
    let note = ledger.sign_checkpoint().unwrap();
    assert_eq!(note.encode(), c["note"].as_str().unwrap());
    assert_eq!(ledger.log_key().encode(), c["vkey"].as_str().unwrap());
    for case in c["inclusion"].as_array().unwrap() {
        let index = case["index"].as_u64().unwrap();
        let expected: Vec<Hash> = case["proof_hex"]
            .as_array()
            .unwrap()
            .iter()
            .map(hash)
            .collect();
        assert_eq!(
            ledger.inclusion_proof(index, 20).unwrap().unwrap(),
            expected
        );
    }
    let report = ledger::verify::integrity(&ledger, &VerifyOptions::default()).unwrap();
    assert_eq!(report.failure, None, "{report:?}");
}
