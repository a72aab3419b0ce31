//! The payload rule of §2.1: a UTF-8 JSON object, kept as the signer's bytes.
//!
//! The check walks the document once without building it. Duplicate keys are refused at every
//! depth because two readers of the same bytes could otherwise see different values (serde
//! keeps the last, other parsers keep the first).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::encoding::FormatError;

/// Checks that `bytes` is one JSON object with no duplicate keys and nothing after it.
pub fn check_object(bytes: &[u8]) -> Result<(), FormatError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| FormatError::InvalidUtf8 { field: "payload" })?;
    let mut de = serde_json::Deserializer::from_str(text);
    let object = Scan {
        unique: true,
        text: false,
    };
    let result = de.deserialize_any(TopLevel(object)).and_then(|()| de.end());
    result.map_err(|e| FormatError::PayloadNotObject {
        reason: e.to_string(),
    })
}

/// Both rules of a payload: §2.1's ([`check_object`]) and §4's free text ([`check_text`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadRules {
    pub object: Result<(), FormatError>,
    pub text: Result<(), TextProblem>,
}

/// [`check_object`] and [`check_text`] of one payload, in one pass that builds nothing when
/// the payload keeps both (issue 18: each walked every payload once more). A payload that
/// breaks either is checked again by each, so that what is reported is exactly theirs.
pub fn check_rules(bytes: &[u8]) -> PayloadRules {
    if let Ok(s) = std::str::from_utf8(bytes) {
        let mut de = serde_json::Deserializer::from_str(s);
        let both = Scan {
            unique: true,
            text: !plain_ascii(bytes),
        };
        if de
            .deserialize_any(TopLevel(both))
            .and_then(|()| de.end())
            .is_ok()
        {
            return PayloadRules {
                object: Ok(()),
                text: Ok(()),
            };
        }
    }
    PayloadRules {
        object: check_object(bytes),
        text: check_text(bytes),
    }
}

/// Plain ASCII whose only escapes are harmless: it holds neither a forbidden character nor
/// anything to normalize, whatever its strings are.
fn plain_ascii(bytes: &[u8]) -> bool {
    let escapes_ok = !bytes
        .windows(2)
        .any(|w| w[0] == b'\\' && matches!(w[1], b'u' | b'b' | b'f' | b'r'));
    bytes.is_ascii() && !bytes.contains(&0x7F) && escapes_ok
}

/// The top level of a payload: an object, walked by the scan it carries.
struct TopLevel(Scan);

impl<'de> Visitor<'de> for TopLevel {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.0.visit_map(map)
    }
}

/// A walk over any JSON value that builds nothing: its objects must not repeat a key
/// (`unique`, the payload rule of §2.1), and its strings and keys must pass the free-text rule
/// (`text`, §4). An error at the first that does not, or at anything that does not parse.
#[derive(Clone, Copy)]
struct Scan {
    unique: bool,
    text: bool,
}

impl Scan {
    fn text_ok<E: de::Error>(self, s: &str) -> Result<(), E> {
        match self.text && text_fault(s).is_some() {
            true => Err(E::custom("a text fault")),
            false => Ok(()),
        }
    }
}

impl<'de> de::DeserializeSeed<'de> for Scan {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Scan {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.text_ok(s)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = Seen::default();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            self.text_ok::<A::Error>(&key)?;
            if self.unique && seen.contains(&key) {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            map.next_value_seed(self)?;
            if self.unique {
                seen.insert(key);
            }
        }
        Ok(())
    }
}

/// The keys of one object seen so far: compared one by one while they are few (an act's
/// objects hold a handful: no hashing, no allocation), hashed once they are many, so that a
/// hostile object of thousands of keys costs no more than a hash set's work.
#[derive(Default)]
struct Seen<'de> {
    few: smallvec::SmallVec<[Cow<'de, str>; SEEN_FEW]>,
    many: HashSet<Cow<'de, str>>,
}

const SEEN_FEW: usize = 16;

impl<'de> Seen<'de> {
    fn contains(&self, key: &str) -> bool {
        match self.many.is_empty() {
            true => self.few.iter().any(|k| k == key),
            false => self.many.contains(key),
        }
    }

    fn insert(&mut self, key: Cow<'de, str>) {
        if !self.many.is_empty() {
            self.many.insert(key);
        } else if self.few.len() < SEEN_FEW {
            self.few.push(key);
        } else {
            self.many.extend(self.few.drain(..));
            self.many.insert(key);
        }
    }
}

/// An object key, borrowed from the payload when it has no escape (most keys): no
/// allocation per key.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(KeyVisitor)
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
    // The common case is decided without parsing.
    if plain_ascii(bytes) {
        return Ok(());
    }
    // One pass that builds nothing decides the common case (issue 18: building the document
    // was a tenth of a whole-log verification); only a payload with a fault, or one that is
    // not JSON, is walked again as a document, which names the first fault's path exactly.
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let scan = Scan {
        unique: false,
        text: true,
    };
    if de::Deserializer::deserialize_any(&mut de, scan).is_ok() && de.end().is_ok() {
        return Ok(());
    }
    check_text_walk(bytes)
}

