//! `serve`: the HTTP API over a ledger directory.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

#[derive(Args)]
pub struct ServeArgs {
    /// The ledger directory.
    #[arg(long)]
    ledger: PathBuf,
    /// Address to listen on; port 0 picks a free port (printed on start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// A witness whose cosignatures this server accepts and serves with its checkpoints
    /// (`name+keyid+base64`, from `witness key`); repeat for several.
    #[arg(long = "witness")]
    witnesses: Vec<String>,
    /// A witness service (`witness serve`, or any C2SP tlog-witness) to push each new
    /// checkpoint to; its key must also be given with --witness. Repeat for several.
    #[arg(long = "push-witness", requires = "witnesses")]
    push: Vec<String>,
    /// A Time-Stamp Authority (RFC 3161 URL) to ask for a token on each new checkpoint, in
    /// the background (appends never wait on it; failures are retried and shown in
    /// /healthz). Repeat for several.
    #[arg(long = "tsa", value_name = "URL")]
    tsas: Vec<String>,
    /// How often a checkpoint is signed while appends arrive, in milliseconds: monitors and
    /// witnesses see the log grow at this pace.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    checkpoint_interval_ms: u64,
    /// Keep a directory or a bucket (`s3://bucket/prefix`) up to date with the log as
    /// tlog-tiles, publishing each new checkpoint (see `publish`).
    #[arg(long, value_name = "URL")]
    publish: Option<String>,
    /// Serve the log to anyone, without a reader token. Entries hold commitments, never
    /// confidential values; the confidential store still needs the commission's token.
    #[arg(long)]
    public: bool,
    /// Serve HTTPS with this certificate chain (PEM), so that browsers reaching the server by
    /// name get a secure context for the explorer's in-browser verification. Needs --tls-key.
    #[arg(long, requires = "tls_key", value_name = "PEM")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, requires = "tls_cert", value_name = "PEM")]
    tls_key: Option<PathBuf>,
    /// Subscriptions (`/v1/subscribe`) open at once; one more is answered 503 with Retry-After.
    #[arg(long, default_value_t = 1000)]
    max_subscribers: usize,
    /// Connections served at once (default: the subscribers plus 1024 for other requests);
    /// one more is answered 503 and closed.
    #[arg(long)]
    max_connections: Option<usize>,
    /// Seconds a connection has to send its whole request header before it is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    header_read_timeout: u64,
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Logs to standard error, at `info` unless RUST_LOG says otherwise.
pub(crate) fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log written to a file stays plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .with_context(|| crate::text::both("khởi động môi trường chạy", "starting the runtime"))
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_tracing();
    let witnesses = args
        .witnesses
        .iter()
        .map(|w| {
            ledger::format::WitnessKey::parse(w).map_err(|e| {
                anyhow::anyhow!(
                    "--witness {w}: {}; {}",
                    crate::text::render(&e),
                    crate::text::both(
                        "hãy đưa khóa mà `witness key` in ra",
                        "give the key `witness key` prints"
                    )
                )
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let options = ledger::Options {
        checkpoint_interval: std::time::Duration::from_millis(args.checkpoint_interval_ms.max(1)),
        ..ledger::Options::default()
    };
    let ledger = ledger::Ledger::open(&args.ledger, options)
        .with_context(|| crate::text::opening_ledger(&args.ledger))?;
    let mut limits = api::serving::Limits::with_subscribers(args.max_subscribers);
    if let Some(n) = args.max_connections {
        limits.max_connections = n;
    }
    limits.header_read_timeout = std::time::Duration::from_secs(args.header_read_timeout.max(1));
    match api::serving::raise_open_file_limit() {
        Ok(n) if (n as usize) < limits.max_connections + 64 => tracing::warn!(
            open_files = n,
            max_connections = limits.max_connections,
            "the open-file limit is below the connection limit: connections past it wait"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "cannot raise the open-file limit"),
    }
    let state = api::AppState::with_limits(ledger, witnesses, args.public, limits)
        .with_context(|| crate::text::both("nạp các phép chiếu", "loading the projections"))?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(api::tls::acceptor(cert, key)?),
        _ => None,
    };
    let runtime = runtime()?;
    if !args.push.is_empty() {
        api::push::start(state.clone(), args.push.clone());
    }
    if !args.tsas.is_empty() {
        api::timestamping::start(state.clone(), args.tsas.clone());
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let publisher = match &args.publish {
        Some(url) => Some(crate::tilescmd::follow(
            state.ledger.clone(),
            url.clone(),
            stop.clone(),
        )?),
        None => None,
    };
    let bound = |scheme: &'static str| {
        move |addr| {
            crate::say!(
                "{}",
                crate::text::both(
                    &format!("đang nghe tại {scheme}://{addr}"),
                    &format!("listening on {scheme}://{addr}")
                )
            );
            let _ = std::io::stdout().flush();
        }
    };
    match tls {
        Some(acceptor) => runtime.block_on(api::serve_tls(
            state.clone(),
            args.addr,
            acceptor,
            bound("https"),
            shutdown_signal(),
        )),
        None => runtime.block_on(api::serve(
            state.clone(),
            args.addr,
            bound("http"),
            shutdown_signal(),
        )),
    }
    .with_context(|| {
        crate::text::both(
            &format!("phục vụ tại {}", args.addr),
            &format!("serving on {}", args.addr),
        )
    })?;
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    stop.store(true, std::sync::atomic::Ordering::Release);
    if let Some(publisher) = publisher {
        let _ = publisher.join();
    }
    // Keep what the projections learned, for a quick start next time.
    state.projections.lock().save(&*state.ledger)?;
    Ok(ExitCode::SUCCESS)
}
