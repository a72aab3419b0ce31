//! `witness key`, `witness cosign`: an inspection commission vouching for checkpoints, from
//! files (for an air-gapped commission).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Subcommand;
use ledger::format::cosignature::CosigningKey;
use ledger::format::WitnessKey;
use ledger::witness::{StateDir, WitnessError};
use ledger::{Hash, VerifierKey};

use crate::text::both;

#[derive(Subcommand)]
pub enum WitnessAction {
    /// Print the witness key to publish (`name+keyid+base64`, signature type 0x04 for an
    /// Ed25519 key file, 0x06 for an ML-DSA-44 one), which readers pass to `--witness`.
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
        /// Fetch the latest checkpoint, and the consistency proof, from this server.
        #[arg(long, conflicts_with_all = ["checkpoint", "consistency"])]
        server: Option<String>,
        /// The signed checkpoint (as `congress-ledger checkpoint` prints it).
        #[arg(long, required_unless_present = "server")]
        checkpoint: Option<PathBuf>,
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
    /// Run the witness as a service (C2SP tlog-witness: `POST /add-checkpoint`), so that
    /// ledgers started with `serve --push-witness URL` push each checkpoint to it.
    Serve {
        /// Address to listen on; port 0 picks a free port (printed on start).
        #[arg(long, default_value = "127.0.0.1:8090")]
        addr: std::net::SocketAddr,
        /// The verifier key of each log this witness watches; repeat for several (a log whose
        /// key was rotated: its old and its new key, both named by its origin).
        #[arg(long = "log-key", required = true)]
        log_keys: Vec<String>,
        /// The witness's key file.
        #[arg(long)]
        key: PathBuf,
        /// The witness's name.
        #[arg(long)]
        name: String,
        /// Where this witness keeps what it has cosigned (one file per log).
        #[arg(long)]
        state: PathBuf,
    },
}

pub fn run(action: WitnessAction) -> anyhow::Result<ExitCode> {
    match action {
        WitnessAction::Key { key, name } => {
            let key = CosigningKey::from(ledger::keys::read_any(&key)?);
            let w = WitnessKey::of_key(&name, &key).with_context(|| {
                crate::text::both(
                    "tên này không đặt được cho một nhân chứng",
                    "the name cannot name a witness",
                )
            })?;
            crate::say!("{w}");
            Ok(ExitCode::SUCCESS)
        }
        WitnessAction::Cosign {
            server,
            checkpoint,
            consistency,
            log_key,
            key,
            name,
            state,
            out,
        } => cosign(
            Source::new(server, checkpoint, consistency)?,
            &log_key,
            &key,
            &name,
            &state,
            out.as_deref(),
        ),
        WitnessAction::Serve {
            addr,
            log_keys,
            key,
            name,
            state,
        } => serve(addr, &log_keys, &key, name, &state),
    }
}

