//! A monitor: follows a ledger it does not trust, verifies every entry as it arrives
//! (integrity, authority, then the procedure rules over projections folded on the way), checks
//! every checkpoint it is shown against what it verified and against the checkpoints it saw
//! before, and keeps a replica of what verified. What it finds are [`Alarm`]s; an integrity
//! alarm or a fork is final: nothing after it is trusted, so nothing after it is mirrored.
//!
//! It knows nothing of HTTP: the caller fetches entries, checkpoints and proofs and hands
//! them in.

use crate::messages::Text;
use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::format::merkle;
use crate::format::{Entry, Hash, SignedNote, VerifierKey};
use crate::rulebook::Finding;
use crate::storage::mirror::{mark_read_only, MirrorLog};
use crate::storage::StorageError;
use crate::verify::integrity::{Failure, Verifier, VerifyOptions, CHUNK};
use crate::verify::witnessed::WitnessPolicy;

/// What a monitor reports.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "alarm", rename_all = "snake_case")]
pub enum Alarm {
    /// The log is not what was signed and chained: nothing after this is trusted.
    Integrity(Failure),
    /// An act signed by a key not allowed to sign it.
    Unauthorized(Failure),
    /// A procedure finding that was not there at the previous checkpoint.
    Finding(Finding),
    /// A finding reported before that no longer holds (later acts completed or corrected
    /// what it was about: a list still being filled in, say).
    Resolved {
        rule: String,
        stream: String,
        events: Vec<String>,
    },
    /// Two checkpoints that cannot both be true of one append-only log: the server showed
    /// this monitor (or its mirror) a different history. Both notes are the evidence.
    Fork {
        detail: Text,
        held_note: String,
        offered_note: String,
    },
    /// A checkpoint that does not count under the witness policy (not enough cosignatures).
    Unwitnessed { size: u64, detail: Text },
    /// A checkpoint the log did not validly sign.
    BadCheckpoint { detail: Text, note: String },
}

