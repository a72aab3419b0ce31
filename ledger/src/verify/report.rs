//! The verification report, by level: integrity first (is this the log, byte for byte, as it
//! was signed and chained?), then authority (was every act signed by a body allowed to?).
//! Procedure findings join as a third level with the rulebook.

use serde::Serialize;

use super::integrity::{CheckpointResult, Failure, FailureKind, IntegrityReport};
use crate::format::Hash;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Level {
    pub ok: bool,
    /// How many entries this level covers (a later failure stops the checks early).
    pub entries: u64,
    pub failure: Option<Failure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntegrityLevel {
    pub ok: bool,
    pub origin: Option<String>,
    pub entries: u64,
    pub streams: usize,
    pub root: Hash,
    pub checkpoints: Vec<CheckpointResult>,
    pub failure: Option<Failure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub integrity: IntegrityLevel,
    pub authority: Level,
}

impl Report {
    pub fn new(r: IntegrityReport) -> Report {
        let (integrity_failure, authority_failure) = match r.failure {
            Some(f) if f.kind == FailureKind::Authority => (None, Some(f)),
            other => (other, None),
        };
        Report {
            authority: Level {
                ok: authority_failure.is_none() && integrity_failure.is_none(),
                entries: authority_failure.as_ref().map_or(r.entries, |f| f.position),
                failure: authority_failure,
            },
            integrity: IntegrityLevel {
                ok: integrity_failure.is_none(),
                origin: r.origin,
                entries: r.entries,
                streams: r.streams,
                root: r.root,
                checkpoints: r.checkpoints,
                failure: integrity_failure,
            },
        }
    }

    /// Integrity and authority both hold.
    pub fn holds(&self) -> bool {
        self.integrity.ok && self.authority.ok
    }
}
