//! `timestamp`: RFC 3161 tokens on a ledger's latest checkpoint, offline (what `serve --tsa`
//! does in the background).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::text::both;

#[derive(Args)]
pub struct TimestampArgs {
    /// The ledger directory.
    #[arg(long)]
    ledger: PathBuf,
    /// A Time-Stamp Authority's URL (RFC 3161 over HTTP); repeat for several.
    #[arg(long = "tsa", required = true, value_name = "URL")]
    tsas: Vec<String>,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: TimestampArgs) -> anyhow::Result<ExitCode> {
    let ledger = crate::ledgercmd::open(&args.ledger)?;
    let note = ledger.sign_checkpoint()?;
    let size = note.checkpoint.size;
    let mut failed = Vec::new();
    let mut done = Vec::new();
    for url in &args.tsas {
        match ledger.timestamp(&note, &api::timestamping::HttpTsa::new(url)) {
            Ok(added) => done.push((url.clone(), added)),
            Err(e) => failed.push(e),
        }
    }
    ledger.close()?;
    if args.json {
        crate::text::print_json(&serde_json::json!({
            "size": size,
            "timestamped": done.iter().map(|(u, added)| serde_json::json!({"tsa": u, "new": added})).collect::<Vec<_>>(),
            "failed": failed,
        }))?;
    } else {
        for (url, added) in &done {
            crate::say!(
                "{} {size}: {url}{}",
                both(
                    "Đã đóng dấu thời gian điểm kiểm cỡ",
                    "checkpoint timestamped at size"
                ),
                if *added {
                    String::new()
                } else {
                    format!(" ({})", both("đã có từ trước", "already held"))
                }
            );
        }
        for e in &failed {
            eprintln!("{}: {}", both("lỗi", "error"), crate::text::render(e));
        }
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
