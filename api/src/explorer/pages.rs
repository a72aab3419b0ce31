//! The explorer's pages. Each reads the projections (kept up to date on demand) or a bounded
//! part of the log (one stream, one entry); none reads the whole log.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ledger::projections::views;
use serde::Deserialize;

use super::session::Commission;
use super::{error_page, esc, page, Lang, LangQuery};
use crate::auth::Reader;
use crate::projections::with_projections;
use crate::AppState;

/// How a `Problem` from the projections or storage is shown as a page.
fn failed(lang: Lang, e: crate::Problem) -> Response {
    e.log();
    error_page(
        lang,
        StatusCode::INTERNAL_SERVER_ERROR,
        &format!("Không đọc được sổ cái: {}", e.detail.vi),
        &format!("The ledger could not be read: {}", e.detail.en),
    )
}

/// A time (ms since the epoch) as a local date and time in Asia/Ho_Chi_Minh (UTC+7, no
/// daylight saving), the date as the page's language writes it: `26/4/2020 08:00`,
/// `2020-04-26 08:00`.
pub fn local_time(lang: Lang, ms: i64) -> String {
    let in_day = (ms + 7 * 3_600_000).rem_euclid(86_400_000) / 60_000;
    format!(
        "{} {:02}:{:02}",
        lang.date(&ledger::calendar::date_of(ms)),
        in_day / 60,
        in_day % 60
    )
}

fn short(hex: &str) -> &str {
    hex.get(..12).unwrap_or(hex)
}

fn act_link(lang: Lang, hash: &str) -> String {
    format!(
        "<a class=\"hash\" href=\"/acts/{h}{s}\" title=\"{h}\">{}</a>",
        short(hash),
        h = esc(hash),
        s = lang.suffix()
    )
}

/// What a kind of act is called, in the page's language; the code itself for a kind this
/// table does not know.
fn kind_name(lang: Lang, kind: &str) -> String {
    let (vi, en) = match kind {
        "ledger.created" => ("Khởi tạo sổ cái", "Ledger created"),
        "authority.added" => ("Thêm cơ quan thẩm quyền", "Authority added"),
        "authority.retired" => ("Thôi cơ quan thẩm quyền", "Authority retired"),
        "key.enrolled" => ("Đăng ký khóa", "Key enrolled"),
        "key.revoked" => ("Thu hồi khóa", "Key revoked"),
        "org.registered" => ("Đăng ký tổ chức", "Organization registered"),
        "congress.convened" => ("Triệu tập đại hội", "Congress convened"),
        "session.opened" => ("Khai mạc phiên họp", "Session opened"),
        "credentials.reported" => ("Báo cáo thẩm tra tư cách đại biểu", "Credentials reported"),
        "person.registered" => ("Đăng ký nhân sự", "Person registered"),
        "nomination.made" => ("Giới thiệu, đề cử", "Nomination made"),
        "withdrawal.decided" => ("Quyết định rút khỏi danh sách", "Withdrawal decided"),
        "motion.decided" => ("Biểu quyết", "Motion decided"),
        "straw_poll.counted" => ("Kết quả thăm dò", "Straw poll counted"),
        "election.opened" => ("Bắt đầu cuộc bầu cử", "Election opened"),
        "candidate_list.adopted" => ("Thông qua danh sách bầu cử", "Candidate list adopted"),
        "ballots.issued" => ("Phát phiếu bầu", "Ballots issued"),
        "ballots.counted" => ("Kết quả kiểm phiếu", "Ballots counted"),
        "election.declared" => ("Công bố kết quả bầu cử", "Election declared"),
        "congress.closed" => ("Bế mạc đại hội", "Congress closed"),
        "results.approved" => ("Chuẩn y kết quả bầu cử", "Results approved"),
        "appointment.made" => ("Chỉ định", "Appointment made"),
        "correction.issued" => ("Đính chính", "Correction issued"),
        "document.attached" => ("Đính kèm văn bản", "Document attached"),
        "inspection.concluded" => ("Kết luận kiểm tra", "Inspection concluded"),
        "complaint.received" => ("Tiếp nhận đơn", "Complaint received"),
        "complaint.assigned" => ("Giao giải quyết đơn", "Complaint assigned"),
        "complaint.dismissed" => ("Không thụ lý đơn", "Complaint dismissed"),
        "complaint.concluded" => ("Kết luận giải quyết đơn", "Complaint concluded"),
        "complaint.notified" => ("Thông báo kết quả giải quyết", "Complaint notified"),
        "complaint.reopened" => ("Giải quyết lại đơn", "Complaint reopened"),
        "complaint.shredded" => ("Hủy khóa hồ sơ hết hạn lưu trữ", "Case key destroyed"),
        other => return esc(other),
    };
    esc(lang.t(vi, en))
}

/// A kind of act as a page shows it: its name, and its code beside it.
fn kind_html(lang: Lang, kind: &str) -> String {
    format!(
        "{} <code class=\"kind-code\">{}</code>",
        kind_name(lang, kind),
        esc(kind)
    )
}

