//! Byte-level mutations of valid inputs, the kinds that find parser bugs: flips, insertions,
//! deletions, truncation, duplicated ranges, splices from another input, and hostile length
//! prefixes written where the format keeps its lengths.

/// Length values that break parsers that trust them.
pub const HOSTILE_LENGTHS: [u64; 8] = [
    2 << 30, // 2 GiB
    u64::MAX,
    u32::MAX as u64,
    (1 << 20) + 1,
    (1 << 20) + 25,
    i64::MAX as u64 + 1,
    0,
    1,
];

/// One mutation. Positions are fractions of the input (`at` of `u16::MAX`), so that one
/// mutation means the same place whatever the input's length.
#[derive(Debug, Clone)]
pub enum Mutation {
    Flip {
        at: u16,
        mask: u8,
    },
    Insert {
        at: u16,
        bytes: Vec<u8>,
    },
    Delete {
        at: u16,
        len: u16,
    },
    Truncate {
        at: u16,
    },
    Duplicate {
        at: u16,
        len: u16,
    },
    /// The tail of another input from `from`, after this one's head up to `at`.
    Splice {
        at: u16,
        other: Vec<u8>,
        from: u16,
    },
    /// A hostile length (`HOSTILE_LENGTHS[which]`, or the value plus `delta`) written as a
    /// little-endian u64 (or u32 when `narrow`) at one of `fields`, the offsets where the
    /// input keeps lengths; anywhere when it has none.
    Length {
        field: u16,
        which: u8,
        delta: i8,
        narrow: bool,
    },
}

fn place(at: u16, len: usize) -> usize {
    (at as usize * len) / (u16::MAX as usize + 1)
}

/// Applies `m` to `data`; `fields` are the offsets of length prefixes in `data`.
pub fn apply(data: &mut Vec<u8>, m: &Mutation, fields: &[usize]) {
    match m {
        Mutation::Flip { at, mask } => {
            if !data.is_empty() {
                let i = place(*at, data.len());
                data[i] ^= mask | 1;
            }
        }
        Mutation::Insert { at, bytes } => {
            let i = place(*at, data.len() + 1);
            data.splice(i..i, bytes.iter().copied());
        }
        Mutation::Delete { at, len } => {
            let i = place(*at, data.len());
            let end = (i + *len as usize).min(data.len());
            data.drain(i..end);
        }
        Mutation::Truncate { at } => data.truncate(place(*at, data.len())),
        Mutation::Duplicate { at, len } => {
            let i = place(*at, data.len());
            let end = (i + *len as usize).min(data.len());
            let copy = data[i..end].to_vec();
            data.splice(end..end, copy);
        }
        Mutation::Splice { at, other, from } => {
            data.truncate(place(*at, data.len() + 1));
            data.extend_from_slice(&other[place(*from, other.len() + 1).min(other.len())..]);
        }
        Mutation::Length {
            field,
            which,
            delta,
            narrow,
        } => {
            let base = HOSTILE_LENGTHS[*which as usize % HOSTILE_LENGTHS.len()];
            let value = base.wrapping_add_signed(*delta as i64);
            let at = if fields.is_empty() {
                place(*field, data.len())
            } else {
                fields[*field as usize % fields.len()]
            };
            let bytes = if *narrow {
                (value as u32).to_le_bytes().to_vec()
            } else {
                value.to_le_bytes().to_vec()
            };
            let at = at.min(data.len());
            let end = (at + bytes.len()).min(data.len());
            data[at..end].copy_from_slice(&bytes[..end - at]);
        }
    }
}

/// Rewrites the checksum of the length at each frame header in `fields`, so that a hostile
/// length gets past the header check to the length check behind it.
pub fn reseal_frame_headers(data: &mut [u8], fields: &[usize]) {
    for &at in fields {
        if let Some(len) = data.get(at..at + 4) {
            let crc = crc32c::crc32c(len).to_le_bytes();
            if let Some(slot) = data.get_mut(at + 4..at + 8) {
                slot.copy_from_slice(&crc);
            }
        }
    }
}

/// Values that test a schema's edges: signs, magnitudes, types, sizes, depth.
fn hostile_value(which: u8) -> serde_json::Value {
    use serde_json::json;
    match which % 16 {
        0 => json!(-1),
        1 => json!(0),
        2 => json!(u64::MAX),
        3 => json!(i64::MIN),
        4 => json!(1e308),
        5 => json!(0.5),
        6 => json!(""),
        7 => json!("x".repeat(5000)),
        8 => json!([]),
        9 => json!({}),
        10 => json!(null),
        11 => json!(true),
        12 => json!("Đại hội\u{0}"),
        13 => (0..200).fold(json!(1), |v, _| json!([v])),
        14 => json!(vec![0; 2000]),
        _ => json!("2020-13-45"),
    }
}

fn pointers(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        _ => {}
    }
}

/// A structure-aware change to a JSON payload: one node (`node` picks it, in document order)
/// replaced by a hostile value, removed, or given a duplicate key or an unknown sibling.
/// Bytes that are not JSON come back unchanged.
pub fn tweak_json(payload: &[u8], node: u16, op: u8) -> Vec<u8> {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(payload) else {
        return payload.to_vec();
    };
    let mut paths = Vec::new();
    pointers(&value, String::new(), &mut paths);
    let Some(path) = (!paths.is_empty()).then(|| paths[node as usize % paths.len()].clone()) else {
        return payload.to_vec();
    };
    match op % 20 {
        16 => {
            // Remove the node from its parent.
            if let Some((parent, last)) = path.rsplit_once('/') {
                match value.pointer_mut(parent) {
                    Some(serde_json::Value::Object(m)) => {
                        m.remove(&last.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(serde_json::Value::Array(a)) => {
                        if let Ok(i) = last.parse::<usize>() {
                            if i < a.len() {
                                a.remove(i);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        17 => {
            if let Some(m) = value.as_object_mut() {
                m.insert("unknown_field".into(), serde_json::json!(1));
            }
        }
        18 => {
            // A duplicate key: only text can say it twice.
            let mut text = serde_json::to_vec(&value).unwrap_or_default();
            if let (Some(end), Some(first)) = (
                text.iter().rposition(|&b| b == b'}'),
                value.as_object().and_then(|m| m.keys().next().cloned()),
            ) {
                let extra = format!(",{}:0", serde_json::Value::String(first));
                text.splice(end..end, extra.into_bytes());
            }
            return text;
        }
        19 => {
            // The same value as a string of itself (a number in quotes, an object as text).
            if let Some(v) = value.pointer_mut(&path) {
                *v = serde_json::Value::String(v.to_string());
            }
        }
        n => {
            if let Some(v) = value.pointer_mut(&path) {
                *v = hostile_value(n);
            }
        }
    }
    serde_json::to_vec(&value).unwrap_or_default()
}
