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
#[command(group(clap::ArgGroup::new("source").required(true).args(["ledger", "archive", "server"])))]
pub struct ReportArgs {
    /// A live ledger directory.
    #[arg(long)]
    ledger: Option<PathBuf>,
    /// An archive bag (from `export`): verified against --log-key, then reported on.
    #[arg(long, requires = "log_key")]
    archive: Option<PathBuf>,
    /// A server (`http://127.0.0.1:8080`): its log is mirrored and verified against --log-key
    /// (as `monitor --once` does), then reported on; the server need not be trusted.
    #[arg(long, requires = "log_key")]
    server: Option<String>,
    /// The log's verifier key, from a source you trust, for --archive and --server.
    #[arg(long)]
    log_key: Option<String>,
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
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    if let Some(d) = &args.as_of {
        if ledger::calendar::parse_date(d).is_none() {
            anyhow::bail!(
                "{}",
                both(
                    &format!(
                        "--as-of `{d}` không phải ngày; hãy viết YYYY-MM-DD, ví dụ 2020-05-19"
                    ),
                    &format!("--as-of `{d}` is not a date; write YYYY-MM-DD, e.g. 2020-05-19")
                )
            );
        }
    }
    // A bag or a server is first brought here as a verified, read-only mirror; the report is
    // then made from it exactly as from a ledger directory.
    let scratch = tempfile::tempdir()?;
    let dir = match (&args.ledger, &args.archive, &args.server) {
        (Some(dir), _, _) => dir.clone(),
        (None, Some(bag), _) => {
            let key = log_key(&args)?;
            let mirror = scratch.path().join("mirror");
            ledger::archive::import(
                bag,
                &mirror,
                &key,
                None,
                ledger::Options::default(),
                &ledger::verify::integrity::VerifyOptions::default(),
            )?
            .1
            .close()?;
            mirror
        }
        (None, None, server) => {
            let mirror = scratch.path().join("mirror");
            let monitor = crate::monitorcmd::MonitorArgs::mirror_once(
                server.clone().unwrap_or_default(),
                args.log_key.clone().unwrap_or_default(),
                mirror.clone(),
            );
            if crate::monitorcmd::run(monitor)? != ExitCode::SUCCESS {
                anyhow::bail!(
                    "{}",
                    both(
                        "bản sao từ máy chủ không kiểm tra được (xem trên): không lập báo cáo",
                        "the server's log did not verify (see above): no report is made"
                    )
                );
            }
            mirror
        }
    };
    let ledger = crate::ledgercmd::open(&dir)?;
    // A report rests on the verified record: the projections folded while verifying, in which
    // an act signed without authority counts for nothing.
    let (verified, projections) = ledger::verify::ledger_with_projections(
        &ledger,
        &ledger::verify::integrity::VerifyOptions::default(),
    )?;
    let Some(p) = projections else {
        crate::verifycmd::print_report(&verified);
        anyhow::bail!(
            "{}",
            both(
                "sổ cái không toàn vẹn: không lập báo cáo trên một bản ghi đã bị thay đổi",
                "the ledger's integrity fails: no report is made on a record that was changed"
            )
        );
    };
    let registry = ledger.registry()?;
    let roots = views::inspected_roots(&p, |size| ledger.root_at(size).map(Result::ok))?;
    let findings = verified.findings.clone().unwrap_or_default();
    let today = args
        .as_of
        .clone()
        .unwrap_or_else(|| ledger::calendar::date_of(ledger::engine::now_ms()));

