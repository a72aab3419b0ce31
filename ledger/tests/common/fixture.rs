//! A small ledger with enrolled keys, for engine tests.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use ledger::compose;
use ledger::crypto::signing_key_from_seed;
use ledger::{Ledger, Options, SignedEvent, VerifierKey};
use serde_json::{json, Value};

pub const ORIGIN: &str = "ledger.test.vn/engine";
pub const T0: i64 = 1_590_000_000_000;

pub struct Keys {
    pub authority: SigningKey,
    pub log: SigningKey,
    pub presidium: SigningKey,
    pub counting: SigningKey,
    pub outsider: SigningKey,
}

pub fn keys() -> Keys {
    Keys {
        authority: signing_key_from_seed(&[1; 32]),
        log: signing_key_from_seed(&[2; 32]),
        presidium: signing_key_from_seed(&[4; 32]),
        counting: signing_key_from_seed(&[5; 32]),
        outsider: signing_key_from_seed(&[9; 32]),
    }
}

pub const CONGRESS: &str = "congress/hd.test/2020-2025";

pub fn log_vkey(k: &Keys) -> VerifierKey {
    VerifierKey::new(ORIGIN, k.log.verifying_key().to_bytes()).unwrap()
}

/// Creates a ledger with the presidium and counting keys enrolled for `CONGRESS`.
pub fn create(dir: &Path, options: Options) -> (Ledger, Keys) {
    let k = keys();
    let genesis = compose::genesis(
        ORIGIN,
        "Sổ cái thử nghiệm",
        &k.authority,
        &[],
        &log_vkey(&k),
        "qd244-2014",
        T0,
    )
    .unwrap();
    let ledger = Ledger::create(dir, genesis, k.log.clone(), options).unwrap();
    for (key, holder, role) in [
        (&k.presidium, "Đoàn Chủ tịch", "presidium"),
        (&k.counting, "Ban Kiểm phiếu", "counting"),
    ] {
        let payload = compose::enrollment(
            &key.verifying_key().to_bytes(),
            holder,
            &[role],
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
            &k.authority,
            &payload,
        )
        .unwrap();
        ledger.append(e.into_bytes()).unwrap();
    }
    (ledger, k)
}

/// A `session.opened` payload; sessions count from 1.
pub fn session(n: u64) -> Value {
    json!({"session": n + 1, "present": 297})
}

/// The next `session.opened` in `stream`, signed by the presidium.
pub fn next(ledger: &Ledger, k: &Keys, stream: &str, n: u64) -> SignedEvent {
    compose::next_event(
        ledger,
        stream,
        "session.opened",
        1,
        T0 + n as i64,
        &k.presidium,
        &session(n),
    )
    .unwrap()
}

pub fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    files.sort();
    files
}

/// Every byte of the log's segments, concatenated in order.
pub fn log_bytes(dir: &Path) -> Vec<u8> {
    segment_files(dir)
        .iter()
        .flat_map(|p| std::fs::read(p).unwrap())
        .collect()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for item in std::fs::read_dir(from).unwrap() {
        let item = item.unwrap();
        let target = to.join(item.file_name());
        if item.file_type().unwrap().is_dir() {
            copy_dir(&item.path(), &target);
        } else {
            std::fs::copy(item.path(), &target).unwrap();
        }
    }
}
