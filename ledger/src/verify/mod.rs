//! Verification, in three levels and in this order: integrity (`integrity`), authority (in
//! the same pass), then procedure (the rulebook's checks over projections rebuilt from the
//! verified log). `report` assembles them.

pub mod integrity;
pub mod report;
pub mod witnessed;

use crate::engine::Ledger;
use crate::projections::Projections;
use crate::storage::StorageError;
use integrity::VerifyOptions;
use report::Report;

/// Verifies a live ledger at all three levels. The procedure level is computed only when the
/// log's integrity holds (findings about a log that is not the signed record would mislead),
/// from projections folded in the same pass over the log, not from the stored ones.
pub fn ledger(ledger: &Ledger, options: &VerifyOptions) -> Result<Report, StorageError> {
    Ok(ledger_with_projections(ledger, options)?.0)
}

/// As [`ledger`], and the projections the procedure level was computed from (None when the
/// log's integrity failed), for callers that go on to show them.
pub fn ledger_with_projections(
    ledger: &Ledger,
    options: &VerifyOptions,
) -> Result<(Report, Option<Projections>), StorageError> {
    let options = VerifyOptions {
        with_projections: true,
        ..options.clone()
    };
    let mut integrity = ledger.verify(&options)?;
    let projections = integrity.projections.take();
    let witnessed = match &options.witness_policy {
        Some(policy) => {
            let notes = ledger.checkpoints_cosigned(&integrity.checkpoints)?;
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
    let Some(projections) = projections.filter(|_| report.integrity.ok) else {
        return Ok((report, None));
    };
    let default_rulebook = ledger.registry()?.genesis_payload().rulebook.clone();
    let report = report.with_procedure(crate::rules::check(&projections, &default_rulebook));
    Ok((report, Some(projections)))
}
