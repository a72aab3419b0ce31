//! `verify`: the verification report, as text or JSON, with exit codes scripts can use:
//! 0 integrity and authority hold, 1 they do not, 2 bad usage or unreadable input.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use ledger::storage::StorageError;
use ledger::verify::integrity::VerifyOptions;
use ledger::verify::report::Report;
use ledger::{Ledger, OpenError, Options};

use crate::text::both;

#[derive(Args)]
pub struct VerifyArgs {
    #[arg(long)]
    ledger: PathBuf,
    /// Check every signature with strict single verification (slower; the normative answer
    /// in every corner case), instead of batches.
    #[arg(long)]
    strict: bool,
    #[arg(long)]
    json: bool,
}

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let ledger = match Ledger::open(&args.ledger, Options::default()) {
        Ok(l) => l,
        // A log too damaged to open has failed integrity: say where, and exit 1, not 2.
        Err(OpenError::Storage(e @ (StorageError::Corrupt { .. } | StorageError::Lost(_)))) => {
            if args.json {
                crate::text::print_json(&serde_json::json!({
                    "integrity": {"ok": false, "failure": {"kind": "storage", "detail": e.to_string()}},
                    "authority": {"ok": false},
                }))?;
            } else {
                println!(
                    "  {:<28} {}: {e}",
                    both("Toàn vẹn", "Integrity"),
                    both("KHÔNG ĐẠT", "FAILED")
                );
            }
            return Ok(ExitCode::from(1));
        }
        Err(e) => {
            return Err(
                anyhow::Error::new(e).context(format!("opening ledger {}", args.ledger.display()))
            )
        }
    };
    let integrity = ledger.verify(&VerifyOptions {
        strict_signatures: args.strict,
    })?;
    ledger.close()?;
    let report = Report::new(integrity);
    let code = if report.holds() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    if args.json {
        crate::text::print_json(&report)?;
        return Ok(code);
    }
    print_report(&report);
    Ok(code)
}

pub fn print_report(report: &Report) {
    let i = &report.integrity;
    println!(
        "{} {}",
        both("Sổ cái", "Ledger"),
        i.origin.as_deref().unwrap_or("?")
    );
    match &i.failure {
        None => println!(
            "  {:<28} {}: {} entries, {} streams, root {}",
            both("Toàn vẹn", "Integrity"),
            both("ĐẠT", "OK"),
            i.entries,
            i.streams,
            i.root
        ),
        Some(f) => println!(
            "  {:<28} {} tại mục {} / at entry {} ({}): {}",
            both("Toàn vẹn", "Integrity"),
            both("KHÔNG ĐẠT", "FAILED"),
            f.position,
            f.position,
            f.kind.label(),
            f.detail
        ),
    }
    let a = &report.authority;
    match (&a.failure, i.ok) {
        (None, true) => println!(
            "  {:<28} {}: every act signed by a body allowed to sign it",
            both("Thẩm quyền", "Authority"),
            both("ĐẠT", "OK")
        ),
        (Some(f), _) => println!(
            "  {:<28} {} tại mục {} / at entry {}: {}",
            both("Thẩm quyền", "Authority"),
            both("KHÔNG ĐẠT", "FAILED"),
            f.position,
            f.position,
            f.detail
        ),
        (None, false) => println!(
            "  {:<28} {}",
            both("Thẩm quyền", "Authority"),
            both(
                "chưa kiểm tra hết",
                "not checked past the integrity failure"
            )
        ),
    }
    let good = i.checkpoints.iter().filter(|c| c.ok).count();
    println!(
        "  {:<28} {good}/{} {}",
        both("Điểm kiểm", "Checkpoints"),
        i.checkpoints.len(),
        both("đã xác minh chữ ký và gốc", "signature and root verified")
    );
    for c in i.checkpoints.iter().filter(|c| !c.ok) {
        println!("    size {}: {}", c.size, c.detail);
    }
}