pub async fn home(
    State(state): State<Arc<AppState>>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::of(q.lang.as_deref(), &headers);
    let st = state.clone();
    let summary = with_projections(state.clone(), move |p, findings| {
        let registry = st.ledger.registry()?;
        let genesis = registry.genesis_payload();
        let today = ledger::calendar::date_of(ledger::engine::now_ms());
        let register = views::register(p, &today, None);
        let cosigned = st.ledger.latest_cosigned()?;
        // The latest checkpoint, and when the last entry it covers was recorded.
        let latest = match st.ledger.checkpoint() {
            Some(n) => {
                let size = n.checkpoint.size;
                let last = match size {
                    0 => None,
                    _ => st.ledger.entry(size - 1)?.map(|e| e.received),
                };
                Some((size, n.checkpoint.root.to_hex(), last))
            }
            None => None,
        };
        Ok((
            genesis.title.clone(),
            p.congresses
                .values()
                .map(|c| views::congress(c, findings))
                .collect::<Vec<_>>(),
            register,
            findings.len(),
            p.ignored_count,
            p.orgs.keys().cloned().collect::<Vec<_>>(),
            cosigned.map(|n| n.checkpoint.size),
            latest,
        ))
    })
    .await;
    let (title, congresses, register, findings, ignored, orgs, cosigned, latest) = match summary {
        Ok(s) => s,
        Err(e) => return failed(lang, e),
    };
    let mut b = String::new();
    let _ = write!(
        b,
        "<dl class=\"facts\"><dt>{}</dt><dd><code>{}</code></dd><dt>{}</dt><dd>{}</dd>",
        lang.t("Nguồn (origin)", "Origin"),
        esc(state.ledger.origin()),
        lang.t("Số mục trong sổ", "Entries"),
        state.ledger.size()
    );
    match latest {
        Some((size, root, last)) => {
            let _ = write!(
                b,
                "<dt>{}</dt><dd data-checkpoint-size=\"{size}\">{} {size}, {} <code>{root}</code>{}</dd>",
                lang.t("Điểm kiểm (checkpoint) mới nhất", "Latest checkpoint"),
                lang.t("kích thước", "size"),
                lang.t("gốc", "root"),
                last.map_or_else(String::new, |ms| format!(
                    "; <span class=\"checkpoint-time\">{} {} {}</span>",
                    lang.t("mục cuối được ghi lúc", "its last entry recorded at"),
                    local_time(lang, ms),
                    lang.t("(giờ Việt Nam)", "(Vietnam time)")
                )),
            );
        }
        None => {
            let _ = write!(
                b,
                "<dt>{}</dt><dd>{}</dd>",
                lang.t("Điểm kiểm (checkpoint)", "Checkpoint"),
                lang.t("chưa ký", "none signed yet")
            );
        }
    }
    let _ = write!(
        b,
        "<dt>{}</dt><dd><code>{}</code></dd>",
        lang.t(
            "Khóa nhật ký (so với khóa bạn đã ghim)",
            "Log key (compare with the key you pinned)"
        ),
        esc(&state.ledger.log_key().to_string())
    );
    if state.witnesses.is_empty() {
        let _ = write!(
            b,
            "<dt>{}</dt><dd>{}</dd>",
            lang.t("Nhân chứng", "Witnesses"),
            lang.t("không có", "none")
        );
    } else {
        let names: Vec<String> = state.witnesses.iter().map(|w| esc(&w.name)).collect();
        let _ = write!(
            b,
            "<dt>{}</dt><dd>{}; {}: {}</dd>",
            lang.t("Nhân chứng", "Witnesses"),
            names.join(", "),
            lang.t("đã đồng ký đến kích thước", "cosigned up to size"),
            cosigned.map_or_else(|| "—".to_string(), |s| s.to_string())
        );
    }
    b.push_str("</dl>");
    let _ = write!(
        b,
        "<h2>{}</h2><ul class=\"levels\"><li data-level=\"integrity\">{}: <span class=\"count\">{}</span> {}</li><li data-level=\"authority\">{}: <span class=\"count\">{}</span> {}</li><li data-level=\"procedure\">{}: <span class=\"count\">{}</span> {}</li></ul>",
        lang.t("Ba cấp kiểm tra", "The three levels"),
        lang.t("Toàn vẹn (chữ ký, chuỗi, cây Merkle)", "Integrity (signatures, chains, Merkle tree)"),
        state.ledger.size(),
        lang.t("mục đã ghi và kiểm khi ghi", "entries, checked when written"),
        lang.t("Thẩm quyền", "Authority"),
        ignored,
        lang.t("hành vi không được tính (người ký không có thẩm quyền)", "acts not counted (signer not allowed)"),
        lang.t("Thủ tục (quy chế)", "Procedure (rulebook)"),
        findings,
        lang.t("phát hiện", "findings"),
    );
    let _ = write!(
        b,
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        lang.t("Các đại hội", "Congresses"),
        lang.t("Đại hội", "Congress"),
        lang.t("Thời gian", "Dates"),
        lang.t("Trạng thái", "State"),
        lang.t("Phát hiện", "Findings"),
    );
    for c in &congresses {
        let _ = write!(
            b,
            "<tr><td><a href=\"/congresses/{}/{}{}\">{}</a> {}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.org),
            esc(&c.term),
            lang.suffix(),
            esc(&c.org),
            esc(&c.term),
            esc(&lang.date(&c.opens)),
            esc(&lang.date(&c.closes)),
            esc(state_words(lang, c.state.words())),
            c.findings.len()
        );
    }
    b.push_str("</tbody></table>");
    let overdue = register.iter().filter(|r| r.overdue).count();
    let _ = write!(
        b,
        "<h2>{}</h2><p><a href=\"/complaints{}\">{} {}</a>, {} {}</p>",
        lang.t("Sổ đơn thư", "Complaint register"),
        lang.t("", "?lang=en"),
        register.len(),
        lang.t("hồ sơ", "cases"),
        overdue,
        lang.t("quá hạn", "overdue")
    );
    if !orgs.is_empty() {
        let _ = write!(
            b,
            "<h2>{}</h2><ul>",
            lang.t("Tiến độ theo tổ chức", "Progress by organization")
        );
        for o in orgs.iter().take(50) {
            let _ = write!(
                b,
                "<li><a href=\"/progress/{o}{}\">{o}</a></li>",
                lang.suffix(),
                o = esc(o)
            );
        }
        b.push_str("</ul>");
    }
    page(
        lang,
        if title.is_empty() {
            state.ledger.origin()
        } else {
            &title
        },
        &b,
    )
    .into_response()
}

/// One half of a `"vi / en"` pair.
fn state_words(lang: Lang, both: &str) -> &str {
    match both.split_once(" / ") {
        Some((vi, en)) => lang.t(vi, en),
        None => both,
    }
}

fn share(lang: Lang, s: &ledger::projections::figures::Share) -> String {
    format!("{}/{} ({}%)", s.count, s.of, lang.decimal(&s.percent_1dp()))
}

