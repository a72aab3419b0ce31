//! `key generate`, `key show`, `key rotate-log`.

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
    /// Rotate the log's key (lost, compromised or simply old): generate a new Ed25519 log
    /// key, keep its secret in `<ledger>/log-keys/<public key>.key`, append the
    /// `log_key.rotated` that the authority key signs, and sign a checkpoint past it. That
    /// checkpoint and every later one are signed by the new key, and also by the old one
    /// while its secret is still in the directory (delete `log.key` to stop it). Run it
    /// with the server stopped.
    RotateLog {
        /// The ledger's directory (the server stopped).
        #[arg(long)]
        ledger: PathBuf,
        /// An authority key of the ledger (stream `ledger`).
        #[arg(long)]
        authority_key: PathBuf,
        /// Why the key is rotated (recorded in the act; "routine log key rotation", in
        /// Vietnamese and English, if not given).
        #[arg(long)]
        reason: Option<String>,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `key rotate-log`: the rotation through the library, then a checkpoint past it.
fn rotate_log(
    dir: &std::path::Path,
    authority_key: &std::path::Path,
    reason: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let authority =
        ledger::keys::read(authority_key).with_context(|| crate::text::reading(authority_key))?;
    let ledger = crate::ledgercmd::open(dir)?;
    let rotation = ledger.rotate_log_key(&authority, reason, ledger::engine::now_ms())?;
    let note = ledger.sign_checkpoint()?;
    let keys = ledger.log_keys();
    let old_signs = keys
        .before(note.checkpoint.size)
        .is_some_and(|old| note.verify(&old.key).is_ok());
    ledger.close()?;
    if json {
        let chain: Vec<serde_json::Value> = keys
            .all()
            .iter()
            .map(|k| serde_json::json!({"key": k.key.encode(), "from": k.from}))
            .collect();
        return crate::text::print_json(&serde_json::json!({
            "log_key": rotation.key.encode(), "secret": rotation.file,
            "position": rotation.appended.position, "event_hash": rotation.appended.event_hash,
            "checkpoint": note.encode(), "old_key_signs": old_signs, "log_keys": chain,
        }));
    }
    crate::say!(
        "{}",
        crate::text::both(
            &format!(
                "Đã thay khóa sổ cái ở vị trí {}: khóa mới {} (khóa bí mật: {}); điểm kiểm cỡ {} đã ký bằng khóa mới{}.",
                rotation.appended.position,
                rotation.key.encode(),
                rotation.file.display(),
                note.checkpoint.size,
                if old_signs { " và khóa cũ" } else { "" }
            ),
            &format!(
                "Log key rotated at position {}: new key {} (secret: {}); the checkpoint of size {} is signed by the new key{}.",
                rotation.appended.position,
                rotation.key.encode(),
                rotation.file.display(),
                note.checkpoint.size,
                if old_signs { " and the old one" } else { "" }
            ),
        )
    );
    Ok(ExitCode::SUCCESS)
}

pub fn run(action: KeyAction) -> anyhow::Result<ExitCode> {
    match action {
        KeyAction::RotateLog {
            ledger,
            authority_key,
            reason,
            json,
        } => {
            let reason = reason
                .unwrap_or_else(|| "Thay khóa sổ cái định kỳ / routine log key rotation".into());
            rotate_log(&ledger, &authority_key, &reason, json)
        }
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
