//! ML-DSA-44 (FIPS 204) post-quantum cosignatures (C2SP tlog-cosignature, `subtree/v1`):
//! the implementation checked against one we did not write and NIST's vectors, the bytes of
//! the signed message, the refusals, and a ledger that cosigns its own checkpoints.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::SigningKey;
use ledger::format::checkpoint::{NoteError, NoteSignature};
use ledger::format::cosignature::{self, check_quorum, cosign, cosign_ml_dsa_44, verify};
use ledger::format::{Checkpoint, SignedNote, VerifierKey, WitnessKey};
use ledger::messages::Localized;
use ledger::pq::{self, MlDsa44Key};
use ledger::verify::witnessed::WitnessPolicy;
use ledger::Hash;
use ml_dsa::signature::{Keypair as _, Signer as _, Verifier as _};
use ml_dsa::{EncodedVerifyingKey, MlDsa44};
use sha2::{Digest, Sha256};

const ORIGIN: &str = "ledger.tinhuy-haiduong.vn/2020-2025";

fn note(size: u64, root: u8) -> SignedNote {
    SignedNote::sign(
        Checkpoint::new(ORIGIN, size, Hash([root; 32])),
        &SigningKey::from_bytes(&[1; 32]),
    )
    .unwrap()
}

fn pq_witness(seed: u8, name: &str) -> (MlDsa44Key, WitnessKey) {
    let k = MlDsa44Key::from_seed(&[seed; 32]);
    let w = WitnessKey::ml_dsa_44(name, k.public()).unwrap();
    (k, w)
}

fn rustcrypto(seed: &[u8; 32]) -> ml_dsa::SigningKey<MlDsa44> {
    ml_dsa::SigningKey::<MlDsa44>::from_seed(&(*seed).into())
}

#[test]
fn fips204_and_rustcrypto_ml_dsa_derive_the_same_key_and_verify_each_other() {
    for seed in [[0u8; 32], [7u8; 32], *b"congress-ledger ml-dsa-44 seed!!"] {
        let ours = MlDsa44Key::from_seed(&seed);
        let theirs = rustcrypto(&seed);
        let their_public = theirs.verifying_key().encode();
        assert_eq!(&ours.public()[..], &their_public[..], "same seed, same key");

        let message = b"subtree/v1 message of some checkpoint";
        // Theirs verifies ours...
        let sig = ours.sign(message).unwrap();
        let decoded = ml_dsa::Signature::<MlDsa44>::decode(&sig.into()).unwrap();
        theirs.verifying_key().verify(message, &decoded).unwrap();
        // ...and ours verifies theirs (deterministic and hedged).
        let their_sig = theirs.sign(message).encode();
        assert!(pq::verify(ours.public(), message, &their_sig));
        // Neither accepts the other's signature over another message.
        assert!(!pq::verify(ours.public(), b"another message", &their_sig));
        assert!(theirs
            .verifying_key()
            .verify(b"another message", &decoded)
            .is_err());
        // A public key decoded by theirs from our bytes is the same key.
        let enc = EncodedVerifyingKey::<MlDsa44>::try_from(&ours.public()[..]).unwrap();
        assert_eq!(
            ml_dsa::VerifyingKey::<MlDsa44>::decode(&enc),
            theirs.verifying_key()
        );
    }
}

