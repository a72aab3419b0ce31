//! Messages: Vietnamese with English beside it, or one of them (`--lang`, else `LANG`), and
//! small output helpers.

use std::process::ExitCode;
use std::sync::OnceLock;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Vietnamese only.
    Vi,
    /// English only.
    En,
    /// Vietnamese with English beside it (the default).
    Both,
}

static LANG: OnceLock<Lang> = OnceLock::new();

/// Sets the language once: the flag if given, else `LANG` (`vi…` or `en…`), else both.
pub fn set_lang(flag: Option<Lang>) {
    let from_env = || {
        let v = std::env::var("LANG").unwrap_or_default();
        if v.starts_with("vi") {
            Lang::Vi
        } else if v.starts_with("en") {
            Lang::En
        } else {
            Lang::Both
        }
    };
    let _ = LANG.set(flag.unwrap_or_else(from_env));
}

/// A message in the chosen language(s): "vi / en" by default.
pub fn both(vi: &str, en: &str) -> String {
    match LANG.get().copied().unwrap_or(Lang::Both) {
        Lang::Vi => vi.to_string(),
        Lang::En => en.to_string(),
        Lang::Both => format!("{vi} / {en}"),
    }
}

/// Prints a line of output made safe for a terminal: any character that the free-text rule
/// forbids (control characters, bidirectional overrides), which a payload in an older log may
/// hold, is shown escaped instead of acting on the terminal.
#[macro_export]
macro_rules! say {
    () => {
        println!()
    };
    ($($arg:tt)*) => {
        println!("{}", ledger::format::json::escape_for_display(&format!($($arg)*)))
    };
}

pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(ExitCode::SUCCESS)
}

/// A `--server` argument as a base URL without its trailing slash; refused unless it starts
/// with `http://` or `https://`, since a bare `host:port` would only fail later, and vaguely.
pub fn server_base(server: &str) -> anyhow::Result<String> {
    let base = server.trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        anyhow::bail!(
            "--server `{server}` is not a URL: write it with its scheme, e.g. http://{server}"
        );
    }
    Ok(base.to_string())
}

static TOKEN: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// The reader token for servers (`--token`, or `CONGRESS_LEDGER_TOKEN`).
pub fn set_token(token: Option<String>) {
    let _ = TOKEN.set(token.filter(|t| !t.trim().is_empty()));
}

/// `request` with the reader token, if one was given: servers that are not public answer
/// 401 without one.
pub fn authed(request: ureq::Request) -> ureq::Request {
    match TOKEN.get().and_then(Option::as_deref) {
        Some(token) => request.set("authorization", &format!("Bearer {}", token.trim())),
        None => request,
    }
}
