//! Composition against targets and the plan: women (T-01), young members (T-02), members
//! elected outside the approved personnel plan (PL-01).

use serde_json::json;

use super::Ctx;
use crate::projections::figures::Share;
use crate::rulebook::Finding;

fn committee_events(ctx: &Ctx) -> Vec<crate::format::Hash> {
    ctx.congress
        .elections
        .values()
        .filter(|e| e.body == "committee")
        .flat_map(|e| {
            e.rounds
                .values()
                .filter_map(|r| r.declared.as_ref().map(|d| d.event))
        })
        .collect()
}

fn youth_age(ctx: &Ctx) -> i32 {
    ctx.rulebook.number("youth_age").map_or(40, |v| v as i32)
}

/// T-01: women on the committee, against the rulebook's minimum.
pub fn t01_women(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(min) = ctx.rulebook.fraction("women_min") else {
        return;
    };
    let c = ctx.composition();
    if c.committee_size == 0 || min.reached_by(c.women.count, c.women.of) {
        return;
    }
    out.push(ctx.finding(
        "T-01",
        committee_events(ctx),
        format!(
            "Cấp ủy viên nữ {}/{} ({}%), dưới mục tiêu {}",
            c.women.count,
            c.women.of,
            c.women.percent,
            min.text()
        ),
        format!(
            "women on the committee {}/{} ({}%), below the target of {}",
            c.women.count,
            c.women.of,
            c.women.percent,
            min.text()
        ),
        &[("women_min", json!(min))],
    ));
}

/// T-02: young members (under the rulebook's youth age in the congress's year): a committee
/// with none is reported.
pub fn t02_young(ctx: &Ctx, out: &mut Vec<Finding>) {
    let age = youth_age(ctx);
    let c = ctx.composition();
    if c.committee_size == 0 || c.young.count > 0 {
        return;
    }
    let Share { count, of, .. } = c.young.clone();
    out.push(ctx.finding(
        "T-02",
        committee_events(ctx),
        format!("Cấp ủy không có ủy viên dưới {age} tuổi ({count}/{of})"),
        format!("the committee has no member under {age} ({count}/{of})"),
        &[("youth_age", json!(age))],
    ));
}

/// PL-01: elected members outside the approved plan's nominees.
pub fn pl01_outside_plan(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(nominees) = &ctx.congress.convened.value.plan.nominees else {
        return;
    };
    for e in ctx.congress.elections.values() {
        let Some(planned) = nominees.get(&e.body) else {
            continue;
        };
        for r in e.rounds.values() {
            let Some(d) = &r.declared else { continue };
            for person in d.value.elected.iter().filter(|p| !planned.contains(p)) {
                out.push(ctx.finding(
                    "PL-01",
                    vec![d.event, ctx.congress.convened.event],
                    format!(
                        "{} trúng cử {} ({}) nhưng không có trong đề án nhân sự được duyệt",
                        ctx.name(person),
                        e.id,
                        e.body
                    ),
                    format!(
                        "{} was elected to {} ({}) but is not among the approved plan's nominees",
                        ctx.name(person),
                        e.id,
                        e.body
                    ),
                    &[],
                ));
            }
        }
    }
}
