//! RFC 9457 problem documents: every error the API returns says what was wrong and what to do.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ledger::engine::AppendError;
use ledger::messages::{Lang, Text};
use ledger::storage::StorageError;

/// A problem: its title and detail in Vietnamese and English. The body is written in the
/// language the request asks for ([`localize`]: `Accept-Language`, Vietnamese by default) and
/// carries both languages as `detail_vi` and `detail_en`, for clients that show both.
#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    /// Boxed, so that a `Result<_, Problem>` stays small.
    pub title: Box<Text>,
    pub detail: Box<Text>,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    pub fn new(status: StatusCode, title: Text, detail: Text) -> Problem {
        Problem {
            status,
            title: Box::new(title),
            detail: Box::new(detail),
            extra: serde_json::Map::new(),
        }
    }

    pub fn with(mut self, key: &str, value: serde_json::Value) -> Problem {
        self.extra.insert(key.to_string(), value);
        self
    }

    pub fn bad_request(detail: Text) -> Problem {
        Problem::new(
            StatusCode::BAD_REQUEST,
            Text::new("yêu cầu không hợp lệ", "bad request"),
            detail,
        )
    }

    pub fn not_found(detail: Text) -> Problem {
        Problem::new(
            StatusCode::NOT_FOUND,
            Text::new("không tìm thấy", "not found"),
            detail,
        )
    }

    /// A failure of the server itself (a task that did not finish, an encoding that failed).
    pub fn internal(e: impl std::fmt::Display) -> Problem {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Text::new("lỗi nội bộ", "internal error"),
            Text::new(format!("lỗi nội bộ của máy chủ: {e}"), e.to_string()),
        )
    }

    /// The document in one language.
    fn body(&self, lang: Lang) -> serde_json::Value {
        let mut body = serde_json::Map::new();
        body.insert("type".into(), "about:blank".into());
        body.insert("title".into(), lang.render(self.title.as_ref()).into());
        body.insert("status".into(), self.status.as_u16().into());
        body.insert("detail".into(), lang.render(self.detail.as_ref()).into());
        body.insert("detail_vi".into(), self.detail.vi.clone().into());
        body.insert("detail_en".into(), self.detail.en.clone().into());
        body.extend(self.extra.clone());
        serde_json::Value::Object(body)
    }
}

/// Both languages of a problem, kept with its response until [`localize`] writes its body.
#[derive(Clone)]
struct Bilingual(Arc<Problem>);

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.body(Lang::Vi).to_string();
        let mut response = (
            self.status,
            [
                (header::CONTENT_TYPE, "application/problem+json"),
                (header::CONTENT_LANGUAGE, Lang::Vi.tag()),
            ],
            body,
        )
            .into_response();
        response.extensions_mut().insert(Bilingual(Arc::new(self)));
        response
    }
}

/// Writes every problem document in the language the request asks for (`Accept-Language`:
/// English when it ranks `en` above `vi`, else Vietnamese), with `Content-Language`.
pub(crate) async fn localize(request: Request, next: Next) -> Response {
    let lang = Lang::from_accept_language(
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut response = next.run(request).await;
    if lang == Lang::Vi {
        return response;
    }
    let Some(Bilingual(problem)) = response.extensions_mut().remove::<Bilingual>() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_LANGUAGE,
        header::HeaderValue::from_static(lang.tag()),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(problem.body(lang).to_string()))
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
    let title_vi = match status {
        StatusCode::BAD_REQUEST => "yêu cầu không hợp lệ",
        StatusCode::NOT_FOUND => "không tìm thấy",
        StatusCode::METHOD_NOT_ALLOWED => "phương thức không được phép",
        StatusCode::REQUEST_TIMEOUT => "hết thời gian chờ",
        StatusCode::PAYLOAD_TOO_LARGE => "yêu cầu quá lớn",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "kiểu nội dung không được hỗ trợ",
        StatusCode::UNPROCESSABLE_ENTITY => "không xử lý được",
        _ => "lỗi của yêu cầu",
    };
    // The framework's own message is in English; the Vietnamese says what it is about.
    let detail_vi = format!("máy chủ từ chối yêu cầu ({}): {detail}", status.as_u16());
    let mut problem = Problem::new(
        status,
        Text::new(title_vi, title),
        Text::new(detail_vi, detail),
    )
    .into_response();
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
        Problem::new(
            status,
            Text::new("lỗi lưu trữ", "storage error"),
            Text::of(&e),
        )
    }
}

impl From<AppendError> for Problem {
    fn from(e: AppendError) -> Problem {
        let detail = Text::of(&e);
        let title = |vi: &str, en: &str| Text::new(vi, en);
        match e {
            AppendError::Format(_) | AppendError::WrongLedger { .. } => Problem::new(
                StatusCode::BAD_REQUEST,
                title("sự kiện sai định dạng", "malformed event"),
                detail,
            ),
            AppendError::Signature(_) => Problem::new(
                StatusCode::FORBIDDEN,
                title("chữ ký không đúng", "signature does not verify"),
                detail,
            ),
            AppendError::Unauthorized(_) => Problem::new(
                StatusCode::FORBIDDEN,
                title("không có thẩm quyền", "unauthorized"),
                detail,
            ),
            AppendError::TooLarge { .. } => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                title("sự kiện quá lớn", "event too large"),
                detail,
            ),
            AppendError::Schema(s) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                title(
                    "nội dung không khớp lược đồ",
                    "payload does not match its schema",
                ),
                detail,
            )
            .with("kind", s.kind.into())
            .with("schema", s.schema.into())
            .with("path", s.path.into())
            .with("reason", s.message.into())
            .with("reason_vi", s.message_vi.into()),
            AppendError::Conflict {
                stream,
                current,
                head,
                ..
            } => Problem::new(
                StatusCode::CONFLICT,
                title("xung đột phiên bản", "version conflict"),
                detail,
            )
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
                title(
                    "prev không khớp đầu luồng",
                    "prev does not match the stream's head",
                ),
                detail,
            )
            .with("stream", stream.into())
            .with("current_version", version.into())
            .with("head", expected.to_hex().into()),
            AppendError::Storage(s) => Problem::from(s),
            AppendError::ReadOnly => Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                title("bản sao chỉ đọc", "read-only mirror"),
                detail,
            ),
            AppendError::Closed => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                title("đang dừng", "shutting down"),
                detail,
            ),
        }
    }
}