/// [`check_text`] by building the document and walking it: the reference, and the path of
/// the first fault in document order (the last of duplicate keys' values, as serde keeps).
fn check_text_walk(bytes: &[u8]) -> Result<(), TextProblem> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Strings of the characters the rule is about: plain and Vietnamese letters, a
    /// decomposed accent (not NFC), controls, DEL and C1, bidirectional overrides.
    fn text() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "a",
            "Đại hội",
            "Nguyễn Văn Hùng",
            "e\u{301}",
            "\u{1EC7}",
            "\n",
            "\t",
            "\u{7}",
            "\u{7F}",
            "\u{85}",
            "\u{202E}",
            "\u{2067}",
            "\"",
            "\\",
            "/",
            "~",
            " ",
        ]);
        prop::collection::vec(pieces, 0..6).prop_map(|p| p.concat())
    }

    /// `s` as a JSON string whose every character is a `\u` escape.
    fn escaped(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
        out.push('"');
        out
    }

    /// JSON text, written by hand so that it can repeat keys and escape what it likes.
    fn json_text() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            text().prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
            // The same characters as \u escapes, which the fast check must unescape too.
            text().prop_map(|s| escaped(&s)),
            any::<i64>().prop_map(|n| n.to_string()),
            Just("1e400".to_string()),
            Just("true".to_string()),
            Just("null".to_string()),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((text(), inner), 0..4).prop_map(|kv| {
                    let fields: Vec<String> = kv
                        .iter()
                        .map(|(k, v)| {
                            format!("{}:{v}", serde_json::to_string(k).unwrap_or_default())
                        })
                        .collect();
                    format!("{{{}}}", fields.join(","))
                }),
                // A key written twice: serde keeps the last value.
                (text(), any::<bool>()).prop_map(|(k, b)| {
                    let k = serde_json::to_string(&k).unwrap_or_default();
                    format!("{{{k}:\"\\u202e\",{k}:{b}}}")
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// The one-pass check decides exactly as the walk over the built document, fault and
        /// path included (issue 18).
        #[test]
        fn the_fast_text_check_decides_as_the_document_walk(doc in json_text(), cut in 0usize..200) {
            prop_assert_eq!(check_text(doc.as_bytes()), check_text_walk(doc.as_bytes()));
            // Cut short (also inside a character), or with something after it: not JSON, left
            // to check_object alike.
            let part = &doc.as_bytes()[..cut.min(doc.len())];
            prop_assert_eq!(check_text(part), check_text_walk(part));
            let trailing = format!("{doc} x");
            prop_assert_eq!(check_text(trailing.as_bytes()), check_text_walk(trailing.as_bytes()));
        }

        /// The one pass over both payload rules decides each as its own check does: on
        /// objects (most documents are wrapped in one), on any value, cut short or followed
        /// by something.
        #[test]
        fn one_pass_decides_both_payload_rules_as_each_check(doc in json_text(), cut in 0usize..200) {
            let wrapped = format!("{{\"a\":{doc},\"b\":{doc}}}");
            let part = &wrapped.as_bytes()[..cut.min(wrapped.len())];
            let trailing = format!("{wrapped} x");
            for bytes in [wrapped.as_bytes(), doc.as_bytes(), part, trailing.as_bytes()] {
                let each = PayloadRules {
                    object: check_object(bytes),
                    text: check_text(bytes),
                };
                prop_assert_eq!(check_rules(bytes), each);
            }
        }

        /// Duplicate keys are refused with borrowed keys as with owned ones: escaped and plain
        /// spellings of one key are the same key.
        #[test]
        fn a_key_repeated_in_another_spelling_is_a_duplicate(k in text()) {
            let plain = serde_json::to_string(&k).unwrap_or_default();
            let doc = format!("{{{plain}:1,{}:2}}", escaped(&k));
            prop_assert!(check_object(doc.as_bytes()).is_err());
            let single = format!("{{{plain}:1}}");
            prop_assert!(check_object(single.as_bytes()).is_ok());
        }
    }

    #[test]
    fn a_repeated_key_is_found_among_few_keys_and_among_many() {
        for n in [
            1usize,
            2,
            SEEN_FEW - 1,
            SEEN_FEW,
            SEEN_FEW + 1,
            3 * SEEN_FEW,
        ] {
            let fields: Vec<String> = (0..n).map(|i| format!("\"k{i}\":{i}")).collect();
            let distinct = format!("{{{}}}", fields.join(","));
            assert_eq!(check_object(distinct.as_bytes()), Ok(()), "{n} keys");
            assert_eq!(check_rules(distinct.as_bytes()).object, Ok(()), "{n} keys");
            // The first key again, and one from the middle, after all of them.
            for again in [0, n / 2] {
                let repeated = format!("{{{},\"k{again}\":0}}", fields.join(","));
                assert!(
                    check_object(repeated.as_bytes()).is_err(),
                    "{n} keys, k{again}"
                );
                assert!(
                    check_rules(repeated.as_bytes()).object.is_err(),
                    "{n} keys, k{again}"
                );
            }
        }
    }

    #[test]
    fn a_fault_is_found_at_its_path() {
        let doc = r#"{"a":{"b~/c":["ok","x\u202ey"]}}"#;
        let problem = check_text(doc.as_bytes()).unwrap_err();
        assert_eq!(problem.path, "/a/b~0~1c/1");
        assert_eq!(problem.what, TextFault::Bidi(0x202E));
        assert!(check_text(r#"{"tên":"Nguyễn Văn Hùng"}"#.as_bytes()).is_ok());
        assert_eq!(
            check_text("{\"t\":\"e\u{301}\"}".as_bytes())
                .unwrap_err()
                .what,
            TextFault::NotNfc
        );
    }
}