fn serve(
    addr: std::net::SocketAddr,
    log_keys: &[String],
    key: &Path,
    name: String,
    state: &Path,
) -> anyhow::Result<ExitCode> {
    use std::io::Write;
    crate::servecmd::init_tracing();
    let logs = log_keys
        .iter()
        .map(|k| VerifierKey::parse(k).map_err(|e| anyhow::anyhow!("--log-key {k}: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let key = CosigningKey::from(ledger::keys::read_any(key)?);
    let witness = WitnessKey::of_key(&name, &key).with_context(|| {
        crate::text::both(
            "tên này không đặt được cho một nhân chứng",
            "the name cannot name a witness",
        )
    })?;
    let service = std::sync::Arc::new(api::witness_service::WitnessService::new(
        name,
        key,
        logs,
        StateDir::open(state)?,
    ));
    crate::servecmd::runtime()?
        .block_on(api::witness_service::serve(
            service,
            addr,
            |bound| {
                crate::say!(
                    "{}",
                    crate::text::both(
                        &format!("nhân chứng {witness} đang nghe tại http://{bound}"),
                        &format!("witness {witness} listening on http://{bound}")
                    )
                );
                let _ = std::io::stdout().flush();
            },
            crate::servecmd::shutdown_signal(),
        ))
        .with_context(|| {
            crate::text::both(
                &format!("phục vụ tại {addr}"),
                &format!("serving on {addr}"),
            )
        })?;
    Ok(ExitCode::SUCCESS)
}

/// Where the checkpoint and the consistency proof come from.
enum Source {
    Server(String),
    Files {
        checkpoint: PathBuf,
        consistency: Option<PathBuf>,
    },
}

impl Source {
    fn new(
        server: Option<String>,
        checkpoint: Option<PathBuf>,
        consistency: Option<PathBuf>,
    ) -> anyhow::Result<Source> {
        match (server, checkpoint) {
            (Some(s), _) => Ok(Source::Server(crate::text::server_base(&s)?)),
            (None, Some(checkpoint)) => Ok(Source::Files {
                checkpoint,
                consistency,
            }),
            (None, None) => bail!(
                "{}",
                crate::text::both(
                    "hãy chỉ điểm kiểm bằng --checkpoint FILE hoặc --server URL",
                    "name the checkpoint with --checkpoint FILE or --server URL"
                )
            ),
        }
    }

    fn checkpoint(&self) -> anyhow::Result<String> {
        match self {
            Source::Server(base) => {
                crate::text::authed(ureq::get(&format!("{base}/v1/checkpoint")))
                    .call()
                    .with_context(|| {
                        crate::text::both(
                            &format!("tải {base}/v1/checkpoint"),
                            &format!("fetching {base}/v1/checkpoint"),
                        )
                    })?
                    .into_string()
                    .with_context(|| crate::text::both("đọc điểm kiểm", "reading the checkpoint"))
            }
            Source::Files { checkpoint, .. } => std::fs::read_to_string(checkpoint)
                .with_context(|| crate::text::reading(checkpoint)),
        }
    }

    /// The proof from `old` to `new`, or None when none was given.
    fn consistency(&self, old: u64, new: u64) -> anyhow::Result<Option<Vec<Hash>>> {
        match self {
            Source::Server(base) => fetch_consistency(base, old, new).map(Some),
            Source::Files {
                consistency: Some(path),
                ..
            } => read_consistency(path, old, new).map(Some),
            Source::Files {
                consistency: None, ..
            } => Ok(None),
        }
    }
}

/// The consistency proof from `old` to `new` entries, from the server at `base`.
pub fn fetch_consistency(base: &str, old: u64, new: u64) -> anyhow::Result<Vec<Hash>> {
    let url = format!("{base}/v1/proofs/consistency?old={old}&new={new}");
    let proof = crate::client::get(&url)
        .with_context(|| crate::text::both(&format!("tải {url}"), &format!("fetching {url}")))?;
    proof_hashes(proof, &url, old, new)
}

/// The hashes of a consistency proof (the server's answer, or what `proof consistency
/// --json` writes), whose sizes must be the ones at stake.
fn proof_hashes(
    proof: api::wire::ConsistencyProof,
    from: &str,
    old: u64,
    new: u64,
) -> anyhow::Result<Vec<Hash>> {
    let (o, n) = (proof.old, proof.new);
    if o != old || n != new {
        bail!(
            "{}",
            both(
                &format!("{from} chứng minh cỡ {o} đến {n}, nhưng nhân chứng này giữ cỡ {old} và điểm kiểm có cỡ {new}; hãy tạo nó bằng `proof consistency --old {old} --new {new}`"),
                &format!("{from} proves sizes {o} to {n}, but this witness holds {old} and the checkpoint is of {new}; make it with `proof consistency --old {old} --new {new}`")
            )
        );
    }
    Ok(proof.proof)
}

/// The proof's hashes, from `proof consistency --json` (whose sizes must be the ones at stake)
/// or its plain output (one hash per line).
fn read_consistency(path: &Path, old: u64, new: u64) -> anyhow::Result<Vec<Hash>> {
    let text = std::fs::read_to_string(path).with_context(|| crate::text::reading(path))?;
    if text.trim_start().starts_with('{') {
        let proof = serde_json::from_str(&text).with_context(|| {
            crate::text::both(
                &format!(
                    "{} không phải một bằng chứng nhất quán ({{\"old\", \"new\", \"proof\"}})",
                    path.display()
                ),
                &format!(
                    "{} is not a consistency proof ({{\"old\", \"new\", \"proof\"}})",
                    path.display()
                ),
            )
        })?;
        return proof_hashes(proof, &path.display().to_string(), old, new);
    }
    text.lines()
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| {
            h.parse()
                .map_err(|e| anyhow::anyhow!("{}: `{h}`: {e}", path.display()))
        })
        .collect()
}

/// Posts the cosigned checkpoint back to the server, which keeps and serves the cosignature.
fn hand_back(base: &str, note: &str) -> anyhow::Result<()> {
    let url = format!("{base}/v1/checkpoint/cosignatures");
    match crate::text::authed(ureq::post(&url))
        .set("Content-Type", "text/plain; charset=utf-8")
        .send_string(note)
    {
        Ok(_) => {
            eprintln!(
                "{}: {url}",
                both("Đã gửi chữ ký đồng ký cho máy chủ", "cosignature handed to the server")
            );
            Ok(())
        }
        Err(ureq::Error::Status(code, response)) => {
            let why = crate::client::refused(&url, code, response).detail();
            bail!(
                "{}",
                both(
                    &format!("chữ ký đồng ký đã được tạo và trạng thái đã lưu, nhưng {url} từ chối ({code}): {why}; máy chủ phải được chạy với --witness và khóa của nhân chứng này, rồi chạy lại lệnh này"),
                    &format!("the cosignature is made and the state saved, but {url} refused it ({code}): {why}; the server must be started with --witness and this witness's key, then run this command again")
                )
            )
        }
        Err(e) => bail!(
            "{}",
            both(
                &format!("chữ ký đồng ký đã được tạo và trạng thái đã lưu, nhưng không gửi được cho {url}: {e}; hãy chạy lại lệnh này khi máy chủ liên lạc được"),
                &format!("the cosignature is made and the state saved, but it could not be handed to {url}: {e}; run this command again when the server is reachable")
            )
        ),
    }
}

fn cosign(
    source: Source,
    log_key: &str,
    key: &Path,
    name: &str,
    state: &Path,
    out: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let log_key = crate::text::log_key(log_key)?;
    let key = CosigningKey::from(ledger::keys::read_any(key)?);
    let note_text = source.checkpoint()?;
    if let Some(out) = out {
        if out.exists() {
            bail!(
                "{}",
                crate::text::both(
                    &format!("{} đã có; hãy chọn một tệp mới", out.display()),
                    &format!("{} already exists; choose a new file", out.display())
                )
            );
        }
    }
    let state = StateDir::open(state)?;
    let held = state.load(&log_key.name)?;
    let new_size = ledger::SignedNote::parse(&note_text)
        .map(|n| n.checkpoint.size)
        .unwrap_or(0);
    let proof = match &held {
        Some(h) if new_size > h.size && h.size != 0 => {
            match source.consistency(h.size, new_size)? {
                Some(proof) => proof,
                None => bail!(
                    "{}",
                    both(
                        &format!(
                            "nhân chứng này giữ cỡ {}; hãy đưa --consistency với bằng chứng từ {} đến {new_size}",
                            h.size, h.size
                        ),
                        &format!(
                            "this witness holds size {}; pass --consistency with the proof from {} to {new_size}",
                            h.size, h.size
                        )
                    )
                ),
            }
        }
        _ => Vec::new(),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    match ledger::witness::cosign(&state, &note_text, &log_key, &proof, name, &key, now) {
        Ok((note, _)) => {
            match out {
                Some(out) => {
                    std::fs::write(out, note.encode()).with_context(|| crate::text::writing(out))?
                }
                None => print!("{}", note.encode()),
            }
            eprintln!(
                "{}: {} {} ({})",
                both("Đã đồng ký", "cosigned"),
                note.checkpoint.origin,
                note.checkpoint.size,
                note.checkpoint.root
            );
            if let Source::Server(base) = &source {
                hand_back(base, &note.encode())?;
            }
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
            crate::say!(
                "{}: {e}",
                both("TỪ CHỐI — sổ cái đã rẽ nhánh hoặc lùi lại", "REFUSED")
            );
            crate::say!(
                "\n{}:\n{held_note}",
                both("Điểm kiểm đã đồng ký", "Checkpoint cosigned before")
            );
            crate::say!(
                "{}:\n{offered_note}",
                both("Điểm kiểm được đưa ra", "Checkpoint offered now")
            );
            Ok(ExitCode::from(1))
        }
        Err(e @ (WitnessError::Inconsistent { .. } | WitnessError::Note(_))) => {
            crate::say!("{}: {e}", both("TỪ CHỐI", "REFUSED"));
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
