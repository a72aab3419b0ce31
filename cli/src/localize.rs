//! The command line itself in the chosen language(s): the help of every command and argument
//! (from the Vietnamese table in `help_vi`, beside the English of the doc comments), clap's
//! own words around them (usage, headings, the help and version flags, defaults, possible
//! values), the manual pages' section names, and clap's usage errors.
//!
//! The language must be known before clap parses anything, so `--lang` is read from the raw
//! arguments first (`lang_flag`).

use std::ffi::OsString;
use std::fmt::Write as _;
use std::process::ExitCode;

use clap::builder::StyledStr;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Command};
use ledger::messages::Lang;

use crate::help_vi;

/// The value of `--lang` (`--lang vi`, `--lang=vi`) among the raw arguments, if one is given
/// and is a language; what follows `--` is not an option.
pub fn lang_flag(args: &[OsString]) -> Option<crate::text::Lang> {
    let mut words = args.iter().skip(1).map(|a| a.to_str());
    while let Some(word) = words.next() {
        let value = match word {
            Some("--") => return None,
            Some("--lang") => words.next().flatten(),
            Some(w) => w.strip_prefix("--lang="),
            None => None,
        };
        if let Some(value) = value {
            return <crate::text::Lang as clap::ValueEnum>::from_str(value, true).ok();
        }
    }
    None
}

/// The command tree in `lang`, built: every help text from the table (Vietnamese, English or
/// both, Vietnamese first), with the help subcommand or without it (manual pages have none).
pub fn command(cmd: Command, lang: Lang, help_subcommand: bool) -> Command {
    let mut cmd = cmd.disable_help_subcommand(!help_subcommand);
    if lang != Lang::En {
        cmd = texts(cmd, "", lang);
    }
    cmd.build();
    if lang != Lang::En {
        built_in(&mut cmd, lang);
    }
    cmd
}

/// Vietnamese and English on two lines for both (one line when they are the same, or there is
/// no English); one of them otherwise.
fn pick(lang: Lang, vi: &str, en: &str) -> String {
    match lang {
        Lang::Both if vi != en && !en.is_empty() => format!("{vi}\n{en}"),
        Lang::Both | Lang::Vi => vi.to_string(),
        Lang::En => en.to_string(),
    }
}

/// "label / label" for both, as the CLI's short labels read elsewhere.
fn label(lang: Lang, vi: &str, en: &str) -> String {
    lang.pick(vi, en)
}

/// A table entry's summary (its first paragraph) and, when it has more, the whole of it.
fn split(text: &str) -> (&str, Option<&str>) {
    match text.split_once("\n\n") {
        Some((first, _)) => (first, Some(text)),
        None => (text, None),
    }
}

/// The short and the long text of a command or an argument in `lang`: the table's Vietnamese
/// beside the doc comment's English.
fn short_and_long(
    lang: Lang,
    vi: &str,
    en_short: Option<String>,
    en_long: Option<String>,
) -> (String, Option<String>) {
    let (vi_short, vi_long) = split(vi);
    let en_short = en_short.unwrap_or_default();
    let short = pick(lang, vi_short, &en_short);
    let long = match (vi_long, en_long) {
        (None, None) => None,
        (vi_long, en_long) => Some(match lang {
            Lang::Both => format!(
                "{}\n\n{}",
                vi_long.unwrap_or(vi_short),
                en_long.as_deref().unwrap_or(&en_short)
            ),
            _ => pick(
                lang,
                vi_long.unwrap_or(vi_short),
                en_long.as_deref().unwrap_or(""),
            ),
        }),
    };
    (short, long)
}

/// The key of an argument in the table: its command's path, a colon, its id.
pub fn arg_key(path: &str, arg: &Arg) -> String {
    format!("{path}:{}", arg.get_id())
}

/// The path of subcommand `name` under `path` (`""` is the tool itself).
pub fn sub_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path} {name}")
    }
}

/// The help of `cmd` (at `path`), of its arguments and, recursively, of its subcommands, in
/// `lang`, with defaults, possible values and environment variables said in it too.
fn texts(mut cmd: Command, path: &str, lang: Lang) -> Command {
    if let Some(vi) = help_vi::get(path) {
        let en_short = cmd.get_about().map(ToString::to_string);
        let en_long = cmd.get_long_about().map(ToString::to_string);
        let (short, long) = short_and_long(lang, vi, en_short, en_long);
        cmd = match long {
            Some(long) => cmd.about(short).long_about(long),
            None => cmd.about(short).long_about(None::<&str>),
        };
    }
    cmd = cmd.mut_args(|arg| arg_texts(arg, path, lang));
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let sub = sub_path(path, &name);
        cmd = cmd.mut_subcommand(&name, |c| texts(c, &sub, lang));
    }
    cmd
}

