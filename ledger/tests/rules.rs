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
    assert_eq!(rule_ids.len(), 24, "every rule of rulebook.md, and I-01");
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

#[test]
fn an_inspection_conclusion_is_recorded_folded_shown_and_held_to_the_log() {
    use ledger::projections::views;
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let ledger = hd::build()
        .unwrap()
        .create_ledger(&dir.path().join("l"), Options::default())
        .unwrap();
    let k = hd::keys();
    let conclude = |payload: serde_json::Value| {
        let e = ledger::compose::next_event(
            &ledger,
            hd::CONGRESS,
            "inspection.concluded",
            1,
            ledger::scenarios::vn_time(2020, 9, 1, 9, 0),
            &k.inspection,
            &payload,
        )
        .unwrap();
        ledger.append(e.into_bytes()).unwrap()
    };
    // The commission inspected the log as it stands and found nothing: no finding.
    let (size, root) = (ledger.size(), ledger.root().to_hex());
    conclude(json!({
        "checkpoint": {"size": size, "root": root}, "findings": [],
        "summary": "Không phát hiện vi phạm.",
    }));
    let p = Projections::rebuild(&ledger).unwrap();
    let c = &p.congresses[hd::CONGRESS];
    assert_eq!(c.inspections.len(), 1);
    assert_eq!(c.inspections[0].value.checkpoint.size, size);
    let report = rules::check(&p, "qd244-2014");
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let mut view = views::congress(c, &report.findings);
    view.check_roots(
        &views::inspected_roots(&p, |size| ledger.root_at(size).map(Result::ok)).unwrap(),
    );
    assert_eq!(view.inspections.len(), 1);
    assert_eq!(view.inspections[0].root_matches, Some(true));
    assert_eq!(
        view.inspections[0].conclusion.summary,
        "Không phát hiện vi phạm."
    );

    // A conclusion resting on a checkpoint beyond the log, and on a finding the checks never
    // made, is reported (I-01), naming the conclusion; its root cannot match the log.
    let convened = c.convened.event.to_hex();
    let bad = conclude(json!({
        "checkpoint": {"size": size + 1000, "root": root},
        "findings": [{"rule": "P-04", "events": [convened], "decision": "accepted",
                      "reason": "Không đủ quá một nửa."}],
        "summary": "Kết luận dựa trên một phát hiện không có.",
    }));
    let p = Projections::rebuild(&ledger).unwrap();
    let report = rules::check(&p, "qd244-2014");
    let i01: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "I-01")
        .collect();
    assert_eq!(i01.len(), 2, "{:#?}", report.findings);
    assert_eq!(report.findings.len(), 2, "{:#?}", report.findings);
    for f in &i01 {
        assert_eq!(f.events, vec![bad.event_hash.to_hex()]);
        assert_eq!(f.severity, Severity::Warning);
    }
    assert!(i01.iter().any(|f| f.message_en.contains("beyond the log")));
    assert!(i01
        .iter()
        .any(|f| f.message_vi.contains("không đưa ra phát hiện đó")));
    let c = &p.congresses[hd::CONGRESS];
    let mut view = views::congress(c, &report.findings);
    view.check_roots(
        &views::inspected_roots(&p, |size| ledger.root_at(size).map(Result::ok)).unwrap(),
    );
    assert_eq!(view.inspections[1].root_matches, Some(false));
}
