//! The explorer's login (issues 12 §3 and 14): a reader pastes the token the operator granted
//! (`congress-ledger access grant`) into `/login`; it is checked exactly as the bearer path
//! checks it, and the browser gets a session cookie (HttpOnly, SameSite=Strict, Secure over
//! TLS, Path=/). The cookie holds a random session id; the server keeps, per id, only the
//! token's SHA-256 and an expiry, at most [`MAX_SESSIONS`] of them. Every request with the
//! cookie checks the grant again, so revoking the token ends its sessions at once. The login
//! and logout POSTs are refused unless the browser says they come from this origin (CSRF).
//!
//! An inspection-commission reader may also give the commission's age key at login: it is
//! held in this session's memory only (never written anywhere), so that an act page can open
//! the case's confidential values for that reader, each read recorded in the access log; it is
//! dropped with the session. (The server holds it no longer than the session; a page it
//! serves could take it anyway, so this trusts the server no more than pasting the key into
//! an in-page decryptor would.)

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use parking_lot::Mutex;
use rand_core::{OsRng, RngCore};
use serde::Deserialize;

use super::{esc, page, Lang};
use crate::auth::Reader;
use crate::AppState;

/// The cookie's name.
pub const COOKIE: &str = "clr_session";
/// How long a session lasts from its login.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);
/// Sessions kept at once; a login beyond it ends the oldest.
pub const MAX_SESSIONS: usize = 10_000;

/// Whether the connection came over TLS (set by the accept loop): the cookie is then `Secure`.
#[derive(Debug, Clone, Copy)]
pub struct OverTls;

/// The commission's key a session holds, for the act pages.
#[derive(Clone)]
pub struct Commission(pub Arc<ledger::confidential::store::Identity>);

struct Session {
    token_sha256: String,
    commission: Option<Commission>,
    created: Instant,
    expires: Instant,
}

/// The sessions of one server, in memory (a restart logs everyone out).
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
    ttl: Duration,
    cap: usize,
}

impl Default for Sessions {
    fn default() -> Sessions {
        Sessions::new(SESSION_TTL, MAX_SESSIONS)
    }
}

impl Sessions {
    pub fn new(ttl: Duration, cap: usize) -> Sessions {
        Sessions {
            map: Mutex::new(HashMap::new()),
            ttl,
            cap: cap.max(1),
        }
    }

    /// A new session for the token whose hash is `token_sha256`; returns its id. Expired
    /// sessions are dropped first; if the cap is still reached, the oldest session ends.
    pub fn open(&self, token_sha256: String, commission: Option<Commission>) -> String {
        let mut id = [0u8; 32];
        OsRng.fill_bytes(&mut id);
        let id = hex::encode(id);
        let now = Instant::now();
        let mut map = self.map.lock();
        if map.len() >= self.cap {
            map.retain(|_, s| s.expires > now);
        }
        while map.len() >= self.cap {
            let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.created)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            map.remove(&oldest);
        }
        map.insert(
            id.clone(),
            Session {
                token_sha256,
                commission,
                created: now,
                expires: now + self.ttl,
            },
        );
        id
    }

    /// The token hash of a live session and the commission key it holds (an expired
    /// session is dropped).
    pub fn token_of(&self, id: &str) -> Option<(String, Option<Commission>)> {
        let mut map = self.map.lock();
        let live = map.get(id).map(|s| (s.expires > Instant::now(), s));
        match live {
            Some((true, s)) => Some((s.token_sha256.clone(), s.commission.clone())),
            Some((false, _)) => {
                map.remove(id);
                None
            }
            None => None,
        }
    }

    /// Ends a session.
    pub fn close(&self, id: &str) {
        self.map.lock().remove(id);
    }

    /// Sessions kept now.
    pub fn len(&self) -> usize {
        self.map.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn max_age(&self) -> u64 {
        self.ttl.as_secs()
    }
}

/// The session id the request's cookie carries, if any.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `Set-Cookie` for a session (`max_age` 0: ends it in the browser).
fn cookie(id: &str, max_age: u64, secure: bool) -> HeaderValue {
    let text = format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A local path to go back to after login: starts with one `/`, never another origin.
fn local_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Percent-encodes `text` for a query value.
pub fn query_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where an unauthenticated browser asking for `path_and_query` is sent.
pub fn login_redirect(path_and_query: &str, lang: Lang) -> Response {
    let target = format!(
        "/login?next={}{}",
        query_encode(path_and_query),
        if lang == Lang::En { "&lang=en" } else { "" }
    );
    (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response()
}

/// CSRF: the POST must come from a page of this origin, as its `Origin` (or, without one,
/// `Referer`) says; a request naming neither is refused.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let from = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(from) = from else {
        return false;
    };
    let authority = from
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or(""));
    authority.is_some_and(|a| a.eq_ignore_ascii_case(host))
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    lang: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    commission_key: String,
    next: Option<String>,
    lang: Option<String>,
}

