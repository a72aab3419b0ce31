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
