//! Counting and results: arithmetic (P-02), the threshold (P-04), seats (P-05), ties (P-06),
//! further rounds (P-07), the delegation's order (P-08), resolutions.

use serde_json::json;

use super::Ctx;
use crate::projections::congress::Round;
use crate::projections::figures::{congress_base, threshold_base, votes_in};
use crate::rulebook::Finding;

/// P-02: `valid + invalid = received ≤ issued`; every candidate's votes ≤ valid; votes only
/// for listed candidates.
pub fn p02_counting_arithmetic(ctx: &Ctx, out: &mut Vec<Finding>) {
    for e in ctx.congress.elections.values() {
        for r in e.rounds.values() {
            let Some(c) = &r.counted else { continue };
            let v = &c.value;
            let mut wrong_vi = Vec::new();
            let mut wrong_en = Vec::new();
            if v.valid + v.invalid != v.received {
                wrong_vi.push(format!(
                    "hợp lệ {} + không hợp lệ {} ≠ thu vào {}",
                    v.valid, v.invalid, v.received
                ));
                wrong_en.push(format!(
                    "valid {} + invalid {} ≠ received {}",
                    v.valid, v.invalid, v.received
                ));
            }
            if let Some(issued) = &r.issued {
                if v.received > issued.value.issued {
                    wrong_vi.push(format!(
                        "số phiếu thu vào {} nhiều hơn số phát ra {}",
                        v.received, issued.value.issued
                    ));
                    wrong_en.push(format!(
                        "{} ballots received, more than the {} issued",
                        v.received, issued.value.issued
                    ));
                }
            }
            for (person, &n) in &v.votes {
                if n > v.valid {
                    wrong_vi.push(format!(
                        "{} được {n} phiếu, nhiều hơn {} phiếu hợp lệ",
                        ctx.name(person),
                        v.valid
                    ));
                    wrong_en.push(format!(
                        "{} has {n} votes, more than the {} valid ballots",
                        ctx.name(person),
                        v.valid
                    ));
                }
                if r.list
                    .as_ref()
                    .is_some_and(|l| !l.value.candidates.contains(person))
                {
                    wrong_vi.push(format!(
                        "{} không có trong danh sách bầu cử",
                        ctx.name(person)
                    ));
                    wrong_en.push(format!("{} is not on the ballot list", ctx.name(person)));
                }
            }
            if !wrong_vi.is_empty() {
                let mut events = vec![c.event];
                events.extend(r.issued.iter().map(|i| i.event));
                out.push(ctx.finding(
                    "P-02",
                    events,
                    format!(
                        "Kết quả kiểm phiếu {} vòng {} không khớp: {}",
                        e.id,
                        r.round,
                        wrong_vi.join("; ")
                    ),
                    format!(
                        "the count of {} round {} does not add up: {}",
                        e.id,
                        r.round,
                        wrong_en.join("; ")
                    ),
                    &[],
                ));
            }
        }
    }
}

/// P-04: elected only with more than half of the base (from the credentials report), not of
/// the valid ballots. Someone declared without it is not a member (`figures::members`).
pub fn p04_more_than_half_of_base(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(threshold) = ctx.rulebook.fraction("threshold") else {
        return;
    };
    for e in ctx.congress.elections.values() {
        let Some(base) = threshold_base(ctx.congress, &e.body) else {
            continue;
        };
        for r in e.rounds.values() {
            let Some(d) = &r.declared else { continue };
            for person in d.value.elected.iter().chain(&d.value.alternates) {
                let votes = votes_in(r, person);
                if !threshold.reached_by(votes, base) {
                    out.push(ctx.finding(
                        "P-04",
                        vec![d.event],
                        format!(
                            "{} được công bố trúng cử {} vòng {} với {votes} phiếu, không quá {} của {base} (cơ sở tính theo báo cáo thẩm tra tư cách, không phải số phiếu hợp lệ): đã công bố nhưng không trúng cử hợp lệ, không tính là thành viên",
                            ctx.name(person), e.id, r.round, threshold.text()
                        ),
                        format!(
                            "{} was declared elected in {} round {} with {votes} votes, not more than {} of the base {base} (from the credentials report, not the valid ballots): declared, not validly elected, and not counted as a member",
                            ctx.name(person), e.id, r.round, threshold.text()
                        ),
                        &[("threshold", json!(threshold)), ("base", json!(base)), ("votes", json!(votes))],
                    ));
                }
            }
        }
    }
}

