//! §4 as issue 11 restates it: every way an act could change the record's meaning while
//! `verify` says OK is closed — corrections judged where they land, scopes matched at name
//! boundaries, claimed time bounded by the received time, authorities confined to the
//! registry, unauthorized acts counting for nothing, untrusted text refused or reported, and
//! act proofs that prove their registry complete.

mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use common::fixture::{self, create, Keys, CONGRESS, ORIGIN, T0};
use ed25519_dalek::SigningKey;
use ledger::authority::{covers, MAX_CLOCK_SKEW_MS};
use ledger::crypto::signing_key_from_seed;
use ledger::engine::AppendError;
use ledger::verify::integrity::{self, IntegrityReport, VerifyOptions};
use ledger::{compose, Entry, Hash, Ledger, Options};
use serde_json::{json, Value};

const OTHER: &str = "congress/hd.other/2020-2025";

/// The ledger's clock, set by the test (ms).
fn clocked(at: i64) -> (Options, Arc<AtomicI64>) {
    let now = Arc::new(AtomicI64::new(at));
    let clock = now.clone();
    let options = Options {
        clock: Arc::new(move || clock.load(Ordering::SeqCst)),
        ..Options::default()
    };
    (options, now)
}

fn append(
    ledger: &Ledger,
    stream: &str,
    kind: &str,
    time: i64,
    key: &SigningKey,
    payload: &Value,
) -> Result<ledger::Appended, AppendError> {
    let e = compose::next_event(ledger, stream, kind, 1, time, key, payload).unwrap();
    ledger.append(e.into_bytes())
}

fn enroll(ledger: &Ledger, k: &Keys, key: &SigningKey, roles: &[&str], scope: &str) {
    let payload = compose::enrollment(
        &key.verifying_key().to_bytes(),
        "Cơ quan thử",
        roles,
        scope,
        T0,
        None,
    );
    append(ledger, "ledger", "key.enrolled", T0, &k.authority, &payload).unwrap();
}

fn session(n: u64, present: u64) -> Value {
    json!({"session": n, "present": present})
}

fn correction(of: &Hash, replacement: Value, reason: &str) -> Value {
    json!({"corrects": of.to_hex(), "reason": reason, "replacement": replacement})
}

fn unauthorized(err: &AppendError) -> String {
    assert!(
        matches!(err, AppendError::Unauthorized(_)),
        "refused for authority: {err}"
    );
    err.to_string()
}

/// Every entry of a ledger, as stored.
fn entries(ledger: &Ledger) -> Vec<Vec<u8>> {
    (0..ledger.size())
        .map(|p| ledger.entry_bytes(p).unwrap().unwrap())
        .collect()
}

/// An act appended behind the ledger's back (as in an edited ledger, a bag or a mirror): chained
/// properly after the stream's head, received after the last entry.
fn forged(entries: &mut Vec<Vec<u8>>, stream: &str, kind: &str, key: &SigningKey, payload: &Value) {
    let decoded: Vec<Entry> = entries.iter().map(|b| Entry::decode(b).unwrap()).collect();
    let head = decoded
        .iter()
        .rev()
        .find(|e| e.event.body().stream == stream);
    let (version, prev) = head.map_or((0, Hash::ZERO), |e| {
        (e.event.body().version + 1, e.event.hash())
    });
    let last = decoded.last().unwrap();
    let event = compose::event(
        ORIGIN,
        stream,
        version,
        prev,
        kind,
        1,
        last.received,
        key,
        payload,
    )
    .unwrap();
    entries.push(
        Entry {
            position: entries.len() as u64,
            received: last.received + 1,
            event,
        }
        .encode(),
    );
}

/// Verifies a log given as its entries, folding the projections, as a bag's log is verified.
fn verify_entries(entries: &[Vec<u8>]) -> IntegrityReport {
    let mut bin = Vec::new();
    for e in entries {
        bin.extend_from_slice(&(e.len() as u64).to_le_bytes());
        bin.extend_from_slice(e);
    }
    integrity::verify_entries_bin(
        &bin,
        Some(ORIGIN.to_string()),
        &[],
        None,
        VerifyOptions {
            with_projections: true,
            ..VerifyOptions::default()
        },
    )
}