pub async fn congress(
    State(state): State<Arc<AppState>>,
    Path((org, term)): Path<(String, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::of(q.lang.as_deref(), &headers);
    let stream = format!("congress/{org}/{term}");
    let name = stream.clone();
    let st = state.clone();
    let found = with_projections(state, move |p, findings| {
        let Some(c) = p.congresses.get(&name) else {
            return Ok(None);
        };
        let mut view = views::congress(c, findings);
        view.check_roots(&views::inspected_roots(p, |size| {
            st.ledger.root_at(size).map(Result::ok)
        })?);
        let acts = st.ledger.stream(&name, 0, 10_000)?;
        Ok(Some((view, acts, st.ledger.checkpoint())))
    })
    .await;
    let (v, acts, checkpoint) = match found {
        Ok(Some(f)) => f,
        Ok(None) => {
            return error_page(
                lang,
                StatusCode::NOT_FOUND,
                &format!(
                    "Không có đại hội `{stream}` trong sổ cái này. Xem danh sách ở trang chủ."
                ),
                &format!("No congress `{stream}` in this ledger. See the list on the home page."),
            )
        }
        Err(e) => return failed(lang, e),
    };
    let mut b = String::new();
    if let Some(n) = &checkpoint {
        let _ = write!(
            b,
            "<p class=\"checkpoint\">{}: {} {}, {} <code>{}</code></p>",
            lang.t("Theo điểm kiểm của sổ cái", "As of the ledger's checkpoint"),
            lang.t("kích thước", "size"),
            n.checkpoint.size,
            lang.t("gốc", "root"),
            n.checkpoint.root.to_hex()
        );
    }
    let _ = write!(
        b,
        "<dl class=\"facts\"><dt>{}</dt><dd>{} → {}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>",
        lang.t("Thời gian", "Dates"),
        esc(&lang.date(&v.opens)),
        esc(&lang.date(&v.closes)),
        lang.t("Trạng thái", "State"),
        esc(state_words(lang, v.state.words())),
        lang.t("Quy chế", "Rulebook"),
        esc(&v.rulebook)
    );
    if let Some(a) = &v.attendance {
        let _ = write!(
            b,
            "<dt>{}</dt><dd class=\"attendance\">{}/{} ({}%){}</dd>",
            lang.t("Có mặt", "Present"),
            a.count,
            a.of,
            lang.decimal(&a.percent),
            match v.quorum_met {
                Some(true) => format!(", {}", lang.t("đủ túc số", "quorum met")),
                Some(false) => format!(
                    ", <strong>{}</strong>",
                    lang.t("KHÔNG đủ túc số", "NO quorum")
                ),
                None => String::new(),
            }
        );
    }
    if let Some(base) = v.base {
        let _ = write!(
            b,
            "<dt>{}</dt><dd>{base}</dd>",
            lang.t("Cơ sở tính trúng cử", "Threshold base")
        );
    }
    b.push_str("</dl>");
    let c = &v.composition;
    if c.committee_size > 0 {
        let _ = write!(
            b,
            "<h2>{}</h2><dl class=\"facts composition\"><dt>{}</dt><dd class=\"committee\">{}</dd><dt>{}</dt><dd class=\"incumbents\">{}</dd><dt>{}</dt><dd class=\"women\">{}</dd><dt>{}</dt><dd class=\"young\">{}</dd>",
            lang.t("Ban Chấp hành", "Committee"),
            lang.t("Số ủy viên", "Members"),
            c.committee_size,
            lang.t("Tái cử", "Incumbents re-elected"),
            share(lang, &c.incumbents_reelected),
            lang.t("Nữ", "Women"),
            share(lang, &c.women),
            lang.t("Trẻ", "Young"),
            share(lang, &c.young),
        );
        if let Some(s) = &c.secretary {
            let _ = write!(
                b,
                "<dt>{}</dt><dd class=\"secretary\">{}, {} {} ({}% / {})</dd>",
                lang.t("Bí thư", "Secretary"),
                esc(s.name.as_deref().unwrap_or(&s.person)),
                s.votes,
                lang.t("phiếu", "votes"),
                lang.decimal(&s.of_base.percent_1dp()),
                s.of_base.of
            );
        }
        if let Some((officials, alternates)) = c.delegation {
            let _ = write!(
                b,
                "<dt>{}</dt><dd class=\"delegation\">{officials} + {alternates}</dd>",
                lang.t(
                    "Đoàn đại biểu dự đại hội cấp trên",
                    "Delegation to the higher congress"
                ),
            );
        }
        b.push_str("</dl>");
    }
    for r in &v.rounds {
        let _ = write!(
            b,
            "<h2>{} {} ({}), {} {}: {} {}</h2><table class=\"round\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            lang.t("Cuộc bầu", "Election"),
            esc(&r.election),
            body_label(&r.body, lang),
            lang.t("vòng", "round"),
            r.round,
            r.seats,
            lang.t("chỗ", "seats"),
            lang.t("Ứng cử viên", "Candidate"),
            lang.t("Số phiếu", "Votes"),
            lang.t("Tỷ lệ trên cơ sở", "Share of the base"),
            lang.t("Kết quả", "Result"),
        );
        for t in &r.tallies {
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(t.name.as_deref().unwrap_or(&t.person)),
                t.votes,
                share(lang, &t.of_base),
                if t.elected {
                    lang.t("trúng cử", "elected")
                } else {
                    lang.t("không trúng cử", "not elected")
                }
            );
        }
        b.push_str("</tbody></table>");
    }
    for n in &v.not_members {
        let _ = write!(
            b,
            "<p class=\"not-member\">{} ({}): {}</p>",
            esc(n.name.as_deref().unwrap_or(&n.person)),
            esc(&n.election),
            if n.why == "refused" {
                lang.t("không được chuẩn y", "refused approval")
            } else {
                lang.t(
                    "đã công bố nhưng không trúng cử hợp lệ",
                    "declared, not validly elected",
                )
            }
        );
    }
    if !v.approvals.is_empty() {
        let _ = write!(b, "<h2>{}</h2><ul>", lang.t("Chuẩn y", "Approval"));
        for a in &v.approvals {
            let event = a.get("event").and_then(|e| e.as_str()).unwrap_or("");
            let _ = write!(b, "<li>{}</li>", act_link(lang, event));
        }
        b.push_str("</ul>");
    }
    let _ = write!(
        b,
        "<h2>{} ({})</h2><table class=\"findings\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        lang.t("Phát hiện", "Findings"),
        v.findings.len(),
        lang.t("Quy tắc", "Rule"),
        lang.t("Mức độ", "Severity"),
        lang.t("Nội dung", "What"),
        lang.t("Căn cứ", "Citation"),
        lang.t("Hành vi", "Acts"),
    );
    for f in &v.findings {
        let acts: Vec<String> = f.events.iter().map(|e| act_link(lang, e)).collect();
        let _ = write!(
            b,
            "<tr><td>{}</td><td class=\"severity\" data-severity=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.rule),
            f.severity.name(),
            esc(lang.t(f.severity.vi(), f.severity.name())),
            esc(lang.t(&f.message_vi, &f.message_en)),
            esc(&f.citation),
            acts.join(" ")
        );
    }
    b.push_str("</tbody></table>");
    let _ = write!(
        b,
        "<h2>{}</h2><table class=\"timeline\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        lang.t("Diễn biến (giờ Việt Nam)", "Timeline (Vietnam time)"),
        lang.t("Thời điểm", "When"),
        lang.t("Hành vi", "Act"),
        lang.t("Vị trí", "Position"),
        lang.t("Mã băm", "Hash"),
    );
    for e in &acts {
        let body = e.event.body();
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            local_time(lang, body.time),
            kind_html(lang, &body.kind),
            e.position,
            act_link(lang, &e.event.hash().to_hex())
        );
    }
    b.push_str("</tbody></table>");
    let title = format!("{} {} {}", lang.t("Đại hội", "Congress"), v.org, v.term);
    page(lang, &title, &b).into_response()
}

/// Who is looking at an act page: the reader, and the commission key its session holds.
pub struct Viewer {
    reader: Reader,
    commission: Option<Commission>,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Viewer, Self::Rejection> {
        Ok(Viewer {
            reader: parts
                .extensions
                .get::<Reader>()
                .cloned()
                .unwrap_or(Reader(None)),
            commission: parts.extensions.get::<Commission>().cloned(),
        })
    }
}

pub async fn act_at(
    State(state): State<Arc<AppState>>,
    Path(position): Path<String>,
    Query(q): Query<LangQuery>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::of(q.lang.as_deref(), &headers);
    let Ok(position) = position.parse::<u64>() else {
        return error_page(
            lang,
            StatusCode::BAD_REQUEST,
            &format!("`{position}` không phải vị trí (một số nguyên không âm)."),
            &format!("`{position}` is not a position (a whole number)."),
        );
    };
    let st = state.clone();
    match crate::events::blocking(move || st.ledger.entry(position).map_err(crate::Problem::from))
        .await
    {
        Ok(Some(e)) => act_page(state, lang, viewer, e).await,
        Ok(None) => error_page(
            lang,
            StatusCode::NOT_FOUND,
            &format!(
                "Không có mục ở vị trí {position}; sổ cái có {} mục.",
                state.ledger.size()
            ),
            &format!(
                "No entry at position {position}; the ledger has {} entries.",
                state.ledger.size()
            ),
        ),
        Err(e) => failed(lang, e),
    }
}

pub async fn act(
    State(state): State<Arc<AppState>>,
    Path(hash): Path<String>,
    Query(q): Query<LangQuery>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::of(q.lang.as_deref(), &headers);
    let Ok(h) = hash.parse::<ledger::Hash>() else {
        return error_page(
            lang,
            StatusCode::BAD_REQUEST,
            &format!("`{hash}` không phải mã băm của hành vi (64 chữ số hex thường)."),
            &format!("`{hash}` is not an event hash (64 lower-case hex digits)."),
        );
    };
    let st = state.clone();
    match crate::events::blocking(move || st.ledger.entry_by_hash(&h).map_err(crate::Problem::from))
        .await
    {
        Ok(Some(e)) => act_page(state, lang, viewer, e).await,
        Ok(None) => error_page(
            lang,
            StatusCode::NOT_FOUND,
            &format!("Không có hành vi mang mã băm {hash} trong sổ cái này."),
            &format!("No event with hash {hash} in this ledger."),
        ),
        Err(e) => failed(lang, e),
    }
}

