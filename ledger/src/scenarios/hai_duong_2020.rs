//! Hải Dương city's 23rd party congress, 5–7 June 2020 (rulebook `qd244-2014`), as reported
//! by the provincial party committee's office: a 41-member committee elected in one round with
//! all 32 incumbents standing re-elected, 8 women and 6 young members; the secretary, Lê Đình
//! Long, elected directly by the congress with 98.7% of the votes; a 12-member standing
//! committee, 2 deputy secretaries, the inspection commission and its chair; and a delegation
//! of 37 with 2 alternates to the provincial congress, elected in one round.
//!
//! The report gives those figures; everything else here (the other people, the exact tallies,
//! the timetable) is filled in to be consistent with them and with the election rules.

use serde_json::{json, Value};

use super::{names, start, vn_time, Recorder, Scenario};
use crate::compose::ComposeError;

pub const ORIGIN: &str = "ledger.demo.vn/tinh-haiduong/2020-2025";
pub const ORG: &str = "hd.tp-haiduong";
pub const TERM: &str = "2020-2025";
pub const CONGRESS: &str = "congress/hd.tp-haiduong/2020-2025";

/// Official delegates summoned, and those absent for the whole congress with no substitute.
pub const CONVENED: u64 = 300;
const ABSENT: [usize; 3] = [70, 71, 72];
pub const PRESENT: u64 = CONVENED - ABSENT.len() as u64;

/// People 0–45 are the convening committee's list for the committee (0 is the secretary,
/// 0–31 the incumbents, 0–40 those elected); 46–52 are inspection-commission nominees from
/// outside the committee; 53–64 delegation nominees from outside it; 65–69 the counting
/// committee; 70–72 delegates absent for the whole congress.
const PEOPLE: usize = 73;
const COMMITTEE_LIST: usize = 46;
const COMMITTEE_SEATS: usize = 41;
const INCUMBENTS: usize = 32;
const WOMEN: [usize; 10] = [3, 9, 15, 21, 27, 33, 36, 39, 42, 44];
const YOUNG: [usize; 8] = [34, 35, 36, 37, 38, 40, 41, 43];
const SECRETARY: usize = 0;
const DEPUTIES: [usize; 2] = [1, 2];
const INSPECTION_CHAIR: usize = 12;
const COUNTING_COMMITTEE: [usize; 5] = [65, 66, 67, 68, 69];

pub fn person(i: usize) -> String {
    format!("p-{i:03}")
}

fn people(range: impl IntoIterator<Item = usize>) -> Vec<String> {
    range.into_iter().map(person).collect()
}

fn birth_year(i: usize) -> i32 {
    if YOUNG.contains(&i) {
        1981 + (i % 9) as i32
    } else if i == SECRETARY {
        1966
    } else {
        1962 + ((i * 7) % 18) as i32
    }
}

fn name(i: usize) -> String {
    if i == SECRETARY {
        "Lê Đình Long".to_string()
    } else {
        names::synthetic(i, WOMEN.contains(&i) || i == 48 || i == 51)
    }
}

fn incumbent(i: usize) -> Vec<&'static str> {
    match i {
        SECRETARY => vec!["committee", "standing_committee", "secretary"],
        1..=11 => vec!["committee", "standing_committee"],
        _ if i < INCUMBENTS => vec!["committee"],
        _ => vec![],
    }
}

/// The keys of the bodies that sign this congress's acts.
pub type Keys = super::Bodies;

pub fn keys() -> Keys {
    super::Bodies::derive("hai-duong")
}

/// One election by the congress or by the new committee: opened, nominated, listed (after the
/// voters adopt the list), counted and declared.
struct Election<'a> {
    id: &'a str,
    body: &'a str,
    seats: usize,
    alternates: usize,
    candidates: Vec<usize>,
    /// Votes per candidate, in list order.
    votes: Vec<u64>,
    voters: u64,
    invalid: u64,
    /// Who is declared, in order: officials, then alternates.
    elected: Vec<usize>,
    declared_alternates: Vec<usize>,
    day: u32,
    hour: u32,
}

