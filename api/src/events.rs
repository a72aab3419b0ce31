//! Appending and reading events, attached documents, and the catch-up subscription.

use ledger::messages::Text;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::Json;
use futures_util::StreamExt;
use ledger::format::encoding::MAX_EVENT_BYTES;
use ledger::{Entry, Hash};

use crate::wire::{self, EventView, StreamPage, StreamQuery, SubscribeQuery};
use crate::{AppState, Problem};

/// An event as the API shows it ([`EventView`]), as JSON text.
pub fn event_json(entry: &Entry) -> String {
    serde_json::to_string(&EventView::from(entry)).unwrap_or_default()
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(Problem::internal)?
}

fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        Text::new("sự kiện quá lớn", "event too large"),
        Text::new(
            format!(
                "một sự kiện đã ký dài tối đa {MAX_EVENT_BYTES} byte; tài liệu lớn hãy đính kèm thành tệp (blob)"
            ),
            format!(
                "a signed event is at most {MAX_EVENT_BYTES} bytes; attach large documents as blobs"
            ),
        ),
    )
}

/// Reads an event body of at most `MAX_EVENT_BYTES`. A body a little too large is read to its
/// end before the 413 goes out, so the client sees the answer rather than a reset connection;
/// one declared or found to be far too large is refused without reading further.
async fn read_event_body(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, Problem> {
    const DRAIN_LIMIT: usize = 4 * MAX_EVENT_BYTES;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(declared.map_or(0, |n| (n as usize).min(MAX_EVENT_BYTES)));
    let mut seen = 0usize;
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| {
            Problem::bad_request(Text::new(
                format!("không đọc được thân yêu cầu: {e}"),
                format!("the request body could not be read: {e}"),
            ))
        })?;
        seen += chunk.len();
        if seen > DRAIN_LIMIT {
            return Err(too_large());
        }
        if seen <= MAX_EVENT_BYTES {
            bytes.extend_from_slice(&chunk);
        }
    }
    if seen > MAX_EVENT_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// `POST /v1/events`: the signed event's bytes. 201 when appended, 200 for a retry of an
