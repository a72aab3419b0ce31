//! An irregular congress, made up to exercise every procedure rule once: each irregularity
//! below is recorded (the ledger records acts, it does not judge them) and must produce
//! exactly its one finding. Nothing here comes from a real congress.
//!
//! | rule | the irregular act |
//! | --- | --- |
//! | V-01 | convened on 30 May 2025 for 10 June: far short of 30 working days |
//! | V-05 | session 2 opened with 70 of 120 delegates |
//! | V-04 | the superior committee refuses one elected member |
//! | V-06 | a resolution recorded the day after the congress closed |
//! | B-05 | a counting-committee member is on the committee list it counts (the committee counts `bch`, `bt` and `dd`: schema 2) |
//! | C-01 | 20 candidates for 15 committee seats, over the 20% the congress itself decided (schema 2) |
//! | C-01b | the convening committee itself proposed 18 for 15 |
//! | C-03 | a floor nominee with 30 of 110 in the straw poll put on the list |
//! | C-04 | a floor nominee with 40 taken, one with 50 left off |
//! | C-06 | a deputy-secretary nominee allowed to withdraw on the candidate's own proposal, without the congress's vote (schema 2) |
//! | P-02 | the committee count: 105 valid + 4 invalid ≠ 110 received |
//! | P-04 | the secretary declared elected with 54 votes: over half the 105 valid ballots, not over half the base of 110; declared, not validly elected, so not counted |
//! | P-05 | the standing committee declared with the third-highest passed over |
//! | P-06 | a tie at the committee's last seat decided by the count |
//! | P-07 | a second inspection-commission round after a vote to continue the committee's election, not this one (schema 2) |
//! | P-08 | the delegation's fifth official has fewer votes than its alternate |
//! | R-01 | a resolution declared adopted with 50 of 110 |
//! | K-01 | a complaint lodged after closing, concluded after 15 working days |
//! | K-03 | an anonymous denunciation investigated and concluded |
//! | K-04 | a complaint about a candidate still open when the list was adopted |
//! | K-06 | a complaint concluded after its due date |
//! | T-01 | one woman among the 14 committee members (15 declared, one refused approval) |
//! | T-02 | no committee member under 40 |
//! | PL-01 | a floor nominee elected outside the approved personnel plan |
//! | I-01 | the inspection commission's conclusion dismisses an R-01 finding the checks never made |

use serde_json::{json, Value};

use super::{names, start, vn_time, Recorder, Scenario};
use crate::compose::ComposeError;
use crate::format::Hash;

pub const ORIGIN: &str = "ledger.demo.vn/tinh-mau/2025-2030";
pub const ORG: &str = "mau.huyen-a";
pub const CONGRESS: &str = "congress/mau.huyen-a/2025-2030";
const CONVENED: u64 = 120;

fn p(i: usize) -> String {
    format!("p-{i:02}")
}

fn ps(ids: &[usize]) -> Vec<String> {
    ids.iter().map(|&i| p(i)).collect()
}

type Keys = super::Bodies;

/// Records one round after its opening: the list adopted by a motion, the ballots, the count
/// and the declaration.
struct RoundSpec<'a> {
    election: &'a str,
    round: u64,
    candidates: &'a [usize],
    votes: &'a [u64],
    voters: u64,
    issued: u64,
    received: u64,
    invalid: u64,
    valid: u64,
    elected: &'a [usize],
    declared_alternates: &'a [usize],
    day: u32,
    hour: u32,
}