impl Alarm {
    /// Alarms after which nothing from this server can be trusted.
    pub fn is_integrity(&self) -> bool {
        matches!(
            self,
            Alarm::Integrity(_) | Alarm::Fork { .. } | Alarm::BadCheckpoint { .. }
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Open(#[from] crate::engine::OpenError),
    #[error("{}", .0.en)]
    Mirror(Text),
}

pub struct Monitor {
    log_key: VerifierKey,
    policy: Option<WitnessPolicy>,
    verifier: Verifier,
    mirror: Option<MirrorLog>,
    /// The last checkpoint shown consistent with what was verified.
    held: Option<SignedNote>,
    /// Checkpoints larger than what is verified so far, checked once the entries arrive.
    ahead: Vec<SignedNote>,
    unauthorized_seen: u64,
    /// The findings standing at the last checkpoint, by rule, stream and acts.
    findings: HashMap<String, Finding>,
    /// Set by the first integrity alarm: the monitor stops trusting the server.
    broken: bool,
    /// Whether a checkpoint shown consistent with the entries verified here was signed by
    /// the pinned key: from then on, rotations of the log key are followed (the trust rule).
    anchored: bool,
}

impl Monitor {
    /// A monitor of the log whose key is `log_key`, keeping its replica in `mirror` (created
    /// if new; if it holds entries already, they are verified again first and followed on).
    pub fn open(
        log_key: VerifierKey,
        policy: Option<WitnessPolicy>,
        mirror: Option<&Path>,
        segment_bytes: u64,
    ) -> Result<(Monitor, Vec<Alarm>), MonitorError> {
        let options = VerifyOptions {
            with_projections: true,
            ..Default::default()
        };
        let mut monitor = Monitor {
            verifier: Verifier::new(Some(log_key.name.clone()), options),
            log_key,
            policy,
            mirror: None,
            held: None,
            ahead: Vec::new(),
            unauthorized_seen: 0,
            findings: HashMap::new(),
            broken: false,
            anchored: false,
        };
        let Some(dir) = mirror else {
            return Ok((monitor, Vec::new()));
        };
        let fresh = !dir.exists()
            || std::fs::read_dir(dir)
                .map_err(|e| StorageError::io(dir, e))?
                .next()
                .is_none();
        if fresh {
            let log = MirrorLog::create(dir, segment_bytes)?;
            mark_read_only(
                dir,
                &format!(
                    "A read-only mirror of {}, kept by `congress-ledger monitor`.",
                    monitor.log_key.name
                ),
            )?;
            monitor.mirror = Some(log);
            return Ok((monitor, Vec::new()));
        }
        // Resume: what the mirror holds is verified again, as if it had just arrived.
        if !dir.join(crate::engine::MIRROR_MARKER).is_file() {
            return Err(MonitorError::Mirror(Text::new(
                format!(
                    "{} không phải một bản sao (không có tệp {}); hãy chọn một thư mục mới hoặc thư mục một monitor đã tạo",
                    dir.display(),
                    crate::engine::MIRROR_MARKER
                ),
                format!(
                    "{} is not a mirror (no {} file); give a new directory or one a monitor made",
                    dir.display(),
                    crate::engine::MIRROR_MARKER
                ),
            )));
        }
        // A mirror whose first run stopped before any entry arrived holds nothing to verify.
        if crate::storage::Storage::files(dir)
            .segments
            .list()?
            .is_empty()
        {
            monitor.mirror = Some(MirrorLog::resume(dir, 0, segment_bytes)?);
            return Ok((monitor, Vec::new()));
        }
        let ledger = crate::Ledger::open(
            dir,
            crate::Options {
                segment_bytes,
                ..Default::default()
            },
        )?;
        if ledger.origin() != monitor.log_key.name {
            return Err(MonitorError::Mirror(Text::new(
                format!(
                    "{} sao chép `{}`, không phải `{}`",
                    dir.display(),
                    ledger.origin(),
                    monitor.log_key.name
                ),
                format!(
                    "{} mirrors `{}`, not `{}`",
                    dir.display(),
                    ledger.origin(),
                    monitor.log_key.name
                ),
            )));
        }
        let mut alarms = Vec::new();
        let size = ledger.size();
        let held = ledger.checkpoint();
        // The anchor found on an earlier run: a checkpoint the mirror kept, signed by the
        // pinned key, whose root its entries give (they are verified again below).
        for size in ledger.checkpoint_sizes()? {
            let Some(note) = ledger.checkpoint_at(size)? else {
                continue;
            };
            if note.verify(&monitor.log_key).is_ok()
                && ledger
                    .root_at(size)?
                    .is_ok_and(|r| r == note.checkpoint.root)
            {
                monitor.anchored = true;
                break;
            }
        }
        // Up to the held checkpoint, which is then checked against exactly those entries;
        // then the rest.
        let stops = [held.as_ref().map_or(0, |n| n.checkpoint.size), size];
        let mut from = 0;
        for (i, stop) in stops.into_iter().enumerate() {
            let mut chunk: Vec<Vec<u8>> = Vec::with_capacity(CHUNK);
            let mut scan_alarms = Vec::new();
            ledger.scan(from, stop, &mut |_, bytes| {
                chunk.push(bytes.to_vec());
                if chunk.len() == CHUNK {
                    scan_alarms.extend(monitor.verify(&chunk));
                    chunk.clear();
                }
                true
            })?;
            scan_alarms.extend(monitor.verify(&chunk));
            alarms.extend(scan_alarms);
            from = stop;
            if let (0, Some(note)) = (i, &held) {
                alarms.extend(monitor.checkpoint(&note.encode(), &|_, _| {
                    Err("the mirror holds no proof; its entries are checked instead".into())
                }));
            }
        }
        ledger.close()?;
        monitor.mirror = Some(MirrorLog::resume(dir, size, segment_bytes)?);
        Ok((monitor, alarms))
    }

    /// Entries verified so far (the position to follow from).
    pub fn size(&self) -> u64 {
        self.verifier.entries()
    }

    /// The last checkpoint shown consistent with everything verified.
    pub fn held(&self) -> Option<&SignedNote> {
        self.held.as_ref()
    }

    /// Whether a checkpoint was shown that the entries have not reached yet.
    pub fn is_behind(&self) -> bool {
        !self.ahead.is_empty()
    }

    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Verifies entries that continue the log (positions from [`Monitor::size`]) and mirrors
    /// them durably. Returns what they set off.
    pub fn push(&mut self, entries: &[Entry]) -> Result<Vec<Alarm>, MonitorError> {
        let bytes: Vec<Vec<u8>> = entries.iter().map(Entry::encode).collect();
        let mut alarms = Vec::new();
        let mut start = 0;
        while start < bytes.len() && !self.broken {
            // Up to the next checkpoint waiting for its entries, so that it is judged at its
            // exact size, by its root.
            let verified = self.verifier.entries();
            let stop = self
                .ahead
                .iter()
                .map(|n| n.checkpoint.size)
                .filter(|&size| size > verified)
                .min();
            let end = stop.map_or(bytes.len(), |size| {
                (start + (size - verified) as usize).min(bytes.len())
            });
            let piece = &bytes[start..end];
            start = end;
            alarms.extend(self.verify(piece));
            if let Some(log) = self.mirror.as_mut() {
                // Only what verified: the entries before an integrity failure, if any.
                let keep = self.verifier.entries().saturating_sub(log.size()) as usize;
                for e in piece.iter().take(keep) {
                    log.push(e)?;
                }
                log.sync()?;
            }
            let reached = self.verifier.entries();
            let (due, waiting): (Vec<SignedNote>, Vec<SignedNote>) =
                std::mem::take(&mut self.ahead)
                    .into_iter()
                    .partition(|n| n.checkpoint.size <= reached);
            self.ahead = waiting;
            for note in due {
                // Origin was checked when it was shown; its size is reached, so the key in
                // force at it is known: the signature is checked now.
                alarms.extend(self.judge(note, &|_, _| {
                    Err("the entries up to it are verified here".into())
                }));
            }
        }
        Ok(alarms)
    }

    fn verify(&mut self, bytes: &[Vec<u8>]) -> Vec<Alarm> {
        if self.broken || bytes.is_empty() {
            return Vec::new();
        }
        let chunk: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
        let mut alarms = Vec::new();
        let settled = self
            .verifier
            .push_chunk(&chunk)
            .and_then(|()| self.verifier.settle());
        let (unauthorized, count) = self.verifier.unauthorized();
        if count > self.unauthorized_seen {
            let listed = unauthorized.len() as u64;
            for f in unauthorized
                .iter()
                .skip(self.unauthorized_seen.min(listed) as usize)
            {
                alarms.push(Alarm::Unauthorized(f.clone()));
            }
            self.unauthorized_seen = count;
        }
        if let Err(f) = settled {
            self.broken = true;
            alarms.push(Alarm::Integrity(f));
        }
        alarms
    }

    /// The procedure findings now, against those at the last checkpoint: new ones, and the
    /// ones that no longer hold. Judged only at checkpoints, where the log is at a point its
    /// server vouched for, rather than after every batch of a congress being recorded.
    fn findings_changed(&mut self) -> Vec<Alarm> {
        let (Some(projections), Some(rulebook)) = (
            self.verifier.projections(),
            self.verifier.default_rulebook(),
        ) else {
            return Vec::new();
        };
        let report = crate::rules::check(projections, rulebook);
        let mut now = HashMap::new();
        let mut alarms = Vec::new();
        for f in report.findings {
            let key = format!("{}|{}|{}", f.rule, f.stream, f.events.join(","));
            if !self.findings.contains_key(&key) {
                alarms.push(Alarm::Finding(f.clone()));
            }
            now.insert(key, f);
        }
        for (key, f) in &self.findings {
            if !now.contains_key(key) {
                alarms.push(Alarm::Resolved {
                    rule: f.rule.clone(),
                    stream: f.stream.clone(),
                    events: f.events.clone(),
                });
            }
        }
        self.findings = now;
        alarms
    }

    /// Checks a checkpoint the server showed: signed by the log, under the witness policy
    /// (when one is set), and consistent with the entries verified here — its root at their
    /// size, or a consistency proof (`proof(old, new)` fetches one from the server) from its
    /// size to theirs. One ahead of the entries is kept and checked once they arrive. Since
    /// every checkpoint held passed the same check, each is consistent with the ones before.
    pub fn checkpoint(
        &mut self,
        note_text: &str,
        proof: &dyn Fn(u64, u64) -> Result<Vec<Hash>, String>,
    ) -> Vec<Alarm> {
        if self.broken {
            return Vec::new();
        }
        let note = match SignedNote::parse(note_text) {
            Ok(n) => n,
            Err(e) => {
                self.broken = true;
                return vec![Alarm::BadCheckpoint {
                    detail: Text::of(&e),
                    note: note_text.to_string(),
                }];
            }
        };
        if note.checkpoint.origin != self.log_key.name {
            self.broken = true;
            return vec![Alarm::BadCheckpoint {
                detail: Text::new(
                    format!("điểm kiểm thuộc `{}`", note.checkpoint.origin),
                    format!("the checkpoint is of `{}`", note.checkpoint.origin),
                ),
                note: note_text.to_string(),
            }];
        }
        self.judge(note, proof)
    }

    /// Whether `note` (of a size the entries verified here reach) is signed by the log key in
    /// force at its size; once the key was rotated, the chain is followed from the pinned
    /// key only when anchored (a checkpoint of this log signed by it, this one or one before).
    fn signed(&self, note: &SignedNote) -> Result<(), Text> {
        match self.verifier.log_keys().filter(|c| c.rotated()) {
            Some(chain) => {
                chain.check_signed(note)?;
                if self.anchored {
                    return Ok(());
                }
                chain.anchor(&self.log_key, &[note])
            }
            None => note.verify(&self.log_key).map_err(|e| Text::of(&e)),
        }
    }

    /// A checkpoint validly signed by the log, against the entries verified here. Every
    /// checkpoint held passed this same check, so passing it also shows the checkpoint
    /// consistent with the one held.
    fn judge(
        &mut self,
        note: SignedNote,
        proof: &dyn Fn(u64, u64) -> Result<Vec<Hash>, String>,
    ) -> Vec<Alarm> {
        let cp = &note.checkpoint;
        let mut alarms = Vec::new();
        let verified = self.verifier.entries();
        let ours = self.verifier.root();
        if cp.size <= verified {
            // Signed by the key in force at its size, which the entries verified name.
            if let Err(detail) = self.signed(&note) {
                self.broken = true;
                return vec![Alarm::BadCheckpoint {
                    detail,
                    note: note.encode(),
                }];
            }
        }
        let verdict = if cp.size == verified {
            (cp.root == ours).then_some(()).ok_or_else(|| {
                Text::new(
                    format!(
                        "gốc của điểm kiểm ở cỡ {} là {}, nhưng các mục máy chủ gửi cho gốc {ours}",
                        cp.size, cp.root
                    ),
                    format!(
                        "the checkpoint's root at size {} is {}, but the entries served give {ours}",
                        cp.size, cp.root
                    ),
                )
            })
        } else if cp.size < verified {
            // The proof's failure comes from the front end, already in both languages.
            proof(cp.size, verified)
                .map_err(|e| Text::new(e.clone(), e))
                .and_then(|p| {
                    merkle::verify_consistency(cp.size, verified, &cp.root, &ours, &p).map_err(
                        |e| {
                            Text::new(
                                format!(
                                    "điểm kiểm cỡ {} không phải tiền tố của {verified} mục máy chủ gửi",
                                    cp.size
                                ),
                                format!(
                                    "the checkpoint of size {} is not a prefix of the {verified} entries served",
                                    cp.size
                                ),
                            )
                            .then(&e)
                        },
                    )
                })
        } else {
            // Ahead of the entries: judged when they arrive.
            self.ahead.retain(|n| n.checkpoint.size != cp.size);
            self.ahead.push(note.clone());
            return alarms;
        };
        if let Err(detail) = verdict {
            self.broken = true;
            let held = self
                .held
                .as_ref()
                .map(SignedNote::encode)
                .unwrap_or_default();
            return vec![Alarm::Fork {
                detail,
                held_note: held,
                offered_note: note.encode(),
            }];
        }
        if note.verify(&self.log_key).is_ok() {
            self.anchored = true;
        }
        if let Some(policy) = &self.policy {
            if let Err(detail) = policy.counts(&note) {
                alarms.push(Alarm::Unwitnessed {
                    size: cp.size,
                    detail,
                });
            }
        }
        let newer = self
            .held
            .as_ref()
            .is_none_or(|h| cp.size > h.checkpoint.size);
        if newer {
            if let Some(log) = self.mirror.as_mut() {
                if cp.size <= log.size() {
                    if let Err(e) = log.checkpoint(&note) {
                        alarms.push(Alarm::BadCheckpoint {
                            detail: Text::new(
                                "bản sao không giữ được điểm kiểm này",
                                "the mirror could not keep it",
                            )
                            .then(&e),
                            note: note.encode(),
                        });
                    }
                }
            }
            let size = cp.size;
            self.held = Some(note);
            if size == verified {
                alarms.extend(self.findings_changed());
            }
        }
        alarms
    }
}