fn present(report: &IntegrityReport, stream: &str, n: u64) -> u64 {
    report.projections.as_ref().unwrap().congresses[stream].sessions[&n]
        .value
        .present
}

/// Convenes `stream` with the convener key (so that its acts are placed in a congress).
fn convene(ledger: &Ledger, convener: &SigningKey, stream: &str) {
    let payload = json!({"org": "hd.test", "term": "2020-2025", "form": "delegates",
        "convened": 300, "opens": "2020-06-05", "closes": "2020-06-07", "rulebook": "qd244-2014",
        "plan": {"seats": {"committee": 2}, "secretary_direct": false}});
    append(ledger, stream, "congress.convened", T0, convener, &payload).unwrap();
}

#[test]
fn scopes_cover_streams_only_at_a_name_boundary() {
    // The vectors of docs/FORMAT.md §4.
    let vectors = [
        ("*", "congress/hd.tp-haiduong/2020-2025", true),
        (
            "congress/hd.tp-haiduong/2020-2025",
            "congress/hd.tp-haiduong/2020-2025",
            true,
        ),
        ("congress/hd.", "congress/hd.tp-haiduong/2020-2025", true),
        (
            "congress/hd.tp-haiduong",
            "congress/hd.tp-haiduong/2020-2025",
            true,
        ),
        (
            "congress/hd.tp-haiduong/",
            "congress/hd.tp-haiduong/2020-2025",
            true,
        ),
        ("complaint/", "complaint/hd-2020-0007", true),
        (
            "congress/hd.tp-haiduong/2020-2025",
            "congress/hd.tp-haiduong/2020-2025-bis",
            false,
        ),
        ("congress/hd", "congress/hdx/2020-2025", false),
        ("congress/hd", "congress/hd.tp-haiduong/2020-2025", false),
        (
            "congress/hd.tp-haiduong",
            "congress/hd.tp-haiduong2/2020-2025",
            false,
        ),
        (
            "congress/hd.tp-haiduong/2020-2025/x",
            "congress/hd.tp-haiduong/2020-2025",
            false,
        ),
    ];
    for (scope, stream, expected) in vectors {
        assert_eq!(
            covers(scope, stream),
            expected,
            "scope `{scope}`, stream `{stream}`"
        );
    }
    // A key scoped to one congress cannot sign in a congress whose name merely extends it.
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    let bis = format!("{CONGRESS}-bis");
    let err = append(
        &ledger,
        &bis,
        "session.opened",
        T0,
        &k.presidium,
        &session(1, 297),
    )
    .unwrap_err();
    assert!(unauthorized(&err).contains("does not cover"), "{err}");
    append(
        &ledger,
        CONGRESS,
        "session.opened",
        T0,
        &k.presidium,
        &session(1, 297),
    )
    .unwrap();
}