fn round(r: &mut Recorder, k: &Keys, s: &RoundSpec) -> Result<Hash, ComposeError> {
    let t = |m: u32| vn_time(2025, 6, s.day, s.hour, m);
    let motion = r.record(&k.presidium, CONGRESS, "motion.decided", t(10), json!({
        "motion": format!("{}-{}-list", s.election, s.round), "subject": "candidate_list",
        "text": format!("Thông qua danh sách bầu cử {} vòng {}", s.election, s.round),
        "method": "show_of_hands", "present": s.voters, "for": s.voters, "against": 0, "abstain": 0,
        "adopted": true, "refs": [],
    }))?;
    r.record(&k.presidium, CONGRESS, "candidate_list.adopted", t(11), json!({
        "election": s.election, "round": s.round, "candidates": ps(s.candidates), "motion": motion.to_hex(),
    }))?;
    r.record(
        &k.counting,
        CONGRESS,
        "ballots.issued",
        t(15),
        json!({
            "election": s.election, "round": s.round, "issued": s.issued,
        }),
    )?;
    let votes: serde_json::Map<String, Value> = s
        .candidates
        .iter()
        .zip(s.votes)
        .map(|(&c, &v)| (p(c), json!(v)))
        .collect();
    let counted = r.record(
        &k.counting,
        CONGRESS,
        "ballots.counted",
        t(40),
        json!({
            "election": s.election, "round": s.round, "received": s.received, "valid": s.valid,
            "invalid": s.invalid, "votes": votes,
        }),
    )?;
    r.record(
        &k.counting,
        CONGRESS,
        "election.declared",
        t(45),
        json!({
            "election": s.election, "round": s.round, "elected": ps(s.elected),
            "alternates": ps(s.declared_alternates), "counted": counted.to_hex(),
        }),
    )
}

// A scenario line reads best with the election's facts in a row, as a table would give them.
#[allow(clippy::too_many_arguments)]
fn open(
    r: &mut Recorder,
    k: &Keys,
    e: &str,
    body: &str,
    round: u64,
    seats: u64,
    alternates: u64,
    day: u32,
    hour: u32,
) -> Result<Hash, ComposeError> {
    r.record(
        &k.presidium,
        CONGRESS,
        "election.opened",
        vn_time(2025, 6, day, hour, 0),
        json!({
            "election": e, "body": body, "round": round, "seats": seats, "alternates": alternates,
        }),
    )
}

fn nominate(
    r: &mut Recorder,
    k: &Keys,
    e: &str,
    who: &[usize],
    source: &str,
    day: u32,
    hour: u32,
) -> Result<(), ComposeError> {
    for &i in who {
        let mut n = json!({"election": e, "person": p(i), "source": source});
        if source == "delegate" {
            n["nominated_by"] = json!(p(41));
        }
        r.record(
            &k.presidium,
            CONGRESS,
            "nomination.made",
            vn_time(2025, 6, day, hour, 5),
            n,
        )?;
    }
    Ok(())
}

