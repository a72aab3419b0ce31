//! The HTTP API over the ledger library: append, read, subscribe, proofs, checkpoints,
//! projections and reports. Handlers translate HTTP into library calls and library errors
//! into RFC 9457 problem documents; no ledger logic lives here.

pub mod auth;
mod confidential;
mod events;
pub mod explorer;
mod feed;
mod problem;
mod projections;
mod proofs;
pub mod push;
pub mod serving;
pub mod timestamping;
pub mod tlog;
pub mod tls;
pub mod wire;
pub mod witness_service;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use ledger::format::WitnessKey;
use ledger::projections::Projections;
use ledger::Ledger;
use parking_lot::Mutex;

pub use problem::{Problem, RequestId, REQUEST_ID};

/// Counters for `/metrics`.
#[derive(Default)]
pub struct Metrics {
    pub appended: AtomicU64,
    pub retried: AtomicU64,
    pub refused: AtomicU64,
    pub requests: AtomicU64,
}

/// What every handler shares: the ledger, projections kept up to date on demand, counters,
/// and the witnesses whose cosignatures the ledger accepts.
pub struct AppState {
    pub ledger: Arc<Ledger>,
    pub projections: Mutex<Projections>,
    pub metrics: Metrics,
    pub witnesses: Vec<WitnessKey>,
    pub access: Arc<Access>,
    /// The explorer's acts index, brought up to the log when searched.
    pub acts: Mutex<explorer::search::Acts>,
    /// The explorer's login sessions.
    pub sessions: explorer::session::Sessions,
    /// The explorer's search index, rebuilt when the projections moved.
    pub search: Mutex<explorer::search::Index>,
    /// What clients may hold open.
    pub limits: serving::Limits,
    /// The log followed once for every subscriber.
    pub(crate) feed: feed::Feed,
    /// Subscriptions open now.
    pub(crate) subscribers: Arc<std::sync::atomic::AtomicUsize>,
    /// How each TSA of `serve --tsa` is doing (shown in `/healthz`).
    pub timestamps: timestamping::Status,
}

/// Who may read what: whether the log is served to anyone, the reader grants, the
/// confidential store and the access log, all beside the ledger.
pub struct Access {
    /// `serve --public`: log entries (commitments, never confidential values) are readable
    /// without a token. The confidential routes need their role regardless.
    pub public: bool,
    pub readers: ledger::access::tokens::Readers,
    pub store: ledger::confidential::store::Store,
    pub log: ledger::access::log::AccessLog,
}

impl AppState {
    /// Secure by default: reading needs a reader token.
    pub fn new(ledger: Ledger) -> Result<Arc<AppState>, ledger::storage::StorageError> {
        AppState::with_witnesses(ledger, Vec::new())
    }

    pub fn with_witnesses(
        ledger: Ledger,
        witnesses: Vec<WitnessKey>,
    ) -> Result<Arc<AppState>, ledger::storage::StorageError> {
        AppState::configured(ledger, witnesses, false)
    }

    /// `public`: whether the log is readable without a token (`serve --public`).
    pub fn configured(
        ledger: Ledger,
        witnesses: Vec<WitnessKey>,
        public: bool,
    ) -> Result<Arc<AppState>, ledger::storage::StorageError> {
        AppState::with_limits(ledger, witnesses, public, serving::Limits::default())
    }

    pub fn with_limits(
        ledger: Ledger,
        witnesses: Vec<WitnessKey>,
        public: bool,
        limits: serving::Limits,
    ) -> Result<Arc<AppState>, ledger::storage::StorageError> {
        let projections = Projections::load(&ledger)?;
        let dir = ledger.dir().to_path_buf();
        let ledger = Arc::new(ledger);
        Ok(Arc::new(AppState {
            feed: feed::Feed::start(&ledger),
            limits,
            subscribers: Default::default(),
            ledger,
            projections: Mutex::new(projections),
            metrics: Metrics::default(),
            witnesses,
            access: Arc::new(Access {
                public,
                readers: ledger::access::tokens::Readers::beside(&dir),
                store: ledger::confidential::store::Store::beside(&dir),
                log: ledger::access::log::AccessLog::beside(&dir),
            }),
            search: Mutex::new(explorer::search::Index::default()),
            timestamps: Default::default(),
            acts: Default::default(),
            sessions: Default::default(),
        }))
    }
}

/// The routes added by hand rather than through `routes!`, all `GET`: their paths take the
/// rest of the URL (stream names contain `/`), which the generator cannot express; the
/// streams' handler is annotated and described like the others ([`Described`]).
fn by_hand() -> Vec<(&'static str, axum::routing::MethodRouter<Arc<AppState>>)> {
    vec![
        ("/v1/streams/{*stream}", get(events::stream)),
        ("/tlog/{*path}", get(tlog::object)),
    ]
}

