//! RFC 9457 problem documents: every error the API returns says what was wrong and what to do,
//! and carries the request's id (`x-request-id`, [`request_id`]). What went wrong inside the
//! server (a path, an I/O error) is never in an answer: it is the problem's `cause`, logged
//! under the request's id when the answer goes out ([`localize`]).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ledger::engine::AppendError;
use ledger::messages::{Lang, Text};
use ledger::storage::StorageError;

use crate::wire::ProblemDocument;

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
    /// What went wrong inside the server, for its log only: never sent.
    pub cause: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, title: Text, detail: Text) -> Problem {
        Problem {
            status,
            title: Box::new(title),
            detail: Box::new(detail),
            extra: serde_json::Map::new(),
            cause: None,
        }
    }

    /// A failure of the server whose `cause` (which may name files) goes to its log under the
    /// request's id, while the answer says only `detail`.
    pub fn failure(
        status: StatusCode,
        title: Text,
        detail: Text,
        cause: impl std::fmt::Display,
    ) -> Problem {
        Problem {
            cause: Some(cause.to_string()),
            ..Problem::new(status, title, detail)
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
        Problem::failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            Text::new("lỗi nội bộ", "internal error"),
            Text::new(
                "Máy chủ gặp lỗi nội bộ; hãy báo người vận hành kèm mã yêu cầu (request_id) để tra nhật ký.",
                "The server failed internally; give the operator the request_id to find it in the log.",
            ),
            e,
        )
    }

    /// The document in one language, for the request `request_id`.
    fn document(&self, lang: Lang, request_id: &str) -> ProblemDocument {
        ProblemDocument {
            kind: "about:blank".into(),
            title: lang.render(self.title.as_ref()),
            status: self.status.as_u16(),
            detail: lang.render(self.detail.as_ref()),
            detail_vi: self.detail.vi.clone(),
            detail_en: self.detail.en.clone(),
            request_id: request_id.into(),
            extra: self.extra.clone().into_iter().collect(),
        }
    }

    /// Logs a failure, with its cause, in the request's span (which names its id).
    pub(crate) fn log(&self) {
        match &self.cause {
            Some(cause) => tracing::error!(
                status = self.status.as_u16(),
                cause = %cause,
                "{}",
                self.title.en
            ),
            None if self.status.is_server_error() => {
                tracing::warn!(status = self.status.as_u16(), "{}", self.detail.en)
            }
            None => {}
        }
    }

    pub(crate) fn body(&self, lang: Lang, request_id: &str) -> String {
        serde_json::to_string(&self.document(lang, request_id)).unwrap_or_default()
    }
}

/// The id of a request: the client's `x-request-id` if it is short and safe, else a new one.
/// Every answer carries it in `x-request-id`, a problem document as `request_id`, and the
/// server's log lines about the request name it.
#[derive(Clone, Debug)]
pub struct RequestId(pub Arc<str>);

pub const REQUEST_ID: &str = "x-request-id";

impl RequestId {
    fn of(request: &Request) -> RequestId {
        RequestId::given(
            request
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok()),
        )
    }

    /// The id for a request whose `x-request-id` header is `given`: kept if it is 1 to 64
    /// letters, digits, `-`, `_` or `.`, else a new one.
    pub(crate) fn given(given: Option<&str>) -> RequestId {
        let given = given.filter(|v| {
            (1..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        });
        RequestId(match given {
            Some(id) => id.into(),
            None => {
                let bytes: [u8; 12] = rand::random();
                hex::encode(bytes).into()
            }
        })
    }
}

