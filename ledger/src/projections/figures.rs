//! Figures as the reports print them: attendance and quorum, the base that a candidate must
//! win more than half of, tallies as a share of that base, and the composition of the
//! committee (women, young members, incumbents re-elected), the secretary's share, and the
//! delegation with its alternates.

use std::collections::BTreeSet;

use serde::Serialize;

use super::congress::{Congress, Election, Round};
use super::orgs::percent;
use crate::domain::payloads::Person;
use crate::rulebook::{Fraction, Rulebook};

/// Bodies elected by the new committee at its first meeting, not by the congress.
pub const ELECTED_BY_COMMITTEE: &[&str] = &[
    "standing_committee",
    "deputy_secretary",
    "inspection_commission",
    "inspection_chair",
];

/// Who votes in an election: the congress, or the committee it elected.
pub fn voted_by_committee(congress: &Congress, body: &str) -> bool {
    ELECTED_BY_COMMITTEE.contains(&body)
        || (body == "secretary" && !congress.convened.value.plan.secretary_direct)
}

/// The base of the "more than half" rule (P-04, R-01): for a delegate congress, the official
/// delegates summoned less convening-committee members absent for the whole congress and
/// delegates absent for the whole congress with no one substituting; for an all-member
/// congress, the members summoned less those absent for the whole congress with a reason the
/// convening committee accepted and those the credentials report leaves out of the base (on
/// temporary transfer, exempted and absent, suspended, charged, detained: schema 2), each
/// person once. For elections by the new committee: its members validly elected (a refusal of
/// approval comes after the committee voted, so it does not change the base). None until the
/// credentials report (or the committee) is recorded.
pub fn threshold_base(congress: &Congress, body: &str) -> Option<u64> {
    if voted_by_committee(congress, body) {
        let members = validly_declared(congress, "committee", false).len() as u64;
        return (members > 0).then_some(members);
    }
    congress_base(congress)
}

pub fn congress_base(congress: &Congress) -> Option<u64> {
    let c = &congress.credentials.as_ref()?.value;
    let delegates = congress.convened.value.form == "delegates";
    let mut less: BTreeSet<&str> = c
        .absent
        .iter()
        .filter(|a| a.whole_congress)
        .filter(|a| {
            if delegates {
                a.convening_committee_member || a.substituted_by.is_none()
            } else {
                a.excused
            }
        })
        .map(|a| a.person.as_str())
        .collect();
    if !delegates {
        less.extend(c.base_exclusions.iter().map(|x| x.person.as_str()));
    }
    Some(c.convened.saturating_sub(less.len() as u64))
}

/// The share of the base a candidate must pass (P-04), from the congress's rulebook; more than
/// half when the rulebook cannot be read (every rulebook says so).
pub fn threshold(congress: &Congress) -> Fraction {
    Rulebook::get(&congress.convened.value.rulebook)
        .ok()
        .and_then(|r| r.fraction("threshold"))
        .unwrap_or(Fraction {
            numerator: 1,
            denominator: 2,
            strict: true,
        })
}

/// Whether `person`, declared in round `r` of `e`, has more than the threshold of the base.
/// Without a base (no credentials report yet) the declaration stands.
fn valid_in(congress: &Congress, e: &Election, r: &Round, person: &str) -> bool {
    let votes = votes_in(r, person);
    threshold_base(congress, &e.body).is_none_or(|b| threshold(congress).reached_by(votes, b))
}

/// A candidate's votes in a round's count (0 when not counted).
pub fn votes_in(r: &Round, person: &str) -> u64 {
    r.counted
        .as_ref()
        .and_then(|c| c.value.votes.get(person).copied())
        .unwrap_or(0)
}

/// Those declared elected to `body` (or its alternates) over every round who passed the
/// threshold, in declaration order.
fn validly_declared(congress: &Congress, body: &str, alternates: bool) -> Vec<Person> {
    let mut out = Vec::new();
    for e in congress.elections.values().filter(|e| e.body == body) {
        for r in e.rounds.values() {
            let Some(d) = &r.declared else { continue };
            let declared = if alternates {
                &d.value.alternates
            } else {
                &d.value.elected
            };
            out.extend(
                declared
                    .iter()
                    .filter(|p| valid_in(congress, e, r, p))
                    .cloned(),
            );
        }
    }
    out
}

