//! The procedure checks of `rulebook.md`: one small function per rule, carrying its rule id,
//! run over the projections with the rulebook the congress names. Irregular acts are in the
//! ledger (they were recorded, not refused); the checks turn them into findings.

mod candidates;
mod complaints;
mod composition;
mod convening;
mod inspection;
mod results;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::format::Hash;
use crate::projections::complaints::Case;
use crate::projections::congress::Congress;
use crate::projections::Projections;
use crate::rulebook::{Finding, Rulebook, Severity};

/// What a congress rule sees.
pub struct Ctx<'a> {
    pub congress: &'a Congress,
    pub rulebook: &'a Rulebook,
    pub projections: &'a Projections,
    composition: std::cell::OnceCell<crate::projections::figures::Composition>,
}

/// What a complaint rule sees: the case, and the congress it concerns if any.
pub struct CaseCtx<'a> {
    pub case: &'a Case,
    pub congress: Option<&'a Congress>,
    pub rulebook: &'a Rulebook,
}

type CongressRule = fn(&Ctx, &mut Vec<Finding>);
type CaseRule = fn(&CaseCtx, &mut Vec<Finding>);

/// Every congress rule, by id.
pub const CONGRESS_RULES: &[(&str, CongressRule)] = &[
    ("V-01", convening::v01_notice),
    ("V-05", convening::v05_quorum),
    ("V-04", convening::v04_approval),
    ("V-06", convening::v06_nothing_after_closing),
    ("B-05", candidates::b05_counting_committee_not_on_list),
    ("C-01", candidates::c01_surplus),
    ("C-01b", candidates::c01b_prepared_surplus),
    ("C-03", candidates::c03_floor_support),
    ("C-04", candidates::c04_floor_order),
    ("C-06", candidates::c06_withdrawal_by_congress),
    ("P-02", results::p02_counting_arithmetic),
    ("P-04", results::p04_more_than_half_of_base),
    ("P-05", results::p05_highest_win),
    ("P-06", results::p06_tie_needs_new_round),
    ("P-07", results::p07_continue_decided),
    ("P-08", results::p08_delegation_order),
    ("R-01", results::r01_resolution_majority),
    ("T-01", composition::t01_women),
    ("T-02", composition::t02_young),
    ("PL-01", composition::pl01_outside_plan),
    ("I-01", inspection::i01_conclusion_names_the_log),
];

/// Every complaint rule, by id.
pub const CASE_RULES: &[(&str, CaseRule)] = &[
    ("K-01", complaints::k01_window_after_closing),
    ("K-03", complaints::k03_not_handled),
    ("K-04", complaints::k04_before_list),
    ("K-06", complaints::k06_due_date),
];

/// A finding's message read as a sentence: its first letter a capital.
fn sentence(message: String) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() => first.to_uppercase().chain(chars).collect(),
        _ => message,
    }
}

/// Builds a finding with the severity and citation the rulebook gives the rule.
pub fn finding(
    rulebook: &Rulebook,
    rule: &str,
    stream: &str,
    events: Vec<Hash>,
    message_vi: String,
    message_en: String,
    parameters: &[(&str, Value)],
) -> Finding {
    let meta = rulebook.meta(rule);
    Finding {
        rule: rule.to_string(),
        severity: meta.map_or(Severity::Warning, |m| m.severity),
        stream: stream.to_string(),
        events: events.iter().map(Hash::to_hex).collect(),
        message_vi: sentence(message_vi),
        message_en: sentence(message_en),
        citation: meta.map(|m| m.citation.clone()).unwrap_or_default(),
        rulebook: rulebook.id.clone(),
        parameters: parameters
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    }
}

impl Ctx<'_> {
    /// The committee's composition, computed once for the rules that need it.
    fn composition(&self) -> &crate::projections::figures::Composition {
        self.composition.get_or_init(|| {
            let youth = self.rulebook.number("youth_age").map_or(40, |v| v as i32);
            crate::projections::figures::composition(self.congress, youth)
        })
    }

    fn finding(
        &self,
        rule: &str,
        events: Vec<Hash>,
        vi: String,
        en: String,
        params: &[(&str, Value)],
    ) -> Finding {
        finding(
            self.rulebook,
            rule,
            &self.congress.stream,
            events,
            vi,
            en,
            params,
        )
    }

    /// A person's name as registered, else their id.
    fn name(&self, person: &str) -> String {
        self.congress
            .persons
            .get(person)
            .map_or_else(|| person.to_string(), |p| p.value.name.clone())
    }
}

/// A stream the checks could not run on, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unchecked {
    pub stream: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcedureReport {
    pub findings: Vec<Finding>,
    pub unchecked: Vec<Unchecked>,
}

impl ProcedureReport {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Runs every rule over every congress and complaint case. `default_rulebook` applies to
/// cases that concern no congress (the ledger's, from `ledger.created`).
pub fn check(projections: &Projections, default_rulebook: &str) -> ProcedureReport {
    let mut findings = Vec::new();
    let mut unchecked = Vec::new();
    for congress in projections.congresses.values() {
        let id = &congress.convened.value.rulebook;
        match Rulebook::get(id) {
            Ok(rulebook) => {
                let ctx = Ctx {
                    congress,
                    rulebook,
                    projections,
                    composition: std::cell::OnceCell::new(),
                };
                for (_, rule) in CONGRESS_RULES {
                    rule(&ctx, &mut findings);
                }
            }
            Err(e) => unchecked.push(Unchecked {
                stream: congress.stream.clone(),
                reason: e.to_string(),
            }),
        }
    }
    for case in projections.complaints.values() {
        let congress = case
            .received
            .value
            .concerns
            .congress
            .as_ref()
            .and_then(|c| projections.congresses.get(c));
        let id = congress.map_or(default_rulebook, |c| c.convened.value.rulebook.as_str());
        match Rulebook::get(id) {
            Ok(rulebook) => {
                let ctx = CaseCtx {
                    case,
                    congress,
                    rulebook,
                };
                for (_, rule) in CASE_RULES {
                    rule(&ctx, &mut findings);
                }
            }
            Err(e) => unchecked.push(Unchecked {
                stream: case.stream.clone(),
                reason: e.to_string(),
            }),
        }
    }
    findings.sort_by(|a, b| (&a.stream, &a.rule, &a.events).cmp(&(&b.stream, &b.rule, &b.events)));
    ProcedureReport {
        findings,
        unchecked,
    }
}
