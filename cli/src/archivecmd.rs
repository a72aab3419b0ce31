//! `export`: the archive bag of a ledger (spec §5).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use crate::text::both;

#[derive(Args)]
pub struct ExportArgs {
    /// The ledger directory.
    #[arg(long)]
    ledger: PathBuf,
    /// Where to write the bag (a new directory).
    #[arg(long)]
    out: PathBuf,
    /// Seal the bag with an evidence record (`data/evidence.ers`, RFC 4998) timestamped by
    /// this Time-Stamp Authority (RFC 3161 URL); repeat for fallbacks, asked in turn.
    #[arg(long = "tsa", value_name = "URL")]
    tsas: Vec<String>,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// A progress bar on a terminal; nothing when output is piped.
pub fn progress_bar(total: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} ({eta})")
    {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar
}

pub fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let ledger = crate::ledgercmd::open(&args.ledger)?;
    // The explorer's pages, rendered in process (no server), for `data/render/`; the ledger
    // is held exclusively, so they show the size the bag is exported at.
    let state = api::AppState::configured(ledger, Vec::new(), true)
        .with_context(|| both("nạp các phép chiếu", "loading the projections"))?;
    let render = crate::servecmd::runtime()?
        .block_on(api::explorer::render::render(state.clone()))
        .map_err(|e| {
            anyhow::anyhow!(
                "{}: {e}",
                both(
                    "không dựng được các trang đọc được của hồ sơ",
                    "the bag's readable pages could not be rendered"
                )
            )
        })?;
    let bar = progress_bar(state.ledger.size(), "export");
    let summary = ledger::archive::export_with_render(
        &state.ledger,
        &args.out,
        &|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
        &render,
    )?;
    bar.finish_and_clear();
    // Closed, to report a failed flush, unless another holder (the feed) still has it.
    if let Some(ledger) = Arc::try_unwrap(state)
        .ok()
        .and_then(|s| Arc::try_unwrap(s.ledger).ok())
    {
        ledger.close()?;
    }
    if !args.tsas.is_empty() {
        let tsas = http_tsas(&args.tsas);
        ledger::evidence::seal(
            &summary.bag,
            &stampers(&tsas),
            ledger::timestamp::HashAlg::Sha256,
        )?;
    }
    if args.json {
        return crate::text::print_json(&summary);
    }
    crate::say!(
        "{}: {} ({} {}, {} {}, {} {})",
        both("Đã xuất hồ sơ lưu trữ", "archive bag written"),
        summary.bag.display(),
        summary.size,
        both("mục", "entries"),
        summary.files,
        both("tệp", "files"),
        summary.bytes,
        both("byte", "bytes")
    );
    crate::say!("{}: {}", both("gốc", "root"), summary.root);
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct ImportArgs {
    /// The archive bag to bring back.
    #[arg(long)]
    archive: PathBuf,
    /// Where to create the ledger (a new or empty directory).
    #[arg(long)]
    ledger: PathBuf,
    /// The log's verifier key from a source you trust; without it the bag is checked against
    /// the key it names itself, which proves only that it is consistent.
    #[arg(long)]
    log_key: Option<String>,
    /// The log's signing key file: with it the imported ledger can go on appending; without
    /// it, it is a read-only mirror.
    #[arg(long)]
    signing_key: Option<PathBuf>,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let named = std::fs::read(args.archive.join("data/ledger.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["log_key"].as_str().map(str::to_string));
    let (text, trusted) = match (&args.log_key, named) {
        (Some(k), _) => (k.clone(), true),
        (None, Some(k)) => (k, false),
        (None, None) => anyhow::bail!(
            "{}",
            both(
                &format!(
                    "{} không có data/ledger.json ghi khóa của sổ; hãy đưa --log-key",
                    args.archive.display()
                ),
                &format!(
                    "{} has no data/ledger.json naming its log key; pass --log-key",
                    args.archive.display()
                )
            )
        ),
    };
    let key = crate::text::log_key(&text)?;
    let signing = args
        .signing_key
        .as_deref()
        .map(ledger::keys::read)
        .transpose()?;
    let mirror = signing.is_none();
    let bar = progress_bar(named_size(&args.archive), "import");
    let result = ledger::archive::import(
        &args.archive,
        &args.ledger,
        &key,
        signing,
        ledger::Options::default(),
        &verify_progress(&bar),
    );
    bar.finish_and_clear();
    let (report, ledger) = result?;
    let size = ledger.size();
    let root = ledger.root();
    ledger.close()?;
    if args.json {
        return crate::text::print_json(&serde_json::json!({
            "ledger": args.ledger, "size": size, "root": root, "mirror": mirror,
            "trusted_key": trusted, "report": report,
        }));
    }
    if !trusted {
        eprintln!(
            "{}",
            both(
                "Cảnh báo: đã kiểm tra theo khóa do chính hồ sơ ghi; hãy dùng --log-key với khóa từ nguồn tin cậy",
                "warning: checked against the key the bag names itself; pass --log-key with a key you trust"
            )
        );
    }
    crate::say!(
        "{}: {} ({} {}, {} {}){}",
        both("Đã nhập sổ cái", "ledger imported"),
        args.ledger.display(),
        size,
        both("mục", "entries"),
        both("gốc", "root"),
        root,
        if mirror {
            format!(" — {}", both("bản sao chỉ đọc", "a read-only mirror"))
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// The size a bag's `data/ledger.json` names (0 if unreadable), for a progress bar.
pub fn named_size(bag: &std::path::Path) -> u64 {
    std::fs::read(bag.join("data/ledger.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["size"].as_u64())
        .unwrap_or(0)
}

/// Verification options that move `bar` as entries are read.
pub fn verify_progress(bar: &indicatif::ProgressBar) -> ledger::verify::integrity::VerifyOptions {
    let bar = bar.clone();
    ledger::verify::integrity::VerifyOptions {
        progress: Some(ledger::verify::integrity::Progress(std::sync::Arc::new(
            move |n| bar.set_position(n),
        ))),
        ..Default::default()
    }
}

fn http_tsas(urls: &[String]) -> Vec<api::timestamping::HttpTsa> {
    urls.iter()
        .map(|u| api::timestamping::HttpTsa::new(u))
        .collect()
}

fn stampers(tsas: &[api::timestamping::HttpTsa]) -> Vec<&dyn ledger::timestamp::Stamper> {
    tsas.iter()
        .map(|t| t as &dyn ledger::timestamp::Stamper)
        .collect()
}

#[derive(clap::Subcommand)]
pub enum ArchiveAction {
    /// Renew a bag's evidence record: a new timestamp on the last one (before its TSA's
    /// certificate expires), or with --hash a new hash tree (before the hash algorithm stops
    /// being trusted). Only data/evidence.ers and the tag files change.
    Renew(RenewArgs),
    /// Seal a bag that has no evidence record yet (as `export --tsa` does): a hash tree of its
    /// payload files with SHA-256, timestamped by the TSA.
    Seal {
        /// The archive bag.
        bag: PathBuf,
        /// The Time-Stamp Authority's URL (RFC 3161); repeat for fallbacks, asked in turn.
        #[arg(long = "tsa", required = true, value_name = "URL")]
        tsas: Vec<String>,
    },
}

#[derive(Args)]
pub struct RenewArgs {
    /// The archive bag.
    bag: PathBuf,
    /// The Time-Stamp Authority's URL (RFC 3161); repeat for fallbacks, asked in turn.
    #[arg(long = "tsa", required = true, value_name = "URL")]
    tsas: Vec<String>,
    /// A hash-tree renewal with this algorithm (no weaker than the record's): rehashes the
    /// payload and the record so far.
    #[arg(long, value_name = "ALGORITHM", value_parser = ["sha256", "sha384", "sha512", "sha3-256", "sha3-512"])]
    hash: Option<String>,
    /// The CA certificates (PEM) of the TSAs you trust: the record is checked before and
    /// after the renewal.
    #[arg(long, value_name = "FILE")]
    tsa_ca: PathBuf,
    /// The algorithm table to judge by (default: the algorithms.json shipped).
    #[arg(long, value_name = "FILE")]
    algorithms: Option<PathBuf>,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn archive(action: ArchiveAction) -> anyhow::Result<ExitCode> {
    match action {
        ArchiveAction::Renew(args) => renew(args),
        ArchiveAction::Seal { bag, tsas } => {
            if bag.join(ledger::evidence::FILE).exists() {
                anyhow::bail!(
                    "{}",
                    both(
                        &format!(
                            "{} đã có bản ghi chứng cứ: hãy gia hạn nó (archive renew)",
                            bag.display()
                        ),
                        &format!(
                            "{} already has an evidence record: renew it (archive renew)",
                            bag.display()
                        )
                    )
                );
            }
            let tsas = http_tsas(&tsas);
            ledger::evidence::seal(&bag, &stampers(&tsas), ledger::timestamp::HashAlg::Sha256)?;
            crate::say!(
                "{}: {}",
                both("Đã niêm phong", "sealed"),
                bag.join(ledger::evidence::FILE).display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The algorithm table of `--algorithms`, or the one shipped.
pub fn algorithms(path: Option<&std::path::Path>) -> anyhow::Result<ledger::timestamp::Algorithms> {
    Ok(match path {
        Some(p) => ledger::timestamp::Algorithms::read(p)?,
        None => ledger::timestamp::Algorithms::shipped(),
    })
}

pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn renew(args: RenewArgs) -> anyhow::Result<ExitCode> {
    let roots = ledger::timestamp::TsaRoots::read(&args.tsa_ca)?;
    let table = algorithms(args.algorithms.as_deref())?;
    let alg = args
        .hash
        .as_deref()
        .and_then(ledger::timestamp::HashAlg::from_name);
    let tsas = http_tsas(&args.tsas);
    let link =
        ledger::evidence::renew(&args.bag, &stampers(&tsas), alg, &roots, &table, now_unix())?;
    if args.json {
        return crate::text::print_json(&link);
    }
    crate::say!(
        "{}: {} {}, {} {}, {} {}, {} ({}), {}",
        both("Đã gia hạn bản ghi chứng cứ", "evidence record renewed"),
        both("chuỗi", "chain"),
        link.chain,
        both("dấu", "timestamp"),
        link.timestamp,
        link.kind,
        link.verified.algorithm,
        link.verified.time,
        link.verified.authority,
        ledger::evidence::FILE
    );
    Ok(ExitCode::SUCCESS)
}
