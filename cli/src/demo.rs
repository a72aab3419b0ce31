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
use ledger::Options;

use crate::text::both;

#[derive(Args)]
pub struct DemoArgs {
    /// Where to build the ledger (a new or empty directory); default: a temporary one,
    /// removed afterwards.
    #[arg(long)]
    ledger: Option<PathBuf>,
    /// Also write the demo bodies' signing keys here (a new directory: `authority.key`,
    /// `presidium.key`, `counting.key`, …), to go on appending acts to the demo ledger. They
    /// are derived from public labels: for trying the tool, never for a real record.
    #[arg(long)]
    keys_out: Option<PathBuf>,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let temp = tempfile::tempdir()
        .with_context(|| crate::text::both("tạo thư mục tạm", "creating a temporary directory"))?;
    let dir = args
        .ledger
        .clone()
        .unwrap_or_else(|| temp.path().join("hai-duong-2020"));
    if let Some(out) = &args.keys_out {
        write_keys(out)?;
    }
    let scenario = hai_duong_2020::build()
        .with_context(|| crate::text::both("dựng kịch bản", "building the scenario"))?;
    let ledger = scenario.create_ledger(&dir, Options::default())?;
    let note = ledger.sign_checkpoint()?;
    let (report, projections) =
        ledger::verify::ledger_with_projections(&ledger, &VerifyOptions::default())?;
    let projections = match projections {
        Some(p) => p,
        None => ledger::projections::Projections::rebuild(&ledger)?,
    };

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
        crate::say!(
            "{}",
            both(
                "Đại hội đại biểu Đảng bộ thành phố Hải Dương lần thứ XXIII (5–7/6/2020)",
                "Hải Dương city party congress XXIII (5–7 June 2020)"
            )
        );
        crate::say!(
            "{}: {}\n",
            both("Thư mục sổ cái", "ledger directory"),
            dir.display()
        );
        crate::verifycmd::print_report(&report);
        if let Some(c) = projections.congresses.get(hai_duong_2020::CONGRESS) {
            crate::say!();
            crate::reportcmd::print_congress(
                &ledger::projections::views::congress(c, &[]),
                &|_| None,
                false,
            );
        }
        crate::say!(
            "\n{}",
            both("Điểm kiểm đã ký (checkpoint)", "Signed checkpoint")
        );
        for line in note.encode().lines() {
            crate::say!("  {line}");
        }
        if let Some((position, hashes)) = proved {
            crate::say!("\n{}", both(
                &format!("Việc bầu Bí thư trực tiếp (mục {position}) có trong sổ cái: chứng minh {hashes} hash, khớp điểm kiểm"),
                &format!("The secretary's direct election (entry {position}) is in the record: its proof of {hashes} hashes checks against the checkpoint")));
        }
        print_other_scenarios(temp.path())?;
        if args.ledger.is_none() {
            crate::say!(
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

/// The other scenarios from the reports, and the irregular congress: one line each.
fn print_other_scenarios(dir: &std::path::Path) -> anyhow::Result<()> {
    use ledger::projections::views::vi_decimal;
    use ledger::projections::Projections;
    use ledger::scenarios::{irregular_2025, seasons_2020 as s};

    let build =
        |name: &str, scenario: ledger::scenarios::Scenario| -> anyhow::Result<Projections> {
            let ledger = scenario.create_ledger(&dir.join(name), Options::default())?;
            let p = Projections::rebuild(&ledger)?;
            ledger.close()?;
            Ok(p)
        };
    crate::say!(
        "\n{}",
        both(
            "Các kịch bản khác từ báo cáo",
            "Other scenarios from the reports"
        )
    );
    let p = build("nui-thanh", s::nui_thanh()?)?;
    if let Some(c) = p.congresses.get(s::NUI_THANH) {
        crate::say!(
            "  {}: {} {}",
            both(
                "Đại hội Đảng bộ huyện Núi Thành",
                "Núi Thành district congress"
            ),
            c.convened.value.convened,
            both("đại biểu chính thức", "official delegates")
        );
    }
    let p = build("lang-son", s::lang_son()?)?;
    let g = p.progress(s::LANG_SON_BLOC, Some("2020-2025"), Some("2020-05-19"));
    crate::say!(
        "  {}: {}/{} ({}%) {}, {} {}",
        both(
            "Đảng ủy Khối các cơ quan tỉnh Lạng Sơn",
            "Lạng Sơn agencies' bloc"
        ),
        g.held,
        g.units,
        vi_decimal(&g.held_percent),
        both(
            "đã tổ chức đại hội đến 19/5/2020",
            "held their congress by 19 May 2020"
        ),
        g.elected.committee_members,
        both(
            "cấp ủy viên được bầu (cộng từ các cuộc bầu)",
            "committee members elected (added up from the elections)"
        )
    );
    let p = build("phu-tho", s::phu_tho()?)?;
    let g = p.progress(s::PHU_THO, Some("2020-2025"), Some("2020-08-12"));
    crate::say!(
        "  {}: {}/{} {}",
        both("Tỉnh Phú Thọ", "Phú Thọ province"),
        g.held,
        g.units,
        both(
            "đảng bộ cấp trên cơ sở đã đại hội đến 12/8/2020",
            "upper-grassroots congresses held by 12 August 2020"
        )
    );
    let e = &g.elected;
    crate::say!(
        "    {} {}/{}; {} {}% ({}/{}); {} {}% ({}/{}); {} {}/{}",
        both("bí thư không là người địa phương", "secretaries not local"),
        e.secretaries_not_local.count,
        e.secretaries_not_local.of,
        both("cấp ủy viên trẻ", "young members"),
        vi_decimal(&e.young.percent),
        e.young.count,
        e.young.of,
        both("nữ", "women"),
        vi_decimal(&e.women.percent),
        e.women.count,
        e.women.of,
        both(
            "ban thường vụ có cán bộ nữ",
            "standing committees with a woman"
        ),
        e.standing_committees_with_a_woman.count,
        e.standing_committees_with_a_woman.of,
    );
    let p = build("irregular", irregular_2025::build()?)?;
    let findings = ledger::rules::check(&p, "qd190-2024").findings;
    let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    crate::say!(
        "  {}: {} {} ({})",
        both(
            "Đại hội minh họa có sai phạm (không có thật)",
            "An irregular congress (made up)"
        ),
        findings.len(),
        both("phát hiện", "findings"),
        rules.join(", ")
    );
    Ok(())
}

/// The demo bodies' keys, one file each (mode 0600), into a new directory.
fn write_keys(out: &std::path::Path) -> anyhow::Result<()> {
    if out.exists() {
        anyhow::bail!(
            "{}",
            crate::text::both(
                &format!(
                    "{} đã có; hãy chọn một thư mục mới cho các khóa",
                    out.display()
                ),
                &format!(
                    "{} already exists; choose a new directory for the keys",
                    out.display()
                )
            )
        );
    }
    std::fs::create_dir_all(out).with_context(|| crate::text::creating(out))?;
    let k = hai_duong_2020::keys();
    for (name, key) in [
        ("authority", &k.authority),
        ("superior", &k.superior),
        ("convener", &k.convener),
        ("presidium", &k.presidium),
        ("credentials", &k.credentials),
        ("counting", &k.counting),
        ("inspection", &k.inspection),
    ] {
        ledger::keys::write(&out.join(format!("{name}.key")), key)?;
    }
    Ok(())
}
