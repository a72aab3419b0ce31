//! The inspector's web explorer (issue 14): server-rendered pages over the projections, one
//! language per page (Vietnamese by default, English by `?lang=en` or `Accept-Language`),
//! readable without JavaScript and printable on A4. What a page shows as *verified* the
//! browser checks itself: `verify.js` fetches an act's proof from `/v1` and decides every
//! step with the log key the inspector pinned. No page reads the whole log.

mod pages;
pub mod render;
pub mod search;
pub mod session;

use std::sync::Arc;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::AppState;

/// The verifier the pages load, and the one `verify.html` inlines, before the catalogue of
/// who may sign what is put in (see [`verify_js`]).
const VERIFY_JS: &str = include_str!("assets/verify.js");
const STYLE: &str = include_str!("assets/style.css");
const VERIFY_PAGE: &str = include_str!("assets/verify.html");
/// The fallback where WebCrypto lacks Ed25519 or is absent (not a secure context): the
/// audited @noble/ed25519 and @noble/hashes, vendored by `scripts/vendor-noble.py`.
const NOBLE: &str = include_str!("assets/vendor/noble.js");

/// The routes that hold no log data (assets, the offline verifier): served to anyone, like
/// checkpoints and proofs.
pub fn open_route(path: &str) -> bool {
    path.starts_with("/explorer/")
        || path == "/verify"
        || path == "/verify.html"
        || path == "/login"
        || path == "/logout"
}

/// The explorer's pages that show log data: an unauthenticated browser asking for one on a
/// server that is not public is sent to `/login` (the API answers 401 instead).
pub fn is_page(path: &str) -> bool {
    path == "/"
        || path == "/complaints"
        || path == "/search"
        || path.starts_with("/congresses/")
        || path.starts_with("/acts/")
        || path.starts_with("/progress/")
}

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(pages::home))
        .route("/congresses/{org}/{term}", get(pages::congress))
        .route("/acts/at/{position}", get(pages::act_at))
        .route("/acts/{hash}", get(pages::act))
        .route("/complaints", get(pages::complaints))
        .route("/progress/{org}", get(pages::progress))
        .route("/search", get(pages::search))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", axum::routing::post(session::logout))
        .route("/verify", get(verify_page))
        .route("/verify.html", get(verify_file))
        .route(
            "/explorer/verify.js",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                        (header::CACHE_CONTROL, "no-cache"),
                    ],
                    verify_js(),
                )
            }),
        )
        .route(
            "/explorer/style.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
        .route(
            "/explorer/noble.js",
            get(|| async { asset("text/javascript; charset=utf-8", NOBLE) }),
        )
}

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// The page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    lang: Option<String>,
}

impl Lang {
    /// `?lang=` first, then the first language of `Accept-Language` this explorer speaks;
    /// Vietnamese by default.
    pub fn of(query: Option<&str>, headers: &HeaderMap) -> Lang {
        let pick = |s: &str| {
            let s = s.trim().to_ascii_lowercase();
            if s.starts_with("en") {
                Some(Lang::En)
            } else if s.starts_with("vi") {
                Some(Lang::Vi)
            } else {
                None
            }
        };
        if let Some(l) = query.and_then(pick) {
            return l;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split(',')
                    .find_map(|part| pick(part.split(';').next().unwrap_or("")))
            })
            .unwrap_or(Lang::Vi)
    }

    /// The text in this language.
    pub fn t<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    fn code(self) -> &'static str {
        self.t("vi", "en")
    }

    /// A link's query suffix that keeps the page's language.
    pub fn suffix(self) -> &'static str {
        self.t("", "?lang=en")
    }

    /// A date (`YYYY-MM-DD`, already a local date in Asia/Ho_Chi_Minh) as this language
    /// writes it: `26/5/2020` in Vietnamese, `2020-05-26` in English.
    pub fn date(self, date: &str) -> String {
        match self {
            Lang::Vi => ledger::calendar::vi_date(date),
            Lang::En => date.to_string(),
        }
    }

    /// A decimal as this language writes it (`98,7` in Vietnamese).
    pub fn decimal(self, text: &str) -> String {
        match self {
            Lang::Vi => ledger::projections::views::vi_decimal(text),
            Lang::En => text.to_string(),
        }
    }
}

