//! The hash algorithms of timestamps and evidence records, and the table saying until when
//! each is trusted (`algorithms.json`, shipped with the project after ETSI TS 119 312 and
//! overridable): a link made with an algorithm after its `not_after` proves nothing.

use std::path::Path;

use der::asn1::ObjectIdentifier;
use der::Any;
use serde::Deserialize;
use sha2::Digest;
use spki::AlgorithmIdentifier;

use super::LongTermError;

/// The table shipped with the project.
pub const SHIPPED: &str = include_str!("../../../algorithms.json");

/// A hash algorithm a timestamp imprint or a hash tree can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    Sha256,
    Sha384,
    Sha512,
    Sha3_256,
    Sha3_512,
}

impl HashAlg {
    pub const ALL: [HashAlg; 5] = [
        HashAlg::Sha256,
        HashAlg::Sha384,
        HashAlg::Sha512,
        HashAlg::Sha3_256,
        HashAlg::Sha3_512,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha256",
            HashAlg::Sha384 => "sha384",
            HashAlg::Sha512 => "sha512",
            HashAlg::Sha3_256 => "sha3-256",
            HashAlg::Sha3_512 => "sha3-512",
        }
    }

    pub fn oid(self) -> ObjectIdentifier {
        ObjectIdentifier::new_unwrap(match self {
            HashAlg::Sha256 => "2.16.840.1.101.3.4.2.1",
            HashAlg::Sha384 => "2.16.840.1.101.3.4.2.2",
            HashAlg::Sha512 => "2.16.840.1.101.3.4.2.3",
            HashAlg::Sha3_256 => "2.16.840.1.101.3.4.2.8",
            HashAlg::Sha3_512 => "2.16.840.1.101.3.4.2.10",
        })
    }

    pub fn from_oid(oid: ObjectIdentifier) -> Option<HashAlg> {
        HashAlg::ALL.into_iter().find(|a| a.oid() == oid)
    }

    pub fn from_name(name: &str) -> Option<HashAlg> {
        HashAlg::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Its AlgorithmIdentifier, parameters absent (RFC 5754 §2).
    pub fn identifier(self) -> AlgorithmIdentifier<Any> {
        AlgorithmIdentifier {
            oid: self.oid(),
            parameters: None,
        }
    }

    pub fn hasher(self) -> Box<dyn sha2::digest::DynDigest> {
        match self {
            HashAlg::Sha256 => Box::new(sha2::Sha256::new()),
            HashAlg::Sha384 => Box::new(sha2::Sha384::new()),
            HashAlg::Sha512 => Box::new(sha2::Sha512::new()),
            HashAlg::Sha3_256 => Box::new(sha3::Sha3_256::new()),
            HashAlg::Sha3_512 => Box::new(sha3::Sha3_512::new()),
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = self.hasher();
        h.update(data);
        h.finalize().into_vec()
    }

    /// The hash of a file's content, read a MiB at a time.
    pub fn digest_file(self, path: &Path) -> std::io::Result<Vec<u8>> {
        use std::io::Read;
        let mut f = std::fs::File::open(path)?;
        let mut h = self.hasher();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(h.finalize().into_vec())
    }
}

#[derive(Debug, Clone, Deserialize)]
struct Row {
    name: String,
    oid: String,
    strength: u32,
    not_after: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Table {
    hash_algorithms: Vec<Row>,
}

/// One algorithm's entry in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suitability {
    pub strength: u32,
    /// Unix seconds of the first moment it is no longer trusted, if one is set.
    pub not_after: Option<u64>,
    pub not_after_text: Option<String>,
}

/// The validity table: which hash algorithm is trusted until when, and how strong each is.
#[derive(Debug, Clone)]
pub struct Algorithms {
    rows: Vec<(ObjectIdentifier, String, Suitability)>,
    /// Where the table came from, for messages.
    pub source: String,
}

impl Algorithms {
    /// The table shipped with the project.
    pub fn shipped() -> Algorithms {
        // The shipped file is checked by a test; should it ever not parse, no algorithm is
        // trusted, so nothing is proved rather than too much.
        Algorithms::parse(SHIPPED, "algorithms.json").unwrap_or(Algorithms {
            rows: Vec::new(),
            source: "algorithms.json".into(),
        })
    }

    pub fn read(path: &Path) -> Result<Algorithms, LongTermError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            LongTermError::new(
                &name,
                format!("không đọc được: {e}"),
                format!("cannot be read: {e}"),
            )
        })?;
        Algorithms::parse(&text, &name)
    }

    pub fn parse(text: &str, name: &str) -> Result<Algorithms, LongTermError> {
        let bad = |vi: String, en: String| LongTermError::new(name, vi, en);
        let table: Table = serde_json::from_str(text).map_err(|e| {
            bad(
                format!("không phải bảng thuật toán (như algorithms.json): {e}"),
                format!("not an algorithm table (like algorithms.json): {e}"),
            )
        })?;
        let mut rows = Vec::new();
        for row in table.hash_algorithms {
            let oid = ObjectIdentifier::new(&row.oid).map_err(|e| {
                bad(
                    format!("OID `{}` của {} sai: {e}", row.oid, row.name),
                    format!("the OID `{}` of {} is malformed: {e}", row.oid, row.name),
                )
            })?;
            let not_after = match &row.not_after {
                None => None,
                Some(date) => Some(
                    crate::calendar::parse_date(date)
                        .filter(|d| *d >= 0)
                        .map(|d| d as u64 * 86_400)
                        .ok_or_else(|| {
                            bad(
                                format!("ngày `{date}` của {} không phải YYYY-MM-DD", row.name),
                                format!("the date `{date}` of {} is not YYYY-MM-DD", row.name),
                            )
                        })?,
                ),
            };
            rows.push((
                oid,
                row.name,
                Suitability {
                    strength: row.strength,
                    not_after,
                    not_after_text: row.not_after,
                },
            ));
        }
        Ok(Algorithms {
            rows,
            source: name.to_string(),
        })
    }

    pub fn get(&self, alg: HashAlg) -> Option<&Suitability> {
        self.rows
            .iter()
            .find(|(oid, _, _)| *oid == alg.oid())
            .map(|(_, _, s)| s)
    }

    /// Whether `alg` is still trusted at `unix` (seconds); the refusal says why not.
    pub fn check(&self, alg: HashAlg, unix: u64, link: &str) -> Result<(), LongTermError> {
        match self.get(alg) {
            None => Err(LongTermError::new(
                link,
                format!("thuật toán {} không có trong bảng {}: không thể biết nó còn tin được không", alg.name(), self.source),
                format!("the algorithm {} is not in the table {}: whether it is still trusted cannot be known", alg.name(), self.source),
            )),
            Some(s) if s.not_after.is_some_and(|end| unix >= end) => Err(LongTermError::new(
                link,
                format!(
                    "thuật toán {} hết được tin từ {} (bảng {}), trước khi mắt xích kế tiếp được tạo",
                    alg.name(),
                    s.not_after_text.as_deref().unwrap_or_default(),
                    self.source
                ),
                format!(
                    "the algorithm {} stopped being trusted on {} (table {}), before the next link was made",
                    alg.name(),
                    s.not_after_text.as_deref().unwrap_or_default(),
                    self.source
                ),
            )),
            Some(_) => Ok(()),
        }
    }
}
