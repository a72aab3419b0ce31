//! Projections: the figures of the real reports, and incremental state equal to a rebuild.

mod common;

use ledger::projections::congress::State;
use ledger::projections::figures;
use ledger::projections::Projections;
use ledger::scenarios::hai_duong_2020 as hd;
use ledger::Options;

#[test]
fn hai_duong_2020_reproduces_the_reported_figures() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = hd::build()
        .unwrap()
        .create_ledger(&dir.path().join("l"), Options::default())
        .unwrap();
    let p = Projections::rebuild(&ledger).unwrap();
    assert_eq!(p.unplaced, vec![]);
    let c = &p.congresses[hd::CONGRESS];
    assert_eq!(c.state, State::Approved);
    assert_eq!(c.convened.value.number.as_deref(), Some("XXIII"));

    let attendance = figures::attendance(c).unwrap();
    assert_eq!((attendance.count, attendance.of), (297, 300));
    assert_eq!(
        figures::congress_base(c),
        Some(297),
        "300 summoned less 3 absent with no substitute"
    );

    let comp = figures::composition(c, 40);
    assert_eq!(comp.committee_size, 41);
    assert!(comp.elected_in_one_round);
    assert_eq!(
        (
            comp.incumbents_reelected.count,
            comp.incumbents_reelected.of
        ),
        (32, 32)
    );
    assert_eq!(
        (
            comp.women.count,
            comp.women.of,
            comp.women.percent_1dp().as_str()
        ),
        (8, 41, "19.5")
    );
    assert_eq!(
        (
            comp.young.count,
            comp.young.of,
            comp.young.percent_1dp().as_str()
        ),
        (6, 41, "14.6")
    );
    let secretary = comp.secretary.unwrap();
    assert_eq!(secretary.name.as_deref(), Some("Lê Đình Long"));
    assert_eq!(secretary.of_base.percent_1dp(), "98.7");
    assert_eq!(comp.delegation, Some((37, 2)));
    assert_eq!(comp.delegation_in_one_round, Some(true));

    assert_eq!(c.elected_to("standing_committee").len(), 12);
    assert_eq!(c.elected_to("deputy_secretary").len(), 2);
    assert_eq!(c.elected_to("inspection_commission").len(), 9);
    assert_eq!(c.elected_to("inspection_chair").len(), 1);
    // Elections by the new committee are judged against its 41 members.
    assert_eq!(figures::threshold_base(c, "standing_committee"), Some(41));
    let rounds = figures::rounds(c);
    let committee = rounds.iter().find(|r| r.body == "committee").unwrap();
    assert_eq!((committee.seats, committee.candidates), (41, 46));
    assert!(committee
        .tallies
        .iter()
        .filter(|t| t.elected)
        .all(|t| t.above_threshold));

    let progress = p.progress("hd.tinh-haiduong", Some("2020-2025"), None);
    assert_eq!(
        (
            progress.units,
            progress.held,
            progress.closed,
            progress.approved
        ),
        (1, 1, 1, 1)
    );
    // Its people were registered under schema 1, before locality was recorded: the province's
    // figure counts the secretary as unknown, not as local or not local.
    let e = &progress.elected;
    assert_eq!(
        (e.committee_members, e.women.count, e.young.count),
        (41, 8, 6)
    );
    assert_eq!(e.secretaries_locality_unknown, 1);
    assert_eq!(
        (e.secretaries_not_local.count, e.secretaries_not_local.of),
        (0, 1)
    );
}

#[test]
fn incremental_projections_equal_a_rebuild_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let scenario = hd::build().unwrap();
    let mut events = scenario.events.into_iter();
    let ledger = ledger::Ledger::create(
        &path,
        events.next().unwrap(),
        scenario.log_key,
        Options::default(),
    )
    .unwrap();
    let mut incremental = Projections::default();
    for (i, e) in events.enumerate() {
        ledger.append(e.into_bytes()).unwrap();
        if i % 17 == 0 {
            incremental.catch_up(&ledger).unwrap();
        }
        if i % 61 == 0 {
            // Checkpointed in the index and loaded back, as a restarted server would.
            incremental.save(&ledger).unwrap();
            incremental = Projections::load(&ledger).unwrap();
        }
    }
    incremental.catch_up(&ledger).unwrap();
    let rebuilt = Projections::rebuild(&ledger).unwrap();
    assert_eq!(incremental.position, ledger.size());
    assert!(
        incremental.to_bytes() == rebuilt.to_bytes(),
        "incremental and rebuilt projections differ"
    );
    assert_eq!(
        Projections::from_bytes(&rebuilt.to_bytes()).unwrap(),
        rebuilt
    );
}

