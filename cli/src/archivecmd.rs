//! `export`: the archive bag of a ledger (spec §5).

use std::path::PathBuf;
use std::process::ExitCode;

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
    let bar = progress_bar(ledger.size(), "export");
    let summary = ledger::archive::export(&ledger, &args.out, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    ledger.close()?;
    if args.json {
        return crate::text::print_json(&summary);
    }
    println!(
        "{}: {} ({} {}, {} {}, {} bytes)",
        both("Đã xuất hồ sơ lưu trữ", "archive bag written"),
        summary.bag.display(),
        summary.size,
        both("mục", "entries"),
        summary.files,
        both("tệp", "files"),
        summary.bytes
    );
    println!("root     {}", summary.root);
    Ok(ExitCode::SUCCESS)
}
