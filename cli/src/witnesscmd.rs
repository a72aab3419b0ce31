//! `witness key`, `witness cosign`: an inspection commission vouching for checkpoints, from
//! files (for an air-gapped commission).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Subcommand;
use ledger::format::WitnessKey;
use ledger::witness::{StateDir, WitnessError};
use ledger::{Hash, VerifierKey};

use crate::text::both;

#[derive(Subcommand)]
pub enum WitnessAction {
    /// Print the witness key to publish (`name+keyid+base64`, signature type 0x04), which
    /// readers pass to `--witness`.
    Key {
        /// The witness's key file (from `key generate`).
        #[arg(long)]
        key: PathBuf,
        /// The witness's name, e.g. `ubkt.tinhuy-haiduong.vn`.
        #[arg(long)]
        name: String,
    },
    /// Check a checkpoint against the last one this witness cosigned (its signature, and a
    /// consistency proof from that size), record it, and write it with the cosignature added.
    Cosign {
        /// The signed checkpoint (as `congress-ledger checkpoint` prints it).
        #[arg(long)]
        checkpoint: PathBuf,
        /// The consistency proof from the size this witness holds to the checkpoint's
        /// (`congress-ledger proof consistency --old N --json`); not needed the first time.
        #[arg(long)]
        consistency: Option<PathBuf>,
        /// The log's verifier key, from a source you trust.
        #[arg(long)]
        log_key: String,
        /// The witness's key file.
        #[arg(long)]
        key: PathBuf,
        /// The witness's name.
        #[arg(long)]
        name: String,
        /// Where this witness keeps what it has cosigned (one file per log).
        #[arg(long)]
        state: PathBuf,
        /// Write the cosigned checkpoint here (a new file) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run(action: WitnessAction) -> anyhow::Result<ExitCode> {
    match action {
        WitnessAction::Key { key, name } => {
            let key = ledger::keys::read(&key)?;
            let w = WitnessKey::new(&name, key.verifying_key().to_bytes())
                .context("the name cannot name a witness")?;
            println!("{w}");
            Ok(ExitCode::SUCCESS)
        }
        WitnessAction::Cosign {
            checkpoint,
            consistency,
            log_key,
            key,
            name,
            state,
            out,
        } => cosign(
            &checkpoint,
            consistency.as_deref(),
            &log_key,
            &key,
            &name,
            &state,
            out.as_deref(),
        ),
    }
}

/// The proof's hashes, from `proof consistency --json` (whose sizes must be the ones at stake)
/// or its plain output (one hash per line).
fn read_consistency(path: &Path, old: u64, new: u64) -> anyhow::Result<Vec<Hash>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let hashes: Vec<String> = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) => {
            let (o, n) = (v["old"].as_u64(), v["new"].as_u64());
            if o != Some(old) || n != Some(new) {
                bail!(
                    "{} proves sizes {:?} to {:?}, but this witness holds {old} and the checkpoint is of {new}; make it with `proof consistency --old {old} --new {new}`",
                    path.display(),
                    o,
                    n
                );
            }
            v["proof"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|h| h.as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .unwrap_or_default()
        }
        Err(_) => text.lines().map(|l| l.trim().to_string()).collect(),
    };
    hashes
        .iter()
        .filter(|h| !h.is_empty())
        .map(|h| {
            h.parse()
                .map_err(|e| anyhow::anyhow!("{}: `{h}`: {e}", path.display()))
        })
        .collect()
}

fn cosign(
    checkpoint: &Path,
    consistency: Option<&Path>,
    log_key: &str,
    key: &Path,
    name: &str,
    state: &Path,
    out: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let log_key = VerifierKey::parse(log_key).map_err(|e| anyhow::anyhow!("--log-key: {e}"))?;
    let key = ledger::keys::read(key)?;
    let note_text = std::fs::read_to_string(checkpoint)
        .with_context(|| format!("reading {}", checkpoint.display()))?;
    if let Some(out) = out {
        if out.exists() {
            bail!("{} already exists; choose a new file", out.display());
        }
    }
    let state = StateDir::open(state)?;
    let held = state.load(&log_key.name)?;
    let new_size = ledger::SignedNote::parse(&note_text)
        .map(|n| n.checkpoint.size)
        .unwrap_or(0);
    let proof = match (&held, consistency) {
        (Some(h), Some(path)) => read_consistency(path, h.size, new_size)?,
        (Some(h), None) if new_size > h.size && h.size != 0 => bail!(
            "this witness holds size {}; pass --consistency with the proof from {} to {new_size}",
            h.size,
            h.size
        ),
        _ => Vec::new(),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    match ledger::witness::cosign(&state, &note_text, &log_key, &proof, name, &key, now) {
        Ok((note, _)) => {
            match out {
                Some(out) => std::fs::write(out, note.encode())
                    .with_context(|| format!("writing {}", out.display()))?,
                None => print!("{}", note.encode()),
            }
            eprintln!(
                "{}: {} {} ({})",
                both("Đã đồng ký", "cosigned"),
                note.checkpoint.origin,
                note.checkpoint.size,
                note.checkpoint.root
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(
            ref e @ (WitnessError::Fork {
                ref held_note,
                ref offered_note,
                ..
            }
            | WitnessError::Rollback {
                ref held_note,
                ref offered_note,
                ..
            }),
        ) => {
            println!(
                "{}: {e}",
                both("TỪ CHỐI — sổ cái đã rẽ nhánh hoặc lùi lại", "REFUSED")
            );
            println!(
                "\n{}:\n{held_note}",
                both("Điểm kiểm đã đồng ký", "Checkpoint cosigned before")
            );
            println!(
                "{}:\n{offered_note}",
                both("Điểm kiểm được đưa ra", "Checkpoint offered now")
            );
            Ok(ExitCode::from(1))
        }
        Err(e @ (WitnessError::Inconsistent { .. } | WitnessError::Note(_))) => {
            println!("{}: {e}", both("TỪ CHỐI", "REFUSED"));
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
