//! The offline proof of one act: what a complaint petition or an inspection report attaches
//! to show that an act is in the record. A JSON document holding the act's entry, its
//! inclusion proof, the signed checkpoint it is proved against, and the entries of the
//! authority registry (stream `ledger`) before it, each with its own inclusion proof — so that
//! whether the signer was allowed to sign it is checked too, with nothing but the log key.
//!
//! Completeness: a registry cut short could leave out a decisive `key.revoked`. So a proof also
//! carries the first `ledger` entry after the act when the checkpoint holds one: its version
//! and `prev` chain it to the last registry entry given, proving that none before the act was
//! left out. Without one (no registry change since the act yet) the verdict says that
//! completeness is not proved. A correction carries the acts it corrects, down to the first
//! that is not a correction, since it is judged as that act (§4).

use serde::{Deserialize, Serialize};

use crate::authority::{self, CorrectedAct, Registry};
use crate::engine::Ledger;
use crate::format::merkle;
use crate::format::{Entry, Hash, SignedNote, VerifierKey};
use crate::messages::{Localized, Text};
use crate::storage::StorageError;
use crate::verify::witnessed::WitnessPolicy;

pub const FORMAT: &str = "congress-ledger-act-proof/v1";

/// One entry and its inclusion proof in the checkpoint's tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvedEntry {
    pub position: u64,
    /// The entry's bytes (§3), hex.
    pub entry: String,
    /// The hashes of the inclusion proof, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub inclusion: Vec<Hash>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActProof {
    pub format: String,
    pub origin: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[0-9a-f]{64}$"))]
    pub event_hash: Hash,
    /// The signed checkpoint (C2SP note) everything is proved against.
    pub checkpoint: String,
    pub act: ProvedEntry,
    /// Stream `ledger`'s entries before the act, in order: the registry it was judged by.
    pub registry: Vec<ProvedEntry>,
    /// The first entry of stream `ledger` after the act, when the checkpoint holds one: it
    /// proves that `registry` is complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_next: Option<ProvedEntry>,
    /// For a correction: the act it corrects, then what that one corrects, down to the first
    /// act that is not a correction.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrected: Vec<ProvedEntry>,
    /// When the log key was rotated before the checkpoint: what it takes to follow the chain
    /// of log keys from the pinned one to the key that signed the checkpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_keys: Option<KeyChainProof>,
}

/// The chain of log keys up to a proof's checkpoint (docs/FORMAT.md §4): the rest of the
/// registry, which names every rotation, and the first checkpoint each key signed, proved a
/// prefix of the proof's checkpoint — the anchor a verifier pinning that key needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyChainProof {
    /// Stream `ledger`'s entries after `registry_next` (after the act when there is none),
    /// below the checkpoint's size, in order.
    pub registry_after: Vec<ProvedEntry>,
    /// The first checkpoint each log key signed, up to the proof's checkpoint.
    pub anchors: Vec<KeyAnchor>,
}

/// A checkpoint and its consistency proof to the proof's checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyAnchor {
    /// The signed checkpoint (C2SP note).
    pub checkpoint: String,
    /// RFC 9162 consistency proof from its size to the proof checkpoint's, hex.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub consistency: Vec<Hash>,
}

#[derive(Debug, thiserror::Error)]
pub enum ActProofError {
    #[error("no event with hash {0} in this ledger")]
    NotFound(Hash),
    #[error("the ledger has no checkpoint covering entry {0} yet")]
    NoCheckpoint(u64),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the proof does not hold: {}", .0.en)]
    Invalid(Text),
}