fn hold(r: &mut Recorder, k: &Keys, stream: &str, e: &Election) -> Result<(), ComposeError> {
    let t = |minute: u32| vn_time(2020, 6, e.day, e.hour, minute);
    r.record(&k.presidium, stream, "election.opened", t(0), json!({
        "election": e.id, "body": e.body, "round": 1, "seats": e.seats, "alternates": e.alternates,
    }))?;
    for &c in &e.candidates {
        r.record(
            &k.presidium,
            stream,
            "nomination.made",
            t(2),
            json!({
                "election": e.id, "person": person(c), "source": "committee_list",
            }),
        )?;
    }
    let motion = r.record(
        &k.presidium,
        stream,
        "motion.decided",
        t(10),
        json!({
            "motion": format!("{}-list", e.id), "subject": "candidate_list",
            "text": format!("Thông qua danh sách bầu cử ({})", e.body),
            "method": "show_of_hands", "present": e.voters, "for": e.voters, "against": 0,
            "abstain": 0, "adopted": true, "refs": [],
        }),
    )?;
    r.record(
        &k.presidium,
        stream,
        "candidate_list.adopted",
        t(11),
        json!({
            "election": e.id, "round": 1, "candidates": people(e.candidates.iter().copied()),
            "motion": motion.to_hex(),
        }),
    )?;
    r.record(
        &k.counting,
        stream,
        "ballots.issued",
        t(15),
        json!({
            "election": e.id, "round": 1, "issued": e.voters,
        }),
    )?;
    let votes: serde_json::Map<String, Value> = e
        .candidates
        .iter()
        .zip(&e.votes)
        .map(|(&c, &v)| (person(c), json!(v)))
        .collect();
    let counted = r.record(
        &k.counting,
        stream,
        "ballots.counted",
        t(45),
        json!({
            "election": e.id, "round": 1, "received": e.voters, "valid": e.voters - e.invalid,
            "invalid": e.invalid, "votes": votes,
        }),
    )?;
    r.record(&k.counting, stream, "election.declared", t(50), json!({
        "election": e.id, "round": 1, "elected": people(e.elected.iter().copied()),
        "alternates": people(e.declared_alternates.iter().copied()), "counted": counted.to_hex(),
    }))?;
    Ok(())
}

/// Votes that fall by `step` from `top`, one per candidate.
fn falling(top: u64, step: u64, n: usize) -> Vec<u64> {
    (0..n as u64).map(|i| top - i * step).collect()
}

pub fn build() -> Result<Scenario, ComposeError> {
    let k = keys();
    let day0 = vn_time(2020, 3, 2, 8, 0);
    let title = "Sổ cái đại hội Đảng bộ tỉnh Hải Dương, nhiệm kỳ 2020–2025 (dữ liệu minh họa)";
    let mut r = start(ORIGIN, title, &k.authority, &k.log, "qd244-2014", day0)?;

    let enroll: [(&ed25519_dalek::SigningKey, &str, &[&str], &str); 8] = [
        (
            &k.superior,
            "Ban Thường vụ Tỉnh ủy Hải Dương",
            &["superior"],
            "org/hd.",
        ),
        (
            &k.superior,
            "Ban Thường vụ Tỉnh ủy Hải Dương",
            &["superior"],
            "congress/hd.",
        ),
        (
            &k.convener,
            "Ban Thường vụ Thành ủy Hải Dương khóa XXII",
            &["convener"],
            CONGRESS,
        ),
        (
            &k.presidium,
            "Đoàn Chủ tịch và Đoàn Thư ký Đại hội",
            &["presidium", "secretariat"],
            CONGRESS,
        ),
        (
            &k.credentials,
            "Ban Thẩm tra tư cách đại biểu",
            &["credentials"],
            CONGRESS,
        ),
        (&k.counting, "Ban Kiểm phiếu", &["counting"], CONGRESS),
        (
            &k.inspection,
            "Ủy ban Kiểm tra Tỉnh ủy Hải Dương",
            &["inspection", "registrar"],
            "*",
        ),
        (
            &k.inspection,
            "Ủy ban Kiểm tra Tỉnh ủy Hải Dương",
            &["inspection"],
            "complaint/",
        ),
    ];
    for (key, holder, roles, scope) in enroll {
        r.enroll(&k.authority, key, holder, roles, scope, day0)?;
    }
    r.record(&k.superior, "org/hd.tinh-haiduong", "org.registered", day0, json!({
        "org": "hd.tinh-haiduong", "name": "Đảng bộ tỉnh Hải Dương", "parent": null, "level": "province",
    }))?;
    r.record(&k.superior, &format!("org/{ORG}"), "org.registered", day0, json!({
        "org": ORG, "name": "Đảng bộ thành phố Hải Dương", "parent": "hd.tinh-haiduong", "level": "district",
    }))?;

    record_congress(&mut r, &k, ORG, CONGRESS)?;
    Ok(Scenario {
        origin: ORIGIN.to_string(),
        title: title.to_string(),
        log_key: k.log,
        events: r.finish(),
    })
}