/// What the annotations do not collect: the route added by hand, and the types only found in
/// a subscription's events.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(events::stream),
    components(schemas(wire::ProblemDocument, wire::EventView, wire::Lagged))
)]
struct Described;

/// The API's routes, bounded in time and not, and its OpenAPI description.
fn api() -> (
    Router<Arc<AppState>>,
    Router<Arc<AppState>>,
    utoipa::openapi::OpenApi,
) {
    use utoipa::OpenApi;
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;
    let (bounded, mut spec) = OpenApiRouter::new()
        .routes(routes!(events::append))
        .routes(routes!(events::by_hash))
        .routes(routes!(events::by_position))
        .routes(routes!(proofs::checkpoint))
        .routes(routes!(proofs::checkpoint_at))
        .routes(routes!(proofs::log_keys))
        .routes(routes!(timestamping::tokens))
        .routes(routes!(proofs::add_cosignatures))
        .routes(routes!(proofs::inclusion))
        .routes(routes!(proofs::consistency))
        .routes(routes!(proofs::act))
        .routes(routes!(projections::congress))
        .routes(routes!(projections::complaints))
        .routes(routes!(projections::progress))
        .routes(routes!(projections::report))
        .routes(routes!(events::blob))
        .routes(routes!(confidential::deposit))
        .routes(routes!(confidential::read))
        .routes(routes!(confidential::add_document))
        .routes(routes!(confidential::document))
        .routes(routes!(confidential::shred))
        .routes(routes!(confidential::access_log))
        .routes(routes!(healthz))
        .routes(routes!(metrics))
        .split_for_parts();
    let (follow, follow_spec) = OpenApiRouter::new()
        .routes(routes!(events::subscribe))
        .split_for_parts();
    spec.merge(follow_spec);
    spec.merge(Described::openapi());
    let tiles = utoipa::openapi::path::PathItem::new(
        utoipa::openapi::HttpMethod::Get,
        utoipa::openapi::path::OperationBuilder::new()
            .summary(Some("The log as C2SP tlog-tiles: `checkpoint`, `tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]` (immutable, cacheable forever)"))
            .response("200", utoipa::openapi::Response::new("the object"))
            .response("404", utoipa::openapi::Response::new("not a tiles path, or beyond the log")),
    );
    spec.paths.paths.insert("/tlog/{path}".into(), tiles);
    describe(&mut spec);
    let bounded = by_hand()
        .into_iter()
        .fold(bounded, |router, (path, handler)| {
            router.route(path, handler)
        });
    (bounded, follow, spec)
}

/// The description's own parts: who and what it is, and every refusal's problem document.
fn describe(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContactBuilder, Content, InfoBuilder, LicenseBuilder, Ref};
    spec.info = InfoBuilder::new()
        .title("Congress Ledger API — Sổ cái đại hội")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Ghi các văn bản đã ký của đại hội đảng, đọc lại, chứng minh và theo dõi sổ cái; \
             mọi lỗi là một tài liệu vấn đề RFC 9457 mang mã yêu cầu (`request_id`, tiêu đề \
             `x-request-id`). Các byte được đặc tả trong docs/FORMAT.md.\n\n\
             Append signed congress acts, read them back, prove them, follow the log; every \
             refusal is an RFC 9457 problem document carrying the request's id (`request_id`, \
             header `x-request-id`). docs/FORMAT.md specifies the bytes.",
        ))
        .license(Some(
            LicenseBuilder::new()
                .name(env!("CARGO_PKG_LICENSE"))
                .identifier(Some(env!("CARGO_PKG_LICENSE")))
                .build(),
        ))
        .contact(Some(
            ContactBuilder::new()
                .name(Some(
                    "Congress Ledger — Sổ cái đại hội (người vận hành máy chủ này / this server's operator)",
                ))
                .build(),
        ))
        .build();
    let problem = Content::new(Some(Ref::from_schema_name("ProblemDocument")));
    for item in spec.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let responses = &mut operation.responses.responses;
            responses.entry("500".into()).or_insert_with(|| {
                utoipa::openapi::Response::new(
                    "the server failed: its log holds the cause under the `request_id`",
                )
                .into()
            });
            for (status, response) in responses.iter_mut() {
                let utoipa::openapi::RefOr::T(response) = response else {
                    continue;
                };
                if status.as_str() >= "400" && response.content.is_empty() {
                    response
                        .content
                        .insert("application/problem+json".into(), problem.clone());
                }
            }
        }
    }
}

/// The OpenAPI description `/openapi.json` serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().2
}