    if let Some(org) = &args.org {
        let progress = p.progress(org, args.term.as_deref(), args.as_of.as_deref());
        if progress.units == 0 && !p.orgs.contains_key(org) {
            anyhow::bail!(
                "{}",
                both(
                    &format!("sổ cái này không có tổ chức `{org}` (xem danh sách bằng `report`)"),
                    &format!("no organization `{org}` in this ledger (see `report` for the list)")
                )
            );
        }
        if args.json {
            return crate::text::print_json(&progress);
        }
        crate::say!(
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
        let e = &progress.elected;
        crate::say!(
            "  {}: {}; {} {}/{} ({}%); {} {}/{} ({}%); {} {}/{}{}; {} {}/{}",
            both("Cấp ủy viên được bầu", "Committee members elected"),
            e.committee_members,
            both("nữ", "women"),
            e.women.count,
            e.women.of,
            vi_decimal(&e.women.percent),
            both("trẻ", "young"),
            e.young.count,
            e.young.of,
            vi_decimal(&e.young.percent),
            both("bí thư không là người địa phương", "secretaries not local"),
            e.secretaries_not_local.count,
            e.secretaries_not_local.of,
            if e.secretaries_locality_unknown > 0 {
                format!(
                    " ({} {})",
                    e.secretaries_locality_unknown,
                    both("chưa ghi nhận", "not recorded")
                )
            } else {
                String::new()
            },
            both(
                "ban thường vụ có cán bộ nữ",
                "standing committees with a woman"
            ),
            e.standing_committees_with_a_woman.count,
            e.standing_committees_with_a_woman.of,
        );
        if !progress.pending.is_empty() {
            crate::say!(
                "  {}: {}",
                both("Chưa tổ chức", "Not yet held"),
                progress.pending.join(", ")
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Where each act a finding names is in the log.
    let locate = |hex: &str| {
        let hash: ledger::Hash = hex.parse().ok()?;
        ledger
            .entry_by_hash(&hash)
            .ok()
            .flatten()
            .map(|e| e.position)
    };
    match args.stream.as_deref() {
        Some(s) if s.starts_with("congress/") => {
            let Some(c) = p.congresses.get(s) else {
                anyhow::bail!(
                    "{}",
                    both(
                        &format!("sổ cái này không có đại hội `{s}` (xem danh sách bằng `report`)"),
                        &format!("no congress `{s}` in this ledger (see `report` for the list)")
                    )
                );
            };
            let mut view = views::congress(c, &findings);
            view.check_roots(&roots);
            let corrections = p.corrections.get(s).map(Vec::as_slice).unwrap_or(&[]);
            if args.json {
                let mut json = serde_json::to_value(&view)?;
                if let Some(map) = json.as_object_mut() {
                    map.insert("corrections".into(), serde_json::to_value(corrections)?);
                }
                return crate::text::print_json(&json);
            }
            print_congress(&view, &locate, true);
            print_corrections(&ledger, &registry, corrections)?;
        }
        Some(s) if s.starts_with("complaint/") => {
            let rows: Vec<_> = views::register(&p, &today, None)
                .into_iter()
                .filter(|r| r.stream == s)
                .collect();
            if rows.is_empty() {
                anyhow::bail!(
                    "{}",
                    both(
                        &format!("sổ cái này không có vụ việc `{s}`"),
                        &format!("no complaint case `{s}` in this ledger")
                    )
                );
            }
            let case_findings: Vec<&Finding> = findings.iter().filter(|f| f.stream == s).collect();
            if args.json {
                return crate::text::print_json(
                    &serde_json::json!({"case": rows[0], "findings": case_findings}),
                );
            }
            print_register(&rows);
            print_corrections(
                &ledger,
                &registry,
                p.corrections.get(s).map(Vec::as_slice).unwrap_or(&[]),
            )?;
            crate::verifycmd::print_finding_list_at(
                &case_findings.into_iter().cloned().collect::<Vec<_>>(),
                &locate,
            );
        }
        Some(other) => anyhow::bail!(
            "{}",
            both(
                &format!("`{other}` không phải luồng đại hội hay luồng vụ việc"),
                &format!("`{other}` is not a congress or complaint stream")
            )
        ),
        None => {
            let register = views::register(&p, &today, args.state.as_deref());
            let congresses: Vec<CongressView> = p
                .congresses
                .values()
                .map(|c| {
                    let mut view = views::congress(c, &findings);
                    view.check_roots(&roots);
                    view
                })
                .collect();
            if args.json {
                return crate::text::print_json(&serde_json::json!({
                    "congresses": congresses, "complaints": register, "findings": findings,
                    "orgs": p.orgs.keys().collect::<Vec<_>>(),
                    "corrections": p.corrections,
                    "not_counted": p.ignored,
                }));
            }
            for c in &congresses {
                print_congress(c, &locate, true);
                print_corrections(
                    &ledger,
                    &registry,
                    p.corrections
                        .get(&c.stream)
                        .map(Vec::as_slice)
                        .unwrap_or(&[]),
                )?;
                crate::say!();
            }
            print_register(&register);
            print_not_counted(&p);
            let other: Vec<Finding> = findings
                .into_iter()
                .filter(|f| !f.stream.starts_with("congress/"))
                .collect();
            crate::verifycmd::print_finding_list_at(&other, &locate);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every correction of a stream: "đã đính chính / corrected", by whom, when, why, and the
/// original beside its replacement.
fn print_corrections(
    ledger: &ledger::Ledger,
    registry: &ledger::authority::Registry,
    corrections: &[ledger::projections::Correction],
) -> anyhow::Result<()> {
    for c in corrections {
        let by = hex::decode(&c.signer)
            .ok()
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .and_then(|k| registry.holder(&k).map(str::to_string))
            .unwrap_or_else(|| c.signer.clone());
        crate::say!(
            "  {} — {} `{}` {} {}, {} {} ({} {}, {}): {}",
            both("ĐÃ ĐÍNH CHÍNH", "CORRECTED"),
            both("hành vi", "act"),
            c.kind,
            &c.corrected.to_hex()[..12],
            both("bởi", "by"),
            by,
            both("ngày", "on"),
            both("mục", "entry"),
            c.position,
            &c.correction.to_hex()[..12],
            c.reason
        );
        let original = ledger
            .entry_by_hash(&c.corrected)?
            .map(|e| String::from_utf8_lossy(&e.event.body().payload).into_owned())
            .unwrap_or_default();
        crate::say!("    {}: {original}", both("bản gốc", "original"));
        crate::say!(
            "    {}: {}",
            both("thay bằng", "replaced by"),
            c.replacement
        );
    }
    Ok(())
}

/// Acts that count for nothing: signed by a key not allowed to sign them.
fn print_not_counted(p: &Projections) {
    if p.ignored_count == 0 {
        return;
    }
    crate::say!(
        "{} ({}):",
        both(
            "Hành vi KHÔNG được tính (người ký không có thẩm quyền)",
            "Acts NOT counted (signed without authority)"
        ),
        p.ignored_count
    );
    for i in &p.ignored {
        crate::say!(
            "  {} {} ({}): {}",
            both("mục", "entry"),
            i.position,
            &i.event[..12.min(i.event.len())],
            crate::text::render(&i.why)
        );
    }
}

/// A congress as text; with `tallies`, every round's candidates by name, votes, share of the
/// base and whether elected (the report), without (the demo's summary).
pub fn print_congress(v: &CongressView, locate: &dyn Fn(&str) -> Option<u64>, tallies: bool) {
    crate::say!(
        "{} {} {}, {} → {}, {}: {}, {}: {}",
        both("Đại hội", "Congress"),
        v.stream,
        v.number.as_deref().unwrap_or(""),
        v.opens,
        v.closes,
        both("trạng thái", "state"),
        crate::text::render(&v.state),
        both("quy chế", "rulebook"),
        v.rulebook
    );
    if let Some(a) = &v.attendance {
        crate::say!(
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
        crate::say!(
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
        crate::say!("  {body} ({}): {}", b.members.len(), names.join(", "));
    }
    let c = &v.composition;
    if c.committee_size > 0 {
        crate::say!(
            "  {}: {}{}",
            both("Ban Chấp hành", "Committee"),
            c.committee_size,
            if c.elected_in_one_round {
                format!(", {}", both("bầu một lần đủ", "elected in one round"))
            } else {
                String::new()
            }
        );
        crate::say!(
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
        crate::say!(
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
        crate::say!(
            "  {}: {}",
            both("Đoàn đại biểu dự đại hội cấp trên", "Delegation"),
            both(
                &format!("{officials} chính thức + {alternates} dự khuyết"),
                &format!("{officials} official + {alternates} alternates")
            )
        );
    }
    for r in &v.rounds {
        let elected = r.tallies.iter().filter(|t| t.elected).count();
        crate::say!(
            "  {} {} ({}), {} {}: {} {}, {} {}, {} {}",
            both("Cuộc bầu", "Election"),
            r.election,
            r.body,
            both("vòng", "round"),
            r.round,
            r.seats,
            both("chỗ", if r.seats == 1 { "seat" } else { "seats" }),
            r.candidates,
            both(
                "ứng cử viên",
                if r.candidates == 1 {
                    "candidate"
                } else {
                    "candidates"
                }
            ),
            elected,
            both("trúng cử", "elected"),
        );
        // Each candidate by name: votes, share of the base, elected or not.
        for t in r.tallies.iter().filter(|_| tallies) {
            crate::say!(
                "    {}: {} {} ({}% / {}), {}",
                t.name.as_deref().unwrap_or(&t.person),
                t.votes,
                both("phiếu", "votes"),
                vi_decimal(&t.of_base.percent_1dp()),
                t.of_base.of,
                if t.elected {
                    both("trúng cử", "elected")
                } else {
                    both("không trúng cử", "not elected")
                }
            );
        }
    }
    print_inspections(&v.inspections);
    for n in &v.not_members {
        let why = match n.why.as_str() {
            "refused" => both("không được chuẩn y", "refused approval"),
            _ => both(
                "đã công bố nhưng không trúng cử hợp lệ",
                "declared, not validly elected",
            ),
        };
        crate::say!(
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
    crate::verifycmd::print_finding_list_at(&v.findings, locate);
}

/// The first 12 hex digits of a hash, as a reader matches it against a finding's acts.
fn short(hex: &str) -> &str {
    hex.get(..12).unwrap_or(hex)
}

/// The inspection commission's conclusions: the checkpoint inspected, and each finding decided.
fn print_inspections(inspections: &[views::InspectionView]) {
    for i in inspections {
        let c = &i.conclusion.checkpoint;
        crate::say!(
            "  {} ({}), {} {} / {}: {}",
            both("Kết luận kiểm tra", "Inspection conclusion"),
            ledger::calendar::date_of(i.time),
            both("điểm kiểm tra", "checkpoint"),
            c.size,
            short(&c.root),
            match i.root_matches {
                Some(true) => both("gốc khớp với sổ cái", "root matches the log"),
                Some(false) => both("GỐC KHÔNG KHỚP với sổ cái", "root DOES NOT match the log"),
                None => both("chưa đối chiếu gốc", "root not checked"),
            }
        );
        crate::say!("    {}", i.conclusion.summary);
        for d in &i.conclusion.findings {
            let decision = match d.decision.as_str() {
                "accepted" => both("chấp nhận", "accepted"),
                _ => both("bác bỏ", "dismissed"),
            };
            let events: Vec<&str> = d.events.iter().map(|e| short(e)).collect();
            crate::say!(
                "    {} {} [{}]: {}",
                d.rule,
                decision,
                events.join(", "),
                d.reason
            );
        }
    }
}

fn print_register(rows: &[views::CaseRow]) {
    crate::say!(
        "{} ({})",
        both("Sổ theo dõi đơn thư", "Complaint register"),
        rows.len()
    );
    for r in rows {
        crate::say!(
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

/// The trusted log key of --log-key.
fn log_key(args: &ReportArgs) -> anyhow::Result<ledger::VerifierKey> {
    crate::text::log_key(args.log_key.as_deref().unwrap_or_default())
}
