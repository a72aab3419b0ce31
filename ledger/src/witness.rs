//! A witness's side of cosigning: what it holds of each log it watches, and the decision to
//! vouch for a new checkpoint. It cosigns only a checkpoint signed by the log that is the one
//! it holds or provably extends it; anything else is a fork or a rollback, refused with both
//! notes as evidence. The state is saved before the cosignature is handed out, so a witness
//! that crashes never vouches for two trees it cannot reconcile.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::format::checkpoint::{NoteError, NoteSignature};
use crate::format::cosignature::CosigningKey;
use crate::format::merkle;
use crate::format::{cosignature, Hash, SignedNote, VerifierKey};

/// What a witness holds of one log: the last checkpoint it cosigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// That checkpoint's note, as evidence if the log is later caught forking.
    pub note: String,
}

#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error("the checkpoint is not acceptable: {0}")]
    Note(#[from] NoteError),
    #[error("the log forked: it signed a checkpoint of size {size} with root {offered}, but this witness holds root {held} for that size (both notes are evidence)")]
    Fork {
        size: u64,
        held: Hash,
        offered: Hash,
        held_note: String,
        offered_note: String,
    },
    #[error("the checkpoint is of size {offered}, smaller than the {held} entries this witness has already cosigned (a rollback, or a fork)")]
    Rollback {
        held: u64,
        offered: u64,
        held_note: String,
        offered_note: String,
    },
    #[error("the consistency proof from size {old} to {new} does not hold: {reason}; the log may have rewritten its history")]
    Inconsistent { old: u64, new: u64, reason: String },
    #[error("witness state {path}: {message}")]
    State { path: PathBuf, message: String },
}

/// Checks `note_text` (signed by `log_key`) against what is held, with `consistency` the proof
/// from the held size to the new one. Returns the note and what to hold next.
pub fn check(
    held: Option<&Held>,
    note_text: &str,
    log_key: &VerifierKey,
    consistency: &[Hash],
) -> Result<(SignedNote, Held), WitnessError> {
    let note = SignedNote::parse(note_text)?;
    note.verify(log_key)?;
    let cp = &note.checkpoint;
    if cp.origin != log_key.name {
        return Err(NoteError::Malformed(format!(
            "the checkpoint is of `{}`, the key of `{}`",
            cp.origin, log_key.name
        ))
        .into());
    }
    if let Some(h) = held {
        if h.origin != cp.origin {
            return Err(NoteError::Malformed(format!(
                "this state is of `{}`, the checkpoint of `{}`",
                h.origin, cp.origin
            ))
            .into());
        }
        if cp.size < h.size {
            return Err(WitnessError::Rollback {
                held: h.size,
                offered: cp.size,
                held_note: h.note.clone(),
                offered_note: note.encode(),
            });
        }
        if cp.size == h.size && cp.root != h.root {
            return Err(WitnessError::Fork {
                size: cp.size,
                held: h.root,
                offered: cp.root,
                held_note: h.note.clone(),
                offered_note: note.encode(),
            });
        }
        merkle::verify_consistency(h.size, cp.size, &h.root, &cp.root, consistency).map_err(
            |e| WitnessError::Inconsistent {
                old: h.size,
                new: cp.size,
                reason: e.to_string(),
            },
        )?;
    }
    let next = Held {
        origin: cp.origin.clone(),
        size: cp.size,
        root: cp.root,
        note: note.encode(),
    };
    Ok((note, next))
}

/// A witness's state directory: one file per log, replaced atomically.
pub struct StateDir {
    dir: PathBuf,
}

impl StateDir {
    pub fn open(dir: &Path) -> Result<StateDir, WitnessError> {
        fs::create_dir_all(dir).map_err(|e| state_error(dir, e))?;
        Ok(StateDir {
            dir: dir.to_path_buf(),
        })
    }

    /// Origins are free text; the file is named by their hash.
    fn path(&self, origin: &str) -> PathBuf {
        let digest = Sha256::digest(origin.as_bytes());
        self.dir
            .join(format!("{}.json", hex::encode(&digest[..16])))
    }

