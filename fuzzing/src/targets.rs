//! The byte-level targets. Each feeds its input to the library's parser and checks what comes
//! back: a value that decodes must re-encode to the same bytes (the format is canonical), keep
//! its hash, and verify only if it is one of the seeds (a mutation cannot forge a signature).

use ledger::domain::{self, schemas};
use ledger::format::cosignature::{self, WitnessKey};
use ledger::format::encoding::MAX_ENTRY_BYTES;
use ledger::format::entry::split_entries_bin;
use ledger::format::json;
use ledger::format::Checkpoint;
use ledger::storage::frame::{self, Found, HEADER_LEN};
use ledger::{Entry, Hash, SignedEvent, SignedNote, VerifierKey};

use crate::seeds::seeds;
use crate::Outcome;

/// §2 signed events.
pub fn event(data: &[u8]) -> Outcome {
    let result = SignedEvent::decode(data.to_vec());
    if let Ok(event) = &result {
        check_event(event, data);
    }
    Outcome::of(&result)
}

fn check_event(event: &SignedEvent, data: &[u8]) {
    assert_eq!(event.bytes(), data, "a decoded event keeps its bytes");
    assert_eq!(
        event.hash(),
        Hash::of(data),
        "the event hash is of its bytes"
    );
    match event.body().encode() {
        Ok(body) => assert_eq!(body, event.body_bytes(), "the body is canonical"),
        Err(e) => panic!("a decoded body does not encode: {e}"),
    }
    if event.verify_signature().is_ok() {
        assert!(
            seeds().events.iter().any(|s| s == data),
            "a mutated event verifies: {}",
            hex::encode(data)
        );
    }
}

/// §3 entries.
pub fn entry(data: &[u8]) -> Outcome {
    let result = Entry::decode(data);
    if let Ok(entry) = &result {
        assert_eq!(entry.encode(), data, "an entry is canonical");
        check_event(&entry.event, entry.event.bytes());
        assert_eq!(
            Entry::decode_structure(data).as_ref(),
            Ok(entry),
            "the structural decoding agrees"
        );
    }
    Outcome::of(&result)
}

/// §5 `entries.bin`: u64-length-prefixed entries.
pub fn entries_bin(data: &[u8]) -> Outcome {
    let mut consumed = 0usize;
    let mut failed = false;
    for part in split_entries_bin(data) {
        assert!(!failed, "the splitter yields nothing after an error");
        match part {
            Ok(bytes) => {
                consumed += 8 + bytes.len();
                assert!(consumed <= data.len());
                assert!(bytes.len() <= MAX_ENTRY_BYTES);
                entry(bytes);
            }
            Err(_) => failed = true,
        }
    }
    if failed {
        Outcome::Refused
    } else {
        assert_eq!(consumed, data.len(), "a clean split covers every byte");
        Outcome::Accepted
    }
}

/// Segment frames (`storage/frame.rs`), read one after another as recovery reads them.
pub fn frames(data: &[u8]) -> Outcome {
    let mut at = 0;
    loop {
        match frame::read(data, at, MAX_ENTRY_BYTES) {
            Found::Frame { start, end } => {
                assert_eq!(start, at + HEADER_LEN);
                assert!(start <= end && end <= data.len() && end - start <= MAX_ENTRY_BYTES);
                let stored =
                    u32::from_le_bytes([data[at + 8], data[at + 9], data[at + 10], data[at + 11]]);
                assert_eq!(crc32c::crc32c(&data[start..end]), stored);
                entry(&data[start..end]);
                at = end;
            }
            Found::End => return Outcome::Accepted,
            Found::Torn | Found::Corrupt(_) => return Outcome::Refused,
        }
    }
}

/// §3.2 checkpoint notes (signed notes, with cosignatures).
pub fn note(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Refused;
    };
    let _ = Checkpoint::parse_body(text);
    let result = SignedNote::parse(text);
    if let Ok(note) = &result {
        assert_eq!(note.encode(), text, "a note is canonical");
        let s = seeds();
        let seed_bodies = || {
            s.notes
                .iter()
                .any(|n| SignedNote::parse(n).is_ok_and(|seed| seed.checkpoint == note.checkpoint))
        };
        if note.verify(&s.log_key).is_ok() {
            assert!(seed_bodies(), "a mutated note verifies: {text:?}");
        }
        if cosignature::verify(note, &s.witness).is_ok() {
            assert!(seed_bodies(), "a mutated note is cosigned: {text:?}");
        }
        let _ = cosignature::check_quorum(note, std::slice::from_ref(&s.witness), 1);
    }
    Outcome::of(&result)
}

/// Verifier keys (log keys) and witness keys, `name+keyid+base64`.
pub fn key(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Refused;
    };
    // The key id's hex digits may come in either case (as the C2SP reference reads them);
    // everything else must be written back exactly.
    let canonical = || {
        let mut parts = text.trim().splitn(3, '+');
        let (name, id, key) = (parts.next(), parts.next(), parts.next());
        format!(
            "{}+{}+{}",
            name.unwrap_or_default(),
            id.unwrap_or_default().to_ascii_lowercase(),
            key.unwrap_or_default()
        )
    };
    let log = VerifierKey::parse(text);
    if let Ok(k) = &log {
        assert_eq!(k.encode(), canonical(), "a verifier key is canonical");
        assert_eq!(VerifierKey::parse(&k.encode()).as_ref(), Ok(k));
    }
    let witness = WitnessKey::parse(text);
    if let Ok(k) = &witness {
        assert_eq!(k.encode(), canonical(), "a witness key is canonical");
        assert_eq!(WitnessKey::parse(&k.encode()).as_ref(), Ok(k));
    }
    if log.is_ok() || witness.is_ok() {
        Outcome::Accepted
    } else {
        Outcome::Refused
    }
}

/// A payload of `kind`, as an append checks it: the §2.1 rule, then the kind's JSON Schema at
/// each of its versions; what passes both must decode into the kind's Rust type (an older
/// version upcast), which projections and rules read.
pub fn payload_of(kind: &str, bytes: &[u8]) -> Outcome {
    if json::check_object(bytes).is_err() {
        return Outcome::Refused;
    }
    let mut outcome = Outcome::Refused;
    for version in 1..=domain::latest_schema(kind).unwrap_or(1) {
        if schemas::validate(kind, version, bytes).is_err() {
            continue;
        }
        if let Err(e) = domain::decode(kind, version, bytes) {
            panic!(
                "a payload of {kind} passes its schema {version} but not its type: {e}\n{}",
                String::from_utf8_lossy(bytes)
            );
        }
        outcome = Outcome::Accepted;
    }
    outcome
}

/// [`payload_of`] for raw input: the first byte picks the kind.
pub fn payload(data: &[u8]) -> Outcome {
    let Some((&pick, rest)) = data.split_first() else {
        return Outcome::Refused;
    };
    let kinds = ledger::catalogue::KINDS;
    payload_of(kinds[pick as usize % kinds.len()].kind, rest)
}