/// A log an act's proof can be read from: a live ledger, or one published as tiles.
pub trait Provable {
    fn origin(&self) -> &str;
    /// The checkpoint to prove the act at `position` against: the latest one witnesses
    /// cosigned that covers it (it then stands against the operator too), else the latest.
    fn proving_note(&self, position: u64) -> Result<Option<SignedNote>, StorageError>;
    fn entry_by_hash(&self, hash: &Hash) -> Result<Option<Entry>, StorageError>;
    fn entry_bytes(&self, position: u64) -> Result<Option<Vec<u8>>, StorageError>;
    fn inclusion(&self, position: u64, size: u64) -> Result<Vec<Hash>, ActProofError>;
    /// The positions of stream `ledger`'s entries below `size`, ascending.
    fn registry_positions(&self, size: u64) -> Result<Vec<u64>, StorageError>;
    /// When the log key was rotated below `size`: the first checkpoint each key signed (up to
    /// `size`), with its consistency proof to `size`. Empty when it was not, or when this
    /// source does not know (then a verifier pinning an older key cannot follow the chain).
    fn key_anchors(&self, _size: u64) -> Result<Vec<KeyAnchor>, ActProofError> {
        Ok(Vec::new())
    }
}

impl Provable for Ledger {
    fn origin(&self) -> &str {
        Ledger::origin(self)
    }

    fn proving_note(&self, position: u64) -> Result<Option<SignedNote>, StorageError> {
        Ok(self
            .latest_cosigned()?
            .filter(|n| n.checkpoint.size > position)
            .or_else(|| self.checkpoint().map(|n| self.with_cosignatures(n)))
            .filter(|n| n.checkpoint.size > position))
    }

    fn entry_by_hash(&self, hash: &Hash) -> Result<Option<Entry>, StorageError> {
        Ledger::entry_by_hash(self, hash)
    }

    fn entry_bytes(&self, position: u64) -> Result<Option<Vec<u8>>, StorageError> {
        Ledger::entry_bytes(self, position)
    }

    fn inclusion(&self, position: u64, size: u64) -> Result<Vec<Hash>, ActProofError> {
        self.inclusion_proof(position, size)?
            .map_err(|e| ActProofError::Invalid(Text::of(&e)))
    }

    fn registry_positions(&self, size: u64) -> Result<Vec<u64>, StorageError> {
        Ok(self
            .stream("ledger", 0, usize::MAX)?
            .into_iter()
            .map(|e| e.position)
            .take_while(|&p| p < size)
            .collect())
    }

    fn key_anchors(&self, size: u64) -> Result<Vec<KeyAnchor>, ActProofError> {
        let keys = self.log_keys();
        if keys.in_force(size).named_at.is_none() && keys.before(size).is_none() {
            return Ok(Vec::new());
        }
        let mut anchors = Vec::new();
        for note in self.first_checkpoints_by_key()?.into_iter().flatten() {
            let at = note.checkpoint.size;
            if at > size {
                continue;
            }
            let consistency = self
                .consistency_proof(at, size)?
                .map_err(|e| ActProofError::Invalid(Text::of(&e)))?;
            anchors.push(KeyAnchor {
                checkpoint: note.encode(),
                consistency,
            });
        }
        Ok(anchors)
    }
}

fn prove(log: &dyn Provable, position: u64, size: u64) -> Result<ProvedEntry, ActProofError> {
    let bytes = log
        .entry_bytes(position)?
        .ok_or(ActProofError::NoCheckpoint(position))?;
    Ok(ProvedEntry {
        position,
        entry: hex::encode(bytes),
        inclusion: log.inclusion(position, size)?,
    })
}

