//! Who may read what (issue 12): reader credentials (`tokens`: granted, revoked and listed by
//! the operator, stored hashed beside the ledger) with their roles, and the access log (`log`):
//! every read of a confidential value, append-only and hash-chained, in its own file beside
//! the ledger, never in the log itself.
//!
//! Roles: every authenticated reader reads every log entry (they hold commitments, not
//! confidential values); a `registrar` also deposits a case's confidential values and letters;
//! only the `inspection` commission reads them back, and the access log.

pub mod log;
pub mod tokens;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads the log: entries, streams, projections, reports, the subscription, public blobs.
    Member,
    /// A member who also deposits confidential values and letters (the complaints desk).
    Registrar,
    /// The inspection commission: also reads confidential values, confidential attachments and
    /// the access log.
    Inspection,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Member, Role::Registrar, Role::Inspection];

    pub fn name(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Registrar => "registrar",
            Role::Inspection => "inspection",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == text)
    }

    /// Reads confidential values, confidential attachments and the access log.
    pub fn reads_confidential(self) -> bool {
        self == Role::Inspection
    }

    /// Deposits confidential values and letters.
    pub fn deposits_confidential(self) -> bool {
        matches!(self, Role::Registrar | Role::Inspection)
    }
}