#[test]
fn a_correction_is_authorized_where_it_lands_and_shown_with_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    let convener = signing_key_from_seed(&[21; 32]);
    let other_presidium = signing_key_from_seed(&[22; 32]);
    enroll(&ledger, &k, &convener, &["convener"], "congress/");
    enroll(&ledger, &k, &other_presidium, &["presidium"], OTHER);
    convene(&ledger, &convener, CONGRESS);
    convene(&ledger, &convener, OTHER);
    append(
        &ledger,
        CONGRESS,
        "session.opened",
        T0,
        &k.presidium,
        &session(1, 297),
    )
    .unwrap();
    let theirs = append(
        &ledger,
        OTHER,
        "session.opened",
        T0,
        &other_presidium,
        &session(1, 100),
    )
    .unwrap()
    .event_hash;

    // This congress's presidium, writing in its own stream, rewrites the other congress's act:
    // refused, because a correction lands where the act it corrects is.
    let rewrite = correction(&theirs, session(1, 3), "sửa số liệu");
    let err = append(
        &ledger,
        CONGRESS,
        "correction.issued",
        T0,
        &k.presidium,
        &rewrite,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("must be written in the stream"),
        "{err}"
    );
    // Written in the other congress's stream, its scope does not cover it.
    let err = append(
        &ledger,
        OTHER,
        "correction.issued",
        T0,
        &k.presidium,
        &rewrite,
    )
    .unwrap_err();
    assert!(unauthorized(&err).contains("does not cover"), "{err}");
    // The counting committee may not correct a session's opening: judged as that act.
    let ours = ledger.head(CONGRESS).unwrap().unwrap().hash;
    let err = append(
        &ledger,
        CONGRESS,
        "correction.issued",
        T0,
        &k.counting,
        &correction(&ours, session(1, 3), "sửa"),
    )
    .unwrap_err();
    assert!(
        unauthorized(&err).contains("judged as the `session.opened`"),
        "{err}"
    );

    // The other congress's own presidium corrects its act, then corrects the correction: both
    // judged as the session's opening (no authority needed, nor allowed).
    let first = append(
        &ledger,
        OTHER,
        "correction.issued",
        T0 + 60_000,
        &other_presidium,
        &correction(&theirs, session(1, 101), "Ghi nhầm số đại biểu có mặt"),
    )
    .unwrap()
    .event_hash;
    append(
        &ledger,
        OTHER,
        "correction.issued",
        T0 + 120_000,
        &other_presidium,
        &correction(&first, session(1, 102), "Đính chính lần hai"),
    )
    .unwrap();
    let err = append(
        &ledger,
        OTHER,
        "correction.issued",
        T0,
        &k.authority,
        &correction(&first, session(1, 5), "x"),
    )
    .unwrap_err();
    assert!(
        unauthorized(&err).contains("only the key registry"),
        "{err}"
    );

    let report = ledger::verify::integrity(
        &ledger,
        &VerifyOptions {
            with_projections: true,
            ..VerifyOptions::default()
        },
    )
    .unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(present(&report, OTHER, 1), 102);
    assert_eq!(present(&report, CONGRESS, 1), 297);
    let p = report.projections.as_ref().unwrap();
    let shown = &p.corrections[OTHER];
    assert_eq!(shown.len(), 2);
    assert!(shown.iter().all(|c| c.corrected == theirs), "{shown:?}");
    assert_eq!(shown[0].reason, "Ghi nhầm số đại biểu có mặt");
    assert_eq!(shown[1].time, T0 + 120_000);
    assert_eq!(
        shown[1].signer,
        hex::encode(other_presidium.verifying_key().to_bytes())
    );
    assert_eq!(shown[1].replacement, session(1, 102));
    assert!(!p.corrections.contains_key(CONGRESS));

    // The same rewrite slipped into the log behind the ledger's back: reported, and the other
    // congress's figure stays its own.
    let mut log = entries(&ledger);
    forged(
        &mut log,
        CONGRESS,
        "correction.issued",
        &k.presidium,
        &rewrite,
    );
    let report = verify_entries(&log);
    assert!(report.failure.is_none(), "{report:?}");
    assert_eq!(report.unauthorized_count, 1);
    assert_eq!(report.unauthorized[0].position, log.len() as u64 - 1);
    assert!(
        report.unauthorized[0]
            .detail
            .contains("must be written in the stream"),
        "{:?}",
        report.unauthorized[0]
    );
    assert_eq!(present(&report, OTHER, 1), 102);
    assert_eq!(report.projections.as_ref().unwrap().ignored_count, 1);
}

