//! The connection layer: what a hostile network can open here is bounded. Each connection must
//! send its request header within a time limit; at most `max_connections` are served at once,
//! and one more is answered with a clean 503 and closed; when the process runs out of file
//! descriptors, accepting pauses and resumes instead of failing; subscribers are capped apart
//! (`events::subscribe`). TLS connections (`serve --tls-cert`) go through the same loop.
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

/// The answer to a connection over the limit: a 503 problem document, then close.
async fn refuse(mut stream: tokio::net::TcpStream) {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": "quá nhiều kết nối / too many connections",
        "status": 503,
        "detail": "Máy chủ đang phục vụ số kết nối tối đa; hãy thử lại sau giây lát. / The server is serving as many connections as it allows; try again in a moment.",
    })
    .to_string();
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let write = async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), write).await;
}
