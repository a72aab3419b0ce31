//! `monitor`: follow a server's log through its subscription, verify every entry and every
//! checkpoint it serves, keep a verified replica, and report what is found as it appears.
//! Exit codes: 0 stopped cleanly (`--once`: caught up and verified), 1 an integrity failure
//! or a fork (or, with `--once`, a last checkpoint short of the witness policy), 2 bad usage
//! or the server unusable. Everything verified is durable in the mirror as it arrives, so
//! Ctrl-C stops it at any moment and the next run resumes from the mirror.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use crossbeam_channel::{Receiver, RecvTimeoutError};
use ledger::monitor::{Alarm, Monitor};
use ledger::verify::integrity::CHUNK;
use ledger::{Entry, SignedEvent};

use crate::text::both;

#[derive(Args)]
pub struct MonitorArgs {
    /// The server to follow.
    #[arg(long, required_unless_present = "tiles", conflicts_with = "tiles")]
    server: Option<String>,
    /// Follow a log published as tiles instead (a directory, `s3://bucket/prefix`,
    /// `http(s)://…`): its checkpoint polled, new entries read from its bundles, consistency
    /// proofs from its hash tiles.
    #[arg(long)]
    tiles: Option<String>,
    /// Where fetched tiles are kept, for --tiles.
    #[arg(long, requires = "tiles")]
    cache: Option<PathBuf>,
    /// The log's verifier key, from a source you trust (not from the server).
    #[arg(long)]
    log_key: String,
    /// Keep a verified replica here (new, or one this command made before: it is verified
    /// again and followed on). `serve --ledger DIR` serves it read-only.
    #[arg(long)]
    mirror: Option<PathBuf>,
    /// A trusted witness's key; repeat for several. A checkpoint without --quorum of their
    /// cosignatures is reported.
    #[arg(long = "witness")]
    witnesses: Vec<String>,
    /// How many of the witnesses must have cosigned each checkpoint (default: all given).
    #[arg(long, requires = "witnesses")]
    quorum: Option<usize>,
    /// Seconds between checkpoint checks.
    #[arg(long, default_value_t = 2)]
    interval: u64,
    /// Stop once caught up with the server's checkpoint, verified (for scripts and cron).
    #[arg(long)]
    once: bool,
    /// One JSON object per line: alarms, and progress after each checkpoint check.
    #[arg(long)]
    json: bool,
    /// Print only what ends the run (an integrity failure, a fork): for `report --server`,
    /// which mirrors a server before reporting on it.
    #[arg(skip)]
    pub quiet: bool,
}

impl MonitorArgs {
    /// A one-shot, quiet mirroring of `server` into `mirror`, verified against `log_key`.
    pub fn mirror_once(server: String, log_key: String, mirror: PathBuf) -> MonitorArgs {
        MonitorArgs {
            server: Some(server),
            tiles: None,
            cache: None,
            log_key,
            mirror: Some(mirror),
            witnesses: Vec::new(),
            quorum: None,
            interval: 1,
            once: true,
            json: false,
            quiet: true,
        }
    }
}

/// With `--once`, how many checkpoint fetches in a row may fail before giving up.
const ONCE_ATTEMPTS: u32 = 5;

/// What the subscription thread hands over.
enum Fed {
    Entry(Box<Entry>),
    /// The stream ended or failed; it is reopened from the next position.
    Lost(String),
    /// The server sent something that is not an entry where the next entry should be.
    Bad(String),
    /// The server refuses this reader (401, 403): retrying cannot help.
    Refused(String),
}

