//! `verify`: the verification report, as text or JSON, with exit codes scripts can use:
//! 0 integrity and authority hold, 1 they do not, 2 bad usage or unreadable input.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use ledger::rulebook::Severity;
use ledger::storage::StorageError;
use ledger::verify::integrity::VerifyOptions;
use ledger::verify::report::Report;
use ledger::verify::witnessed::WitnessPolicy;
use ledger::{Ledger, OpenError, Options};

use crate::text::both;

#[derive(Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["ledger", "archive", "tiles"])))]
pub struct VerifyArgs {
    /// A live ledger directory.
    #[arg(
        long,
        required_unless_present_any = ["archive", "tiles"],
        conflicts_with_all = ["archive", "tiles"]
    )]
    ledger: Option<PathBuf>,
    /// A log published as tiles (`publish`): a directory, `s3://bucket/prefix` or an
    /// `http(s)://` address (a bucket's, or a server's `/tlog`); needs --log-key.
    #[arg(long, requires = "log_key", conflicts_with = "archive")]
    tiles: Option<String>,
    /// Where fetched tiles are kept (default: under ~/.cache/congress-ledger/tiles/).
    #[arg(long, requires = "tiles")]
    cache: Option<PathBuf>,
    /// An archive bag (from `export`); needs --log-key.
    #[arg(long, requires = "log_key")]
    archive: Option<PathBuf>,
    /// The CA certificates (PEM) of the Time-Stamp Authorities you trust: the bag's
    /// checkpoint tokens and evidence record are then checked and every link reported.
    #[arg(long, requires = "archive", value_name = "FILE")]
    tsa_ca: Option<PathBuf>,
    /// The hash-algorithm validity table to judge the evidence record by (default: the
    /// algorithms.json shipped, after ETSI TS 119 312).
    #[arg(long, requires = "tsa_ca", value_name = "FILE")]
    algorithms: Option<PathBuf>,
    /// The log's verifier key (`name+keyid+base64`), obtained from a source you trust, not
    /// from the bag.
    #[arg(long)]
    log_key: Option<String>,
    /// Check every signature with strict single verification (slower; the normative answer
    /// in every corner case), instead of batches.
    #[arg(long)]
    strict: bool,
    /// A trusted witness's key (`name+keyid+base64`); repeat for several. A checkpoint then
    /// counts only with --quorum of their cosignatures, and verification fails without one.
    #[arg(long = "witness")]
    witnesses: Vec<String>,
    /// How many of the witnesses must have cosigned (default: all given).
    #[arg(long, requires = "witnesses")]
    quorum: Option<usize>,
    /// Exit with 3 when a finding of this severity or worse exists.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FailOn {
    Violation,
    Warning,
}

