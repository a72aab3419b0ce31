//! Bilingual messages (Vietnamese first, English beside it) and small output helpers.

use std::process::ExitCode;

/// "vi / en", the way every human-readable line is printed.
pub fn both(vi: &str, en: &str) -> String {
    format!("{vi} / {en}")
}

pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(ExitCode::SUCCESS)
}
