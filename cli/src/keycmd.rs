//! `key generate`, `key show`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use ledger::VerifierKey;

#[derive(Subcommand)]
pub enum KeyAction {
    /// Generate a new key into FILE (mode 0600); prints the public key as hex.
    Generate {
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Show a key file's public key (hex) and, with --name, its verifier-key form.
    Show {
        file: PathBuf,
        /// Key name for the verifier-key form (a log key's name is the ledger's origin).
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(action: KeyAction) -> anyhow::Result<ExitCode> {
    match action {
        KeyAction::Generate { out, json } => {
            let key = ledger::keys::generate();
            ledger::keys::write(&out, &key)?;
            if json {
                return crate::text::print_json(&serde_json::json!({
                    "file": out, "public": hex::encode(key.verifying_key().to_bytes()),
                }));
            }
            crate::say!("{}", hex::encode(key.verifying_key().to_bytes()));
            Ok(ExitCode::SUCCESS)
        }
        KeyAction::Show { file, name, json } => {
            let key = ledger::keys::read(&file)?;
            let public = key.verifying_key().to_bytes();
            let vkey = name
                .map(|n| VerifierKey::new(&n, public))
                .transpose()
                .with_context(|| {
                    crate::text::both(
                        "tên này không đặt được cho một khóa",
                        "the name cannot name a key",
                    )
                })?;
            if json {
                return crate::text::print_json(&serde_json::json!({
                    "public": hex::encode(public),
                    "verifier_key": vkey.map(|k| k.encode()),
                }));
            }
            crate::say!("{}", hex::encode(public));
            if let Some(v) = vkey {
                crate::say!("{v}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