/// Candidates above the threshold, by votes descending (ties keep list order).
fn ranked_above(r: &Round, base: u64, threshold: &crate::rulebook::Fraction) -> Vec<(String, u64)> {
    let mut above: Vec<(String, u64)> = r
        .counted
        .iter()
        .flat_map(|c| c.value.votes.iter())
        .filter(|(_, &v)| threshold.reached_by(v, base))
        .map(|(p, &v)| (p.clone(), v))
        .collect();
    above.sort_by_key(|a| std::cmp::Reverse(a.1));
    above
}

/// P-05: when more pass the threshold than there are seats, the highest votes win; no more are
/// elected than seats.
pub fn p05_highest_win(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(threshold) = ctx.rulebook.fraction("threshold") else {
        return;
    };
    for e in ctx
        .congress
        .elections
        .values()
        .filter(|e| e.body != "delegation")
    {
        let base = threshold_base(ctx.congress, &e.body).unwrap_or(0);
        for r in e.rounds.values() {
            let Some(d) = &r.declared else { continue };
            let seats = r.opened.value.seats;
            let elected = &d.value.elected;
            let mut problems_vi = Vec::new();
            let mut problems_en = Vec::new();
            if elected.len() as u64 > seats {
                problems_vi.push(format!("{} người trúng cử cho {seats} chỗ", elected.len()));
                problems_en.push(format!(
                    "{} declared elected for {seats} seats",
                    elected.len()
                ));
            }
            let lowest = elected.iter().map(|p| votes_in(r, p)).min().unwrap_or(0);
            for (p, v) in ranked_above(r, base, &threshold) {
                if !elected.contains(&p) && v > lowest {
                    problems_vi.push(format!("{} ({v} phiếu) không trúng cử dù cao phiếu hơn người trúng cử thấp nhất ({lowest})", ctx.name(&p)));
                    problems_en.push(format!(
                        "{} ({v} votes) was not elected though above the lowest elected ({lowest})",
                        ctx.name(&p)
                    ));
                }
            }
            if !problems_vi.is_empty() {
                out.push(ctx.finding(
                    "P-05",
                    vec![d.event],
                    format!(
                        "Kết quả {} vòng {}: {}",
                        e.id,
                        r.round,
                        problems_vi.join("; ")
                    ),
                    format!(
                        "the result of {} round {}: {}",
                        e.id,
                        r.round,
                        problems_en.join("; ")
                    ),
                    &[("seats", json!(seats))],
                ));
            }
        }
    }
}

/// P-06: a tie at the last seat is not decided by the count; it needs another round.
pub fn p06_tie_needs_new_round(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(threshold) = ctx.rulebook.fraction("threshold") else {
        return;
    };
    for e in ctx.congress.elections.values() {
        let base = threshold_base(ctx.congress, &e.body).unwrap_or(0);
        for r in e.rounds.values() {
            let Some(d) = &r.declared else { continue };
            let seats = (r.opened.value.seats + r.opened.value.alternates) as usize;
            let above = ranked_above(r, base, &threshold);
            if above.len() <= seats || seats == 0 {
                continue;
            }
            let last = above[seats - 1].1;
            if above[seats].1 != last {
                continue;
            }
            let tied: Vec<&String> = above
                .iter()
                .filter(|(_, v)| *v == last)
                .map(|(p, _)| p)
                .collect();
            let declared: Vec<&String> =
                d.value.elected.iter().chain(&d.value.alternates).collect();
            if tied.iter().any(|p| declared.contains(p)) {
                let names: Vec<String> = tied.iter().map(|p| ctx.name(p)).collect();
                out.push(ctx.finding(
                    "P-06",
                    vec![d.event],
                    format!(
                        "Cuộc bầu {} vòng {}: {} bằng phiếu ({last}) ở chỗ cuối cùng; việc này phải bầu lại, không được quyết định bằng kết quả kiểm phiếu",
                        e.id, r.round, names.join(", ")
                    ),
                    format!(
                        "Election {} round {}: {} tie ({last} votes) for the last seat; that needs another round, not a decision from the count",
                        e.id, r.round, names.join(", ")
                    ),
                    &[],
                ));
            }
        }
    }
}

