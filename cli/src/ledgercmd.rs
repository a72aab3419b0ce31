//! `init`, `append`, `checkpoint`, `proof`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use ledger::{compose, Ledger, Options, VerifierKey};

use crate::text::both;

#[derive(Args)]
pub struct InitArgs {
    /// Directory of the new ledger (new or empty).
    #[arg(long)]
    ledger: PathBuf,
    /// The ledger's origin, e.g. `ledger.tinhuy-haiduong.vn/2020-2025`.
    #[arg(long)]
    origin: String,
    /// The ledger's title, recorded in its genesis event.
    #[arg(long)]
    title: String,
    /// Key file of the authority that signs `ledger.created`.
    #[arg(long)]
    authority_key: PathBuf,
    /// Key file of the log key that signs checkpoints (copied into the ledger directory).
    #[arg(long)]
    log_key: PathBuf,
    /// Rulebook id, e.g. `qd190-2024`.
    #[arg(long)]
    rulebook: String,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn init(args: InitArgs) -> anyhow::Result<ExitCode> {
    let authority = ledger::keys::read(&args.authority_key)?;
    let log_key = ledger::keys::read(&args.log_key)?;
    let vkey =
        VerifierKey::new(&args.origin, log_key.verifying_key().to_bytes()).with_context(|| {
            both(
                &format!(
                    "nguồn `{}` không dùng được làm tên khóa của sổ",
                    args.origin
                ),
                &format!("origin `{}` cannot name the log key", args.origin),
            )
        })?;
    let genesis = compose::genesis(
        &args.origin,
        &args.title,
        &authority,
        &[],
        &vkey,
        &args.rulebook,
        ledger::engine::now_ms(),
    )
    .with_context(|| crate::text::both("dựng `ledger.created`", "building `ledger.created`"))?;
    let hash = genesis.hash();
    let ledger = Ledger::create(&args.ledger, genesis, log_key, Options::default())?;
    let note = ledger.sign_checkpoint()?;
    ledger.close()?;
    if args.json {
        return crate::text::print_json(&serde_json::json!({
            "ledger": args.ledger, "origin": args.origin, "genesis": hash,
            "log_key": vkey.encode(), "checkpoint": note.encode(),
        }));
    }
    crate::say!("{}", both("Đã tạo sổ cái", "ledger created"));
    crate::say!("{}: {}", both("nguồn (origin)", "origin"), args.origin);
    crate::say!("{}: {hash}", both("sự kiện khởi tạo", "genesis"));
    crate::say!("{}: {vkey}", both("khóa của sổ", "log key"));
    crate::say!(
        "{}",
        both(
            &format!(
                "Khóa bí mật của sổ cái đã được chép vào {}: giữ bí mật và sao lưu nó (docs/KEYS.md)",
                args.ledger.join("log.key").display()
            ),
            &format!(
                "The log's private key was copied into {}: keep it secret and back it up (docs/KEYS.md)",
                args.ledger.join("log.key").display()
            )
        )
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct AppendArgs {
    /// A local ledger directory.
    #[arg(long, required_unless_present = "server", conflicts_with = "server")]
    ledger: Option<PathBuf>,
    /// Append through the HTTP API of a server instead (`http://127.0.0.1:8080`).
    #[arg(long)]
    server: Option<String>,
    /// Key file of the signer.
    #[arg(long, required_unless_present = "batch")]
    key: Option<PathBuf>,
    /// Stream, e.g. `congress/hd.tp-haiduong/2020-2025`.
    #[arg(long, required_unless_present = "batch")]
    stream: Option<String>,
    /// Event kind, e.g. `session.opened`.
    #[arg(long, required_unless_present = "batch")]
    kind: Option<String>,
    /// The payload's schema version; default: the kind's newest (`congress-ledger kinds`).
    #[arg(long)]
    schema: Option<u16>,
    /// When the act happened, RFC 3339 (`2020-06-05T08:00:00+07:00`); default: now.
    #[arg(long)]
    time: Option<String>,
    /// The payload: a file holding a JSON object, or `-` for standard input.
    #[arg(long, required_unless_present = "batch")]
    payload: Option<String>,
    /// Many events, one JSON object a line: `{"key": path, "stream", "kind", "schema"?,
    /// "time", "payload": {…}}`. Key paths are relative to the batch file. Stops at the first
    /// refused line, naming it; everything before it is kept.
    #[arg(long, conflicts_with_all = ["key", "stream", "kind", "payload"])]
    batch: Option<PathBuf>,
    /// Sign the event and write its bytes to this new file instead of appending it (to send
    /// later, e.g. `POST /v1/events`).
    #[arg(long, conflicts_with = "batch")]
    out: Option<PathBuf>,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn parse_time(text: &str) -> anyhow::Result<i64> {
    let t = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .with_context(|| {
            both(
                &format!("`{text}` không phải thời điểm RFC 3339; hãy viết ví dụ 2020-06-05T08:00:00+07:00"),
                &format!("`{text}` is not an RFC 3339 time; write e.g. 2020-06-05T08:00:00+07:00"),
            )
        })?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn read_payload(source: &str) -> anyhow::Result<serde_json::Value> {
    let text = if source == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).with_context(|| {
            crate::text::both(
                "đọc nội dung từ đầu vào chuẩn",
                "reading the payload from standard input",
            )
        })?;
        s
    } else {
        std::fs::read_to_string(source).with_context(|| {
            crate::text::both(
                &format!("đọc tệp nội dung {source}"),
                &format!("reading payload file {source}"),
            )
        })?
    };
    let value: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        both(
            &format!("nội dung trong {source} không phải JSON hợp lệ"),
            &format!("the payload in {source} is not valid JSON"),
        )
    })?;
    if !value.is_object() {
        bail!(
            "{}",
            both(
                &format!("nội dung trong {source} phải là một đối tượng JSON ({{ … }})"),
                &format!("the payload in {source} must be a JSON object ({{ … }})")
            )
        );
    }
    Ok(value)
}

pub fn open(dir: &Path) -> anyhow::Result<Ledger> {
    Ledger::open(dir, Options::default()).with_context(|| {
        both(
            &format!("mở sổ cái {}", dir.display()),
            &format!("opening ledger {}", dir.display()),
        )
    })
}

/// Where appended events go: a local ledger, or a server's API.
enum Target {
    Local(Ledger),
    Server { base: String, origin: String },
}

/// What the ledger answered, or why it refused.
type Answer = Result<api::wire::Appended, String>;

impl Target {
    fn connect(args: &AppendArgs) -> anyhow::Result<Target> {
        if let Some(server) = &args.server {
            let base = crate::text::server_base(server)?;
            let health: api::wire::Health = crate::client::get(&format!("{base}/healthz"))?;
            return Ok(Target::Server {
                base,
                origin: health.origin,
            });
        }
        let dir = args.ledger.clone().unwrap_or_default();
        Ok(Target::Local(open(&dir)?))
    }

