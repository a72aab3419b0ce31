//! `report`: projections and findings — a congress, the complaint register, progress under an
//! organization, or an overview of them all.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use ledger::projections::views::{self, vi_decimal, CongressView};
use ledger::projections::Projections;
use ledger::rulebook::Finding;

use crate::text::both;

#[derive(Args)]
pub struct ReportArgs {
    #[arg(long)]
    ledger: PathBuf,
    /// One stream: `congress/<org>/<term>` or `complaint/<case>`.
    #[arg(long)]
    stream: Option<String>,
    /// Progress of the units directly under this organization.
    #[arg(long)]
    org: Option<String>,
    /// With --org: only congresses of this term (e.g. 2020-2025).
    #[arg(long)]
    term: Option<String>,
    /// Dates are judged as of the end of this day (YYYY-MM-DD); default: today.
    #[arg(long)]
    as_of: Option<String>,
    /// With the register: only cases in this state (open, received, assigned, dismissed,
    /// concluded, reopened).
    #[arg(long)]
    state: Option<String>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    if let Some(d) = &args.as_of {
        if ledger::calendar::parse_date(d).is_none() {
            anyhow::bail!("--as-of `{d}` is not a date; write YYYY-MM-DD, e.g. 2020-05-19");
        }
    }
    let ledger = crate::ledgercmd::open(&args.ledger)?;
    let p = Projections::load(&ledger)?;
    p.save(&ledger)?;
    let default_rulebook = ledger.registry()?.genesis_payload().rulebook.clone();
    ledger.close()?;
    let findings = ledger::rules::check(&p, &default_rulebook).findings;
    let today = args
        .as_of
        .clone()
        .unwrap_or_else(|| ledger::calendar::date_of(ledger::engine::now_ms()));