#[test]
fn key_generation_matches_nist_vectors() {
    // NIST ACVP ML-DSA-keyGen-FIPS204 vectors (ML-DSA-44), as shipped in the fips204 crate.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ml-dsa-44-keygen.json"),
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let tests = v["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 5);
    for t in tests {
        let seed: [u8; 32] = hex::decode(t["seed"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let pk = hex::decode(t["pk"].as_str().unwrap()).unwrap();
        assert_eq!(
            &MlDsa44Key::from_seed(&seed).public()[..],
            &pk[..],
            "tcId {}",
            t["tcId"]
        );
        assert_eq!(&rustcrypto(&seed).verifying_key().encode()[..], &pk[..]);
    }
}

#[test]
fn an_ml_dsa_cosignature_has_the_bytes_the_c2sp_spec_gives() {
    let (k, w) = pq_witness(3, "witness.example.com/pq");
    let n = note(20852163, 9);
    let line = cosign_ml_dsa_44(&n, &w.name, &k, 1679315147).unwrap();
    // Key id: SHA-256(name || '\n' || 0x06 || 1312-byte public key)[:4], computed here.
    let mut h = Sha256::new();
    h.update(b"witness.example.com/pq\n\x06");
    h.update(k.public());
    assert_eq!(line.id, h.finalize()[..4]);
    assert_eq!(line.signature.len(), 8 + 2420);
    assert_eq!(line.signature[..8], 1679315147u64.to_be_bytes());
    // The message, built here byte by byte from the spec's struct.
    let mut m = b"subtree/v1\n\0".to_vec();
    m.push(22);
    m.extend_from_slice(b"witness.example.com/pq");
    m.extend_from_slice(&1679315147u64.to_be_bytes());
    m.push(ORIGIN.len() as u8);
    m.extend_from_slice(ORIGIN.as_bytes());
    m.extend_from_slice(&0u64.to_be_bytes());
    m.extend_from_slice(&20852163u64.to_be_bytes());
    m.extend_from_slice(&[9; 32]);
    assert_eq!(
        cosignature::subtree_message(&w.name, 1679315147, &n).unwrap(),
        m
    );
    // RustCrypto's ml-dsa verifies it over that message.
    let sig =
        ml_dsa::Signature::<MlDsa44>::decode(&line.signature[8..].try_into().unwrap()).unwrap();
    rustcrypto(&[3; 32])
        .verifying_key()
        .verify(&m, &sig)
        .unwrap();
    // And the note, with the line, verifies and round-trips through its text.
    let mut cosigned = n.clone();
    cosigned.signatures.push(line);
    let parsed = SignedNote::parse(&cosigned.encode()).unwrap();
    assert_eq!(verify(&parsed, &w).unwrap(), 1679315147);
}

#[test]
fn an_ml_dsa_witness_key_round_trips_and_is_told_apart_from_ed25519() {
    let (_, w) = pq_witness(3, "ubkt.example/pq");
    let text = w.encode();
    let raw = B64.decode(text.splitn(3, '+').nth(2).unwrap()).unwrap();
    assert_eq!((raw[0], raw.len()), (0x06, 1313));
    let parsed = WitnessKey::parse(&text).unwrap();
    assert_eq!(parsed, w);
    assert!(parsed.is_post_quantum());
    let ed = WitnessKey::new("ubkt.example/ed", [5; 32]).unwrap();
    assert!(!WitnessKey::parse(&ed.encode()).unwrap().is_post_quantum());
    // A wrong key id, or a truncated key, is refused, saying why.
    let wrong_id = text.replacen(&hex::encode(w.id), "00000000", 1);
    let e = WitnessKey::parse(&wrong_id).unwrap_err();
    assert!(e.to_string().contains("does not match"), "{e}");
    let mut short = raw.clone();
    short.truncate(100);
    let e = WitnessKey::parse(&format!(
        "ubkt.example/pq+{}+{}",
        hex::encode(w.id),
        B64.encode(short)
    ))
    .unwrap_err();
    assert!(e.to_string().contains("1312-byte"), "{e}");
    assert!(e.vi().contains("khóa kiểm tra sai cấu trúc"), "{}", e.vi());
}

/// The refusals of §6: forged, moved to another checkpoint, under the other type's key.
#[test]
fn forged_moved_and_mistyped_ml_dsa_cosignatures_are_refused() {
    let (k, w) = pq_witness(3, "ubkt.example");
    let n = note(10, 1);
    let line = cosign_ml_dsa_44(&n, &w.name, &k, 1_780_000_000).unwrap();
    let with = |note: &SignedNote, line: NoteSignature| {
        let mut note = note.clone();
        note.signatures.push(line);
        note
    };
    assert!(verify(&with(&n, line.clone()), &w).is_ok());

    // Forged: one bit of the signature flipped; or the timestamp changed.
    let mut forged = line.clone();
    forged.signature[100] ^= 1;
    let e = verify(&with(&n, forged), &w).unwrap_err();
    assert!(matches!(e, NoteError::NotCosigned { .. }));
    assert!(e.to_string().contains("no valid cosignature"), "{e}");
    assert!(
        e.vi().contains("không có chữ ký đồng ký hợp lệ"),
        "{}",
        e.vi()
    );
    let mut retimed = line.clone();
    retimed.signature[7] ^= 1;
    assert!(verify(&with(&n, retimed), &w).is_err());

    // Moved: the same line on another checkpoint (another size, or another root).
    assert!(verify(&with(&note(11, 1), line.clone()), &w).is_err());
    assert!(verify(&with(&note(10, 2), line.clone()), &w).is_err());

    // Another cosigner name with the same key: the message commits to the name.
    let renamed = WitnessKey::ml_dsa_44("ubkt.other", k.public()).unwrap();
    let mut relabelled = line.clone();
    relabelled.name = renamed.name.clone();
    relabelled.id = renamed.id;
    assert!(verify(&with(&n, relabelled), &renamed).is_err());

    // Under a classical key type: the ML-DSA line put under an Ed25519 witness's name and id,
    // and an Ed25519 cosignature put under the ML-DSA key's name and id.
    let ed_key = SigningKey::from_bytes(&[4; 32]);
    let ed = WitnessKey::new("ubkt.example", ed_key.verifying_key().to_bytes()).unwrap();
    let mut as_ed = line.clone();
    as_ed.id = ed.id;
    assert!(verify(&with(&n, as_ed), &ed).is_err());
    let mut ed_line = cosign(&n, "ubkt.example", &ed_key, 1_780_000_000).unwrap();
    assert!(verify(&with(&n, ed_line.clone()), &ed).is_ok());
    ed_line.id = w.id;
    assert!(verify(&with(&n, ed_line), &w).is_err());
    // The log's own Ed25519 signature moved under the ML-DSA key's id verifies nothing either.
    let mut log_line = n.signatures[0].clone();
    log_line.name = w.name.clone();
    log_line.id = w.id;
    assert!(verify(&with(&n, log_line), &w).is_err());
}

#[test]
fn a_quorum_can_require_post_quantum_cosignatures() {
    let n = note(10, 1);
    let (k1, w1) = pq_witness(3, "ubkt.a");
    let (k2, w2) = pq_witness(4, "ubkt.b");
    let ed_key = SigningKey::from_bytes(&[5; 32]);
    let ed = WitnessKey::new("ubkt.c", ed_key.verifying_key().to_bytes()).unwrap();
    let mut cosigned = n.clone();
    cosigned
        .signatures
        .push(cosign_ml_dsa_44(&n, "ubkt.a", &k1, 1).unwrap());
    cosigned
        .signatures
        .push(cosign(&n, "ubkt.c", &ed_key, 1).unwrap());
    // The PQ-only policy of both ML-DSA witnesses fails with one of them missing...
    let keys = vec![w1.encode(), w2.encode()];
    let policy = WitnessPolicy::parse(&keys, Some(2)).unwrap();
    let e = policy.counts(&cosigned).unwrap_err();
    assert!(
        e.en.contains("1 of the trusted witnesses") && e.en.contains("ubkt.b"),
        "{e}"
    );
    let q = check_quorum(&cosigned, &policy.witnesses, 2).unwrap_err();
    assert!(q.vi().contains("cần 2"), "{}", q.vi());
    // ...and holds once the second cosigns; mixed policies count both types.
    cosigned
        .signatures
        .push(cosign_ml_dsa_44(&n, "ubkt.b", &k2, 2).unwrap());
    assert_eq!(policy.counts(&cosigned).unwrap(), vec!["ubkt.a", "ubkt.b"]);
    let mixed = WitnessPolicy::parse(&[w1.encode(), ed.encode()], Some(2)).unwrap();
    assert_eq!(mixed.counts(&cosigned).unwrap(), vec!["ubkt.a", "ubkt.c"]);
}

#[test]
fn ml_dsa_key_files_round_trip_and_are_not_taken_for_ed25519() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pq.key");
    let key = ledger::keys::generate_any("ml-dsa-44").unwrap();
    ledger::keys::write_any(&path, &key).unwrap();
    let back = ledger::keys::read_ml_dsa_44(&path).unwrap();
    assert_eq!(back.public().to_vec(), key.public_bytes());
    let e = ledger::keys::read(&path).unwrap_err();
    assert!(e.to_string().contains("ML-DSA-44"), "{e}");
    let ed = dir.path().join("ed.key");
    ledger::keys::write(&ed, &SigningKey::from_bytes(&[1; 32])).unwrap();
    assert!(ledger::keys::read_ml_dsa_44(&ed).is_err());
    // A damaged seed is caught by the stored public key.
    let text = std::fs::read_to_string(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let seed = v["seed"].as_str().unwrap();
    let flipped = if seed.starts_with('0') { "1" } else { "0" };
    let damaged = dir.path().join("damaged.key");
    std::fs::write(
        &damaged,
        text.replacen(seed, &format!("{flipped}{}", &seed[1..]), 1),
    )
    .unwrap();
    let e = ledger::keys::read_any(&damaged).unwrap_err();
    assert!(e.to_string().contains("damaged"), "{e}");
}

/// A ledger holding `log-ml-dsa-44.key` cosigns every checkpoint it signs; checkpoints signed
/// before it held one stay valid; the note as the log's Ed25519 key signed it (what a trusted
/// timestamp covers) leaves the cosignature out.
#[test]
fn a_ledger_with_an_ml_dsa_key_cosigns_its_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let authority = SigningKey::from_bytes(&[2; 32]);
    let log = SigningKey::from_bytes(&[1; 32]);
    let vkey = VerifierKey::new(ORIGIN, log.verifying_key().to_bytes()).unwrap();
    let genesis =
        ledger::compose::genesis(ORIGIN, "t", &authority, &[], &vkey, "qd190-2024", 1).unwrap();
    let l = ledger::Ledger::create(&path, genesis, log, ledger::Options::default()).unwrap();
    let before = l.sign_checkpoint().unwrap();
    assert!(l.log_pq_key().is_none());
    l.close().unwrap();

    let pq_key = MlDsa44Key::from_seed(&[8; 32]);
    ledger::keys::write_any(
        &path.join("log-ml-dsa-44.key"),
        &ledger::keys::AnyKey::MlDsa44(pq_key.clone()),
    )
    .unwrap();
    let l = ledger::Ledger::open(&path, ledger::Options::default()).unwrap();
    let pq = l.log_pq_key().unwrap().clone();
    assert_eq!(pq, WitnessKey::ml_dsa_44(ORIGIN, pq_key.public()).unwrap());
    let payload =
        serde_json::json!({"holder": "Văn phòng", "key": hex::encode([3u8; 32]), "reason": "thêm"});
    let event =
        ledger::compose::next_event(&l, "ledger", "authority.added", 1, 2, &authority, &payload)
            .unwrap();
    l.append(event.into_bytes()).unwrap();
    let after = l.sign_checkpoint().unwrap();
    assert_eq!(after.checkpoint.size, 2);
    assert_eq!(after.signatures.len(), 2);
    after.verify(&vkey).unwrap();
    verify(&after, &pq).unwrap();
    // The log's PQ key, given as a witness key, makes a policy that this checkpoint meets
    // and the earlier one (signed before the key was held) does not, though it stays valid.
    let policy = WitnessPolicy::parse(&[pq.encode()], None).unwrap();
    assert!(policy.counts(&after).is_ok());
    let stored_before = l.checkpoint_at(before.checkpoint.size).unwrap().unwrap();
    stored_before.verify(&vkey).unwrap();
    assert!(policy.counts(&stored_before).is_err());
    // What a timestamp covers: the body and the log's Ed25519 line only.
    let signed = after.log_signed();
    assert_eq!(signed.signatures, vec![after.signatures[0].clone()]);
    assert!(!signed.encode().contains(&after.signatures[1].line()));
    // The stored note (re-read) carries the cosignature too.
    let stored = l.checkpoint_at(2).unwrap().unwrap();
    verify(&stored, &pq).unwrap();
    l.close().unwrap();
}
