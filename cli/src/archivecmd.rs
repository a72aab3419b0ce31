//! `export`: the archive bag of a ledger (spec §5).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use crate::text::both;

#[derive(Args)]
pub struct ExportArgs {
    #[arg(long)]
    ledger: PathBuf,
    /// Where to write the bag (a new directory).
    #[arg(long)]
    out: PathBuf,
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
    if args.json {
        return crate::text::print_json(&summary);
    }
    crate::say!(
        "{}: {} ({} {}, {} {}, {} bytes)",
        both("Đã xuất hồ sơ lưu trữ", "archive bag written"),
        summary.bag.display(),
        summary.size,
        both("mục", "entries"),
        summary.files,
        both("tệp", "files"),
        summary.bytes
    );
    crate::say!("root     {}", summary.root);
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
            "{} has no data/ledger.json naming its log key; pass --log-key",
            args.archive.display()
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
        "{}: {} ({} {}, root {}){}",
        both("Đã nhập sổ cái", "ledger imported"),
        args.ledger.display(),
        size,
        both("mục", "entries"),
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
