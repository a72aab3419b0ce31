//! Who is asking: reader tokens (`Authorization: Bearer <token>`, granted with
//! `congress-ledger access grant`) or the explorer's session cookie (`/login`, which keeps
//! the token's hash), checked on every request. Secure by default: unless the
//! server was started with `--public`, everything but `/healthz`, `/openapi.json`, checkpoints,
//! the log keys and proofs needs an authenticated reader. Confidential routes need their role whatever
//! `--public` says.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ledger::access::tokens::Grant;
use ledger::access::Role;
use ledger::messages::Text;

use crate::explorer::session;
use crate::{AppState, Problem};

/// The reader a request was authenticated as (none: anonymous, on a public server or an
/// open route).
#[derive(Debug, Clone)]
pub struct Reader(pub Option<Grant>);

impl Reader {
    /// The reader, if it holds `allowed`; else the 401 or 403 problem.
    /// `what`: the action refused, in Vietnamese and English.
    pub fn require(
        &self,
        allowed: fn(Role) -> bool,
        what: (&str, &str),
    ) -> Result<&Grant, Problem> {
        let (what_vi, what_en) = what;
        match &self.0 {
            None => Err(unauthenticated()),
            Some(g) if allowed(g.role) => Ok(g),
            Some(g) => Err(Problem::new(
                StatusCode::FORBIDDEN,
                Text::new("không được phép", "forbidden"),
                Text::new(
                    format!(
                        "Vai trò `{}` không được {what_vi}; chỉ ủy ban kiểm tra được đọc thông tin bảo mật.",
                        g.role.name()
                    ),
                    format!(
                        "The role `{}` may not {what_en}; only the inspection commission reads confidential values.",
                        g.role.name()
                    ),
                ),
            )
            .with("role", g.role.name().into())),
        }
    }

    /// How the access log names this reader.
    pub fn label(&self) -> String {
        self.0
            .as_ref()
            .map_or("anonymous".into(), |g| format!("{} {}", g.id, g.holder))
    }
}

fn unauthenticated() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        Text::new("cần đăng nhập", "authentication required"),
        Text::new(
            "Cần đăng nhập: gửi mã đọc trong tiêu đề `Authorization: Bearer <mã>` (người vận hành cấp bằng `congress-ledger access grant`).",
            "Authentication required: send a reader token as `Authorization: Bearer <token>` (the operator grants one with `congress-ledger access grant`).",
        ),
    )
}

fn open_route(path: &str) -> bool {
    path == "/healthz"
        || path == "/openapi.json"
        || path == "/v1/checkpoint"
        || path.starts_with("/v1/checkpoint/")
        || path.starts_with("/v1/checkpoints/")
        || path == "/v1/log-keys"
        || path.starts_with("/v1/proofs/")
        || crate::explorer::open_route(path)
}

/// Where a request's credential came from.
enum Credential {
    Bearer(String),
    /// The explorer's session cookie: the session's id, its token's SHA-256 and the
    /// commission key it holds.
    Session(String, String, Option<session::Commission>),
}

/// The middleware: authenticates the bearer token if one is sent (an unknown or revoked one is
/// refused, even on an open route), else the explorer's session cookie (a session whose token
/// was revoked ends here, and the request goes on as anonymous), and refuses anonymous
/// requests outside the open routes on a server that is not public: an explorer page sends
/// the browser to `/login`, the API answers 401.
pub async fn authenticate(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let credential = match request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        Some(v) => Some(Credential::Bearer(
            v.strip_prefix("Bearer ").unwrap_or(v).trim().to_string(),
        )),
        None => session::session_id(request.headers()).and_then(|id| {
            let (hash, commission) = state.sessions.token_of(&id)?;
            Some(Credential::Session(id, hash, commission))
        }),
    };
    let grant = match credential {
        None => None,
        Some(credential) => {
            let access = state.access.clone();
            let hash = match &credential {
                Credential::Bearer(token) => ledger::access::tokens::token_sha256(token),
                Credential::Session(_, hash, _) => hash.clone(),
            };
            match tokio::task::spawn_blocking(move || access.readers.authenticate_sha256(&hash))
                .await
            {
                Ok(Ok(Some(grant))) => {
                    if let Credential::Session(_, _, Some(commission)) = credential {
                        request.extensions_mut().insert(commission);
                    }
                    Some(grant)
                }
                Ok(Ok(None)) => match credential {
                    Credential::Session(id, _, _) => {
                        state.sessions.close(&id);
                        None
                    }
                    Credential::Bearer(_) => {
                        return Problem::new(
                            StatusCode::UNAUTHORIZED,
                            Text::new("mã đọc không đúng hoặc đã bị thu hồi", "unknown or revoked token"),
                            Text::new(
                                "Mã đọc không đúng hoặc đã bị thu hồi; xin người vận hành cấp mã mới (`congress-ledger access grant`).",
                                "The reader token is unknown or revoked; ask the operator for a new one (`congress-ledger access grant`).",
                            ),
                        )
                        .into_response()
                    }
                },
                Ok(Err(e)) => {
                    return Problem::failure(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        Text::new("không đọc được các quyền đọc", "reader grants unreadable"),
                        Text::new(
                            "Máy chủ không đọc được danh sách quyền đọc; hãy báo người vận hành kèm mã yêu cầu (request_id) để tra nhật ký.",
                            "The server could not read its reader grants; give the operator the request_id to find the cause in its log.",
                        ),
                        e,
                    )
                    .into_response()
                }
                Err(e) => return Problem::internal(e).into_response(),
            }
        }
    };
    let path = request.uri().path();
    if grant.is_none() && !state.access.public && !open_route(path) {
        if crate::explorer::is_page(path) {
            let wanted = request.uri().path_and_query().map_or(path, |p| p.as_str());
            let query = request
                .uri()
                .query()
                .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang=")));
            let lang = crate::explorer::Lang::of(query, request.headers());
            return session::login_redirect(wanted, lang);
        }
        return unauthenticated().into_response();
    }
    request.extensions_mut().insert(Reader(grant));
    next.run(request).await
}