/// The reason the superior committee refused `person` in `election`, when its latest decision
/// about them (in log order) is a refusal.
fn refused(congress: &Congress, election: &str, person: &str) -> Option<String> {
    let mut last = None;
    for a in &congress.approvals {
        let approved = a
            .value
            .approved
            .iter()
            .any(|x| x.election == election && x.persons.iter().any(|p| p == person));
        if approved {
            last = None;
        }
        if let Some(r) = a
            .value
            .refused
            .iter()
            .find(|r| r.election == election && r.person == person)
        {
            last = Some(r.reason.clone());
        }
    }
    last
}

/// The members of `body` (or its alternates): declared elected, with more than the threshold
/// of the base (P-04), and not refused approval (V-04).
pub fn members(congress: &Congress, body: &str, alternates: bool) -> Vec<Person> {
    let refused_in_body = |p: &Person| {
        congress
            .elections
            .values()
            .filter(|e| e.body == body)
            .any(|e| refused(congress, &e.id, p).is_some())
    };
    validly_declared(congress, body, alternates)
        .into_iter()
        .filter(|p| !refused_in_body(p))
        .collect()
}

/// Someone declared elected who is not a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotMember {
    pub person: Person,
    pub name: Option<String>,
    pub election: String,
    pub body: String,
    pub round: u64,
    /// `not_validly_elected` (declared without more than the threshold of the base, P-04) or
    /// `refused` (refused approval by the superior committee, V-04).
    pub why: String,
    /// The superior committee's reason, when refused.
    pub reason: Option<String>,
    pub votes: u64,
    pub base: Option<u64>,
}

/// Everyone declared elected (or alternate) who is not a member, and why, in the order of the
/// elections and rounds.
pub fn not_members(congress: &Congress) -> Vec<NotMember> {
    let mut out = Vec::new();
    for e in congress.elections.values() {
        let base = threshold_base(congress, &e.body);
        for r in e.rounds.values() {
            let Some(d) = &r.declared else { continue };
            for person in d.value.elected.iter().chain(&d.value.alternates) {
                let (why, reason) = if !valid_in(congress, e, r, person) {
                    ("not_validly_elected", None)
                } else if let Some(reason) = refused(congress, &e.id, person) {
                    ("refused", Some(reason))
                } else {
                    continue;
                };
                out.push(NotMember {
                    person: person.clone(),
                    name: congress.persons.get(person).map(|p| p.value.name.clone()),
                    election: e.id.clone(),
                    body: e.body.clone(),
                    round: r.round,
                    why: why.to_string(),
                    reason,
                    votes: votes_in(r, person),
                    base,
                });
            }
        }
    }
    out
}

/// A count next to its whole, with the percentage as reports print it (`8/41`, 19.51%).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Share {
    pub count: u64,
    pub of: u64,
    pub percent: String,
}

impl Share {
    pub fn new(count: u64, of: u64) -> Share {
        Share {
            count,
            of,
            percent: percent(count, of),
        }
    }

