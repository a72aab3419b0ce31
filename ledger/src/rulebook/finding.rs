//! A procedure finding: which rule, how serious, where, which acts, what it means in
//! Vietnamese and in English, where the rule comes from, and the parameters it used.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Severity {
    Info,
    Warning,
    Violation,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Violation => "violation",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "violation" => Some(Severity::Violation),
            _ => None,
        }
    }

    pub fn vi(self) -> &'static str {
        match self {
            Severity::Info => "thông tin",
            Severity::Warning => "lưu ý",
            Severity::Violation => "vi phạm",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub stream: String,
    /// The acts involved, by event hash.
    pub events: Vec<String>,
    pub message_vi: String,
    pub message_en: String,
    pub citation: String,
    pub rulebook: String,
    /// The parameter values the check used.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub parameters: BTreeMap<String, Value>,
}
