//! The procedure checks: clean congresses produce no finding, irregular ones exactly theirs.

mod common;

use ledger::projections::Projections;
use ledger::rulebook::{Rulebook, Severity};
use ledger::rules;
use ledger::scenarios::hai_duong_2020 as hd;
use ledger::{Ledger, Options, SignedEvent};

#[test]
fn both_rulebooks_load_with_every_rule_and_parameter() {
    let rule_ids: Vec<&str> = rules::CONGRESS_RULES
        .iter()
        .map(|(id, _)| *id)
        .chain(rules::CASE_RULES.iter().map(|(id, _)| *id))
        .collect();
    assert_eq!(rule_ids.len(), 23, "every rule of rulebook.md");
    for id in Rulebook::ids() {
        let rb = Rulebook::get(id).unwrap();
        for rule in &rule_ids {
            assert!(rb.meta(rule).is_some(), "{id} lacks {rule}");
        }
        for p in [
            "notice_working_days",
            "window_working_days",
            "small_body_max_extra",
            "youth_age",
        ] {
            assert!(rb.number(p).is_some(), "{id}: {p}");
        }
        for p in [
            "quorum",
            "max_surplus",
            "floor_support",
            "threshold",
            "women_min",
        ] {
            assert!(rb.fraction(p).is_some(), "{id}: {p}");
        }
        assert!(
            rb.fraction("threshold").unwrap().strict,
            "more than half is strict"
        );
        // Tết 2020 (25 January) is a holiday in every rulebook's calendar.
        let tet = ledger::calendar::parse_date("2020-01-27").unwrap();
        assert!(!rb.holidays.is_working_day(tet), "{id}");
        assert_eq!(rb.meta("P-04").unwrap().severity, Severity::Violation);
        assert_eq!(rb.meta("K-06").unwrap().severity, Severity::Warning);
        assert_eq!(rb.meta("PL-01").unwrap().severity, Severity::Info);
    }
    assert!(Rulebook::get("qd999").is_err());
}