pub fn run(args: MonitorArgs) -> anyhow::Result<ExitCode> {
    let log_key = crate::text::log_key(&args.log_key)?;
    let policy = crate::verifycmd::witness_policy(&args.witnesses, args.quorum)?;
    if args.tiles.is_none() {
        let base = crate::text::server_base(args.server.as_deref().unwrap_or_default())?;
        // Reach the server before anything is created: a mistyped URL leaves no empty mirror.
        fetch_checkpoint(&base).with_context(|| {
            both(
                &format!("không kết nối được {base}; chưa tạo gì cả"),
                &format!("cannot reach {base}; nothing was created"),
            )
        })?;
    }
    let (mut monitor, alarms) = Monitor::open(
        log_key.clone(),
        policy,
        args.mirror.as_deref(),
        ledger::Options::default().segment_bytes,
    )?;
    let out = Output {
        json: args.json,
        quiet: args.quiet,
        retries: Default::default(),
    };
    // The size of the last checkpoint found short of the witness policy.
    let mut short = unwitnessed(&alarms, None);
    if out.alarms(&alarms) {
        return Ok(ExitCode::from(1));
    }
    if let Some(url) = &args.tiles {
        return follow_tiles(&args, url, &log_key, monitor, &out, short);
    }
    let base = crate::text::server_base(args.server.as_deref().unwrap_or_default())?;
    let feed = subscribe(base.clone(), monitor.size());
    let interval = Duration::from_secs(args.interval.max(1));
    let mut last_check = Instant::now() - interval;
    let mut batch: Vec<Entry> = Vec::with_capacity(CHUNK);
    let mut failures = 0;
    // The checkpoint size last reported: progress is printed when it moves.
    let mut reported = None;
    loop {
        let wait = interval.saturating_sub(last_check.elapsed());
        match feed.recv_timeout(wait) {
            Ok(Fed::Entry(e)) => {
                batch.push(*e);
                while batch.len() < CHUNK {
                    match feed.try_recv() {
                        Ok(Fed::Entry(e)) => batch.push(*e),
                        Ok(Fed::Lost(why)) => out.lost(&why),
                        Ok(Fed::Bad(why)) => {
                            return Ok(out.bad(monitor.size() + batch.len() as u64, why))
                        }
                        Ok(Fed::Refused(why)) => anyhow::bail!(why),
                        Err(_) => break,
                    }
                }
                // Entries the server sent again after a reconnection are skipped.
                batch.retain(|e| e.position >= monitor.size());
                let alarms = monitor.push(&batch)?;
                batch.clear();
                short = unwitnessed(&alarms, short);
                if out.alarms(&alarms) {
                    return Ok(ExitCode::from(1));
                }
                if last_check.elapsed() < interval {
                    continue;
                }
            }
            Ok(Fed::Lost(why)) => {
                out.lost(&why);
                continue;
            }
            Ok(Fed::Bad(why)) => return Ok(out.bad(monitor.size(), why)),
            Ok(Fed::Refused(why)) => anyhow::bail!(why),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                anyhow::bail!(
                    "{}",
                    crate::text::both("luồng theo dõi đã dừng", "the subscription thread stopped")
                )
            }
        }
        last_check = Instant::now();
        let note = match fetch_checkpoint(&base) {
            Ok(n) => {
                failures = 0;
                out.settled();
                n
            }
            Err(e) => {
                failures += 1;
                // Following goes on through outages; a one-shot check reports one instead.
                if args.once && failures >= ONCE_ATTEMPTS {
                    return Err(e.context(crate::text::both(
                        &format!("{ONCE_ATTEMPTS} lần thử liền nhau đều hỏng; máy chủ có đang chạy không?"),
                        &format!("{ONCE_ATTEMPTS} attempts in a row failed; is the server running?"),
                    )));
                }
                out.lost(&format!("{e:#}"));
                continue;
            }
        };
        let proof = |old: u64, new: u64| {
            crate::witnesscmd::fetch_consistency(&base, old, new).map_err(|e| format!("{e:#}"))
        };
        let alarms = monitor.checkpoint(&note, &proof);
        if out.alarms(&alarms) {
            return Ok(ExitCode::from(1));
        }
        short = unwitnessed(&alarms, short);
        let held = monitor.held().map(|h| h.checkpoint.size);
        if held != reported {
            out.progress(&monitor);
            reported = held;
        }
        let caught_up = held == Some(monitor.size()) && !monitor.is_behind();
        if args.once && caught_up {
            // For a script, a checkpoint short of its witnesses is a failed check, as in
            // `verify --witness`.
            return Ok(ExitCode::from(if short == held { 1 } else { 0 }));
        }
    }
}