/// P-07: a further round of an election follows a round that filled too few seats only after
/// the congress decides to continue *that* election (an adopted motion of subject
/// `continue_election` concerning it, between the two rounds); when that decision allowed no
/// additions, the next round's list names no one who was not on the previous one.
pub fn p07_continue_decided(ctx: &Ctx, out: &mut Vec<Finding>) {
    for e in ctx.congress.elections.values() {
        let rounds: Vec<&Round> = e.rounds.values().collect();
        for pair in rounds.windows(2) {
            let (prev, next) = (pair[0], pair[1]);
            let after = prev
                .declared
                .as_ref()
                .map(|d| d.time)
                .or(prev.counted.as_ref().map(|c| c.time))
                .unwrap_or(prev.opened.time);
            let decision = ctx
                .congress
                .motions
                .values()
                .filter(|m| {
                    m.value.subject == "continue_election"
                        && m.value.adopted
                        && m.time >= after
                        && m.time <= next.opened.time
                        && e.is_concerned_by(&m.value)
                })
                .max_by_key(|m| m.time);
            let Some(decision) = decision else {
                out.push(ctx.finding(
                    "P-07",
                    vec![next.opened.event],
                    format!(
                        "Cuộc bầu {} mở vòng {} mà đại hội chưa biểu quyết bầu tiếp cuộc bầu này sau vòng {}",
                        e.id, next.round, prev.round
                    ),
                    format!(
                        "Election {} opened round {} without the congress deciding to continue this election after round {}",
                        e.id, next.round, prev.round
                    ),
                    &[],
                ));
                continue;
            };
            if decision.value.additions != Some(false) {
                continue;
            }
            let (Some(before), Some(list)) = (&prev.list, &next.list) else {
                continue;
            };
            let added: Vec<&String> = list
                .value
                .candidates
                .iter()
                .filter(|p| !before.value.candidates.contains(p))
                .collect();
            if !added.is_empty() {
                let names: Vec<String> = added.iter().map(|p| ctx.name(p)).collect();
                out.push(ctx.finding(
                    "P-07",
                    vec![list.event, decision.event],
                    format!(
                        "Danh sách {} vòng {} bổ sung {} dù đại hội quyết định bầu tiếp không bổ sung người",
                        e.id, next.round, names.join(", ")
                    ),
                    format!(
                        "the list of {} round {} adds {} though the congress decided to continue without additions",
                        e.id, next.round, names.join(", ")
                    ),
                    &[("added", json!(added))],
                ));
            }
        }
    }
}

