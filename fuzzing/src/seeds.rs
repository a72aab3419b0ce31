//! Valid inputs for every target, from the demo scenarios: the mutations start from these so
//! that they reach past the first check of each parser.

use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use ledger::format::cosignature::{self, WitnessKey};
use ledger::format::encoding::MAX_EVENT_BYTES;
use ledger::format::entry::push_entries_bin;
use ledger::scenarios::{demo_key, hai_duong_2020, irregular_2025};
use ledger::storage::frame;
use ledger::{Entry, SignedEvent, SignedNote, VerifierKey};

pub struct Seeds {
    pub events: Vec<Vec<u8>>,
    pub entries: Vec<Vec<u8>>,
    /// Runs of frames as they sit in a segment after its header.
    pub frames: Vec<Vec<u8>>,
    /// `entries.bin` of archive bags: each entry behind its u64 length.
    pub entries_bins: Vec<Vec<u8>>,
    pub notes: Vec<String>,
    pub keys: Vec<String>,
    /// Kind and payload of every kind the scenarios use.
    pub payloads: Vec<(String, Vec<u8>)>,
    /// The log key of `notes` and the witness that cosigned them.
    pub log_key: VerifierKey,
    pub witness: WitnessKey,
}

/// Built once per process: signing the scenarios takes a moment in a debug build.
pub fn seeds() -> &'static Seeds {
    static SEEDS: OnceLock<Seeds> = OnceLock::new();
    SEEDS.get_or_init(build)
}

fn scenario_events() -> Vec<SignedEvent> {
    let mut events = Vec::new();
    for built in [hai_duong_2020::build(), irregular_2025::build()] {
        match built {
            Ok(s) => events.extend(s.events),
            Err(e) => panic!("a demo scenario no longer builds: {e}"),
        }
    }
    events
}

fn build() -> Seeds {
    let events = scenario_events();
    let entries: Vec<Vec<u8>> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            Entry {
                position: i as u64,
                received: 1_591_000_000_000 + i as i64,
                event: e.clone(),
            }
            .encode()
        })
        .collect();
    let frames = entries
        .chunks(3)
        .map(|group| {
            let mut out = Vec::new();
            for e in group {
                frame::encode(e, &mut out);
            }
            out
        })
        .collect();
    let entries_bins = entries
        .chunks(2)
        .map(|group| {
            let mut out = Vec::new();
            for e in group {
                push_entries_bin(&mut out, e);
            }
            out
        })
        .collect();

    let log = demo_key("fuzzing/log");
    let witness_key = demo_key("fuzzing/witness");
    let origin = "ledger.fuzz.vn/seeds";
    let log_vkey = vkey(origin, &log);
    let witness = match WitnessKey::new("ubkt.fuzz.vn", witness_key.verifying_key().to_bytes()) {
        Ok(w) => w,
        Err(e) => panic!("the seed witness name is refused: {e}"),
    };
    let mut tree = ledger::format::merkle::MemoryTree::new();
    let mut notes = Vec::new();
    for (i, e) in entries.iter().enumerate().take(5) {
        tree.push(Entry::leaf_hash(e));
        let checkpoint = ledger::format::Checkpoint::new(origin, i as u64 + 1, tree.root());
        let mut note = match SignedNote::sign(checkpoint, &log) {
            Ok(n) => n,
            Err(e) => panic!("signing a seed note: {e}"),
        };
        notes.push(note.encode());
        match cosignature::cosign(&note, &witness.name, &witness_key, 1_700_000_000 + i as u64) {
            Ok(line) => note.signatures.push(line),
            Err(e) => panic!("cosigning a seed note: {e}"),
        }
        notes.push(note.encode());
    }
    let keys = vec![
        log_vkey.encode(),
        witness.encode(),
        vkey("ubkt.tinhuy-haiduong.vn", &witness_key).encode(),
    ];

    let mut payloads: Vec<(String, Vec<u8>)> = Vec::new();
    for e in &events {
        let body = e.body();
        if payloads.iter().filter(|(k, _)| *k == body.kind).count() < 3 {
            payloads.push((body.kind.clone(), body.payload.clone()));
        }
    }
    Seeds {
        events: events.into_iter().map(SignedEvent::into_bytes).collect(),
        entries,
        frames,
        entries_bins,
        notes,
        keys,
        payloads,
        log_key: log_vkey,
        witness,
    }
}

fn vkey(name: &str, key: &SigningKey) -> VerifierKey {
    match VerifierKey::new(name, key.verifying_key().to_bytes()) {
        Ok(k) => k,
        Err(e) => panic!("the seed key name `{name}` is refused: {e}"),
    }
}

/// Offsets of the u64 length prefixes in a signed event (ledger, stream, kind, payload): where
/// a hostile length does the most harm. Empty if the bytes are not an event.
pub fn event_length_fields(bytes: &[u8]) -> Vec<usize> {
    let Ok(event) = SignedEvent::decode_structure(bytes.to_vec()) else {
        return Vec::new();
    };
    let b = event.body();
    let ledger = 2;
    let stream = ledger + 8 + b.ledger.len();
    let kind = stream + 8 + b.stream.len() + 8 + 32;
    let payload = kind + 8 + b.kind.len() + 2 + 8 + 32;
    vec![ledger, stream, kind, payload]
}

/// The length fields of an entry: the event's own, and those inside it.
pub fn entry_length_fields(bytes: &[u8]) -> Vec<usize> {
    let inner = bytes.get(24..).map(event_length_fields).unwrap_or_default();
    std::iter::once(16)
        .chain(inner.into_iter().map(|at| at + 24))
        .collect()
}

/// The length fields of a run of frames (u32 at the start of each header; they also carry a
/// checksum, which a hostile length must get past to matter, so some are rewritten with it).
pub fn frame_length_fields(bytes: &[u8]) -> Vec<usize> {
    let mut fields = Vec::new();
    let mut at = 0;
    while let frame::Found::Frame { end, .. } = frame::read(bytes, at, MAX_EVENT_BYTES + 24) {
        fields.push(at);
        at = end;
    }
    fields
}

/// The u64 length before each entry of an `entries.bin`.
pub fn entries_bin_length_fields(bytes: &[u8]) -> Vec<usize> {
    let mut fields = Vec::new();
    let mut at = 0usize;
    while let Some(len) = at.checked_add(8).and_then(|end| bytes.get(at..end)) {
        fields.push(at);
        let mut n = [0u8; 8];
        n.copy_from_slice(len);
        at = match usize::try_from(u64::from_le_bytes(n))
            .ok()
            .and_then(|n| n.checked_add(8))
            .and_then(|n| at.checked_add(n))
        {
            Some(next) => next,
            None => break,
        };
    }
    fields
}
