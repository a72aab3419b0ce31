//! The byte format (spec §1–§3) under hostile input: strict decoding with typed errors,
//! checkpoint notes and verifier keys, and property tests of encoding, signatures, Merkle
//! proofs and batch verification.

mod common;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use curve25519_dalek::constants::EIGHT_TORSION;
use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signer, SigningKey};
use ledger::compose;
use ledger::crypto::{self, signing_key_from_seed, KeyCache};
use ledger::format::checkpoint::{self, Checkpoint, NoteError, SignedNote, VerifierKey};
use ledger::format::entry::{push_entries_bin, split_entries_bin};
use ledger::format::merkle::{self, Frontier, MemoryTree};
use ledger::format::{Entry, EventBody, FormatError, Hash, SignedEvent, EVENT_DOMAIN};
use proptest::prelude::*;
use serde_json::{json, Value};

const ORIGIN: &str = "ledger.test.vn/format";
const STREAM: &str = "congress/hd.test/2020-2025";
const KIND: &str = "session.opened";
const T0: i64 = 1_590_000_000_000;
const TWO_GIB: u64 = 2 << 30;

fn key() -> SigningKey {
    signing_key_from_seed(&[4; 32])
}

/// A real signed event, as a congress body's client builds it.
fn sample_event() -> SignedEvent {
    compose::event(
        ORIGIN,
        STREAM,
        0,
        Hash::ZERO,
        KIND,
        1,
        T0,
        &key(),
        &json!({"session": 1, "present": 297}),
    )
    .unwrap()
}

fn sample_entry_bytes() -> Vec<u8> {
    Entry {
        position: 7,
        received: T0 + 5,
        event: sample_event(),
    }
    .encode()
}

fn body_with(payload: &[u8]) -> EventBody {
    EventBody {
        ledger: ORIGIN.to_string(),
        stream: STREAM.to_string(),
        version: 0,
        prev: Hash::ZERO,
        kind: KIND.to_string(),
        schema: 1,
        time: T0,
        signer: key().verifying_key().to_bytes(),
        payload: payload.to_vec(),
    }
}

/// An event body written by hand from spec §1–§2.1, independently of the library, with raw
/// bytes for the text fields so that tests can put anything in them.
#[derive(Clone)]
struct Raw {
    format: u16,
    ledger: Vec<u8>,
    stream: Vec<u8>,
    version: u64,
    prev: [u8; 32],
    kind: Vec<u8>,
    schema: u16,
    time: i64,
    signer: [u8; 32],
    payload: Vec<u8>,
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(bytes);
}

impl Raw {
    fn new(payload: &[u8]) -> Raw {
        Raw {
            format: 1,
            ledger: ORIGIN.as_bytes().to_vec(),
            stream: STREAM.as_bytes().to_vec(),
            version: 0,
            prev: [0; 32],
            kind: KIND.as_bytes().to_vec(),
            schema: 1,
            time: T0,
            signer: key().verifying_key().to_bytes(),
            payload: payload.to_vec(),
        }
    }

    fn of(body: &EventBody) -> Raw {
        Raw {
            format: 1,
            ledger: body.ledger.as_bytes().to_vec(),
            stream: body.stream.as_bytes().to_vec(),
            version: body.version,
            prev: body.prev.0,
            kind: body.kind.as_bytes().to_vec(),
            schema: body.schema,
            time: body.time,
            signer: body.signer,
            payload: body.payload.clone(),
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.format.to_le_bytes());
        put_bytes(&mut out, &self.ledger);
        put_bytes(&mut out, &self.stream);
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&self.prev);
        put_bytes(&mut out, &self.kind);
        out.extend_from_slice(&self.schema.to_le_bytes());
        out.extend_from_slice(&self.time.to_le_bytes());
        out.extend_from_slice(&self.signer);
        put_bytes(&mut out, &self.payload);
        out
    }

    /// `body || Ed25519(EVENT_DOMAIN || body)`, signed with [`key`]: a properly signed event
    /// whatever the body holds, so that only the format rules can refuse it.
    fn signed(&self) -> Vec<u8> {
        let mut bytes = self.encode();
        let mut message = EVENT_DOMAIN.to_vec();
        message.extend_from_slice(&bytes);
        bytes.extend_from_slice(&key().sign(&message).to_bytes());
        bytes
    }
}

/// Where the `stream` string's bytes start in an encoded body with the sample origin.
fn stream_offset() -> usize {
    2 + 8 + ORIGIN.len() + 8
}

fn decode_err(bytes: Vec<u8>) -> FormatError {
    match SignedEvent::decode(bytes) {
        Ok(e) => panic!("decoded bytes that should be refused: {:?}", e.body()),
        Err(e) => e,
    }
}

fn entry_err(bytes: &[u8]) -> FormatError {
    match Entry::decode(bytes) {
        Ok(e) => panic!(
            "decoded an entry that should be refused: {:?}",
            e.event.body()
        ),
        Err(e) => e,
    }
}

fn sign_err(body: EventBody) -> FormatError {
    match body.sign(&key()) {
        Ok(e) => panic!("signed a body that should be refused: {:?}", e.body()),
        Err(e) => e,
    }
}

/// Wraps signed event bytes in an entry, written by hand from spec §3.
fn raw_entry(position: u64, received: i64, event: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&position.to_le_bytes());
    out.extend_from_slice(&received.to_le_bytes());
    put_bytes(&mut out, event);
    out
}

// ---------------------------------------------------------------------------------------------
// 1. Strict decoding
// ---------------------------------------------------------------------------------------------

#[test]
fn hand_written_spec_bytes_decode_and_match_what_the_library_signs() {
    let event = sample_event();
    let raw = Raw::of(event.body());
    assert_eq!(event.body_bytes(), raw.encode().as_slice());
    // Ed25519 is deterministic, so signing the hand-written body gives the same event.
    assert_eq!(event.bytes(), raw.signed().as_slice());
    let decoded = SignedEvent::decode(raw.signed()).unwrap();
    assert_eq!(decoded, event);
    decoded.verify_signature().unwrap();
    assert_eq!(
        Entry::decode(&raw_entry(7, T0 + 5, event.bytes())).unwrap(),
        Entry {
            position: 7,
            received: T0 + 5,
            event
        }
    );
}

