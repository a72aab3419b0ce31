//! The command line explains itself in the chosen language (issue 13 §2): `--help` of every
//! command, clap's usage errors and the manual pages are Vietnamese under `--lang vi`, English
//! under `--lang en`, both (Vietnamese first) by default. The table itself (an entry for every
//! command and argument, each Vietnamese) is checked by the unit tests of `help_vi`.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_congress-ledger"))
        .args(args)
        .env_remove("LANG")
        .env_remove("CONGRESS_LEDGER_TOKEN")
        .output()
        .expect("congress-ledger runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn has_vietnamese_letter(text: &str) -> bool {
    text.chars().any(|c| c.is_alphabetic() && !c.is_ascii())
}

/// The words of a line that are meant to be read: without flags (`--ledger`, `-h`),
/// placeholders (`<LEDGER>`, `[OPTIONS]`), code in backticks, addresses, file names and the
/// tool's name, which read the same in every language.
fn reading_words(line: &str) -> Vec<String> {
    let no_code: String = line
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, part)| part)
        .collect::<Vec<_>>()
        .join(" ");
    no_code
        .split_whitespace()
        .filter(|w| {
            !(w.starts_with('-')
                || w.starts_with('<')
                || w.starts_with("[OPTIONS]")
                || w.contains("://")
                || w.contains('/')
                || w.contains('.')
                || w.contains('_')
                || w.contains("congress-ledger"))
        })
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .filter(|w| {
            !w.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        })
        .collect()
}

/// The lines of `text` that read as English: three or more words to read, none of them with a
/// letter only Vietnamese has.
fn english_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| {
            let words = reading_words(line);
            words.len() >= 3 && !words.iter().any(|w| has_vietnamese_letter(w))
        })
        .map(str::to_string)
        .collect()
}

/// `text` without the Vietnamese names the English help quotes (the demo's province, a holder).
fn without_names(text: &str) -> String {
    text.replace("Hải Dương", "")
        .replace("Ủy ban Kiểm tra Tỉnh ủy", "")
}

#[test]
fn the_english_line_check_sees_english_and_lets_vietnamese_pass() {
    assert_eq!(
        english_lines("      --ledger <LEDGER>  A live ledger directory").len(),
        1
    );
    assert_eq!(
        english_lines("Usage: congress-ledger verify [OPTIONS]").len(),
        0
    );
    assert_eq!(
        english_lines("      --ledger <LEDGER>  Thư mục của một sổ cái đang hoạt động").len(),
        0
    );
    assert_eq!(
        english_lines("error: unexpected argument '--frob' found").len(),
        1
    );
}

#[test]
fn verify_help_in_vietnamese_has_no_english_sentence() {
    for flag in ["--help", "-h"] {
        let out = run(&["--lang", "vi", "verify", flag]);
        assert!(out.status.success(), "{}", stderr(&out));
        let help = stdout(&out);
        assert!(help.contains("Cách dùng: congress-ledger verify"), "{help}");
        assert!(help.contains("Tùy chọn:"), "{help}");
        assert!(help.contains("Xác minh một sổ cái"), "{help}");
        assert!(
            help.contains("Thư mục của một sổ cái đang hoạt động"),
            "{help}"
        );
        assert!(help.contains("In trợ giúp"), "{help}");
        let english = english_lines(&help);
        assert!(
            english.is_empty(),
            "English under --lang vi: {english:#?}\n{help}"
        );
        for word in [
            "Usage",
            "Options",
            "Print help",
            "possible values",
            "[env:",
            "default:",
        ] {
            assert!(!help.contains(word), "`{word}` under --lang vi:\n{help}");
        }
    }
    // The same check sees the English page for what it is.
    let out = run(&["--lang", "en", "verify", "--help"]);
    assert!(english_lines(&stdout(&out)).len() > 10, "{}", stdout(&out));
    // `--lang=vi`, and `LANG=vi…` when no flag is given, choose Vietnamese just as well.
    let out = run(&["verify", "--help", "--lang=vi"]);
    assert!(stdout(&out).contains("Cách dùng:") && !stdout(&out).contains("Usage"));
    let out = Command::new(env!("CARGO_BIN_EXE_congress-ledger"))
        .args(["verify", "--help"])
        .env("LANG", "vi_VN.UTF-8")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("Cách dùng:") && !help.contains("Usage"),
        "{help}"
    );
}

