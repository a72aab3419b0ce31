//! The inspection commission's own conclusion (`inspection.concluded`) against the log it
//! names (I-01): the checkpoint it inspected is within the log, and every finding it accepted
//! or dismissed is one the checks make.

use serde_json::json;

use super::{Ctx, CONGRESS_RULES};
use crate::rulebook::Finding;

/// The findings of every other congress rule on this congress (what a conclusion decides on).
fn findings_of_the_checks(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for (id, rule) in CONGRESS_RULES {
        if *id != "I-01" {
            rule(ctx, &mut out);
        }
    }
    out
}

fn decision_words(decision: &str) -> (&'static str, &'static str) {
    match decision {
        "accepted" => ("chấp nhận", "accepted"),
        _ => ("bác bỏ", "dismissed"),
    }
}

/// I-01: a conclusion names a checkpoint of the log (its size at most the log's), and each
/// finding it decides on (rule id and the same acts) is one the checks make on this congress.
/// Judged against the log as it stands: a finding that later acts (a correction) made go away
/// shows as a conclusion resting on a finding that no longer holds.
pub fn i01_conclusion_names_the_log(ctx: &Ctx, out: &mut Vec<Finding>) {
    if ctx.congress.inspections.is_empty() {
        return;
    }
    let log = ctx.projections.position;
    let made = findings_of_the_checks(ctx);
    for c in &ctx.congress.inspections {
        let size = c.value.checkpoint.size;
        if size > log {
            out.push(ctx.finding(
                "I-01",
                vec![c.event],
                format!(
                    "Kết luận kiểm tra nêu điểm kiểm tra (checkpoint) có {size} mục, vượt quá sổ cái ({log} mục): kết luận không dựa trên sổ cái này"
                ),
                format!(
                    "the inspection conclusion names a checkpoint of {size} entries, beyond the log ({log} entries): it does not rest on this log"
                ),
                &[("size", json!(size)), ("log_size", json!(log))],
            ));
        }
        for d in &c.value.findings {
            let mut named = d.events.clone();
            named.sort();
            let exists = made.iter().any(|f| {
                let mut events = f.events.clone();
                events.sort();
                f.rule == d.rule && events == named
            });
            if exists {
                continue;
            }
            let (vi, en) = decision_words(&d.decision);
            out.push(ctx.finding(
                "I-01",
                vec![c.event],
                format!(
                    "Kết luận kiểm tra {vi} phát hiện {} về {} hành vi, nhưng các kiểm tra không đưa ra phát hiện đó trên đại hội này",
                    d.rule,
                    d.events.len()
                ),
                format!(
                    "the inspection conclusion {en} a {} finding on {} act(s), but the checks make no such finding on this congress",
                    d.rule,
                    d.events.len()
                ),
                &[("rule", json!(d.rule)), ("events", json!(d.events))],
            ));
        }
    }
}
