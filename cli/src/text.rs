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

/// The chosen language(s), as the library's messages take it.
pub fn lang() -> Lang2 {
    match LANG.get().copied().unwrap_or(Lang::Both) {
        Lang::Vi => Lang2::Vi,
        Lang::En => Lang2::En,
        Lang::Both => Lang2::Both,
    }
}

use ledger::messages::{Lang as Lang2, Localized};

/// A message in the chosen language(s): "vi / en" by default.
pub fn both(vi: &str, en: &str) -> String {
    lang().pick(vi, en)
}

/// The context of a failed read of `path`: "đọc … / reading …".
pub fn reading(path: &std::path::Path) -> String {
    both(
        &format!("đọc {}", path.display()),
        &format!("reading {}", path.display()),
    )
}

/// The context of a failed write of `path`.
pub fn writing(path: &std::path::Path) -> String {
    both(
        &format!("ghi {}", path.display()),
        &format!("writing {}", path.display()),
    )
}

/// The context of a failed creation of the directory or file `path`.
pub fn creating(path: &std::path::Path) -> String {
    both(
        &format!("tạo {}", path.display()),
        &format!("creating {}", path.display()),
    )
}

/// The context of a ledger directory that did not open.
pub fn opening_ledger(path: &std::path::Path) -> String {
    both(
        &format!("mở sổ cái {}", path.display()),
        &format!("opening ledger {}", path.display()),
    )
}

/// An operating system's error in the chosen language(s): what kind of failure it is in
/// Vietnamese, the system's own words in English.
fn io_text(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let vi = match e.kind() {
        K::NotFound => "không có tệp hay thư mục này",
        K::PermissionDenied => "không có quyền truy cập",
        K::AlreadyExists => "đã có rồi",
        K::ConnectionRefused => "máy chủ từ chối kết nối (chưa chạy?)",
        K::ConnectionReset | K::ConnectionAborted => "kết nối bị cắt",
        K::TimedOut => "quá thời gian chờ",
        K::StorageFull => "đĩa đã đầy",
        K::InvalidData => "dữ liệu không hợp lệ",
        K::UnexpectedEof => "tệp kết thúc sớm hơn dự kiến",
        K::IsADirectory => "đây là một thư mục, không phải tệp",
        K::NotADirectory => "đây không phải thư mục",
        K::AddrInUse => "địa chỉ đang được dùng",
        _ => "lỗi của hệ điều hành",
    };
    both(vi, &e.to_string())
}

/// A library message in the chosen language(s).
pub fn render(message: &(impl Localized + ?Sized)) -> String {
    lang().render(message)
}

/// An error in the chosen language(s): each context the CLI added, then the first error of
/// the chain that the library says in both languages (whose text holds its own causes), or,
/// for an error from elsewhere (the operating system, a parser), its own text.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in e.chain() {
        if let Some(text) = localized(cause) {
            parts.push(text);
            break;
        }
        parts.push(cause.to_string());
    }
    parts.join(": ")
}

/// The error in the chosen language(s), if it is one the library localizes.
fn localized(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    macro_rules! try_as {
        ($($t:ty),*) => {
            $(if let Some(e) = e.downcast_ref::<$t>() {
                return Some(render(e));
            })*
        };
    }
    if let Some(e) = e.downcast_ref::<std::io::Error>() {
        return Some(io_text(e));
    }
    use ledger::archive::{ArchiveError, ImportError};
    use ledger::authority::AuthorityError;
    use ledger::domain::{schemas::SchemaError, PayloadError};
    use ledger::format::checkpoint::NoteError;
    use ledger::rulebook::RulebookError;
    use ledger::{AppendError, OpenError};
    try_as!(
        AppendError,
        AuthorityError,
        SchemaError,
        PayloadError,
        ledger::format::FormatError,
        ledger::crypto::SignatureError,
        ledger::storage::StorageError,
        OpenError,
        ledger::keys::KeyError,
        NoteError,
        RulebookError,
        ArchiveError,
        ImportError,
        ledger::format::merkle::ProofError,
        ledger::CosignError,
        ledger::timestamp::LongTermError,
        ledger::act_proof::ActProofError,
        ledger::format::hash::BadHash,
        ledger::confidential::ConfidentialError,
        ledger::cases::CaseError,
        ledger::confidential::store::StoreError,
        ledger::access::log::AccessLogError,
        ledger::access::tokens::TokenError,
        ledger::messages::Text
    );
    None
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
            "--server `{server}`: {}",
            both(
                &format!("không phải địa chỉ URL: hãy viết cả giao thức, ví dụ http://{server}"),
                &format!("not a URL: write it with its scheme, e.g. http://{server}")
            )
        );
    }
    Ok(base.to_string())
}

static TOKEN: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// The reader token for servers (`--token`, or `CONGRESS_LEDGER_TOKEN`).
pub fn set_token(token: Option<String>) {
    let _ = TOKEN.set(token.filter(|t| !t.trim().is_empty()));
}

/// `request` with the reader token, if one was given (servers that are not public answer
/// 401 without one), and the language of messages, so that refusals come in it.
pub fn authed(request: ureq::Request) -> ureq::Request {
    let request = request.set("accept-language", lang().tag());
    match TOKEN.get().and_then(Option::as_deref) {
        Some(token) => request.set("authorization", &format!("Bearer {}", token.trim())),
        None => request,
    }
}

/// A `--log-key` argument: the log's verifier key (`name+keyid+base64`), or why it is not one.
pub fn log_key(text: &str) -> anyhow::Result<ledger::VerifierKey> {
    ledger::VerifierKey::parse(text).map_err(|e| {
        anyhow::anyhow!(
            "--log-key: {}; {}",
            render(&e),
            both(
                "hãy đưa khóa ở dạng tên+mã-khóa+base64",
                "give the key as name+keyid+base64"
            )
        )
    })
}
