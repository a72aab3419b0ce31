//! Verification, in three levels and in this order: integrity (`integrity`), authority (in
//! the same pass), then procedure (the rulebook's checks over projections rebuilt from the
//! verified log). `report` assembles them. Everything here is a fold over a signed log
//! ([`SignedLog`]: a live ledger, a mirror, tiles), knowing nothing of what holds it.

pub mod integrity;
pub mod report;
pub mod witnessed;

use crate::projections::Projections;
use crate::storage::{SignedLog, StorageError};
use integrity::{IntegrityReport, VerifyOptions};
use report::Report;

/// Verifies the whole log (framing, encoding, signatures, chains, received order,
/// authority) and every checkpoint signed over it.
pub fn integrity(
    log: &dyn SignedLog,
    options: &VerifyOptions,
) -> Result<IntegrityReport, StorageError> {
    // The notes are read first: a damaged checkpoint history is named at once, before the
    // pass over the log.
    let notes = log.checkpoints()?;
    let sizes: Vec<u64> = notes.iter().map(|n| n.checkpoint.size).collect();
    let mut verifier = integrity::Verifier::new(Some(log.origin().to_string()), options.clone());
    verifier.want_roots(&sizes);
    log.scan_chunks(0, log.size(), &mut |_, frames| {
        frames
            .chunks(integrity::CHUNK)
            .all(|chunk| verifier.push_chunk(chunk).is_ok())
    })?;
    let pinned = options.pinned_log_key.as_ref().unwrap_or(log.log_key());
    Ok(verifier.finish(&notes, Some(pinned)))
}

/// Verifies a log at all three levels. The procedure level is computed only when the
/// log's integrity holds (findings about a log that is not the signed record would mislead),
/// from projections folded in the same pass over the log, not from stored ones.
pub fn ledger(log: &dyn SignedLog, options: &VerifyOptions) -> Result<Report, StorageError> {
    Ok(ledger_with_projections(log, options)?.0)
}

/// As [`ledger`], and the projections the procedure level was computed from (None when the
/// log's integrity failed), for callers that go on to show them.
pub fn ledger_with_projections(
    log: &dyn SignedLog,
    options: &VerifyOptions,
) -> Result<(Report, Option<Projections>), StorageError> {
    let options = VerifyOptions {
        with_projections: true,
        ..options.clone()
    };
    let mut integrity = integrity(log, &options)?;
    let projections = integrity.projections.take();
    let default_rulebook = integrity.default_rulebook.take();
    let witnessed = match &options.witness_policy {
        Some(policy) => {
            let sizes: Vec<u64> = integrity.checkpoints.iter().map(|c| c.size).collect();
            let notes = log.cosigned(&sizes)?;
            Some(witnessed::judge(
                &notes,
                &integrity.checkpoints,
                integrity.entries,
                policy,
            ))
        }
        None => None,
    };
    let report = Report::new(integrity).with_witnesses(witnessed);
    let (Some(projections), Some(rulebook)) = (
        projections.filter(|_| report.integrity.ok),
        default_rulebook,
    ) else {
        return Ok((report, None));
    };
    let report = report.with_procedure(crate::rules::check(&projections, &rulebook));
    Ok((report, Some(projections)))
}