/// Labels of the payload fields the acts use, in the page's language; a field not listed
/// keeps its name.
fn field_label(lang: Lang, key: &str) -> String {
    let (vi, en) = match key {
        "org" => ("Tổ chức", "Organization"),
        "term" => ("Nhiệm kỳ", "Term"),
        "name" => ("Họ và tên", "Name"),
        "title" => ("Tên gọi", "Title"),
        "person" => ("Người", "Person"),
        "votes" => ("Số phiếu", "Votes"),
        "seats" => ("Số chỗ", "Seats"),
        "round" => ("Vòng", "Round"),
        "election" => ("Cuộc bầu", "Election"),
        "body" => ("Cơ quan", "Body"),
        "present" => ("Có mặt", "Present"),
        "convened" => ("Được triệu tập", "Convened"),
        "opens" => ("Khai mạc", "Opens"),
        "closes" => ("Bế mạc", "Closes"),
        "reason" => ("Lý do", "Reason"),
        "case" => ("Hồ sơ", "Case"),
        "kind" => ("Loại", "Kind"),
        "subject" => ("Nội dung", "Subject"),
        "members" => ("Thành viên", "Members"),
        "adopted" => ("Thông qua", "Adopted"),
        "number" => ("Số", "Number"),
        "rulebook" => ("Quy chế", "Rulebook"),
        "birth_year" => ("Năm sinh", "Year of birth"),
        "gender" => ("Giới tính", "Gender"),
        "summary" => ("Tóm tắt", "Summary"),
        "elected" => ("Trúng cử", "Elected"),
        "alternates" => ("Dự khuyết", "Alternates"),
        "counted" => ("Biên bản kiểm phiếu", "Count"),
        "issued" => ("Số phiếu phát ra", "Ballots issued"),
        "received" => ("Nhận", "Received"),
        "valid" => ("Phiếu hợp lệ", "Valid ballots"),
        "invalid" => ("Phiếu không hợp lệ", "Invalid ballots"),
        "candidates" => ("Danh sách ứng cử viên", "Candidates"),
        "motion" => ("Biểu quyết", "Motion"),
        "method" => ("Hình thức biểu quyết", "Method"),
        "for" => ("Tán thành", "For"),
        "against" => ("Không tán thành", "Against"),
        "abstain" => ("Không biểu quyết", "Abstain"),
        "refs" => ("Căn cứ", "References"),
        "corrects" => ("Đính chính hành vi", "Corrects the act"),
        "replacement" => ("Nội dung thay thế", "Replacement"),
        "channel" => ("Hình thức tiếp nhận", "Channel"),
        "complainant" => ("Người gửi đơn", "Complainant"),
        "concerns" => ("Liên quan đến", "Concerns"),
        "handler" => ("Người giải quyết", "Handler"),
        "due" => ("Hạn giải quyết", "Due"),
        "finding" => ("Kết luận", "Finding"),
        "measures" => ("Biện pháp", "Measures"),
        "note" => ("Ghi chú", "Note"),
        "congress" => ("Đại hội", "Congress"),
        "event" => ("Hành vi", "Act"),
        "events" => ("Các hành vi", "Acts"),
        "parent" => ("Tổ chức cấp trên", "Parent organization"),
        "level" => ("Cấp", "Level"),
        "key" => ("Khóa", "Key"),
        "holder" => ("Chủ thể", "Holder"),
        "roles" => ("Vai trò", "Roles"),
        "scope" => ("Phạm vi", "Scope"),
        "valid_from" => ("Hiệu lực từ", "Valid from"),
        "valid_until" => ("Hiệu lực đến", "Valid until"),
        "form" => ("Hình thức", "Form"),
        "delegates" => ("Đại biểu", "Delegates"),
        "nominated_by" => ("Người giới thiệu", "Nominated by"),
        "position" => ("Chức vụ", "Position"),
        "date" => ("Ngày", "Date"),
        "anonymous" => ("Ẩn danh", "Anonymous"),
        "false_name" => ("Mạo danh", "False name"),
        "no_address" => ("Không rõ địa chỉ", "No address"),
        "signatories" => ("Số người ký", "Signatories"),
        "contact" => ("Địa chỉ liên hệ", "Contact"),
        "document_sha256" => ("Mã băm SHA-256 của văn bản", "Document SHA-256"),
        "commitment" => (
            "Cam kết (giá trị bảo mật)",
            "Commitment (confidential value)",
        ),
        _ => return esc(key),
    };
    esc(lang.t(vi, en))
}

/// The payload fields that refer to other acts by event hash.
const ACT_REFS: [&str; 6] = ["corrects", "counted", "event", "events", "motion", "refs"];

/// How an act's values read: people by name (`Lê Đình Long (p-000)`), the acts it refers to
/// as links, dates as the page's language writes them, lists and maps spelled out.
struct Reading<'a> {
    lang: Lang,
    persons: &'a std::collections::BTreeMap<String, String>,
    /// The acts referred to that this ledger holds (a reference is not checked when written).
    known: &'a std::collections::BTreeSet<String>,
}

/// The event hashes `payload` refers to (its `ACT_REFS` fields, at any depth).
fn refs_in(key: &str, v: &serde_json::Value, out: &mut Vec<ledger::Hash>) {
    match v {
        serde_json::Value::String(s) if ACT_REFS.contains(&key) => {
            if let Ok(h) = s.parse() {
                out.push(h);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| refs_in(key, i, out)),
        serde_json::Value::Object(fields) => fields.iter().for_each(|(k, v)| refs_in(k, v, out)),
        _ => {}
    }
}

/// Those of `refs` that the ledger holds, as hex.
fn known_acts(
    ledger: &ledger::engine::Ledger,
    refs: Vec<ledger::Hash>,
) -> Result<std::collections::BTreeSet<String>, crate::Problem> {
    let mut known = std::collections::BTreeSet::new();
    for h in refs {
        if ledger.entry_by_hash(&h)?.is_some() {
            known.insert(h.to_hex());
        }
    }
    Ok(known)
}

impl Reading<'_> {
    fn person(&self, id: &str) -> Option<String> {
        self.persons
            .get(id)
            .map(|name| format!("<span class=\"person\">{}</span> ({})", esc(name), esc(id)))
    }

    /// The value of field `key`.
    fn value(&self, key: &str, v: &serde_json::Value) -> String {
        use serde_json::Value;
        match v {
            Value::String(s) => {
                if let Some(named) = self.person(s) {
                    named
                } else if ACT_REFS.contains(&key) && self.known.contains(s) {
                    act_link(self.lang, s)
                } else if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
                    format!("<code class=\"hash\">{}</code>", esc(s))
                } else if ledger::calendar::parse_date(s).is_some() {
                    esc(&self.lang.date(s))
                } else {
                    esc(s)
                }
            }
            Value::Null => "—".into(),
            Value::Bool(true) => self.lang.t("có", "yes").into(),
            Value::Bool(false) => self.lang.t("không", "no").into(),
            Value::Number(n) => n.to_string(),
            Value::Array(items) if items.is_empty() => "—".into(),
            Value::Array(items) => format!(
                "<ol class=\"values\">{}</ol>",
                items
                    .iter()
                    .map(|i| format!("<li>{}</li>", self.value(key, i)))
                    .collect::<String>()
            ),
            Value::Object(fields) => {
                let mut t = String::from("<table class=\"values\"><tbody>");
                for (k, v) in fields {
                    let label = self.person(k).unwrap_or_else(|| field_label(self.lang, k));
                    let _ = write!(t, "<tr><th>{label}</th><td>{}</td></tr>", self.value(k, v));
                }
                t.push_str("</tbody></table>");
                t
            }
        }
    }
}

