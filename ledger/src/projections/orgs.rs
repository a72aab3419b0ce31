//! The organization tree, and progress of congresses across it (`42/69`, 60.87%).

use std::collections::BTreeMap;

use serde::Serialize;

use super::congress::{Congress, Recorded, State};
use crate::domain::payloads::OrgRegistered;

/// How far the units below an organization are with their congresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub org: String,
    pub term: Option<String>,
    pub as_of: Option<String>,
    pub units: u64,
    pub held: u64,
    pub closed: u64,
    pub approved: u64,
    /// `held / units` as a percentage, two decimals, as reports print it.
    pub held_percent: String,
    /// Units with no congress held yet.
    pub pending: Vec<String>,
}

pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0.00".into();
    }
    // Rounded half up at two decimals, in integers so that 42/69 is exactly 60.87.
    let hundredths = (part as u128 * 10_000 * 2 + whole as u128) / (whole as u128 * 2);
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// Progress of the direct children of `org` with their congress of `term` (or any term), as
/// of the end of day `as_of` (`YYYY-MM-DD`, or now).
pub fn progress(
    orgs: &BTreeMap<String, Recorded<OrgRegistered>>,
    congresses: &BTreeMap<String, Congress>,
    org: &str,
    term: Option<&str>,
    as_of: Option<&str>,
) -> Progress {
    let units: Vec<&String> = orgs
        .values()
        .filter(|o| o.value.parent.as_deref() == Some(org))
        .map(|o| &o.value.org)
        .collect();
    let by = |time: i64| as_of.is_none_or(|d| crate::calendar::date_of(time).as_str() <= d);
    let mut p = Progress {
        org: org.to_string(),
        term: term.map(str::to_string),
        as_of: as_of.map(str::to_string),
        units: units.len() as u64,
        held: 0,
        closed: 0,
        approved: 0,
        held_percent: String::new(),
        pending: Vec::new(),
    };
    for unit in units {
        let congress = congresses.values().find(|c| {
            c.convened.value.org == *unit && term.is_none_or(|t| c.convened.value.term == t)
        });
        let held = congress.is_some_and(|c| {
            c.state != State::Convened && c.sessions.values().map(|s| s.time).min().is_some_and(by)
        });
        let closed = congress.is_some_and(|c| c.closed.as_ref().is_some_and(|x| by(x.time)));
        let approved = congress.is_some_and(|c| c.approvals.iter().any(|a| by(a.time)));
        p.held += held as u64;
        p.closed += closed as u64;
        p.approved += approved as u64;
        if !held {
            p.pending.push(unit.clone());
        }
    }
    p.held_percent = percent(p.held, p.units);
    p
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn percentages_round_as_reports_print_them() {
        assert_eq!(percent(42, 69), "60.87");
        assert_eq!(percent(18, 18), "100.00");
        assert_eq!(percent(8, 41), "19.51");
        assert_eq!(percent(0, 0), "0.00");
        assert_eq!(percent(1, 3), "33.33");
        assert_eq!(percent(2, 3), "66.67");
    }
}
