//! Convening the congress: notice (V-01), quorum (V-05), approval of results (V-04), nothing
//! of the proceedings after closing or approval (V-06).

use serde_json::json;

use super::Ctx;
use crate::calendar::{date_of, parse_date, vi_date};
use crate::projections::congress::State;
use crate::rulebook::Finding;

/// V-01: the convening decision precedes the opening by the notice period (working days).
pub fn v01_notice(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(notice) = ctx.rulebook.number("notice_working_days") else {
        return;
    };
    let convened = &ctx.congress.convened;
    let decided = date_of(convened.time);
    let (Some(from), Some(opens)) = (parse_date(&decided), parse_date(&convened.value.opens))
    else {
        return;
    };
    let days = ctx.rulebook.holidays.working_days_between(from, opens);
    if days < notice as i64 {
        out.push(ctx.finding(
            "V-01",
            vec![convened.event],
            format!(
                "Quyết định triệu tập ngày {} chỉ trước ngày khai mạc {} {days} ngày làm việc, ít hơn {notice} ngày theo quy định",
                vi_date(&decided),
                vi_date(&convened.value.opens)
            ),
            format!(
                "the convening decision of {decided} precedes the opening on {} by {days} working days, fewer than the {notice} required",
                convened.value.opens
            ),
            &[("notice_working_days", json!(notice)), ("working_days", json!(days))],
        ));
    }
}

/// V-05: the congress is valid only with a quorum of the delegates (members) summoned.
pub fn v05_quorum(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(quorum) = ctx.rulebook.fraction("quorum") else {
        return;
    };
    let summoned = ctx
        .congress
        .credentials
        .as_ref()
        .map_or(ctx.congress.convened.value.convened, |c| c.value.convened);
    let mut check = |event: &crate::format::Hash, present: u64, what_vi: &str, what_en: &str| {
        if !quorum.reached_by(present, summoned) {
            out.push(ctx.finding(
                "V-05",
                vec![*event],
                format!(
                    "{what_vi}: có mặt {present}/{summoned}, chưa đủ {} số được triệu tập",
                    quorum.text()
                ),
                format!(
                    "{what_en}: {present} of {summoned} present, short of the quorum of {}",
                    quorum.text()
                ),
                &[
                    ("quorum", json!(quorum)),
                    ("present", json!(present)),
                    ("summoned", json!(summoned)),
                ],
            ));
        }
    };
    if let Some(c) = &ctx.congress.credentials {
        check(
            &c.event,
            c.value.present,
            "Báo cáo thẩm tra tư cách đại biểu",
            "credentials report",
        );
    }
    for s in ctx.congress.sessions.values() {
        check(
            &s.event,
            s.value.present,
            &format!("Phiên họp {}", s.value.session),
            &format!("session {}", s.value.session),
        );
    }
}

/// V-04: results are approved by the superior committee; a refused person is not a member.
pub fn v04_approval(ctx: &Ctx, out: &mut Vec<Finding>) {
    for approval in &ctx.congress.approvals {
        for r in &approval.value.refused {
            out.push(ctx.finding(
                "V-04",
                vec![approval.event],
                format!(
                    "Cấp ủy cấp trên không chuẩn y kết quả bầu {} của cuộc bầu {}: {}; người này không là thành viên",
                    ctx.name(&r.person), r.election, r.reason
                ),
                format!(
                    "the superior committee refused to approve the election of {} in {}: {}; they are not a member",
                    ctx.name(&r.person), r.election, r.reason
                ),
                &[("decision", json!(approval.value.decision))],
            ));
        }
    }
}

/// V-06: no act of the congress's proceedings is recorded after the congress closed or its
/// results were approved (in log order); corrections, attachments, the superior's approvals
/// and appointments, the registry of persons and complaints' handling (in their own streams)
/// are not acts of the proceedings.
pub fn v06_nothing_after_closing(ctx: &Ctx, out: &mut Vec<Finding>) {
    for late in &ctx.congress.late {
        let (after_vi, after_en) = match late.after {
            State::Approved => ("kết quả đã được chuẩn y", "its results were approved"),
            _ => ("đại hội đã bế mạc", "the congress closed"),
        };
        out.push(ctx.finding(
            "V-06",
            vec![late.event, late.after_event],
            format!(
                "`{}` được ghi vào sổ sau khi {after_vi}: đại hội không còn họp để quyết định việc này; kết quả chỉ thay đổi qua chuẩn y, chỉ định hoặc giải quyết khiếu nại của cấp trên, và sai sót ghi chép được sửa bằng đính chính",
                late.kind
            ),
            format!(
                "`{}` was recorded after {after_en}: the congress no longer sits to decide it; results change only through the superior's approval, appointment or handling of complaints, and a recording error is fixed by a correction",
                late.kind
            ),
            &[("kind", json!(late.kind))],
        ));
    }
}