/// `monitor --tiles`: polls the published checkpoint, verifies the entries it adds from the
/// bundles, and checks it with a consistency proof read from the hash tiles.
fn follow_tiles(
    args: &MonitorArgs,
    url: &str,
    log_key: &ledger::VerifierKey,
    mut monitor: Monitor,
    out: &Output,
    mut short: Option<u64>,
) -> anyhow::Result<ExitCode> {
    let interval = Duration::from_secs(args.interval.max(1));
    let mut failures = 0;
    let mut reported = None;
    loop {
        let opened = crate::tilescmd::open_tiles(url, args.cache.as_deref(), &log_key.encode());
        let alarms = match opened {
            Ok(log) => {
                failures = 0;
                let size = ledger::storage::EntrySource::size(&log);
                let mut alarms = Vec::new();
                let mut bad = None;
                let from = monitor.size();
                let scanned = ledger::storage::EntrySource::scan_chunks(
                    &log,
                    from.min(size),
                    size,
                    &mut |first, frames| {
                        let mut batch = Vec::with_capacity(frames.len());
                        for (i, bytes) in frames.iter().enumerate() {
                            match Entry::decode(bytes) {
                                Ok(e) => batch.push(e),
                                Err(e) => {
                                    bad = Some((first + i as u64, e.to_string()));
                                    break;
                                }
                            }
                        }
                        match monitor.push(&batch) {
                            Ok(a) => alarms.extend(a),
                            Err(e) => {
                                bad = Some((monitor.size(), e.to_string()));
                                return false;
                            }
                        }
                        bad.is_none() && !alarms.iter().any(Alarm::is_integrity)
                    },
                );
                if let Some((position, why)) = bad {
                    return Ok(out.bad(position, why));
                }
                if let Err(e) = scanned {
                    out.lost(&format!("{e:#}"));
                }
                let proof = |old: u64, new: u64| {
                    if new != size {
                        return Err(format!("the tiles hold the tree of {size}, not of {new}"));
                    }
                    log.consistency_proof(old).map_err(|e| e.to_string())
                };
                alarms.extend(monitor.checkpoint(&log.checkpoint().encode(), &proof));
                alarms
            }
            // A checkpoint the pinned key did not sign is an alarm (the monitor says why);
            // one that cannot be read at all is an outage, retried.
            Err(e) => {
                let text = crate::tilescmd::store(url)
                    .ok()
                    .and_then(|s| s.get(ledger::tiles::CHECKPOINT).ok().flatten());
                match text.and_then(|t| String::from_utf8(t).ok()) {
                    Some(text) => monitor.checkpoint(&text, &|_, _| Err(e.to_string())),
                    None => {
                        failures += 1;
                        if args.once && failures >= ONCE_ATTEMPTS {
                            return Err(e.context(crate::text::both(
                                &format!("{ONCE_ATTEMPTS} lần thử liền nhau đều hỏng; có tới được {url} không?"),
                                &format!("{ONCE_ATTEMPTS} attempts in a row failed; is {url} reachable?"),
                            )));
                        }
                        out.lost(&format!("{e:#}"));
                        std::thread::sleep(interval);
                        continue;
                    }
                }
            }
        };
        if out.alarms(&alarms) {
            return Ok(ExitCode::from(1));
        }
        short = unwitnessed(&alarms, short);
        let held = monitor.held().map(|h| h.checkpoint.size);
        if held != reported {
            out.progress(&monitor);
            reported = held;
        }
        let caught_up = held == Some(monitor.size()) && !monitor.is_behind();
        if args.once && (caught_up || monitor.is_broken()) {
            return Ok(ExitCode::from(if short == held || monitor.is_broken() {
                1
            } else {
                0
            }));
        }
        std::thread::sleep(interval);
    }
}

/// The size of the last checkpoint `alarms` find short of the witness policy, else `before`.
fn unwitnessed(alarms: &[Alarm], before: Option<u64>) -> Option<u64> {
    alarms
        .iter()
        .rev()
        .find_map(|a| match a {
            Alarm::Unwitnessed { size, .. } => Some(*size),
            _ => None,
        })
        .or(before)
}

fn fetch_checkpoint(base: &str) -> anyhow::Result<String> {
    crate::text::authed(ureq::get(&format!("{base}/v1/checkpoint")))
        .call()
        .with_context(|| {
            crate::text::both(
                &format!("tải {base}/v1/checkpoint"),
                &format!("fetching {base}/v1/checkpoint"),
            )
        })?
        .into_string()
        .with_context(|| crate::text::both("đọc điểm kiểm", "reading the checkpoint"))
}

