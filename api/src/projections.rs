//! Projections and findings: a congress, the complaint register, progress, the report.

use ledger::messages::Text;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Json;
use ledger::projections::views;
use ledger::rulebook::Finding;

use crate::wire::{Complaints, ComplaintsQuery, ProgressDocument, ProgressQuery, Report};
use crate::{AppState, Problem};

/// Brings the projections up to the log and runs the rules; `f` reads the result.
pub(crate) async fn with_projections<T: Send + 'static>(
    state: Arc<AppState>,
    f: impl FnOnce(&ledger::projections::Projections, &[Finding]) -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    tokio::task::spawn_blocking(move || {
        let mut p = state.projections.lock();
        p.catch_up(&*state.ledger)?;
        let rulebook = state.ledger.registry()?.genesis_payload().rulebook.clone();
        let findings = ledger::rules::check(&p, &rulebook).findings;
        f(&p, &findings)
    })
    .await
    .map_err(Problem::internal)?
}

#[utoipa::path(get, path = "/v1/congresses/{org}/{term}", summary = "A congress: figures, elections, composition, findings", params(("org" = String, Path, description = "the organization's id"), ("term" = String, Path, description = "the term, e.g. 2020-2025")), responses((status = 200, description = "the congress", body = crate::wire::Congress), (status = 404, description = "no such congress")))]
pub async fn congress(
    State(state): State<Arc<AppState>>,
    Path((org, term)): Path<(String, String)>,
) -> Result<Json<views::CongressView>, Problem> {
    let stream = format!("congress/{org}/{term}");
    with_projections(state, move |p, findings| {
        p.congresses
            .get(&stream)
            .map(|c| Json(views::congress(c, findings)))
            .ok_or_else(|| {
                Problem::not_found(Text::new(
                    format!("sổ cái này không có đại hội `{stream}`"),
                    format!("no congress `{stream}` in this ledger"),
                ))
            })
    })
    .await
}

#[utoipa::path(get, path = "/v1/complaints", summary = "The complaint register (`state` = open, received, assigned, dismissed, concluded, reopened)", params(ComplaintsQuery), responses((status = 200, description = "the cases", body = Complaints), (status = 400, description = "bad state or date")))]
pub async fn complaints(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ComplaintsQuery>,
) -> Result<Json<Complaints>, Problem> {
    const STATES: &[&str] = &[
        "open",
        "received",
        "assigned",
        "dismissed",
        "concluded",
        "reopened",
    ];
    if let Some(s) = q.state.as_deref().filter(|s| !STATES.contains(s)) {
        return Err(Problem::bad_request(Text::new(
            format!("trạng thái `{s}` không thuộc {}", STATES.join(", ")),
            format!("state `{s}` is not one of {}", STATES.join(", ")),
        )));
    }
    let today = as_of(q.as_of)?;
    with_projections(state, move |p, _| {
        Ok(Json(Complaints {
            complaints: views::register(p, &today, q.state.as_deref()),
        }))
    })
    .await
}

fn as_of(date: Option<String>) -> Result<String, Problem> {
    match date {
        Some(d) if ledger::calendar::parse_date(&d).is_none() => {
            Err(Problem::bad_request(Text::new(
                format!("`{d}` không phải ngày; hãy viết YYYY-MM-DD"),
                format!("`{d}` is not a date; write YYYY-MM-DD"),
            )))
        }
        Some(d) => Ok(d),
        None => Ok(ledger::calendar::date_of(ledger::engine::now_ms())),
    }
}

#[utoipa::path(get, path = "/v1/progress/{org}", summary = "Progress of the units under an organization", params(("org" = String, Path, description = "the organization's id"), ProgressQuery), responses((status = 200, description = "counts and percentage", body = ProgressDocument), (status = 400, description = "bad date"), (status = 404, description = "no such organization")))]
pub async fn progress(
    State(state): State<Arc<AppState>>,
    Path(org): Path<String>,
    Query(q): Query<ProgressQuery>,
) -> Result<Json<ProgressDocument>, Problem> {
    if let Some(d) = &q.as_of {
        as_of(Some(d.clone()))?;
    }
    with_projections(state, move |p, _| {
        if !p.orgs.contains_key(&org) {
            return Err(Problem::not_found(Text::new(
                format!("sổ cái này không có tổ chức `{org}`"),
                format!("no organization `{org}` in this ledger"),
            )));
        }
        Ok(Json(p.progress(
            &org,
            q.term.as_deref(),
            q.as_of.as_deref(),
        )))
    })
    .await
}

#[utoipa::path(get, path = "/v1/report", summary = "Every congress, the register and every finding", responses((status = 200, description = "the report", body = Report)))]
pub async fn report(State(state): State<Arc<AppState>>) -> Result<Json<Report>, Problem> {
    let today = as_of(None)?;
    with_projections(state, move |p, findings| {
        let congresses: Vec<views::CongressView> = p
            .congresses
            .values()
            .map(|c| views::congress(c, findings))
            .collect();
        Ok(Json(Report {
            congresses,
            complaints: views::register(p, &today, None),
            findings: findings.to_vec(),
        }))
    })
    .await
}