/// The outermost middleware: names the request, logs within a span carrying its id, and puts
/// the id on the answer.
pub(crate) async fn request_id(mut request: Request, next: Next) -> Response {
    use tracing::Instrument;
    let id = RequestId::of(&request);
    request.extensions_mut().insert(id.clone());
    let span = tracing::info_span!("request", request_id = %id.0);
    let mut response = next.run(request).instrument(span).await;
    if let Ok(value) = header::HeaderValue::from_str(&id.0) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// Both languages of a problem, kept with its response until [`localize`] writes its body.
#[derive(Clone)]
struct Bilingual(Arc<Problem>);

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.body(Lang::Vi, "");
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
/// English when it ranks `en` above `vi`, else Vietnamese), with `Content-Language` and the
/// request's id, and logs a failure's cause under that id.
pub(crate) async fn localize(request: Request, next: Next) -> Response {
    let lang = Lang::from_accept_language(
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let id = request
        .extensions()
        .get::<RequestId>()
        .map_or_else(|| Arc::from(""), |id| id.0.clone());
    let mut response = next.run(request).await;
    let Some(Bilingual(problem)) = response.extensions_mut().remove::<Bilingual>() else {
        return response;
    };
    problem.log();
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_LANGUAGE,
        header::HeaderValue::from_static(lang.tag()),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(problem.body(lang, &id)))
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
        let (status, detail) = if e.is_disk_full() {
            (
                StatusCode::INSUFFICIENT_STORAGE,
                Text::new(
                    "Ổ đĩa của máy chủ đã đầy: sổ cái không ghi thêm được và không mất gì; người vận hành giải phóng chỗ trống rồi khởi động lại máy chủ.",
                    "The server's disk is full: the ledger cannot write more and has lost nothing; the operator frees space and restarts the server.",
                ),
            )
        } else if let StorageError::Poisoned(p) = &e {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Text::new(
                    format!(
                        "Sổ cái ngừng nhận ghi sau {}; người vận hành khởi động lại máy chủ để phục hồi, không mất gì đã được xác nhận.",
                        ledger::localized::poison_cause(p.cause)
                    ),
                    format!(
                        "The ledger stopped accepting writes after {}; the operator restarts the server to recover, losing nothing acknowledged.",
                        p.cause.words()
                    ),
                ),
            )
        } else {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Text::new(
                    "Máy chủ không đọc hoặc ghi được kho dữ liệu của mình; hãy báo người vận hành kèm mã yêu cầu (request_id) để tra nhật ký.",
                    "The server could not read or write its storage; give the operator the request_id to find the cause in its log.",
                ),
            )
        };
        Problem::failure(status, Text::new("lỗi lưu trữ", "storage error"), detail, e)
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
            AppendError::LogKeyNotHeld(_) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                title(
                    "sổ cái không giữ khóa sổ cái này",
                    "the ledger does not hold this log key",
                ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use ledger::storage::{Poison, PoisonCause};

    /// Every kind of storage failure answers a fixed text and keeps its cause, which names the
    /// file, for the log.
    #[test]
    fn a_storage_failure_answers_no_path_and_keeps_its_cause() {
        let file = std::path::PathBuf::from("/srv/so-cai/log/00000000000000000000.seg");
        let io = StorageError::Io {
            path: file.clone(),
            kind: std::io::ErrorKind::PermissionDenied,
            message: "Permission denied (os error 13)".into(),
        };
        let failures = [
            io.clone(),
            StorageError::Corrupt {
                file: file.clone(),
                offset: 7,
                position: Some(3),
                reason: "stored frame fails its checksum".into(),
            },
            StorageError::Index(format!("{}: broken", file.display())),
            StorageError::Lost(format!("entry 3 of {}", file.display())),
            StorageError::Poisoned(Poison::from_error(PoisonCause::Fsync, &io)),
        ];
        for e in failures {
            let problem = Problem::from(e.clone());
            let answer = serde_json::to_string(&problem.document(Lang::En, "r-1")).unwrap();
            assert!(!answer.contains("/srv/so-cai"), "{e}: {answer}");
            assert!(!answer.contains(".seg"), "{e}: {answer}");
            assert!(!answer.contains("os error"), "{e}: {answer}");
            assert!(answer.contains("\"request_id\":\"r-1\""), "{answer}");
            assert_eq!(problem.cause, Some(e.to_string()));
            assert!(problem.cause.unwrap().contains("/srv/so-cai"));
        }
    }
}
