//! Verification. Integrity and authority live here; the procedure checks come with the
//! rulebook.

pub mod integrity;
pub mod report;