/// Builds the proof of the act `hash` against the latest cosigned checkpoint that covers it,
/// or else the latest checkpoint.
pub fn export(log: &dyn Provable, hash: &Hash) -> Result<ActProof, ActProofError> {
    let entry = log
        .entry_by_hash(hash)?
        .ok_or(ActProofError::NotFound(*hash))?;
    let note = log
        .proving_note(entry.position)?
        .ok_or(ActProofError::NoCheckpoint(entry.position))?;
    let size = note.checkpoint.size;
    let mut registry = Vec::new();
    let mut registry_next = None;
    let anchors = log.key_anchors(size)?;
    let mut registry_after = Vec::new();
    for position in log.registry_positions(size)? {
        if position > entry.position {
            if registry_next.is_none() {
                registry_next = Some(prove(log, position, size)?);
                if anchors.is_empty() {
                    break;
                }
            } else {
                registry_after.push(prove(log, position, size)?);
            }
        }
        if position < entry.position {
            registry.push(prove(log, position, size)?);
        }
    }
    let log_keys = (!anchors.is_empty()).then_some(KeyChainProof {
        registry_after,
        anchors,
    });
    let mut corrected = Vec::new();
    let mut next = authority::chain_link(entry.event.body()).2;
    while let Some(h) = next {
        if corrected.len() >= authority::MAX_CORRECTION_CHAIN {
            return Err(invalid(
                "chuỗi đính chính quá dài để chứng minh",
                "the chain of corrections is too long to prove",
            ));
        }
        let Some(e) = log.entry_by_hash(&h)? else {
            break;
        };
        next = authority::chain_link(e.event.body()).2;
        corrected.push(prove(log, e.position, size)?);
    }
    Ok(ActProof {
        format: FORMAT.into(),
        origin: log.origin().to_string(),
        event_hash: *hash,
        checkpoint: note.encode(),
        act: prove(log, entry.position, size)?,
        registry,
        registry_next,
        corrected,
        log_keys,
    })
}

/// What a verified proof shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedAct {
    pub origin: String,
    pub position: u64,
    pub event_hash: Hash,
    pub stream: String,
    pub version: u64,
    pub kind: String,
    pub time: i64,
    pub received: i64,
    pub signer: String,
    /// The name the signer was enrolled under, or `authority`.
    pub signed_by: Option<String>,
    pub payload: serde_json::Value,
    pub checkpoint_size: u64,
    pub checkpoint_root: Hash,
    /// The trusted witnesses whose cosignatures on the checkpoint were checked and hold.
    pub witnesses: Vec<String>,
    /// Whether the proof shows that no registry entry before the act was left out (see the
    /// module's note). When false, the authority verdict rests on the registry as given.
    pub registry_complete: bool,
    /// For a correction: the act it was judged as and replaces.
    pub corrects: Option<Hash>,
}

fn invalid(vi: impl Into<String>, en: impl Into<String>) -> ActProofError {
    ActProofError::Invalid(Text::new(vi, en))
}

/// `what` (in both languages), then a library error's own words.
fn invalid_because(vi: &str, en: &str, e: &(impl Localized + ?Sized)) -> ActProofError {
    ActProofError::Invalid(Text::new(vi, en).then(e))
}

fn check_included(p: &ProvedEntry, note: &SignedNote) -> Result<Entry, ActProofError> {
    let at = p.position;
    let bytes = hex::decode(&p.entry).map_err(|_| {
        invalid(
            format!("mục {at} không phải chuỗi hex"),
            format!("entry {at} is not hex"),
        )
    })?;
    let entry = Entry::decode(&bytes)
        .map_err(|e| invalid_because(&format!("mục {at}"), &format!("entry {at}"), &e))?;
    if entry.position != at {
        return Err(invalid(
            format!("mục ghi vị trí {}, còn chứng minh ghi {at}", entry.position),
            format!("entry says position {}, the proof {at}", entry.position),
        ));
    }
    entry
        .event
        .verify_signature()
        .map_err(|e| invalid_because(&format!("mục {at}"), &format!("entry {at}"), &e))?;
    merkle::verify_inclusion(
        &merkle::leaf_hash(&bytes),
        p.position,
        note.checkpoint.size,
        &p.inclusion,
        &note.checkpoint.root,
    )
    .map_err(|e| {
        invalid_because(
            &format!("mục {at} không nằm trong cây của điểm kiểm"),
            &format!("entry {at} is not in the checkpoint's tree"),
            &e,
        )
    })?;
    Ok(entry)
}