pub fn build() -> Result<Scenario, ComposeError> {
    let k = super::Bodies::derive("mau");
    let day0 = vn_time(2025, 5, 2, 8, 0);
    let title = "Sổ cái minh họa: một đại hội có sai phạm thủ tục (không có thật)";
    let mut r = start(ORIGIN, title, &k.authority, &k.log, "qd190-2024", day0)?;
    let enroll: [(&ed25519_dalek::SigningKey, &str, &[&str], &str); 7] = [
        (
            &k.superior,
            "Ban Thường vụ Tỉnh ủy (minh họa)",
            &["superior"],
            "*",
        ),
        (
            &k.convener,
            "Ban Thường vụ Huyện ủy (minh họa)",
            &["convener"],
            CONGRESS,
        ),
        (
            &k.presidium,
            "Đoàn Chủ tịch Đại hội",
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
            "Ủy ban Kiểm tra Tỉnh ủy (minh họa)",
            &["inspection", "registrar"],
            "complaint/",
        ),
        (
            &k.inspection,
            "Ủy ban Kiểm tra Tỉnh ủy (minh họa)",
            &["inspection"],
            CONGRESS,
        ),
    ];
    for (key, holder, roles, scope) in enroll {
        r.enroll(&k.authority, key, holder, roles, scope, day0)?;
    }
    r.record(&k.superior, "org/mau.tinh", "org.registered", day0, json!({
        "org": "mau.tinh", "name": "Đảng bộ tỉnh (minh họa)", "parent": null, "level": "province",
    }))?;
    r.record(&k.superior, &format!("org/{ORG}"), "org.registered", day0, json!({
        "org": ORG, "name": "Đảng bộ huyện A (minh họa)", "parent": "mau.tinh", "level": "district",
    }))?;

    let prepared: Vec<usize> = (1..=18).collect();
    // V-01: decided on 30 May for an opening on 10 June.
    r.record(&k.convener, CONGRESS, "congress.convened", vn_time(2025, 5, 30, 9, 0), json!({
        "org": ORG, "term": "2025-2030", "form": "delegates", "convened": CONVENED,
        "opens": "2025-06-10", "closes": "2025-06-12", "rulebook": "qd190-2024",
        "plan": {
            "seats": {"committee": 15, "standing_committee": 3, "secretary": 1, "deputy_secretary": 2,
                      "inspection_commission": 5, "delegation": 5},
            "secretary_direct": true,
            "nominees": {
                "committee": ps(&prepared), "standing_committee": ps(&[1, 2, 3, 4]),
                "secretary": [p(1)], "deputy_secretary": ps(&[2, 3, 5]),
                "inspection_commission": ps(&[6, 7, 8, 9, 10, 11]),
            },
        },
    }))?;
    let people: Vec<usize> = (1..=18)
        .chain(21..=23)
        .chain([31, 32])
        .chain(41..=50)
        .collect();
    for &i in &people {
        r.record(&k.credentials, CONGRESS, "person.registered", vn_time(2025, 6, 9, 14, 0), json!({
            "person": p(i), "name": names::synthetic(i + 100, i == 7), "gender": if i == 7 { "female" } else { "male" },
            "birth_year": 1965 + (i % 20) as i32, "incumbent": [], "delegate": "official",
        }))?;
    }
    let absent: Vec<Value> = (41..=50)
        .map(|i| {
            json!({"person": p(i), "whole_congress": true, "excused": false,
                        "substituted_by": null, "convening_committee_member": false})
        })
        .collect();
    r.record_schema(
        &k.credentials,
        CONGRESS,
        "credentials.reported",
        2,
        vn_time(2025, 6, 10, 8, 0),
        json!({
            "convened": CONVENED, "present": 110, "absent": absent, "disqualified": [],
            "base_exclusions": [],
        }),
    )?;
    r.record(
        &k.presidium,
        CONGRESS,
        "session.opened",
        vn_time(2025, 6, 10, 8, 30),
        json!({"session": 1, "present": 110}),
    )?;
    r.record_schema(&k.presidium, CONGRESS, "motion.decided", 2, vn_time(2025, 6, 10, 8, 40), json!({
        "motion": "m-ban-kiem-phieu", "subject": "counting_committee", "text": "Bầu Ban Kiểm phiếu",
        "method": "show_of_hands", "present": 110, "for": 110, "against": 0, "abstain": 0,
        "adopted": true, "members": ps(&[18, 31, 32]), "refs": [], "elections": ["bch", "bt", "dd"],
    }))?;
    // C-01: the congress's own maximum surplus for the committee, 20%.
    r.record_schema(&k.presidium, CONGRESS, "motion.decided", 2, vn_time(2025, 6, 10, 8, 45), json!({
        "motion": "m-so-du", "subject": "max_surplus", "text": "Số dư tối đa danh sách bầu Ban Chấp hành: 20%",
        "method": "show_of_hands", "present": 110, "for": 110, "against": 0, "abstain": 0,
        "adopted": true, "refs": [], "election": "bch", "surplus_percent": 20,
    }))?;

    // K-04: a complaint about candidate p-16, received on 8 June, before the list (11 June).
    r.record(&k.inspection, "complaint/mau-2025-04", "complaint.received", vn_time(2025, 6, 8, 10, 0), json!({
        "case": "mau-2025-04", "received": "2025-06-08", "channel": "post", "kind": "complaint",
        "complainant": {"anonymous": false, "false_name": false, "no_address": false, "name": "Trần Văn Khải", "signatories": 1},
        "concerns": {"congress": CONGRESS, "person": p(16)}, "summary": "Phản ánh về lý lịch của người ứng cử",
    }))?;
    r.record(
        &k.inspection,
        "complaint/mau-2025-04",
        "complaint.assigned",
        vn_time(2025, 6, 8, 11, 0),
        json!({
            "handler": "Ủy ban Kiểm tra Tỉnh ủy", "due": "2025-06-30",
        }),
    )?;
    // K-03: an anonymous denunciation.
    r.record(&k.inspection, "complaint/mau-2025-03", "complaint.received", vn_time(2025, 6, 5, 9, 0), json!({
        "case": "mau-2025-03", "received": "2025-06-05", "channel": "post", "kind": "denunciation",
        "complainant": {"anonymous": true, "false_name": false, "no_address": false, "signatories": 0},
        "concerns": {"congress": CONGRESS}, "summary": "Đơn nặc danh tố cáo việc chuẩn bị nhân sự",
    }))?;
    // K-06: a complaint due on 20 June.
    r.record(&k.inspection, "complaint/mau-2025-06", "complaint.received", vn_time(2025, 6, 1, 9, 0), json!({
        "case": "mau-2025-06", "received": "2025-06-01", "channel": "in_person", "kind": "complaint",
        "complainant": {"anonymous": false, "false_name": false, "no_address": false, "name": "Lê Thị Hòa", "signatories": 1},
        "concerns": {"congress": CONGRESS}, "summary": "Khiếu nại về việc phân bổ đại biểu",
    }))?;
    r.record(
        &k.inspection,
        "complaint/mau-2025-06",
        "complaint.assigned",
        vn_time(2025, 6, 2, 9, 0),
        json!({
            "handler": "Ủy ban Kiểm tra Tỉnh ủy", "due": "2025-06-20",
        }),
    )?;

    // The committee: 18 proposed (C-01b), three floor nominees, 20 on the list (C-01).
    open(&mut r, &k, "bch", "committee", 1, 15, 0, 11, 8)?;
    nominate(&mut r, &k, "bch", &prepared, "committee_list", 11, 8)?;
    nominate(&mut r, &k, "bch", &[21, 22, 23], "delegate", 11, 8)?;
    r.record(
        &k.counting,
        CONGRESS,
        "straw_poll.counted",
        vn_time(2025, 6, 11, 8, 30),
        json!({
            "election": "bch", "present": 110, "votes": {p(21): 30, p(22): 40, p(23): 50},
        }),
    )?;
    // On the list: the 18 proposed, p-21 without enough support (C-03) and p-22 while p-23,
    // with more, is left off (C-04). p-01..p-13 get 100..76 votes; p-14 and p-15 tie at 70 for
    // the last seat and p-14 is declared (P-06); p-22 is elected outside the plan (PL-01); the
    // count does not add up (P-02).
    let list: Vec<usize> = prepared.iter().copied().chain([21, 22]).collect();
    let votes: Vec<u64> = (0..13u64)
        .map(|i| 100 - 2 * i)
        .chain([70, 70, 50, 45, 40, 30, 74])
        .collect();
    let elected: Vec<usize> = (1..=13).chain([22, 14]).collect();
    round(
        &mut r,
        &k,
        &RoundSpec {
            election: "bch",
            round: 1,
            candidates: &list,
            votes: &votes,
            voters: 110,
            issued: 110,
            received: 110,
            invalid: 4,
            valid: 105,
            elected: &elected,
            declared_alternates: &[],
            day: 11,
            hour: 9,
        },
    )?;
    // The secretary, directly: 54 of 105 valid, not more than half of 110 (P-04).
    open(&mut r, &k, "bt", "secretary", 1, 1, 0, 11, 11)?;
    nominate(&mut r, &k, "bt", &[1], "committee_list", 11, 11)?;
    round(
        &mut r,
        &k,
        &RoundSpec {
            election: "bt",
            round: 1,
            candidates: &[1],
            votes: &[54],
            voters: 110,
            issued: 110,
            received: 109,
            invalid: 4,
            valid: 105,
            elected: &[1],
            declared_alternates: &[],
            day: 11,
            hour: 11,
        },
    )?;
    // The standing committee: p-03 (12 votes) passed over for p-04 (11) (P-05).
    open(&mut r, &k, "ubtv", "standing_committee", 1, 3, 0, 11, 14)?;
    nominate(&mut r, &k, "ubtv", &[1, 2, 3, 4], "committee_list", 11, 14)?;
    round(
        &mut r,
        &k,
        &RoundSpec {
            election: "ubtv",
            round: 1,
            candidates: &[1, 2, 3, 4],
            votes: &[14, 13, 12, 11],
            voters: 15,
            issued: 15,
            received: 15,
            invalid: 0,
            valid: 15,
            elected: &[1, 2, 4],
            declared_alternates: &[],
            day: 11,
            hour: 14,
        },
    )?;
    // The deputies: p-05 withdraws on their own proposal, with the presidium's leave only (C-06).
    open(&mut r, &k, "pbt", "deputy_secretary", 1, 2, 0, 11, 15)?;
    nominate(&mut r, &k, "pbt", &[2, 3, 5], "committee_list", 11, 15)?;
    r.record_schema(
        &k.presidium,
        CONGRESS,
        "withdrawal.decided",
        2,
        vn_time(2025, 6, 11, 15, 8),
        json!({
            "election": "pbt", "person": p(5), "reason": "Lý do sức khỏe", "allowed": true,
            "proposed_by": "candidate",
        }),
    )?;
    round(
        &mut r,
        &k,
        &RoundSpec {
            election: "pbt",
            round: 1,
            candidates: &[2, 3],
            votes: &[14, 13],
            voters: 15,
            issued: 15,
            received: 15,
            invalid: 0,
            valid: 15,
            elected: &[2, 3],
            declared_alternates: &[],
            day: 11,
            hour: 15,
        },
    )?;
    // The inspection commission: four of five seats, then round 2 with no vote to continue (P-07).
    open(&mut r, &k, "ubkt", "inspection_commission", 1, 5, 0, 11, 16)?;
    nominate(
        &mut r,
        &k,
        "ubkt",
        &[6, 7, 8, 9, 10, 11],
        "committee_list",
        11,
        16,
    )?;
    round(
        &mut r,
        &k,
        &RoundSpec {
            election: "ubkt",
            round: 1,
            candidates: &[6, 7, 8, 9, 10, 11],
            votes: &[12, 11, 10, 9, 5, 4],
            voters: 15,
            issued: 15,
            received: 15,
            invalid: 0,
            valid: 15,
            elected: &[6, 7, 8, 9],
            declared_alternates: &[],
            day: 11,
            hour: 16,
        },
    )?;
    // A vote to continue, but the committee's election, not this one (P-07).
    r.record_schema(
        &k.presidium,
        CONGRESS,
        "motion.decided",
        2,
        vn_time(2025, 6, 11, 16, 50),
        json!({
            "motion": "m-bau-tiep", "subject": "continue_election", "text": "Bầu tiếp",
            "method": "show_of_hands", "present": 110, "for": 100, "against": 10, "abstain": 0,
            "adopted": true, "refs": [], "election": "bch", "additions": false,
        }),
    )?;
    open(&mut r, &k, "ubkt", "inspection_commission", 2, 1, 0, 11, 17)?;
    round(
        &mut r,
        &k,
        &RoundSpec {
            election: "ubkt",
            round: 2,
            candidates: &[10, 11],
            votes: &[10, 4],
            voters: 15,
            issued: 15,
            received: 15,
            invalid: 0,
            valid: 15,
            elected: &[10],
            declared_alternates: &[],
            day: 11,
            hour: 17,
        },
    )?;
    // Session 2 without a quorum (V-05); the delegation out of order (P-08); a resolution
    // without a majority of the base.
    r.record(
        &k.presidium,
        CONGRESS,
        "session.opened",
        vn_time(2025, 6, 12, 8, 0),
        json!({"session": 2, "present": 70}),
    )?;
    open(&mut r, &k, "dd", "delegation", 1, 5, 1, 12, 9)?;
    nominate(
        &mut r,
        &k,
        "dd",
        &[1, 2, 3, 4, 5, 6, 7],
        "committee_list",
        12,
        9,
    )?;
    round(
        &mut r,
        &k,
        &RoundSpec {
            election: "dd",
            round: 1,
            candidates: &[1, 2, 3, 4, 5, 6, 7],
            votes: &[100, 95, 90, 85, 80, 75, 40],
            voters: 110,
            issued: 110,
            received: 110,
            invalid: 0,
            valid: 110,
            elected: &[1, 2, 3, 4, 6],
            declared_alternates: &[5],
            day: 12,
            hour: 9,
        },
    )?;
    r.record(
        &k.presidium,
        CONGRESS,
        "motion.decided",
        vn_time(2025, 6, 12, 11, 0),
        json!({
            "motion": "nghi-quyet", "subject": "resolution", "text": "Thông qua Nghị quyết Đại hội",
            "method": "show_of_hands", "present": 70, "for": 50, "against": 15, "abstain": 5,
            "adopted": true, "refs": [],
        }),
    )?;
    r.record(
        &k.presidium,
        CONGRESS,
        "congress.closed",
        vn_time(2025, 6, 12, 11, 30),
        json!({"closed": "2025-06-12"}),
    )?;
    // V-06: a resolution recorded the day after closing, as if the congress still sat.
    r.record(
        &k.presidium,
        CONGRESS,
        "motion.decided",
        vn_time(2025, 6, 13, 9, 0),
        json!({
            "motion": "nghi-quyet-bo-sung", "subject": "resolution", "text": "Nghị quyết bổ sung",
            "method": "show_of_hands", "present": 110, "for": 100, "against": 10, "abstain": 0,
            "adopted": true, "refs": [],
        }),
    )?;

    // Complaints decided: K-03 concluded instead of dismissed; K-04 after the list; K-06 late.
    let concluded = |summary: &str| json!({"finding": "unsubstantiated", "summary": summary, "measures": ["none"]});
    r.record(
        &k.inspection,
        "complaint/mau-2025-03",
        "complaint.concluded",
        vn_time(2025, 6, 20, 9, 0),
        concluded("Đã xác minh, không có cơ sở"),
    )?;
    r.record(
        &k.inspection,
        "complaint/mau-2025-04",
        "complaint.concluded",
        vn_time(2025, 6, 14, 9, 0),
        concluded("Không có cơ sở"),
    )?;
    r.record(
        &k.inspection,
        "complaint/mau-2025-06",
        "complaint.concluded",
        vn_time(2025, 6, 25, 9, 0),
        concluded("Không có cơ sở"),
    )?;
    // K-01: lodged after closing, concluded on 20 July, past 15 working days.
    r.record(
        &k.inspection,
        "complaint/mau-2025-01",
        "complaint.received",
        vn_time(2025, 6, 15, 9, 0),
        json!({
            "case": "mau-2025-01", "received": "2025-06-15", "channel": "post", "kind": "election_complaint",
            "complainant": {"anonymous": false, "false_name": false, "no_address": false, "name": "Phạm Văn Tùng", "signatories": 1},
            "concerns": {"congress": CONGRESS}, "summary": "Khiếu nại kết quả bầu cử Ban Chấp hành",
        }),
    )?;
    r.record(
        &k.inspection,
        "complaint/mau-2025-01",
        "complaint.assigned",
        vn_time(2025, 6, 16, 9, 0),
        json!({
            "handler": "Ủy ban Kiểm tra Tỉnh ủy", "due": "2025-07-25",
        }),
    )?;
    r.record(
        &k.inspection,
        "complaint/mau-2025-01",
        "complaint.concluded",
        vn_time(2025, 7, 20, 9, 0),
        concluded("Không có cơ sở"),
    )?;
    // V-04: p-13's election refused.
    let approval = r.record(&k.superior, CONGRESS, "results.approved", vn_time(2025, 6, 30, 9, 0), json!({
        "decision": "Quyết định chuẩn y (minh họa)", "date": "2025-06-30",
        "approved": [{"election": "bch", "persons": ps(&(1..=12).chain([14, 22]).collect::<Vec<_>>())}],
        "refused": [{"election": "bch", "person": p(13), "reason": "Chưa đủ tiêu chuẩn chính trị"}],
    }))?;
    // I-01: the commission accepts the V-04 finding (the checks make it) and dismisses an R-01
    // finding on the approval that the checks never made. (The root is made up: a scenario
    // cannot know the log's root before the ledger assigns its `received` times.)
    r.record(
        &k.inspection,
        CONGRESS,
        "inspection.concluded",
        vn_time(2025, 7, 25, 9, 0),
        json!({
            "checkpoint": {"size": 100, "root": "00".repeat(32)},
            "findings": [
                {"rule": "V-04", "events": [approval.to_hex()], "decision": "accepted",
                 "reason": "Cấp trên không chuẩn y một ủy viên."},
                {"rule": "R-01", "events": [approval.to_hex()], "decision": "dismissed",
                 "reason": "Không có nghị quyết nào dưới ngưỡng."},
            ],
            "summary": "Kết luận kiểm tra (minh họa).",
        }),
    )?;
    Ok(Scenario {
        origin: ORIGIN.to_string(),
        title: title.to_string(),
        log_key: k.log,
        events: r.finish(),
    })
}
