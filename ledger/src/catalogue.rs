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
    k("log_key.rotated", Ledger, AuthorityOnly),
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

/// The closest of `known` to a mistyped `input` ("did you mean …"): the one at the smallest
/// edit distance, if that distance is at most a third of the input's length (at least 2), so
/// that a stray or swapped letter is caught but an unrelated word gets no guess.
pub fn closest<'a>(input: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (input.chars().count() / 3).max(2);
    known
        .into_iter()
        .map(|k| (edit_distance(input, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The kind closest to a mistyped one.
pub fn closest_kind(input: &str) -> Option<&'static str> {
    closest(input, KINDS.iter().map(|s| s.kind))
}

/// The role closest to a mistyped one.
pub fn closest_role(input: &str) -> Option<&'static str> {
    closest(input, ROLES.iter().copied())
}

/// Levenshtein distance over characters, a transposition of neighbours counting as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_kind_or_role_gets_the_nearest_and_an_unrelated_word_none() {
        assert_eq!(closest_kind("session.opend"), Some("session.opened"));
        assert_eq!(closest_kind("sesion.opened"), Some("session.opened"));
        assert_eq!(closest_kind("ballots.coutned"), Some("ballots.counted"));
        assert_eq!(closest_role("presidum"), Some("presidium"));
        assert_eq!(closest_role("inspectoin"), Some("inspection"));
        assert_eq!(closest_kind("xyz"), None);
        assert_eq!(closest_role("mayor"), None);
    }
}