/// Escapes text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page: header with the navigation, `body`, and the print stylesheet.
pub fn page(lang: Lang, title: &str, body: &str) -> Html<String> {
    let s = lang.suffix();
    let other = match lang {
        Lang::Vi => "<a href=\"?lang=en\" hreflang=\"en\">English</a>",
        Lang::En => "<a href=\"?lang=vi\" hreflang=\"vi\">Tiếng Việt</a>",
    };
    Html(format!(
        "<!doctype html>\n<html lang=\"{code}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} — {app}</title><link rel=\"stylesheet\" href=\"/explorer/style.css\"></head>\
<body><header class=\"nav\"><a href=\"/{s}\">{home}</a> · <a href=\"/complaints{s}\">{complaints}</a> · \
<a href=\"/search{s}\">{search}</a> · <a href=\"/verify{s}\">{verify}</a> · <a href=\"/login{s}\">{login}</a> · {other}</header>\
<main><h1>{title}</h1>\n{body}</main></body></html>\n",
        code = lang.code(),
        title = esc(title),
        app = lang.t("Sổ cái Đại hội", "Congress Ledger"),
        home = lang.t("Sổ cái", "Ledger"),
        complaints = lang.t("Đơn thư", "Complaints"),
        search = lang.t("Tìm kiếm", "Search"),
        verify = lang.t("Xác minh tệp chứng minh", "Verify a proof file"),
        login = lang.t("Đăng nhập", "Sign in"),
    ))
}

/// An error as a page: what was wrong and what to do, in the page's language.
pub fn error_page(lang: Lang, status: StatusCode, vi: &str, en: &str) -> Response {
    let title = lang.t("Không tìm thấy", "Not found");
    let title = if status == StatusCode::NOT_FOUND {
        title
    } else {
        lang.t("Yêu cầu không hợp lệ", "Bad request")
    };
    (
        status,
        page(
            lang,
            title,
            &format!("<p class=\"error\">{}</p>", esc(lang.t(vi, en))),
        ),
    )
        .into_response()
}

/// `/verify`: the offline verifier as a page of this site (a proof file dropped or pasted,
/// verified in the browser with no server call).
async fn verify_page(
    axum::extract::Query(q): axum::extract::Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::of(q.lang.as_deref(), &headers);
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        verify_html(lang),
    )
        .into_response()
}

/// `/verify.html`: the same verifier as one self-contained file to keep (download).
async fn verify_file() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"verify.html\"",
            ),
        ],
        verify_html(Lang::Vi),
    )
        .into_response()
}

/// `verify.html`: the page with the verifier inlined, so that it needs no other file.
pub fn verify_html(lang: Lang) -> String {
    VERIFY_PAGE
        .replace("{{lang}}", lang.code())
        .replace("/*{{style}}*/", STYLE)
        .replace("/*{{noble.js}}*/", NOBLE)
        .replace("/*{{verify.js}}*/", &verify_js())
}

/// The verifier with the library's catalogue of kinds (stream family, who may sign) put in,
/// so that the browser judges authority by the same table as `ledger::authority`.
pub fn verify_js() -> String {
    use ledger::catalogue::{Family, SignedBy};
    let kinds: serde_json::Map<String, serde_json::Value> = ledger::catalogue::KINDS
        .iter()
        .map(|k| {
            let family = match k.family {
                Family::Ledger => "ledger",
                Family::Org => "org",
                Family::Congress => "congress",
                Family::Complaint => "complaint",
                Family::Any => "any",
            };
            let signed_by = match k.signed_by {
                SignedBy::AuthorityOnly => serde_json::json!("authority"),
                SignedBy::Roles(roles) => serde_json::json!(roles),
                SignedBy::AnyRole => serde_json::json!("any"),
                SignedBy::AsCorrected => serde_json::json!("corrected"),
            };
            (
                k.kind.to_string(),
                serde_json::json!({"family": family, "signed_by": signed_by}),
            )
        })
        .collect();
    let catalogue = serde_json::json!({
        "kinds": kinds,
        "roles": ledger::catalogue::ROLES,
        "max_clock_skew_ms": ledger::authority::MAX_CLOCK_SKEW_MS,
    });
    VERIFY_JS.replace("/*{{catalogue}}*/ null", &catalogue.to_string())
}