    /// The share rounded to one decimal, as press reports print it (19.5%).
    pub fn percent_1dp(&self) -> String {
        if self.of == 0 {
            return "0.0".into();
        }
        let tenths = (self.count as u128 * 1000 * 2 + self.of as u128) / (self.of as u128 * 2);
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub person: String,
    pub name: Option<String>,
    pub votes: u64,
    /// Votes as a share of the threshold's base.
    pub of_base: Share,
    pub above_threshold: bool,
    pub elected: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundFigures {
    pub election: String,
    pub body: String,
    pub round: u64,
    pub seats: u64,
    pub candidates: usize,
    pub base: Option<u64>,
    pub tallies: Vec<Tally>,
}

/// Every round's tallies against the base, in the order the rounds were opened.
pub fn rounds(congress: &Congress) -> Vec<RoundFigures> {
    rounds_of(congress, |_| true)
}

/// The tallies of the elections `wanted` picks.
fn rounds_of(congress: &Congress, wanted: impl Fn(&Election) -> bool) -> Vec<RoundFigures> {
    let mut out = Vec::new();
    let mut elections: Vec<&Election> = congress.elections.values().filter(|e| wanted(e)).collect();
    elections.sort_by_key(|e| e.rounds.values().map(|r| r.opened.time).min());
    for e in elections {
        let base = threshold_base(congress, &e.body);
        let threshold = threshold(congress);
        for r in e.rounds.values() {
            let candidates = r.list.as_ref().map_or(0, |l| l.value.candidates.len());
            let elected: Vec<&String> = r
                .declared
                .iter()
                .flat_map(|d| d.value.elected.iter().chain(&d.value.alternates))
                .collect();
            let tallies = r
                .counted
                .iter()
                .flat_map(|c| c.value.votes.iter())
                .map(|(person, &votes)| Tally {
                    person: person.clone(),
                    name: congress.persons.get(person).map(|p| p.value.name.clone()),
                    votes,
                    of_base: Share::new(votes, base.unwrap_or(0)),
                    above_threshold: base.is_some_and(|b| threshold.reached_by(votes, b)),
                    elected: elected.contains(&person),
                })
                .collect();
            out.push(RoundFigures {
                election: e.id.clone(),
                body: e.body.clone(),
                round: r.round,
                seats: r.opened.value.seats,
                candidates,
                base,
                tallies,
            });
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Composition {
    pub committee_size: u64,
    pub women: Share,
    /// Under the rulebook's youth age in the congress's year.
    pub young: Share,
    /// Incumbents of the outgoing committee on the list, and how many of them were re-elected.
    pub incumbents_reelected: Share,
    pub elected_in_one_round: bool,
    pub secretary: Option<Tally>,
    pub delegation: Option<(u64, u64)>,
    pub delegation_in_one_round: Option<bool>,
}

/// One round, and every seat filled by someone validly elected in it.
fn one_round(congress: &Congress, e: &Election) -> bool {
    e.rounds.len() == 1
        && e.rounds.values().all(|r| {
            r.declared.as_ref().is_some_and(|d| {
                let valid = d
                    .value
                    .elected
                    .iter()
                    .filter(|p| valid_in(congress, e, r, p))
                    .count();
                valid as u64 == r.opened.value.seats
            })
        })
}

/// The composition of what the congress elected: its members (declared, validly elected and
/// not refused approval). `youth_age` comes from the rulebook.
pub fn composition(congress: &Congress, youth_age: i32) -> Composition {
    let year: i32 = congress
        .convened
        .value
        .opens
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(0);
    let committee = members(congress, "committee", false);
    let size = committee.len() as u64;
    let person = |p: &String| congress.persons.get(p).map(|r| &r.value);
    let women = committee
        .iter()
        .filter(|p| person(p).is_some_and(|x| x.gender == "female"))
        .count() as u64;
    let young = committee
        .iter()
        .filter(|p| person(p).is_some_and(|x| year - x.birth_year < youth_age))
        .count() as u64;
    let committee_elections: Vec<&Election> = congress
        .elections
        .values()
        .filter(|e| e.body == "committee")
        .collect();
    let listed: Vec<&String> = committee_elections
        .iter()
        .flat_map(|e| e.rounds.values())
        .filter_map(|r| r.list.as_ref())
        .flat_map(|l| l.value.candidates.iter())
        .collect();
    let mut standing: Vec<&String> = listed
        .into_iter()
        .filter(|p| person(p).is_some_and(|x| x.incumbent.iter().any(|b| b == "committee")))
        .collect();
    standing.sort();
    standing.dedup();
    let reelected = standing.iter().filter(|p| committee.contains(p)).count() as u64;
    let secretaries = members(congress, "secretary", false);
    let secretary = rounds_of(congress, |e| e.body == "secretary")
        .into_iter()
        .flat_map(|r| r.tallies)
        .find(|t| t.elected && secretaries.contains(&t.person));
    let delegation: Vec<&Election> = congress
        .elections
        .values()
        .filter(|e| e.body == "delegation")
        .collect();
    Composition {
        committee_size: size,
        women: Share::new(women, size),
        young: Share::new(young, size),
        incumbents_reelected: Share::new(reelected, standing.len() as u64),
        elected_in_one_round: !committee_elections.is_empty()
            && committee_elections.iter().all(|e| one_round(congress, e)),
        secretary,
        delegation: (!delegation.is_empty()).then(|| {
            (
                members(congress, "delegation", false).len() as u64,
                members(congress, "delegation", true).len() as u64,
            )
        }),
        delegation_in_one_round: (!delegation.is_empty())
            .then(|| delegation.iter().all(|e| one_round(congress, e))),
    }
}

/// Attendance against the quorum: present, the delegates (members) summoned, and the share.
pub fn attendance(congress: &Congress) -> Option<Share> {
    let c = &congress.credentials.as_ref()?.value;
    Some(Share::new(c.present, c.convened))
}
