//! The ballot list: counting committee (B-05), surplus (C-01, C-01b), floor nominees (C-03,
//! C-04), withdrawals (C-06).

use serde_json::json;

use super::Ctx;
use crate::format::Hash;
use crate::projections::congress::{Election, Round};
use crate::rulebook::{fraction_range, Finding, Fraction};

fn first_round(e: &Election) -> Option<&Round> {
    e.rounds.values().next()
}

/// B-05: no member of a counting committee is on a ballot list that it counts: the elections
/// its motion lists (`elections`, schema 2), or every election when it lists none (schema 1).
pub fn b05_counting_committee_not_on_list(ctx: &Ctx, out: &mut Vec<Finding>) {
    let counting: Vec<(&String, &Hash, Option<&Vec<String>>)> = ctx
        .congress
        .motions
        .values()
        .filter(|m| m.value.subject == "counting_committee" && m.value.adopted)
        .flat_map(|m| {
            m.value
                .members
                .iter()
                .flatten()
                .map(move |p| (p, &m.event, m.value.elections.as_ref()))
        })
        .collect();
    for e in ctx.congress.elections.values() {
        for r in e.rounds.values() {
            let Some(list) = &r.list else { continue };
            for (person, motion, counts) in &counting {
                if counts.is_none_or(|c| c.contains(&e.id))
                    && list.value.candidates.contains(person)
                {
                    out.push(ctx.finding(
                        "B-05",
                        vec![list.event, **motion],
                        format!(
                            "{} là thành viên Ban Kiểm phiếu nhưng có tên trong danh sách bầu cử {} vòng {}",
                            ctx.name(person), e.id, r.round
                        ),
                        format!(
                            "{} sits on the counting committee and is on the ballot list of {} round {}",
                            ctx.name(person), e.id, r.round
                        ),
                        &[],
                    ));
                }
            }
        }
    }
}

/// C-01: a list for the committee, the standing committee or the inspection commission has
/// more candidates than seats, at most `max_surplus` more (for bodies of 3–5 seats, at most
/// one more); a secretary, deputy secretary or inspection chair may have a single candidate.
/// When the congress decided its own maximum for the election before the list (an adopted
/// motion of subject `max_surplus`, schema 2) and it is within the rulebook's, that is the
/// maximum.
pub fn c01_surplus(ctx: &Ctx, out: &mut Vec<Finding>) {
    let rb = ctx.rulebook;
    let (Some(max), Some(small), Some(small_extra)) = (
        rb.fraction("max_surplus"),
        rb.value("small_body"),
        rb.number("small_body_max_extra"),
    ) else {
        return;
    };
    let small_min = small.get("min").and_then(|v| v.as_u64()).unwrap_or(3);
    let small_max = small.get("max").and_then(|v| v.as_u64()).unwrap_or(5);
    let surplus_bodies = rb.strings("surplus_bodies");
    for e in ctx.congress.elections.values() {
        if !surplus_bodies.contains(&e.body) {
            continue;
        }
        let Some(r) = first_round(e) else { continue };
        let Some(list) = &r.list else { continue };
        let (n, seats) = (list.value.candidates.len() as u64, r.opened.value.seats);
        let extra = n.saturating_sub(seats);
        let small_body = (small_min..=small_max).contains(&seats);
        let (ok, limit_vi, limit_en) = if n <= seats {
            (
                false,
                "phải nhiều hơn số cần bầu".to_string(),
                "more candidates than seats are required".to_string(),
            )
        } else if small_body {
            (
                extra <= small_extra,
                format!("cơ quan {small_min}–{small_max} người chỉ được dư {small_extra}"),
                format!(
                    "a body of {small_min}–{small_max} seats may have at most {small_extra} extra"
                ),
            )
        } else {
            match congress_max_surplus(ctx, e, list.time) {
                Some((own, _)) if max.allows(own.numerator, own.denominator) => (
                    own.allows(extra, seats),
                    format!("số dư tối đa do đại hội quyết định {}", own.text()),
                    format!(
                        "the surplus may be at most {}, as the congress decided",
                        own.text()
                    ),
                ),
                Some((own, _)) => (
                    max.allows(extra, seats),
                    format!(
                        "số dư tối đa {} (đại hội quyết định {}, vượt mức tối đa nên không áp dụng)",
                        max.text(),
                        own.text()
                    ),
                    format!(
                        "the surplus may be at most {} (the congress's own {} is above it and does not apply)",
                        max.text(),
                        own.text()
                    ),
                ),
                None => (
                    max.allows(extra, seats),
                    format!("số dư tối đa {}", max.text()),
                    format!("the surplus may be at most {}", max.text()),
                ),
            }
        };
        if !ok {
            let mut events = vec![list.event];
            events.extend(congress_max_surplus(ctx, e, list.time).map(|(_, m)| m));
            out.push(ctx.finding(
                "C-01",
                events,
                format!("Danh sách bầu {} ({}) có {n} người cho {seats} chỗ (dư {extra}): {limit_vi}", e.id, e.body),
                format!("the ballot list of {} ({}) has {n} candidates for {seats} seats ({extra} extra): {limit_en}", e.id, e.body),
                &[("max_surplus", json!(max)), ("candidates", json!(n)), ("seats", json!(seats))],
            ));
        }
    }
}

