//! The explorer's search index: derived from the projections and rebuilt whenever they moved
//! (like them, it can be thrown away at any time). Names are matched with diacritics folded,
//! so `nguyen van hung` finds `Nguyễn Văn Hùng`.

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

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_removes_diacritics_and_case() {
        assert_eq!(fold("Nguyễn Văn  Hùng"), "nguyen van hung");
        assert_eq!(fold("ĐINH Thị Đào"), "dinh thi dao");
        assert_eq!(fold("Lê Đình Long"), fold("le dinh long"));
        assert_ne!(fold("Lê Đình Long"), fold("le dinh lang"));
    }
}