    fn origin(&self) -> String {
        match self {
            Target::Local(l) => l.origin().to_string(),
            Target::Server { origin, .. } => origin.clone(),
        }
    }

    /// The stream's next version and the hash its next event chains to.
    fn head(&self, stream: &str) -> anyhow::Result<(u64, ledger::Hash)> {
        match self {
            Target::Local(l) => Ok(l
                .head(stream)?
                .map_or((0, ledger::Hash::ZERO), |h| (h.next_version, h.hash))),
            Target::Server { base, .. } => {
                let page: api::wire::StreamPage =
                    crate::client::get(&format!("{base}/v1/streams/{stream}?limit=0"))
                        .with_context(|| {
                            crate::text::both(
                                &format!("đọc đầu luồng {stream}"),
                                &format!("reading the head of {stream}"),
                            )
                        })?;
                Ok((page.next_version, page.head))
            }
        }
    }

    fn submit(&self, bytes: Vec<u8>) -> Answer {
        match self {
            Target::Local(l) => l
                .append(bytes)
                .map(|a| api::wire::Appended::from(&a))
                .map_err(|e| crate::text::render(&e)),
            Target::Server { base, .. } => {
                let url = format!("{base}/v1/events");
                let r = crate::text::authed(ureq::post(&url))
                    .set("content-type", "application/octet-stream")
                    .send_bytes(&bytes);
                match r {
                    Err(ureq::Error::Status(code, resp)) => Err(format!(
                        "HTTP {code}: {}",
                        crate::client::refused(&url, code, resp).detail()
                    )),
                    r => crate::client::decode(&url, r).map_err(|e| format!("{e:#}")),
                }
            }
        }
    }

