//! What a report shows, as serializable views over the projections: one congress with its
//! figures and findings, the complaint register, progress across the tree.

use serde::Serialize;

use super::complaints::Case;
use super::congress::{Congress, State};
use super::figures::{self, Composition, NotMember, RoundFigures, Share};
use super::Projections;
use crate::rulebook::{Finding, Fraction, Rulebook};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub person: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Body {
    pub subject: String,
    pub members: Vec<Person>,
    pub motion: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CongressView {
    pub stream: String,
    pub org: String,
    pub term: String,
    pub number: Option<String>,
    /// Where the congress stands (convened, open, closed, approved, …).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub state: State,
    pub rulebook: String,
    pub opens: String,
    pub closes: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub attendance: Option<Share>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub quorum: Option<Fraction>,
    pub quorum_met: Option<bool>,
    /// The base that elected candidates must win more than half of.
    pub base: Option<u64>,
    /// Bodies the congress elected by motion (presidium, secretariat, committees).
    pub bodies: Vec<Body>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub rounds: Vec<RoundFigures>,
    /// Declared elected but not members: not validly elected (P-04) or refused approval (V-04).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub not_members: Vec<NotMember>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub composition: Composition,
    pub approvals: Vec<serde_json::Value>,
    pub appointments: Vec<serde_json::Value>,
    pub complaints: Vec<String>,
    pub findings: Vec<Finding>,
    /// The inspection commission's conclusions on the congress (`inspection.concluded`).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub inspections: Vec<InspectionView>,
}

/// One `inspection.concluded`: the checkpoint inspected and the findings decided on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspectionView {
    pub event: String,
    pub time: i64,
    #[serde(flatten)]
    pub conclusion: crate::domain::payloads::InspectionConcluded,
    /// Whether the root named is the log's root at that size; `None` until checked against the
    /// log ([`CongressView::check_roots`]).
    pub root_matches: Option<bool>,
}

impl CongressView {
    /// Checks each conclusion's checkpoint root against `roots` ([`inspected_roots`]).
    pub fn check_roots(&mut self, roots: &std::collections::BTreeMap<u64, String>) {
        for i in &mut self.inspections {
            let c = &i.conclusion.checkpoint;
            i.root_matches = Some(roots.get(&c.size) == Some(&c.root));
        }
    }
}

/// The log's root (hex) at every size an inspection conclusion names and the log has;
/// `root_at` gives the root at a size, or None when the log is smaller.
pub fn inspected_roots<E>(
    p: &Projections,
    root_at: impl Fn(u64) -> Result<Option<crate::format::Hash>, E>,
) -> Result<std::collections::BTreeMap<u64, String>, E> {
    let mut roots = std::collections::BTreeMap::new();
    let sizes = p
        .congresses
        .values()
        .flat_map(|c| &c.inspections)
        .map(|i| i.value.checkpoint.size);
    for size in sizes {
        if let Some(root) = root_at(size)? {
            roots.insert(size, root.to_hex());
        }
    }
    Ok(roots)
}

pub fn congress(c: &Congress, findings: &[Finding]) -> CongressView {
    let rulebook = Rulebook::get(&c.convened.value.rulebook).ok();
    let youth = rulebook
        .and_then(|r| r.number("youth_age"))
        .map_or(40, |v| v as i32);
    let quorum = rulebook.and_then(|r| r.fraction("quorum"));
    let attendance = figures::attendance(c);
    let person = |p: &String| Person {
        person: p.clone(),
        name: c.persons.get(p).map(|r| r.value.name.clone()),
    };
    CongressView {
        stream: c.stream.clone(),
        org: c.convened.value.org.clone(),
        term: c.convened.value.term.clone(),
        number: c.convened.value.number.clone(),
        state: c.state,
        rulebook: c.convened.value.rulebook.clone(),
        opens: c.convened.value.opens.clone(),
        closes: c.convened.value.closes.clone(),
        quorum_met: match (&attendance, quorum) {
            (Some(a), Some(q)) => Some(q.reached_by(a.count, a.of)),
            _ => None,
        },
        attendance,
        quorum,
        base: figures::congress_base(c),
        bodies: c
            .motions
            .values()
            .filter(|m| m.value.adopted)
            .filter_map(|m| {
                m.value.members.as_ref().map(|members| Body {
                    subject: m.value.subject.clone(),
                    members: members.iter().map(person).collect(),
                    motion: m.event.to_hex(),
                })
            })
            .collect(),
        rounds: figures::rounds(c),
        not_members: figures::not_members(c),
        composition: figures::composition(c, youth),
        approvals: c
            .approvals
            .iter()
            .map(|a| serde_json::to_value(a).unwrap_or_default())
            .collect(),
        appointments: c
            .appointments
            .iter()
            .map(|a| serde_json::to_value(a).unwrap_or_default())
            .collect(),
        complaints: c.complaints.clone(),
        findings: findings
            .iter()
            .filter(|f| f.stream == c.stream)
            .cloned()
            .collect(),
        inspections: c
            .inspections
            .iter()
            .map(|i| InspectionView {
                event: i.event.to_hex(),
                time: i.time,
                conclusion: i.value.clone(),
                root_matches: None,
            })
            .collect(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseRow {
    pub stream: String,
    pub case: String,
    pub kind: String,
    pub received: String,
    pub state: String,
    pub handler: Option<String>,
    pub due: Option<String>,
    pub overdue: bool,
    pub congress: Option<String>,
    pub person: Option<String>,
    /// What the letter says, if its act recorded it in plaintext (before schema 3); a
    /// committed summary is read from the confidential store by the commission only.
    pub summary: Option<String>,
    /// The end of the retention period, once the case's key was destroyed (crypto-shredding).
    pub shredded: Option<String>,
}

/// The complaint register as of `today` (`YYYY-MM-DD`), optionally only cases in `state`.
pub fn register(p: &Projections, today: &str, state: Option<&str>) -> Vec<CaseRow> {
    p.complaints
        .values()
        .filter(|c: &&Case| {
            state.is_none_or(|s| c.state.name() == s || (s == "open" && c.state.open()))
        })
        .map(|c| {
            let r = &c.received.value;
            CaseRow {
                stream: c.stream.clone(),
                case: r.case.clone(),
                kind: r.kind.clone(),
                received: r.received.clone(),
                state: c.state.name().to_string(),
                handler: c.handler().map(str::to_string),
                due: c.due().map(str::to_string),
                overdue: c.overdue(today),
                congress: r.concerns.congress.clone(),
                person: r.concerns.person.clone(),
                summary: r.summary.plain().map(str::to_string),
                shredded: c.shredded.as_ref().map(|s| s.value.retention_ended.clone()),
            }
        })
        .collect()
}

/// A percentage as Vietnamese prints it: a decimal comma (`19,5`).
pub fn vi_decimal(text: &str) -> String {
    text.replace('.', ",")
}
