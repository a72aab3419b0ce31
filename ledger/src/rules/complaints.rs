//! Complaints and denunciations: the window after closing (K-01), letters not to be handled
//! (K-03), complaints about candidates before the list (K-04), due dates (K-06).

use serde_json::json;

use super::{finding, CaseCtx};
use crate::calendar::{format_date, parse_date};
use crate::domain::payloads::ComplaintReceived;
use crate::rulebook::Finding;

impl CaseCtx<'_> {
    fn finding(
        &self,
        rule: &str,
        events: Vec<crate::format::Hash>,
        vi: String,
        en: String,
        params: &[(&str, serde_json::Value)],
    ) -> Finding {
        finding(
            self.rulebook,
            rule,
            &self.case.stream,
            events,
            vi,
            en,
            params,
        )
    }

    fn decision_event(&self) -> Option<crate::format::Hash> {
        self.case.concluded.as_ref().map(|c| c.event).or(self
            .case
            .dismissed
            .as_ref()
            .map(|d| d.event))
    }
}

/// K-01: an election complaint (khiếu nại về bầu cử, `kind` `election_complaint`) lodged after
/// the congress is concluded within the window of working days after its closing. Other
/// complaints, denunciations and petitions have their own deadlines (K-06).
pub fn k01_window_after_closing(ctx: &CaseCtx, out: &mut Vec<Finding>) {
    if ctx.case.received.value.kind != "election_complaint" {
        return;
    }
    let (Some(congress), Some(window)) = (ctx.congress, ctx.rulebook.number("window_working_days"))
    else {
        return;
    };
    let Some(closed) = congress
        .closed
        .as_ref()
        .and_then(|c| parse_date(&c.value.closed))
    else {
        return;
    };
    let received = &ctx.case.received.value.received;
    if parse_date(received).is_none_or(|r| r <= closed) {
        return;
    }
    let Some(decided) = ctx.case.decided_on() else {
        return;
    };
    let deadline = ctx
        .rulebook
        .holidays
        .add_working_days(closed, window as u32);
    if parse_date(&decided).is_some_and(|d| d > deadline) {
        let mut events = vec![ctx.case.received.event];
        events.extend(ctx.decision_event());
        out.push(ctx.finding(
            "K-01",
            events,
            format!(
                "Khiếu nại về bầu cử nhận sau đại hội được giải quyết ngày {}, quá {window} ngày làm việc kể từ ngày bế mạc (hạn {})",
                crate::calendar::vi_date(&decided),
                crate::calendar::vi_date(&format_date(deadline))
            ),
            format!(
                "an election complaint lodged after the congress was decided on {decided}, past {window} working days from its closing (deadline {})",
                format_date(deadline)
            ),
            &[("window_working_days", json!(window)), ("deadline", json!(format_date(deadline)))],
        ));
    }
}

/// K-03: anonymous, false-name or unaddressed letters, and complaints several people signed,
/// are not handled: they are dismissed, not concluded. The facts are the public flags recorded
/// at receipt. A denunciation signed by several people is handled (only complaints are
/// refused for it).
pub fn k03_not_handled(ctx: &CaseCtx, out: &mut Vec<Finding>) {
    let received = &ctx.case.received.value;
    let Some((why_vi, why_en)) = k03_reason(received) else {
        return;
    };
    let Some(concluded) = &ctx.case.concluded else {
        return;
    };
    out.push(ctx.finding(
        "K-03",
        vec![ctx.case.received.event, concluded.event],
        format!("{why_vi} đã được xem xét, kết luận thay vì lưu đơn, không xử lý"),
        format!("{why_en} was investigated and concluded instead of being dismissed"),
        &[],
    ));
}

/// Why a letter is not to be handled (K-03), if it is not.
fn k03_reason(received: &ComplaintReceived) -> Option<(&'static str, &'static str)> {
    let who = &received.complainant;
    let complaint = matches!(received.kind.as_str(), "complaint" | "election_complaint");
    if who.anonymous {
        Some(("Đơn nặc danh", "An anonymous letter"))
    } else if who.false_name {
        Some(("Đơn mạo tên", "A letter under a false name"))
    } else if who.no_address {
        Some(("Đơn không rõ địa chỉ", "A letter without a clear address"))
    } else if complaint && who.signatories > 1 {
        Some((
            "Đơn khiếu nại nhiều người ký",
            "A complaint signed by several people",
        ))
    } else {
        None
    }
}

/// K-04: a complaint about a candidate received before the list is adopted is concluded or
/// dismissed before the adoption, or the congress records that it was referred up.
pub fn k04_before_list(ctx: &CaseCtx, out: &mut Vec<Finding>) {
    let (Some(congress), Some(person)) = (
        ctx.congress,
        ctx.case.received.value.concerns.person.as_ref(),
    ) else {
        return;
    };
    let name = congress
        .persons
        .get(person)
        .map_or_else(|| person.clone(), |p| p.value.name.clone());
    let received = ctx.case.received.time;
    let decided_at = ctx.case.concluded.as_ref().map(|c| c.time).or(ctx
        .case
        .dismissed
        .as_ref()
        .map(|d| d.time));
    let referred = congress
        .motions
        .values()
        .any(|m| m.value.refs.contains(&ctx.case.received.event.to_hex()));
    for e in congress.elections.values() {
        for r in e.rounds.values() {
            let Some(list) = &r.list else { continue };
            if !list.value.candidates.contains(person) || list.time < received {
                continue;
            }
            if decided_at.is_some_and(|t| t <= list.time) || referred {
                continue;
            }
            out.push(ctx.finding(
                "K-04",
                vec![ctx.case.received.event, list.event],
                format!(
                    "Đơn liên quan đến ứng cử viên {name} nhận trước khi thông qua danh sách {} nhưng chưa được giải quyết trước đó, và biên bản đại hội không ghi việc chuyển lên cấp trên",
                    e.id
                ),
                format!(
                    "a complaint about candidate {name}, received before the list of {} was adopted, was neither decided before it nor recorded as referred up",
                    e.id
                ),
                &[],
            ));
        }
    }
}

/// K-06: a case is concluded by its due date.
pub fn k06_due_date(ctx: &CaseCtx, out: &mut Vec<Finding>) {
    let (Some(due), Some(decided)) = (ctx.case.due(), ctx.case.decided_on()) else {
        return;
    };
    if decided.as_str() > due {
        let mut events: Vec<crate::format::Hash> =
            ctx.case.assigned.iter().map(|a| a.event).collect();
        events.extend(ctx.decision_event());
        out.push(ctx.finding(
            "K-06",
            events,
            format!(
                "Vụ việc được giải quyết ngày {}, sau hạn {}",
                crate::calendar::vi_date(&decided),
                crate::calendar::vi_date(due)
            ),
            format!("the case was decided on {decided}, after its due date {due}"),
            &[("due", json!(due))],
        ));
    }
}