#[test]
fn claimed_time_is_bounded_by_the_received_time_and_backfilling_still_works() {
    let received = T0 + 5 * 365 * 86_400_000;
    let (options, _) = clocked(received);
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), options);
    let err = append(
        &ledger,
        CONGRESS,
        "session.opened",
        received + MAX_CLOCK_SKEW_MS + 1,
        &k.presidium,
        &session(1, 297),
    )
    .unwrap_err();
    assert!(
        unauthorized(&err).contains("ahead of when the ledger received it"),
        "{err}"
    );
    // Exactly the allowed skew is accepted, and so is an act dated years back (a congress
    // recorded afterwards).
    append(
        &ledger,
        CONGRESS,
        "session.opened",
        received + MAX_CLOCK_SKEW_MS,
        &k.presidium,
        &session(1, 297),
    )
    .unwrap();
    append(
        &ledger,
        CONGRESS,
        "session.opened",
        T0 + 1,
        &k.presidium,
        &session(2, 297),
    )
    .unwrap();
    // A log edited to hold an act from the future: the verifier reports it.
    let mut log = entries(&ledger);
    let last = Entry::decode(log.last().unwrap()).unwrap();
    let head = last.event.hash();
    let future = compose::event(
        ORIGIN,
        CONGRESS,
        last.event.body().version + 1,
        head,
        "session.opened",
        1,
        last.received + 10 * MAX_CLOCK_SKEW_MS,
        &k.presidium,
        &session(3, 297),
    )
    .unwrap();
    log.push(
        Entry {
            position: log.len() as u64,
            received: last.received + 1,
            event: future,
        }
        .encode(),
    );
    let report = verify_entries(&log);
    assert_eq!(report.unauthorized_count, 1, "{report:?}");
    assert!(
        report.unauthorized[0].detail.contains("ahead"),
        "{report:?}"
    );
}

#[test]
fn authorities_sign_the_registry_only_and_are_rotated_by_acts() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    let old = k.authority.verifying_key().to_bytes();
    let err = append(
        &ledger,
        CONGRESS,
        "session.opened",
        T0,
        &k.authority,
        &session(1, 297),
    )
    .unwrap_err();
    assert!(
        unauthorized(&err).contains("only the key registry"),
        "{err}"
    );
    // Revoking an authority key would change nothing: refused, saying what to do.
    let err = append(
        &ledger,
        "ledger",
        "key.revoked",
        T0,
        &k.authority,
        &compose::revocation(&old, T0, "lộ khóa"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("authority.retired"), "{err}");
    let retire = |key: &[u8; 32]| json!({"key": hex::encode(key), "reason": "thay khóa"});
    let err = append(
        &ledger,
        "ledger",
        "authority.retired",
        T0,
        &k.authority,
        &retire(&old),
    )
    .unwrap_err();
    assert!(err.to_string().contains("last authority"), "{err}");
    // An enrolled key cannot become an authority, nor an authority key be enrolled.
    let add = |key: &[u8; 32]| json!({"key": hex::encode(key), "holder": "Văn phòng", "reason": "thay khóa"});
    let err = append(
        &ledger,
        "ledger",
        "authority.added",
        T0,
        &k.authority,
        &add(&k.presidium.verifying_key().to_bytes()),
    )
    .unwrap_err();
    assert!(err.to_string().contains("key of its own"), "{err}");

    // Rotation: a new authority is added, then the old one retired by it.
    let new = signing_key_from_seed(&[31; 32]);
    let new_public = new.verifying_key().to_bytes();
    append(
        &ledger,
        "ledger",
        "authority.added",
        T0,
        &k.authority,
        &add(&new_public),
    )
    .unwrap();
    let err = append(
        &ledger,
        "ledger",
        "key.enrolled",
        T0,
        &k.authority,
        &compose::enrollment(&new_public, "x", &["presidium"], CONGRESS, T0, None),
    )
    .unwrap_err();
    assert!(err.to_string().contains("authority key"), "{err}");
    append(
        &ledger,
        "ledger",
        "authority.retired",
        T0,
        &new,
        &retire(&old),
    )
    .unwrap();
    // The retired key authorizes nothing any more; the new one does.
    let someone = signing_key_from_seed(&[32; 32]).verifying_key().to_bytes();
    let enrollment = compose::enrollment(&someone, "Ban", &["presidium"], OTHER, T0, None);
    let err = append(
        &ledger,
        "ledger",
        "key.enrolled",
        T0,
        &k.authority,
        &enrollment,
    )
    .unwrap_err();
    assert!(unauthorized(&err).contains("retired"), "{err}");
    append(&ledger, "ledger", "key.enrolled", T0, &new, &enrollment).unwrap();
    let err = append(
        &ledger,
        "ledger",
        "authority.retired",
        T0,
        &new,
        &retire(&new_public),
    )
    .unwrap_err();
    assert!(err.to_string().contains("last authority"), "{err}");
    let report = ledger::verify::integrity(&ledger, &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(
        ledger.registry().unwrap().holder(&old),
        Some("authority (retired)")
    );
}

#[test]
fn unauthorized_acts_never_feed_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    let convener = signing_key_from_seed(&[21; 32]);
    enroll(&ledger, &k, &convener, &["convener"], "congress/");
    convene(&ledger, &convener, CONGRESS);
    append(
        &ledger,
        CONGRESS,
        "session.opened",
        T0,
        &k.presidium,
        &session(1, 297),
    )
    .unwrap();
    // An outsider's key records the same session with another figure, behind the ledger's back.
    let mut log = entries(&ledger);
    forged(
        &mut log,
        CONGRESS,
        "session.opened",
        &k.outsider,
        &session(1, 12),
    );
    let forged_hash = Entry::decode(log.last().unwrap()).unwrap().event.hash();
    let report = verify_entries(&log);
    assert!(report.failure.is_none(), "{report:?}");
    assert_eq!(report.unauthorized_count, 1);
    // The genuine figure stands, and the forged act is listed as not counted.
    assert_eq!(present(&report, CONGRESS, 1), 297);
    let p = report.projections.as_ref().unwrap();
    assert_eq!(p.ignored_count, 1);
    assert_eq!(p.ignored[0].event, forged_hash.to_hex());
    assert!(p.ignored[0].why.en.contains("not enrolled"), "{:?}", p.ignored);
    // No finding rests on it.
    let findings = ledger::rules::check(p, "qd244-2014").findings;
    assert!(
        findings
            .iter()
            .all(|f| !f.events.contains(&forged_hash.to_hex())),
        "{findings:?}"
    );
}

