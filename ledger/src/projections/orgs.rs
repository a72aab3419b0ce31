//! The organization tree, and progress of congresses across it (`42/69`, 60.87%), with what
//! the units' congresses elected added up the way provincial reports do (Phú Thọ 2020: 16/18
//! secretaries not local, young members 16,83%, women 19,63%), from the per-congress acts.

use std::collections::BTreeMap;

use serde::Serialize;

use super::congress::{Congress, Recorded, State};
use super::figures::{self, Share};
use crate::domain::payloads::OrgRegistered;

/// How far the units below an organization are with their congresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// What the congresses held elected, added up over the units.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub elected: Elected,
}

/// What the units' congresses held by the date elected, added up from their acts: shares are
/// of the committee members elected (women, young) or of the units held (standing committees
/// with a woman), as provincial reports print them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Elected {
    /// Committee members (cấp ủy viên) elected, over all the units' congresses held.
    pub committee_members: u64,
    pub women: Share,
    /// Under the youth age of each congress's rulebook, in the congress's year.
    pub young: Share,
    /// Secretaries elected who are not local (người địa phương), of the secretaries elected
    /// (Chỉ thị 35-CT/TW's policy).
    pub secretaries_not_local: Share,
    /// Secretaries elected whose locality was not recorded (`person.registered` schema 1).
    pub secretaries_locality_unknown: u64,
    /// Units held whose standing committee has a woman, of the units held.
    pub standing_committees_with_a_woman: Share,
}

/// The youth age of the congress's rulebook (40 if it names none the software knows).
fn youth_age(c: &Congress) -> i32 {
    crate::rulebook::Rulebook::get(&c.convened.value.rulebook)
        .ok()
        .and_then(|rb| rb.number("youth_age"))
        .map_or(40, |v| v as i32)
}

/// Adds up the composition of `held` congresses.
fn elected(held: &[&Congress]) -> Elected {
    let (mut members, mut women, mut young) = (0, 0, 0);
    let (mut secretaries, mut not_local, mut unknown, mut standing) = (0, 0, 0, 0);
    for c in held {
        let comp = figures::composition(c, youth_age(c));
        members += comp.committee_size;
        women += comp.women.count;
        young += comp.young.count;
        let person = |p: &String| c.persons.get(p).map(|r| &r.value);
        for s in c.elected_to("secretary") {
            secretaries += 1;
            match person(&s).and_then(|p| p.local) {
                Some(false) => not_local += 1,
                Some(true) => {}
                None => unknown += 1,
            }
        }
        let with_a_woman = c
            .elected_to("standing_committee")
            .iter()
            .any(|p| person(p).is_some_and(|x| x.gender == "female"));
        standing += with_a_woman as u64;
    }
    Elected {
        committee_members: members,
        women: Share::new(women, members),
        young: Share::new(young, members),
        secretaries_not_local: Share::new(not_local, secretaries),
        secretaries_locality_unknown: unknown,
        standing_committees_with_a_woman: Share::new(standing, held.len() as u64),
    }
}

pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0.00".into();
    }
    // Rounded half up at two decimals, in integers so that 42/69 is exactly 60.87.
    let hundredths = (part as u128 * 10_000 * 2 + whole as u128) / (whole as u128 * 2);
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// One unit below an organization and its congress of the term, as of a date.
pub struct Unit<'a> {
    pub org: &'a str,
    pub name: &'a str,
    /// Its congress of the term (or of any term), if one was convened.
    pub congress: Option<&'a Congress>,
    /// The local date of the congress's first session, when it was held by the date.
    pub held_on: Option<String>,
    pub closed: bool,
    pub approved: bool,
}

/// The direct children of `org` and their congress of `term` (or any term), as of the end of
/// day `as_of` (`YYYY-MM-DD`, or now), in the order of their ids.
pub fn units<'a>(
    orgs: &'a BTreeMap<String, Recorded<OrgRegistered>>,
    congresses: &'a BTreeMap<String, Congress>,
    org: &str,
    term: Option<&str>,
    as_of: Option<&str>,
) -> Vec<Unit<'a>> {
    let by = |time: i64| as_of.is_none_or(|d| crate::calendar::date_of(time).as_str() <= d);
    orgs.values()
        .filter(|o| o.value.parent.as_deref() == Some(org))
        .map(|o| {
            let unit = &o.value.org;
            let congress = congresses.values().find(|c| {
                c.convened.value.org == *unit && term.is_none_or(|t| c.convened.value.term == t)
            });
            let held_on = congress
                .filter(|c| c.state != State::Convened)
                .and_then(|c| c.sessions.values().map(|s| s.time).min())
                .filter(|t| by(*t))
                .map(crate::calendar::date_of);
            Unit {
                org: unit,
                name: &o.value.name,
                congress,
                held_on,
                closed: congress.is_some_and(|c| c.closed.as_ref().is_some_and(|x| by(x.time))),
                approved: congress.is_some_and(|c| c.approvals.iter().any(|a| by(a.time))),
            }
        })
        .collect()
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
    let units = units(orgs, congresses, org, term, as_of);
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
        elected: elected(&[]),
    };
    let mut held_congresses = Vec::new();
    for u in &units {
        p.held += u.held_on.is_some() as u64;
        p.closed += u.closed as u64;
        p.approved += u.approved as u64;
        match u.congress {
            Some(c) if u.held_on.is_some() => held_congresses.push(c),
            _ => p.pending.push(u.org.to_string()),
        }
    }
    p.held_percent = percent(p.held, p.units);
    p.elected = elected(&held_congresses);
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