fn projections_of(scenario: ledger::scenarios::Scenario) -> Projections {
    let dir = tempfile::tempdir().unwrap();
    let ledger = scenario
        .create_ledger(&dir.path().join("l"), Options::default())
        .unwrap();
    Projections::rebuild(&ledger).unwrap()
}

#[test]
fn the_seasons_of_2020_reproduce_the_reported_progress() {
    use ledger::scenarios::seasons_2020 as s;
    // Núi Thành: 297 official delegates summoned.
    let p = projections_of(s::nui_thanh().unwrap());
    let c = &p.congresses[s::NUI_THANH];
    assert_eq!(c.convened.value.convened, 297);
    assert_eq!(c.convened.value.form, "delegates");
    assert_eq!(figures::attendance(c).unwrap().of, 297);

    // Lạng Sơn's bloc: 42/69 by 19 May 2020, 60.87%.
    let p = projections_of(s::lang_son().unwrap());
    let progress = p.progress(s::LANG_SON_BLOC, Some("2020-2025"), Some("2020-05-19"));
    assert_eq!(
        (
            progress.held,
            progress.units,
            progress.held_percent.as_str()
        ),
        (42, 69, "60.87")
    );
    assert_eq!(progress.pending.len(), 27);
    // "bầu 184 đồng chí tham gia cấp ủy khóa mới", added up from the 42 units' elections.
    assert_eq!(progress.elected.committee_members, 184);
    let later = p.progress(s::LANG_SON_BLOC, Some("2020-2025"), None);
    assert_eq!((later.held, later.closed), (62, 62));
    assert_eq!(later.elected.committee_members, 184 + 20 * 5);

    // Phú Thọ: 18/18 by 12 August 2020, and not the day before.
    let p = projections_of(s::phu_tho().unwrap());
    let done = p.progress(s::PHU_THO, Some("2020-2025"), Some("2020-08-12"));
    assert_eq!(
        (done.held, done.units, done.held_percent.as_str()),
        (18, 18, "100.00")
    );
    // What the 18 congresses elected, from their acts: 16/18 secretaries not local, young
    // members 16,83%, women 19,63%, 15/18 standing committees with a woman.
    let e = &done.elected;
    assert_eq!(e.committee_members, 820);
    let share = |s: &figures::Share| (s.count, s.of, s.percent.clone());
    assert_eq!(share(&e.secretaries_not_local), (16, 18, "88.89".into()));
    assert_eq!(e.secretaries_locality_unknown, 0);
    assert_eq!(share(&e.young), (138, 820, "16.83".into()));
    assert_eq!(share(&e.women), (161, 820, "19.63".into()));
    assert_eq!(
        share(&e.standing_committees_with_a_woman),
        (15, 18, "83.33".into())
    );
    let before = p.progress(s::PHU_THO, Some("2020-2025"), Some("2020-08-11"));
    assert_eq!(before.held, 17);
    assert_eq!(before.elected.committee_members, 820 - 45);
    assert_eq!(before.elected.secretaries_not_local.of, 17);
}

#[test]
fn projections_folded_in_verification_equal_a_rebuild() {
    use ledger::verify::integrity::VerifyOptions;
    for scenario in [
        hd::build().unwrap(),
        ledger::scenarios::irregular_2025::build().unwrap(),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let ledger = scenario
            .create_ledger(&dir.path().join("l"), Options::default())
            .unwrap();
        let report = ledger::verify::integrity(
            &ledger,
            &VerifyOptions {
                with_projections: true,
                ..Default::default()
            },
        )
        .unwrap();
        let folded = report.projections.expect("asked for");
        assert!(folded.to_bytes() == Projections::rebuild(&ledger).unwrap().to_bytes());
    }
}

