//! The log published as C2SP tlog-tiles, checked by an implementation we did not write
//! (Cloudflare's `tlog_tiles`, a port of Go's sumdb/tlog) and read back from tiles alone.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::fixture::{create, log_vkey, next, CONGRESS};
use ledger::engine::AppendError;
use ledger::format::merkle;
use ledger::tiles::publish::publish;
use ledger::tiles::read::TileLog;
use ledger::tiles::{self, DirStore, TileError, TileStore};
use ledger::verify::integrity::VerifyOptions;
use ledger::{Ledger, Options};
use tlog_tiles::{TileHashReader, TileReader};

/// Reads our C2SP tiles for `tlog_tiles`, whose paths carry the height (`tile/8/L/N`).
struct Mapped<'a>(&'a Path);

impl TileReader for Mapped<'_> {
    fn height(&self) -> u8 {
        8
    }
    fn read_tiles(&self, tiles: &[tlog_tiles::Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| {
                let path = t.path();
                let c2sp = path.strip_prefix("tile/8/").expect("height 8");
                std::fs::read(self.0.join("tile").join(c2sp))
                    .map_err(|_| tlog_tiles::Error::InvalidTile)
            })
            .collect()
    }
    fn save_tiles(&self, _: &[tlog_tiles::Tile], _: &[Vec<u8>]) {}
}

fn grow(ledger: &Ledger, k: &common::fixture::Keys, to: u64) {
    let mut n = ledger.stream(CONGRESS, 0, usize::MAX).unwrap().len() as u64;
    while ledger.size() < to {
        ledger
            .append(next(ledger, k, CONGRESS, n).bytes().to_vec())
            .unwrap();
        n += 1;
    }
}

/// Every file under `dir`, by path, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for item in std::fs::read_dir(&d).unwrap() {
            let p = item.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn published_tiles_check_out_with_tlog_tiles_and_grow_without_rewriting() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    let out = dir.path().join("tiles");
    let store = DirStore::new(&out);
    let mut before: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut old = 0;
    for size in [5u64, 300, 513, 700] {
        grow(&ledger, &k, size);
        let note = ledger.sign_checkpoint().unwrap();
        assert_eq!(note.checkpoint.size, size);
        let done = publish(&ledger, &store, &note).unwrap();
        assert_eq!((done.from, done.size), (old, size));
        let now = files(&out);

        // Exactly the tiles tlog_tiles says a tree of this size adds, at C2SP's paths.
        let expected: Vec<String> = tlog_tiles::Tile::new_tiles(8, old, size)
            .iter()
            .map(|t| t.path().replacen("tile/8/", "tile/", 1))
            .collect();
        let ours: Vec<String> = tiles::new_tiles(old, size)
            .iter()
            .map(|t| t.path())
            .collect();
        assert_eq!(ours, expected);
        for path in &expected {
            assert!(now.contains_key(path), "{path} missing at size {size}");
        }
        // Nothing written before changes, but the checkpoint.
        for (path, bytes) in &before {
            if path != "checkpoint" {
                assert_eq!(now.get(path), Some(bytes), "{path} changed");
            }
        }
        assert_eq!(now["checkpoint"], note.encode().into_bytes());

        // tlog_tiles recomputes the root from our tiles and checks proofs from them.
        let root = tlog_tiles::Hash(note.checkpoint.root.0);
        let reader = Mapped(&out);
        let hashes = TileHashReader::new(size, root, &reader);
        assert_eq!(tlog_tiles::tree_hash(size, &hashes).unwrap(), root);
        for i in [0, size / 2, size - 1] {
            let proof = tlog_tiles::prove_record(size, i, &hashes).unwrap();
            let entry = ledger.entry_bytes(i).unwrap().unwrap();
            tlog_tiles::check_record(&proof, size, root, i, tlog_tiles::record_hash(&entry))
                .unwrap();
            let ours = ledger.inclusion_proof(i, size).unwrap().unwrap();
            assert_eq!(
                ours.iter().map(|h| h.0).collect::<Vec<_>>(),
                proof.iter().map(|h| h.0).collect::<Vec<_>>()
            );
        }
        if old > 0 {
            let proof = tlog_tiles::prove_tree(size, old, &hashes).unwrap();
            let old_root = tlog_tiles::Hash(ledger.root_at(old).unwrap().unwrap().0);
            tlog_tiles::check_tree(&proof, size, root, old, old_root).unwrap();
        }
        // Bundles hold the entries, each behind a big-endian u16 length.
        let bundle = &now[&tiles::bundle_path(0, size.min(256))];
        let first = ledger.entry_bytes(0).unwrap().unwrap();
        assert_eq!(&bundle[..2], &(first.len() as u16).to_be_bytes());
        assert_eq!(&bundle[2..2 + first.len()], &first[..]);

        before = now;
        old = size;
    }

    // Publishing again at the same checkpoint writes nothing new.
    let note = ledger.sign_checkpoint().unwrap();
    let again = publish(&ledger, &store, &note).unwrap();
    assert_eq!((again.bundles, again.tiles), (0, 0));
}