/// The maximum surplus the congress decided for `e` by the time `before` (the latest adopted
/// `max_surplus` motion concerning it), as a fraction of the seats, with the motion.
fn congress_max_surplus(ctx: &Ctx, e: &Election, before: i64) -> Option<(Fraction, Hash)> {
    ctx.congress
        .motions
        .values()
        .filter(|m| m.value.subject == "max_surplus" && m.value.adopted && m.time <= before)
        .filter(|m| e.is_concerned_by(&m.value))
        .max_by_key(|m| m.time)
        .and_then(|m| {
            m.value.surplus_percent.map(|p| {
                let own = Fraction {
                    numerator: p,
                    denominator: 100,
                    strict: false,
                };
                (own, m.event)
            })
        })
}

/// C-01b: the convening committee's own list for a body of more than 5 seats carries a
/// surplus within the prepared range (rounded to whole candidates).
pub fn c01b_prepared_surplus(ctx: &Ctx, out: &mut Vec<Finding>) {
    let rb = ctx.rulebook;
    let Some((lo, hi)) = rb.value("prep_surplus").and_then(fraction_range) else {
        return;
    };
    let small_max = rb
        .value("small_body")
        .and_then(|v| v.get("max"))
        .and_then(|v| v.as_u64())
        .unwrap_or(5);
    for e in ctx.congress.elections.values() {
        if !rb.strings("surplus_bodies").contains(&e.body) {
            continue;
        }
        let Some(r) = first_round(e) else { continue };
        let seats = r.opened.value.seats;
        if seats <= small_max {
            continue;
        }
        let prepared: Vec<&Hash> = e
            .nominations
            .values()
            .filter(|n| n.value.source == "committee_list")
            .map(|n| &n.event)
            .collect();
        if prepared.is_empty() {
            continue;
        }
        let extra = (prepared.len() as u64).saturating_sub(seats);
        let (min, max) = (
            lo.of_rounded(seats),
            hi.of_rounded(seats).max(lo.of_rounded(seats)),
        );
        if extra < min || extra > max {
            out.push(ctx.finding(
                "C-01b",
                prepared.iter().map(|h| **h).collect(),
                format!(
                    "Cấp ủy giới thiệu {} người cho {seats} chỗ của {} (dư {extra}), ngoài khoảng dư chuẩn bị {min}–{max} ({}–{})",
                    prepared.len(), e.id, lo.text(), hi.text()
                ),
                format!(
                    "the convening committee's list has {} for {seats} seats of {} ({extra} extra), outside the prepared range of {min}–{max} ({}–{})",
                    prepared.len(), e.id, lo.text(), hi.text()
                ),
                &[("prep_surplus", json!({"min": lo, "max": hi})), ("seats", json!(seats))],
            ));
        }
    }
}

fn floor_nominees(e: &Election) -> Vec<&String> {
    e.nominations
        .values()
        .filter(|n| n.value.source == "self" || n.value.source == "delegate")
        .map(|n| &n.value.person)
        .collect()
}

