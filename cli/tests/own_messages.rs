//! Every message the CLI writes itself exists in Vietnamese and English.
//!
//! The library's messages are checked by `ledger/tests/messages.rs` (each error type has an
//! exhaustive Vietnamese `match`). What the CLI says in its own words goes through
//! `text::both(vi, en)` (or one of the `text` helpers built on it). This test reads every
//! source file of the CLI with `syn` and fails on a string literal with words in it that reaches
//! the user (through `say!`, `println!`, `eprintln!`, `bail!`, `anyhow!`, `ensure!`,
//! `.context(…)`, `.with_context(…)`) without passing through `both`: an English-only or a
//! Vietnamese-only message. Machine-readable output (`json!`) is not a message.

use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// Macros whose arguments are shown to the user.
const MESSAGE_MACROS: &[&str] = &[
    "say", "println", "eprintln", "print", "eprint", "bail", "anyhow", "ensure",
];
/// Methods whose argument becomes part of an error shown to the user.
const MESSAGE_METHODS: &[&str] = &["context", "with_context"];
/// Calls that make a message bilingual (their arguments are checked by `check_both`).
const BILINGUAL: &[&str] = &["both"];
/// Calls whose arguments are not words for a reader (machine output, already localized).
const NOT_WORDS: &[&str] = &[
    "json",
    "render",
    "error_text",
    "to_string_pretty",
    "to_string",
];

#[derive(Debug)]
struct Finding {
    file: PathBuf,
    line: usize,
    text: String,
    why: &'static str,
}

/// True when `s` has a word in it once format placeholders (`{…}`), code in backticks, flags
/// (`--log-key`) and URLs are taken out: those read the same in both languages.
fn has_words(s: &str) -> bool {
    let s: String = s
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, part)| part)
        .collect::<Vec<_>>()
        .join(" ");
    let s: String = s
        .split_whitespace()
        .filter(|w| !w.starts_with("--") && !w.contains("://") && !is_acronym(w))
        .collect::<Vec<_>>()
        .join(" ");
    let mut depth = 0usize;
    let mut letters = 0usize;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
            }
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            c if depth == 0 && c.is_alphabetic() => letters += 1,
            _ => {}
        }
    }
    letters >= 2
}

/// HTTP, URL, JSON, SHA-256: the same in both languages.
fn is_acronym(word: &str) -> bool {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    !letters.is_empty() && letters.len() <= 5 && letters.iter().all(|c| c.is_ascii_uppercase())
}

/// True when the text is plainly Vietnamese: a letter outside ASCII (every Vietnamese
/// sentence has diacritics), or only words Vietnamese writes as English does ("byte").
fn is_vietnamese(s: &str) -> bool {
    const SAME_IN_VIETNAMESE: [&str; 3] = ["byte", "hex", "bit"];
    s.chars().any(|c| c.is_alphabetic() && !c.is_ascii())
        || s.split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .all(|w| SAME_IN_VIETNAMESE.contains(&w.to_lowercase().as_str()))
}

struct Scan<'a> {
    file: &'a Path,
    findings: Vec<Finding>,
    /// Inside the arguments of a message macro or method.
    in_message: usize,
}

impl Scan<'_> {
    fn finding(&mut self, lit: &syn::LitStr, why: &'static str) {
        self.findings.push(Finding {
            file: self.file.to_path_buf(),
            line: lit.span().start().line,
            text: lit.value(),
            why,
        });
    }

    /// A macro's arguments as expressions (format strings and their arguments).
    fn macro_args(mac: &syn::Macro) -> Vec<syn::Expr> {
        use syn::parse::Parser;
        let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        parser
            .parse2(mac.tokens.clone())
            .map(|p| p.into_iter().collect())
            .unwrap_or_default()
    }

    fn check_both(&mut self, call: &syn::ExprCall) {
        let args: Vec<&syn::Expr> = call.args.iter().collect();
        if let [vi, en] = args.as_slice() {
            if let Some(vi) = literal(vi) {
                if has_words(&vi.value()) && !is_vietnamese(&vi.value()) {
                    self.finding(vi, "the Vietnamese side of both() has no Vietnamese in it");
                }
            }
            // The English side may hold Vietnamese names (Hải Dương), so only its presence
            // is required: an empty English side is a message in one language.
            if let Some(en) = literal(en) {
                let en_letters = en.value().chars().filter(|c| c.is_alphabetic()).count();
                if en_letters == 0 && has_words(&vi_text(vi)) {
                    self.finding(en, "the English side of both() is empty");
                }
            }
        }
    }
}

fn vi_text(e: &syn::Expr) -> String {
    literal(e)
        .map(|l| l.value())
        .unwrap_or_else(|| "(not a literal)".into())
}