/// The login form, with `error` (already in both languages) above it.
fn login_page(lang: Lang, reader: &Reader, next: &str, error: Option<&str>) -> String {
    let mut b = String::new();
    if let Some(e) = error {
        let _ = write!(b, "<p class=\"error\" role=\"alert\">{}</p>", esc(e));
    }
    if let Some(g) = &reader.0 {
        let _ = write!(
            b,
            "<p class=\"signed-in\" data-role=\"{role}\">{} <strong>{}</strong> ({role}).</p>\
<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"lang\" value=\"{code}\"><button>{}</button></form>",
            lang.t("Đang đăng nhập là", "Signed in as"),
            esc(&g.holder),
            lang.t("Đăng xuất", "Sign out"),
            role = esc(g.role.name()),
            code = lang.code(),
        );
    }
    let _ = write!(
        b,
        "<p>{}</p><form method=\"post\" action=\"/login\" class=\"login\">\
<label>{} <input type=\"password\" name=\"token\" id=\"token\" autocomplete=\"off\" required placeholder=\"clr_…\"></label>\
<details><summary>{}</summary><p>{}</p><label>{} <textarea name=\"commission_key\" id=\"commission-key\" rows=\"2\" autocomplete=\"off\" spellcheck=\"false\" placeholder=\"AGE-SECRET-KEY-1…\"></textarea></label></details>\
<input type=\"hidden\" name=\"next\" value=\"{}\"><input type=\"hidden\" name=\"lang\" value=\"{}\">\
<button id=\"login-button\">{}</button></form>",
        lang.t(
            "Dán mã đọc mà người vận hành đã cấp cho bạn (`congress-ledger access grant`). Mã chỉ được kiểm tra, không được lưu: máy chủ giữ một phiên đăng nhập trong 8 giờ, hoặc đến khi bạn đăng xuất hay mã bị thu hồi.",
            "Paste the reader token the operator granted you (`congress-ledger access grant`). The token is checked, not kept: the server keeps a session for 8 hours, or until you sign out or the token is revoked."
        ),
        lang.t("Mã đọc", "Reader token"),
        lang.t("Ủy ban kiểm tra: đọc thông tin bảo mật", "Inspection commission: read confidential values"),
        lang.t(
            "Chỉ ủy ban kiểm tra: dán thêm khóa riêng của ủy ban (tệp của `congress-ledger confidential keygen`) để xem thông tin bảo mật trên trang hành vi. Khóa chỉ được giữ trong bộ nhớ của phiên này, không ghi ra đâu, và bị xóa khi đăng xuất; mỗi lần đọc được ghi vào nhật ký truy cập.",
            "Inspection commission only: also paste the commission's secret key (the file of `congress-ledger confidential keygen`) to see confidential values on act pages. The key is held in this session's memory only, written nowhere, and dropped at sign-out; each read is recorded in the access log."
        ),
        lang.t("Khóa của ủy ban", "Commission key"),
        esc(next),
        lang.code(),
        lang.t("Đăng nhập", "Sign in"),
    );
    page(lang, lang.t("Đăng nhập", "Sign in"), &b).0
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// `GET /login`.
pub async fn login_form(
    Query(q): Query<LoginQuery>,
    Extension(reader): Extension<Reader>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::of(q.lang.as_deref(), &headers);
    let next = local_next(q.next.as_deref());
    html(StatusCode::OK, login_page(lang, &reader, &next, None))
}

fn refused_cross_site(lang: Lang, reader: &Reader, next: &str) -> Response {
    html(
        StatusCode::FORBIDDEN,
        login_page(
            lang,
            reader,
            next,
            Some(lang.t(
                "Yêu cầu không đến từ trang của máy chủ này (thiếu hoặc sai tiêu đề Origin), nên đã bị từ chối. Hãy mở trang đăng nhập của máy chủ và gửi lại.",
                "The request did not come from this server's own page (no or another Origin header), so it was refused. Open this server's login page and submit it again.",
            )),
        ),
    )
}

/// `POST /login`: checks the token as the bearer path does; on success, the session cookie
/// and a redirect to `next`.
pub async fn login(
    State(state): State<Arc<AppState>>,
    Extension(reader): Extension<Reader>,
    tls: Option<Extension<OverTls>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = Lang::of(form.lang.as_deref(), &headers);
    let next = local_next(form.next.as_deref());
    if !same_origin(&headers) {
        return refused_cross_site(lang, &reader, &next);
    }
    let hash = ledger::access::tokens::token_sha256(&form.token);
    let access = state.access.clone();
    let checked = {
        let hash = hash.clone();
        tokio::task::spawn_blocking(move || access.readers.authenticate_sha256(&hash)).await
    };
    let refuse = |status: StatusCode, vi: &str, en: &str| {
        html(
            status,
            login_page(lang, &reader, &next, Some(lang.t(vi, en))),
        )
    };
    match checked {
        Ok(Ok(Some(grant))) => {
            let commission = match form.commission_key.trim() {
                "" => None,
                _ if !grant.role.reads_confidential() => {
                    return refuse(
                        StatusCode::FORBIDDEN,
                        &format!("Mã đọc này có vai trò `{}`: chỉ ủy ban kiểm tra (vai trò `inspection`) được dùng khóa của ủy ban để đọc thông tin bảo mật. Hãy để trống ô khóa.", grant.role.name()),
                        &format!("This reader token has the role `{}`: only the inspection commission (role `inspection`) may use the commission's key to read confidential values. Leave the key empty.", grant.role.name()),
                    )
                }
                text => match ledger::confidential::store::parse_identity(text) {
                    Ok(identity) => Some(Commission(Arc::new(identity))),
                    Err(_) => {
                        return refuse(
                            StatusCode::BAD_REQUEST,
                            "Khóa của ủy ban không đọc được: cần một dòng `AGE-SECRET-KEY-1…` (tệp của `congress-ledger confidential keygen`). Hãy dán lại, hoặc để trống.",
                            "The commission key cannot be read: it must be an `AGE-SECRET-KEY-1…` line (the file of `congress-ledger confidential keygen`). Paste it again, or leave it empty.",
                        )
                    }
                },
            };
            let id = state.sessions.open(hash, commission);
            let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, next)]).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                cookie(&id, state.sessions.max_age(), tls.is_some()),
            );
            response
        }
        Ok(Ok(None)) => refuse(
            StatusCode::UNAUTHORIZED,
            "Mã đọc không đúng hoặc đã bị thu hồi. Hãy dán lại đúng mã người vận hành đã cấp, hoặc xin mã mới (`congress-ledger access grant`).",
            "The reader token is unknown or revoked. Paste the token the operator granted exactly, or ask for a new one (`congress-ledger access grant`).",
        ),
        Ok(Err(e)) => {
            // The cause (a file's path, the system's words) goes to the server's log only.
            crate::Problem::internal(e).log();
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Máy chủ không đọc được danh sách quyền đọc. Hãy báo người vận hành: nhật ký của máy chủ ghi rõ nguyên nhân.",
                "The server cannot read the reader grants. Tell the operator: the server's log says why.",
            )
        }
        Err(e) => crate::Problem::internal(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    lang: Option<String>,
}

