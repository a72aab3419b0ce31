//! `demo`: builds the Hải Dương 2020 congress ledger from the library's scenario, verifies it,
//! proves one act's inclusion against the signed checkpoint, and prints the report.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use ledger::format::merkle;
use ledger::scenarios::hai_duong_2020;
use ledger::verify::integrity::VerifyOptions;
use ledger::verify::report::Report;
use ledger::Options;

use crate::text::both;

#[derive(Args)]
pub struct DemoArgs {
    /// Where to build the ledger (a new or empty directory); default: a temporary one,
    /// removed afterwards.
    #[arg(long)]
    ledger: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let temp = tempfile::tempdir().context("creating a temporary directory")?;
    let dir = args
        .ledger
        .clone()
        .unwrap_or_else(|| temp.path().join("hai-duong-2020"));
    let scenario = hai_duong_2020::build().context("building the scenario")?;
    let ledger = scenario.create_ledger(&dir, Options::default())?;
    let note = ledger.sign_checkpoint()?;
    let report = Report::new(ledger.verify(&VerifyOptions::default())?);

    // Count the acts, and find the secretary's election to prove its inclusion.
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    let mut secretary = None;
    ledger.scan(0, ledger.size(), &mut |position, bytes| {
        if let Ok(entry) = ledger::Entry::decode(bytes) {
            let body = entry.event.body();
            *kinds.entry(body.kind.clone()).or_default() += 1;
            if body.kind == "election.declared" && secretary.is_none() {
                let v: serde_json::Value =
                    serde_json::from_slice(&body.payload).unwrap_or_default();
                if v["election"] == "bt" {
                    secretary = Some((position, merkle::leaf_hash(bytes)));
                }
            }
        }
        true
    })?;
    let size = note.checkpoint.size;
    let proved = match secretary {
        Some((position, leaf)) => {
            let proof = ledger.inclusion_proof(position, size)??;
            merkle::verify_inclusion(&leaf, position, size, &proof, &note.checkpoint.root)
                .map(|()| (position, proof.len()))
                .ok()
        }
        None => None,
    };
    ledger.close()?;

    if args.json {
        crate::text::print_json(&serde_json::json!({
            "ledger": dir, "report": report, "checkpoint": note.encode(), "kinds": kinds,
            "inclusion_proof_of_secretary_election": proved.map(|(p, n)| serde_json::json!({"position": p, "hashes": n})),
        }))?;
    } else {
        println!(
            "{}",
            both(
                "Đại hội đại biểu Đảng bộ thành phố Hải Dương lần thứ XXIII (5–7/6/2020)",
                "Hải Dương city party congress XXIII (5–7 June 2020)"
            )
        );
        println!(
            "{}: {}\n",
            both("Thư mục sổ cái", "ledger directory"),
            dir.display()
        );
        crate::verifycmd::print_report(&report);
        println!("\n{}", both("Các hành vi đã ghi", "Acts recorded"));
        for (kind, n) in &kinds {
            println!("  {kind:<26} {n:>5}");
        }
        println!(
            "\n{}",
            both("Điểm kiểm đã ký (checkpoint)", "Signed checkpoint")
        );
        for line in note.encode().lines() {
            println!("  {line}");
        }
        if let Some((position, hashes)) = proved {
            println!("\n{}", both(
                &format!("Việc bầu Bí thư trực tiếp (mục {position}) có trong sổ cái: chứng minh {hashes} hash, khớp điểm kiểm"),
                &format!("The secretary's direct election (entry {position}) is in the record: its proof of {hashes} hashes checks against the checkpoint")));
        }
        if args.ledger.is_none() {
            println!(
                "\n{}",
                both(
                    "Thư mục tạm đã được xóa",
                    "the temporary directory was removed"
                )
            );
        }
    }
    Ok(if report.holds() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
