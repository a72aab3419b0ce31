//! Commands that explain the tool to a new user: the kinds of act (`kinds`), the roles a key
//! can hold (`roles`), a kind's schema or a payload to fill in (`schema show`), a rulebook's
//! parameters (`rulebook show`). Everything printed comes from the library's tables.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use ledger::catalogue::{self, SignedBy};
use ledger::rulebook::Rulebook;

use crate::text::{both, print_json};

#[derive(Subcommand)]
pub enum SchemaAction {
    /// A kind's JSON Schema (its newest version unless --version), or with --example a
    /// payload that matches it, to copy and fill in.
    Show {
        /// The kind of act, e.g. `session.opened`.
        kind: String,
        /// The schema version (default: the newest).
        #[arg(long)]
        version: Option<u16>,
        /// Print a payload that matches the schema, instead of the schema.
        #[arg(long)]
        example: bool,
    },
}

#[derive(Subcommand)]
pub enum RulebookAction {
    /// A rulebook's rules (severity, citation) and parameters (value, source, confidence).
    Show {
        /// The rulebook's id, e.g. `qd190-2024`.
        id: String,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// The role's name in the regulation (glossary), Vietnamese and English.
fn role_title(role: &str) -> (&'static str, &'static str) {
    match role {
        "convener" => ("Cấp ủy triệu tập", "convening committee"),
        "superior" => ("Cấp ủy cấp trên", "superior committee"),
        "presidium" => ("Đoàn Chủ tịch", "presidium"),
        "secretariat" => ("Đoàn Thư ký", "secretariat"),
        "credentials" => ("Ban Thẩm tra tư cách đại biểu", "credentials committee"),
        "counting" => ("Ban Kiểm phiếu", "counting committee"),
        "inspection" => ("Ủy ban Kiểm tra", "inspection commission"),
        "registrar" => (
            "Văn phòng / bộ phận tiếp nhận đơn",
            "registry office receiving petitions",
        ),
        _ => ("", ""),
    }
}

fn signers(signed_by: SignedBy) -> String {
    match signed_by {
        SignedBy::AuthorityOnly => both("chỉ cơ quan có thẩm quyền", "an authority only"),
        SignedBy::Roles(roles) => roles.join(", "),
        SignedBy::AnyRole => both(
            "mọi vai trò có phạm vi bao luồng",
            "any role whose scope covers the stream",
        ),
        SignedBy::AsCorrected => both(
            "vai trò được ký loại hành vi bị đính chính",
            "a role that may sign the corrected act's kind",
        ),
    }
}

/// `kinds`: every kind, its newest schema, its stream family and who may sign it.
pub fn kinds(json: bool) -> anyhow::Result<ExitCode> {
    if json {
        let rows: Vec<_> = catalogue::KINDS
            .iter()
            .map(|s| {
                serde_json::json!({
                    "kind": s.kind,
                    "schema": ledger::domain::latest_schema(s.kind),
                    "stream": s.family.name(),
                    "signed_by": match s.signed_by {
                        SignedBy::AuthorityOnly => serde_json::json!("authority"),
                        SignedBy::Roles(r) => serde_json::json!(r),
                        SignedBy::AnyRole => serde_json::json!("any"),
                        SignedBy::AsCorrected => serde_json::json!("as_corrected"),
                    },
                })
            })
            .collect();
        return print_json(&rows);
    }
    crate::say!(
        "{:<24} {:<7} {:<24} {}",
        both("loại", "kind"),
        both("lược đồ", "schema"),
        both("luồng", "stream"),
        both("ai được ký", "signed by")
    );
    for s in catalogue::KINDS {
        let schema = ledger::domain::latest_schema(s.kind).unwrap_or(0);
        crate::say!(
            "{:<24} {:<7} {:<24} {}",
            s.kind,
            schema,
            s.family.name(),
            signers(s.signed_by)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `roles`: every role a key can be enrolled with, its body and the kinds it may sign.
pub fn roles() -> anyhow::Result<ExitCode> {
    for role in catalogue::ROLES {
        let (vi, en) = role_title(role);
        let kinds: Vec<&str> = catalogue::KINDS
            .iter()
            .filter(|s| matches!(s.signed_by, SignedBy::Roles(r) if r.contains(role)))
            .map(|s| s.kind)
            .collect();
        crate::say!("{role:<12} {}", both(vi, en));
        crate::say!("             {}: {}", both("ký", "signs"), kinds.join(", "));
    }
    crate::say!(
        "{}",
        both(
            "Mọi vai trò còn ký được document.attached (trong phạm vi của mình) và correction.issued (nếu được ký hành vi bị đính chính).",
            "Every role may also sign document.attached (within its scope) and correction.issued (when it may sign the corrected act)."
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// A kind from the catalogue, or an error saying which kind was probably meant.
pub fn known_kind(kind: &str) -> anyhow::Result<&'static str> {
    if let Some(spec) = catalogue::spec(kind) {
        return Ok(spec.kind);
    }
    let hint = match catalogue::closest_kind(kind) {
        Some(k) => both(
            &format!("có phải ý bạn là `{k}`?"),
            &format!("did you mean `{k}`?"),
        ),
        None => both(
            "xem danh sách bằng `congress-ledger kinds`",
            "see the list with `congress-ledger kinds`",
        ),
    };
    anyhow::bail!(
        "{}; {hint}",
        both(
            &format!("loại hành vi `{kind}` không có trong danh mục"),
            &format!("event kind `{kind}` is not in the catalogue"),
        )
    )
}

/// `schema show KIND [--version N] [--example]`.
pub fn schema(action: SchemaAction) -> anyhow::Result<ExitCode> {
    let SchemaAction::Show {
        kind,
        version,
        example,
    } = action;
    let kind = known_kind(&kind)?;
    let latest = ledger::domain::latest_schema(kind).unwrap_or(1);
    let version = version.unwrap_or(latest);
    let text = ledger::domain::schemas::text(kind, version).with_context(|| {
        both(
            &format!("`{kind}` không có lược đồ phiên bản {version} (mới nhất: {latest})"),
            &format!("`{kind}` has no schema version {version} (the newest is {latest})"),
        )
    })?;
    if !example {
        println!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let schema: serde_json::Value = serde_json::from_str(text)?;
    let first = schema
        .get("examples")
        .and_then(|e| e.get(0))
        .with_context(|| {
            both(
                &format!("lược đồ `{kind}` {version} không có ví dụ"),
                &format!("schema `{kind}` {version} has no example"),
            )
        })?;
    print_json(first)
}

/// `rulebook show ID`.
pub fn rulebook(action: RulebookAction) -> anyhow::Result<ExitCode> {
    let RulebookAction::Show { id, json } = action;
    let book = Rulebook::get(&id).map_err(|e| {
        let hint = catalogue::closest(&id, Rulebook::ids())
            .map(|k| {
                both(
                    &format!("có phải ý bạn là `{k}`?"),
                    &format!("did you mean `{k}`?"),
                )
            })
            .unwrap_or_else(|| Rulebook::ids().collect::<Vec<_>>().join(", "));
        anyhow::anyhow!("{e}; {hint}")
    })?;
    if json {
        return print_json(&serde_json::json!({
            "id": book.id,
            "title": book.title,
            "title_en": book.title_en,
            "rules": book.rules,
            "parameters": book.parameters,
        }));
    }
    crate::say!("{} — {}", book.id, book.title);
    if let Some(en) = &book.title_en {
        crate::say!("  {en}");
    }
    crate::say!();
    crate::say!("{}", both("Quy tắc", "Rules"));
    for (rule, meta) in &book.rules {
        crate::say!(
            "  {rule:<6} {:<10} {}",
            meta.severity.name(),
            both(&meta.title_vi, &meta.title_en)
        );
        crate::say!("         {}", meta.citation);
    }
    crate::say!();
    crate::say!("{}", both("Tham số", "Parameters"));
    for (name, p) in &book.parameters {
        let unit = p.unit.as_deref().unwrap_or("");
        crate::say!("  {name} = {} {unit} ({})", p.value, p.rule);
        crate::say!("      {}: {}", both("nguồn", "source"), p.source);
        crate::say!(
            "      {}: {}",
            both("độ tin cậy", "confidence"),
            p.confidence
        );
        if let Some(note) = &p.note {
            crate::say!("      {}: {note}", both("ghi chú", "note"));
        }
    }
    Ok(ExitCode::SUCCESS)
}