/// The exit code for a report: 1 when integrity or authority fail, 3 when `fail_on` is met.
pub fn exit_code(report: &Report, fail_on: Option<FailOn>) -> ExitCode {
    if !report.holds() {
        return ExitCode::from(1);
    }
    let bar = match fail_on {
        Some(FailOn::Violation) => Severity::Violation,
        Some(FailOn::Warning) => Severity::Warning,
        None => return ExitCode::SUCCESS,
    };
    if report.worst().is_some_and(|w| w >= bar) {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

/// The witness policy of `--witness` and `--quorum`, if any witness was named.
pub fn witness_policy(
    witnesses: &[String],
    quorum: Option<usize>,
) -> anyhow::Result<Option<WitnessPolicy>> {
    if witnesses.is_empty() {
        return Ok(None);
    }
    Ok(Some(WitnessPolicy::parse(witnesses, quorum)?))
}

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let witness_policy = witness_policy(&args.witnesses, args.quorum)?;
    if let Some(bag) = &args.archive {
        let text = args.log_key.as_deref().unwrap_or_default();
        let key = crate::text::log_key(text)?;
        if !bag.is_dir() {
            anyhow::bail!(
                "{}",
                crate::text::both(
                    &format!(
                        "{} không phải thư mục; hãy đưa đường dẫn của một hồ sơ lưu trữ (bag)",
                        bag.display()
                    ),
                    &format!(
                        "{} is not a directory; give the path of an archive bag",
                        bag.display()
                    )
                )
            );
        }
        let bar = crate::archivecmd::progress_bar(crate::archivecmd::named_size(bag), "verify");
        let options = VerifyOptions {
            strict_signatures: args.strict,
            witness_policy: witness_policy.clone(),
            ..crate::archivecmd::verify_progress(&bar)
        };
        let archive = ledger::archive::verify(bag, &key, &options);
        bar.finish_and_clear();
        let mut archive = archive?;
        // A bag `export` wrote carries the explorer's pages; one without them is incomplete.
        if let Some(problem) = ledger::archive::render_missing(bag) {
            archive.bag.ok = false;
            archive.bag.problems.push(problem);
        }
        let long_term = match &args.tsa_ca {
            Some(ca) => Some(ledger::evidence::check_bag(
                bag,
                &ledger::timestamp::TsaRoots::read(ca)?,
                &crate::archivecmd::algorithms(args.algorithms.as_deref())?,
                crate::archivecmd::now_unix(),
            )),
            None => None,
        };
        let code = match &archive.report {
            _ if long_term.as_ref().is_some_and(|l| !l.ok) => ExitCode::from(1),
            Some(r) if archive.bag.ok => exit_code(r, args.fail_on),
            _ => ExitCode::from(1),
        };
        if args.json {
            let mut value = serde_json::to_value(&archive)?;
            value["long_term"] = serde_json::to_value(&long_term)?;
            crate::text::print_json(&value)?;
            return Ok(code);
        }
        crate::say!(
            "{} {}: {}",
            both("Hồ sơ lưu trữ", "Archive bag"),
            bag.display(),
            if archive.bag.ok {
                both("ĐẠT", "OK")
            } else {
                both("KHÔNG ĐẠT", "FAILED")
            }
        );
        for p in &archive.bag.problems {
            crate::say!("  {}", crate::text::render(p));
        }
        if let Some(r) = &archive.report {
            print_report(r);
        }
        match &long_term {
            Some(l) => print_long_term(l),
            None if bag.join("data/timestamps").exists()
                || bag.join(ledger::evidence::FILE).exists() =>
            {
                crate::say!(
                    "{}",
                    both(
                        "Dấu thời gian và bản ghi chứng cứ: chưa kiểm tra — hãy cho --tsa-ca với chứng thư CA của TSA mà bạn tin",
                        "Timestamps and evidence record: not checked — give --tsa-ca with the CA certificates of the TSAs you trust"
                    )
                );
            }
            None => {}
        }
        return Ok(code);
    }
    if let Some(url) = &args.tiles {
        let log = crate::tilescmd::open_tiles(
            url,
            args.cache.as_deref(),
            args.log_key.as_deref().unwrap_or_default(),
        )?;
        let bar =
            crate::archivecmd::progress_bar(ledger::storage::EntrySource::size(&log), "verify");
        let options = VerifyOptions {
            strict_signatures: args.strict,
            witness_policy,
            ..crate::archivecmd::verify_progress(&bar)
        };
        let report = ledger::tiles::read::verify(&log, &options);
        bar.finish_and_clear();
        let report = report?;
        let code = exit_code(&report, args.fail_on);
        if args.json {
            crate::text::print_json(&report)?;
        } else {
            crate::say!("{} {url}", both("Các ô (tlog-tiles)", "Tiles (tlog-tiles)"));
            print_report(&report);
        }
        return Ok(code);
    }
    let dir = args.ledger.clone().unwrap_or_default();
    let ledger = match Ledger::open(&dir, Options::default()) {
        Ok(l) => l,
        // A log too damaged to open has failed integrity: say where, and exit 1, not 2.
        Err(OpenError::Storage(e @ (StorageError::Corrupt { .. } | StorageError::Lost(_)))) => {
            if args.json {
                crate::text::print_json(&serde_json::json!({
                    "integrity": {"ok": false, "failure": {"kind": "storage", "detail": e.to_string()}},
                    "authority": {"ok": false},
                }))?;
            } else {
                crate::say!(
                    "  {:<28} {}: {e}",
                    both("Toàn vẹn", "Integrity"),
                    both("KHÔNG ĐẠT", "FAILED")
                );
            }
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(anyhow::Error::new(e).context(crate::text::opening_ledger(&dir))),
    };
    let pinned_log_key = match args.log_key.as_deref() {
        Some(text) => Some(crate::text::log_key(text)?),
        None => None,
    };
    let bar = crate::archivecmd::progress_bar(ledger.size(), "verify");
    let options = VerifyOptions {
        strict_signatures: args.strict,
        witness_policy,
        pinned_log_key,
        ..crate::archivecmd::verify_progress(&bar)
    };
    let report = ledger::verify::ledger(&ledger, &options);
    bar.finish_and_clear();
    let report = report?;
    ledger.close()?;
    let code = exit_code(&report, args.fail_on);
    if args.json {
        crate::text::print_json(&report)?;
        return Ok(code);
    }
    print_report(&report);
    Ok(code)
}

pub fn print_report(report: &Report) {
    let i = &report.integrity;
    crate::say!(
        "{} {}",
        both("Sổ cái", "Ledger"),
        i.origin.as_deref().unwrap_or("?")
    );
    match &i.failure {
        None => crate::say!(
            "  {:<28} {}: {} {}, {} {}, {} {}",
            both("Toàn vẹn", "Integrity"),
            both("ĐẠT", "OK"),
            i.entries,
            both("mục", "entries"),
            i.streams,
            both("luồng", "streams"),
            both("gốc", "root"),
            i.root
        ),
        Some(f) => crate::say!(
            "  {:<28} {} {} {} ({}): {}",
            both("Toàn vẹn", "Integrity"),
            both("KHÔNG ĐẠT", "FAILED"),
            both("tại mục", "at entry"),
            f.position,
            crate::text::render(&ledger::localized::failure_kind(f.kind)),
            crate::text::render(f)
        ),
    }
    let a = &report.authority;
    if !i.ok {
        crate::say!(
            "  {:<28} {}",
            both("Thẩm quyền", "Authority"),
            both(
                "chưa kiểm tra hết",
                "not checked past the integrity failure"
            )
        );
    } else if a.ok {
        crate::say!(
            "  {:<28} {}: {}",
            both("Thẩm quyền", "Authority"),
            both("ĐẠT", "OK"),
            both(
                "mọi hành vi do cơ quan được phép ký",
                "every act signed by a body allowed to sign it"
            )
        );
    } else {
        crate::say!(
            "  {:<28} {}: {} {}",
            both("Thẩm quyền", "Authority"),
            both("KHÔNG ĐẠT", "FAILED"),
            a.unauthorized_count,
            both(
                "hành vi do người không có thẩm quyền ký",
                "acts signed without authority"
            )
        );
        for f in &a.unauthorized {
            crate::say!(
                "    {} {}: {}",
                both("mục", "entry"),
                f.position,
                crate::text::render(f)
            );
        }
        crate::say!(
            "    {}",
            both(
                "Các hành vi này KHÔNG được tính vào bất kỳ số liệu hay phát hiện nào",
                "These acts are NOT counted in any figure or finding"
            )
        );
    }
    let good = i.checkpoints.iter().filter(|c| c.ok).count();
    crate::say!(
        "  {:<28} {good}/{} {}",
        both("Điểm kiểm", "Checkpoints"),
        i.checkpoints.len(),
        both("đã xác minh chữ ký và gốc", "signature and root verified")
    );
    for c in i.checkpoints.iter().filter(|c| !c.ok) {
        crate::say!(
            "    {} {}: {}",
            both("cỡ", "size"),
            c.size,
            both(&c.detail_vi, &c.detail)
        );
    }
    if let Some(w) = &report.witnesses {
        let verdict = if w.ok {
            format!(
                "{}: {} {}/{} ({}) — {}",
                both("ĐẠT", "OK"),
                both("đồng ký bởi", "cosigned by"),
                w.cosigned_by.len(),
                w.quorum,
                w.cosigned_by.join(", "),
                crate::text::render(&w.detail)
            )
        } else {
            format!(
                "{}: {}",
                both("KHÔNG ĐẠT", "FAILED"),
                crate::text::render(&w.detail)
            )
        };
        crate::say!("  {:<28} {verdict}", both("Nhân chứng", "Witnesses"));
    }
    print_findings(report);
}

pub fn print_findings(report: &Report) {
    let Some(findings) = &report.findings else {
        crate::say!(
            "  {:<28} {}",
            both("Thủ tục", "Procedure"),
            both(
                "không đánh giá (sổ cái không toàn vẹn)",
                "not assessed (integrity failed)"
            )
        );
        return;
    };
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    crate::say!(
        "  {:<28} {} {}, {} {}, {} {}",
        both("Thủ tục", "Procedure"),
        count(Severity::Violation),
        both("vi phạm", "violations"),
        count(Severity::Warning),
        both("lưu ý", "warnings"),
        count(Severity::Info),
        both("thông tin", "info")
    );
    print_finding_list(findings);
    for u in &report.unchecked {
        crate::say!("    {}: {}", u.stream, u.reason);
    }
}

/// Each finding: its rule, severity and citation, then its message in Vietnamese and English.
pub fn print_finding_list(findings: &[ledger::rulebook::Finding]) {
    print_finding_list_at(findings, &|_| None);
}

/// The same, each finding's acts named by their position in the log (what `locate` finds for
/// an event hash) and their short hash.
pub fn print_finding_list_at(
    findings: &[ledger::rulebook::Finding],
    locate: &dyn Fn(&str) -> Option<u64>,
) {
    for f in findings {
        crate::say!(
            "    [{}] {} ({}) — {}",
            f.rule,
            both(f.severity.vi(), f.severity.name()),
            f.stream,
            f.citation
        );
        if !f.events.is_empty() {
            let acts: Vec<String> = f
                .events
                .iter()
                .map(|h| {
                    let short = h.get(..8).unwrap_or(h);
                    match locate(h) {
                        Some(p) => format!("{} {p} ({short})", both("mục", "entry")),
                        None => short.to_string(),
                    }
                })
                .collect();
            crate::say!("        {}: {}", both("hành vi", "acts"), acts.join(", "));
        }
        // Each language on its own line; only the one chosen with --lang.
        let lang = crate::text::lang();
        if lang != ledger::messages::Lang::En {
            crate::say!("        {}", f.message_vi);
        }
        if lang != ledger::messages::Lang::Vi {
            crate::say!("        {}", f.message_en);
        }
    }
}

/// Every link of a bag's long-term proof: the checkpoint tokens, the evidence record's chain
/// and the earliest time proved; or which link failed and why.
fn print_long_term(l: &ledger::evidence::LongTermReport) {
    crate::say!(
        "{}: {}",
        both("Bằng chứng dài hạn", "Long-term proof"),
        if l.ok {
            both("ĐẠT", "OK")
        } else {
            both("KHÔNG ĐẠT", "FAILED")
        }
    );
    for t in &l.timestamps {
        crate::say!(
            "  {} ({} {}): {} {}, {} {}",
            t.file,
            both("điểm kiểm cỡ", "checkpoint of size"),
            t.size,
            both("lúc", "at"),
            t.verified.time,
            both("bởi", "by"),
            t.verified.authority
        );
    }
    if let Some(e) = &l.evidence {
        for link in &e.links {
            crate::say!(
                "  {} {} {} {}: {}, {}, {} {}, {} {}",
                ledger::evidence::FILE,
                both("chuỗi", "chain"),
                link.chain,
                link.timestamp,
                link.kind,
                link.verified.algorithm,
                both("lúc", "at"),
                link.verified.time,
                both("bởi", "by"),
                link.verified.authority
            );
        }
        crate::say!(
            "  {}: {}",
            both("Thời điểm sớm nhất được chứng minh", "Earliest time proved"),
            e.earliest
        );
    }
    for f in &l.failures {
        crate::say!("  {}", crate::text::render(f));
    }
}