    pub fn load(&self, origin: &str) -> Result<Option<Held>, WitnessError> {
        let path = self.path(origin);
        match fs::read(&path) {
            Ok(bytes) => {
                let held: Held =
                    serde_json::from_slice(&bytes).map_err(|e| WitnessError::State {
                        path: path.clone(),
                        message: format!(
                            "unreadable ({e}); restore it from a backup, do not delete it"
                        ),
                    })?;
                if held.origin != origin {
                    return Err(WitnessError::State {
                        path,
                        message: format!("holds `{}`, not `{origin}`", held.origin),
                    });
                }
                Ok(Some(held))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(state_error(&path, e)),
        }
    }

    /// Written to a temporary file, synced, renamed over the old one, and the directory synced.
    pub fn save(&self, held: &Held) -> Result<(), WitnessError> {
        let path = self.path(&held.origin);
        let tmp = path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(held).map_err(|e| WitnessError::State {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let mut f = fs::File::create(&tmp).map_err(|e| state_error(&tmp, e))?;
        f.write_all(&bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| state_error(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| state_error(&path, e))?;
        fs::File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| state_error(&self.dir, e))?;
        Ok(())
    }
}

fn state_error(path: &Path, e: std::io::Error) -> WitnessError {
    WitnessError::State {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Checks the checkpoint against the state, saves the new state, then cosigns: the state is
/// durable before any cosignature of the new tree exists. `key` is of either type (Ed25519 or
/// ML-DSA-44); the cosignature is of its type.
pub fn cosign(
    state: &StateDir,
    note_text: &str,
    log_key: &VerifierKey,
    consistency: &[Hash],
    name: &str,
    key: &CosigningKey,
    timestamp: u64,
) -> Result<(SignedNote, NoteSignature), WitnessError> {
    let held = state.load(&log_key.name)?;
    let (mut note, next) = check(held.as_ref(), note_text, log_key, consistency)?;
    let line = cosignature::cosign_with(&note, name, key, timestamp)?;
    state.save(&next)?;
    note.signatures.push(line.clone());
    Ok((note, line))
}

/// The most proof lines a `tlog-witness` request may carry (a proof of any tree up to 2^63).
pub const MAX_PROOF_LINES: usize = 63;

/// A C2SP `tlog-witness` add-checkpoint request: the size the log believes this witness holds,
/// the consistency proof from that size, and the new checkpoint.
///
/// ```text
/// old <size>
/// <base64 hash>        (zero or more)
///
/// <signed checkpoint note>
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old: u64,
    pub proof: Vec<Hash>,
    pub note: String,
}

impl AddCheckpoint {
    pub fn encode(&self) -> String {
        use base64::Engine;
        let mut text = format!("old {}\n", self.old);
        for h in &self.proof {
            text.push_str(&base64::engine::general_purpose::STANDARD.encode(h.0));
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&self.note);
        text
    }

    pub fn parse(body: &str) -> Result<AddCheckpoint, String> {
        use base64::Engine;
        let Some((head, note)) = body.split_once("\n\n") else {
            return Err("no blank line between the proof and the checkpoint".into());
        };
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or("the first line must be `old <size>`")?;
        if old.len() > 1 && old.starts_with('0') {
            return Err(format!("`{old}` has a leading zero"));
        }
        let old: u64 = old
            .parse()
            .map_err(|_| format!("`{old}` is not a size (a whole number)"))?;
        let mut proof = Vec::new();
        for line in lines {
            if proof.len() == MAX_PROOF_LINES {
                return Err(format!("more than {MAX_PROOF_LINES} proof lines"));
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(line)
                .map_err(|_| format!("proof line `{line}` is not base64"))?;
            let hash: [u8; 32] = bytes
                .try_into()
                .map_err(|_| format!("proof line `{line}` is not a 32-byte hash"))?;
            proof.push(Hash(hash));
        }
        Ok(AddCheckpoint {
            old,
            proof,
            note: note.to_string(),
        })
    }
}

/// Why a witness service refuses an add-checkpoint request; each maps to the status code the
/// protocol gives it.
#[derive(Debug, thiserror::Error)]
pub enum AddRefusal {
    /// 400.
    #[error("bad request: {0}")]
    Malformed(String),
    /// 403.
    #[error("the checkpoint is not signed by the log's key: {0}")]
    NotSigned(String),
    /// 404.
    #[error("this witness does not watch the log `{0}`")]
    UnknownLog(String),
    /// 409: the sender must retry from the size the witness holds.
    #[error("this witness holds size {held} of this log, not the {offered} the request starts from{}", if *.fork { " (and a different tree at that size: the log forked)" } else { "" })]
    Conflict { held: u64, offered: u64, fork: bool },
    /// 422.
    #[error(transparent)]
    Refused(Box<WitnessError>),
    /// 500: the witness's own state failed.
    #[error(transparent)]
    State(Box<WitnessError>),
}

/// A witness service's answer to one request: check, save, then cosign (see [`cosign`]).
pub fn add_checkpoint(
    state: &StateDir,
    request: &AddCheckpoint,
    logs: &[VerifierKey],
    name: &str,
    key: &CosigningKey,
    timestamp: u64,
) -> Result<NoteSignature, AddRefusal> {
    let note =
        SignedNote::parse(&request.note).map_err(|e| AddRefusal::Malformed(e.to_string()))?;
    let origin = &note.checkpoint.origin;
    // A log may be watched under several keys (the one it had and the one it rotated to,
    // both given to the witness): the note must be signed by one of them.
    let keys: Vec<&VerifierKey> = logs.iter().filter(|k| &k.name == origin).collect();
    let Some(first) = keys.first() else {
        return Err(AddRefusal::UnknownLog(origin.clone()));
    };
    let log_key = match keys.iter().find(|k| note.verify(k).is_ok()) {
        Some(k) => *k,
        None => {
            return Err(AddRefusal::NotSigned(
                note.verify(first)
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_default(),
            ))
        }
    };
    if request.old > note.checkpoint.size {
        return Err(AddRefusal::Malformed(format!(
            "old size {} is over the checkpoint's size {}",
            request.old, note.checkpoint.size
        )));
    }
    let held = state
        .load(origin)
        .map_err(|e| AddRefusal::State(Box::new(e)))?;
    let held_size = held.as_ref().map_or(0, |h| h.size);
    if request.old != held_size {
        return Err(AddRefusal::Conflict {
            held: held_size,
            offered: request.old,
            fork: false,
        });
    }
    match cosign(
        state,
        &request.note,
        log_key,
        &request.proof,
        name,
        key,
        timestamp,
    ) {
        Ok((_, line)) => Ok(line),
        Err(WitnessError::Fork { size, .. }) => Err(AddRefusal::Conflict {
            held: size,
            offered: request.old,
            fork: true,
        }),
        Err(e @ WitnessError::State { .. }) => Err(AddRefusal::State(Box::new(e))),
        Err(e) => Err(AddRefusal::Refused(Box::new(e))),
    }
}
