//! Witness cosignatures (C2SP tlog-cosignature/v1, Ed25519): the bytes, and who counts.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
use ledger::format::checkpoint::{NoteError, NoteSignature};
use ledger::format::cosignature::{check_quorum, cosign, verify};
use ledger::format::{Checkpoint, SignedNote, VerifierKey, WitnessKey};
use ledger::Hash;
use sha2::{Digest, Sha256};

const ORIGIN: &str = "example.com/behind-the-sofa";

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn witness(seed: u8, name: &str) -> (SigningKey, WitnessKey) {
    let k = key(seed);
    let w = WitnessKey::new(name, k.verifying_key().to_bytes()).unwrap();
    (k, w)
}

/// The checkpoint of the C2SP example, signed by a log key of ours.
fn note() -> SignedNote {
    let root: [u8; 32] = B64
        .decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
        .unwrap()
        .try_into()
        .unwrap();
    SignedNote::sign(Checkpoint::new(ORIGIN, 20852163, Hash(root)), &key(1)).unwrap()
}

#[test]
fn a_cosignature_has_the_bytes_the_c2sp_spec_gives() {
    let (k, w) = witness(2, "witness.example.com/w1");
    let line = cosign(&note(), &w.name, &k, 1679315147).unwrap();
    // Key id: SHA-256(name || '\n' || 0x04 || public key)[:4], computed here independently.
    let mut h = Sha256::new();
    h.update(b"witness.example.com/w1\n\x04");
    h.update(k.verifying_key().to_bytes());
    assert_eq!(line.id, h.finalize()[..4]);
    // Then the timestamp, big-endian, and an Ed25519 signature over the spec's message.
    assert_eq!(line.signature.len(), 72);
    assert_eq!(line.signature[..8], 1679315147u64.to_be_bytes());
    let message = "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    let signature = Signature::from_slice(&line.signature[8..]).unwrap();
    k.verifying_key()
        .verify(message.as_bytes(), &signature)
        .unwrap();
    // The spec's own example line has the same layout: its bytes 4..12 are that timestamp.
    let example = "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==";
    let raw = B64.decode(example).unwrap();
    assert_eq!(raw.len(), 4 + 72);
    assert_eq!(
        u64::from_be_bytes(raw[4..12].try_into().unwrap()),
        1679315147
    );
}

#[test]
fn a_cosigned_note_survives_its_text_and_both_signatures_verify() {
    let mut n = note();
    let (k, w) = witness(2, "ubkt.tinhuy-haiduong.vn");
    n.signatures
        .push(cosign(&n, &w.name, &k, 1_780_000_000).unwrap());
    let parsed = SignedNote::parse(&n.encode()).unwrap();
    assert_eq!(parsed, n);
    assert_eq!(verify(&parsed, &w), Ok(1_780_000_000));
    let log = VerifierKey::new(ORIGIN, key(1).verifying_key().to_bytes()).unwrap();
    parsed.verify(&log).unwrap();
    // Keys travel as text; a witness key is not a log key, nor the reverse.
    assert_eq!(WitnessKey::parse(&w.encode()), Ok(w.clone()));
    assert!(matches!(
        VerifierKey::parse(&w.encode()),
        Err(NoteError::BadKey(_))
    ));
    assert!(matches!(
        WitnessKey::parse(&log.encode()),
        Err(NoteError::BadKey(_))
    ));
}

#[test]
fn a_cosignature_vouches_for_its_checkpoint_only() {
    let n = note();
    let (k, w) = witness(2, "ubkt.tinhuy-haiduong.vn");
    let line = cosign(&n, &w.name, &k, 1_780_000_000).unwrap();
    // Moved onto another checkpoint of the same log (a fork), it does not verify.
    let mut fork =
        SignedNote::sign(Checkpoint::new(ORIGIN, 20852163, Hash([9u8; 32])), &key(1)).unwrap();
    fork.signatures.push(line.clone());
    assert!(matches!(
        verify(&fork, &w),
        Err(NoteError::NotCosigned { .. })
    ));
    // Nor with its time changed, nor under another witness's key.
    let mut retimed = n.clone();
    let mut changed = line.clone();
    changed.signature[7] ^= 1;
    retimed.signatures.push(changed);
    assert!(verify(&retimed, &w).is_err());
    let mut cosigned = n.clone();
    cosigned.signatures.push(line);
    let (_, other) = witness(3, "ubkt.tinhuy-haiduong.vn");
    assert!(verify(&cosigned, &other).is_err());
    // The log's own signature, made with the same key bytes, is not a cosignature.
    let (_, log_as_witness) = witness(1, ORIGIN);
    assert!(verify(&n, &log_as_witness).is_err());
}

#[test]
fn timestamps_past_the_spec_limit_are_refused() {
    let n = note();
    let (k, w) = witness(2, "ubkt.tinhuy-haiduong.vn");
    assert!(cosign(&n, &w.name, &k, 1 << 63).is_err());
    // A validly signed line with such a time, made by hand, does not count either.
    let time = 1u64 << 63;
    let message = format!("cosignature/v1\ntime {time}\n{}", n.checkpoint.body());
    let mut bytes = time.to_be_bytes().to_vec();
    bytes.extend_from_slice(&k.sign(message.as_bytes()).to_bytes());
    let mut crafted = n.clone();
    crafted.signatures.push(NoteSignature {
        name: w.name.clone(),
        id: w.id,
        signature: bytes,
    });
    assert!(verify(&crafted, &w).is_err());
}

#[test]
fn a_quorum_counts_distinct_trusted_witnesses() {
    let mut n = note();
    let (k1, w1) = witness(2, "ubkt.tinhuy-haiduong.vn");
    let (k2, w2) = witness(3, "ubkt.trunguong.vn");
    let (_, w3) = witness(4, "vanphong.tinhuy-haiduong.vn");
    n.signatures
        .push(cosign(&n, &w1.name, &k1, 1_780_000_000).unwrap());
    n.signatures
        .push(cosign(&n, &w2.name, &k2, 1_780_000_100).unwrap());
    // An untrusted cosigner's line is ignored, whatever it says.
    let (k9, w9) = witness(9, "someone.example");
    n.signatures
        .push(cosign(&n, &w9.name, &k9, 1_780_000_200).unwrap());

    let trusted = [w1.clone(), w2.clone(), w3.clone()];
    let names: Vec<&str> = check_quorum(&n, &trusted, 2)
        .unwrap()
        .iter()
        .map(|w| w.name.as_str())
        .collect();
    assert_eq!(names, ["ubkt.tinhuy-haiduong.vn", "ubkt.trunguong.vn"]);
    match check_quorum(&n, &trusted, 3) {
        Err(NoteError::Quorum {
            needed: 3,
            found: 2,
            missing,
        }) => assert_eq!(missing, ["vanphong.tinhuy-haiduong.vn"]),
        other => panic!("expected a quorum failure, got {other:?}"),
    }
    // One witness named twice is still one witness.
    assert!(check_quorum(&n, &[w1.clone(), w1], 2).is_err());
    assert!(check_quorum(&n, &[w3], 0).is_ok());
}
