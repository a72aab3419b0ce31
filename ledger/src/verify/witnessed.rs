//! The witness policy: a checkpoint counts only with `quorum` valid cosignatures from the
//! witnesses a reader trusts. Without it, a log's own signature is all that stands behind a
//! checkpoint, and an operator who shows different histories to different readers is not
//! caught; with it, every history a reader accepts is one the witnesses also saw.

use serde::Serialize;

use super::integrity::CheckpointResult;
use crate::format::{cosignature, SignedNote, WitnessKey};
use crate::messages::Text;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessPolicy {
    pub witnesses: Vec<WitnessKey>,
    pub quorum: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("`{key}` is not a witness key (name+keyid+base64 of type 0x04, Ed25519, or 0x06, ML-DSA-44): {reason}")]
    BadKey { key: String, reason: String },
    #[error("a quorum of {quorum} needs at least that many witnesses; {given} given")]
    Quorum { quorum: usize, given: usize },
    #[error("a quorum of 0 would count a checkpoint no witness cosigned; ask for at least 1")]
    Zero,
}

impl WitnessPolicy {
    /// The policy from witness keys as text; the quorum defaults to all of them.
    pub fn parse(keys: &[String], quorum: Option<usize>) -> Result<WitnessPolicy, PolicyError> {
        let witnesses = keys
            .iter()
            .map(|k| {
                WitnessKey::parse(k).map_err(|e| PolicyError::BadKey {
                    key: k.clone(),
                    reason: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let quorum = quorum.unwrap_or(witnesses.len());
        if quorum == 0 {
            return Err(PolicyError::Zero);
        }
        if quorum > witnesses.len() {
            return Err(PolicyError::Quorum {
                quorum,
                given: witnesses.len(),
            });
        }
        Ok(WitnessPolicy { witnesses, quorum })
    }

    /// The names of the trusted witnesses that validly cosigned `note`, if they reach quorum.
    pub fn counts(&self, note: &SignedNote) -> Result<Vec<String>, Text> {
        cosignature::check_quorum(note, &self.witnesses, self.quorum)
            .map(|ws| ws.into_iter().map(|w| w.name.clone()).collect())
            .map_err(|e| Text::of(&e))
    }
}

/// The witness level of a verification: how much of the log a counted checkpoint covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WitnessLevel {
    pub ok: bool,
    pub quorum: usize,
    /// The size of the largest checkpoint that verified against the log and reached quorum.
    pub witnessed_size: Option<u64>,
    /// The witnesses whose cosignatures on it count.
    pub cosigned_by: Vec<String>,
    pub detail: Text,
}

/// Judges `notes` (with their cosignatures), whose checks against the log are `results` in
/// the same order, under `policy`.
pub fn judge(
    notes: &[SignedNote],
    results: &[CheckpointResult],
    entries: u64,
    policy: &WitnessPolicy,
) -> WitnessLevel {
    let mut best: Option<(u64, Vec<String>)> = None;
    let mut why_not = None;
    for (note, result) in notes.iter().zip(results) {
        if !result.ok
            || best
                .as_ref()
                .is_some_and(|(s, _)| *s >= note.checkpoint.size)
        {
            continue;
        }
        match policy.counts(note) {
            Ok(names) => best = Some((note.checkpoint.size, names)),
            Err(e) => {
                let size = note.checkpoint.size;
                why_not = Some(
                    Text::new(
                        format!("điểm kiểm cỡ {size}"),
                        format!("checkpoint of size {size}"),
                    )
                    .then(&e),
                )
            }
        }
    }
    match best {
        Some((size, names)) => WitnessLevel {
            ok: true,
            quorum: policy.quorum,
            witnessed_size: Some(size),
            detail: if size < entries {
                Text::new(
                    format!(
                        "các mục 0..{size} đã được nhân chứng ký xác nhận; {} mục sau đó chỉ có chữ ký của chính sổ cái cho tới khi các nhân chứng ký một điểm kiểm muộn hơn",
                        entries - size
                    ),
                    format!(
                        "entries 0..{size} are witnessed; the {} after them are covered only by the log's own signature until the witnesses cosign a later checkpoint",
                        entries - size
                    ),
                )
            } else {
                Text::new(
                    format!("cả {entries} mục đã được nhân chứng ký xác nhận"),
                    format!("all {entries} entries are witnessed"),
                )
            },
            cosigned_by: names,
        },
        None => WitnessLevel {
            ok: false,
            quorum: policy.quorum,
            witnessed_size: None,
            cosigned_by: Vec::new(),
            detail: why_not.unwrap_or_else(|| {
                Text::new(
                    "không điểm kiểm nào khớp với sổ cái mang đủ các chữ ký xác nhận được yêu cầu",
                    "no checkpoint that verifies against the log carries the cosignatures asked for",
                )
            }),
        },
    }
}
