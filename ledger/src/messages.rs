//! Every message in Vietnamese and English: one mechanism for the library, the CLI and the API.
//!
//! An error or a message implements [`Localized`]: `en()` is its English text (for the error
//! enums, their `Display`, so that logs and `{e}` keep reading as before) and `vi()` its
//! Vietnamese text, from an exhaustive `match`, so that a variant added without its Vietnamese
//! does not compile. [`Lang`] chooses what is shown: the CLI from `--lang`/`LANG`, the API from
//! `Accept-Language` (Vietnamese when the client states no preference).

use std::fmt;

/// A message in both languages.
pub trait Localized {
    fn vi(&self) -> String;
    fn en(&self) -> String;
}

/// Which language(s) to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
    /// "tiếng Việt / English", the CLI's default.
    Both,
}

impl Lang {
    /// The message in this language: `vi / en` for both.
    pub fn render(self, message: &(impl Localized + ?Sized)) -> String {
        self.pick(&message.vi(), &message.en())
    }

    pub fn pick(self, vi: &str, en: &str) -> String {
        match self {
            Lang::Vi => vi.to_string(),
            Lang::En => en.to_string(),
            Lang::Both => format!("{vi} / {en}"),
        }
    }

    /// The language an HTTP client asks for (`Accept-Language`, RFC 9110 §12.5.4): English
    /// when it ranks English above Vietnamese, else Vietnamese (also with no header).
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(header) = header else {
            return Lang::Vi;
        };
        let mut vi = -1.0f32;
        let mut en = -1.0f32;
        for part in header.split(',') {
            let mut fields = part.split(';');
            let tag = fields.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = fields
                .filter_map(|f| f.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            match primary {
                "vi" => vi = vi.max(q),
                "en" => en = en.max(q),
                _ => {}
            }
        }
        if en > 0.0 && en > vi {
            Lang::En
        } else {
            Lang::Vi
        }
    }

    /// The language tag of `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
            Lang::Both => "vi, en",
        }
    }
}

/// A message given in both languages where it is made.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Text {
    pub vi: String,
    pub en: String,
}

impl Text {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            vi: vi.into(),
            en: en.into(),
        }
    }

    /// The message of anything localized, kept in both languages.
    pub fn of(message: &(impl Localized + ?Sized)) -> Text {
        Text::new(message.vi(), message.en())
    }

    /// `self` then `: ` then `more`, in each language.
    pub fn then(&self, more: &(impl Localized + ?Sized)) -> Text {
        Text::new(
            format!("{}: {}", self.vi, more.vi()),
            format!("{}: {}", self.en, more.en()),
        )
    }
}

/// English, as the library's `Display` has always been.
impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

impl Localized for Text {
    fn vi(&self) -> String {
        self.vi.clone()
    }
    fn en(&self) -> String {
        self.en.clone()
    }
}

/// A `Text` is an error too, so that a front end can return one and show it in its language.
impl std::error::Error for Text {}
