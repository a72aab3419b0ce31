//! Rulebooks: the election regulation in force as data (`rulebooks/<id>.json`), selected by
//! `congress.convened.rulebook`: parameters with their source and confidence, each rule's
//! severity and citation, and the public-holiday calendar for counting working days.

pub mod finding;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::calendar::Holidays;

pub use finding::{Finding, Severity};

/// The rulebooks this software carries, by id.
const FILES: &[(&str, &str)] = &[
    (
        "qd244-2014",
        include_str!("../../../rulebooks/qd244-2014.json"),
    ),
    (
        "qd190-2024",
        include_str!("../../../rulebooks/qd190-2024.json"),
    ),
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    pub value: Value,
    #[serde(default)]
    pub unit: Option<String>,
    pub rule: String,
    pub source: String,
    pub confidence: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleMeta {
    pub severity: Severity,
    pub citation: String,
    pub title_vi: String,
    pub title_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Calendar {
    weekend: Vec<String>,
    holidays: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct File {
    id: String,
    title: String,
    #[serde(default)]
    title_en: Option<String>,
    parameters: BTreeMap<String, Parameter>,
    rules: BTreeMap<String, RuleMeta>,
    calendar: Calendar,
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

/// A fraction from the rulebook: `numerator/denominator`, and whether the bound is strict
/// ("more than half" is strict; "at most 30%" is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fraction {
    pub numerator: u64,
    pub denominator: u64,
    pub strict: bool,
}

impl Fraction {
    /// Whether `part / whole` meets the bound from above (`>` when strict, else `>=`).
    pub fn reached_by(&self, part: u64, whole: u64) -> bool {
        let lhs = part as u128 * self.denominator as u128;
        let rhs = whole as u128 * self.numerator as u128;
        if self.strict {
            lhs > rhs
        } else {
            lhs >= rhs
        }
    }

    /// `whole × fraction`, rounded half up (for counts of candidates).
    pub fn of_rounded(&self, whole: u64) -> u64 {
        let n = whole as u128 * self.numerator as u128 * 2 + self.denominator as u128;
        (n / (self.denominator as u128 * 2)) as u64
    }

    /// Whether `part ≤ whole × fraction`.
    pub fn allows(&self, part: u64, whole: u64) -> bool {
        part as u128 * self.denominator as u128 <= whole as u128 * self.numerator as u128
    }

    /// The fraction as a reader says it: a whole percentage (`30%`), else the fraction itself
    /// (`2/3`, not `67%`). No comparator: the message's words say whether the bound is strict
    /// ("trên / more than", "tối đa / at most"), so it is never said twice.
    pub fn text(&self) -> String {
        let (n, d) = (self.numerator, self.denominator.max(1));
        if (n * 100) % d == 0 {
            return format!("{}%", n * 100 / d);
        }
        let g = gcd(n, d);
        format!("{}/{}", n / g, d / g)
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a.max(1)
    } else {
        gcd(b, a % b)
    }
}

#[derive(Debug, Clone)]
pub struct Rulebook {
    pub id: String,
    pub title: String,
    pub title_en: Option<String>,
    pub parameters: BTreeMap<String, Parameter>,
    pub rules: BTreeMap<String, RuleMeta>,
    pub holidays: Holidays,
    /// The file's text, as shipped (archives carry it).
    pub source: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulebookError {
    #[error("rulebook `{0}` is unknown (known: qd244-2014, qd190-2024)")]
    Unknown(String),
    #[error("rulebook `{id}` is malformed: {reason}")]
    Malformed { id: String, reason: String },
}

impl Rulebook {
    fn parse(id: &str, text: &'static str) -> Result<Rulebook, RulebookError> {
        let bad = |reason: String| RulebookError::Malformed {
            id: id.to_string(),
            reason,
        };
        let f: File = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        if f.id != id {
            return Err(bad(format!("the file names itself `{}`", f.id)));
        }
        let holidays = Holidays::new(f.calendar.holidays.values().flatten().map(String::as_str));
        Ok(Rulebook {
            id: f.id,
            title: f.title,
            title_en: f.title_en,
            parameters: f.parameters,
            rules: f.rules,
            holidays,
            source: text,
        })
    }

    /// The rulebook `id`, parsed once.
    pub fn get(id: &str) -> Result<&'static Rulebook, RulebookError> {
        static ALL: OnceLock<Vec<Result<Rulebook, RulebookError>>> = OnceLock::new();
        let all = ALL.get_or_init(|| {
            FILES
                .iter()
                .map(|(id, text)| Rulebook::parse(id, text))
                .collect()
        });
        for (i, (known, _)) in FILES.iter().enumerate() {
            if *known == id {
                return all[i].as_ref().map_err(Clone::clone);
            }
        }
        Err(RulebookError::Unknown(id.to_string()))
    }

    pub fn ids() -> impl Iterator<Item = &'static str> {
        FILES.iter().map(|(id, _)| *id)
    }

    pub fn value(&self, name: &str) -> Option<&Value> {
        self.parameters.get(name).map(|p| &p.value)
    }

    pub fn number(&self, name: &str) -> Option<u64> {
        self.value(name)?.as_u64()
    }

    pub fn fraction(&self, name: &str) -> Option<Fraction> {
        fraction_of(self.value(name)?)
    }

    pub fn strings(&self, name: &str) -> Vec<String> {
        self.value(name)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn meta(&self, rule: &str) -> Option<&RuleMeta> {
        self.rules.get(rule)
    }
}

fn fraction_of(v: &Value) -> Option<Fraction> {
    Some(Fraction {
        numerator: v.get("numerator")?.as_u64()?,
        denominator: v.get("denominator")?.as_u64().filter(|&d| d > 0)?,
        strict: v.get("strict").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// A range of fractions (`prep_surplus`: from 10% to 15%).
pub fn fraction_range(v: &Value) -> Option<(Fraction, Fraction)> {
    Some((fraction_of(v.get("min")?)?, fraction_of(v.get("max")?)?))
}

#[cfg(test)]
mod fraction_tests {
    use super::Fraction;

    #[test]
    fn a_fraction_reads_as_a_percentage_or_as_itself_without_a_comparator() {
        let f = |numerator, denominator, strict| {
            Fraction {
                numerator,
                denominator,
                strict,
            }
            .text()
        };
        assert_eq!(f(2, 3, false), "2/3");
        assert_eq!(f(4, 6, false), "2/3");
        assert_eq!(f(1, 2, true), "50%");
        assert_eq!(f(3, 10, false), "30%");
        assert_eq!(f(15, 100, false), "15%");
    }
}