#[test]
fn a_published_log_verifies_from_tiles_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    grow(&ledger, &k, 600);
    let note = ledger.sign_checkpoint().unwrap();
    let out = dir.path().join("tiles");
    publish(&ledger, &DirStore::new(&out), &note).unwrap();
    let expected_proof = ledger.inclusion_proof(417, 600).unwrap().unwrap();
    let expected_consistency = ledger.consistency_proof(300, 600).unwrap().unwrap();
    drop(ledger);
    std::fs::remove_dir_all(dir.path().join("l")).unwrap();

    let cache = dir.path().join("cache");
    let open = || {
        TileLog::open(
            Box::new(DirStore::new(&out)),
            Some(DirStore::new(&cache)),
            log_vkey(&k),
        )
        .unwrap()
    };
    let log = open();
    let report = ledger::verify::ledger(&log, &VerifyOptions::default()).unwrap();
    assert!(report.integrity.ok, "{report:?}");
    assert_eq!(report.integrity.entries, 600);
    assert!(log.check_tiles().unwrap() >= 4);
    assert_eq!(log.inclusion_proof(417).unwrap(), expected_proof);
    assert_eq!(log.consistency_proof(300).unwrap(), expected_consistency);
    let proof = log.inclusion_proof(417).unwrap();
    let leaf = merkle::leaf_hash(&log.entry_bytes(417).unwrap().unwrap());
    merkle::verify_inclusion(&leaf, 417, 600, &proof, &note.checkpoint.root).unwrap();

    // Warm: everything but the checkpoint comes from the cache.
    let warm = open();
    warm.check_tiles().unwrap();
    assert_eq!(warm.fetched.load(std::sync::atomic::Ordering::Relaxed), 0);
}

#[test]
fn tampered_tiles_and_foreign_checkpoints_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    grow(&ledger, &k, 300);
    let note = ledger.sign_checkpoint().unwrap();
    let out = dir.path().join("tiles");
    let store = DirStore::new(&out);
    publish(&ledger, &store, &note).unwrap();
    let open = |key| TileLog::open(Box::new(DirStore::new(&out)), None, key);

    // A byte of an entry changed: the log no longer verifies, naming the entry.
    let path = tiles::bundle_path(1, 44);
    let clean = store.get(&path).unwrap().unwrap();
    let mut bad = clean.clone();
    let n = bad.len();
    bad[n - 5] ^= 1;
    store.put(&path, &bad).unwrap();
    let report =
        ledger::verify::ledger(&open(log_vkey(&k)).unwrap(), &VerifyOptions::default()).unwrap();
    assert!(!report.integrity.ok);
    assert!(open(log_vkey(&k)).unwrap().check_tiles().is_err());
    store.put(&path, &clean).unwrap();

    // A hash tile changed: the tiles no longer match their entries.
    let tile = tiles::tile_path(0, 0, 256);
    let mut hashes = store.get(&tile).unwrap().unwrap();
    hashes[40] ^= 1;
    store.put(&tile, &hashes).unwrap();
    let err = open(log_vkey(&k)).unwrap().check_tiles().unwrap_err();
    assert!(err.to_string().contains("tile/0/000"), "{err}");

    // A checkpoint not signed by the pinned key is refused before anything is read.
    let stranger = ledger::VerifierKey::new(
        common::fixture::ORIGIN,
        ledger::crypto::signing_key_from_seed(&[7; 32])
            .verifying_key()
            .to_bytes(),
    )
    .unwrap();
    assert!(matches!(open(stranger), Err(TileError::Bad { .. })));

    // Publishing into a bucket holding a larger checkpoint of this log is refused.
    let empty = tempfile::tempdir().unwrap();
    let (other, k2) = create(&empty.path().join("l"), Options::default());
    grow(&other, &k2, 4);
    let small = other.sign_checkpoint().unwrap();
    assert!(matches!(
        publish(&other, &store, &small),
        Err(TileError::Conflict(_))
    ));
}

#[test]
fn new_events_are_limited_to_what_a_bundle_frames() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, _) = create(&dir.path().join("l"), Options::default());
    let size = ledger.size();
    let err = ledger.append(vec![b' '; 65_512]).unwrap_err();
    assert!(
        matches!(
            err,
            AppendError::TooLarge {
                bytes: 65_512,
                limit: 65_511
            }
        ),
        "{err}"
    );
    assert_eq!(ledger.size(), size);
}

/// A log written under the old 1 MiB limit may hold an entry that tlog-tiles cannot frame:
/// `publish` refuses it, naming the entry, and writes nothing.
#[test]
fn publishing_refuses_a_log_holding_an_entry_over_what_a_bundle_frames() {
    let dir = tempfile::tempdir().unwrap();
    let k = common::fixture::keys();
    // The genesis is written by `create` itself, not appended: an old ledger's long title.
    let genesis = ledger::compose::genesis(
        common::fixture::ORIGIN,
        &"Sổ cái ".repeat(12_000),
        &k.authority,
        &[],
        &log_vkey(&k),
        "qd244-2014",
        common::fixture::T0,
    )
    .unwrap();
    let ledger = Ledger::create(
        &dir.path().join("l"),
        genesis,
        k.log.clone(),
        Options::default(),
    )
    .unwrap();
    let note = ledger.sign_checkpoint().unwrap();
    let out = dir.path().join("tiles");
    let err = publish(&ledger, &DirStore::new(&out), &note).unwrap_err();
    assert!(
        matches!(err, TileError::TooLarge { position: 0, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("entry 0"), "{err}");
    assert!(
        !out.join("checkpoint").exists(),
        "no checkpoint published for a log that cannot be"
    );
}