/// P-08: a delegation's officials are the highest-voted above the threshold, then its
/// alternates in order.
pub fn p08_delegation_order(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(threshold) = ctx.rulebook.fraction("threshold") else {
        return;
    };
    for e in ctx
        .congress
        .elections
        .values()
        .filter(|e| e.body == "delegation")
    {
        let Some(base) = threshold_base(ctx.congress, &e.body) else {
            continue;
        };
        for r in e.rounds.values() {
            let Some(d) = &r.declared else { continue };
            let above = ranked_above(r, base, &threshold);
            let n_off = d.value.elected.len();
            let expected_off: Vec<&String> = above.iter().take(n_off).map(|(p, _)| p).collect();
            let expected_alt: Vec<&String> = above
                .iter()
                .skip(n_off)
                .take(d.value.alternates.len())
                .map(|(p, _)| p)
                .collect();
            let mut got_off: Vec<&String> = d.value.elected.iter().collect();
            let mut want_off = expected_off.clone();
            got_off.sort();
            want_off.sort();
            let alternates: Vec<&String> = d.value.alternates.iter().collect();
            if got_off != want_off || alternates != expected_alt {
                // Who is out of order, by name and votes.
                let votes = |p: &String| {
                    r.counted
                        .iter()
                        .flat_map(|c| c.value.votes.get(p))
                        .copied()
                        .next()
                        .unwrap_or(0)
                };
                let named = |people: &[&String], unit: &str| {
                    people
                        .iter()
                        .map(|p| format!("{} ({} {unit})", ctx.name(p), votes(p)))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let over: Vec<&String> = got_off
                    .iter()
                    .filter(|p| !want_off.contains(p))
                    .copied()
                    .collect();
                let passed: Vec<&String> = want_off
                    .iter()
                    .filter(|p| !got_off.contains(p))
                    .copied()
                    .collect();
                let (mut vi, mut en) = (Vec::new(), Vec::new());
                if !over.is_empty() {
                    vi.push(format!(
                        "{} được công bố là đại biểu chính thức dù không thuộc những người nhiều phiếu nhất",
                        named(&over, "phiếu")
                    ));
                    en.push(format!(
                        "{} declared official without being among the highest-voted",
                        named(&over, "votes")
                    ));
                }
                if !passed.is_empty() {
                    vi.push(format!(
                        "{} nhiều phiếu hơn mà không là đại biểu chính thức",
                        named(&passed, "phiếu")
                    ));
                    en.push(format!(
                        "{} had more votes and is not an official delegate",
                        named(&passed, "votes")
                    ));
                }
                if alternates != expected_alt {
                    vi.push(format!(
                        "thứ tự dự khuyết là {}, theo số phiếu phải là {}",
                        named(&alternates, "phiếu"),
                        named(&expected_alt, "phiếu")
                    ));
                    en.push(format!(
                        "the alternates are {}, by votes they would be {}",
                        named(&alternates, "votes"),
                        named(&expected_alt, "votes")
                    ));
                }
                out.push(ctx.finding(
                    "P-08",
                    vec![d.event],
                    format!(
                        "Đoàn đại biểu {} vòng {}: chính thức và dự khuyết không theo thứ tự số phiếu từ cao xuống thấp: {}",
                        e.id,
                        r.round,
                        vi.join("; ")
                    ),
                    format!(
                        "delegation {} round {}: officials and alternates are not in descending order of votes: {}",
                        e.id,
                        r.round,
                        en.join("; ")
                    ),
                    &[("expected_officials", json!(expected_off)), ("expected_alternates", json!(expected_alt))],
                ));
            }
        }
    }
}

/// a resolution passes with more than half of the base (as P-04).
pub fn r01_resolution_majority(ctx: &Ctx, out: &mut Vec<Finding>) {
    let (Some(threshold), Some(base)) = (
        ctx.rulebook.fraction("threshold"),
        congress_base(ctx.congress),
    ) else {
        return;
    };
    for m in ctx.congress.motions.values() {
        let v = &m.value;
        if v.subject == "resolution" && v.adopted && !threshold.reached_by(v.for_, base) {
            out.push(ctx.finding(
                "R-01",
                vec![m.event],
                format!("Nghị quyết {} được công bố thông qua với {} phiếu tán thành, không quá {} của {base}", v.motion, v.for_, threshold.text()),
                format!("resolution {} was declared adopted with {} in favour, not more than {} of {base}", v.motion, v.for_, threshold.text()),
                &[("threshold", json!(threshold)), ("base", json!(base))],
            ));
        }
    }
}