    fn close(self) -> anyhow::Result<()> {
        if let Target::Local(l) = self {
            l.close()?;
        }
        Ok(())
    }
}

/// One event to sign and append.
struct Act {
    key: ed25519_dalek::SigningKey,
    stream: String,
    kind: String,
    /// `None`: the kind's newest schema.
    schema: Option<u16>,
    time: i64,
    payload: serde_json::Value,
}

/// Signs acts against the heads it has seen (one lookup per stream) and appends them in order.
struct Appender {
    target: Target,
    origin: String,
    heads: std::collections::HashMap<String, (u64, ledger::Hash)>,
}

impl Appender {
    fn append(&mut self, act: Act) -> anyhow::Result<Answer> {
        let stream = act.stream.clone();
        let (event, version) = self.sign(act)?;
        let hash = event.hash();
        let answer = self.target.submit(event.into_bytes());
        if answer.is_ok() {
            self.heads.insert(stream, (version + 1, hash));
        } else {
            self.heads.remove(&stream);
        }
        Ok(answer)
    }

    /// The act signed as the next event of its stream (and that event's version).
    fn sign(&mut self, act: Act) -> anyhow::Result<(ledger::SignedEvent, u64)> {
        let kind = crate::explaincmd::known_kind(&act.kind)?;
        let schema = act
            .schema
            .or_else(|| ledger::domain::latest_schema(kind))
            .unwrap_or(1);
        let (version, prev) = match self.heads.get(&act.stream) {
            Some(h) => *h,
            None => self.target.head(&act.stream)?,
        };
        let event = compose::event(
            &self.origin,
            &act.stream,
            version,
            prev,
            kind,
            schema,
            act.time,
            &act.key,
            &act.payload,
        )
        .with_context(|| crate::text::both("ký sự kiện", "signing the event"))?;
        Ok((event, version))
    }
}

fn print_appended(a: &api::wire::Appended, json: bool) {
    if json {
        crate::say!("{}", serde_json::to_string(a).unwrap_or_default());
    } else {
        crate::say!("{}\t{}", a.position, a.event_hash);
    }
}

pub fn append(args: AppendArgs) -> anyhow::Result<ExitCode> {
    let target = Target::connect(&args)?;
    let origin = target.origin();
    let mut appender = Appender {
        target,
        origin,
        heads: std::collections::HashMap::new(),
    };
    let code = match &args.batch {
        Some(batch) => append_batch(&mut appender, batch, args.json)?,
        None => {
            let key = ledger::keys::read(args.key.as_deref().unwrap_or(Path::new("")))?;
            let act = Act {
                key,
                stream: args.stream.clone().unwrap_or_default(),
                kind: args.kind.clone().unwrap_or_default(),
                schema: args.schema,
                time: match &args.time {
                    Some(t) => parse_time(t)?,
                    None => ledger::engine::now_ms(),
                },
                payload: read_payload(args.payload.as_deref().unwrap_or("-"))?,
            };
            if let Some(out) = &args.out {
                let (event, _) = appender.sign(act)?;
                let hash = event.hash();
                write_new(out, event.bytes())?;
                crate::say!(
                    "{}: {} ({hash})",
                    both("Đã ký, chưa ghi vào sổ", "signed, not appended"),
                    out.display()
                );
                appender.target.close()?;
                return Ok(ExitCode::SUCCESS);
            }
            match appender.append(act)? {
                Ok(v) => {
                    print_appended(&v, args.json);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!(
                        "{}: {e}",
                        both("Sổ cái từ chối sự kiện", "the ledger refused the event")
                    );
                    ExitCode::from(1)
                }
            }
        }
    };
    appender.target.close()?;
    Ok(code)
}

fn append_batch(appender: &mut Appender, batch: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(batch).with_context(|| crate::text::reading(batch))?;
    let base = batch.parent().unwrap_or(Path::new("."));
    let mut keys: std::collections::HashMap<String, ed25519_dalek::SigningKey> =
        std::collections::HashMap::new();
    let mut done = 0usize;
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fail = |why: String| -> anyhow::Result<ExitCode> {
            eprintln!(
                "{} {n}: {why}; {} {done} {}",
                both("dòng", "line"),
                both("đã ghi", "appended before it:"),
                both("sự kiện", "events")
            );
            Ok(ExitCode::from(1))
        };
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => return fail(format!("not a JSON object ({e})")),
        };
        let field = |name: &str| v[name].as_str().map(str::to_string);
        let (Some(key_path), Some(stream), Some(kind)) =
            (field("key"), field("stream"), field("kind"))
        else {
            return fail("needs \"key\", \"stream\" and \"kind\"".into());
        };
        if let Err(e) = crate::explaincmd::known_kind(&kind) {
            return fail(e.to_string());
        }
        if !v["payload"].is_object() {
            return fail("\"payload\" must be a JSON object".into());
        }
        let time = match &v["time"] {
            serde_json::Value::String(t) => match parse_time(t) {
                Ok(t) => t,
                Err(e) => return fail(e.to_string()),
            },
            serde_json::Value::Number(ms) => ms.as_i64().unwrap_or(0),
            _ => return fail("\"time\" must be RFC 3339 text or milliseconds".into()),
        };
        let key = match keys.get(&key_path) {
            Some(k) => k.clone(),
            None => match ledger::keys::read(&base.join(&key_path)) {
                Ok(k) => {
                    keys.insert(key_path.clone(), k.clone());
                    k
                }
                Err(e) => return fail(e.to_string()),
            },
        };
        let act = Act {
            key,
            stream,
            kind,
            schema: v["schema"]
                .as_u64()
                .map(|s| s.min(u64::from(u16::MAX)) as u16),
            time,
            payload: v["payload"].clone(),
        };
        match appender.append(act)? {
            Ok(answer) => {
                print_appended(&answer, json);
                done += 1;
            }
            Err(e) => return fail(e),
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct AttachArgs {
    /// The ledger directory.
    #[arg(long)]
    ledger: PathBuf,
    /// Key file of the signer (any role enrolled for the stream may attach).
    #[arg(long)]
    key: PathBuf,
    /// The stream the document belongs to, e.g. `congress/hd.tp-haiduong/2020-2025`.
    #[arg(long)]
    stream: String,
    /// The document.
    #[arg(long)]
    file: PathBuf,
    /// The document's title, recorded in the event.
    #[arg(long)]
    title: String,
    /// Its media type; default: from the file's extension.
    #[arg(long)]
    media_type: Option<String>,
    /// When it was attached, RFC 3339; default: now.
    #[arg(long)]
    time: Option<String>,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn media_type_of(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("pdf") => "application/pdf",
        Some("txt") => "text/plain",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

pub fn attach(args: AttachArgs) -> anyhow::Result<ExitCode> {
    let key = ledger::keys::read(&args.key)?;
    let bytes = std::fs::read(&args.file).with_context(|| crate::text::reading(&args.file))?;
    let time = match &args.time {
        Some(t) => parse_time(t)?,
        None => ledger::engine::now_ms(),
    };
    let ledger = open(&args.ledger)?;
    let sha256 = ledger.blobs().put(&bytes)?;
    let payload = serde_json::json!({
        "sha256": sha256, "bytes": bytes.len(), "title": args.title, "refs": [],
        "media_type": args.media_type.clone().unwrap_or_else(|| media_type_of(&args.file).to_string()),
    });
    let event = compose::next_event(
        &ledger,
        &args.stream,
        "document.attached",
        1,
        time,
        &key,
        &payload,
    )
    .with_context(|| crate::text::both("ký sự kiện", "signing the event"))?;
    let result = ledger.append(event.into_bytes());
    ledger.close()?;
    match result {
        Ok(a) => {
            if args.json {
                return crate::text::print_json(
                    &serde_json::json!({"appended": a, "sha256": sha256}),
                );
            }
            crate::say!("{}\t{}\t{sha256}", a.position, a.event_hash);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!(
                "{}: {e}",
                both("Sổ cái từ chối sự kiện", "the ledger refused the event")
            );
            Ok(ExitCode::from(1))
        }
    }
}

pub fn checkpoint(dir: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let ledger = open(dir)?;
    let note = ledger.sign_checkpoint()?;
    let log_key = ledger.log_key().encode();
    let log_pq_key = ledger.log_pq_key().map(|k| k.encode());
    let keys = ledger.log_keys();
    ledger.close()?;
    if json {
        let chain: Vec<serde_json::Value> = keys
            .all()
            .iter()
            .map(|k| serde_json::json!({"key": k.key.encode(), "from": k.from}))
            .collect();
        return crate::text::print_json(&serde_json::json!({
            "origin": note.checkpoint.origin, "size": note.checkpoint.size,
            "root": note.checkpoint.root, "note": note.encode(), "log_key": log_key,
            "log_pq_key": log_pq_key, "current_log_key": keys.current().key.encode(),
            "log_keys": chain,
        }));
    }
    print!("{}", note.encode());
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum ProofKind {
    /// Inclusion proof of entry POSITION in the tree of SIZE entries (default: all).
    Inclusion {
        /// The ledger directory.
        #[arg(long)]
        ledger: PathBuf,
        /// The entry's position in the log (from 0).
        #[arg(long)]
        position: u64,
        /// The size of the tree the proof is for (default: all entries).
        #[arg(long)]
        size: Option<u64>,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The self-contained proof of one act (its entry, inclusion proof, the signed checkpoint
    /// and the authority registry before it), to attach to a petition or a report.
    Export {
        /// The ledger directory.
        #[arg(
            long,
            required_unless_present_any = ["server", "tiles"],
            conflicts_with_all = ["server", "tiles"]
        )]
        ledger: Option<PathBuf>,
        /// Ask this server for the proof instead (`http://127.0.0.1:8080`).
        #[arg(long, conflicts_with = "tiles")]
        server: Option<String>,
        /// Read the proof from a log published as tiles (a directory, `s3://bucket/prefix`,
        /// `http(s)://…`), checked against --log-key.
        #[arg(long, requires = "log_key")]
        tiles: Option<String>,
        /// The log's verifier key, for --tiles.
        #[arg(long)]
        log_key: Option<String>,
        /// Where fetched tiles are kept, for --tiles.
        #[arg(long, requires = "tiles")]
        cache: Option<PathBuf>,
        /// The act's event hash.
        #[arg(
            long,
            required_unless_present = "position",
            conflicts_with = "position"
        )]
        event: Option<String>,
        /// The act's position in the log (instead of its hash).
        #[arg(long)]
        position: Option<u64>,
        /// Where to write the proof (a new JSON file).
        #[arg(long)]
        out: PathBuf,
        /// Disclose this confidential field (value and salt) beside the proof, to someone
        /// entitled to it: `complainant.name`, `complainant.contact`, `summary`,
        /// `document_sha256`. Repeat for several; needs --openings.
        #[arg(long = "disclose", requires = "openings")]
        disclose: Vec<String>,
        /// A complainant's receipt: disclose their own identity fields. Needs --openings.
        #[arg(long, requires = "openings")]
        receipt: bool,
        /// The case's openings (values and salts, JSON): the file `confidential receive`
        /// wrote, or `confidential show --json`'s `values`.
        #[arg(long)]
        openings: Option<PathBuf>,
    },
    /// Check an act's proof with nothing but the log's verifier key.
    Verify {
        /// The proof file (from `proof export`).
        file: PathBuf,
        /// The log's verifier key, from a source you trust.
        #[arg(long)]
        log_key: String,
        /// A trusted witness's key (`name+keyid+base64`); repeat for several.
        #[arg(long = "witness")]
        witnesses: Vec<String>,
        /// How many of the witnesses must have cosigned the checkpoint (default: all given).
        #[arg(long, requires = "witnesses")]
        quorum: Option<usize>,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Consistency proof from the tree of OLD entries to the tree of NEW (default: all).
    Consistency {
        /// The ledger directory.
        #[arg(long)]
        ledger: PathBuf,
        /// The old size: the entries of the earlier tree.
        #[arg(long)]
        old: u64,
        /// The new size: the entries of the later tree (default: all).
        #[arg(long)]
        new: Option<u64>,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn proof(kind: ProofKind) -> anyhow::Result<ExitCode> {
    let (dir, json) = match &kind {
        ProofKind::Inclusion { ledger, json, .. } | ProofKind::Consistency { ledger, json, .. } => {
            (ledger.clone(), *json)
        }
        ProofKind::Export {
            ledger,
            server,
            tiles,
            log_key,
            cache,
            event,
            position,
            out,
            disclose,
            receipt,
            openings,
        } => {
            if out.exists() {
                bail!(
                    "{}",
                    both(
                        &format!("{} đã có; hãy chọn một tệp mới", out.display()),
                        &format!("{} already exists; choose a new file", out.display())
                    )
                );
            }
            let openings = openings.as_deref().map(read_openings).transpose()?;
            let proof = match (ledger, server, tiles) {
                (_, _, Some(url)) => {
                    let log = crate::tilescmd::open_tiles(
                        url,
                        cache.as_deref(),
                        log_key.as_deref().unwrap_or_default(),
                    )?;
                    proof_export_from(&log, event.as_deref(), *position)?
                }
                (_, Some(server), None) => {
                    proof_export_remote(server, event.as_deref(), *position)?
                }
                (Some(ledger), None, None) => proof_export(ledger, event.as_deref(), *position)?,
                (None, None, None) => {
                    bail!(
                        "{}",
                        crate::text::both(
                            "hãy chỉ sổ cái bằng --ledger DIR, --server URL hoặc --tiles URL",
                            "name the log with --ledger DIR, --server URL or --tiles URL"
                        )
                    )
                }
            };
            return match openings {
                Some(openings) => write_disclosure(out, proof, &openings, disclose, *receipt),
                None => write_proof(out, &proof),
            };
        }
        ProofKind::Verify {
            file,
            log_key,
            witnesses,
            quorum,
            json,
        } => return proof_verify(file, log_key, witnesses, *quorum, *json),
    };
    let ledger = open(&dir)?;
    let out = match kind {
        ProofKind::Inclusion { position, size, .. } => {
            let size = size.unwrap_or(ledger.size());
            let proof = ledger.inclusion_proof(position, size)??;
            let root = ledger.root_at(size)??;
            serde_json::json!({"position": position, "size": size, "root": root, "proof": proof})
        }
        ProofKind::Export { .. } | ProofKind::Verify { .. } => unreachable!("handled above"),
        ProofKind::Consistency { old, new, .. } => {
            let new = new.unwrap_or(ledger.size());
            let proof = ledger.consistency_proof(old, new)??;
            serde_json::json!({
                "old": old, "new": new, "old_root": ledger.root_at(old)??,
                "new_root": ledger.root_at(new)??, "proof": proof,
            })
        }
    };
    ledger.close()?;
    if json {
        return crate::text::print_json(&out);
    }
    // Labelled, so that the hashes are not mistaken for one another or for the root.
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if out.get("position").is_some() {
        crate::say!(
            "{} {}, {} {}",
            both("vị trí", "position"),
            out["position"],
            both("cỡ cây", "tree size"),
            out["size"]
        );
        crate::say!("{}: {}", both("gốc", "root"), text(&out["root"]));
    } else {
        crate::say!(
            "{} {} ({} {}) → {} {} ({} {})",
            both("cỡ cũ", "old size"),
            out["old"],
            both("gốc", "root"),
            text(&out["old_root"]),
            both("cỡ mới", "new size"),
            out["new"],
            both("gốc", "root"),
            text(&out["new_root"])
        );
    }
    let hashes = out["proof"].as_array().map_or(&[][..], Vec::as_slice);
    crate::say!(
        "{} ({} {}):",
        both("chứng minh", "proof"),
        hashes.len(),
        both("mã băm", "hashes")
    );
    for h in hashes {
        crate::say!("  {}", text(h));
    }
    Ok(ExitCode::SUCCESS)
}

/// `proof export --server`: the proof as the server's `/v1/proofs/act/{hash}` gives it. Nothing
/// about it is trusted: `proof verify` checks it against the log key.
fn proof_export_remote(
    server: &str,
    event: Option<&str>,
    position: Option<u64>,
) -> anyhow::Result<ledger::act_proof::ActProof> {
    let base = crate::text::server_base(server)?;
    let base = base.as_str();
    let hash = match (event, position) {
        (Some(e), _) => e
            .parse::<ledger::Hash>()
            .map_err(|e| anyhow::anyhow!("--event: {e}"))?
            .to_hex(),
        (None, Some(p)) => {
            crate::client::get::<api::wire::EventView>(&format!("{base}/v1/events/{p}"))?
                .event_hash
                .to_hex()
        }
        (None, None) => bail!(
            "{}",
            crate::text::both(
                "hãy chỉ hành vi bằng --event HASH hoặc --position N",
                "name the act with --event HASH or --position N"
            )
        ),
    };
    crate::client::get::<api::wire::ActProofDocument>(&format!("{base}/v1/proofs/act/{hash}"))
}

/// A case's openings (values and salts) from a JSON file.
pub fn read_openings(path: &Path) -> anyhow::Result<ledger::confidential::Openings> {
    let text = std::fs::read_to_string(path).with_context(|| crate::text::reading(path))?;
    serde_json::from_str(&text).with_context(|| {
        crate::text::both(
            &format!(
                "{} không chứa các giá trị mở ({{\"trường\": {{\"value\": …, \"salt\": …}}}})",
                path.display()
            ),
            &format!(
                "{} does not hold openings ({{\"field\": {{\"value\": …, \"salt\": …}}}})",
                path.display()
            ),
        )
    })
}

/// The proof with the chosen fields disclosed (or the complainant's own, for a receipt),
/// checked against the act's commitments before it is written.
fn write_disclosure(
    out: &Path,
    proof: ledger::act_proof::ActProof,
    openings: &ledger::confidential::Openings,
    fields: &[String],
    receipt: bool,
) -> anyhow::Result<ExitCode> {
    use ledger::cases::disclosure;
    let d = if receipt {
        let mut d = disclosure::receipt(proof, openings);
        let more = disclosure::disclose(d.proof.clone(), openings, fields)?;
        d.disclosed.extend(more.disclosed);
        d
    } else {
        disclosure::disclose(proof, openings, fields)?
    };
    let entry = ledger::Entry::decode(&hex::decode(&d.proof.act.entry)?)?;
    let body = entry.event.body();
    let payload: serde_json::Value = serde_json::from_slice(&body.payload)?;
    ledger::confidential::check(&body.kind, body.schema, &payload, &d.disclosed)?;
    std::fs::write(out, serde_json::to_string_pretty(&d)? + "\n")
        .with_context(|| crate::text::writing(out))?;
    crate::say!(
        "{}: {} ({}: {})",
        both(
            "Đã xuất chứng minh kèm thông tin công bố",
            "proof with disclosed fields written"
        ),
        out.display(),
        both("công bố", "disclosed"),
        d.disclosed.keys().cloned().collect::<Vec<_>>().join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

fn write_proof(out: &Path, proof: &ledger::act_proof::ActProof) -> anyhow::Result<ExitCode> {
    std::fs::write(out, serde_json::to_string_pretty(proof)? + "\n")
        .with_context(|| crate::text::writing(out))?;
    crate::say!(
        "{}: {} ({} {}, {} {})",
        both("Đã xuất chứng minh", "proof written"),
        out.display(),
        both("mục", "entry"),
        proof.act.position,
        proof.registry.len(),
        both("mục thẩm quyền", "registry entries")
    );
    Ok(ExitCode::SUCCESS)
}

/// `proof export --tiles`: the proof read from a published log, against its checkpoint.
fn proof_export_from(
    log: &ledger::tiles::read::TileLog,
    event: Option<&str>,
    position: Option<u64>,
) -> anyhow::Result<ledger::act_proof::ActProof> {
    let size = ledger::storage::EntrySource::size(log);
    let hash: ledger::Hash = match (event, position) {
        (Some(e), _) => e.parse().map_err(|e| anyhow::anyhow!("--event: {e}"))?,
        (None, Some(p)) => match log.entry_bytes(p)? {
            Some(bytes) => ledger::Entry::decode(&bytes)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "{}: {}",
                        crate::text::both(
                            &format!("mục {p} không giải mã được"),
                            &format!("entry {p} does not decode")
                        ),
                        crate::text::render(&e)
                    )
                })?
                .event
                .hash(),
            None => bail!(
                "{}",
                crate::text::both(
                    &format!(
                        "--position {p}: sổ cái đã công bố có {size} mục (vị trí 0 đến {})",
                        size.saturating_sub(1)
                    ),
                    &format!(
                        "--position {p}: the published log has {size} entries (positions 0 to {})",
                        size.saturating_sub(1)
                    )
                )
            ),
        },
        (None, None) => bail!(
            "{}",
            crate::text::both(
                "hãy chỉ hành vi bằng --event HASH hoặc --position N",
                "name the act with --event HASH or --position N"
            )
        ),
    };
    Ok(ledger::act_proof::export(log, &hash)?)
}

fn proof_export(
    dir: &Path,
    event: Option<&str>,
    position: Option<u64>,
) -> anyhow::Result<ledger::act_proof::ActProof> {
    let hash: Option<ledger::Hash> = event
        .map(|e| e.parse().map_err(|e| anyhow::anyhow!("--event: {e}")))
        .transpose()?;
    let ledger = open(dir)?;
    let hash = match (hash, position) {
        (Some(hash), _) => hash,
        (None, Some(position)) => match ledger.entry(position)? {
            Some(entry) => entry.event.hash(),
            None => bail!(
                "{}",
                crate::text::both(
                    &format!(
                        "--position {position}: sổ cái có {} mục (vị trí 0 đến {})",
                        ledger.size(),
                        ledger.size().saturating_sub(1)
                    ),
                    &format!(
                        "--position {position}: the log has {} entries (positions 0 to {})",
                        ledger.size(),
                        ledger.size().saturating_sub(1)
                    )
                )
            ),
        },
        (None, None) => bail!(
            "{}",
            crate::text::both(
                "hãy chỉ hành vi bằng --event HASH hoặc --position N",
                "name the act with --event HASH or --position N"
            )
        ),
    };
    // A checkpoint of everything so far, so that the newest act can be proved too.
    ledger.sign_checkpoint()?;
    let proof = ledger::act_proof::export(&ledger, &hash)?;
    ledger.close()?;
    Ok(proof)
}

fn proof_verify(
    file: &Path,
    log_key: &str,
    witnesses: &[String],
    quorum: Option<usize>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let key = crate::text::log_key(log_key)?;
    let policy = crate::verifycmd::witness_policy(witnesses, quorum)?;
    let text = std::fs::read_to_string(file).with_context(|| crate::text::reading(file))?;
    let value: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        crate::text::both(
            &format!("{} không phải JSON", file.display()),
            &format!("{} is not JSON", file.display()),
        )
    })?;
    let checked = if value["format"] == ledger::cases::disclosure::FORMAT {
        let d: ledger::cases::disclosure::Disclosure =
            serde_json::from_value(value).with_context(|| {
                crate::text::both(
                    &format!("{} không phải một bản tiết lộ", file.display()),
                    &format!("{} is not a disclosure", file.display()),
                )
            })?;
        ledger::cases::disclosure::verify(&d, &key, policy.as_ref()).map(|v| (v.act, v.disclosed))
    } else {
        let proof: ledger::act_proof::ActProof =
            serde_json::from_value(value).with_context(|| {
                crate::text::both(
                    &format!("{} không phải một chứng minh hành vi", file.display()),
                    &format!("{} is not an act proof", file.display()),
                )
            })?;
        ledger::act_proof::verify_witnessed(&proof, &key, policy.as_ref())
            .map(|act| (act, Default::default()))
    };
    match checked {
        Ok((act, disclosed)) if json && !disclosed.is_empty() => {
            crate::text::print_json(&serde_json::json!({"act": act, "disclosed": disclosed}))
        }
        Ok((act, disclosed)) => {
            if json {
                crate::text::print_json(&act)?;
            } else {
                crate::say!(
                    "{}: {} {} ({}), {} {} {} {}",
                    both(
                        "ĐÚNG — hành vi có trong sổ cái",
                        "VALID — the act is in the record"
                    ),
                    act.kind,
                    act.stream,
                    act.event_hash,
                    both("mục", "entry"),
                    act.position,
                    both("ký bởi", "signed by"),
                    act.signed_by.as_deref().unwrap_or(&act.signer)
                );
                crate::say!(
                    "  {}: {} ({})",
                    both("điểm kiểm", "checkpoint"),
                    act.checkpoint_size,
                    act.checkpoint_root
                );
                if !act.witnesses.is_empty() {
                    crate::say!(
                        "  {}: {}",
                        both("nhân chứng đã đồng ký", "cosigned by witnesses"),
                        act.witnesses.join(", ")
                    );
                }
                if let Some(c) = &act.corrects {
                    crate::say!(
                        "  {}: {c}",
                        both(
                            "đính chính hành vi (thẩm quyền xét theo hành vi này)",
                            "corrects the act (its authority judged as that act)"
                        )
                    );
                }
                crate::say!(
                    "  {}",
                    if act.registry_complete {
                        both(
                            "sổ đăng ký khóa đầy đủ: đã chứng minh không bỏ sót mục nào trước hành vi",
                            "key registry complete: no entry before the act was left out (proved)"
                        )
                    } else {
                        both(
                            "CHƯA chứng minh được sổ đăng ký khóa là đầy đủ (chưa có mục đăng ký nào sau hành vi); thẩm quyền được xét trên sổ đăng ký như bằng chứng đưa ra",
                            "completeness NOT proved: no registry entry after the act yet; authority was judged on the registry as given"
                        )
                    }
                );
                for (field, value) in &disclosed {
                    crate::say!(
                        "  {} {field}: {}",
                        both("khớp cam kết", "matches its commitment"),
                        value // JSON: control characters escaped
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if json {
                crate::text::print_json(
                    &serde_json::json!({"valid": false, "reason": e.to_string()}),
                )?;
            } else {
                crate::say!("{}: {e}", both("KHÔNG ĐÚNG", "INVALID"));
            }
            Ok(ExitCode::from(1))
        }
    }
}

/// Writes a new file; refuses to overwrite one.
fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| {
            both(
                &format!("không tạo được {} (đã có tệp này?)", path.display()),
                &format!("cannot create {} (does it exist already?)", path.display()),
            )
        })?;
    file.write_all(bytes)?;
    Ok(())
}
