//! RFC 9457 problem documents: every error the API returns says what was wrong and what to do.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use ledger::engine::AppendError;
use ledger::storage::StorageError;

#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub title: String,
    pub detail: String,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    pub fn new(status: StatusCode, title: &str, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            title: title.to_string(),
            detail: detail.into(),
            extra: serde_json::Map::new(),
        }
    }

    pub fn with(mut self, key: &str, value: serde_json::Value) -> Problem {
        self.extra.insert(key.to_string(), value);
        self
    }

    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "bad request", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not found", detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut body = serde_json::Map::new();
        body.insert("type".into(), "about:blank".into());
        body.insert("title".into(), self.title.into());
        body.insert("status".into(), self.status.as_u16().into());
        body.insert("detail".into(), self.detail.into());
        body.extend(self.extra);
        (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            serde_json::Value::Object(body).to_string(),
        )
            .into_response()
    }
}

/// Errors that the framework answers itself (a query or path parameter that does not parse, a
/// method the route lacks, a timeout) come as plain text; this turns them into problem
/// documents like every other error, keeping their status and message.
pub(crate) async fn as_problem(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == "application/problem+json");
    // The explorer's pages answer errors as pages, in the reader's language.
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !status.is_client_error() || is_problem || is_page {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    // The framework's messages are one line; a larger body is not one of them.
    let detail = match axum::body::to_bytes(response.into_body(), 64 * 1024).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    };
    let title = status
        .canonical_reason()
        .unwrap_or("client error")
        .to_lowercase();
    let mut problem = Problem::new(status, &title, detail).into_response();
    if let Some(allow) = allow {
        problem.headers_mut().insert(header::ALLOW, allow);
    }
    problem
}

impl From<StorageError> for Problem {
    fn from(e: StorageError) -> Problem {
        let status = if e.is_disk_full() {
            StatusCode::INSUFFICIENT_STORAGE
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        Problem::new(status, "storage error", e.to_string())
    }
}

impl From<AppendError> for Problem {
    fn from(e: AppendError) -> Problem {
        let detail = e.to_string();
        match e {
            AppendError::Format(_) | AppendError::WrongLedger { .. } => {
                Problem::new(StatusCode::BAD_REQUEST, "malformed event", detail)
            }
            AppendError::Signature(_) => {
                Problem::new(StatusCode::FORBIDDEN, "signature does not verify", detail)
            }
            AppendError::Unauthorized(_) => {
                Problem::new(StatusCode::FORBIDDEN, "unauthorized", detail)
            }
            AppendError::Schema(s) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "payload does not match its schema",
                detail,
            )
            .with("kind", s.kind.into())
            .with("schema", s.schema.into())
            .with("path", s.path.into())
            .with("reason", s.message.into()),
            AppendError::Conflict {
                stream,
                current,
                head,
                ..
            } => Problem::new(StatusCode::CONFLICT, "version conflict", detail)
                .with("stream", stream.into())
                .with("current_version", current.into())
                .with("head", head.to_hex().into()),
            AppendError::PrevMismatch {
                stream,
                version,
                expected,
                ..
            } => Problem::new(
                StatusCode::CONFLICT,
                "prev does not match the stream's head",
                detail,
            )
            .with("stream", stream.into())
            .with("current_version", version.into())
            .with("head", expected.to_hex().into()),
            AppendError::Storage(s) => Problem::from(s),
            AppendError::ReadOnly => {
                Problem::new(StatusCode::METHOD_NOT_ALLOWED, "read-only mirror", detail)
            }
            AppendError::Closed => {
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "shutting down", detail)
            }
        }
    }
}