/// Checks a proof with nothing but the log's verifier key: the checkpoint's signature, the
/// act's signature and inclusion, and the act's authority as the registry stood before it.
pub fn verify(proof: &ActProof, log_key: &VerifierKey) -> Result<VerifiedAct, ActProofError> {
    verify_witnessed(proof, log_key, None)
}

/// [`verify`], and under a witness policy the checkpoint counts only with its quorum of
/// cosignatures.
pub fn verify_witnessed(
    proof: &ActProof,
    log_key: &VerifierKey,
    policy: Option<&WitnessPolicy>,
) -> Result<VerifiedAct, ActProofError> {
    if proof.format != FORMAT {
        return Err(invalid(
            format!("định dạng `{}` không phải {FORMAT}", proof.format),
            format!("format `{}` is not {FORMAT}", proof.format),
        ));
    }
    let note = SignedNote::parse(&proof.checkpoint)
        .map_err(|e| invalid_because("điểm kiểm", "the checkpoint", &e))?;
    if proof.log_keys.is_none() {
        note.verify(log_key)
            .map_err(|e| invalid_because("điểm kiểm", "the checkpoint", &e))?;
    }
    let cosigned = match policy {
        Some(policy) => policy.counts(&note).map_err(ActProofError::Invalid)?,
        None => Vec::new(),
    };
    if note.checkpoint.origin != proof.origin {
        return Err(invalid(
            "điểm kiểm thuộc một sổ cái khác",
            "the checkpoint is of another ledger",
        ));
    }
    let act = check_included(&proof.act, &note)?;
    if act.event.hash() != proof.event_hash {
        return Err(invalid(
            "mục không phải sự kiện mà chứng minh nêu",
            "the entry is not the event the proof names",
        ));
    }
    if act.event.body().ledger != proof.origin {
        return Err(invalid(
            "hành vi thuộc một sổ cái khác",
            "the act belongs to another ledger",
        ));
    }
    // The registry: the ledger stream from its genesis, in order, right before the act.
    let mut registry: Option<Registry> = None;
    for (expected_version, p) in proof.registry.iter().enumerate() {
        let expected_version = expected_version as u64;
        let e = check_included(p, &note)?;
        let body = e.event.body();
        if body.stream != "ledger"
            || body.version != expected_version
            || p.position >= proof.act.position
        {
            return Err(invalid(
                format!(
                    "mục sổ đăng ký {} không phải mục kế tiếp của dòng `ledger`",
                    p.position
                ),
                format!(
                    "registry entry {} is not the next of stream `ledger`",
                    p.position
                ),
            ));
        }
        match registry.as_mut() {
            None => {
                registry = Some(
                    Registry::genesis(&proof.origin, &e.event)
                        .map_err(|e| invalid_because("sự kiện khởi tạo", "the genesis", &e))?,
                )
            }
            Some(r) => {
                // Each registry act authorized as the registry stood: an act the ledger would
                // have refused (a rotation or an enrollment by a key that is no authority)
                // changes nothing a proof relies on.
                r.check(body, e.received, &|_| None).map_err(|err| {
                    invalid_because(
                        &format!(
                            "mục sổ đăng ký {} (`{}`) không có thẩm quyền",
                            p.position, body.kind
                        ),
                        &format!(
                            "registry entry {} (`{}`) is not authorized",
                            p.position, body.kind
                        ),
                        &err,
                    )
                })?;
                r.apply(body, p.position).map_err(|e| {
                    invalid_because(
                        &format!("mục sổ đăng ký {}", p.position),
                        &format!("registry entry {}", p.position),
                        &e,
                    )
                })?
            }
        }
    }
    let registry_complete = match &proof.registry_next {
        None => false,
        Some(p) => {
            let next = check_included(p, &note)?;
            let b = next.event.body();
            let last = match proof.registry.last() {
                Some(last) => Some(check_included(last, &note)?.event.hash()),
                None => None,
            };
            if b.stream != "ledger"
                || b.version != proof.registry.len() as u64
                || p.position <= proof.act.position
                || Some(b.prev) != last
            {
                return Err(invalid(
                    format!(
                        "mục {} không phải mục sổ đăng ký kế tiếp sau hành vi",
                        p.position
                    ),
                    format!(
                        "entry {} is not the next registry entry after the act",
                        p.position
                    ),
                ));
            }
            true
        }
    };
    let body = act.event.body();
    let corrects = check_corrected(&act, &proof.corrected, &note)?;
    let signed_by = match &registry {
        None if body.kind == "ledger.created" => Some("authority".to_string()),
        None => {
            return Err(invalid(
                "chứng minh không mang sổ đăng ký thẩm quyền",
                "the proof carries no authority registry",
            ))
        }
        Some(r) => {
            r.check(body, act.received, &|_| corrects.clone())
                .map_err(|e| invalid_because("thẩm quyền", "authority", &e))?;
            r.holder(&body.signer).map(str::to_string)
        }
    };
    match &proof.log_keys {
        None => {
            if registry.as_ref().is_some_and(|r| r.log_key() != log_key) {
                return Err(invalid(
                    "sự kiện khởi tạo nêu một khóa sổ khác",
                    "the genesis event names another log key",
                ));
            }
        }
        Some(chain) => {
            let Some(registry) = registry.as_ref() else {
                return Err(invalid(
                    "chứng minh không mang sổ đăng ký thẩm quyền",
                    "the proof carries no authority registry",
                ));
            };
            follow_log_keys(proof, chain, registry, &act, &note, log_key)?;
        }
    }
    Ok(VerifiedAct {
        origin: proof.origin.clone(),
        position: act.position,
        event_hash: act.event.hash(),
        stream: body.stream.clone(),
        version: body.version,
        kind: body.kind.clone(),
        time: body.time,
        received: act.received,
        signer: hex::encode(body.signer),
        signed_by,
        payload: serde_json::from_slice(&body.payload).unwrap_or_default(),
        checkpoint_size: note.checkpoint.size,
        checkpoint_root: note.checkpoint.root,
        witnesses: cosigned,
        registry_complete,
        corrects: corrects.map(|c| c.event),
    })
}