fn arg_texts(mut arg: Arg, path: &str, lang: Lang) -> Arg {
    let key = arg_key(path, &arg);
    let Some(vi) = help_vi::get(&key) else {
        return arg;
    };
    let en_short = arg.get_help().map(ToString::to_string);
    let en_long = arg.get_long_help().map(ToString::to_string);
    let (mut short, mut long) = short_and_long(lang, vi, en_short, en_long);
    let mut notes = Vec::new();
    if arg.get_action().takes_values() {
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        if !defaults.is_empty() && !arg.is_hide_default_value_set() {
            notes.push(format!(
                "[{}: {}]",
                label(lang, "mặc định", "default"),
                defaults.join(", ")
            ));
            arg = arg.hide_default_value(true);
        }
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        if !values.is_empty() && !arg.is_hide_possible_values_set() {
            notes.push(format!(
                "[{}: {}]",
                label(lang, "giá trị", "possible values"),
                values.join(", ")
            ));
            arg = arg.hide_possible_values(true);
        }
    }
    if let Some(env) = arg.get_env() {
        if !arg.is_hide_env_set() {
            notes.push(format!(
                "[{}: {}]",
                label(lang, "biến môi trường", "env"),
                env.to_string_lossy()
            ));
            arg = arg.hide_env(true);
        }
    }
    if !notes.is_empty() {
        let notes = notes.join(" ");
        short = format!("{short} {notes}");
        long = long.map(|l| format!("{l}\n\n{notes}"));
    }
    match long {
        Some(long) => arg.help(short).long_help(long),
        None => arg.help(short).long_help(None::<&str>),
    }
}

/// What clap adds when it builds the tree, in `lang`: the help and version flags, the help
/// subcommand, and each command's help page laid out under translated headings.
fn built_in(cmd: &mut Command, lang: Lang) {
    let has_long = cmd
        .get_arguments()
        .any(|a| a.get_id() == "help" && a.get_long_help().is_some());
    let template = template(cmd, lang);
    *cmd =
        std::mem::take(cmd)
            .help_template(template)
            .mut_args(|arg| match arg.get_id().as_str() {
                "help" if matches!(arg.get_action(), clap::ArgAction::Help) => {
                    if has_long {
                        arg.help(pick(
                            lang,
                            "In trợ giúp (xem đầy đủ với '--help')",
                            "Print help (see more with '--help')",
                        ))
                        .long_help(pick(
                            lang,
                            "In trợ giúp (xem bản tóm tắt với '-h')",
                            "Print help (see a summary with '-h')",
                        ))
                    } else {
                        arg.help(pick(lang, "In trợ giúp", "Print help"))
                    }
                }
                "version" if matches!(arg.get_action(), clap::ArgAction::Version) => {
                    arg.help(pick(lang, "In số phiên bản", "Print version"))
                }
                // The help subcommand's own argument.
                "subcommand" if is_help_subcommand_arg(&arg) => arg.help(pick(
                    lang,
                    "In trợ giúp của (các) lệnh con này",
                    "Print help for the subcommand(s)",
                )),
                _ => arg,
            });
    for sub in cmd.get_subcommands_mut() {
        if sub.get_name() == "help" {
            *sub = std::mem::take(sub).about(pick(
                lang,
                "In trợ giúp này, hoặc trợ giúp của (các) lệnh con đã nêu",
                "Print this message or the help of the given subcommand(s)",
            ));
        }
        built_in(sub, lang);
    }
}

/// The help subcommand's positional argument: clap names it `subcommand`, and no argument of
/// this tool has that id.
fn is_help_subcommand_arg(arg: &Arg) -> bool {
    arg.is_positional() && arg.get_id() == "subcommand"
}

