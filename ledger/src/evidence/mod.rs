//! Evidence records (RFC 4998, Evidence Record Syntax) over a bag's payload: `data/
//! evidence.ers` proves that the payload files existed at the time of its first timestamp, and
//! keeps proving it as long as it is renewed — by a new timestamp before the last TSA's
//! certificate expires (§5.2), by a new hash tree before the hash algorithm stops being
//! trusted (§5.3).
//!
//! The data objects are the bag's payload files (every file under `data/` but the record
//! itself), hashed whole. Their hashes form the one list of the first ArchiveTimeStamp's
//! reduced hash tree; its root is the hash of that list sorted and concatenated (§4.2), and the
//! TSA timestamps the root. A timestamp renewal timestamps the hash of the previous
//! ArchiveTimeStamp's `timeStamp` (its DER ContentInfo); a hash-tree renewal starts a new
//! ArchiveTimeStampChain whose leaves are, for each file, the new hash of the file's new hash
//! and the new hash of the DER ArchiveTimeStampSequence so far, sorted and concatenated.

mod bag;

use std::path::Path;

use cms::content_info::ContentInfo;
use der::asn1::OctetString;
use der::{Decode, Encode, Sequence};
use serde::Serialize;
use spki::AlgorithmIdentifierOwned;

use crate::timestamp::{self, Algorithms, HashAlg, LongTermError, Stamper, TsaRoots, Verified};

/// Where a bag keeps its evidence record.
pub const FILE: &str = "data/evidence.ers";

/// ```text
/// EvidenceRecord ::= SEQUENCE {
///   version                   INTEGER { v1(1) } ,
///   digestAlgorithms          SEQUENCE OF AlgorithmIdentifier,
///   cryptoInfos               [0] CryptoInfos OPTIONAL,
///   encryptionInfo            [1] EncryptionInfo OPTIONAL,
///   archiveTimeStampSequence  ArchiveTimeStampSequence }
/// ```
/// (This ledger writes neither cryptoInfos nor encryptionInfo, and reads records without them.)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct EvidenceRecord {
    pub version: u8,
    pub digest_algorithms: Vec<AlgorithmIdentifierOwned>,
    pub archive_time_stamp_sequence: Vec<ArchiveTimeStampChain>,
}

/// `ArchiveTimeStampChain ::= SEQUENCE OF ArchiveTimeStamp`
pub type ArchiveTimeStampChain = Vec<ArchiveTimeStamp>;

/// ```text
/// ArchiveTimeStamp ::= SEQUENCE {
///   digestAlgorithm [0] AlgorithmIdentifier OPTIONAL,
///   attributes      [1] Attributes OPTIONAL,
///   reducedHashtree [2] SEQUENCE OF PartialHashtree OPTIONAL,
///   timeStamp       ContentInfo }
/// PartialHashtree ::= SEQUENCE OF OCTET STRING
/// ```
/// (The module's tags are IMPLICIT.)
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ArchiveTimeStamp {
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub digest_algorithm: Option<AlgorithmIdentifierOwned>,
    #[asn1(
        context_specific = "2",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    pub reduced_hashtree: Option<Vec<Vec<OctetString>>>,
    pub time_stamp: ContentInfo,
}

/// One verified link of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// 1-based chain and timestamp numbers, as messages name them.
    pub chain: usize,
    pub timestamp: usize,
    /// `initial`, `timestamp renewal` or `hash-tree renewal`.
    pub kind: &'static str,
    #[serde(flatten)]
    pub verified: Verified,
}

/// What `verify --archive` says of a bag's evidence record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceReport {
    pub links: Vec<Link>,
    /// The earliest time at which the payload's existence is proved (the first timestamp's).
    pub earliest: String,
}

fn bad(link: &str, vi: impl Into<String>, en: impl Into<String>) -> LongTermError {
    LongTermError::new(link, vi, en)
}

