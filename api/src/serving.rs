//! The connection layer: what a hostile network can open here is bounded. Each connection must
//! send its request header within a time limit; at most `max_connections` are served at once,
//! and one more is answered with a 503 problem document (in the language of its
//! `Accept-Language`, with its request id and `Retry-After`) and closed; when the process runs
//! out of file descriptors, accepting pauses and resumes instead of failing; subscribers are
//! capped apart (`events::subscribe`). TLS connections (`serve --tls-cert`) go through the same loop.
//! `serve` also raises its open-file limit to the hard limit.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

pub use crate::explorer::session::OverTls;

/// Bounds on what clients can hold open.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections served at once; one more is refused with 503.
    pub max_connections: usize,
    /// Subscriptions (`/v1/subscribe`) open at once; one more is answered 503.
    pub max_subscribers: usize,
    /// Time a connection has to send a whole request header.
    pub header_read_timeout: Duration,
}

impl Limits {
    /// Room for `max_subscribers` subscriptions plus ordinary requests.
    pub fn with_subscribers(max_subscribers: usize) -> Limits {
        Limits {
            max_connections: max_subscribers + 1024,
            max_subscribers,
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::with_subscribers(1000)
    }
}

/// Raises this process's soft limit on open files to its hard limit (connections are files);
/// returns the limit now in force.
pub fn raise_open_file_limit() -> std::io::Result<u64> {
    let (_, hard) = rlimit::Resource::NOFILE.get()?;
    rlimit::Resource::NOFILE.set(hard, hard)?;
    Ok(hard)
}

/// How long to wait before accepting again after `accept` failed (no descriptors left: they
/// come back as connections close).
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);
/// How long shutting down waits for connections to finish (subscriptions never do).
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// Serves `app` on `addr` until `shutdown` completes, finishing the requests in flight (for at
/// most [`DRAIN_LIMIT`]). Calls `bound` with the address actually bound (for port 0).
pub async fn serve_router(
    app: Router,
    addr: SocketAddr,
    limits: Limits,
    bound: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(app, addr, limits, None, bound, shutdown).await
}

/// [`serve_router`], over TLS when `tls` is given: the same accept loop and limits (the
/// connection cap, the EMFILE pause, the header-read timeout, which also bounds the
/// handshake), with each request marked [`OverTls`].
pub async fn serve_with(
    app: Router,
    addr: SocketAddr,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    bound: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    bound(listener.local_addr()?);
    let app = if tls.is_some() {
        app.layer(axum::Extension(OverTls))
    } else {
        app
    };
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut pressure_reported = false;
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    pressure_reported = false;
                    stream
                }
                Err(e) => {
                    // EMFILE/ENFILE and the like: the listener stays, and accepting resumes
                    // once descriptors are freed.
                    if !pressure_reported {
                        tracing::warn!(error = %e, "cannot accept a connection; retrying");
                        pressure_reported = true;
                    }
                    tokio::time::sleep(ACCEPT_PAUSE).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Over TLS the client would not read a plain-text answer: just close.
            if tls.is_none() {
                tokio::spawn(refuse(stream));
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let limits = limits.clone();
        match &tls {
            None => serve_connection(stream, app, &limits, graceful.watcher(), slot),
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let handshake = acceptor.accept(stream);
                    match tokio::time::timeout(limits.header_read_timeout, handshake).await {
                        Ok(Ok(tls)) => serve_connection(tls, app, &limits, watcher, slot),
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                });
            }
        }
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_LIMIT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {DRAIN_LIMIT:?}: closing them");
    }
    Ok(())
}

/// Serves one accepted connection (plain or TLS) with the header-read timeout, holding `slot`
/// until it ends.
fn serve_connection<I>(
    io: I,
    app: Router,
    limits: &Limits,
    watcher: hyper_util::server::graceful::Watcher,
    slot: tokio::sync::OwnedSemaphorePermit,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper_util::service::TowerToHyperService::new(app);
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(TokioIo::new(io), service);
    let connection = watcher.watch(connection);
    tokio::spawn(async move {
        let _slot = slot;
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "connection ended with an error");
        }
    });
}

/// How long a connection over the limit has to send its request header before it is answered
/// anyway (in Vietnamese, with a new request id): a refusal holds its descriptor no longer.
const REFUSAL_READ_LIMIT: Duration = Duration::from_secs(1);
/// The most of a refused connection's request header read.
const REFUSAL_HEAD_BYTES: usize = 16 * 1024;

/// The answer to a connection over the limit: a 503 problem document like every other (in the
/// language of its `Accept-Language` when its request header came in time, with its request
/// id and `Retry-After`), then close.
async fn refuse(mut stream: tokio::net::TcpStream) {
    let head = tokio::time::timeout(REFUSAL_READ_LIMIT, read_head(&mut stream))
        .await
        .unwrap_or_default();
    let response = refusal(&head);
    let write = async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), write).await;
}

/// Reads a request header (up to its blank line, at most [`REFUSAL_HEAD_BYTES`]); what came
/// before an error or the end.
async fn read_head(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while head.len() < REFUSAL_HEAD_BYTES && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    head
}

/// The whole HTTP/1.1 answer refusing a connection whose request header is `head` (empty,
/// or cut short, when it did not come).
fn refusal(head: &[u8]) -> String {
    use ledger::messages::{Lang, Text};
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    let complete = matches!(request.parse(head), Ok(httparse::Status::Complete(_)));
    let header = |name: &str| {
        request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
    };
    let (lang, id) = if complete {
        (
            Lang::from_accept_language(header("accept-language")),
            crate::RequestId::given(header(crate::REQUEST_ID)),
        )
    } else {
        (Lang::Vi, crate::RequestId::given(None))
    };
    let problem = crate::Problem::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        Text::new("quá nhiều kết nối", "too many connections"),
        Text::new(
            "Máy chủ đang phục vụ số kết nối tối đa; hãy thử lại sau giây lát (Retry-After).",
            "The server is serving as many connections as it allows; try again in a moment (Retry-After).",
        ),
    );
    tracing::debug!(request_id = %id.0, "connection refused: as many as allowed are open");
    let body = problem.body(lang, &id.0);
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\ncontent-language: {}\r\n{}: {}\r\nretry-after: {RETRY_AFTER_SECONDS}\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        lang.tag(),
        crate::REQUEST_ID,
        id.0,
        body.len()
    )
}

/// When a refused client is told to come back.
const RETRY_AFTER_SECONDS: u64 = 1;