/// A help page's layout in `lang`: clap's own (about, usage, commands, arguments, options) with
/// the headings translated; a section only when it has something to show.
fn template(cmd: &Command, lang: Lang) -> StyledStr {
    let styles = cmd.get_styles();
    let header = styles.get_header();
    let usage = styles.get_usage();
    let subcommands = cmd.get_subcommands().any(|s| !s.is_hide_set());
    let positionals = cmd.get_positionals().any(|a| !a.is_hide_set());
    let options = cmd
        .get_arguments()
        .any(|a| !a.is_positional() && !a.is_hide_set());
    let mut sections = Vec::new();
    for (shown, vi, en, tag) in [
        (subcommands, "Lệnh", "Commands", "{subcommands}"),
        (positionals, "Đối số", "Arguments", "{positionals}"),
        (options, "Tùy chọn", "Options", "{options}"),
    ] {
        if shown {
            sections.push(format!("{header}{}:{header:#}\n{tag}", label(lang, vi, en)));
        }
    }
    let mut text = String::new();
    let _ = write!(
        text,
        "{{before-help}}{{about-with-newline}}\n{usage}{}:{usage:#} {{usage}}\n\n{}{{after-help}}",
        label(lang, "Cách dùng", "Usage"),
        sections.join("\n\n")
    );
    StyledStr::from(text)
}

/// A manual page's section heading (`NAME`, `OPTIONS`, …) in `lang`.
fn man_heading(heading: &str, lang: Lang) -> Option<String> {
    let vi = match heading {
        "NAME" => "TÊN",
        "SYNOPSIS" => "CÚ PHÁP",
        "DESCRIPTION" => "MÔ TẢ",
        "OPTIONS" => "TÙY CHỌN",
        "SUBCOMMANDS" => "LỆNH CON",
        "EXTRA" => "THÊM",
        "VERSION" => "PHIÊN BẢN",
        "AUTHORS" => "TÁC GIẢ",
        _ => return None,
    };
    Some(lang.pick(vi, heading))
}

/// The manual page of `cmd` (a built command) in `lang`: clap_mangen's page with its section
/// headings translated.
pub fn man_page(cmd: Command, lang: Lang) -> std::io::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    if lang == Lang::En {
        return Ok(page);
    }
    let text = String::from_utf8_lossy(&page);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let heading = line.strip_prefix(".SH ").map(|h| h.trim_matches('"'));
        match heading.and_then(|h| man_heading(h, lang)) {
            Some(translated) => {
                let _ = writeln!(out, ".SH \"{translated}\"");
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    Ok(out.into_bytes())
}

/// Every manual page of `cmd` (a built command without a help subcommand), the tool's and each
/// subcommand's, written into `dir` under the names clap_mangen gives them.
pub fn man_pages_to(cmd: &Command, dir: &std::path::Path, lang: Lang) -> anyhow::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages_to(sub, dir, lang)?;
    }
    let name = clap_mangen::Man::new(cmd.clone()).get_filename();
    let path = dir.join(name);
    std::fs::write(&path, man_page(cmd.clone(), lang)?)
        .map_err(|e| anyhow::Error::new(e).context(crate::text::writing(&path)))?;
    Ok(())
}

