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

pub mod fixture;