/// event already stored.
#[utoipa::path(post, path = "/v1/events", summary = "Append a signed event (its bytes, application/octet-stream)", request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the signed event's bytes (spec §2)"), responses((status = 201, description = "appended", body = wire::Appended), (status = 200, description = "already stored (an idempotent retry)", body = wire::Appended), (status = 400, description = "malformed"), (status = 403, description = "signature or authority refused"), (status = 409, description = "stale version: the body gives the current version and head"), (status = 413, description = "too large"), (status = 422, description = "payload does not match its schema")))]
pub async fn append(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, Problem> {
    let bytes = read_event_body(&headers, body).await?;
    if bytes.is_empty() {
        return Err(Problem::bad_request(Text::new(
            "thân yêu cầu rỗng: hãy gửi các byte của sự kiện đã ký (application/octet-stream)",
            "the body is empty: send the signed event's bytes (application/octet-stream)",
        )));
    }
    // Decoding, the signature and the schema are checked here, on the async thread (about
    // as long as one signature check: no hand-off to a blocking thread per append, issue 18);
    // a correction, whose check looks up the act it corrects, an event over 64 KiB and one
    // that finds the committer's queue full go on to a blocking thread. The wait for durability holds no
    // thread: the ledger calls back when the group is on disk.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let ledger = state.ledger.clone();
    let submitted = ledger.try_submit_then(bytes, move |answer| {
        let _ = tx.send(answer);
    });
    let queued = match submitted {
        Ok(ledger::Submitted::Queued) => Ok(()),
        Ok(ledger::Submitted::Deferred(deferred)) => {
            let ledger = ledger.clone();
            blocking(move || ledger.submit_deferred(deferred).map_err(Problem::from)).await
        }
        Err(e) => Err(Problem::from(e)),
    };
    let result = match queued {
        Ok(()) => match rx.await {
            Ok(answer) => answer.map_err(Problem::from),
            Err(_) => Err(Problem::from(ledger::AppendError::Closed)),
        },
        Err(p) => Err(p),
    };
    let m = &state.metrics;
    match result {
        Ok(a) => {
            let status = if a.created {
                m.appended.fetch_add(1, Ordering::Relaxed);
                StatusCode::CREATED
            } else {
                m.retried.fetch_add(1, Ordering::Relaxed);
                StatusCode::OK
            };
            Ok((status, Json(wire::Appended::from(&a))))
        }
        Err(p) => {
            m.refused.fetch_add(1, Ordering::Relaxed);
            Err(p)
        }
    }
}

#[utoipa::path(get, path = "/v1/events/{position}", summary = "An entry by position", params(("position" = u64, Path, description = "the entry's position")), responses((status = 200, description = "the event", body = EventView), (status = 400, description = "not a position"), (status = 404, description = "no such entry")))]
pub async fn by_position(
    State(state): State<Arc<AppState>>,
    Path(position): Path<String>,
) -> Result<Json<EventView>, Problem> {
    let position: u64 = position.parse().map_err(|_| {
        Problem::bad_request(Text::new(
            format!("`{position}` không phải một vị trí (số nguyên không âm)"),
            format!("`{position}` is not a position (a whole number)"),
        ))
    })?;
    let entry = blocking(move || state.ledger.entry(position).map_err(Problem::from)).await?;
    entry.map(|e| Json(EventView::from(&e))).ok_or_else(|| {
        Problem::not_found(Text::new(
            format!("không có mục ở vị trí {position}"),
            format!("no entry at position {position}"),
        ))
    })
}

#[utoipa::path(get, path = "/v1/events/by-hash/{hash}", summary = "An entry by event hash", params(("hash" = String, Path, description = "the event hash, 64 lower-case hex digits")), responses((status = 200, description = "the event", body = EventView), (status = 400, description = "not a hash"), (status = 404, description = "no such event")))]
pub async fn by_hash(
    State(state): State<Arc<AppState>>,
    Path(hash): Path<String>,
) -> Result<Json<EventView>, Problem> {
    let h: Hash = hash.parse().map_err(|_| {
        Problem::bad_request(Text::new(
            format!("`{hash}` không phải mã băm sự kiện (64 chữ số thập lục phân viết thường)"),
            format!("`{hash}` is not an event hash (64 lower-case hex digits)"),
        ))
    })?;
    let entry = blocking(move || state.ledger.entry_by_hash(&h).map_err(Problem::from)).await?;
    entry.map(|e| Json(EventView::from(&e))).ok_or_else(|| {
        Problem::not_found(Text::new(
            format!("không có sự kiện mã băm {hash}"),
            format!("no event with hash {hash}"),
        ))
    })
}

/// `GET /v1/streams/{stream}?from=&limit=`: a stream's events from a version (at most 1000).
/// Stream names contain `/`: the route takes the rest of the path (`/v1/streams/{*stream}`).
#[utoipa::path(get, path = "/v1/streams/{stream}", summary = "A stream's events from version `from` (at most `limit`, ≤ 1000), with its next version and head", params(("stream" = String, Path, description = "the stream's name, slashes included (`congress/hd.tinh-haiduong/2020-2025`)"), StreamQuery), responses((status = 200, description = "the events", body = StreamPage), (status = 400, description = "a query that does not parse")))]
pub async fn stream(
    State(state): State<Arc<AppState>>,
    Path(stream): Path<String>,
    Query(page): Query<StreamQuery>,
) -> Result<Json<StreamPage>, Problem> {
    let limit = page.limit.unwrap_or(100).min(1000);
    let from = page.from.unwrap_or(0);
    let name = stream.clone();
    let (entries, head) = blocking(move || {
        let entries = state.ledger.stream(&name, from, limit)?;
        let head = state.ledger.head(&name)?;
        Ok((entries, head))
    })
    .await?;
    Ok(Json(StreamPage {
        stream,
        from,
        // Where a new event of this stream goes: its version and its `prev`.
        next_version: head.map_or(0, |h| h.next_version),
        head: head.map_or(Hash::ZERO, |h| h.hash),
        events: entries.iter().map(EventView::from).collect(),
    }))
}

/// `GET /v1/blobs/{sha256}`: an attached document.
#[utoipa::path(get, path = "/v1/blobs/{sha256}", summary = "An attached document", params(("sha256" = String, Path, description = "the document's SHA-256, 64 lower-case hex digits")), responses((status = 200, description = "its bytes", body = Vec<u8>, content_type = "application/octet-stream"), (status = 400, description = "not a SHA-256"), (status = 404, description = "no such document")))]
pub async fn blob(
    State(state): State<Arc<AppState>>,
    axum::Extension(reader): axum::Extension<crate::auth::Reader>,
    Path(sha256): Path<String>,
) -> Result<impl IntoResponse, Problem> {
    if sha256.len() != 64
        || !sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(Problem::bad_request(Text::new(
            format!("`{sha256}` không phải SHA-256 (64 chữ số thập lục phân viết thường)"),
            format!("`{sha256}` is not a SHA-256 (64 lower-case hex digits)"),
        )));
    }
    // A document held as a case's confidential attachment is the commission's only, even if
    // a copy was placed among the public blobs, and its read is recorded like any other.
    if let Ok(hash) = sha256.parse::<Hash>() {
        let state = state.clone();
        blocking(move || {
            let Some(case) = state.access.store.document_case(&hash) else {
                return Ok(());
            };
            let what = format!("document {}", hash.to_hex());
            crate::confidential::record(&state, &reader, &case, what, None).map(|_| ())
        })
        .await?;
    }
    let wanted = sha256.clone();
    let found = blocking(move || Ok(state.ledger.blobs().get(&wanted)?)).await?;
    match found {
        Some(bytes) => Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes)),
        None => Err(Problem::not_found(Text::new(
            format!("không có tài liệu SHA-256 {sha256}"),
            format!("no document with SHA-256 {sha256}"),
        ))),
    }
}

