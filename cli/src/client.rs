//! The CLI as a client of the HTTP API: every request carries the reader token and the
//! language ([`crate::text::authed`]), every answer is decoded as one of the API's typed
//! structures (`api::wire`, the ones the server answers with and `/openapi.json` describes),
//! and a refusal is read as its problem document.

use anyhow::Context;
use api::wire::ProblemDocument;
use serde::de::DeserializeOwned;

/// A refusal by the server: its status and, when it sent one, its problem document.
#[derive(Debug)]
pub struct Refused {
    pub url: String,
    pub status: u16,
    pub problem: Option<ProblemDocument>,
}

impl Refused {
    /// The problem's detail in the chosen language(s), and the request's id to give the
    /// operator.
    pub fn detail(&self) -> String {
        match &self.problem {
            Some(p) => format!(
                "{} ({}: {})",
                crate::text::both(&p.detail_vi, &p.detail_en),
                crate::text::both("mã yêu cầu", "request id"),
                p.request_id
            ),
            None => crate::text::both("bị từ chối", "refused"),
        }
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: HTTP {}: {}", self.url, self.status, self.detail())
    }
}

impl std::error::Error for Refused {}

/// `GET url`, its answer decoded as `T`.
pub fn get<T: DeserializeOwned>(url: &str) -> anyhow::Result<T> {
    decode(url, crate::text::authed(ureq::get(url)).call())
}

/// `POST url` with `body` of `content_type`, its answer decoded as `T`.
pub fn post<T: DeserializeOwned>(url: &str, content_type: &str, body: &[u8]) -> anyhow::Result<T> {
    decode(
        url,
        crate::text::authed(ureq::post(url))
            .set("content-type", content_type)
            .send_bytes(body),
    )
}

/// An answer decoded as `T`; a refusal as [`Refused`] (its problem document, if any).
pub fn decode<T: DeserializeOwned>(
    url: &str,
    answer: Result<ureq::Response, ureq::Error>,
) -> anyhow::Result<T> {
    match answer {
        Ok(r) => r.into_json().with_context(|| {
            crate::text::both(
                &format!("{url} không trả lời đúng khuôn dạng của API"),
                &format!("{url} did not answer as the API says it does"),
            )
        }),
        Err(ureq::Error::Status(status, r)) => Err(refused(url, status, r).into()),
        Err(e) => Err(e).with_context(|| {
            crate::text::both(&format!("kết nối tới {url}"), &format!("reaching {url}"))
        }),
    }
}

/// The refusal `r` (status `status`) of a request to `url`.
pub fn refused(url: &str, status: u16, r: ureq::Response) -> Refused {
    Refused {
        url: url.to_string(),
        status,
        problem: r.into_json().ok(),
    }
}