#[test]
fn the_hai_duong_congress_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = hd::build()
        .unwrap()
        .create_ledger(&dir.path().join("l"), Options::default())
        .unwrap();
    let p = Projections::rebuild(&ledger).unwrap();
    let report = rules::check(&p, "qd244-2014");
    assert_eq!(report.unchecked, vec![]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn the_vector_ledger_s_fifty_percent_surplus_is_a_c01_finding() {
    let events = common::load("events.json");
    let c = common::load("checkpoint.json");
    let list = events["events"].as_array().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log_key =
        ledger::crypto::signing_key_from_seed(&common::hex(&c["log_seed_hex"]).try_into().unwrap());
    let genesis = SignedEvent::decode(common::hex(&list[0]["signed_event_hex"])).unwrap();
    let ledger =
        Ledger::create(&dir.path().join("l"), genesis, log_key, Options::default()).unwrap();
    for e in &list[1..] {
        ledger.append(common::hex(&e["signed_event_hex"])).unwrap();
    }
    let p = Projections::rebuild(&ledger).unwrap();
    let report = rules::check(&p, "qd244-2014");
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    // Besides the surplus: convened on 1 May 2020 for 5 June, 25 working days' notice (30 are
    // required); and neither of the two elected is under 40.
    assert_eq!(
        rules,
        vec!["C-01", "T-02", "V-01"],
        "{:#?}",
        report.findings
    );
    assert!(
        report.findings[2].message_en.contains("by 25 working days"),
        "{}",
        report.findings[2].message_en
    );
    assert_eq!(report.findings[1].severity, Severity::Info);
    let f = &report.findings[0];
    assert_eq!(f.severity, Severity::Violation);
    assert_eq!(
        f.events,
        vec![list[16]["event_hash_hex"].as_str().unwrap().to_string()]
    );
    assert!(
        f.message_en.contains("3 candidates for 2 seats"),
        "{}",
        f.message_en
    );
    assert!(
        f.message_vi.contains("3 người cho 2 chỗ"),
        "{}",
        f.message_vi
    );
    assert_eq!(f.rulebook, "qd244-2014");
    assert!(!f.citation.is_empty());
}

#[test]
fn the_irregular_congress_produces_exactly_one_finding_per_rule() {
    use ledger::scenarios::irregular_2025 as irr;
    let dir = tempfile::tempdir().unwrap();
    let ledger = irr::build()
        .unwrap()
        .create_ledger(&dir.path().join("l"), Options::default())
        .unwrap();
    let p = Projections::rebuild(&ledger).unwrap();
    assert_eq!(p.unplaced, vec![]);
    let report = rules::check(&p, "qd190-2024");
    let mut fired: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    fired.sort();
    let mut every: Vec<&str> = rules::CONGRESS_RULES
        .iter()
        .map(|(id, _)| *id)
        .chain(rules::CASE_RULES.iter().map(|(id, _)| *id))
        .collect();
    every.sort();
    assert_eq!(fired, every, "{:#?}", report.findings);
    for f in &report.findings {
        assert_eq!(f.rulebook, "qd190-2024");
        assert!(!f.events.is_empty(), "{} names its acts", f.rule);
        assert!(!f.message_vi.is_empty() && !f.message_en.is_empty());
        let rb = Rulebook::get("qd190-2024").unwrap();
        assert_eq!(f.severity, rb.meta(&f.rule).unwrap().severity);
    }
    let p04 = report.findings.iter().find(|f| f.rule == "P-04").unwrap();
    assert_eq!(p04.parameters["base"], 110);
    assert_eq!(p04.parameters["votes"], 54);
    let k01 = report.findings.iter().find(|f| f.rule == "K-01").unwrap();
    assert!(k01.stream.starts_with("complaint/"), "{}", k01.stream);
}

#[test]
fn the_seasons_of_2020_are_clean() {
    use ledger::scenarios::seasons_2020 as s;
    for scenario in [s::nui_thanh(), s::lang_son(), s::phu_tho()] {
        let dir = tempfile::tempdir().unwrap();
        let ledger = scenario
            .unwrap()
            .create_ledger(&dir.path().join("l"), Options::default())
            .unwrap();
        let report = rules::check(&Projections::rebuild(&ledger).unwrap(), "qd244-2014");
        assert!(report.findings.is_empty(), "{:#?}", report.findings);
    }
}

/// The irregular congress (closed on 12 June 2025) with one more case: `received` as given,
/// concluded on 20 July, past K-01's window.
fn irregular_with_case(received: serde_json::Value) -> Vec<ledger::rulebook::Finding> {
    use ledger::scenarios::{irregular_2025 as irr, vn_time, Bodies};
    let dir = tempfile::tempdir().unwrap();
    let ledger = irr::build()
        .unwrap()
        .create_ledger(&dir.path().join("l"), Options::default())
        .unwrap();
    let k = Bodies::derive("mau");
    let stream = "complaint/mau-2025-99";
    let schema = ledger::domain::latest_schema("complaint.received").unwrap();
    let (received, _) = ledger::confidential::seal("complaint.received", schema, &received);
    let acts = [
        (
            "complaint.received",
            schema,
            vn_time(2025, 6, 15, 9, 0),
            received,
        ),
        (
            "complaint.concluded",
            1,
            vn_time(2025, 7, 20, 9, 0),
            serde_json::json!({"finding": "unsubstantiated", "summary": "Không có cơ sở", "measures": ["none"]}),
        ),
    ];
    for (kind, schema, time, payload) in acts {
        let e = ledger::compose::next_event(
            &ledger,
            stream,
            kind,
            schema,
            time,
            &k.inspection,
            &payload,
        )
        .unwrap();
        ledger.append(e.bytes().to_vec()).unwrap();
    }
    let p = Projections::rebuild(&ledger).unwrap();
    rules::check(&p, "qd190-2024")
        .findings
        .into_iter()
        .filter(|f| f.stream == stream)
        .collect()
}

fn received_v2(kind: &str, flags: [bool; 3], signatories: u64) -> serde_json::Value {
    serde_json::json!({
        "case": "mau-2025-99", "received": "2025-06-15", "channel": "post", "kind": kind,
        "complainant": {"anonymous": flags[0], "false_name": flags[1], "no_address": flags[2], "signatories": signatories},
        "concerns": {"congress": "congress/mau.huyen-a/2025-2030"}, "summary": "Đơn gửi sau đại hội",
    })
}

#[test]
fn k01_s_window_applies_to_election_complaints_only() {
    let rules_of =
        |f: Vec<ledger::rulebook::Finding>| f.into_iter().map(|f| f.rule).collect::<Vec<_>>();
    // The same late decision: an election complaint breaks K-01, a denunciation does not.
    let election = irregular_with_case(received_v2("election_complaint", [false; 3], 1));
    assert_eq!(rules_of(election), vec!["K-01"]);
    let denunciation = irregular_with_case(received_v2("denunciation", [false; 3], 1));
    assert_eq!(rules_of(denunciation), Vec::<String>::new());
    let complaint = irregular_with_case(received_v2("complaint", [false; 3], 1));
    assert_eq!(rules_of(complaint), Vec::<String>::new());
}

#[test]
fn k03_uses_the_flags_recorded_at_receipt() {
    for (flags, signatories, kind, vi) in [
        ([false, true, false], 1, "denunciation", "đơn mạo tên"),
        (
            [false, false, true],
            1,
            "denunciation",
            "đơn không rõ địa chỉ",
        ),
        (
            [false, false, false],
            3,
            "complaint",
            "đơn khiếu nại nhiều người ký",
        ),
    ] {
        let findings = irregular_with_case(received_v2(kind, flags, signatories));
        let k03: Vec<_> = findings.iter().filter(|f| f.rule == "K-03").collect();
        assert_eq!(k03.len(), 1, "{flags:?} {signatories}: {findings:#?}");
        assert!(k03[0].message_vi.starts_with(vi), "{}", k03[0].message_vi);
    }
    // A signed denunciation from a known address, even by several people, is handled.
    let handled = irregular_with_case(received_v2("denunciation", [false; 3], 3));
    assert!(handled.iter().all(|f| f.rule != "K-03"), "{handled:#?}");
}