fn value_html(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => esc(s),
        serde_json::Value::Null => "—".into(),
        other => format!("<code>{}</code>", esc(&other.to_string())),
    }
}

async fn act_page(
    state: Arc<AppState>,
    lang: Lang,
    viewer: Viewer,
    entry: ledger::format::Entry,
) -> Response {
    let body = entry.event.body();
    let hash = entry.event.hash().to_hex();
    let signer = hex::encode(body.signer);
    let st = state.clone();
    let corrected_stream = body.stream.clone();
    let this = entry.event.hash();
    let payload: serde_json::Value = serde_json::from_slice(&body.payload).unwrap_or_default();
    // Whose people the act names: its congress's, or the congress a complaint concerns.
    let congress = if body.stream.starts_with("congress/") {
        body.stream.clone()
    } else {
        payload["concerns"]["congress"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let payload_refs = payload.clone();
    let context = with_projections(state.clone(), move |p, _| {
        let holder = st
            .ledger
            .registry()?
            .holder(&hex_key(&signer))
            .map(str::to_string);
        let corrections: Vec<(String, String, i64)> = p
            .corrections
            .get(&corrected_stream)
            .into_iter()
            .flatten()
            .filter(|c| c.corrected == this)
            .map(|c| (c.correction.to_hex(), c.reason.clone(), c.time))
            .collect();
        let persons: std::collections::BTreeMap<String, String> = p
            .congresses
            .get(&congress)
            .map(|c| {
                c.persons
                    .iter()
                    .map(|(k, r)| (k.to_string(), r.value.name.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let mut refs = Vec::new();
        refs_in("", &payload_refs, &mut refs);
        Ok((holder, corrections, persons, known_acts(&st.ledger, refs)?))
    })
    .await;
    let (holder, corrections, persons, known) = match context {
        Ok(c) => c,
        Err(e) => return failed(lang, e),
    };
    let mut b = String::new();
    let _ = write!(
        b,
        "<dl class=\"facts\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{} {}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd><code class=\"hash\">{}</code></dd><dt>{}</dt><dd>{}{}</dd></dl>",
        lang.t("Loại hành vi", "Kind"),
        kind_html(lang, &body.kind),
        lang.t("Luồng", "Stream"),
        esc(&body.stream),
        body.version,
        lang.t("Thời điểm (người ký ghi)", "Time (as the signer claims)"),
        local_time(lang, body.time),
        lang.t("Vị trí trong sổ", "Position in the log"),
        entry.position,
        lang.t("Mã băm", "Event hash"),
        hash,
        lang.t("Người ký", "Signed by"),
        holder.as_deref().map(esc).unwrap_or_default(),
        format_args!(" <code>{}</code>", short(&hex::encode(body.signer))),
    );
    let _ = write!(
        b,
        "<h2>{}</h2><table class=\"payload\"><tbody>",
        lang.t("Nội dung", "Contents")
    );
    let reading = Reading {
        lang,
        persons: &persons,
        known: &known,
    };
    if let Some(fields) = payload.as_object() {
        for (k, v) in fields {
            let _ = write!(
                b,
                "<tr><th>{}</th><td data-field=\"{}\">{}</td></tr>",
                field_label(lang, k),
                esc(k),
                reading.value(k, v)
            );
        }
    }
    b.push_str("</tbody></table>");
    let case = payload.get("case").and_then(|c| c.as_str());
    if let Some(case) =
        case.filter(|_| !ledger::confidential::fields(&body.kind, body.schema).is_empty())
    {
        b.push_str(&confidential_section(&state, lang, viewer, case).await);
    }
    if !corrections.is_empty() {
        let _ = write!(
            b,
            "<h2>{}</h2><ul class=\"corrections\">",
            lang.t("Đã đính chính", "Corrected")
        );
        for (h, reason, time) in &corrections {
            let _ = write!(
                b,
                "<li>{} {}: {}</li>",
                local_time(lang, *time),
                act_link(lang, h),
                esc(reason)
            );
        }
        b.push_str("</ul>");
    }
    let _ = write!(
        b,
        "<section id=\"verify\" class=\"verify\" data-hash=\"{hash}\" data-lang=\"{code}\">\
<h2>{title}</h2><noscript><p>{noscript}</p></noscript>\
<p><a href=\"/v1/proofs/act/{hash}\" download=\"proof-{short}.json\">{download}</a></p></section>\
<script src=\"/explorer/noble.js\"></script><script type=\"module\" src=\"/explorer/verify.js\"></script>",
        code = lang.code(),
        title = lang.t("Xác minh trong trình duyệt", "Verify in this browser"),
        noscript = lang.t(
            "Cần JavaScript để xác minh trong trình duyệt; bạn vẫn có thể tải tệp chứng minh và kiểm bằng `congress-ledger proof verify`.",
            "Verifying in the browser needs JavaScript; you can still download the proof file and check it with `congress-ledger proof verify`."
        ),
        short = short(&hash),
        download = lang.t("Tải tệp chứng minh (JSON)", "Download the proof file (JSON)"),
    );
    let title = format!(
        "{}: {}",
        lang.t("Hành vi", "Act"),
        kind_name(lang, &body.kind)
    );
    page(lang, &title, &b).into_response()
}

/// The confidential values of an act's case, for the inspection commission only, with the
/// commission key its session holds; each read recorded in the access log before it is shown.
/// Anyone else sees that the values exist and who may read them, never the values.
async fn confidential_section(
    state: &Arc<AppState>,
    lang: Lang,
    viewer: Viewer,
    case: &str,
) -> String {
    let title = lang.t("Thông tin bảo mật", "Confidential values");
    let note = |text: &str| {
        format!(
            "<section class=\"confidential\"><h2>{title}</h2><p class=\"note\">{}</p></section>",
            esc(text)
        )
    };
    let commission = viewer
        .reader
        .0
        .as_ref()
        .is_some_and(|g| g.role.reads_confidential());
    if !commission {
        return note(lang.t(
            "Hành vi này có thông tin bảo mật (người tố cáo, nội dung đơn): sổ cái chỉ giữ cam kết của chúng; chỉ ủy ban kiểm tra đọc được sau khi đăng nhập.",
            "This act has confidential values (the complainant, the letter): the ledger holds only their commitments; only the inspection commission reads them, after signing in.",
        ));
    }
    let Some(Commission(identity)) = viewer.commission else {
        return note(lang.t(
            "Bạn đăng nhập với vai trò ủy ban kiểm tra nhưng chưa đưa khóa của ủy ban: đăng nhập lại và dán khóa để xem thông tin bảo mật.",
            "You are signed in as the inspection commission but gave no commission key: sign in again with the key to see the confidential values.",
        ));
    };
    let st = state.clone();
    let case = case.to_string();
    let reader = viewer.reader;
    let opened = crate::events::blocking(move || {
        let sealed = st.access.store.sealed(&case)?;
        let openings = sealed.open(&identity)?;
        crate::confidential::record(
            &st,
            &reader,
            &case,
            "values".into(),
            Some("explorer".into()),
        )?;
        Ok(openings)
    })
    .await;
    match opened {
        Ok(openings) => {
            let mut b = format!(
                "<section class=\"confidential\" data-confidential=\"shown\"><h2>{title}</h2><p class=\"note\">{}</p><table class=\"payload\"><tbody>",
                esc(lang.t(
                    "Chỉ ủy ban kiểm tra thấy phần này; lần đọc này đã được ghi vào nhật ký truy cập.",
                    "Only the inspection commission sees this; this read has been recorded in the access log.",
                ))
            );
            for (field, opening) in &openings {
                let _ = write!(
                    b,
                    "<tr><th>{}</th><td>{}</td></tr>",
                    esc(field),
                    value_html(&opening.value)
                );
            }
            b.push_str("</tbody></table></section>");
            b
        }
        Err(e) => note(&format!(
            "{}: {}",
            lang.t(
                "Không mở được thông tin bảo mật",
                "The confidential values cannot be opened"
            ),
            lang.t(&e.detail.vi, &e.detail.en)
        )),
    }
}

fn hex_key(hex: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let _ = hex::decode_to_slice(hex, &mut key);
    key
}

/// A complaint's kind (`kind` of `complaint.received`) in the page's language.
fn complaint_kind(lang: Lang, kind: &str) -> String {
    let (vi, en) = match kind {
        "election_complaint" => ("khiếu nại về bầu cử", "election complaint"),
        "complaint" => ("khiếu nại", "complaint"),
        "denunciation" => ("tố cáo", "denunciation"),
        "petition" => ("phản ánh, kiến nghị", "petition"),
        other => return esc(other),
    };
    esc(lang.t(vi, en))
}

/// A case's state (`CaseState::name`) in the page's language.
fn case_state(lang: Lang, state: &str) -> String {
    let (vi, en) = match state {
        "received" => ("đã tiếp nhận", "received"),
        "assigned" => ("đang giải quyết", "being handled"),
        "dismissed" => ("không thụ lý", "dismissed"),
        "concluded" => ("đã kết luận", "concluded"),
        "reopened" => ("giải quyết lại", "reopened"),
        other => return esc(other),
    };
    esc(lang.t(vi, en))
}

/// One row of the register, with the acts it links to: the case's own acts (received,
/// assigned, decided, …) and what it concerns (a congress, a person by name, an act).
struct CaseLinks {
    row: views::CaseRow,
    /// The case's acts in the order they were recorded: (event hash, kind).
    acts: Vec<(String, &'static str)>,
    person: Option<String>,
    event: Option<String>,
    /// Whether this ledger holds that act.
    event_known: bool,
}

fn case_links(p: &ledger::projections::Projections, row: views::CaseRow) -> CaseLinks {
    let mut acts = Vec::new();
    let mut event = None;
    let mut person = None;
    if let Some(c) = p.complaints.get(&row.stream) {
        acts.push((c.received.event.to_hex(), "complaint.received"));
        if let Some(a) = &c.assigned {
            acts.push((a.event.to_hex(), "complaint.assigned"));
        }
        if let Some(d) = &c.dismissed {
            acts.push((d.event.to_hex(), "complaint.dismissed"));
        }
        if let Some(d) = &c.concluded {
            acts.push((d.event.to_hex(), "complaint.concluded"));
        }
        for n in &c.notified {
            acts.push((n.event.to_hex(), "complaint.notified"));
        }
        for r in &c.reopened {
            acts.push((r.event.to_hex(), "complaint.reopened"));
        }
        let concerns = &c.received.value.concerns;
        event = concerns.event.clone();
        person = concerns.person.as_ref().map(|id| {
            concerns
                .congress
                .as_ref()
                .and_then(|k| p.congresses.get(k))
                .and_then(|k| k.persons.get(id))
                .map_or_else(|| id.clone(), |r| r.value.name.clone())
        });
    }
    CaseLinks {
        row,
        acts,
        person,
        event,
        event_known: false,
    }
}

pub async fn complaints(
    State(state): State<Arc<AppState>>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::of(q.lang.as_deref(), &headers);
    let today = ledger::calendar::date_of(ledger::engine::now_ms());
    let day = today.clone();
    let st = state.clone();
    let rows = match with_projections(state, move |p, _| {
        let mut rows: Vec<CaseLinks> = views::register(p, &day, None)
            .into_iter()
            .map(|r| case_links(p, r))
            .collect();
        // What a complaint concerns is not checked when written: linked only if it is here.
        for r in &mut rows {
            let refs = r.event.iter().filter_map(|e| e.parse().ok()).collect();
            r.event_known = !known_acts(&st.ledger, refs)?.is_empty();
        }
        Ok(rows)
    })
    .await
    {
        Ok(r) => r,
        Err(e) => return failed(lang, e),
    };
    let mut b = format!(
        "<p>{} {} {}</p><table class=\"register\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        lang.t("Tính đến ngày", "As of"),
        esc(&lang.date(&today)),
        lang.t("(giờ Việt Nam)", "(Vietnam time)"),
        lang.t("Hồ sơ", "Case"),
        lang.t("Loại", "Kind"),
        lang.t("Ngày nhận", "Received"),
        lang.t("Trạng thái", "State"),
        lang.t("Hạn giải quyết", "Due"),
        lang.t("Liên quan đến", "Concerns"),
        lang.t("Các hành vi của hồ sơ", "The case's acts"),
    );
    for c in &rows {
        let r = &c.row;
        let mut concerns = Vec::new();
        if let Some(k) = r
            .congress
            .as_deref()
            .and_then(|k| k.strip_prefix("congress/"))
        {
            concerns.push(format!(
                "<a href=\"/congresses/{}{}\">{} {}</a>",
                esc(k),
                lang.suffix(),
                lang.t("Đại hội", "Congress"),
                esc(k)
            ));
        }
        if let Some(name) = &c.person {
            concerns.push(format!("<span class=\"person\">{}</span>", esc(name)));
        }
        if let Some(e) = &c.event {
            concerns.push(format!(
                "{} {}",
                lang.t("hành vi", "act"),
                if c.event_known {
                    act_link(lang, e)
                } else {
                    format!(
                        "<code class=\"hash\">{}</code> ({})",
                        esc(e),
                        lang.t("không có trong sổ cái này", "not in this ledger")
                    )
                }
            ));
        }
        let acts: Vec<String> = c
            .acts
            .iter()
            .map(|(h, kind)| format!("<li>{} {}</li>", kind_html(lang, kind), act_link(lang, h)))
            .collect();
        let _ = write!(
            b,
            "<tr class=\"{}\" data-case=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td><ul class=\"case-acts\">{}</ul></td></tr>",
            if r.overdue { "overdue" } else { "" },
            esc(&r.case),
            esc(&r.case),
            complaint_kind(lang, &r.kind),
            esc(&lang.date(&r.received)),
            case_state(lang, &r.state),
            r.due.as_deref().map_or_else(|| "—".to_string(), |d| esc(&lang.date(d))),
            if r.overdue { format!(" <strong class=\"overdue\">{}</strong>", lang.t("quá hạn", "overdue")) } else { String::new() },
            concerns.join("; "),
            acts.join("")
        );
    }
    b.push_str("</tbody></table>");
    page(lang, lang.t("Sổ đơn thư", "Complaint register"), &b).into_response()
}

/// A unit on the progress page.
struct UnitRow {
    org: String,
    name: String,
    /// `org/term` of its congress.
    congress: Option<String>,
    held_on: Option<String>,
    closed: bool,
    approved: bool,
}

#[derive(Deserialize)]
pub struct ProgressQuery {
    lang: Option<String>,
    term: Option<String>,
    as_of: Option<String>,
}

pub async fn progress(
    State(state): State<Arc<AppState>>,
    Path(org): Path<String>,
    Query(q): Query<ProgressQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::of(q.lang.as_deref(), &headers);
    if let Some(d) = q
        .as_of
        .as_deref()
        .filter(|d| ledger::calendar::parse_date(d).is_none())
    {
        return error_page(
            lang,
            StatusCode::BAD_REQUEST,
            &format!("`{d}` không phải ngày; hãy viết YYYY-MM-DD."),
            &format!("`{d}` is not a date; write YYYY-MM-DD."),
        );
    }
    let name = org.clone();
    let found = with_projections(state, move |p, _| {
        if !p.orgs.contains_key(&name) {
            return Ok(None);
        }
        let (term, as_of) = (q.term.as_deref(), q.as_of.as_deref());
        let units: Vec<UnitRow> =
            ledger::projections::orgs::units(&p.orgs, &p.congresses, &name, term, as_of)
                .into_iter()
                .map(|u| UnitRow {
                    org: u.org.to_string(),
                    name: u.name.to_string(),
                    congress: u
                        .congress
                        .map(|c| format!("{}/{}", c.convened.value.org, c.convened.value.term)),
                    held_on: u.held_on,
                    closed: u.closed,
                    approved: u.approved,
                })
                .collect();
        Ok(Some((p.progress(&name, term, as_of), units)))
    })
    .await;
    let (p, units) = match found {
        Ok(Some(p)) => p,
        Ok(None) => {
            return error_page(
                lang,
                StatusCode::NOT_FOUND,
                &format!("Không có tổ chức `{org}` trong sổ cái này."),
                &format!("No organization `{org}` in this ledger."),
            )
        }
        Err(e) => return failed(lang, e),
    };
    let mut b = format!(
        "<p class=\"progress\">{}: {}/{} ({}%){}</p>",
        lang.t("Đã tổ chức đại hội", "Congresses held"),
        p.held,
        p.units,
        lang.decimal(&p.held_percent),
        p.as_of
            .as_deref()
            .map(|d| format!(" {} {}", lang.t("tính đến ngày", "by"), esc(&lang.date(d))))
            .unwrap_or_default()
    );
    let _ = write!(
        b,
        "<p>{}: {}; {}: {}</p>",
        lang.t("Đã bế mạc", "Closed"),
        p.closed,
        lang.t("Đã chuẩn y", "Approved"),
        p.approved
    );
    let _ = write!(
        b,
        "<h2>{}</h2><table class=\"units\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        lang.t("Các đơn vị trực thuộc", "The units below it"),
        lang.t("Đơn vị", "Unit"),
        lang.t("Đại hội", "Congress"),
        lang.t("Ngày tổ chức", "Held on"),
        lang.t("Tình trạng", "State"),
    );
    for u in &units {
        let congress = u.congress.as_deref().map_or_else(
            || "—".to_string(),
            |c| {
                format!(
                    "<a href=\"/congresses/{c}{}\">{c}</a>",
                    lang.suffix(),
                    c = esc(c)
                )
            },
        );
        let state = if u.approved {
            lang.t("đã chuẩn y", "approved")
        } else if u.closed {
            lang.t("đã bế mạc", "closed")
        } else if u.held_on.is_some() {
            lang.t("đã khai mạc", "opened")
        } else if u.congress.is_some() {
            lang.t("đã triệu tập, chưa khai mạc", "convened, not opened yet")
        } else {
            lang.t("chưa tổ chức", "not held yet")
        };
        let _ = write!(
            b,
            "<tr data-unit=\"{}\" data-held=\"{}\"><td>{} <code>{}</code></td><td>{congress}</td><td>{}</td><td>{state}</td></tr>",
            esc(&u.org),
            if u.held_on.is_some() { "yes" } else { "no" },
            esc(&u.name),
            esc(&u.org),
            u.held_on.as_deref().map_or_else(|| "—".to_string(), |d| esc(&lang.date(d))),
        );
    }
    b.push_str("</tbody></table>");
    let title = format!("{} {}", lang.t("Tiến độ", "Progress"), org);
    page(lang, &title, &b).into_response()
}

#[derive(Deserialize)]
pub struct SearchQuery {
    lang: Option<String>,
    q: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// A search as typed: the act filters (`kind:…`, `from:…`, `to:…`, `position:…` or a bare
/// number, a bare hex word of at least 8 digits for a hash prefix, and the form's own fields)
/// and the words left for names. A bad filter is said in both languages.
fn parse_search(q: &SearchQuery) -> Result<(super::search::ActFilter, String), (String, String)> {
    use super::search::{ActFilter, MIN_HASH_PREFIX};
    let mut f = ActFilter::default();
    let mut words = Vec::new();
    let mut from = q.from.clone().filter(|d| !d.trim().is_empty());
    let mut to = q.to.clone().filter(|d| !d.trim().is_empty());
    f.kind = q.kind.clone().filter(|k| !k.trim().is_empty());
    for word in q.q.as_deref().unwrap_or("").split_whitespace() {
        if let Some(k) = word.strip_prefix("kind:") {
            f.kind = Some(k.to_string());
        } else if let Some(d) = word.strip_prefix("from:") {
            from = Some(d.to_string());
        } else if let Some(d) = word.strip_prefix("to:") {
            to = Some(d.to_string());
        } else if let Some(p) = word
            .strip_prefix("position:")
            .or_else(|| word.strip_prefix("pos:"))
            .or_else(|| word.bytes().all(|b| b.is_ascii_digit()).then_some(word))
        {
            f.position = Some(p.parse().map_err(|_| {
                (
                    format!("`{p}` không phải vị trí (một số nguyên không âm)."),
                    format!("`{p}` is not a position (a whole number)."),
                )
            })?);
        } else if word.len() >= MIN_HASH_PREFIX && word.bytes().all(|b| b.is_ascii_hexdigit()) {
            f.hash_prefix = Some(word.to_ascii_lowercase());
        } else {
            words.push(word);
        }
    }
    if let Some(k) = &f.kind {
        if !ledger::catalogue::KINDS.iter().any(|s| s.kind == k) {
            return Err((
                format!("Không có loại hành vi `{k}`; chọn một loại trong danh sách."),
                format!("There is no kind of act `{k}`; pick one from the list."),
            ));
        }
    }
    // Local dates, Asia/Ho_Chi_Minh (UTC+7): a day runs from 00:00 to 24:00 there.
    let day_start = |d: &str| -> Result<i64, (String, String)> {
        ledger::calendar::parse_date(d)
            .map(|days| days * 86_400_000 - 7 * 3_600_000)
            .ok_or_else(|| {
                (
                    format!("`{d}` không phải ngày; hãy viết YYYY-MM-DD (giờ Việt Nam)."),
                    format!("`{d}` is not a date; write YYYY-MM-DD (Vietnam time)."),
                )
            })
    };
    if let Some(d) = &from {
        f.from_ms = Some(day_start(d.trim())?);
    }
    if let Some(d) = &to {
        f.until_ms = Some(day_start(d.trim())? + 86_400_000);
    }
    if let (Some(a), Some(b)) = (f.from_ms, f.until_ms) {
        if a >= b {
            return Err((
                "Ngày bắt đầu ở sau ngày kết thúc.".into(),
                "The start date is after the end date.".into(),
            ));
        }
    }
    Ok((f, words.join(" ")))
}

/// The search form: free text, a kind selector and a date range, keeping what was asked.
fn search_form(lang: Lang, q: &SearchQuery) -> String {
    let mut kinds = format!(
        "<option value=\"\">{}</option>",
        lang.t("mọi loại hành vi", "any kind of act")
    );
    for k in ledger::catalogue::KINDS {
        let _ = write!(
            kinds,
            "<option{}>{}</option>",
            if q.kind.as_deref() == Some(k.kind) {
                " selected"
            } else {
                ""
            },
            esc(k.kind)
        );
    }
    format!(
        "<form action=\"/search\" method=\"get\" class=\"search\"><input type=\"search\" name=\"q\" id=\"q\" value=\"{}\" placeholder=\"{}\">\
<label>{} <select name=\"kind\" id=\"kind\">{kinds}</select></label>\
<label>{} <input type=\"date\" name=\"from\" id=\"from\" value=\"{}\"></label>\
<label>{} <input type=\"date\" name=\"to\" id=\"to\" value=\"{}\"></label>{}<button id=\"search-button\">{}</button></form>\
<p class=\"note\">{}</p>",
        esc(q.q.as_deref().unwrap_or("")),
        lang.t("họ tên, mã băm (≥ 8 chữ số hex) hoặc vị trí", "name, hash prefix (≥ 8 hex digits) or position"),
        lang.t("Loại", "Kind"),
        lang.t("Từ ngày", "From"),
        esc(q.from.as_deref().unwrap_or("")),
        lang.t("đến ngày", "to"),
        esc(q.to.as_deref().unwrap_or("")),
        if lang == Lang::En { "<input type=\"hidden\" name=\"lang\" value=\"en\">" } else { "" },
        lang.t("Tìm", "Search"),
        lang.t(
            "Cũng viết được trong ô tìm: kind:complaint.received, from:2020-05-01, to:2020-05-31, position:148 (ngày theo giờ Việt Nam).",
            "Also in the search box: kind:complaint.received, from:2020-05-01, to:2020-05-31, position:148 (dates in Vietnam time).",
        ),
    )
}

/// Acts shown at most on one page of results.
const ACT_HITS: usize = 200;

pub async fn search(
    State(state): State<Arc<AppState>>,
    Query(query): Query<SearchQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::of(query.lang.as_deref(), &headers);
    let mut b = search_form(lang, &query);
    let (filter, names) = match parse_search(&query) {
        Ok(p) => p,
        Err((vi, en)) => {
            let _ = write!(
                b,
                "<p class=\"error\" role=\"alert\">{}</p>",
                esc(lang.t(&vi, &en))
            );
            return (
                StatusCode::BAD_REQUEST,
                page(lang, lang.t("Tìm kiếm", "Search"), &b),
            )
                .into_response();
        }
    };
    if filter.is_empty() && names.is_empty() {
        return page(lang, lang.t("Tìm kiếm", "Search"), &b).into_response();
    }
    if !filter.is_empty() {
        let st = state.clone();
        let f = filter.clone();
        let found = crate::events::blocking(move || {
            let mut acts = st.acts.lock();
            acts.catch_up(&st.ledger)?;
            Ok(acts.find(&f, ACT_HITS))
        })
        .await;
        let (total, hits) = match found {
            Ok(h) => h,
            Err(e) => return failed(lang, e),
        };
        let _ = write!(
            b,
            "<h2>{} (<span class=\"act-count\">{total}</span>{})</h2><table class=\"acts\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            lang.t("Hành vi", "Acts"),
            if total > hits.len() {
                format!(", {} {}", lang.t("hiện", "showing"), hits.len())
            } else {
                String::new()
            },
            lang.t("Vị trí", "Position"),
            lang.t("Thời điểm (giờ Việt Nam)", "When (Vietnam time)"),
            lang.t("Loại", "Kind"),
            lang.t("Mã băm", "Hash"),
        );
        for h in &hits {
            let _ = write!(
                b,
                "<tr data-position=\"{p}\"><td><a href=\"/acts/at/{p}{}\">{p}</a></td><td>{}</td><td class=\"kind\">{}</td><td>{}</td></tr>",
                lang.suffix(),
                local_time(lang, h.time),
                esc(&h.kind),
                act_link(lang, &h.hash),
                p = h.position,
            );
        }
        b.push_str("</tbody></table>");
    }
    if names.is_empty() {
        return page(lang, lang.t("Tìm kiếm", "Search"), &b).into_response();
    }
    let st = state.clone();
    let q = names;
    let hits = with_projections(state, move |p, _| {
        let mut index = st.search.lock();
        if index.position != p.position || p.position == 0 {
            *index = super::search::Index::build(p);
        }
        Ok(index
            .persons(&q, 200)
            .into_iter()
            .cloned()
            .collect::<Vec<_>>())
    })
    .await;
    let hits = match hits {
        Ok(h) => h,
        Err(e) => return failed(lang, e),
    };
    let _ = write!(
        b,
        "<h2>{} ({})</h2><table class=\"people\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        lang.t("Người", "People"),
        hits.len(),
        lang.t("Họ và tên", "Name"),
        lang.t("Đại hội", "Congress"),
        lang.t("Đăng ký", "Registered"),
    );
    for h in &hits {
        let congress = h.congress.strip_prefix("congress/").unwrap_or(&h.congress);
        let _ = write!(
            b,
            "<tr><td class=\"name\">{}</td><td><a href=\"/congresses/{c}{}\">{c}</a></td><td>{}</td></tr>",
            esc(&h.name),
            lang.suffix(),
            act_link(lang, &h.event),
            c = esc(congress),
        );
    }
    b.push_str("</tbody></table>");
    page(lang, lang.t("Tìm kiếm", "Search"), &b).into_response()
}

/// A body elected or appointed (`election.opened`'s `body`), named in the page's language; an
/// unknown one as its code.
fn body_label(body: &str, lang: Lang) -> String {
    let (vi, en) = match body {
        "committee" => ("Ban Chấp hành", "Executive Committee"),
        "standing_committee" => ("Ban Thường vụ", "Standing Committee"),
        "secretary" => ("Bí thư", "Secretary"),
        "deputy_secretary" => ("Phó Bí thư", "Deputy Secretary"),
        "inspection_commission" => ("Ủy ban Kiểm tra", "Inspection Commission"),
        "inspection_chair" => (
            "Chủ nhiệm Ủy ban Kiểm tra",
            "Chair of the Inspection Commission",
        ),
        "delegation" => (
            "Đoàn đại biểu dự đại hội cấp trên",
            "Delegation to the higher congress",
        ),
        other => return esc(other),
    };
    esc(lang.t(vi, en))
}