#[test]
fn those_declared_without_more_than_half_or_refused_approval_are_not_members() {
    use common::congress::{Build, STREAM};
    use serde_json::json;
    let mut b = Build::new("delegates", 100);
    b.credentials(100, 100, json!([]), None);
    for (id, gender, born) in [
        ("a", "female", 1990),
        ("b", "male", 1960),
        ("c", "female", 1995),
    ] {
        b.person(id, gender, born);
    }
    // Three declared to the committee; c has 45 of the base of 100 (more than half of the
    // 80 valid ballots a careless count would use).
    b.open("bch", "committee", 1, 3);
    b.round(
        "bch",
        1,
        &["a", "b", "c", "d"],
        &[90, 80, 45, 30],
        &["a", "b", "c"],
    );
    // The secretary declared with 40: declared, not validly elected.
    b.open("bt", "secretary", 1, 1);
    b.round("bt", 1, &["a"], &[40], &["a"]);
    b.act("congress.closed", 1, json!({"closed": "2025-06-12"}));
    b.act(
        "results.approved",
        1,
        json!({
            "decision": "QĐ-1", "date": "2025-06-20",
            "approved": [{"election": "bch", "persons": ["a"]}],
            "refused": [{"election": "bch", "person": "b", "reason": "Chưa đủ tiêu chuẩn"}],
        }),
    );
    let p = b.projections();
    let c = &p.congresses[STREAM];

    let comp = figures::composition(c, 40);
    assert_eq!(comp.committee_size, 1, "only a is a member");
    assert_eq!((comp.women.count, comp.women.of), (1, 1));
    assert_eq!((comp.young.count, comp.young.of), (1, 1));
    assert!(
        !comp.elected_in_one_round,
        "two of three seats validly filled"
    );
    assert_eq!(comp.secretary, None);
    assert_eq!(
        figures::members(c, "committee", false),
        vec!["a".to_string()]
    );
    // The committee that votes at its first meeting is the two validly elected: the refusal
    // comes after it voted.
    assert_eq!(figures::threshold_base(c, "standing_committee"), Some(2));

    let not_members = figures::not_members(c);
    let not: Vec<(&str, &str, &str)> = not_members
        .iter()
        .map(|n| (n.election.as_str(), n.person.as_str(), n.why.as_str()))
        .collect();
    assert_eq!(
        not,
        vec![
            ("bch", "b", "refused"),
            ("bch", "c", "not_validly_elected"),
            ("bt", "a", "not_validly_elected"),
        ]
    );
    let view = ledger::projections::views::congress(c, &[]);
    assert_eq!(view.not_members.len(), 3);
    assert_eq!(
        view.not_members[0].reason.as_deref(),
        Some("Chưa đủ tiêu chuẩn")
    );
    assert_eq!(
        (view.not_members[1].votes, view.not_members[1].base),
        (45, Some(100))
    );
    let round = view.rounds.iter().find(|r| r.election == "bch").unwrap();
    let tally_c = round.tallies.iter().find(|t| t.person == "c").unwrap();
    assert!(tally_c.elected && !tally_c.above_threshold);
}

#[test]
fn a_later_approval_of_someone_refused_makes_them_a_member() {
    use common::congress::{Build, STREAM};
    use serde_json::json;
    let committee =
        |approved_later: bool| {
            let mut b = Build::new("delegates", 100);
            b.credentials(100, 100, json!([]), None);
            b.open("bch", "committee", 1, 2);
            b.round("bch", 1, &["a", "b", "c"], &[90, 80, 30], &["a", "b"]);
            b.act("congress.closed", 1, json!({"closed": "2025-06-12"}));
            b.act("results.approved", 1, json!({
            "decision": "QĐ-1", "date": "2025-06-20",
            "approved": [{"election": "bch", "persons": ["a"]}],
            "refused": [{"election": "bch", "person": "b", "reason": "Đang xác minh đơn thư"}],
        }));
            if approved_later {
                b.act(
                    "results.approved",
                    1,
                    json!({
                        "decision": "QĐ-2", "date": "2025-07-20",
                        "approved": [{"election": "bch", "persons": ["b"]}], "refused": [],
                    }),
                );
            }
            let p = b.projections();
            figures::members(&p.congresses[STREAM], "committee", false)
        };
    assert_eq!(committee(false), vec!["a".to_string()]);
    assert_eq!(committee(true), vec!["a".to_string(), "b".to_string()]);
}
