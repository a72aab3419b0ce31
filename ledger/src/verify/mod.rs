//! Verification, in three levels and in this order: integrity (`integrity`), authority (in
//! the same pass), then procedure (the rulebook's checks over projections rebuilt from the
//! verified log). `report` assembles them.

pub mod integrity;
pub mod report;

use crate::engine::Ledger;
use crate::storage::StorageError;
use integrity::VerifyOptions;
use report::Report;

/// Verifies a live ledger at all three levels. The procedure level is computed only when the
/// log's integrity holds (findings about a log that is not the signed record would mislead),
/// from projections folded in the same pass over the log, not from the stored ones.
pub fn ledger(ledger: &Ledger, options: &VerifyOptions) -> Result<Report, StorageError> {
    let options = VerifyOptions {
        with_projections: true,
        ..options.clone()
    };
    let mut integrity = ledger.verify(&options)?;
    let projections = integrity.projections.take();
    let report = Report::new(integrity);
    let Some(projections) = projections.filter(|_| report.integrity.ok) else {
        return Ok(report);
    };
    let default_rulebook = ledger.registry()?.genesis_payload().rulebook.clone();
    Ok(report.with_procedure(crate::rules::check(&projections, &default_rulebook)))
}