    if let Some(org) = &args.org {
        let progress = p.progress(org, args.term.as_deref(), args.as_of.as_deref());
        if progress.units == 0 && !p.orgs.contains_key(org) {
            anyhow::bail!("no organization `{org}` in this ledger (see `report` for the list)");
        }
        if args.json {
            return crate::text::print_json(&progress);
        }
        println!(
            "{} {org}: {}/{} ({}%) {}; {} {}; {} {}",
            both("Tiến độ", "Progress"),
            progress.held,
            progress.units,
            vi_decimal(&progress.held_percent),
            both("đã tổ chức đại hội", "have held their congress"),
            progress.closed,
            both("đã bế mạc", "closed"),
            progress.approved,
            both("đã được chuẩn y", "approved"),
        );
        if !progress.pending.is_empty() {
            println!(
                "  {}: {}",
                both("Chưa tổ chức", "Not yet held"),
                progress.pending.join(", ")
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    match args.stream.as_deref() {
        Some(s) if s.starts_with("congress/") => {
            let Some(c) = p.congresses.get(s) else {
                anyhow::bail!("no congress `{s}` in this ledger (see `report` for the list)");
            };
            let view = views::congress(c, &findings);
            if args.json {
                return crate::text::print_json(&view);
            }
            print_congress(&view);
        }
        Some(s) if s.starts_with("complaint/") => {
            let rows: Vec<_> = views::register(&p, &today, None)
                .into_iter()
                .filter(|r| r.stream == s)
                .collect();
            if rows.is_empty() {
                anyhow::bail!("no complaint case `{s}` in this ledger");
            }
            let case_findings: Vec<&Finding> = findings.iter().filter(|f| f.stream == s).collect();
            if args.json {
                return crate::text::print_json(
                    &serde_json::json!({"case": rows[0], "findings": case_findings}),
                );
            }
            print_register(&rows);
            crate::verifycmd::print_finding_list(
                &case_findings.into_iter().cloned().collect::<Vec<_>>(),
            );
        }
        Some(other) => anyhow::bail!("`{other}` is not a congress or complaint stream"),
        None => {
            let register = views::register(&p, &today, args.state.as_deref());
            let congresses: Vec<CongressView> = p
                .congresses
                .values()
                .map(|c| views::congress(c, &findings))
                .collect();
            if args.json {
                return crate::text::print_json(&serde_json::json!({
                    "congresses": congresses, "complaints": register, "findings": findings,
                    "orgs": p.orgs.keys().collect::<Vec<_>>(),
                }));
            }
            for c in &congresses {
                print_congress(c);
                println!();
            }
            print_register(&register);
            let other: Vec<Finding> = findings
                .into_iter()
                .filter(|f| !f.stream.starts_with("congress/"))
                .collect();
            crate::verifycmd::print_finding_list(&other);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn print_congress(v: &CongressView) {
    println!(
        "{} {} {}, {} → {}, {}: {}, {}: {}",
        both("Đại hội", "Congress"),
        v.stream,
        v.number.as_deref().unwrap_or(""),
        v.opens,
        v.closes,
        both("trạng thái", "state"),
        v.state.words(),
        both("quy chế", "rulebook"),
        v.rulebook
    );
    if let Some(a) = &v.attendance {
        println!(
            "  {}: {}/{} ({}%){}",
            both("Có mặt", "Present"),
            a.count,
            a.of,
            vi_decimal(&a.percent),
            match v.quorum_met {
                Some(true) => format!(", {}", both("đủ túc số", "quorum met")),
                Some(false) => format!(", {}", both("KHÔNG đủ túc số", "NO quorum")),
                None => String::new(),
            }
        );
    }
    if let Some(base) = v.base {
        println!(
            "  {}: {base}",
            both("Cơ sở tính trúng cử", "Threshold base")
        );
    }
    for b in &v.bodies {
        let names: Vec<String> = b
            .members
            .iter()
            .map(|m| m.name.clone().unwrap_or_else(|| m.person.clone()))
            .collect();
        let body = match b.subject.as_str() {
            "presidium" => both("Đoàn Chủ tịch", "presidium"),
            "secretariat" => both("Đoàn Thư ký", "secretariat"),
            "credentials_committee" => {
                both("Ban Thẩm tra tư cách đại biểu", "credentials committee")
            }
            "counting_committee" => both("Ban Kiểm phiếu", "counting committee"),
            other => other.to_string(),
        };
        println!("  {body} ({}): {}", b.members.len(), names.join(", "));
    }
    let c = &v.composition;
    if c.committee_size > 0 {
        println!(
            "  {}: {}{}",
            both("Ban Chấp hành", "Committee"),
            c.committee_size,
            if c.elected_in_one_round {
                format!(", {}", both("bầu một lần đủ", "elected in one round"))
            } else {
                String::new()
            }
        );
        println!(
            "    {} {}/{}; {} {}/{} ({}%); {} {}/{} ({}%)",
            both("tái cử", "incumbents re-elected"),
            c.incumbents_reelected.count,
            c.incumbents_reelected.of,
            both("nữ", "women"),
            c.women.count,
            c.women.of,
            vi_decimal(&c.women.percent_1dp()),
            both("trẻ", "young"),
            c.young.count,
            c.young.of,
            vi_decimal(&c.young.percent_1dp()),
        );
    }
    if let Some(s) = &c.secretary {
        println!(
            "  {}: {}, {} {} ({}% / {})",
            both("Bí thư", "Secretary"),
            s.name.as_deref().unwrap_or(&s.person),
            s.votes,
            both("phiếu", "votes"),
            vi_decimal(&s.of_base.percent_1dp()),
            s.of_base.of
        );
    }
    if let Some((officials, alternates)) = c.delegation {
        println!(
            "  {}: {officials} + {alternates}",
            both("Đoàn đại biểu dự đại hội cấp trên", "Delegation")
        );
    }
    for r in &v.rounds {
        let elected = r.tallies.iter().filter(|t| t.elected).count();
        println!(
            "  {} {} ({}), {} {}: {} {}, {} {}, {} {}",
            both("Cuộc bầu", "Election"),
            r.election,
            r.body,
            both("vòng", "round"),
            r.round,
            r.seats,
            both("chỗ", "seats"),
            r.candidates,
            both("ứng cử viên", "candidates"),
            elected,
            both("trúng cử", "elected"),
        );
    }
    for n in &v.not_members {
        let why = match n.why.as_str() {
            "refused" => both("không được chuẩn y", "refused approval"),
            _ => both(
                "đã công bố nhưng không trúng cử hợp lệ",
                "declared, not validly elected",
            ),
        };
        println!(
            "  {} ({}), {} {} {}: {why}{} ({} {}, {} {})",
            n.name.as_deref().unwrap_or(&n.person),
            n.person,
            n.election,
            both("vòng", "round"),
            n.round,
            n.reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default(),
            n.votes,
            both("phiếu", "votes"),
            both("cơ sở", "base"),
            n.base.map_or_else(|| "—".to_string(), |b| b.to_string()),
        );
    }
    crate::verifycmd::print_finding_list(&v.findings);
}

fn print_register(rows: &[views::CaseRow]) {
    println!(
        "{} ({})",
        both("Sổ theo dõi đơn thư", "Complaint register"),
        rows.len()
    );
    for r in rows {
        println!(
            "  {} {} {} {}: {}{}{}",
            r.case,
            r.kind,
            r.received,
            r.state,
            r.handler.as_deref().unwrap_or("—"),
            r.due
                .as_ref()
                .map(|d| format!(", {} {d}", both("hạn", "due")))
                .unwrap_or_default(),
            if r.overdue {
                format!(" — {}", both("QUÁ HẠN", "OVERDUE"))
            } else {
                String::new()
            }
        );
    }
}
