//! Loading the test vectors (copied from the spec into `tests/data/vectors`).
#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::Value;

pub fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

pub fn hash(v: &Value) -> ledger::Hash {
    ledger::Hash::from_slice(&hex(v)).expect("32-byte hash")
}

pub fn seed(events: &Value, signer: &str) -> ed25519_dalek::SigningKey {
    let bytes = hex(&events["keys"][signer]["seed_hex"]);
    let seed: [u8; 32] = bytes.try_into().expect("32-byte seed");
    ledger::crypto::signing_key_from_seed(&seed)
}

pub mod congress;
pub mod fixture;

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};

fn wide(parts: &[&[u8]]) -> Scalar {
    let mut h = Sha512::new();
    for p in parts {
        h.update(p);
    }
    let mut out = [0u8; 64];
    out.copy_from_slice(&h.finalize());
    Scalar::from_bytes_mod_order_wide(&out)
}

/// An Ed25519 signer working on the scalar directly, so that a test can sign as a dishonest
/// key holder would: with `torsion`, the nonce point `R` carries a point of order 2, which
/// satisfies the equation up to torsion; `verify_strict` refuses such a signature (it compares
/// `R` exactly), and so must everything that claims to verify strictly.
pub struct RawSigner {
    secret: Scalar,
    pub public: [u8; 32],
}

impl RawSigner {
    pub fn new(label: &[u8]) -> RawSigner {
        let secret = wide(&[label]);
        RawSigner {
            secret,
            public: (ED25519_BASEPOINT_POINT * secret).compress().to_bytes(),
        }
    }

    pub fn sign(&self, message: &[u8], torsion: bool) -> [u8; 64] {
        let r = wide(&[b"nonce", message]);
        let mut nonce = ED25519_BASEPOINT_POINT * r;
        if torsion {
            nonce += EIGHT_TORSION[4];
        }
        let big_r = nonce.compress().to_bytes();
        let k = wide(&[&big_r, &self.public, message]);
        let s = r + k * self.secret;
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&big_r);
        sig[32..].copy_from_slice(&s.to_bytes());
        sig
    }

    /// A signed event over `body` (whose signer must be this key).
    pub fn sign_event(&self, body: &ledger::EventBody, torsion: bool) -> Vec<u8> {
        let mut bytes = body.encode().expect("a valid body");
        let sig = self.sign(&ledger::format::event::signed_message(&bytes), torsion);
        bytes.extend_from_slice(&sig);
        bytes
    }
}