fn literal(e: &syn::Expr) -> Option<&syn::LitStr> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s),
        syn::Expr::Reference(r) => literal(&r.expr),
        _ => None,
    }
}

fn last_segment(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

impl<'ast> Visit<'ast> for Scan<'_> {
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let name = last_segment(&mac.path);
        if NOT_WORDS.contains(&name.as_str()) {
            return;
        }
        let message = MESSAGE_MACROS.contains(&name.as_str());
        // Other macros (format!, vec!, write!…) are looked into: their literals count only
        // when they sit inside a message.
        let args = Self::macro_args(mac);
        if message {
            self.in_message += 1;
        }
        for a in &args {
            self.visit_expr(a);
        }
        if message {
            self.in_message -= 1;
        }
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        self.visit_expr(&call.receiver);
        let name = call.method.to_string();
        if NOT_WORDS.contains(&name.as_str()) {
            return;
        }
        let message = MESSAGE_METHODS.contains(&name.as_str());
        if message {
            self.in_message += 1;
        }
        for a in &call.args {
            self.visit_expr(a);
        }
        if message {
            self.in_message -= 1;
        }
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func {
            let name = last_segment(&p.path);
            if BILINGUAL.contains(&name.as_str()) {
                self.check_both(call);
                return;
            }
            if NOT_WORDS.contains(&name.as_str()) {
                return;
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    /// `v["position"]`: a key, not words for a reader.
    fn visit_expr_index(&mut self, e: &'ast syn::ExprIndex) {
        self.visit_expr(&e.expr);
    }

    fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
        if self.in_message > 0 && has_words(&lit.value()) {
            self.finding(
                lit,
                "a message in one language only: write it with text::both(vi, en)",
            );
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if is_test(&f.attrs) {
            return;
        }
        syn::visit::visit_item_fn(self, f);
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if is_test(&m.attrs) {
            return;
        }
        syn::visit::visit_item_mod(self, m);
    }
}

/// `#[test]` and `#[cfg(test)]` code talks to developers, not users.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("test")
            || (a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test"))
    })
}

fn scan(file: &Path, source: &str) -> Vec<Finding> {
    let ast = match syn::parse_file(source) {
        Ok(ast) => ast,
        Err(e) => panic!("{} does not parse: {e}", file.display()),
    };
    let mut s = Scan {
        file,
        findings: Vec::new(),
        in_message: 0,
    };
    s.visit_file(&ast);
    s.findings
}

fn sources() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    assert!(
        files.len() > 5,
        "the CLI's sources were not found in {}",
        dir.display()
    );
    files
}

#[test]
fn every_message_the_cli_writes_itself_is_in_both_languages() {
    let mut all = Vec::new();
    for file in sources() {
        let source =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        all.extend(scan(&file, &source));
    }
    let list: Vec<String> = all
        .iter()
        .map(|f| format!("{}:{}: {:?}: {}", f.file.display(), f.line, f.text, f.why))
        .collect();
    assert!(
        list.is_empty(),
        "{} message(s) of the CLI in one language only:\n{}",
        list.len(),
        list.join("\n")
    );
}

/// The scanner itself: it finds what it must and passes what it must.
#[test]
fn the_scan_catches_one_language_messages_and_passes_bilingual_ones() {
    let bad = r#"
        fn f() -> anyhow::Result<()> {
            crate::say!("listening on {addr}");
            std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            anyhow::bail!("not a server");
            x.context("lỗi chỉ có tiếng Việt")?;
            crate::say!("{}", both("reading {}", "reading {}"));
            crate::say!("{}", both("đọc {}", ""));
            Ok(())
        }
    "#;
    let found = scan(Path::new("bad.rs"), bad);
    let texts: Vec<&str> = found.iter().map(|f| f.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "listening on {addr}",
            "reading {}",
            "not a server",
            "lỗi chỉ có tiếng Việt",
            "reading {}",
            ""
        ],
        "{found:?}"
    );
    let good = r#"
        fn f() -> anyhow::Result<()> {
            crate::say!("{}", both("đang nghe tại {addr}", "listening on {addr}"));
            crate::say!("{:>8} {}", n, name);
            crate::say!("{}", serde_json::json!({ "connection": why }));
            std::fs::read(p).with_context(|| both(&format!("đọc {}", p.display()), &format!("reading {}", p.display())))?;
            let key = map["position"];
            anyhow::bail!("--log-key: {}; {}", render(&e), both("hãy đưa khóa", "give the key"));
            anyhow::bail!("`{kind}` --server http://127.0.0.1:{port}");
            crate::say!("{}", v["position"]);
            Ok(())
        }
        #[cfg(test)]
        mod tests { fn t() { println!("english in a test is fine"); } }
    "#;
    let found = scan(Path::new("good.rs"), good);
    assert!(found.is_empty(), "{found:?}");
}