/// A list of digests as a PartialHashtree.
fn partial(list: &[Vec<u8>]) -> Result<Vec<OctetString>, LongTermError> {
    list.iter()
        .map(|h| {
            OctetString::new(h.as_slice()).map_err(|e| {
                bad(
                    FILE,
                    format!("không mã hóa được: {e}"),
                    format!("cannot be encoded: {e}"),
                )
            })
        })
        .collect()
}

/// The hash of a list of hashes sorted and concatenated (RFC 4998 §4.2, step 3).
fn list_hash(alg: HashAlg, list: &mut [Vec<u8>]) -> Vec<u8> {
    list.sort();
    alg.digest(&list.concat())
}

/// The leaves of a chain's hash tree: the files' hashes for the first chain; for a later one,
/// each file's hash bound to the hash of the sequence that came before (§5.3).
fn leaves(
    alg: HashAlg,
    files: &[Vec<u8>],
    before: Option<&[ArchiveTimeStampChain]>,
) -> Result<Vec<Vec<u8>>, LongTermError> {
    let Some(before) = before else {
        return Ok(files.to_vec());
    };
    let atsc = before.to_vec().to_der().map_err(|e| {
        bad(
            FILE,
            format!("không mã hóa được chuỗi dấu: {e}"),
            format!("the sequence cannot be encoded: {e}"),
        )
    })?;
    let ha = alg.digest(&atsc);
    Ok(files
        .iter()
        .map(|h| list_hash(alg, &mut [h.clone(), ha.clone()]))
        .collect())
}

/// The hashes of a bag's payload files (all but the record), each algorithm's computed once:
/// a renewal checks the record before and after, and reading the payload is its whole cost.
struct Payload<'a> {
    bag: &'a Path,
    hashed: std::cell::RefCell<Vec<(HashAlg, Vec<Vec<u8>>)>>,
}

impl<'a> Payload<'a> {
    fn new(bag: &'a Path) -> Self {
        Payload {
            bag,
            hashed: Default::default(),
        }
    }

    fn hashes(&self, alg: HashAlg) -> Result<Vec<Vec<u8>>, LongTermError> {
        if let Some((_, h)) = self.hashed.borrow().iter().find(|(a, _)| *a == alg) {
            return Ok(h.clone());
        }
        let mut out = Vec::new();
        for rel in bag::payload(self.bag)? {
            let hash = alg.digest_file(&self.bag.join(&rel)).map_err(|e| {
                bad(
                    &rel,
                    format!("không đọc được: {e}"),
                    format!("cannot be read: {e}"),
                )
            })?;
            out.push(hash);
        }
        self.hashed.borrow_mut().push((alg, out.clone()));
        Ok(out)
    }
}

fn alg_of(id: &AlgorithmIdentifierOwned, link: &str) -> Result<HashAlg, LongTermError> {
    HashAlg::from_oid(id.oid).ok_or_else(|| {
        bad(
            link,
            format!("thuật toán băm {} không được hỗ trợ", id.oid),
            format!("the hash algorithm {} is not supported", id.oid),
        )
    })
}