/// C-03: a floor nominee enters the list only with the backing of more than `floor_support` of
/// those present in the straw poll.
pub fn c03_floor_support(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(bar) = ctx.rulebook.fraction("floor_support") else {
        return;
    };
    for e in ctx.congress.elections.values() {
        let Some(list) = first_round(e).and_then(|r| r.list.as_ref()) else {
            continue;
        };
        for person in floor_nominees(e) {
            if !list.value.candidates.contains(person) {
                continue;
            }
            let (votes, present, mut events) = match &e.straw_poll {
                Some(p) => (
                    p.value.votes.get(person).copied().unwrap_or(0),
                    p.value.present,
                    vec![p.event],
                ),
                None => (0, 0, vec![]),
            };
            if e.straw_poll.is_some() && bar.reached_by(votes, present) {
                continue;
            }
            events.insert(0, list.event);
            out.push(ctx.finding(
                "C-03",
                events,
                format!(
                    "{} được đề cử/ứng cử tại đại hội và đưa vào danh sách {} với {votes}/{present} phiếu giới thiệu, chưa đạt trên {}",
                    ctx.name(person), e.id, bar.text()
                ),
                format!(
                    "{}, nominated from the floor, is on the list of {} with {votes} of {present} in the straw poll, not more than {}",
                    ctx.name(person), e.id, bar.text()
                ),
                &[("floor_support", json!(bar)), ("votes", json!(votes)), ("present", json!(present))],
            ));
        }
    }
}

/// C-04: when floor nominees would push the surplus over the limit, they are taken in
/// descending straw-poll order: none on the list may have fewer votes than one left off who
/// passed the bar.
pub fn c04_floor_order(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(bar) = ctx.rulebook.fraction("floor_support") else {
        return;
    };
    for e in ctx.congress.elections.values() {
        let (Some(list), Some(poll)) =
            (first_round(e).and_then(|r| r.list.as_ref()), &e.straw_poll)
        else {
            continue;
        };
        let votes = |p: &String| poll.value.votes.get(p).copied().unwrap_or(0);
        let passed: Vec<&String> = floor_nominees(e)
            .into_iter()
            .filter(|p| bar.reached_by(votes(p), poll.value.present))
            .collect();
        let (on, off): (Vec<&String>, Vec<&String>) = passed
            .into_iter()
            .partition(|p| list.value.candidates.contains(p));
        for left in &off {
            for taken in on.iter().filter(|t| votes(t) < votes(left)) {
                out.push(ctx.finding(
                    "C-04",
                    vec![list.event, poll.event],
                    format!(
                        "{} ({} phiếu) được đưa vào danh sách {} trong khi {} ({} phiếu) thì không",
                        ctx.name(taken),
                        votes(taken),
                        e.id,
                        ctx.name(left),
                        votes(left)
                    ),
                    format!(
                        "{} ({} votes) was put on the list of {} while {} ({} votes) was left off",
                        ctx.name(taken),
                        votes(taken),
                        e.id,
                        ctx.name(left),
                        votes(left)
                    ),
                    &[],
                ));
            }
        }
    }
}

/// C-06: a withdrawal is decided by the congress (a motion of subject `withdrawal`), on the
/// presidium's proposal (`proposed_by`, schema 2; schema 1 did not say who proposed it).
pub fn c06_withdrawal_by_congress(ctx: &Ctx, out: &mut Vec<Finding>) {
    for e in ctx.congress.elections.values() {
        for w in e.withdrawals.values().filter(|w| w.value.allowed) {
            // The congress's vote on the withdrawal: adopted, or the other way.
            let vote = w.value.motion.as_ref().and_then(|m| {
                ctx.congress
                    .motions
                    .values()
                    .find(|x| x.event.to_hex() == *m && x.value.subject == "withdrawal")
                    .map(|x| x.value.adopted)
            });
            let mut wrong_vi = Vec::new();
            let mut wrong_en = Vec::new();
            match vote {
                Some(true) => {}
                Some(false) => {
                    wrong_vi.push("trái với biểu quyết của đại hội".to_string());
                    wrong_en.push("against the congress's vote".to_string());
                }
                None => {
                    wrong_vi.push("không có biểu quyết của đại hội".to_string());
                    wrong_en.push("without a vote of the congress".to_string());
                }
            }
            if let Some(by) = w
                .value
                .proposed_by
                .as_deref()
                .filter(|by| *by != "presidium")
            {
                wrong_vi.push(format!(
                    "theo đề xuất của {by}, không phải của Đoàn Chủ tịch"
                ));
                wrong_en.push(format!("on the proposal of {by}, not the presidium"));
            }
            if !wrong_vi.is_empty() {
                out.push(ctx.finding(
                    "C-06",
                    vec![w.event],
                    format!(
                        "Cho {} rút khỏi danh sách {} {}",
                        ctx.name(&w.value.person),
                        e.id,
                        wrong_vi.join("; ")
                    ),
                    format!(
                        "{} was allowed to withdraw from {} {}",
                        ctx.name(&w.value.person),
                        e.id,
                        wrong_en.join("; ")
                    ),
                    &[],
                ));
            }
        }
    }
}