/// A quoted argument or value, as the messages show it.
fn quoted(value: &ContextValue) -> Option<String> {
    match value {
        ContextValue::String(s) => Some(format!("`{s}`")),
        ContextValue::Strings(v) if !v.is_empty() => Some(
            v.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ContextValue::StyledStr(s) => Some(format!("`{s}`")),
        _ => None,
    }
}

/// Why a value did not parse, from the parser's error: in Vietnamese for the parsers this tool
/// uses (numbers, socket addresses), the parser's own English otherwise.
fn invalid_because(source: Option<&(dyn std::error::Error + 'static)>) -> (String, String) {
    let Some(source) = source else {
        return (String::new(), String::new());
    };
    let en = source.to_string();
    let vi = if let Some(e) = source.downcast_ref::<std::num::ParseIntError>() {
        use std::num::IntErrorKind as K;
        match e.kind() {
            K::Empty => "chưa có số nào",
            K::PosOverflow | K::NegOverflow => "số quá lớn",
            _ => "không phải số nguyên không âm",
        }
    } else if source.downcast_ref::<std::net::AddrParseError>().is_some() {
        "không phải địa chỉ IP:cổng (ví dụ 127.0.0.1:8080)"
    } else {
        "giá trị không đọc được"
    };
    (format!(": {vi}"), format!(": {en}"))
}

/// A usage error's sentence in Vietnamese and in English, from its kind and context: what was
/// wrong and with which argument.
fn usage_sentence(e: &clap::Error) -> (String, String) {
    let get = |kind| e.get(kind).and_then(quoted).unwrap_or_default();
    let arg = get(ContextKind::InvalidArg);
    let value = get(ContextKind::InvalidValue);
    let valid = get(ContextKind::ValidValue);
    let subcommand = get(ContextKind::InvalidSubcommand);
    let count = |kind| match e.get(kind) {
        Some(ContextValue::Number(n)) => n.to_string(),
        _ => String::from("?"),
    };
    let with_values = |vi: String, en: String| {
        if valid.is_empty() {
            (vi, en)
        } else {
            (
                format!("{vi}; giá trị được nhận: {valid}"),
                format!("{en}; possible values: {valid}"),
            )
        }
    };
    match e.kind() {
        ErrorKind::UnknownArgument => (
            format!("đối số {arg} không có ở lệnh này"),
            format!("unexpected argument {arg}: this command has no such argument"),
        ),
        ErrorKind::InvalidSubcommand => (
            format!("không có lệnh con {subcommand}"),
            format!("unrecognized subcommand {subcommand}"),
        ),
        ErrorKind::MissingRequiredArgument => (
            format!("thiếu đối số bắt buộc: {arg}"),
            format!("required arguments were not provided: {arg}"),
        ),
        ErrorKind::MissingSubcommand => {
            let subcommands = get(ContextKind::ValidSubcommand);
            (
                format!("lệnh {subcommand} cần một lệnh con: {subcommands}"),
                format!("{subcommand} requires a subcommand: {subcommands}"),
            )
        }
        ErrorKind::InvalidValue if value == "``" => with_values(
            format!("đối số {arg} cần một giá trị mà chưa được cho"),
            format!("a value is required for {arg} but none was supplied"),
        ),
        ErrorKind::InvalidValue => with_values(
            format!("giá trị {value} của {arg} không hợp lệ"),
            format!("invalid value {value} for {arg}"),
        ),
        ErrorKind::ValueValidation => {
            let (vi, en) = invalid_because(std::error::Error::source(e));
            (
                format!("giá trị {value} của {arg} không hợp lệ{vi}"),
                format!("invalid value {value} for {arg}{en}"),
            )
        }
        ErrorKind::ArgumentConflict => {
            let prior = get(ContextKind::PriorArg);
            let what = if arg.is_empty() { subcommand } else { arg };
            if prior.is_empty() {
                (
                    format!("không dùng được {what} cùng với các đối số khác đã cho"),
                    format!("{what} cannot be used with one or more of the other arguments given"),
                )
            } else if prior == what {
                (
                    format!("đối số {what} chỉ được dùng một lần"),
                    format!("the argument {what} cannot be used multiple times"),
                )
            } else {
                (
                    format!("không dùng được {what} cùng với {prior}"),
                    format!("{what} cannot be used with {prior}"),
                )
            }
        }
        ErrorKind::NoEquals => (
            format!(
                "hãy gán giá trị cho {arg} bằng dấu bằng (`{}=…`)",
                arg.trim_matches('`')
            ),
            format!("an equal sign is needed when assigning values to {arg}"),
        ),
        ErrorKind::TooManyValues => (
            format!("không cần thêm giá trị {value} cho {arg}"),
            format!("unexpected value {value} for {arg}; no more were expected"),
        ),
        ErrorKind::TooFewValues => (
            format!(
                "{arg} cần {} giá trị, mới có {}",
                count(ContextKind::MinValues),
                count(ContextKind::ActualNumValues)
            ),
            format!(
                "{} values required by {arg}; only {} provided",
                count(ContextKind::MinValues),
                count(ContextKind::ActualNumValues)
            ),
        ),
        ErrorKind::WrongNumberOfValues => (
            format!(
                "{arg} cần {} giá trị, nhưng có {}",
                count(ContextKind::ExpectedNumValues),
                count(ContextKind::ActualNumValues)
            ),
            format!(
                "{} values required for {arg} but {} provided",
                count(ContextKind::ExpectedNumValues),
                count(ContextKind::ActualNumValues)
            ),
        ),
        ErrorKind::InvalidUtf8 => (
            String::from("một đối số không phải văn bản UTF-8 hợp lệ"),
            String::from("an argument is not valid UTF-8"),
        ),
        _ => (
            String::from("dòng lệnh không hợp lệ"),
            e.kind()
                .as_str()
                .unwrap_or("invalid command line")
                .to_string(),
        ),
    }
}

/// The (sub)command the raw arguments were heading for: each word that names a subcommand of
/// the command reached so far goes one level down.
fn reached<'a>(cmd: &'a Command, args: &[OsString]) -> &'a Command {
    let mut at = cmd;
    for word in args.iter().skip(1).filter_map(|a| a.to_str()) {
        if word == "--" {
            break;
        }
        if let Some(sub) = at.find_subcommand(word) {
            at = sub;
        }
    }
    at
}

