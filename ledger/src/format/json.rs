//! The payload rule of §2.1: a UTF-8 JSON object, kept as the signer's bytes.
//!
//! The check walks the document once without building it. Duplicate keys are refused at every
//! depth because two readers of the same bytes could otherwise see different values (serde
//! keeps the last, other parsers keep the first).

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::encoding::FormatError;

/// Checks that `bytes` is one JSON object with no duplicate keys and nothing after it.
pub fn check_object(bytes: &[u8]) -> Result<(), FormatError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| FormatError::InvalidUtf8 { field: "payload" })?;
    let mut de = serde_json::Deserializer::from_str(text);
    let result = de.deserialize_any(TopLevel).and_then(|()| de.end());
    result.map_err(|e| FormatError::PayloadNotObject {
        reason: e.to_string(),
    })
}

struct TopLevel;

impl<'de> Visitor<'de> for TopLevel {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        Unique.visit_map(map).map(|_| ())
    }
}

/// Any JSON value, whose objects must not repeat a key.
struct Unique;

impl<'de> de::Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Unique)
    }
}

impl<'de> Visitor<'de> for Unique {
    type Value = Unique;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        while seq.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            map.next_value::<Unique>()?;
        }
        Ok(Unique)
    }
}

/// Why a payload's text breaks the free-text rule of §4: where (a JSON pointer to the string
/// or to the object holding the key) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextProblem {
    pub path: String,
    pub what: TextFault,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFault {
    /// Not in Unicode Normalization Form C.
    NotNfc,
    /// A control character other than LF and TAB (C0, DEL, C1), with its code point.
    Control(u32),
    /// A bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069).
    Bidi(u32),
}

impl TextProblem {
    /// The problem in Vietnamese and in English.
    pub fn describe(&self) -> (String, String) {
        let at = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        match self.what {
            TextFault::NotNfc => (
                format!("văn bản tại `{at}` không ở dạng chuẩn hóa NFC (dấu tiếng Việt phải dựng sẵn); hãy chuẩn hóa NFC rồi ký lại"),
                format!("the text at `{at}` is not in Unicode Normalization Form C; normalize it to NFC and sign again"),
            ),
            TextFault::Control(c) => (
                format!("văn bản tại `{at}` chứa ký tự điều khiển U+{c:04X}; chỉ được dùng xuống dòng (LF) và tab"),
                format!("the text at `{at}` holds the control character U+{c:04X}; only LF and TAB are allowed"),
            ),
            TextFault::Bidi(c) => (
                format!("văn bản tại `{at}` chứa ký tự đảo chiều U+{c:04X}, có thể làm người đọc hiểu sai; hãy bỏ nó đi"),
                format!("the text at `{at}` holds the bidirectional control U+{c:04X}, which can make readers see other text than is stored; remove it"),
            ),
        }
    }
}

impl fmt::Display for TextProblem {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let (vi, en) = self.describe();
        write!(f, "{vi} / {en}")
    }
}

/// The first character of `s` that free text may not hold (§4), if any.
pub fn forbidden_char(s: &str) -> Option<TextFault> {
    s.chars().find_map(|c| {
        let u = c as u32;
        match u {
            0x09 | 0x0A => None,
            0x00..=0x1F | 0x7F..=0x9F => Some(TextFault::Control(u)),
            0x202A..=0x202E | 0x2066..=0x2069 => Some(TextFault::Bidi(u)),
            _ => None,
        }
    })
}

fn text_fault(s: &str) -> Option<TextFault> {
    forbidden_char(s).or_else(|| (!unicode_normalization::is_nfc(s)).then_some(TextFault::NotNfc))
}

/// Checks the free-text rule of §4 on a payload: every string and every object key, after
/// JSON unescaping, is NFC and holds no control character but LF and TAB, and no bidirectional
/// override. The first problem in document order is returned. A payload that is not JSON is
/// left to [`check_object`].
pub fn check_text(bytes: &[u8]) -> Result<(), TextProblem> {
    // Plain ASCII whose only escapes are harmless holds neither a forbidden character nor
    // anything to normalize: the common case is decided without parsing.
    let escapes_ok = !bytes
        .windows(2)
        .any(|w| w[0] == b'\\' && matches!(w[1], b'u' | b'b' | b'f' | b'r'));
    if bytes.is_ascii() && !bytes.contains(&0x7F) && escapes_ok {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    check_value(&value, &mut String::new())
}

fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn check_value(value: &serde_json::Value, path: &mut String) -> Result<(), TextProblem> {
    match value {
        serde_json::Value::String(s) => match text_fault(s) {
            Some(what) => Err(TextProblem {
                path: path.clone(),
                what,
            }),
            None => Ok(()),
        },
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("/{i}"));
                check_value(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                let len = path.len();
                if let Some(what) = text_fault(key) {
                    // The key itself is the problem: point at it, escaped so it prints safely.
                    path.push('/');
                    path.push_str(&escape_for_display(&pointer_token(key)));
                    return Err(TextProblem {
                        path: path.clone(),
                        what,
                    });
                }
                path.push('/');
                path.push_str(&pointer_token(key));
                check_value(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Text from a payload made safe to print on a terminal or a page: every character that the
/// free-text rule forbids is shown as `\u{…}` instead of acting on the display.
pub fn escape_for_display(s: &str) -> String {
    if forbidden_char(s).is_none() {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if forbidden_char(c.encode_utf8(&mut [0; 4])).is_some() {
                format!("\\u{{{:04X}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}
