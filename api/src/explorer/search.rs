//! The explorer's search indexes, derived and rebuildable like the projections (each can be
//! thrown away at any time): people, rebuilt from the projections whenever they moved, matched
//! with diacritics folded, so `nguyen van hung` finds `Nguyễn Văn Hùng`; and acts (position,
//! time, kind, hash per entry, about 48 bytes each), brought up to the log by reading only the
//! entries appended since, and filtered by kind, local date range, position and hash prefix.

use ledger::projections::Projections;
use unicode_normalization::UnicodeNormalization;

/// Lower case, without diacritics (`đ` as `d`), spaces collapsed.
pub fn fold(text: &str) -> String {
    let stripped: String = text
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One person of one congress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonHit {
    pub name: String,
    pub person: String,
    pub congress: String,
    /// The `person.registered` act.
    pub event: String,
    pub time: i64,
    folded: String,
}

/// The index as of `position` entries of the log.
#[derive(Debug, Default)]
pub struct Index {
    pub position: u64,
    persons: Vec<PersonHit>,
}

impl Index {
    pub fn build(p: &Projections) -> Index {
        let mut persons: Vec<PersonHit> = p
            .congresses
            .values()
            .flat_map(|c| {
                c.persons.iter().map(|(id, r)| PersonHit {
                    name: r.value.name.clone(),
                    person: id.to_string(),
                    congress: c.stream.clone(),
                    event: r.event.to_hex(),
                    time: r.time,
                    folded: fold(&r.value.name),
                })
            })
            .collect();
        persons.sort_by(|a, b| a.folded.cmp(&b.folded).then(a.congress.cmp(&b.congress)));
        Index {
            position: p.position,
            persons,
        }
    }

    /// People whose folded name contains every folded word of `query`, at most `limit`.
    pub fn persons(&self, query: &str, limit: usize) -> Vec<&PersonHit> {
        let words: Vec<String> = fold(query).split(' ').map(str::to_string).collect();
        if words.iter().all(|w| w.is_empty()) {
            return Vec::new();
        }
        self.persons
            .iter()
            .filter(|h| {
                words
                    .iter()
                    .all(|w| h.folded.split(' ').any(|part| part.starts_with(w.as_str())))
            })
            .take(limit)
            .collect()
    }
}

/// One entry of the log, as the acts index keeps it.
#[derive(Debug, Clone, Copy)]
struct ActRow {
    position: u64,
    time: i64,
    kind: u16,
    hash: [u8; 32],
}

/// An act found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActHit {
    pub position: u64,
    pub time: i64,
    pub kind: String,
    pub hash: String,
}

/// What acts to find; every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActFilter {
    pub kind: Option<String>,
    /// Event time (ms) at or after.
    pub from_ms: Option<i64>,
    /// Event time (ms) before.
    pub until_ms: Option<i64>,
    pub position: Option<u64>,
    /// Lower-case hex digits the event hash starts with (at least [`MIN_HASH_PREFIX`]).
    pub hash_prefix: Option<String>,
}

/// The shortest hash prefix searched for (8 hex digits: 32 bits).
pub const MIN_HASH_PREFIX: usize = 8;

impl ActFilter {
    pub fn is_empty(&self) -> bool {
        *self == ActFilter::default()
    }
}

/// The acts index as of `position` entries of the log.
#[derive(Debug, Default)]
pub struct Acts {
    pub position: u64,
    kinds: Vec<String>,
    rows: Vec<ActRow>,
}

impl Acts {
    /// Reads the entries appended since the index was last brought up to the log.
    pub fn catch_up(
        &mut self,
        ledger: &ledger::Ledger,
    ) -> Result<(), ledger::storage::StorageError> {
        let size = ledger.size();
        if size <= self.position {
            return Ok(());
        }
        let mut failed = None;
        let (kinds, rows, next) = (&mut self.kinds, &mut self.rows, &mut self.position);
        ledger.scan(*next, size, &mut |position, bytes| {
            match ledger::format::Entry::decode_structure(bytes) {
                Ok(entry) => {
                    let body = entry.event.body();
                    let kind = match kinds.iter().position(|k| *k == body.kind) {
                        Some(i) => i,
                        None => {
                            kinds.push(body.kind.clone());
                            kinds.len() - 1
                        }
                    };
                    rows.push(ActRow {
                        position,
                        time: body.time,
                        kind: u16::try_from(kind).unwrap_or(u16::MAX),
                        hash: *entry.event.hash().as_bytes(),
                    });
                    *next = position + 1;
                    true
                }
                Err(e) => {
                    failed = Some((position, e.to_string()));
                    false
                }
            }
        })?;
        match failed {
            Some((position, reason)) => Err(ledger::storage::StorageError::Corrupt {
                file: ledger.dir().to_path_buf(),
                offset: 0,
                position: Some(position),
                reason,
            }),
            None => Ok(()),
        }
    }

    /// How many acts match `filter`, and the first `limit` of them in log order.
    pub fn find(&self, filter: &ActFilter, limit: usize) -> (usize, Vec<ActHit>) {
        let kind = match &filter.kind {
            Some(k) => match self.kinds.iter().position(|x| x == k) {
                Some(i) => Some(i),
                None => return (0, Vec::new()),
            },
            None => None,
        };
        let rows: &[ActRow] = match filter.position {
            Some(p) => usize::try_from(p)
                .ok()
                .and_then(|p| self.rows.get(p..=p))
                .unwrap_or(&[]),
            None => &self.rows,
        };
        let prefix = filter.hash_prefix.as_deref().unwrap_or("");
        let matches = rows.iter().filter(|r| {
            kind.is_none_or(|k| usize::from(r.kind) == k)
                && filter.from_ms.is_none_or(|t| r.time >= t)
                && filter.until_ms.is_none_or(|t| r.time < t)
                && hex_starts_with(&r.hash, prefix)
        });
        let mut total = 0;
        let mut hits = Vec::new();
        for r in matches {
            total += 1;
            if hits.len() < limit {
                hits.push(ActHit {
                    position: r.position,
                    time: r.time,
                    kind: self
                        .kinds
                        .get(usize::from(r.kind))
                        .cloned()
                        .unwrap_or_default(),
                    hash: hex::encode(r.hash),
                });
            }
        }
        (total, hits)
    }
}

/// Whether `hash` written in hex starts with the hex digits `prefix`.
fn hex_starts_with(hash: &[u8; 32], prefix: &str) -> bool {
    prefix.len() <= 64
        && prefix.bytes().enumerate().all(|(i, c)| {
            let byte = hash[i / 2];
            let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
            char::from_digit(u32::from(nibble), 16).is_some_and(|d| d as u8 == c)
        })
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn a_hash_prefix_matches_its_hex_digits_only() {
        let mut hash = [0u8; 32];
        hash[0] = 0xab;
        hash[1] = 0x1f;
        assert!(super::hex_starts_with(&hash, "ab1f0000"));
        assert!(super::hex_starts_with(&hash, "ab1"));
        assert!(!super::hex_starts_with(&hash, "ab1e"));
        assert!(!super::hex_starts_with(&hash, "AB1F"));
    }

    #[test]
    fn folding_removes_diacritics_and_case() {
        assert_eq!(fold("Nguyễn Văn  Hùng"), "nguyen van hung");
        assert_eq!(fold("ĐINH Thị Đào"), "dinh thi dao");
        assert_eq!(fold("Lê Đình Long"), fold("le dinh long"));
        assert_ne!(fold("Lê Đình Long"), fold("le dinh lang"));
    }
}