/// The subcommands a help page lists under its commands' heading.
fn listed_subcommands(help: &str, heading: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_command_s_help_is_vietnamese_under_lang_vi_and_english_under_lang_en() {
    let mut paths: Vec<Vec<String>> = vec![Vec::new()];
    let mut seen = 0;
    while let Some(path) = paths.pop() {
        seen += 1;
        let mut args = vec!["--lang", "vi"];
        args.extend(path.iter().map(String::as_str));
        args.push("--help");
        let out = run(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let help = stdout(&out);
        let english = english_lines(&help);
        assert!(
            english.is_empty(),
            "{args:?}: English under --lang vi: {english:#?}"
        );
        assert!(help.contains("Cách dùng:"), "{args:?}:\n{help}");
        for sub in listed_subcommands(&help, "Lệnh:") {
            let mut deeper = path.clone();
            deeper.push(sub);
            paths.push(deeper);
        }

        args[1] = "en";
        let out = run(&args);
        let help = stdout(&out);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(
            !has_vietnamese_letter(&without_names(&help)),
            "{args:?}: Vietnamese under --lang en:\n{help}"
        );
        assert!(help.contains("Usage:"), "{args:?}:\n{help}");
    }
    assert!(seen > 40, "only {seen} commands walked");
}

#[test]
fn by_default_the_help_is_in_both_languages_vietnamese_first() {
    let out = run(&["verify", "--help"]);
    assert!(out.status.success());
    let help = stdout(&out);
    assert!(help.contains("Cách dùng / Usage:"), "{help}");
    let vi = help.find("Thư mục của một sổ cái đang hoạt động");
    let en = help.find("A live ledger directory");
    assert!(
        matches!((vi, en), (Some(vi), Some(en)) if vi < en),
        "{help}"
    );
}

/// A usage error under `--lang vi`: exit 2, said in Vietnamese only, naming `offending`, with
/// the usage line.
fn vietnamese_usage_error(args: &[&str], offending: &str, says: &str) {
    let mut all = vec!["--lang", "vi"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert_eq!(out.status.code(), Some(2), "{all:?}: {}", stderr(&out));
    let text = stderr(&out);
    assert!(text.starts_with("lỗi: "), "{all:?}:\n{text}");
    assert!(
        text.contains("\nCách dùng: congress-ledger"),
        "{all:?}:\n{text}"
    );
    assert!(
        text.contains(offending),
        "{all:?} names {offending}:\n{text}"
    );
    assert!(text.contains(says), "{all:?} says {says}:\n{text}");
    let english = english_lines(&text);
    assert!(english.is_empty(), "{all:?}: English: {english:#?}\n{text}");
    for word in ["error", "Usage", "unexpected", "required", "invalid", "tip"] {
        assert!(!text.contains(word), "{all:?}: `{word}`:\n{text}");
    }
}

#[test]
fn usage_errors_under_lang_vi_are_vietnamese() {
    vietnamese_usage_error(
        &["verify", "--ledger", "x", "--nonsense"],
        "`--nonsense`",
        "không có ở lệnh này",
    );
    vietnamese_usage_error(&["verify", "--ledger"], "`--ledger", "cần một giá trị");
    vietnamese_usage_error(&["verfy"], "`verfy`", "không có lệnh con");
    vietnamese_usage_error(&["verfy"], "`verify`", "có phải ý bạn là lệnh con");
    vietnamese_usage_error(
        &["verify", "--ledger", "x", "--fail-on", "sometimes"],
        "`sometimes`",
        "giá trị được nhận: `violation`, `warning`",
    );
    vietnamese_usage_error(
        &["verify", "--ledger", "x", "--fail-on", "sometimes"],
        "Cách dùng: congress-ledger verify",
        "Xem thêm: `congress-ledger verify --help`",
    );
    vietnamese_usage_error(
        &["proof", "inclusion", "--ledger", "x", "--position", "ten"],
        "`ten`",
        "không phải số nguyên",
    );
    vietnamese_usage_error(
        &["serve", "--ledger", "x", "--addr", "here"],
        "`here`",
        "địa chỉ IP:cổng",
    );
    vietnamese_usage_error(
        &["attach", "--ledger", "x"],
        "--key",
        "thiếu đối số bắt buộc",
    );
    vietnamese_usage_error(
        &["verify", "--ledger", "x", "--archive", "y"],
        "--archive",
        "không dùng được",
    );
    vietnamese_usage_error(
        &["verify", "--ledger", "a", "--ledger", "b"],
        "`--ledger",
        "chỉ được dùng một lần",
    );
    let out = run(&["--lang", "vi", "verify", "--nonsense"]);
    assert!(
        stderr(&out).contains("Cách dùng: congress-ledger verify"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_follow_the_language() {
    let out = run(&["--lang", "en", "verify", "--nonsense"]);
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert!(
        text.starts_with("error: unexpected argument `--nonsense`"),
        "{text}"
    );
    assert!(text.contains("Usage: congress-ledger verify"), "{text}");
    assert!(!has_vietnamese_letter(&text), "{text}");
    let out = run(&["verify", "--nonsense"]);
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert!(
        text.starts_with("lỗi / error: đối số `--nonsense`"),
        "{text}"
    );
    assert!(
        text.contains("/ unexpected argument `--nonsense`"),
        "{text}"
    );
}

#[test]
fn help_and_version_still_exit_zero() {
    for args in [
        &["--lang", "vi", "--help"][..],
        &["--lang", "vi", "-h"],
        &["--lang", "vi", "--version"],
        &["--lang", "vi", "help", "verify"],
        &["--version"],
    ] {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(!stdout(&out).is_empty(), "{args:?}");
    }
    let out = run(&["--lang", "vi", "help", "verify"]);
    assert!(
        stdout(&out).contains("Xác minh một sổ cái"),
        "{}",
        stdout(&out)
    );
    let out = run(&["--lang", "vi", "--version"]);
    assert!(
        stdout(&out).starts_with("congress-ledger "),
        "{}",
        stdout(&out)
    );
}

#[test]
fn manual_pages_follow_the_language() {
    let out = run(&["--lang", "vi", "man", "verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.contains(".TH congress-ledger-verify 1"), "{page}");
    for heading in [
        ".SH \"TÊN\"",
        ".SH \"CÚ PHÁP\"",
        ".SH \"MÔ TẢ\"",
        ".SH \"TÙY CHỌN\"",
    ] {
        assert!(page.contains(heading), "{heading}:\n{page}");
    }
    assert!(
        page.contains("Thư mục của một sổ cái đang hoạt động"),
        "{page}"
    );
    assert!(!page.contains(".SH OPTIONS") && !page.contains("A live ledger directory"));

    let out = run(&["--lang", "en", "man", "verify"]);
    let page = stdout(&out);
    assert!(page.contains(".SH OPTIONS") && page.contains("A live ledger directory"));
    assert!(!has_vietnamese_letter(&page), "{page}");

    let out = run(&["--lang", "vi", "man"]);
    let page = stdout(&out);
    assert!(page.contains(".SH \"LỆNH CON\""), "{page}");
    assert!(page.contains("congress\\-ledger\\-verify(1)"), "{page}");

    let dir = tempfile::tempdir().unwrap();
    let out = run(&[
        "--lang",
        "vi",
        "man",
        "--out-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(dir.path().join("congress-ledger-key-generate.1")).unwrap();
    assert!(
        page.contains(".SH \"TÙY CHỌN\"") && page.contains("Tệp khóa cần tạo"),
        "{page}"
    );
}