#[test]
fn payload_text_must_be_nfc_and_free_of_controls_and_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    let act = append(
        &ledger,
        CONGRESS,
        "session.opened",
        T0,
        &k.presidium,
        &session(1, 297),
    )
    .unwrap()
    .event_hash;
    let nfd = "Nguye\u{0302}\u{0303}n Văn Hùng";
    let cases = [
        (nfd.to_string(), "NFC"),
        ("Sửa\u{1b}[2J số liệu".to_string(), "U+001B"),
        ("Sửa số \u{202E}eil uốs".to_string(), "U+202E"),
        ("Sửa\u{85}số".to_string(), "U+0085"),
        ("Sửa\u{7f}".to_string(), "U+007F"),
    ];
    for (reason, what) in cases {
        let payload = correction(&act, session(1, 290), &reason);
        let err = append(
            &ledger,
            CONGRESS,
            "correction.issued",
            T0,
            &k.presidium,
            &payload,
        )
        .unwrap_err();
        match &err {
            AppendError::Schema(e) => {
                assert_eq!(e.path, "/reason", "{err}");
                assert!(e.message.contains(what), "{err}");
                assert!(e.message_vi.contains("văn bản"), "Vietnamese too: {err}");
            }
            other => panic!("{reason:?}: refused as schema, not {other}"),
        }
    }
    // An object key is text too.
    let payload = json!({"corrects": act.to_hex(), "reason": "x",
        "replacement": {"session": 1, "present": 290, "bad\u{202E}key": 1}});
    let err = append(
        &ledger,
        CONGRESS,
        "correction.issued",
        T0,
        &k.presidium,
        &payload,
    )
    .unwrap_err();
    assert!(err.to_string().contains("U+202E"), "{err}");
    // LF and TAB are text.
    let payload = correction(&act, session(1, 290), "Dòng một\n\tdòng hai");
    append(
        &ledger,
        CONGRESS,
        "correction.issued",
        T0,
        &k.presidium,
        &payload,
    )
    .unwrap();

    // An older log holding such text: integrity holds, and the text is reported as a finding.
    let mut log = entries(&ledger);
    forged(
        &mut log,
        CONGRESS,
        "correction.issued",
        &k.presidium,
        &correction(&act, session(1, 291), nfd),
    );
    let report = verify_entries(&log);
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.unsafe_text_count, 1);
    assert_eq!(report.unsafe_text[0].path, "/reason");
    let report = ledger::verify::report::Report::new(report).with_procedure(
        ledger::rules::ProcedureReport {
            findings: Vec::new(),
            unchecked: Vec::new(),
        },
    );
    let findings = report.findings.unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule, "F-01");
    // Printers escape what the rule forbids.
    assert_eq!(
        ledger::format::json::escape_for_display("a\u{1b}[31mb\u{202E}c\nd"),
        "a\\u{001B}[31mb\\u{202E}c\nd"
    );
}