/// Records the congress of `org` in `stream`, from its convening to the approval of its
/// results, with the signatures of `k`'s bodies (whose scopes must cover `stream`).
pub fn record_congress(
    r: &mut Recorder,
    k: &Keys,
    org: &str,
    stream: &str,
) -> Result<(), ComposeError> {
    let plan = json!({
        "seats": {"committee": 41, "standing_committee": 12, "secretary": 1, "deputy_secretary": 2,
                  "inspection_commission": 9, "inspection_chair": 1, "delegation": 37},
        "secretary_direct": true,
        "nominees": {
            "committee": people(0..COMMITTEE_LIST),
            "standing_committee": people(0..13),
            "secretary": [person(SECRETARY)],
            "deputy_secretary": people(DEPUTIES),
            "inspection_commission": people([12, 13, 14, 46, 47, 48, 49, 50, 51, 52]),
            "inspection_chair": [person(INSPECTION_CHAIR)],
        },
    });
    r.record(
        &k.convener,
        stream,
        "congress.convened",
        vn_time(2020, 4, 1, 9, 0),
        json!({
            "org": org, "term": TERM, "number": "XXIII", "form": "delegates", "convened": CONVENED,
            "opens": "2020-06-05", "closes": "2020-06-07", "rulebook": "qd244-2014", "plan": plan,
        }),
    )?;
    for i in 0..PEOPLE {
        r.record(
            &k.credentials,
            stream,
            "person.registered",
            vn_time(2020, 6, 4, 14, 0),
            json!({
                "person": person(i), "name": name(i),
                "gender": if WOMEN.contains(&i) || i == 48 || i == 51 { "female" } else { "male" },
                "birth_year": birth_year(i), "incumbent": incumbent(i), "delegate": "official",
            }),
        )?;
    }
    let absent: Vec<Value> = ABSENT
        .iter()
        .map(|&i| {
            json!({"person": person(i), "whole_congress": true, "excused": true,
                          "substituted_by": null, "convening_committee_member": false})
        })
        .collect();
    r.record(
        &k.credentials,
        stream,
        "credentials.reported",
        vn_time(2020, 6, 5, 8, 0),
        json!({
            "convened": CONVENED, "present": PRESENT, "absent": absent, "disqualified": [],
        }),
    )?;
    r.record(
        &k.presidium,
        stream,
        "session.opened",
        vn_time(2020, 6, 5, 8, 30),
        json!({
            "session": 1, "present": PRESENT,
        }),
    )?;
    for (n, (subject, text, members)) in [
        ("agenda", "Thông qua chương trình Đại hội", None),
        (
            "working_rules",
            "Thông qua quy chế làm việc của Đại hội",
            None,
        ),
        (
            "counting_committee",
            "Bầu Ban Kiểm phiếu",
            Some(people(COUNTING_COMMITTEE)),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let mut m = json!({
            "motion": format!("m-{}", n + 1), "subject": subject, "text": text,
            "method": "show_of_hands", "present": PRESENT, "for": PRESENT, "against": 0,
            "abstain": 0, "adopted": true, "refs": [],
        });
        if let (Some(members), Some(obj)) = (members, m.as_object_mut()) {
            obj.insert("members".into(), json!(members));
        }
        r.record(
            &k.presidium,
            stream,
            "motion.decided",
            vn_time(2020, 6, 5, 8, 40 + n as u32),
            m,
        )?;
    }

    let committee_votes: Vec<u64> = falling(292, 2, COMMITTEE_SEATS)
        .into_iter()
        .chain([140, 136, 131, 127, 122])
        .collect();
    let elections = [
        Election {
            id: "bch",
            body: "committee",
            seats: COMMITTEE_SEATS,
            alternates: 0,
            candidates: (0..COMMITTEE_LIST).collect(),
            votes: committee_votes,
            voters: PRESENT,
            invalid: 2,
            elected: (0..COMMITTEE_SEATS).collect(),
            declared_alternates: vec![],
            day: 6,
            hour: 8,
        },
        Election {
            id: "bt",
            body: "secretary",
            seats: 1,
            alternates: 0,
            candidates: vec![SECRETARY],
            votes: vec![293],
            voters: PRESENT,
            invalid: 0,
            elected: vec![SECRETARY],
            declared_alternates: vec![],
            day: 6,
            hour: 10,
        },
        Election {
            id: "ubtv",
            body: "standing_committee",
            seats: 12,
            alternates: 0,
            candidates: (0..13).collect(),
            votes: vec![41, 41, 40, 40, 39, 39, 38, 38, 37, 36, 35, 34, 19],
            voters: COMMITTEE_SEATS as u64,
            invalid: 0,
            elected: (0..12).collect(),
            declared_alternates: vec![],
            day: 6,
            hour: 14,
        },
        Election {
            id: "pbt",
            body: "deputy_secretary",
            seats: 2,
            alternates: 0,
            candidates: DEPUTIES.to_vec(),
            votes: vec![40, 39],
            voters: COMMITTEE_SEATS as u64,
            invalid: 0,
            elected: DEPUTIES.to_vec(),
            declared_alternates: vec![],
            day: 6,
            hour: 15,
        },
        Election {
            id: "ubkt",
            body: "inspection_commission",
            seats: 9,
            alternates: 0,
            candidates: vec![12, 13, 14, 46, 47, 48, 49, 50, 51, 52],
            votes: vec![40, 39, 38, 37, 36, 35, 34, 33, 32, 17],
            voters: COMMITTEE_SEATS as u64,
            invalid: 0,
            elected: vec![12, 13, 14, 46, 47, 48, 49, 50, 51],
            declared_alternates: vec![],
            day: 6,
            hour: 16,
        },
        Election {
            id: "cnubkt",
            body: "inspection_chair",
            seats: 1,
            alternates: 0,
            candidates: vec![INSPECTION_CHAIR],
            votes: vec![40],
            voters: COMMITTEE_SEATS as u64,
            invalid: 0,
            elected: vec![INSPECTION_CHAIR],
            declared_alternates: vec![],
            day: 6,
            hour: 17,
        },
        Election {
            id: "dd",
            body: "delegation",
            seats: 37,
            alternates: 2,
            candidates: (0..30).chain(53..65).collect(),
            votes: falling(285, 2, 37)
                .into_iter()
                .chain([190, 186, 141, 133, 120])
                .collect(),
            voters: PRESENT,
            invalid: 1,
            elected: (0..30).chain(53..60).collect(),
            declared_alternates: vec![60, 61],
            day: 7,
            hour: 8,
        },
    ];
    for e in &elections {
        debug_assert_eq!(e.candidates.len(), e.votes.len(), "{}", e.id);
        hold(r, k, stream, e)?;
    }
    r.record(
        &k.presidium,
        stream,
        "congress.closed",
        vn_time(2020, 6, 7, 11, 30),
        json!({
            "closed": "2020-06-07",
        }),
    )?;
    let approved: Vec<Value> = elections
        .iter()
        .map(|e| {
            json!({"election": e.id,
            "persons": people(e.elected.iter().chain(&e.declared_alternates).copied())})
        })
        .collect();
    r.record(
        &k.superior,
        stream,
        "results.approved",
        vn_time(2020, 6, 15, 9, 0),
        json!({
            "decision": "Quyết định chuẩn y kết quả bầu cử (minh họa)", "date": "2020-06-15",
            "approved": approved, "refused": [],
        }),
    )?;
    Ok(())
}