/// `GET /v1/subscribe?from=N`: Server-Sent Events, one per entry from position N, then each new
/// entry as it is appended. The event's `id` is its position, to resume from. At most
/// `serve --max-subscribers` are open at once (503 with `Retry-After` past it); a subscriber
/// that falls behind the live log by more than the feed holds gets a last `lagged` event
/// naming the position to resume from, and is closed.
#[utoipa::path(get, path = "/v1/subscribe", summary = "Server-Sent Events: every entry from `from`, then new ones", params(SubscribeQuery), responses((status = 200, description = "text/event-stream: one `entry` event per entry (its data an `EventView`, `id` its position); a last `lagged` event (its data a `Lagged`) when the subscriber fell behind", body = String, content_type = "text/event-stream"), (status = 503, description = "as many subscribers as the server allows: retry after `Retry-After` seconds")))]
pub async fn subscribe(
    State(state): State<Arc<AppState>>,
    Query(q): Query<SubscribeQuery>,
) -> axum::response::Response {
    let Some(slot) = Slot::take(&state) else {
        let max = state.limits.max_subscribers;
        let mut response = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ledger::messages::Text::new("quá nhiều người theo dõi", "too many subscribers"),
            ledger::messages::Text::new(
                format!("Máy chủ đang phục vụ số lượt theo dõi tối đa ({max}); hãy thử lại sau."),
                format!(
                    "The server has as many subscriptions open as it allows ({max}); retry later."
                ),
            ),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        return response;
    };
    let follow = Follow {
        ledger: state.ledger.clone(),
        rx: state.feed.subscribe(),
        next: q.from.unwrap_or(0),
        pending: std::collections::VecDeque::new(),
        from_log: true,
        was_live: false,
        done: false,
        _slot: slot,
    };
    let stream = futures_util::stream::unfold(follow, Follow::step).map(Ok::<_, Infallible>);
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// Entries a subscriber catching up reads from the log at once (all it holds in memory).
const CATCH_UP_BATCH: u64 = 64;

/// One of the `max_subscribers` places, given back when the subscription ends.
struct Slot(Arc<std::sync::atomic::AtomicUsize>);

impl Slot {
    fn take(state: &AppState) -> Option<Slot> {
        let open = &state.subscribers;
        open.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < state.limits.max_subscribers).then_some(n + 1)
        })
        .ok()?;
        Some(Slot(open.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A subscription: catching up from the log, then following the feed.
struct Follow {
    ledger: Arc<ledger::Ledger>,
    rx: tokio::sync::broadcast::Receiver<Arc<crate::feed::Item>>,
    next: u64,
    pending: std::collections::VecDeque<Event>,
    /// Read from the log since the feed was last joined: its backlog is stale.
    from_log: bool,
    /// Has followed live at least once: from then on, falling behind by more than the feed
    /// holds drops it, whether the log or the feed fills its gap (a subscriber that stops
    /// reading while it fills a gap from the log is as far behind as one following live).
    was_live: bool,
    done: bool,
    _slot: Slot,
}

impl Follow {
    async fn step(mut self) -> Option<(Event, Follow)> {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some((event, self));
            }
            if self.done {
                return None;
            }
            let size = self.ledger.size();
            if (!self.from_log || self.was_live)
                && size.saturating_sub(self.next) > crate::feed::CAPACITY as u64
            {
                // Following live, it fell further behind than the feed holds: it was not
                // reading. Dropped, it resumes with `from=`.
                self.lagged();
                continue;
            }
            if self.next < size {
                self.catch_up().await;
                continue;
            }
            if self.from_log {
                // Join the feed where it is now, then look at the log again for anything
                // appended in between.
                self.rx = self.rx.resubscribe();
                self.from_log = false;
                self.was_live = true;
                continue;
            }
            match self.rx.recv().await {
                Ok(item) if item.position == self.next => {
                    self.next += 1;
                    return Some((entry_event(item.position, &item.json), self));
                }
                // Already sent, or ahead of what was sent: the log fills the gap.
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => self.lagged(),
                Err(RecvError::Closed) => self.done = true,
            }
        }
    }

    /// Ends the subscription with a `lagged` event naming where to resume.
    fn lagged(&mut self) {
        let data = serde_json::to_string(&wire::Lagged {
            resume_from: self.next,
        })
        .unwrap_or_default();
        self.pending
            .push_back(Event::default().event("lagged").data(data));
        self.done = true;
    }

    /// Reads the next batch of entries from the log, off the async threads.
    async fn catch_up(&mut self) {
        let (ledger, from) = (self.ledger.clone(), self.next);
        let to = ledger.size().min(from + CATCH_UP_BATCH);
        let read = tokio::task::spawn_blocking(move || {
            (from..to)
                .map(|p| ledger.entry(p).map(|e| e.map(|e| (p, event_json(&e)))))
                .collect::<Result<Vec<_>, _>>()
        })
        .await;
        match read {
            Ok(Ok(entries)) => {
                for (position, json) in entries.into_iter().flatten() {
                    self.pending.push_back(entry_event(position, &json));
                    self.next = position + 1;
                }
                if self.next < to {
                    // An entry acknowledged but not readable: end rather than spin.
                    self.done = true;
                }
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "a subscription cannot read the log");
                self.done = true;
            }
            Err(e) => {
                tracing::error!(error = %e, "a subscription's read failed");
                self.done = true;
            }
        }
        self.from_log = true;
    }
}

fn entry_event(position: u64, json: &str) -> Event {
    Event::default()
        .id(position.to_string())
        .event("entry")
        .data(json)
}
