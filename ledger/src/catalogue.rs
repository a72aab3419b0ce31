//! The event catalogue (`events.md`): every kind, the stream family it belongs to, and who may
//! sign it. Authority checks (§4) and schema validation both read this one table.

/// The roles a key can be enrolled with (glossary).
pub const ROLES: &[&str] = &[
    "convener",
    "superior",
    "presidium",
    "secretariat",
    "credentials",
    "counting",
    "inspection",
    "registrar",
];

/// Which stream family a kind is recorded in (`stream` up to its first `/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Ledger,
    Org,
    Congress,
    Complaint,
    /// `document.attached` and `correction.issued` go in whichever stream they concern.
    Any,
}

impl Family {
    pub fn of_stream(stream: &str) -> Option<Family> {
        if stream == "ledger" {
            return Some(Family::Ledger);
        }
        let (head, rest) = stream.split_once('/')?;
        if rest.is_empty() {
            return None;
        }
        match head {
            "org" => Some(Family::Org),
            "congress" => Some(Family::Congress),
            "complaint" => Some(Family::Complaint),
            _ => None,
        }
    }

    pub fn admits(self, stream: Family) -> bool {
        self == Family::Any || self == stream
    }

    pub fn name(self) -> &'static str {
        match self {
            Family::Ledger => "ledger",
            Family::Org => "org/<org>",
            Family::Congress => "congress/<org>/<term>",
            Family::Complaint => "complaint/<case>",
            Family::Any => "any stream",
        }
    }
}

/// Who may sign a kind, besides an authority (which may sign anything).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedBy {
    AuthorityOnly,
    Roles(&'static [&'static str]),
    /// Any enrolled role whose scope covers the stream.
    AnyRole,
    /// A role that may sign the kind of the event being corrected.
    AsCorrected,
}

pub struct KindSpec {
    pub kind: &'static str,
    pub family: Family,
    pub signed_by: SignedBy,
}

const fn k(kind: &'static str, family: Family, signed_by: SignedBy) -> KindSpec {
    KindSpec {
        kind,
        family,
        signed_by,
    }
}

use Family::{Any, Complaint, Congress, Ledger, Org};
use SignedBy::{AnyRole, AsCorrected, AuthorityOnly, Roles};

pub const KINDS: &[KindSpec] = &[
    k("ledger.created", Ledger, AuthorityOnly),
    k("key.enrolled", Ledger, AuthorityOnly),
    k("key.revoked", Ledger, AuthorityOnly),
    k("authority.added", Ledger, AuthorityOnly),
    k("authority.retired", Ledger, AuthorityOnly),
    k("org.registered", Org, Roles(&["superior"])),
    k(
        "congress.convened",
        Congress,
        Roles(&["convener", "superior"]),
    ),
    k(
        "person.registered",
        Congress,
        Roles(&["secretariat", "credentials", "convener"]),
    ),
    k(
        "credentials.reported",
        Congress,
        Roles(&["credentials", "convener"]),
    ),
    k("session.opened", Congress, Roles(&["presidium"])),
    k(
        "motion.decided",
        Congress,
        Roles(&["presidium", "secretariat"]),
    ),
    k("election.opened", Congress, Roles(&["presidium"])),
    k(
        "nomination.made",
        Congress,
        Roles(&["presidium", "secretariat"]),
    ),
    k(
        "straw_poll.counted",
        Congress,
        Roles(&["counting", "secretariat"]),
    ),
    k("withdrawal.decided", Congress, Roles(&["presidium"])),
    k("candidate_list.adopted", Congress, Roles(&["presidium"])),
    k("ballots.issued", Congress, Roles(&["counting"])),
    k("ballots.counted", Congress, Roles(&["counting"])),
    k(
        "election.declared",
        Congress,
        Roles(&["counting", "presidium"]),
    ),
    k("congress.closed", Congress, Roles(&["presidium"])),
    k("results.approved", Congress, Roles(&["superior"])),
    k("appointment.made", Congress, Roles(&["superior"])),
    k("document.attached", Any, AnyRole),
    k("correction.issued", Any, AsCorrected),
    k(
        "complaint.received",
        Complaint,
        Roles(&["registrar", "inspection", "presidium", "counting"]),
    ),
    k(
        "complaint.assigned",
        Complaint,
        Roles(&["inspection", "convener", "presidium"]),
    ),
    k(
        "complaint.dismissed",
        Complaint,
        Roles(&["inspection", "presidium", "counting"]),
    ),
    k(
        "complaint.concluded",
        Complaint,
        Roles(&["inspection", "counting", "superior"]),
    ),
    k(
        "complaint.notified",
        Complaint,
        Roles(&["inspection", "registrar"]),
    ),
    k(
        "complaint.reopened",
        Complaint,
        Roles(&["inspection", "superior"]),
    ),
    // In the stream of the congress it concludes on (docs/FORMAT.md, the catalogue).
    k("inspection.concluded", Congress, Roles(&["inspection"])),
    k("complaint.shredded", Complaint, Roles(&["inspection"])),
];

pub fn spec(kind: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|s| s.kind == kind)
}