/// Every route of the API the router serves, as `(method, path)` with the path written as
/// the description writes it (`{stream}` for axum's `{*stream}`): the annotated handlers'
/// routes are registered from their description, the others are [`by_hand`]. The explorer's
/// pages (HTML, outside `/v1`) are not among them.
pub fn served_routes() -> Vec<(String, String)> {
    let (_, _, spec) = api();
    let mut routes: Vec<(String, String)> = by_hand()
        .into_iter()
        .map(|(path, _)| ("get".to_string(), path.replace("{*", "{")))
        .collect();
    for (path, item) in &spec.paths.paths {
        if by_hand()
            .iter()
            .any(|(hand, _)| hand.replace("{*", "{") == *path)
        {
            continue;
        }
        for (method, operation) in [
            ("get", &item.get),
            ("post", &item.post),
            ("put", &item.put),
            ("delete", &item.delete),
            ("patch", &item.patch),
        ] {
            if operation.is_some() {
                routes.push((method.to_string(), path.clone()));
            }
        }
    }
    routes
}

/// The whole API, and its OpenAPI description. Requests other than the subscription are
/// bounded in time. Every answer carries the request's id (`x-request-id`).
pub fn router(state: Arc<AppState>) -> Router {
    let (bounded, follow, spec) = api();
    let spec = Arc::new(spec);
    let bounded = bounded
        .route(
            "/openapi.json",
            get(move || {
                let spec = spec.clone();
                async move { Json(spec.as_ref().clone()) }
            }),
        )
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ));
    Router::new()
        .merge(follow)
        .merge(bounded)
        .merge(explorer::routes())
        .fallback(|| async {
            Problem::new(
                axum::http::StatusCode::NOT_FOUND,
                ledger::messages::Text::new("không có đường dẫn này", "no such route"),
                ledger::messages::Text::new(
                    "xem các đường dẫn ở /openapi.json",
                    "see /openapi.json for the routes",
                ),
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(axum::middleware::map_response(problem::as_problem))
        .layer(axum::middleware::from_fn(problem::localize))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(problem::request_id))
        .with_state(state)
}

async fn count_requests(
    State(state): State<Arc<AppState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    state.metrics.requests.fetch_add(1, Ordering::Relaxed);
    next.run(request).await
}

#[utoipa::path(get, path = "/healthz", summary = "Liveness and the log size", responses((status = 200, description = "ok", body = wire::Health)))]
async fn healthz(State(state): State<Arc<AppState>>) -> Json<wire::Health> {
    Json(wire::Health {
        status: "ok".into(),
        origin: state.ledger.origin().to_string(),
        size: state.ledger.size(),
        mirror: state.ledger.is_mirror(),
        timestamps: state.timestamps.snapshot(),
    })
}

#[utoipa::path(get, path = "/metrics", summary = "Prometheus metrics", responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain; version=0.0.4")))]
async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let m = &state.metrics;
    let text = format!(
        "# HELP congress_ledger_entries Entries in the log.\n# TYPE congress_ledger_entries gauge\ncongress_ledger_entries {}\n\
         # HELP congress_ledger_appends_total Events appended through the API, by outcome.\n# TYPE congress_ledger_appends_total counter\n\
         congress_ledger_appends_total{{outcome=\"created\"}} {}\ncongress_ledger_appends_total{{outcome=\"retry\"}} {}\ncongress_ledger_appends_total{{outcome=\"refused\"}} {}\n\
         # HELP congress_ledger_http_requests_total HTTP requests served.\n# TYPE congress_ledger_http_requests_total counter\ncongress_ledger_http_requests_total {}\n\
         # HELP congress_ledger_subscribers Subscriptions open.\n# TYPE congress_ledger_subscribers gauge\ncongress_ledger_subscribers {}\n",
        state.ledger.size(),
        m.appended.load(Ordering::Relaxed),
        m.retried.load(Ordering::Relaxed),
        m.refused.load(Ordering::Relaxed),
        m.requests.load(Ordering::Relaxed),
        state.subscribers.load(Ordering::Relaxed),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

/// Serves the API on `addr` until `shutdown` completes; in-flight requests (appends among
/// them) are finished first. Calls `bound` with the address actually bound (for port 0).
pub async fn serve(
    state: Arc<AppState>,
    addr: SocketAddr,
    bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits.clone();
    serving::serve_router(router(state), addr, limits, bound, shutdown).await
}

/// [`serve`] over HTTPS: the same API and explorer, with TLS ended by this process, through
/// the same accept loop and limits.
pub async fn serve_tls(
    state: Arc<AppState>,
    addr: SocketAddr,
    acceptor: tokio_rustls::TlsAcceptor,
    bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits.clone();
    serving::serve_with(router(state), addr, limits, Some(acceptor), bound, shutdown).await
}

/// Serves `app` on `addr` with the default limits (the witness service).
pub(crate) async fn serve_router(
    app: Router,
    addr: SocketAddr,
    bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serving::serve_router(app, addr, serving::Limits::default(), bound, shutdown).await
}