/// Follows `/v1/subscribe` from `from` on a thread of its own, reconnecting after a second
/// when the stream breaks, from the position after the last entry it handed over.
fn subscribe(base: String, from: u64) -> Receiver<Fed> {
    let (tx, rx) = crossbeam_channel::bounded(4 * CHUNK);
    std::thread::spawn(move || {
        let mut next = from;
        loop {
            let why = match follow(&base, &mut next, &tx) {
                Ok(()) => "the server closed the subscription".to_string(),
                Err(e) => {
                    if let Some(ureq::Error::Status(code @ (401 | 403), _)) =
                        e.downcast_ref::<ureq::Error>()
                    {
                        let _ = tx.send(Fed::Refused(format!(
                            "{base}: HTTP {code}: {}",
                            crate::text::both(
                                "máy chủ từ chối người đọc này; cấp mã đọc bằng `access grant` rồi dùng --token",
                                "the server refuses this reader; get a token (`access grant`) and pass --token"
                            )
                        )));
                        return;
                    }
                    format!("{e:#}")
                }
            };
            if tx.send(Fed::Lost(why)).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    rx
}

fn follow(base: &str, next: &mut u64, tx: &crossbeam_channel::Sender<Fed>) -> anyhow::Result<()> {
    let url = format!("{base}/v1/subscribe?from={next}");
    let response = crate::text::authed(ureq::get(&url))
        .call()
        .with_context(|| {
            crate::text::both(&format!("theo dõi {url}"), &format!("subscribing to {url}"))
        })?;
    let reader = BufReader::new(response.into_reader());
    let mut data = String::new();
    let mut kind = String::new();
    for line in reader.lines() {
        let line = line
            .with_context(|| crate::text::both(&format!("đọc {url}"), &format!("reading {url}")))?;
        if let Some(d) = line.strip_prefix("data:") {
            data.push_str(d.trim_start());
        } else if let Some(k) = line.strip_prefix("event:") {
            kind = k.trim().to_string();
        } else if line.is_empty() && kind == "lagged" {
            // The server dropped this subscription for falling behind: resume where it says.
            if let Ok(lagged) = serde_json::from_str::<api::wire::Lagged>(&data) {
                *next = lagged.resume_from;
            }
            return Ok(());
        } else if line.is_empty() && !data.is_empty() {
            let entry = match entry_from_json(&data) {
                Ok(e) => e,
                Err(e) => {
                    let _ = tx.send(Fed::Bad(format!(
                        "{url} sent an event that is not an entry: {e:#}"
                    )));
                    return Ok(());
                }
            };
            data.clear();
            kind.clear();
            *next = entry.position + 1;
            if tx.send(Fed::Entry(Box::new(entry))).is_err() {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// The entry as the server stored it, from the subscription's event (`position`, `received`
/// and the signed event's bytes; the rest of the view is derived from them and not trusted).
/// Its hash and signature are checked by the monitor.
fn entry_from_json(data: &str) -> anyhow::Result<Entry> {
    let view: api::wire::EventView = serde_json::from_str(data).with_context(|| {
        both(
            "không phải một mục như API trình bày",
            "not an entry as the API shows one",
        )
    })?;
    let bytes = hex::decode(&view.signed_hex)
        .with_context(|| both("`signed_hex` không phải hex", "`signed_hex` is not hex"))?;
    let event = SignedEvent::decode_structure(bytes)
        .with_context(|| both("không phải một sự kiện đã ký", "not a signed event"))?;
    Ok(Entry {
        position: view.position,
        received: view.received,
        event,
    })
}

struct Output {
    json: bool,
    quiet: bool,
    /// The connection failures printed since the server was last reached (the checkpoint
    /// fetch and the subscription fail side by side, each its own way), and how many times
    /// each came again since.
    retries: std::cell::RefCell<Vec<(String, u32)>>,
}

impl Output {
    /// Reports alarms; true when one of them ends the monitoring.
    fn alarms(&self, alarms: &[Alarm]) -> bool {
        for a in alarms {
            if self.quiet && !a.is_integrity() && !matches!(a, Alarm::Fork { .. }) {
                continue;
            }
            self.settled();
            if self.json {
                crate::say!("{}", serde_json::to_string(a).unwrap_or_default());
                continue;
            }
            match a {
                Alarm::Integrity(f) => crate::say!(
                    "{} {} ({}): {}",
                    both("TOÀN VẸN KHÔNG ĐẠT tại mục", "INTEGRITY FAILED at entry"),
                    f.position,
                    crate::text::render(&ledger::localized::failure_kind(f.kind)),
                    crate::text::render(f)
                ),
                Alarm::Unauthorized(f) => crate::say!(
                    "{} {}: {}",
                    both("Không có thẩm quyền, mục", "Unauthorized, entry"),
                    f.position,
                    crate::text::render(f)
                ),
                Alarm::Finding(f) => crate::verifycmd::print_finding_list(std::slice::from_ref(f)),
                Alarm::Resolved { rule, stream, .. } => crate::say!(
                    "    [{rule}] {} ({stream})",
                    both("không còn đúng nữa", "no longer holds")
                ),
                Alarm::Fork {
                    detail,
                    held_note,
                    offered_note,
                } => {
                    crate::say!(
                        "{}: {}",
                        both("SỔ CÁI RẼ NHÁNH", "FORKED LOG"),
                        crate::text::render(detail)
                    );
                    crate::say!(
                        "\n{}:\n{held_note}",
                        both("Điểm kiểm đã giữ", "Checkpoint held")
                    );
                    crate::say!(
                        "{}:\n{offered_note}",
                        both("Điểm kiểm được đưa ra", "Checkpoint offered now")
                    );
                }
                Alarm::Unwitnessed { size, detail } => crate::say!(
                    "{} {size}: {}",
                    both(
                        "Điểm kiểm chưa đủ nhân chứng đồng ký, cỡ",
                        "Checkpoint short of witnesses, size"
                    ),
                    crate::text::render(detail)
                ),
                Alarm::BadCheckpoint { detail, note } => crate::say!(
                    "{}: {}\n{note}",
                    both("ĐIỂM KIỂM KHÔNG HỢP LỆ", "INVALID CHECKPOINT"),
                    crate::text::render(detail)
                ),
            }
        }
        alarms.iter().any(Alarm::is_integrity)
    }

    fn progress(&self, monitor: &Monitor) {
        self.settled();
        if self.quiet {
            return;
        }
        let held = monitor.held().map(|h| &h.checkpoint);
        if self.json {
            crate::say!(
                "{}",
                serde_json::json!({
                    "progress": {"verified": monitor.size(), "checkpoint": held.map(|c| c.size),
                    "root": held.map(|c| c.root.to_hex())}
                })
            );
        } else if let Some(c) = held {
            crate::say!(
                "{}: {} {}, {} {} ({})",
                both("Đã xác minh", "Verified"),
                monitor.size(),
                both("mục", "entries"),
                both("điểm kiểm", "checkpoint"),
                c.size,
                c.root
            );
        }
    }

    /// A server that sends garbage in place of an entry has failed integrity there.
    fn bad(&self, position: u64, detail: String) -> ExitCode {
        self.alarms(&[Alarm::Integrity(ledger::verify::integrity::Failure::new(
            position,
            ledger::verify::integrity::FailureKind::Encoding,
            ledger::messages::Text::new(
                format!("máy chủ gửi thứ không phải một mục: {detail}"),
                format!("the server sent something that is not an entry: {detail}"),
            ),
        ))]);
        ExitCode::from(1)
    }

    /// A lost connection: printed the first time; the same failure again is only counted,
    /// and the count printed once the server is reached again (`settled`).
    fn lost(&self, why: &str) {
        let mut retries = self.retries.borrow_mut();
        if let Some(seen) = retries.iter_mut().find(|(w, _)| w == why) {
            seen.1 += 1;
            return;
        }
        // A bound on what a flapping server can make this remember.
        if retries.len() >= 16 {
            retries.remove(0);
        }
        retries.push((why.to_string(), 0));
        drop(retries);
        if self.json {
            crate::say!("{}", serde_json::json!({ "connection": why }));
        } else {
            eprintln!(
                "{}: {why}",
                both("Mất kết nối, thử lại", "connection lost, retrying")
            );
        }
    }

    /// The server was reached: prints how many times each connection failure repeated, if
    /// it did.
    fn settled(&self) {
        let retries = std::mem::take(&mut *self.retries.borrow_mut());
        for (why, repeated) in retries.into_iter().filter(|(_, n)| *n > 0) {
            self.repeated(&why, repeated);
        }
    }

    fn repeated(&self, why: &str, repeated: u32) {
        if self.json {
            crate::say!(
                "{}",
                serde_json::json!({ "connection": why, "repeated": repeated })
            );
        } else {
            eprintln!(
                "{}",
                both(
                    &format!("(lỗi kết nối lặp lại {repeated} lần nữa: {why})"),
                    &format!("(the connection failure repeated {repeated} more times: {why})")
                )
            );
        }
    }
}