#[test]
fn unknown_format_version_is_named() {
    let mut bytes = sample_event().into_bytes();
    bytes[0] = 2;
    bytes[1] = 0;
    assert_eq!(
        decode_err(bytes),
        FormatError::UnknownFormat {
            found: 2,
            expected: 1
        }
    );
    // Also when the format-2 event is properly signed, and inside an entry.
    let raw = Raw {
        format: 2,
        ..Raw::new(br#"{"a":1}"#)
    };
    assert!(matches!(
        decode_err(raw.signed()),
        FormatError::UnknownFormat { found: 2, .. }
    ));
    assert!(matches!(
        entry_err(&raw_entry(0, T0, &raw.signed())),
        FormatError::UnknownFormat { found: 2, .. }
    ));
    let zero = Raw {
        format: 0,
        ..Raw::new(br#"{"a":1}"#)
    };
    assert!(matches!(
        decode_err(zero.signed()),
        FormatError::UnknownFormat { found: 0, .. }
    ));
}

#[test]
fn every_truncation_of_a_signed_event_is_a_truncation_error() {
    let events = common::load("events.json");
    let mut all: Vec<Vec<u8>> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| common::hex(&e["signed_event_hex"]))
        .collect();
    all.push(sample_event().into_bytes());
    for full in &all {
        assert!(SignedEvent::decode(full.clone()).is_ok());
        for len in 0..full.len() {
            match SignedEvent::decode(full[..len].to_vec()) {
                Err(FormatError::Truncated { .. }) => {}
                other => panic!("{len} of {} bytes: {other:?}", full.len()),
            }
        }
    }
}

#[test]
fn every_truncation_of_an_entry_is_a_truncation_error() {
    let full = sample_entry_bytes();
    assert!(Entry::decode(&full).is_ok());
    for len in 0..full.len() {
        match Entry::decode(&full[..len]) {
            Err(FormatError::Truncated { .. }) => {}
            other => panic!("{len} of {} bytes: {other:?}", full.len()),
        }
    }
}

#[test]
fn trailing_bytes_after_the_signature_are_refused() {
    for extra in [1usize, 2, 63, 64, 100] {
        let mut bytes = sample_event().into_bytes();
        bytes.extend(std::iter::repeat_n(0u8, extra));
        assert_eq!(
            decode_err(bytes.clone()),
            FormatError::TrailingBytes {
                what: "signed event",
                extra
            }
        );
        // Also when the entry's length prefix covers them.
        assert!(matches!(
            entry_err(&raw_entry(0, T0, &bytes)),
            FormatError::TrailingBytes { extra: e, .. } if e == extra
        ));
    }
}

#[test]
fn trailing_bytes_after_an_entry_are_refused() {
    for extra in [1usize, 8, 1000] {
        let mut bytes = sample_entry_bytes();
        bytes.extend(std::iter::repeat_n(0xabu8, extra));
        assert_eq!(
            entry_err(&bytes),
            FormatError::TrailingBytes {
                what: "entry",
                extra
            }
        );
    }
}

#[test]
fn invalid_utf8_in_a_text_field_is_refused() {
    let event = sample_event().into_bytes();
    let start = stream_offset();
    assert_eq!(&event[start..start + STREAM.len()], STREAM.as_bytes());
    for i in start..start + STREAM.len() {
        for bad in [0xffu8, 0x80, 0xc3] {
            let mut bytes = event.clone();
            bytes[i] = bad;
            let err = decode_err(bytes.clone());
            assert!(
                matches!(err, FormatError::InvalidUtf8 { .. }),
                "byte {i} = {bad:#x}: {err:?}"
            );
            assert!(matches!(
                entry_err(&raw_entry(0, T0, &bytes)),
                FormatError::InvalidUtf8 { .. }
            ));
        }
    }
    // The origin and the kind, in properly signed events.
    let mut raw = Raw::new(br#"{"a":1}"#);
    raw.ledger[3] = 0xfe;
    assert!(matches!(
        decode_err(raw.signed()),
        FormatError::InvalidUtf8 { .. }
    ));
    let mut raw = Raw::new(br#"{"a":1}"#);
    raw.kind = b"session.\xed\xa0\x80".to_vec(); // an encoded surrogate
    assert!(matches!(
        decode_err(raw.signed()),
        FormatError::InvalidUtf8 { .. }
    ));
    // The payload too (it is UTF-8 JSON).
    let raw = Raw::new(b"{\"a\":\"\xff\"}");
    assert_eq!(
        decode_err(raw.signed()),
        FormatError::InvalidUtf8 { field: "payload" }
    );
}

#[test]
fn non_nfc_text_is_refused_when_signing_and_when_decoding() {
    let decomposed = "congress/hue\u{301}/2020-2025";
    assert_ne!(decomposed, "congress/hu\u{e9}/2020-2025");

    let mut body = body_with(br#"{"a":1}"#);
    body.stream = decomposed.to_string();
    assert_eq!(sign_err(body), FormatError::NotNfc { field: "stream" });
    let raw = Raw {
        stream: decomposed.as_bytes().to_vec(),
        ..Raw::new(br#"{"a":1}"#)
    };
    assert_eq!(
        decode_err(raw.signed()),
        FormatError::NotNfc { field: "stream" }
    );
    assert_eq!(
        entry_err(&raw_entry(0, T0, &raw.signed())),
        FormatError::NotNfc { field: "stream" }
    );

    // The same for the origin and the kind.
    let mut body = body_with(br#"{"a":1}"#);
    body.ledger = "ledger.test.vn/Ha\u{300}-no\u{323}i".to_string();
    assert_eq!(sign_err(body), FormatError::NotNfc { field: "ledger" });
    let raw = Raw {
        ledger: "ledger.test.vn/Ha\u{300}-no\u{323}i".as_bytes().to_vec(),
        ..Raw::new(br#"{"a":1}"#)
    };
    assert_eq!(
        decode_err(raw.signed()),
        FormatError::NotNfc { field: "ledger" }
    );
    let mut body = body_with(br#"{"a":1}"#);
    body.kind = "ballots.counte\u{301}".to_string();
    assert_eq!(sign_err(body), FormatError::NotNfc { field: "kind" });
    let raw = Raw {
        kind: "ballots.counte\u{301}".as_bytes().to_vec(),
        ..Raw::new(br#"{"a":1}"#)
    };
    assert_eq!(
        decode_err(raw.signed()),
        FormatError::NotNfc { field: "kind" }
    );

    // The composed form is fine.
    let mut body = body_with(br#"{"a":1}"#);
    body.stream = "congress/hu\u{e9}/2020-2025".to_string();
    let signed = body.sign(&key()).unwrap();
    assert!(SignedEvent::decode(signed.into_bytes()).is_ok());
}

#[test]
fn empty_or_control_text_is_refused() {
    for stream in ["", "congress/a\nb", "congress/\u{0}", "congress/\u{7f}"] {
        let mut body = body_with(br#"{"a":1}"#);
        body.stream = stream.to_string();
        assert_eq!(
            sign_err(body),
            FormatError::BadText { field: "stream" },
            "{stream:?}"
        );
        let raw = Raw {
            stream: stream.as_bytes().to_vec(),
            ..Raw::new(br#"{"a":1}"#)
        };
        assert_eq!(
            decode_err(raw.signed()),
            FormatError::BadText { field: "stream" },
            "{stream:?}"
        );
    }
}

const NOT_OBJECTS: &[&str] = &[
    "[]",
    "\"x\"",
    "1",
    "null",
    "true",
    "",
    " ",
    "{\"a\":1} trailing",
    "{\"a\":1}{}",
    "{\"a\":1",
    "{'a':1}",
    "{a:1}",
    "{\"a\":1,}",
    "{\"a\":01}",
    "{\"a\":NaN}",
    "\u{feff}{\"a\":1}",
    // Duplicate keys, at the top and nested, also when spelled differently.
    "{\"a\":1,\"a\":2}",
    "{\"a\":1,\"a\":1}",
    "{\"x\":{\"a\":1,\"a\":2}}",
    "{\"x\":[{\"b\":1},{\"a\":1,\"a\":2}]}",
    "{\"a\":1,\"\\u0061\":2}",
];

#[test]
fn payload_that_is_not_one_json_object_is_refused_everywhere() {
    for text in NOT_OBJECTS {
        let payload = text.as_bytes();
        let err = sign_err(body_with(payload));
        assert!(
            matches!(err, FormatError::PayloadNotObject { .. }),
            "sign {text:?}: {err:?}"
        );
        let raw = Raw::new(payload);
        let err = decode_err(raw.signed());
        assert!(
            matches!(err, FormatError::PayloadNotObject { .. }),
            "decode {text:?}: {err:?}"
        );
        let err = entry_err(&raw_entry(0, T0, &raw.signed()));
        assert!(
            matches!(err, FormatError::PayloadNotObject { .. }),
            "entry {text:?}: {err:?}"
        );
        // The structure decodes (so that a verifier can report the signature first); the
        // payload check is what refuses it.
        let event = SignedEvent::decode_structure(raw.signed()).unwrap();
        assert!(matches!(
            event.check_payload(),
            Err(FormatError::PayloadNotObject { .. })
        ));
    }
}

#[test]
fn json_objects_at_the_edges_are_accepted_as_signed() {
    for text in [
        "{}",
        " {\"a\" : 1 }\n",
        "{\"a\":{\"a\":{\"a\":1}},\"b\":[{\"a\":1},{\"a\":2}]}",
        "{\"A\":1,\"a\":2}",
        "{\"\\u00e9\":1,\"e\\u0301\":2}",
        "{\"a\":-0.5e-10,\"b\":123456789012345678901234567890,\"c\":null}",
        "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\ud83d\\ude00\"}",
        "{\"viet\":\"Sổ cái\"}",
    ] {
        let signed = body_with(text.as_bytes()).sign(&key()).unwrap();
        let decoded = SignedEvent::decode(signed.bytes().to_vec()).unwrap();
        assert_eq!(decoded.body().payload, text.as_bytes(), "{text:?}");
    }
}

#[test]
fn deeply_nested_payload_is_refused_without_overflowing_the_stack() {
    let depth = 100_000;
    let text = format!("{{\"a\":{}{}}}", "[".repeat(depth), "]".repeat(depth));
    let raw = Raw::new(text.as_bytes());
    assert!(matches!(
        decode_err(raw.signed()),
        FormatError::PayloadNotObject { .. }
    ));
}

#[test]
fn huge_length_prefixes_are_refused_quickly() {
    let event = sample_event().into_bytes();
    let started = std::time::Instant::now();
    // The length of `ledger` (bytes 2..10) and of `stream`.
    for (at, len) in [
        (2usize, TWO_GIB),
        (2, u64::MAX),
        (2, (1 << 20) + 1),
        (stream_offset() - 8, TWO_GIB),
        (stream_offset() - 8, u64::MAX / 2),
    ] {
        let mut bytes = event.clone();
        bytes[at..at + 8].copy_from_slice(&len.to_le_bytes());
        let err = decode_err(bytes);
        assert!(
            matches!(
                err,
                FormatError::TooLarge { .. } | FormatError::Truncated { .. }
            ),
            "length {len} at {at}: {err:?}"
        );
    }
    // The payload's length: the last `bytes` field, 8 bytes before the payload.
    let payload_len = sample_event().body().payload.len();
    let at = event.len() - 64 - payload_len - 8;
    assert_eq!(
        u64::from_le_bytes(event[at..at + 8].try_into().unwrap()),
        payload_len as u64
    );
    let mut bytes = event.clone();
    bytes[at..at + 8].copy_from_slice(&TWO_GIB.to_le_bytes());
    assert!(SignedEvent::decode(bytes).is_err());

    // The event's length inside an entry (after position and received).
    let entry = sample_entry_bytes();
    assert_eq!(
        u64::from_le_bytes(entry[16..24].try_into().unwrap()),
        event.len() as u64
    );
    for len in [TWO_GIB, u64::MAX, (1 << 20) + 25] {
        let mut bytes = entry.clone();
        bytes[16..24].copy_from_slice(&len.to_le_bytes());
        let err = entry_err(&bytes);
        assert!(
            matches!(
                err,
                FormatError::TooLarge { .. } | FormatError::Truncated { .. }
            ),
            "entry event length {len}: {err:?}"
        );
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "refusing hostile lengths took {:?}",
        started.elapsed()
    );
}

#[test]
fn oversized_event_is_refused_before_parsing() {
    let mut bytes = sample_event().into_bytes();
    bytes.resize(ledger::format::encoding::MAX_EVENT_BYTES + 1, b' ');
    assert!(matches!(
        decode_err(bytes),
        FormatError::TooLarge { what: "event", .. }
    ));
}

#[test]
fn entries_bin_splits_exactly_and_refuses_bad_framing() {
    let a = sample_entry_bytes();
    let b = Entry {
        position: 8,
        received: T0 + 9,
        event: compose::event(
            ORIGIN,
            STREAM,
            1,
            sample_event().hash(),
            KIND,
            1,
            T0 + 1,
            &key(),
            &json!({"session": 2}),
        )
        .unwrap(),
    }
    .encode();
    let mut bin = Vec::new();
    push_entries_bin(&mut bin, &a);
    push_entries_bin(&mut bin, &b);
    assert_eq!(bin.len(), 16 + a.len() + b.len());
    assert_eq!(&bin[..8], &(a.len() as u64).to_le_bytes());
    let parts: Vec<&[u8]> = split_entries_bin(&bin).map(Result::unwrap).collect();
    assert_eq!(parts, vec![a.as_slice(), b.as_slice()]);
    assert_eq!(split_entries_bin(&[]).count(), 0);

    // A final entry cut short anywhere: the complete one, then one error, then nothing.
    for cut in 1..(8 + b.len()) {
        let short = &bin[..bin.len() - cut];
        let got: Vec<_> = split_entries_bin(short).collect();
        assert_eq!(got.len(), 2, "cut {cut}");
        assert_eq!(got[0], Ok(a.as_slice()));
        assert!(
            matches!(got[1], Err(FormatError::Truncated { .. })),
            "cut {cut}: {:?}",
            got[1]
        );
    }

    // A hostile length prefix, first or second.
    for len in [TWO_GIB, u64::MAX, (1 << 20) + 25] {
        let mut bad = bin.clone();
        bad[..8].copy_from_slice(&len.to_le_bytes());
        let got: Vec<_> = split_entries_bin(&bad).collect();
        assert_eq!(got.len(), 1, "length {len}");
        assert!(matches!(got[0], Err(FormatError::TooLarge { .. })));

        let mut bad = bin.clone();
        let at = 8 + a.len();
        bad[at..at + 8].copy_from_slice(&len.to_le_bytes());
        let got: Vec<_> = split_entries_bin(&bad).collect();
        assert_eq!(got.len(), 2, "length {len}");
        assert_eq!(got[0], Ok(a.as_slice()));
        assert!(matches!(got[1], Err(FormatError::TooLarge { .. })));
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Checkpoint notes and verifier keys
// ---------------------------------------------------------------------------------------------

fn log_key() -> SigningKey {
    signing_key_from_seed(&[2; 32])
}

fn log_vkey() -> VerifierKey {
    VerifierKey::new(ORIGIN, log_key().verifying_key().to_bytes()).unwrap()
}

fn sample_root() -> Hash {
    merkle::leaf_hash(b"some log")
}

/// A note signed by the log key, and its signature line.
fn sample_note() -> (String, String) {
    let note = SignedNote::sign(Checkpoint::new(ORIGIN, 20, sample_root()), &log_key()).unwrap();
    let text = note.encode();
    let line = note.signatures[0].line();
    assert!(text.ends_with(&line));
    (text, line)
}

fn note(origin: &str, size: &str, root: &str, sigs: &str) -> String {
    format!("{origin}\n{size}\n{root}\n\n{sigs}")
}

fn assert_malformed(text: &str) {
    match SignedNote::parse(text) {
        Err(NoteError::Malformed(_)) => {}
        other => panic!("{text:?}: {other:?}"),
    }
}

#[test]
fn a_note_parses_back_to_what_was_signed_and_verifies() {
    let (text, line) = sample_note();
    let root = B64.encode(sample_root().0);
    assert_eq!(text, note(ORIGIN, "20", &root, &line));
    let parsed = SignedNote::parse(&text).unwrap();
    assert_eq!(
        parsed.checkpoint,
        Checkpoint::new(ORIGIN, 20, sample_root())
    );
    assert_eq!(parsed.encode(), text);
    parsed.verify(&log_vkey()).unwrap();
    // The vector note too.
    let c = common::load("checkpoint.json");
    let vkey = VerifierKey::parse(c["vkey"].as_str().unwrap()).unwrap();
    SignedNote::parse(c["note"].as_str().unwrap())
        .unwrap()
        .verify(&vkey)
        .unwrap();
}

#[test]
fn note_without_a_blank_line_or_final_newline_is_refused() {
    let (text, line) = sample_note();
    let root = B64.encode(sample_root().0);
    assert_malformed(&text.replacen("\n\n", "\n", 1));
    assert_malformed(&format!("{ORIGIN}\n20\n{root}\n{line}"));
    assert_malformed(text.strip_suffix('\n').unwrap());
    // A body must end with a newline.
    assert!(Checkpoint::parse_body(&format!("{ORIGIN}\n20\n{root}\n")).is_ok());
    for body in [
        format!("{ORIGIN}\n20\n{root}"),
        format!("{ORIGIN}\n20"),
        format!("{ORIGIN}\n20\n"),
        String::new(),
        "\n".to_string(),
        format!("{ORIGIN}\n20\n{root}\n\nextension\n"),
    ] {
        assert!(
            matches!(Checkpoint::parse_body(&body), Err(NoteError::Malformed(_))),
            "{body:?}"
        );
    }
}

#[test]
fn tree_size_must_be_canonical_decimal() {
    let (_, line) = sample_note();
    let root = B64.encode(sample_root().0);
    for size in [
        "020",
        "00",
        "01",
        "+20",
        "-20",
        "0x14",
        "20 ",
        " 20",
        "2_0",
        "",
        "twenty",
        "1e3",
        "\u{661}\u{662}",
        "18446744073709551616",
    ] {
        assert_malformed(&note(ORIGIN, size, &root, &line));
    }
    // Zero and the largest size are canonical (the signature is not checked by parse).
    for size in ["0", "18446744073709551615"] {
        assert!(SignedNote::parse(&note(ORIGIN, size, &root, &line)).is_ok());
    }
}

#[test]
fn root_must_be_canonical_base64_of_32_bytes() {
    let (_, line) = sample_note();
    let good = B64.encode(sample_root().0);
    // The last data character carries two padding bits, which must be zero.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let last = alphabet
        .iter()
        .position(|&c| c == good.as_bytes()[42])
        .unwrap();
    assert_eq!(last & 3, 0);
    let mut trailing_bits = good.clone().into_bytes();
    trailing_bits[42] = alphabet[last | 1];
    let trailing_bits = String::from_utf8(trailing_bits).unwrap();
    for root in [
        B64.encode([7u8; 31]),
        B64.encode([7u8; 33]),
        B64.encode([]),
        good.trim_end_matches('=').to_string(),
        format!("{good}="),
        sample_root().to_hex(),
        "not base64 at all".to_string(),
        good.replace('+', "-").replace('/', "_") + "!",
        format!(" {good}"),
        trailing_bits,
    ] {
        assert_malformed(&note(ORIGIN, "20", &root, &line));
    }
}

#[test]
fn signature_lines_need_the_em_dash_and_at_least_one_signature() {
    let (text, line) = sample_note();
    let body = text.strip_suffix(&line).unwrap().to_string();
    let rest = line.strip_prefix("\u{2014} ").unwrap();
    for bad in [
        format!("- {rest}"),
        format!("\u{2013} {rest}"),
        format!("-- {rest}"),
        format!("\u{2014}{rest}"),
        format!(" \u{2014} {rest}"),
        rest.to_string(),
    ] {
        assert_malformed(&format!("{body}{bad}"));
        // Also when it follows a good line.
        assert_malformed(&format!("{body}{line}{bad}"));
    }
    // Empty signature sections.
    assert_malformed(&body);
    assert_malformed(&format!("{body}\n"));
    // A name without a signature, a signature too short to hold a key id, not base64.
    assert_malformed(&format!("{body}\u{2014} {ORIGIN}\n"));
    assert_malformed(&format!(
        "{body}\u{2014} {ORIGIN} {}\n",
        B64.encode([1u8; 4])
    ));
    assert_malformed(&format!("{body}\u{2014} {ORIGIN} %%%%\n"));
}

#[test]
fn verifier_key_text_is_checked_strictly() {
    let public = log_key().verifying_key().to_bytes();
    let vkey = log_vkey();
    let text = vkey.encode();
    assert_eq!(VerifierKey::parse(&text).unwrap(), vkey);
    let id = hex::encode(vkey.id);
    let mut raw = vec![1u8];
    raw.extend_from_slice(&public);
    let b64 = B64.encode(&raw);
    assert_eq!(text, format!("{ORIGIN}+{id}+{b64}"));

    let bad_key = |s: &str| match VerifierKey::parse(s) {
        Err(NoteError::BadKey(_)) => {}
        other => panic!("{s:?}: {other:?}"),
    };
    // Wrong key id (every hex digit changed in turn).
    for i in 0..8 {
        let mut wrong = id.clone().into_bytes();
        wrong[i] = if wrong[i] == b'0' { b'1' } else { b'0' };
        bad_key(&format!(
            "{ORIGIN}+{}+{b64}",
            String::from_utf8(wrong).unwrap()
        ));
    }
    bad_key(&format!("{ORIGIN}+{}+{b64}", &id[..7]));
    bad_key(&format!("{ORIGIN}+{id}0+{b64}"));
    bad_key(&format!("{ORIGIN}+zzzzzzzz+{b64}"));
    // The id of another name.
    let other_id = hex::encode(checkpoint::key_id("another.origin", &public));
    bad_key(&format!("{ORIGIN}+{other_id}+{b64}"));
    // Wrong algorithm byte, wrong lengths, bad base64.
    for alg in [0u8, 2, 0x81] {
        let mut raw = raw.clone();
        raw[0] = alg;
        bad_key(&format!("{ORIGIN}+{id}+{}", B64.encode(&raw)));
    }
    bad_key(&format!("{ORIGIN}+{id}+{}", B64.encode(public)));
    bad_key(&format!(
        "{ORIGIN}+{id}+{}",
        B64.encode([&raw[..], &[0]].concat())
    ));
    bad_key(&format!("{ORIGIN}+{id}+not*base64"));
    bad_key(&format!("{ORIGIN}+{id}+{b64}="));
    bad_key(&format!("{ORIGIN}+{id}+{}", &b64[..43]));
    bad_key(&format!("{ORIGIN}+{id}"));
    bad_key("");
    // Names with '+', spaces or control characters, even with a matching key id.
    for name in ["a+b", "a b", "a\tb", "a\u{a0}b", "a\u{1}b", ""] {
        let id = hex::encode(checkpoint::key_id(name, &public));
        bad_key(&format!("{name}+{id}+{b64}"));
        assert!(matches!(
            VerifierKey::new(name, public),
            Err(NoteError::BadKey(_))
        ));
        assert!(SignedNote::sign(Checkpoint::new(name, 1, sample_root()), &log_key()).is_err());
    }
}

#[test]
fn a_note_whose_body_was_changed_does_not_verify() {
    let (text, line) = sample_note();
    let root = B64.encode(sample_root().0);
    let vkey = log_vkey();
    let changed = [
        note(ORIGIN, "21", &root, &line),
        note(ORIGIN, "0", &root, &line),
        note(ORIGIN, "20", &B64.encode(merkle::empty_root().0), &line),
        note("ledger.test.vn/other", "20", &root, &line),
        text.replacen("\n\n", "\nextension\n\n", 1),
    ];
    for t in &changed {
        let parsed = SignedNote::parse(t).unwrap();
        assert!(
            matches!(parsed.verify(&vkey), Err(NoteError::NotSigned { .. })),
            "{t:?}"
        );
    }
    // Another key under the same name, or the same key under another name.
    let parsed = SignedNote::parse(&text).unwrap();
    let stranger = VerifierKey::new(ORIGIN, key().verifying_key().to_bytes()).unwrap();
    assert!(parsed.verify(&stranger).is_err());
    let renamed = VerifierKey::new("renamed", vkey.public).unwrap();
    assert!(parsed.verify(&renamed).is_err());
    // A flipped signature bit.
    let mut flipped = parsed.clone();
    flipped.signatures[0].signature[10] ^= 1;
    assert!(flipped.verify(&vkey).is_err());
    parsed.verify(&vkey).unwrap();
}

// ---------------------------------------------------------------------------------------------
// 3. Properties
// ---------------------------------------------------------------------------------------------

/// Modest case counts keep the file at a few seconds in a debug build (Ed25519 and SHA-256
/// are unoptimized there). No regression files: this test file is the only file it writes.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
    ]
}

/// A JSON object of arbitrary fields, serialized once.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::btree_map(any::<String>(), json_value(), 0..6).prop_map(|fields| {
        let object: serde_json::Map<String, Value> = fields.into_iter().collect();
        serde_json::to_vec(&Value::Object(object)).unwrap()
    })
}

/// A valid body and the key that signs it.
fn body_and_key() -> impl Strategy<Value = (EventBody, SigningKey)> {
    let name = "[a-z]{1,12}(/[a-z0-9.-]{1,12}){0,2}";
    (
        "[a-z]{1,12}(\\.[a-z]{1,8}){0,2}(/[a-z0-9-]{1,12})?",
        name,
        any::<u64>(),
        any::<[u8; 32]>(),
        name,
        1..=u16::MAX,
        any::<i64>(),
        payload(),
        any::<[u8; 32]>(),
    )
        .prop_map(
            |(ledger, stream, version, prev, kind, schema, time, payload, seed)| {
                let key = signing_key_from_seed(&seed);
                let body = EventBody {
                    ledger,
                    stream,
                    version,
                    prev: Hash(prev),
                    kind,
                    schema,
                    time,
                    signer: key.verifying_key().to_bytes(),
                    payload,
                };
                (body, key)
            },
        )
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn signed_events_and_entries_round_trip(
        (body, key) in body_and_key(),
        position in any::<u64>(),
        received in any::<i64>(),
    ) {
        let signed = body.clone().sign(&key).unwrap();
        let spec_bytes = Raw::of(&body).encode();
        prop_assert_eq!(signed.body_bytes(), spec_bytes.as_slice());
        prop_assert_eq!(signed.bytes().len(), signed.body_bytes().len() + 64);
        prop_assert_eq!(signed.hash(), Hash::of(signed.bytes()));

        let decoded = SignedEvent::decode(signed.bytes().to_vec()).unwrap();
        prop_assert_eq!(decoded.body(), &body);
        prop_assert_eq!(decoded.hash(), signed.hash());
        prop_assert_eq!(decoded.bytes(), signed.bytes());
        prop_assert!(decoded.verify_signature().is_ok());

        let entry = Entry { position, received, event: decoded };
        let bytes = entry.encode();
        prop_assert_eq!(&bytes, &raw_entry(position, received, signed.bytes()));
        prop_assert_eq!(Entry::decode(&bytes).unwrap(), entry);
    }

    #[test]
    fn a_flipped_byte_never_decodes_and_verifies(
        (body, key) in body_and_key(),
        at in any::<prop::sample::Index>(),
        mask in 1..=u8::MAX,
    ) {
        let mut bytes = body.sign(&key).unwrap().into_bytes();
        let i = at.index(bytes.len());
        bytes[i] ^= mask;
        if let Ok(event) = SignedEvent::decode(bytes) {
            prop_assert!(
                event.verify_signature().is_err(),
                "byte {} ^ {:#x} decodes and verifies", i, mask
            );
        }
    }
}

#[test]
fn every_single_bit_flip_of_an_event_is_caught() {
    let bytes = sample_event().into_bytes();
    for i in 0..bytes.len() {
        // One bit per byte, a different one each time (the property test tries any mask).
        let mask = 1u8 << (i % 8);
        let mut flipped = bytes.clone();
        flipped[i] ^= mask;
        if let Ok(event) = SignedEvent::decode(flipped) {
            assert!(
                event.verify_signature().is_err(),
                "byte {i} ^ {mask:#x} decodes and verifies"
            );
        }
    }
}

/// MTH of RFC 9162 §2.1.1, straight from the definition.
fn reference_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => merkle::empty_root(),
        1 => leaves[0],
        n => {
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            merkle::node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
        }
    }
}

fn leaves(size: u64, salt: u64) -> Vec<Hash> {
    (0..size)
        .map(|i| merkle::leaf_hash(&[salt.to_le_bytes(), i.to_le_bytes()].concat()))
        .collect()
}

fn tree_of(leaves: &[Hash]) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for leaf in leaves {
        tree.push(*leaf);
    }
    tree
}

fn altered(proof: &[Hash], at: usize) -> Vec<Hash> {
    let mut proof = proof.to_vec();
    proof[at].0[at % 32] ^= 0x40;
    proof
}

proptest! {
    #![proptest_config(config(16))]

    #[test]
    fn inclusion_proofs_verify_exactly_where_they_should(size in 1u64..200, salt in any::<u64>()) {
        let leaves = leaves(size, salt);
        let tree = tree_of(&leaves);
        let root = merkle::root(&tree, size).unwrap();
        prop_assert_eq!(root, tree.root());
        prop_assert_eq!(root, reference_root(&leaves));
        let other_root = merkle::root(&tree, size - 1).unwrap();
        for index in 0..size {
            let leaf = &leaves[index as usize];
            let proof = merkle::inclusion_proof(&tree, index, size).unwrap().unwrap();
            prop_assert!(merkle::verify_inclusion(leaf, index, size, &proof, &root).is_ok());
            prop_assert!(merkle::verify_inclusion(leaf, index, size, &proof, &other_root).is_err());
            prop_assert!(merkle::verify_inclusion(leaf, size, size, &proof, &root).is_err());
            let stranger = merkle::leaf_hash(b"not in the tree");
            prop_assert!(merkle::verify_inclusion(&stranger, index, size, &proof, &root).is_err());
            if size > 1 {
                let next = (index + 1) % size;
                prop_assert!(merkle::verify_inclusion(leaf, next, size, &proof, &root).is_err());
                let neighbour = &leaves[next as usize];
                prop_assert!(merkle::verify_inclusion(neighbour, index, size, &proof, &root).is_err());
            }
            for at in 0..proof.len() {
                prop_assert!(
                    merkle::verify_inclusion(leaf, index, size, &altered(&proof, at), &root).is_err(),
                    "index {} size {} hash {} altered", index, size, at
                );
            }
            let mut longer = proof.clone();
            longer.push(root);
            prop_assert!(merkle::verify_inclusion(leaf, index, size, &longer, &root).is_err());
            if !proof.is_empty() {
                let shorter = &proof[..proof.len() - 1];
                prop_assert!(merkle::verify_inclusion(leaf, index, size, shorter, &root).is_err());
            }
        }
        prop_assert!(merkle::inclusion_proof(&tree, size, size).unwrap().is_err());
    }

    #[test]
    fn consistency_proofs_verify_exactly_where_they_should(size in 1u64..200, salt in any::<u64>()) {
        let leaves = leaves(size, salt);
        let tree = tree_of(&leaves);
        let roots: Vec<Hash> = (0..=size).map(|n| merkle::root(&tree, n).unwrap()).collect();
        prop_assert_eq!(roots[0], merkle::empty_root());
        let new = size;
        for old in 0..=new {
            let proof = merkle::consistency_proof(&tree, old, new).unwrap().unwrap();
            let (old_root, new_root) = (&roots[old as usize], &roots[new as usize]);
            prop_assert!(merkle::verify_consistency(old, new, old_root, new_root, &proof).is_ok());
            if old == 0 || old == new {
                prop_assert!(proof.is_empty());
            }
            if old == 0 {
                // Nothing to prove from the empty tree (as in RFC 9162 implementations).
                continue;
            }
            // One altered hash per pair, at a different place each time.
            if !proof.is_empty() {
                let at = old as usize % proof.len();
                prop_assert!(
                    merkle::verify_consistency(old, new, old_root, new_root, &altered(&proof, at))
                        .is_err(),
                    "{} -> {} hash {} altered", old, new, at
                );
            }
            // The root of another size, old or new.
            for other in [old - 1, old % new + 1, new / 2] {
                if other != old && other != 0 {
                    let other_root = &roots[other as usize];
                    prop_assert!(
                        merkle::verify_consistency(old, new, other_root, new_root, &proof).is_err(),
                        "{} -> {} with the root of {}", old, new, other
                    );
                }
                if other != new {
                    let other_root = &roots[other as usize];
                    prop_assert!(
                        merkle::verify_consistency(old, new, old_root, other_root, &proof).is_err(),
                        "{} -> {} with a new root of {}", old, new, other
                    );
                }
            }
            // The proof of another pair of sizes, with that pair's roots.
            if old < new {
                let next = &roots[old as usize + 1];
                prop_assert!(merkle::verify_consistency(old + 1, new, next, new_root, &proof).is_err());
                let mut longer = proof.clone();
                longer.push(*new_root);
                prop_assert!(merkle::verify_consistency(old, new, old_root, new_root, &longer).is_err());
            }
        }
        prop_assert!(merkle::consistency_proof(&tree, new, new - 1).unwrap().is_err());
    }

    #[test]
    fn frontier_root_is_the_tree_root_at_every_size(size in 0u64..300, salt in any::<u64>()) {
        let leaves = leaves(size, salt);
        let tree = tree_of(&leaves);
        let mut frontier = Frontier::new();
        prop_assert_eq!(frontier.root(), merkle::empty_root());
        let mut completed = Vec::new();
        for (n, leaf) in leaves.iter().enumerate() {
            frontier.push(*leaf, |node| completed.push(node));
            let n = n as u64 + 1;
            prop_assert_eq!(frontier.size(), n);
            prop_assert_eq!(frontier.root(), merkle::root(&tree, n).unwrap());
            prop_assert_eq!(&Frontier::load(&tree, n).unwrap(), &frontier);
            if n <= 40 || n == size {
                prop_assert_eq!(frontier.root(), reference_root(&leaves[..n as usize]));
            }
        }
        // Every node the frontier reported is the tree's.
        for node in completed {
            prop_assert_eq!(
                merkle::subtree_root(&tree, node.index << node.level, (node.index + 1) << node.level).unwrap(),
                node.hash
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Batch verification agrees with strict verification
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Damage {
    None,
    R(u8),
    S(u8),
    Message(u16),
    Key(u8),
    /// `R` plus one of the seven non-identity points of small order.
    Torsion(u8),
    /// `S + ℓ`: the same scalar, not canonical.
    SPlusL,
    /// `S` replaced by a canonical edge value: 0, 1, ℓ − 1 or ℓ − 2.
    SEdge(u8),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        3 => Just(Damage::None),
        1 => any::<u8>().prop_map(Damage::R),
        1 => any::<u8>().prop_map(Damage::S),
        1 => any::<u16>().prop_map(Damage::Message),
        1 => any::<u8>().prop_map(Damage::Key),
        1 => (1..8u8).prop_map(Damage::Torsion),
        1 => Just(Damage::SPlusL),
        1 => (0..4u8).prop_map(Damage::SEdge),
    ]
}

/// The group order ℓ, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// A key cache in which the property tests' three signers have earned their tables, so that
/// it decides their signatures with table multiplication rather than the double-base one.
fn warm_cache() -> &'static KeyCache {
    static CACHE: std::sync::OnceLock<KeyCache> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| {
        let cache = KeyCache::default();
        for seed in 1..=3u8 {
            let key = signing_key_from_seed(&[seed; 32]);
            let public = key.verifying_key().to_bytes();
            let signature = key.sign(b"warm").to_bytes();
            let item = || crypto::Item {
                public: &public,
                message: b"warm",
                signature: &signature,
            };
            let tables = cache.tables();
            for _ in 0..1000 {
                assert!(crypto::verify_each(&[item()], &cache)[0]);
                if cache.tables() > tables {
                    break;
                }
            }
        }
        assert_eq!(cache.tables(), 3, "every signer has a table");
        cache
    })
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn batch_verification_agrees_with_strict(
        specs in proptest::collection::vec(
            (0..3u8, proptest::collection::vec(any::<u8>(), 0..40), damage()),
            1..7,
        ),
    ) {
        let keys: Vec<SigningKey> = (1..=3u8).map(|s| signing_key_from_seed(&[s; 32])).collect();
        let mut signed = Vec::new();
        for (signer, message, damage) in &specs {
            let key = &keys[*signer as usize];
            let mut public = key.verifying_key().to_bytes();
            let mut message = message.clone();
            let mut signature = key.sign(&message).to_bytes();
            match *damage {
                Damage::None => {}
                Damage::R(bit) => signature[bit as usize / 8 % 32] ^= 1 << (bit % 8),
                Damage::S(bit) => signature[32 + bit as usize / 8 % 32] ^= 1 << (bit % 8),
                Damage::Message(bit) => {
                    if message.is_empty() {
                        message.push(0);
                    } else {
                        let len = message.len();
                        message[bit as usize / 8 % len] ^= 1 << (bit % 8);
                    }
                }
                Damage::Key(bit) => public[bit as usize / 8 % 32] ^= 1 << (bit % 8),
                Damage::Torsion(i) => {
                    let r = CompressedEdwardsY(signature[..32].try_into().unwrap())
                        .decompress()
                        .expect("an honest R is a point");
                    let r = r + EIGHT_TORSION[i as usize];
                    signature[..32].copy_from_slice(r.compress().as_bytes());
                }
                Damage::SPlusL => {
                    let mut carry = 0u16;
                    for (b, l) in signature[32..].iter_mut().zip(ELL) {
                        let v = u16::from(*b) + u16::from(l) + carry;
                        *b = v as u8;
                        carry = v >> 8;
                    }
                }
                Damage::SEdge(i) => {
                    let s = [Scalar::ZERO, Scalar::ONE, -Scalar::ONE, -Scalar::from(2u8)];
                    signature[32..].copy_from_slice(s[i as usize % 4].as_bytes());
                }
            }
            signed.push((public, message, signature));
        }
        let items: Vec<crypto::Item> = signed
            .iter()
            .map(|(public, message, signature)| crypto::Item { public, message, signature })
            .collect();
        let strict: Vec<bool> = signed
            .iter()
            .map(|(p, m, s)| crypto::verify_strict(p, m, s).is_ok())
            .collect();
        for (i, ((_, _, damage), ok)) in specs.iter().zip(&strict).enumerate() {
            match damage {
                Damage::None => prop_assert!(ok, "undamaged item {} fails strict verification", i),
                Damage::Torsion(_) | Damage::SPlusL => {
                    prop_assert!(!ok, "item {} passes strict verification", i)
                }
                _ => {}
            }
        }
        let cache = KeyCache::default();
        prop_assert_eq!(crypto::verify_each(&items, &cache), strict.clone());
        prop_assert_eq!(crypto::verify_batched(&items, &cache), strict.clone());
        // A warm cache answers the same.
        prop_assert_eq!(crypto::verify_each(&items, &cache), strict.clone());
        prop_assert_eq!(crypto::verify_batched(&items, &cache), strict.clone());
        // With the signers' tables.
        let warm = warm_cache();
        prop_assert_eq!(crypto::verify_each(&items, warm), strict.clone());
        prop_assert_eq!(crypto::verify_batched(&items, warm), strict);
        prop_assert_eq!(warm.tables(), 3);
    }
}

/// A key's holder signs "attempt N" twice: once properly, once with a torsioned `R`.
/// Returns (public key, message, torsioned signature, proper signature).
fn torsioned_signature(attempt: u32) -> ([u8; 32], Vec<u8>, [u8; 64], [u8; 64]) {
    let signer = common::RawSigner::new(b"secret");
    let message = format!("attempt {attempt}").into_bytes();
    let torsioned = signer.sign(&message, true);
    let plain = signer.sign(&message, false);
    (signer.public, message, torsioned, plain)
}

/// Batches can be fooled by such a signature (see `crypto`); the strict path, which appends
/// and `verify --strict` use, never is.
#[test]
fn strict_verification_refuses_every_mixed_order_r() {
    let cold = KeyCache::default();
    // The same, once the key has its table.
    let warm = KeyCache::default();
    let (public, message, _, plain) = torsioned_signature(0);
    while warm.tables() == 0 {
        let item = crypto::Item {
            public: &public,
            message: &message,
            signature: &plain,
        };
        assert!(crypto::verify_each(&[item], &warm)[0]);
    }
    for attempt in 0..16 {
        let (public, message, torsioned, plain) = torsioned_signature(attempt);
        // The construction is sound: without the torsion point it is a valid signature.
        crypto::verify_strict(&public, &message, &plain).unwrap();
        assert!(crypto::verify_strict(&public, &message, &torsioned).is_err());
        let item = |signature| crypto::Item {
            public: &public,
            message: &message,
            signature,
        };
        for cache in [&cold, &warm] {
            assert_eq!(
                crypto::verify_each(&[item(&torsioned), item(&plain)], cache),
                vec![false, true]
            );
        }
    }
    assert_eq!(warm.tables(), 1);
}
