//! `key generate`, `key show`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use ledger::format::WitnessKey;
use ledger::keys::AnyKey;
use ledger::VerifierKey;

#[derive(Subcommand)]
pub enum KeyAction {
    /// Generate a new key into FILE (mode 0600); prints the public key as hex.
    Generate {
        /// The key file to create (a new file).
        #[arg(long)]
        out: PathBuf,
        /// `ed25519` (log, signer and witness keys) or `ml-dsa-44` (FIPS 204: a post-quantum
        /// cosigning key, for a witness or for the log as `<ledger>/log-ml-dsa-44.key`).
        #[arg(long, default_value = "ed25519", value_parser = ["ed25519", "ml-dsa-44"])]
        algorithm: String,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show a key file's public key (hex) and, with --name, its verifier-key form (for an
    /// ML-DSA-44 key, its cosigner-key form, type 0x06, which `--witness` takes).
    Show {
        /// The key file.
        file: PathBuf,
        /// Key name for the verifier-key form (a log key's name is the ledger's origin).
        #[arg(long)]
        name: Option<String>,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(action: KeyAction) -> anyhow::Result<ExitCode> {
    match action {
        KeyAction::Generate {
            out,
            algorithm,
            json,
        } => {
            let key = ledger::keys::generate_any(&algorithm).with_context(|| {
                crate::text::both(
                    &format!("không biết thuật toán `{algorithm}`; dùng ed25519 hoặc ml-dsa-44"),
                    &format!("unknown algorithm `{algorithm}`; use ed25519 or ml-dsa-44"),
                )
            })?;
            ledger::keys::write_any(&out, &key)?;
            let public = hex::encode(key.public_bytes());
            if json {
                return crate::text::print_json(&serde_json::json!({
                    "file": out, "algorithm": key.algorithm(), "public": public,
                }));
            }
            crate::say!("{public}");
            Ok(ExitCode::SUCCESS)
        }
        KeyAction::Show { file, name, json } => {
            let key = ledger::keys::read_any(&file)?;
            let public = key.public_bytes();
            let vkey = name
                .map(|n| match &key {
                    AnyKey::Ed25519(k) => {
                        VerifierKey::new(&n, k.verifying_key().to_bytes()).map(|v| v.encode())
                    }
                    AnyKey::MlDsa44(k) => WitnessKey::ml_dsa_44(&n, k.public()).map(|w| w.encode()),
                })
                .transpose()
                .with_context(|| {
                    crate::text::both(
                        "tên này không đặt được cho một khóa",
                        "the name cannot name a key",
                    )
                })?;
            if json {
                return crate::text::print_json(&serde_json::json!({
                    "algorithm": key.algorithm(),
                    "public": hex::encode(public),
                    "verifier_key": vkey,
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