#[test]
fn an_act_proof_proves_its_registry_complete_and_judges_a_correction_as_the_act() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    let key = fixture::log_vkey(&k);
    let act = append(
        &ledger,
        CONGRESS,
        "session.opened",
        T0,
        &k.presidium,
        &session(1, 297),
    )
    .unwrap()
    .event_hash;
    ledger.sign_checkpoint().unwrap();
    let proof = ledger::act_proof::export(&ledger, &act).unwrap();
    let verified = ledger::act_proof::verify(&proof, &key).unwrap();
    assert!(
        !verified.registry_complete,
        "no registry entry after the act yet"
    );

    // A registry entry after the act proves that none before it was left out.
    enroll(&ledger, &k, &k.outsider, &["secretariat"], OTHER);
    ledger.sign_checkpoint().unwrap();
    let proof = ledger::act_proof::export(&ledger, &act).unwrap();
    assert!(proof.registry_next.is_some());
    let verified = ledger::act_proof::verify(&proof, &key).unwrap();
    assert!(verified.registry_complete);
    // Cut short (an entry before the act dropped), the proof no longer holds together...
    let mut cut = proof.clone();
    cut.registry.pop();
    let err = ledger::act_proof::verify(&cut, &key).unwrap_err();
    assert!(err.to_string().contains("next registry entry"), "{err}");
    // ...and without the entry after it, it says that completeness is not proved.
    cut.registry_next = None;
    let verified = ledger::act_proof::verify(&cut, &key).unwrap();
    assert!(!verified.registry_complete);

    // A correction's proof carries the act it corrects, and is judged as that act.
    let fix = append(
        &ledger,
        CONGRESS,
        "correction.issued",
        T0,
        &k.presidium,
        &correction(&act, session(1, 296), "Ghi nhầm"),
    )
    .unwrap()
    .event_hash;
    ledger.sign_checkpoint().unwrap();
    let proof = ledger::act_proof::export(&ledger, &fix).unwrap();
    assert_eq!(proof.corrected.len(), 1);
    let verified = ledger::act_proof::verify(&proof, &key).unwrap();
    assert_eq!(verified.corrects, Some(act));
    let mut missing = proof.clone();
    missing.corrected.clear();
    let err = ledger::act_proof::verify(&missing, &key).unwrap_err();
    assert!(err.to_string().contains("does not carry the act"), "{err}");
    let mut swapped = proof.clone();
    swapped.corrected = vec![proof.registry[1].clone()];
    let err = ledger::act_proof::verify(&swapped, &key).unwrap_err();
    assert!(
        err.to_string().contains("not the act the correction names"),
        "{err}"
    );
}