/// Asks the TSAs in turn (the next one when one fails) for a token over `digest`.
fn stamp(tsas: &[&dyn Stamper], alg: HashAlg, digest: &[u8]) -> Result<ContentInfo, LongTermError> {
    let mut last = bad(
        FILE,
        "không có TSA nào được cho (--tsa)",
        "no TSA was given (--tsa)",
    );
    for tsa in tsas {
        match timestamp::obtain(*tsa, alg, digest) {
            Ok(resp) => return timestamp::token_of(&resp, &tsa.name()),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Writes the bag's first evidence record: a hash tree of its payload files with `alg`,
/// timestamped by the first of `tsas` that answers.
pub fn seal(bag: &Path, tsas: &[&dyn Stamper], alg: HashAlg) -> Result<(), LongTermError> {
    let mut list = Payload::new(bag).hashes(alg)?;
    let root = list_hash(alg, &mut list);
    let token = stamp(tsas, alg, &root)?;
    let record = EvidenceRecord {
        version: 1,
        digest_algorithms: vec![alg.identifier()],
        archive_time_stamp_sequence: vec![vec![ArchiveTimeStamp {
            digest_algorithm: Some(alg.identifier()),
            reduced_hashtree: Some(vec![partial(&list)?]),
            time_stamp: token,
        }]],
    };
    write(bag, &record)
}

fn write(bag: &Path, record: &EvidenceRecord) -> Result<(), LongTermError> {
    let der = record.to_der().map_err(|e| {
        bad(
            FILE,
            format!("không mã hóa được: {e}"),
            format!("cannot be encoded: {e}"),
        )
    })?;
    bag::replace_payload_file(bag, FILE, &der)
}

/// Reads the bag's evidence record.
pub fn read(bag: &Path) -> Result<EvidenceRecord, LongTermError> {
    let bytes = std::fs::read(bag.join(FILE)).map_err(|e| {
        bad(
            FILE,
            format!("không đọc được ({e}): hồ sơ này chưa được niêm phong bằng dấu thời gian (export --tsa)"),
            format!("cannot be read ({e}): this bag was not sealed with a timestamp (export --tsa)"),
        )
    })?;
    EvidenceRecord::from_der(&bytes).map_err(|e| {
        bad(
            FILE,
            format!("không phải EvidenceRecord DER (RFC 4998): {e}"),
            format!("not a DER EvidenceRecord (RFC 4998): {e}"),
        )
    })
}

/// Renews the bag's evidence record: with `new_alg`, a hash-tree renewal (a new chain with a
/// hash tree made with it); without, a timestamp renewal of the last chain. The record is
/// checked before (the chain so far must hold) and after (the renewal must come in order,
/// before the previous TSA certificate expired, while the previous algorithm is trusted); a
/// refused renewal writes nothing. Only the record and the tag files change.
pub fn renew(
    bag: &Path,
    tsas: &[&dyn Stamper],
    new_alg: Option<HashAlg>,
    roots: &TsaRoots,
    table: &Algorithms,
    now: u64,
) -> Result<Link, LongTermError> {
    let mut record = read(bag)?;
    let payload = Payload::new(bag);
    verify_record(&payload, &record, roots, table, None)?;
    let Some(last_chain) = record.archive_time_stamp_sequence.last() else {
        return Err(bad(
            FILE,
            "bản ghi không có chuỗi dấu nào",
            "the record holds no chain",
        ));
    };
    let Some(last) = last_chain.last() else {
        return Err(bad(FILE, "chuỗi cuối rỗng", "the last chain is empty"));
    };
    let chain_alg = chain_alg(last_chain, FILE)?;
    match new_alg {
        None => {
            let prev = last.time_stamp.to_der().map_err(|e| {
                bad(
                    FILE,
                    format!("không mã hóa được: {e}"),
                    format!("cannot be encoded: {e}"),
                )
            })?;
            let token = stamp(tsas, chain_alg, &chain_alg.digest(&prev))?;
            if let Some(chain) = record.archive_time_stamp_sequence.last_mut() {
                chain.push(ArchiveTimeStamp {
                    digest_algorithm: Some(chain_alg.identifier()),
                    reduced_hashtree: None,
                    time_stamp: token,
                });
            }
        }
        Some(alg) => {
            not_weaker(
                table,
                chain_alg,
                alg,
                &format!(
                    "{FILE} chain {}",
                    record.archive_time_stamp_sequence.len() + 1
                ),
            )?;
            let files = payload.hashes(alg)?;
            let mut list = leaves(alg, &files, Some(&record.archive_time_stamp_sequence))?;
            let root = list_hash(alg, &mut list);
            let token = stamp(tsas, alg, &root)?;
            record
                .archive_time_stamp_sequence
                .push(vec![ArchiveTimeStamp {
                    digest_algorithm: Some(alg.identifier()),
                    reduced_hashtree: Some(vec![partial(&list)?]),
                    time_stamp: token,
                }]);
            if !record.digest_algorithms.iter().any(|a| a.oid == alg.oid()) {
                record.digest_algorithms.push(alg.identifier());
            }
        }
    }
    let report = verify_record(&payload, &record, roots, table, Some(now))?;
    write(bag, &record)?;
    report
        .links
        .last()
        .cloned()
        .ok_or_else(|| bad(FILE, "bản ghi rỗng", "the record is empty"))
}

/// The hash algorithm of a chain: its first ArchiveTimeStamp's digestAlgorithm.
fn chain_alg(chain: &[ArchiveTimeStamp], link: &str) -> Result<HashAlg, LongTermError> {
    let first = chain
        .first()
        .and_then(|a| a.digest_algorithm.as_ref())
        .ok_or_else(|| {
            bad(
                link,
                "chuỗi không nêu thuật toán băm (digestAlgorithm)",
                "the chain names no hash algorithm (digestAlgorithm)",
            )
        })?;
    alg_of(first, link)
}

/// A hash-tree renewal must not move to a weaker algorithm.
fn not_weaker(
    table: &Algorithms,
    old: HashAlg,
    new: HashAlg,
    link: &str,
) -> Result<(), LongTermError> {
    let strength = |a: HashAlg| table.get(a).map_or(0, |s| s.strength);
    if strength(new) < strength(old) {
        return Err(bad(
            link,
            format!(
                "gia hạn cây băm bằng {} (độ mạnh {}) yếu hơn {} (độ mạnh {}) của chuỗi trước: gia hạn không được làm yếu bản ghi",
                new.name(), strength(new), old.name(), strength(old)
            ),
            format!(
                "a hash-tree renewal with {} (strength {}) is weaker than the previous chain's {} (strength {}): a renewal must not weaken the record",
                new.name(), strength(new), old.name(), strength(old)
            ),
        ));
    }
    Ok(())
}

/// Verifies the bag's evidence record against its payload: every link, in order (see
/// [`verify_record`]); `now` (Unix seconds) is when the newest link must still hold.
pub fn verify(
    bag: &Path,
    roots: &TsaRoots,
    table: &Algorithms,
    now: u64,
) -> Result<EvidenceReport, LongTermError> {
    let record = read(bag)?;
    verify_record(&Payload::new(bag), &record, roots, table, Some(now))
}

/// Checks every link of `record` over the bag's payload: each timestamp's imprint (the hash
/// tree's root, or the previous timestamp's hash), signature and TSA chain at its own time;
/// each renewal after the link it renews, before that link's TSA certificate expired, while
/// that link's algorithm was trusted, and (for a hash-tree renewal) with an algorithm no
/// weaker. With `now`, the newest link's algorithm and TSA certificate must hold then too.
fn verify_record(
    payload: &Payload,
    record: &EvidenceRecord,
    roots: &TsaRoots,
    table: &Algorithms,
    now: Option<u64>,
) -> Result<EvidenceReport, LongTermError> {
    if record.version != 1 {
        return Err(bad(
            FILE,
            format!("phiên bản {} không phải 1", record.version),
            format!("version {} is not 1", record.version),
        ));
    }
    // The order first: each link must come after the one it renews, whatever else is wrong.
    let mut before: Option<(u64, String)> = None;
    for (ci, chain) in record.archive_time_stamp_sequence.iter().enumerate() {
        for (ai, ats) in chain.iter().enumerate() {
            let Some((unix, time)) = timestamp::claimed_time(&ats.time_stamp) else {
                continue;
            };
            if let Some((b_unix, b_time)) = &before {
                if unix < *b_unix {
                    return Err(bad(
                        &format!("{FILE} chain {} timestamp {}", ci + 1, ai + 1),
                        format!("gia hạn sai thứ tự: dấu thời gian ({time}) sớm hơn mắt xích nó gia hạn ({b_time})"),
                        format!("renewal out of order: its timestamp ({time}) is earlier than the link it renews ({b_time})"),
                    ));
                }
            }
            before = Some((unix, time));
        }
    }
    let mut links: Vec<Link> = Vec::new();
    let mut prev: Option<(Verified, HashAlg)> = None;
    for (ci, chain) in record.archive_time_stamp_sequence.iter().enumerate() {
        let chain_link = format!("{FILE} chain {}", ci + 1);
        let alg = chain_alg(chain, &chain_link)?;
        if !record.digest_algorithms.iter().any(|a| a.oid == alg.oid()) {
            return Err(bad(
                &chain_link,
                format!("{} không có trong digestAlgorithms của bản ghi", alg.name()),
                format!("{} is not among the record's digestAlgorithms", alg.name()),
            ));
        }
        for (ai, ats) in chain.iter().enumerate() {
            let link = format!("{chain_link} timestamp {}", ai + 1);
            if let Some(own) = &ats.digest_algorithm {
                if alg_of(own, &link)? != alg {
                    return Err(bad(
                        &link,
                        "thuật toán băm khác với thuật toán của chuỗi",
                        "its hash algorithm differs from its chain's",
                    ));
                }
            }
            let digest = if ai == 0 {
                let files = payload.hashes(alg)?;
                let expected = leaves(
                    alg,
                    &files,
                    (ci > 0).then(|| &record.archive_time_stamp_sequence[..ci]),
                )?;
                tree_root(ats, alg, &expected, &link)?
            } else {
                let prev_ts = chain[ai - 1].time_stamp.to_der().map_err(|e| {
                    bad(
                        &link,
                        format!("không mã hóa được: {e}"),
                        format!("cannot be encoded: {e}"),
                    )
                })?;
                alg.digest(&prev_ts)
            };
            let verified = timestamp::verify_token(&ats.time_stamp, alg, &digest, roots, &link)?;
            let kind = match (ci, ai) {
                (0, 0) => "initial",
                (_, 0) => "hash-tree renewal",
                _ => "timestamp renewal",
            };
            if let Some((before, before_alg)) = &prev {
                renewed_in_time(before, *before_alg, &verified, table, &link)?;
                if ai == 0 {
                    not_weaker(table, *before_alg, alg, &link)?;
                }
            }
            prev = Some((verified.clone(), alg));
            links.push(Link {
                chain: ci + 1,
                timestamp: ai + 1,
                kind,
                verified,
            });
        }
    }
    let (Some(first), Some((last, last_alg))) = (links.first(), prev) else {
        return Err(bad(
            FILE,
            "bản ghi không có dấu thời gian nào",
            "the record holds no timestamp",
        ));
    };
    if let Some(now) = now {
        let link = format!(
            "{FILE} chain {} timestamp {}",
            links[links.len() - 1].chain,
            links[links.len() - 1].timestamp
        );
        if now > last.cert_not_after {
            return Err(bad(
                &link,
                "chứng thư của TSA cấp dấu thời gian mới nhất đã hết hạn: bản ghi đã không được gia hạn kịp (archive renew phải chạy trước khi chứng thư hết hạn)",
                "the certificate of the TSA of the newest timestamp has expired: the record was not renewed in time (archive renew must run before the certificate expires)",
            ));
        }
        table.check(last_alg, now, &link)?;
    }
    Ok(EvidenceReport {
        earliest: first.verified.time.clone(),
        links,
    })
}

/// The root of an ArchiveTimeStamp's reduced hash tree, whose first list must hold exactly
/// `expected` (the data objects' leaves).
fn tree_root(
    ats: &ArchiveTimeStamp,
    alg: HashAlg,
    expected: &[Vec<u8>],
    link: &str,
) -> Result<Vec<u8>, LongTermError> {
    let Some(tree) = &ats.reduced_hashtree else {
        return Err(bad(
            link,
            "thiếu cây băm rút gọn (reducedHashtree)",
            "the reduced hash tree (reducedHashtree) is missing",
        ));
    };
    let Some((first, rest)) = tree.split_first() else {
        return Err(bad(
            link,
            "cây băm rút gọn rỗng",
            "the reduced hash tree is empty",
        ));
    };
    let mut held: Vec<Vec<u8>> = first.iter().map(|o| o.as_bytes().to_vec()).collect();
    let mut want = expected.to_vec();
    held.sort();
    want.sort();
    if held != want {
        return Err(bad(
            link,
            "các tệp dữ liệu của hồ sơ không còn là những tệp mà cây băm phủ: một tệp đã bị thay đổi, thêm hay bớt",
            "the bag's payload files are no longer the ones the hash tree covers: a file was changed, added or removed",
        ));
    }
    let mut root = list_hash(alg, &mut held);
    for list in rest {
        let mut next: Vec<Vec<u8>> = list.iter().map(|o| o.as_bytes().to_vec()).collect();
        next.push(root);
        root = list_hash(alg, &mut next);
    }
    Ok(root)
}

/// A renewal must come before the TSA certificate of the link it renews expired and while
/// that link's hash algorithm was still trusted (its order is checked first, for all links).
fn renewed_in_time(
    before: &Verified,
    before_alg: HashAlg,
    after: &Verified,
    table: &Algorithms,
    link: &str,
) -> Result<(), LongTermError> {
    if after.unix > before.cert_not_after {
        return Err(bad(
            link,
            format!(
                "gia hạn quá muộn: nó được tạo lúc {}, sau khi chứng thư của TSA `{}` của mắt xích trước hết hạn",
                after.time, before.authority
            ),
            format!(
                "renewal too late: it was made at {}, after the certificate of the previous link's TSA `{}` had expired",
                after.time, before.authority
            ),
        ));
    }
    table.check(before_alg, after.unix, link)
}

/// One checkpoint token of a bag (`data/timestamps/<size>-<n>.tsr`), verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenReport {
    pub file: String,
    pub size: u64,
    #[serde(flatten)]
    pub verified: Verified,
}

/// Everything a bag proves about time: its checkpoints' tokens and its evidence record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LongTermReport {
    pub ok: bool,
    pub timestamps: Vec<TokenReport>,
    pub evidence: Option<EvidenceReport>,
    /// Each link that failed, and why.
    pub failures: Vec<LongTermError>,
}

/// Checks the bag's checkpoint tokens (each against the exact note bytes beside it) and its
/// evidence record, if it has one, with the TSA CAs `roots` and the algorithm table `table`
/// at `now` (Unix seconds). That each note is the log's own checkpoint over the bag's log is
/// [`crate::archive::verify`]'s part.
pub fn check_bag(bag: &Path, roots: &TsaRoots, table: &Algorithms, now: u64) -> LongTermReport {
    let mut failures = Vec::new();
    let mut timestamps = Vec::new();
    let dir = bag.join("data/timestamps");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .map(|items| {
            items
                .flatten()
                .map(|i| i.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".tsr"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    for name in files {
        let file = format!("data/timestamps/{name}");
        let Some(size) = name.split('-').next().and_then(|s| s.parse::<u64>().ok()) else {
            failures.push(bad(
                &file,
                "tên không phải <cỡ>-<n>.tsr",
                "the name is not <size>-<n>.tsr",
            ));
            continue;
        };
        let note = format!("data/timestamps/{size}.note");
        let checked = std::fs::read(bag.join(&note))
            .map_err(|e| {
                bad(
                    &note,
                    format!("không đọc được: {e}"),
                    format!("cannot be read: {e}"),
                )
            })
            .and_then(|bytes| {
                let resp = std::fs::read(bag.join(&file)).map_err(|e| {
                    bad(
                        &file,
                        format!("không đọc được: {e}"),
                        format!("cannot be read: {e}"),
                    )
                })?;
                let verified = timestamp::verify(
                    &resp,
                    HashAlg::Sha256,
                    &HashAlg::Sha256.digest(&bytes),
                    roots,
                    &file,
                )?;
                table.check(HashAlg::Sha256, now, &file)?;
                Ok(verified)
            });
        match checked {
            Ok(verified) => timestamps.push(TokenReport {
                file,
                size,
                verified,
            }),
            Err(e) => failures.push(e),
        }
    }
    let evidence = if bag.join(FILE).exists() {
        match verify(bag, roots, table, now) {
            Ok(r) => Some(r),
            Err(e) => {
                failures.push(e);
                None
            }
        }
    } else {
        None
    };
    LongTermReport {
        ok: failures.is_empty(),
        timestamps,
        evidence,
        failures,
    }
}