/// `POST /logout`: ends the session here and in the browser.
pub async fn logout(
    State(state): State<Arc<AppState>>,
    Extension(reader): Extension<Reader>,
    tls: Option<Extension<OverTls>>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    let lang = Lang::of(form.lang.as_deref(), &headers);
    if !same_origin(&headers) {
        return refused_cross_site(lang, &reader, "/");
    }
    if let Some(id) = session_id(&headers) {
        state.sessions.close(&id);
    }
    let mut response = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("/login{}", lang.suffix()))],
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie("", 0, tls.is_some()));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(s: &Sessions, id: &str) -> Option<String> {
        s.token_of(id).map(|(t, _)| t)
    }

    #[test]
    fn sessions_expire_are_capped_and_close() {
        let s = Sessions::new(Duration::from_secs(3600), 2);
        let a = s.open("a".into(), None);
        let b = s.open("b".into(), None);
        assert_eq!(token(&s, &a).as_deref(), Some("a"));
        let c = s.open("c".into(), None);
        assert_eq!(s.len(), 2);
        assert_eq!(token(&s, &a), None, "the oldest session ends at the cap");
        assert_eq!(token(&s, &b).as_deref(), Some("b"));
        s.close(&b);
        assert_eq!(token(&s, &b), None);
        assert_eq!(token(&s, &c).as_deref(), Some("c"));
        let short = Sessions::new(Duration::from_millis(1), 10);
        let d = short.open("d".into(), None);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(token(&short, &d), None, "an expired session is gone");
        assert!(short.is_empty());
    }

    #[test]
    fn the_cookie_is_read_only_in_its_own_shape_and_next_stays_local() {
        let mut h = HeaderMap::new();
        let id = "ab".repeat(32);
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; {COOKIE}={id}")).unwrap(),
        );
        assert_eq!(session_id(&h), Some(id));
        h.insert(header::COOKIE, HeaderValue::from_static("clr_session=x"));
        assert_eq!(session_id(&h), None);
        assert_eq!(local_next(Some("/acts/at/3?lang=en")), "/acts/at/3?lang=en");
        for bad in ["//evil.example/", "https://evil.example/", "/\\evil", ""] {
            assert_eq!(local_next(Some(bad)), "/", "{bad}");
        }
    }

    #[test]
    fn a_post_from_another_origin_or_none_is_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(!same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h));
        h.remove(header::ORIGIN);
        h.insert(
            header::REFERER,
            HeaderValue::from_static("https://127.0.0.1:8080/login?next=/"),
        );
        assert!(same_origin(&h));
    }
}