/// Follows the chain of log keys from `pinned` to the key that signed the proof's checkpoint
/// (docs/FORMAT.md §4): the registry after the act, each entry included, the next version of
/// stream `ledger` and authorized as the registry stood (so every rotation is an authority's
/// act); the checkpoint signed by the key in force at its size; and one of the anchors —
/// each signed by the key in force at its size and proved a prefix of the checkpoint — signed
/// by the pinned key.
fn follow_log_keys(
    proof: &ActProof,
    chain: &KeyChainProof,
    registry: &Registry,
    act: &Entry,
    note: &SignedNote,
    pinned: &VerifierKey,
) -> Result<(), ActProofError> {
    let mut registry = registry.clone();
    let mut version = proof.registry.len() as u64;
    let mut last = proof.act.position;
    if act.event.body().stream == "ledger" {
        registry
            .apply(act.event.body(), act.position)
            .map_err(|e| invalid_because("chuỗi khóa sổ", "log keys", &e))?;
        version += 1;
    }
    let rest = proof
        .registry_next
        .iter()
        .chain(chain.registry_after.iter());
    for p in rest {
        let e = check_included(p, note)?;
        let body = e.event.body();
        if body.stream != "ledger" || body.version != version || p.position <= last {
            return Err(invalid(
                format!(
                    "chuỗi khóa sổ: mục sổ đăng ký {} không phải mục kế tiếp của dòng `ledger` (phiên bản {version} sau vị trí {last})",
                    p.position
                ),
                format!(
                    "log keys: registry entry {} is not the next of stream `ledger` (version {version} after position {last})",
                    p.position
                ),
            ));
        }
        registry.check(body, e.received, &|_| None).map_err(|err| {
            invalid_because(
                &format!(
                    "chuỗi khóa sổ: mục sổ đăng ký {} (`{}`) không có thẩm quyền",
                    p.position, body.kind
                ),
                &format!(
                    "log keys: registry entry {} (`{}`) is not authorized",
                    p.position, body.kind
                ),
                &err,
            )
        })?;
        registry
            .apply(body, p.position)
            .map_err(|e| invalid_because("chuỗi khóa sổ", "log keys", &e))?;
        version += 1;
        last = p.position;
    }
    let keys = registry.log_keys();
    keys.check_signed(note)
        .map_err(|t| invalid_because("chuỗi khóa sổ", "log keys", &t))?;
    let mut anchors = Vec::new();
    for (i, a) in chain.anchors.iter().enumerate() {
        let anchor = SignedNote::parse(&a.checkpoint).map_err(|e| {
            invalid_because(
                &format!("chuỗi khóa sổ: điểm neo {i}"),
                &format!("log keys: anchor {i}"),
                &e,
            )
        })?;
        let cp = &anchor.checkpoint;
        if cp.origin != note.checkpoint.origin {
            return Err(invalid(
                format!("chuỗi khóa sổ: điểm neo {i} là điểm kiểm của một sổ khác"),
                format!("log keys: anchor {i} is a checkpoint of another log"),
            ));
        }
        keys.check_signed(&anchor).map_err(|t| {
            invalid_because(
                &format!("chuỗi khóa sổ: điểm neo {i}"),
                &format!("log keys: anchor {i}"),
                &t,
            )
        })?;
        merkle::verify_consistency(
            cp.size,
            note.checkpoint.size,
            &cp.root,
            &note.checkpoint.root,
            &a.consistency,
        )
        .map_err(|e| {
            invalid_because(
                &format!(
                    "chuỗi khóa sổ: điểm kiểm cỡ {} không phải tiền tố của điểm kiểm trong chứng minh",
                    cp.size
                ),
                &format!(
                    "log keys: the checkpoint of size {} is not a prefix of the proof's checkpoint",
                    cp.size
                ),
                &e,
            )
        })?;
        anchors.push(anchor);
    }
    let refs: Vec<&SignedNote> = anchors.iter().collect();
    keys.anchor(pinned, &refs)
        .map_err(|t| invalid_because("chuỗi khóa sổ", "log keys", &t))
}

