//! `congress-ledger`: the command-line front end. Every command is a thin layer over the
//! `ledger` library; this crate only parses arguments, reads files and prints.

mod accesscmd;
mod archivecmd;
mod client;
mod confidentialcmd;
mod demo;
mod explaincmd;
mod help_vi;
mod keycmd;
mod ledgercmd;
mod localize;
mod monitorcmd;
mod reportcmd;
mod servecmd;
mod text;
mod tilescmd;
mod timestampcmd;
mod verifycmd;
mod witnesscmd;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{FromArgMatches as _, Parser, Subcommand};

/// Congress Ledger: a tamper-evident record of party congress procedure.
#[derive(Parser)]
#[command(name = "congress-ledger", version, long_about = None)]
struct Cli {
    /// Language of messages: vi, en, or both (the default; `LANG=vi…`/`en…` chooses one).
    #[arg(long, global = true, value_enum)]
    lang: Option<text::Lang>,
    /// Reader token for a server that is not public (granted with `access grant`).
    #[arg(
        long,
        global = true,
        env = "CONGRESS_LEDGER_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ed25519 keys: generate one, show one.
    Key {
        #[command(subcommand)]
        action: keycmd::KeyAction,
    },
    /// Create a ledger and append its genesis event (`ledger.created`).
    Init(ledgercmd::InitArgs),
    /// Sign an event locally (next version and prev looked up) and append it.
    Append(ledgercmd::AppendArgs),
    /// Verify a ledger: integrity (framing, encoding, signatures, chains, checkpoints) and
    /// authority (who may sign what).
    Verify(verifycmd::VerifyArgs),
    /// Write the archive bag (BagIt 1.0) of a ledger: entries, checkpoint, schemas, rulebooks,
    /// attached documents and the format's description.
    Export(archivecmd::ExportArgs),
    /// Long-term proof of a bag: renew its evidence record (RFC 4998) before its timestamp or
    /// hash algorithm ages.
    Archive {
        #[command(subcommand)]
        action: archivecmd::ArchiveAction,
    },
    /// Ask Time-Stamp Authorities (RFC 3161) for tokens on the latest checkpoint and keep them
    /// beside it (`serve --tsa` does this for every new checkpoint).
    Timestamp(timestampcmd::TimestampArgs),
    /// Bring an archive bag back as a live ledger (after verifying it); without the signing
    /// key it is a read-only mirror.
    Import(archivecmd::ImportArgs),
    /// Projections and findings: a congress, the complaint register, progress under an org.
    Report(reportcmd::ReportArgs),
    /// Print the latest signed checkpoint (signing one first if the log has grown).
    Checkpoint {
        /// The ledger directory.
        #[arg(long)]
        ledger: PathBuf,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Inclusion and consistency proofs.
    Proof {
        #[command(subcommand)]
        kind: ledgercmd::ProofKind,
    },
    /// Witnessing: vouch for checkpoints the log cannot take back (C2SP tlog-cosignature).
    Witness {
        #[command(subcommand)]
        action: witnesscmd::WitnessAction,
    },
    /// Follow a server's log: verify every entry and checkpoint as they come, keep a verified
    /// replica, report findings; exit 1 on an integrity failure or a fork.
    Monitor(monitorcmd::MonitorArgs),
    /// Serve the HTTP API over a ledger.
    Serve(servecmd::ServeArgs),
    /// Publish the log as C2SP tlog-tiles (checkpoint, hash tiles, entry bundles, documents)
    /// into a directory or an S3-compatible bucket, for readers that need no server.
    Publish(tilescmd::PublishArgs),
    /// Store a document by its SHA-256 and record `document.attached` for it.
    Attach(ledgercmd::AttachArgs),
    /// Shell completions (bash, zsh, fish, elvish, powershell) on standard output.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff) on standard output: `congress-ledger man > congress-ledger.1`;
    /// `man verify` for a subcommand's page; `--out-dir DIR` writes every page it lists.
    Man {
        /// The subcommand whose page to print (`verify`, `key generate`, …).
        command: Vec<String>,
        /// Write every manual page into this directory.
        #[arg(long, conflicts_with = "command")]
        out_dir: Option<PathBuf>,
    },
    /// Every kind of act: its newest schema, its stream family, who may sign it.
    Kinds {
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every role a key can be enrolled with, and the kinds each may sign.
    Roles,
    /// A kind's JSON Schema, or a payload to fill in (`schema show KIND --example`).
    Schema {
        #[command(subcommand)]
        action: explaincmd::SchemaAction,
    },
    /// A rulebook's rules and parameters, with their source and confidence.
    Rulebook {
        #[command(subcommand)]
        action: explaincmd::RulebookAction,
    },
    /// Reader credentials (tokens stored hashed beside the ledger) and the access log of
    /// confidential reads.
    Access {
        #[command(subcommand)]
        action: accesscmd::AccessAction,
    },
    /// The confidential store: complainants' identities and letters, as commitments in the log
    /// and values readable only by the inspection commission.
    Confidential {
        #[command(subcommand)]
        action: confidentialcmd::ConfidentialAction,
    },
    /// Build the Hải Dương 2020 congress ledger, verify it and print the report.
    Demo(demo::DemoArgs),
}

/// The command line in the chosen language(s) (`--lang`), built; for manual pages, without the
/// help subcommand, which has none.
fn command(help_subcommand: bool) -> clap::Command {
    localize::command(
        <Cli as clap::CommandFactory>::command(),
        text::lang(),
        help_subcommand,
    )
}

/// The manual pages in the chosen language(s): the page of `path` (a subcommand, or the tool
/// itself) on standard output, or every page, the tool's and each subcommand's
/// (`congress-ledger-verify.1`, …), into `dir`.
fn man(path: &[String], dir: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).with_context(|| text::creating(dir))?;
        localize::man_pages_to(&command(false), dir, text::lang())?;
        crate::say!(
            "{}",
            text::both(
                &format!("đã ghi các trang vào {}", dir.display()),
                &format!("pages written to {}", dir.display())
            )
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut page = command(false);
    let mut name = String::from("congress-ledger");
    for word in path {
        let Some(sub) = page.find_subcommand(word).cloned() else {
            anyhow::bail!(
                "{}",
                text::both(
                    &format!("`{name}` không có lệnh con `{word}`"),
                    &format!("`{name}` has no subcommand `{word}`")
                )
            );
        };
        name = format!("{name} {word}");
        page = sub;
    }
    std::io::Write::write_all(
        &mut std::io::stdout(),
        &localize::man_page(page, text::lang())?,
    )?;
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    // The language is needed before parsing: help and usage errors are said in it.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    text::set_lang(localize::lang_flag(&args));
    let mut cmd = command(true);
    let parsed = cmd
        .try_get_matches_from_mut(&args)
        .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches))
        .map_err(|e| e.format(&mut cmd));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => return localize::usage_error(e, &cmd, &args, text::lang()),
    };
    text::set_token(cli.token);
    let result = match cli.command {
        Command::Key { action } => keycmd::run(action),
        Command::Init(args) => ledgercmd::init(args),
        Command::Append(args) => ledgercmd::append(args),
        Command::Verify(args) => verifycmd::run(args),
        Command::Report(args) => reportcmd::run(args),
        Command::Export(args) => archivecmd::export(args),
        Command::Import(args) => archivecmd::import(args),
        Command::Archive { action } => archivecmd::archive(action),
        Command::Timestamp(args) => timestampcmd::run(args),
        Command::Checkpoint { ledger, json } => ledgercmd::checkpoint(&ledger, json),
        Command::Proof { kind } => ledgercmd::proof(kind),
        Command::Serve(args) => servecmd::run(args),
        Command::Monitor(args) => monitorcmd::run(args),
        Command::Witness { action } => witnesscmd::run(action),
        Command::Demo(args) => demo::run(args),
        Command::Attach(args) => ledgercmd::attach(args),
        Command::Kinds { json } => explaincmd::kinds(json),
        Command::Roles => explaincmd::roles(),
        Command::Schema { action } => explaincmd::schema(action),
        Command::Rulebook { action } => explaincmd::rulebook(action),
        Command::Publish(args) => tilescmd::publish(args),
        Command::Access { action } => accesscmd::run(action),
        Command::Confidential { action } => confidentialcmd::run(action),
        Command::Completions { shell } => {
            let mut cmd = command(true);
            clap_complete::generate(shell, &mut cmd, "congress-ledger", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { command, out_dir } => man(&command, out_dir.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "{}: {}",
                text::both("lỗi", "error"),
                ledger::format::json::escape_for_display(&text::error_text(&e))
            );
            ExitCode::from(2)
        }
    }
}