/// What to do with clap's answer when it is not a parsed command line: help and version are
/// printed (exit 0; help asked for by a missing subcommand exits 2, as clap does); a usage
/// error is said in `lang` — what was wrong, a suggestion if clap has one, the usage line of
/// the command `args` were for and where to read more — with exit code 2. `cmd` is the command
/// tree that parsed `args`.
pub fn usage_error(e: clap::Error, cmd: &Command, args: &[OsString], lang: Lang) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        _ => {}
    }
    let (vi, en) = usage_sentence(&e);
    let mut text = format!("{}: {}\n", lang.pick("lỗi", "error"), lang.pick(&vi, &en));
    for (kind, vi, en) in [
        (ContextKind::SuggestedSubcommand, "lệnh con", "subcommand"),
        (ContextKind::SuggestedArg, "đối số", "argument"),
        (ContextKind::SuggestedValue, "giá trị", "value"),
    ] {
        if let Some(suggested) = e.get(kind).and_then(quoted) {
            let _ = writeln!(
                text,
                "\n  {}: {}",
                lang.pick("gợi ý", "tip"),
                lang.pick(
                    &format!("có phải ý bạn là {vi} {suggested}?"),
                    &format!("a similar {en} exists: {suggested}")
                )
            );
        }
    }
    let mut at = reached(cmd, args).clone();
    let usage = match e.get(ContextKind::Usage) {
        Some(ContextValue::StyledStr(usage)) => usage.to_string(),
        _ => at.render_usage().to_string(),
    };
    let usage = usage.trim().strip_prefix("Usage:").unwrap_or(&usage).trim();
    let _ = writeln!(text, "\n{}: {usage}", lang.pick("Cách dùng", "Usage"));
    let help = format!(
        "{} --help",
        at.get_bin_name().unwrap_or_else(|| at.get_name())
    );
    let _ = writeln!(
        text,
        "\n{}",
        lang.pick(
            &format!("Xem thêm: `{help}`."),
            &format!("For more information, try `{help}`.")
        )
    );
    eprint!("{}", ledger::format::json::escape_for_display(&text));
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Lang as Flag;

    fn flag(args: &[&str]) -> Option<Flag> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        lang_flag(&args)
    }

    #[test]
    fn the_language_is_read_from_the_raw_arguments() {
        assert!(flag(&["cl", "--lang", "vi", "verify"]) == Some(Flag::Vi));
        assert!(flag(&["cl", "verify", "--help", "--lang=en"]) == Some(Flag::En));
        assert!(flag(&["cl", "--lang", "BOTH"]) == Some(Flag::Both));
        assert!(flag(&["cl", "verify", "--help"]).is_none());
        assert!(flag(&["cl", "--lang", "fr"]).is_none(), "clap says why");
        assert!(flag(&["cl", "--lang"]).is_none());
        assert!(flag(&["cl", "append", "--", "--lang", "vi"]).is_none());
    }

    #[test]
    fn both_languages_put_vietnamese_first_and_one_language_alone() {
        assert_eq!(
            pick(Lang::Both, "Thư mục", "Directory"),
            "Thư mục\nDirectory"
        );
        assert_eq!(pick(Lang::Vi, "Thư mục", "Directory"), "Thư mục");
        assert_eq!(pick(Lang::En, "Thư mục", "Directory"), "Directory");
        let (short, long) = short_and_long(
            Lang::Both,
            "Tóm tắt\n\nChi tiết",
            Some("Summary".into()),
            None,
        );
        assert_eq!(short, "Tóm tắt\nSummary");
        assert_eq!(long.as_deref(), Some("Tóm tắt\n\nChi tiết\n\nSummary"));
        let (short, long) = short_and_long(Lang::Vi, "Tóm tắt", Some("Summary".into()), None);
        assert_eq!((short.as_str(), long), ("Tóm tắt", None));
    }
}
