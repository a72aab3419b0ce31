//! The verification report, by level: integrity first (is this the log, byte for byte, as it
//! was signed and chained?), then authority (was every act signed by a body allowed to?).
//! Then procedure: what the rulebook's checks find in the acts.

use serde::Serialize;

use super::integrity::{CheckpointResult, Failure, IntegrityReport};
use super::witnessed::WitnessLevel;
use crate::format::Hash;
use crate::rulebook::{Finding, Severity};
use crate::rules::{ProcedureReport, Unchecked};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorityLevel {
    pub ok: bool,
    /// How many entries were checked (an integrity failure stops the checks early).
    pub entries: u64,
    /// Acts signed by a key not allowed to sign them (the first of them, if many).
    pub unauthorized: Vec<Failure>,
    pub unauthorized_count: u64,
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub integrity: IntegrityLevel,
    pub authority: AuthorityLevel,
    /// Procedure findings; None when they could not be computed (integrity failed).
    pub findings: Option<Vec<Finding>>,
    /// Streams the procedure checks could not run on (an unknown rulebook), and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unchecked: Vec<Unchecked>,
    /// Under a witness policy: whether a checkpoint with enough cosignatures covers the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnesses: Option<WitnessLevel>,
    /// Findings of the free-text rule (§4), joined to the procedure findings.
    #[serde(skip)]
    text_findings: Vec<Finding>,
}

/// The free-text rule's id in findings: a rule of the format (§4), not of a rulebook.
pub const UNSAFE_TEXT_RULE: &str = "F-01";

fn text_finding(t: &super::integrity::UnsafeText) -> Finding {
    Finding {
        rule: UNSAFE_TEXT_RULE.into(),
        severity: Severity::Warning,
        stream: t.stream.clone(),
        events: vec![t.event.to_hex()],
        message_vi: format!("Mục {}: {}", t.position, t.detail_vi),
        message_en: format!("Entry {}: {}", t.position, t.detail_en),
        citation: "Định dạng sổ cái v1, §4: văn bản tự do (NFC, không ký tự điều khiển, không ký tự đảo chiều) / Ledger format v1, §4: free text".into(),
        rulebook: "format-v1".into(),
        parameters: Default::default(),
    }
}

impl Report {
    /// The integrity and authority levels, without procedure findings.
    pub fn new(r: IntegrityReport) -> Report {
        // A failure of the genesis itself is reported as integrity: nothing can be judged.
        let integrity_ok = r.failure.is_none();
        let text_findings = r.unsafe_text.iter().map(text_finding).collect();
        Report {
            text_findings,
            authority: AuthorityLevel {
                ok: integrity_ok && r.unauthorized_count == 0,
                entries: r.entries,
                unauthorized: r.unauthorized,
                unauthorized_count: r.unauthorized_count,
            },
            integrity: IntegrityLevel {
                ok: integrity_ok,
                origin: r.origin,
                entries: r.entries,
                streams: r.streams,
                root: r.root,
                checkpoints: r.checkpoints,
                failure: r.failure,
            },
            findings: None,
            unchecked: Vec::new(),
            witnesses: None,
        }
    }

    /// Adds the procedure level.
    pub fn with_procedure(mut self, procedure: ProcedureReport) -> Report {
        let mut findings = procedure.findings;
        findings.append(&mut self.text_findings);
        self.findings = Some(findings);
        self.unchecked = procedure.unchecked;
        self
    }

    /// Adds the witness level (None: no witness policy was asked for).
    pub fn with_witnesses(mut self, level: Option<WitnessLevel>) -> Report {
        self.witnesses = level;
        self
    }

    /// Integrity and authority both hold, and the witness policy when one was asked for.
    pub fn holds(&self) -> bool {
        self.integrity.ok && self.authority.ok && self.witnesses.as_ref().is_none_or(|w| w.ok)
    }

    /// The most serious finding's severity, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().flatten().map(|f| f.severity).max()
    }
}
