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
    #[arg(long)]
    json: bool,
}

pub fn init(args: InitArgs) -> anyhow::Result<ExitCode> {
    let authority = ledger::keys::read(&args.authority_key)?;
    let log_key = ledger::keys::read(&args.log_key)?;
    let vkey = VerifierKey::new(&args.origin, log_key.verifying_key().to_bytes())
        .with_context(|| format!("origin `{}` cannot name the log key", args.origin))?;
    let genesis = compose::genesis(
        &args.origin,
        &args.title,
        &authority,
        &[],
        &vkey,
        &args.rulebook,
        ledger::engine::now_ms(),
    )
    .context("building `ledger.created`")?;
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
    println!("{}", both("Đã tạo sổ cái", "ledger created"));
    println!("origin   {}", args.origin);
    println!("genesis  {hash}");
    println!("log key  {vkey}");
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct AppendArgs {
    #[arg(long)]
    ledger: PathBuf,
    /// Key file of the signer.
    #[arg(long)]
    key: PathBuf,
    /// Stream, e.g. `congress/hd.tp-haiduong/2020-2025`.
    #[arg(long)]
    stream: String,
    /// Event kind, e.g. `session.opened`.
    #[arg(long)]
    kind: String,
    #[arg(long, default_value_t = 1)]
    schema: u16,
    /// When the act happened, RFC 3339 (`2020-06-05T08:00:00+07:00`); default: now.
    #[arg(long)]
    time: Option<String>,
    /// The payload: a file holding a JSON object, or `-` for standard input.
    #[arg(long)]
    payload: String,
    #[arg(long)]
    json: bool,
}

pub fn parse_time(text: &str) -> anyhow::Result<i64> {
    let t = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .with_context(|| {
            format!("`{text}` is not an RFC 3339 time; write e.g. 2020-06-05T08:00:00+07:00")
        })?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn read_payload(source: &str) -> anyhow::Result<serde_json::Value> {
    let text = if source == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the payload from standard input")?;
        s
    } else {
        std::fs::read_to_string(source).with_context(|| format!("reading payload file {source}"))?
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("the payload in {source} is not valid JSON"))?;
    if !value.is_object() {
        bail!("the payload in {source} must be a JSON object ({{ … }})");
    }
    Ok(value)
}

pub fn open(dir: &Path) -> anyhow::Result<Ledger> {
    Ledger::open(dir, Options::default())
        .with_context(|| format!("opening ledger {}", dir.display()))
}

pub fn append(args: AppendArgs) -> anyhow::Result<ExitCode> {
    let key = ledger::keys::read(&args.key)?;
    let payload = read_payload(&args.payload)?;
    let time = match &args.time {
        Some(t) => parse_time(t)?,
        None => ledger::engine::now_ms(),
    };
    let ledger = open(&args.ledger)?;
    let event = compose::next_event(
        &ledger,
        &args.stream,
        &args.kind,
        args.schema,
        time,
        &key,
        &payload,
    )
    .context("signing the event")?;
    match ledger.append(event.into_bytes()) {
        Ok(a) => {
            ledger.close()?;
            if args.json {
                return crate::text::print_json(&a);
            }
            println!("{}\t{}", a.position, a.event_hash);
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

pub fn checkpoint(dir: &Path) -> anyhow::Result<ExitCode> {
    let ledger = open(dir)?;
    let note = ledger.sign_checkpoint()?;
    ledger.close()?;
    print!("{}", note.encode());
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum ProofKind {
    /// Inclusion proof of entry POSITION in the tree of SIZE entries (default: all).
    Inclusion {
        #[arg(long)]
        ledger: PathBuf,
        #[arg(long)]
        position: u64,
        #[arg(long)]
        size: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// Consistency proof from the tree of OLD entries to the tree of NEW (default: all).
    Consistency {
        #[arg(long)]
        ledger: PathBuf,
        #[arg(long)]
        old: u64,
        #[arg(long)]
        new: Option<u64>,
        #[arg(long)]
        json: bool,
    },
}

pub fn proof(kind: ProofKind) -> anyhow::Result<ExitCode> {
    let (dir, json) = match &kind {
        ProofKind::Inclusion { ledger, json, .. } | ProofKind::Consistency { ledger, json, .. } => {
            (ledger.clone(), *json)
        }
    };
    let ledger = open(&dir)?;
    let out = match kind {
        ProofKind::Inclusion { position, size, .. } => {
            let size = size.unwrap_or(ledger.size());
            let proof = ledger.inclusion_proof(position, size)??;
            let root = ledger.root_at(size)??;
            serde_json::json!({"position": position, "size": size, "root": root, "proof": proof})
        }
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
    for h in out["proof"].as_array().into_iter().flatten() {
        println!("{}", h.as_str().unwrap_or_default());
    }
    Ok(ExitCode::SUCCESS)
}