/// A correction's chain as the proof carries it: each act included, each the one the previous
/// names, the last no correction. Returns the act the correction is judged as.
fn check_corrected(
    act: &Entry,
    chain: &[ProvedEntry],
    note: &SignedNote,
) -> Result<Option<CorrectedAct>, ActProofError> {
    let mut wanted = authority::chain_link(act.event.body()).2;
    if wanted.is_none() && !chain.is_empty() {
        return Err(invalid(
            "chứng minh mang các hành vi bị đính chính, nhưng hành vi này không đính chính gì",
            "the proof carries corrected acts, but the act corrects none",
        ));
    }
    let mut root = None;
    for p in chain {
        let Some(h) = wanted else {
            return Err(invalid(
                format!(
                    "mục {} theo sau một hành vi không đính chính gì",
                    p.position
                ),
                format!("entry {} follows an act that corrects nothing", p.position),
            ));
        };
        let e = check_included(p, note)?;
        if e.event.hash() != h {
            return Err(invalid(
                format!(
                    "mục {} không phải hành vi mà bản đính chính nêu",
                    p.position
                ),
                format!("entry {} is not the act the correction names", p.position),
            ));
        }
        let (kind, stream, next) = authority::chain_link(e.event.body());
        root = Some(CorrectedAct {
            event: h,
            kind,
            stream,
        });
        wanted = next;
    }
    if wanted.is_some() {
        return Err(invalid(
            "chứng minh không mang hành vi mà bản đính chính sửa",
            "the proof does not carry the act the correction corrects",
        ));
    }
    Ok(root)
}
