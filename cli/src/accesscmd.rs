//! `access`: reader tokens (grant, revoke, list) and the access log of confidential reads.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use ledger::access::log::{AccessLog, AccessRecord};
use ledger::access::tokens::Readers;
use ledger::access::Role;

use crate::text::{both, print_json};

#[derive(Subcommand)]
pub enum AccessAction {
    /// Grant a reader token: printed once, stored only as its hash beside the ledger. Roles:
    /// member (reads the log), registrar (also deposits confidential values and letters),
    /// inspection (also reads them, and the access log).
    Grant {
        /// The ledger directory.
        #[arg(long)]
        ledger: PathBuf,
        /// Who holds it: `Ủy ban Kiểm tra Tỉnh ủy`, a person, a service.
        #[arg(long)]
        holder: String,
        /// The reader token's role.
        #[arg(long, value_parser = ["member", "registrar", "inspection"])]
        role: String,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a grant by its id: its token stops working at once, on a running server too.
    Revoke {
        /// The ledger directory.
        #[arg(long)]
        ledger: PathBuf,
        /// The id of the grant to revoke (as `access list` prints it).
        id: String,
    },
    /// Every grant, revoked ones included (never the tokens).
    List {
        /// The ledger directory.
        #[arg(long)]
        ledger: PathBuf,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Verify the access log's chain and list every confidential read (who, when, which
    /// case and act, why). Exit 1 if the chain is broken.
    Log {
        /// The ledger directory (the file beside it).
        #[arg(long, required_unless_present = "server", conflicts_with = "server")]
        ledger: Option<PathBuf>,
        /// Or ask this server (with the commission's --token), checking its answer here.
        #[arg(long)]
        server: Option<String>,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn check_dir(ledger: &std::path::Path) -> anyhow::Result<()> {
    if !ledger.join("log").is_dir() {
        anyhow::bail!(
            "{}",
            crate::text::both(
                &format!(
                    "{} không phải thư mục sổ cái (không có log/): hãy đưa thư mục mà `init` hay `demo` đã tạo",
                    ledger.display()
                ),
                &format!(
                    "{} is not a ledger directory (no log/): give the directory `init` or `demo` created",
                    ledger.display()
                )
            )
        );
    }
    Ok(())
}

pub fn run(action: AccessAction) -> anyhow::Result<ExitCode> {
    match action {
        AccessAction::Grant {
            ledger,
            holder,
            role,
            json,
        } => {
            check_dir(&ledger)?;
            let role = Role::parse(&role).with_context(|| {
                crate::text::both(
                    &format!("không có vai trò `{role}`; xem `congress-ledger roles`"),
                    &format!("unknown role `{role}`; see `congress-ledger roles`"),
                )
            })?;
            let (grant, token) = Readers::beside(&ledger).grant(&holder, role)?;
            if json {
                return print_json(&serde_json::json!({"grant": grant, "token": token}));
            }
            crate::say!("{token}");
            eprintln!(
                "{}",
                both(
                    &format!("Đã cấp mã đọc {} ({}) cho {}. Mã chỉ hiện một lần: hãy trao tận tay người giữ.", grant.id, role.name(), grant.holder),
                    &format!("Granted reader token {} ({}) to {}. It is shown only once: hand it to its holder.", grant.id, role.name(), grant.holder),
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        AccessAction::Revoke { ledger, id } => {
            check_dir(&ledger)?;
            let g = Readers::beside(&ledger).revoke(&id)?;
            crate::say!(
                "{}",
                both(
                    &format!("Đã thu hồi {} ({}).", g.id, g.holder),
                    &format!("Revoked {} ({}).", g.id, g.holder),
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        AccessAction::List { ledger, json } => {
            check_dir(&ledger)?;
            let grants = Readers::beside(&ledger).list()?;
            if json {
                return print_json(&grants);
            }
            for g in grants {
                let state = match g.revoked {
                    Some(_) => both("đã thu hồi", "revoked"),
                    None => both("hiệu lực", "active"),
                };
                crate::say!("{}\t{}\t{}\t{state}", g.id, g.role.name(), g.holder);
            }
            Ok(ExitCode::SUCCESS)
        }
        AccessAction::Log {
            ledger,
            server,
            json,
        } => {
            let records: Vec<AccessRecord> = match (&ledger, &server) {
                (_, Some(server)) => {
                    let url = format!("{}/v1/access-log", crate::text::server_base(server)?);
                    crate::client::get::<api::wire::AccessLog>(&url)?.records
                }
                (Some(ledger), None) => {
                    check_dir(ledger)?;
                    match AccessLog::beside(ledger).verify() {
                        Ok(r) => r,
                        Err(e) => {
                            eprintln!("{e}");
                            return Ok(ExitCode::FAILURE);
                        }
                    }
                }
                (None, None) => anyhow::bail!(
                    "{}",
                    crate::text::both(
                        "hãy chỉ sổ cái bằng --ledger DIR hoặc --server URL",
                        "name the ledger with --ledger DIR or --server URL"
                    )
                ),
            };
            // A server's answer is checked here too: the chain proves itself.
            if let Err(e) = ledger::access::log::verify_records(&records) {
                eprintln!("{e}");
                return Ok(ExitCode::FAILURE);
            }
            if json {
                return print_json(&records);
            }
            for r in &records {
                crate::say!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    r.seq,
                    r.time,
                    r.reader,
                    r.case,
                    r.what,
                    r.act.as_deref().unwrap_or("-"),
                    r.why.as_deref().unwrap_or("-"),
                );
            }
            crate::say!(
                "{}",
                both(
                    &format!(
                        "Nhật ký truy cập hợp lệ: {} lượt đọc; mã băm cuối {}",
                        records.len(),
                        records.last().map_or("-", |r| r.hash.as_str())
                    ),
                    &format!(
                        "access log verifies: {} reads; last hash {}",
                        records.len(),
                        records.last().map_or("-", |r| r.hash.as_str())
                    ),
                )
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
