//! Integrity and authority of a whole log: framing, encoding, positions, received order,
//! origin, signatures, stream chains, who signed what (§4), and the root against checkpoints.
//!
//! Work is split per chunk of entries: decoding, hashing and signature checks run in parallel
//! (signatures batched after the weak-key checks of [`crate::crypto`]); the checks that depend
//! on order run sequentially after them. The report names the first bad position, which is
//! the same whichever way the work was split.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::authority::{CorrectedAct, Registry};
use crate::crypto::{self, KeyCache};
use crate::format::event::write_signed_message;
use crate::format::merkle::{self, Frontier};
use crate::format::{Entry, FormatError, Hash, SignedNote, VerifierKey};
use crate::messages::Text;
use crate::projections::{Decoded as ProjDecoded, Projections, Target};

/// Entries per chunk: large enough to keep both cores busy, small enough to bound memory.
pub const CHUNK: usize = 16384;
/// Signatures per batch verification call.
const SIG_BATCH: usize = 1024;

/// What kind of failure a verifier found: the labels of the test vectors' `why`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Framing,
    Encoding,
    Position,
    ReceivedTime,
    LedgerOrigin,
    Signature,
    StreamChain,
    Authority,
    Checkpoint,
    /// Published hash tiles that are not those of the entries (`tiles/`).
    Tiles,
}

impl FailureKind {
    pub fn label(self) -> &'static str {
        match self {
            FailureKind::Framing => "framing",
            FailureKind::Encoding => "encoding",
            FailureKind::Position => "position",
            FailureKind::ReceivedTime => "received time",
            FailureKind::LedgerOrigin => "ledger origin",
            FailureKind::Signature => "signature",
            FailureKind::StreamChain => "stream chain",
            FailureKind::Authority => "authority",
            FailureKind::Checkpoint => "checkpoint",
            FailureKind::Tiles => "tiles",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    /// The first entry that is wrong (for a checkpoint failure: the checkpoint's size).
    pub position: u64,
    pub kind: FailureKind,
    pub detail: String,
    /// `detail` in Vietnamese.
    pub detail_vi: String,
}

impl Failure {
    pub fn new(position: u64, kind: FailureKind, detail: Text) -> Failure {
        Failure {
            position,
            kind,
            detail: detail.en,
            detail_vi: detail.vi,
        }
    }
}

impl crate::messages::Localized for Failure {
    fn vi(&self) -> String {
        self.detail_vi.clone()
    }
    fn en(&self) -> String {
        self.detail.clone()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckpointResult {
    pub size: u64,
    pub root: Hash,
    pub ok: bool,
    pub detail: String,
    /// `detail` in Vietnamese.
    pub detail_vi: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IntegrityReport {
    pub origin: Option<String>,
    /// Entries checked before the first failure (all of them when there is none).
    pub entries: u64,
    pub streams: usize,
    /// Root of the entries checked.
    pub root: Hash,
    pub checkpoints: Vec<CheckpointResult>,
    /// The first integrity failure: nothing after it is checked.
    pub failure: Option<Failure>,
    /// Acts signed by a key not allowed to sign them (checking goes on past these), the first
    /// [`UNAUTHORIZED_LIMIT`] of them.
    pub unauthorized: Vec<Failure>,
    pub unauthorized_count: u64,
    /// Payload text breaking the free-text rule, the first [`UNAUTHORIZED_LIMIT`] of them.
    pub unsafe_text: Vec<UnsafeText>,
    pub unsafe_text_count: u64,
    /// The projections of the entries checked, when asked for (`with_projections`).
    #[serde(skip)]
    pub projections: Option<Projections>,
    /// The rulebook the genesis event names (None when the genesis did not verify).
    #[serde(skip)]
    pub default_rulebook: Option<String>,
}

/// At most this many unauthorized acts are listed (the count goes on).
pub const UNAUTHORIZED_LIMIT: usize = 1000;

impl IntegrityReport {
    /// Integrity and authority both hold.
    pub fn ok(&self) -> bool {
        self.failure.is_none() && self.unauthorized_count == 0
    }

    /// The first bad entry, whether an integrity or an authority failure.
    pub fn first_failure(&self) -> Option<&Failure> {
        match (&self.failure, self.unauthorized.first()) {
            (Some(f), Some(a)) if a.position < f.position => Some(a),
            (Some(f), _) => Some(f),
            (None, a) => a,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Check every signature with `verify_strict` alone, without batching.
    pub strict_signatures: bool,
    /// Fold the projections in the same pass (for the procedure checks), sharing its decoding.
    pub with_projections: bool,
    /// Told how many entries have been read, after each chunk (for progress bars).
    pub progress: Option<Progress>,
    /// Count a checkpoint only with these witnesses' cosignatures (the report's witness level).
    pub witness_policy: Option<super::witnessed::WitnessPolicy>,
    /// The log key the verifier pinned, when it brings one (`verify --ledger --log-key`): the
    /// chain of log keys is followed from it. None: the key the log's genesis names.
    pub pinned_log_key: Option<VerifierKey>,
}

/// A progress callback: entries read so far.
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn(u64) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

/// Per-entry results of the parallel stage.
struct Decoded {
    entry: Result<Entry, FormatError>,
    leaf: Hash,
    signature_ok: bool,
    /// The payload rule (a JSON object), checked in parallel and reported after the signature.
    payload_ok: Result<(), FormatError>,
    /// The typed payload, when projections are folded in the same pass.
    payload: Option<Result<crate::domain::Payload, crate::messages::Text>>,
    /// The free-text rule (§4): reported as a finding, not an integrity failure, since logs
    /// written before the rule existed may break it.
    text: Option<crate::format::json::TextProblem>,
}

/// Text in a payload that breaks the free-text rule of §4 (an older log may hold some).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnsafeText {
    pub position: u64,
    pub event: Hash,
    pub stream: String,
    /// Where in the payload (a JSON pointer) and what, in Vietnamese and English.
    pub path: String,
    pub detail_vi: String,
    pub detail_en: String,
}

/// The verifier's maps, keyed by hashes and stream names: a fast hasher, seeded at random
/// (a log is untrusted input), instead of SipHash (issue 18: hashing was 3% of a whole-log
/// verification).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// What the verifier remembers of every act: enough to judge a correction's authority and to
/// place its replacement. (Memory grows with the log here: ~60 bytes an entry.)
struct ActRef {
    kind: u8,
    schema: u16,
    stream: u32,
    time: i64,
}

pub struct Verifier {
    origin: Option<String>,
    options: VerifyOptions,
    position: u64,
    last_received: i64,
    heads: FastMap<String, (u64, Hash)>,
    acts: FastMap<Hash, ActRef>,
    /// Each correction's chain start (the act it is judged as and replaces), for corrections
    /// only.
    correction_roots: FastMap<Hash, Hash>,
    stream_ids: FastMap<String, u32>,
    stream_names: Vec<String>,
    projections: Option<Projections>,
    registry: Option<Registry>,
    frontier: Frontier,
    roots: HashMap<u64, Hash>,
    wanted_roots: HashSet<u64>,
    failure: Option<Failure>,
    unauthorized: Vec<Failure>,
    unauthorized_count: u64,
    unsafe_text: Vec<UnsafeText>,
    unsafe_text_count: u64,
    keys: KeyCache,
    /// Entries handed in so far.
    read: u64,
    /// A decoded chunk waiting for the sequential checks, which run while the next chunk
    /// decodes.
    pending: Option<Vec<Decoded>>,
}

impl Verifier {
    /// `origin`: the ledger the log must belong to, when known from a trusted source (the
    /// archive's `ledger.json`, the live ledger); otherwise the genesis event's.
    pub fn new(origin: Option<String>, options: VerifyOptions) -> Verifier {
        let projections = options.with_projections.then(Projections::default);
        Verifier {
            origin,
            options,
            position: 0,
            last_received: i64::MIN,
            heads: FastMap::default(),
            acts: FastMap::default(),
            correction_roots: FastMap::default(),
            stream_ids: FastMap::default(),
            stream_names: Vec::new(),
            projections,
            registry: None,
            frontier: Frontier::new(),
            roots: HashMap::new(),
            wanted_roots: HashSet::new(),
            failure: None,
            unauthorized: Vec::new(),
            unauthorized_count: 0,
            unsafe_text: Vec::new(),
            unsafe_text_count: 0,
            keys: KeyCache::default(),
            read: 0,
            pending: None,
        }
    }

    /// Asks for the root at these sizes to be remembered (to check checkpoints against).
    pub fn want_roots(&mut self, sizes: &[u64]) {
        self.wanted_roots.extend(sizes.iter().copied());
    }

    pub fn entries(&self) -> u64 {
        self.position
    }

    /// Runs the checks still pending on the chunks handed in, instead of overlapping them with
    /// the next chunk's decoding: for a caller that needs the state now (a monitor).
    pub fn settle(&mut self) -> Result<(), Failure> {
        if let Some(f) = &self.failure {
            return Err(f.clone());
        }
        let pending = self.pending.take();
        self.check_all(pending)
    }

    /// The root of the entries checked so far (after [`Verifier::settle`]).
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    pub fn failure(&self) -> Option<&Failure> {
        self.failure.as_ref()
    }

    /// The unauthorized acts listed so far, and how many there are in all.
    pub fn unauthorized(&self) -> (&[Failure], u64) {
        (&self.unauthorized, self.unauthorized_count)
    }

    /// The projections folded so far (when asked for with `with_projections`).
    pub fn projections(&self) -> Option<&Projections> {
        self.projections.as_ref()
    }

    /// The rulebook the genesis event names, once the genesis is checked.
    pub fn default_rulebook(&self) -> Option<&str> {
        self.registry
            .as_ref()
            .map(|r| r.genesis_payload().rulebook.as_str())
    }

    fn fail(&mut self, kind: FailureKind, detail: Text) -> Result<(), Failure> {
        let f = Failure::new(self.position, kind, detail);
        self.failure = Some(f.clone());
        Err(f)
    }

    /// Records a framing failure found by whoever splits the entries (e.g. `entries.bin`).
    pub fn framing_failure(&mut self, detail: Text) {
        if self.failure.is_none() {
            let _ = self.fail(FailureKind::Framing, detail);
        }
    }

    /// Checks the next chunk of entries (their bytes, in log order). Stops at the first
    /// failure, which is then final. The order-dependent checks of a chunk may finish only at
    /// the next call (or at [`Verifier::finish`]): they overlap the next chunk's decoding.
    pub fn push_chunk(&mut self, chunk: &[&[u8]]) -> Result<(), Failure> {
        if let Some(f) = &self.failure {
            return Err(f.clone());
        }
        self.read += chunk.len() as u64;
        if let Some(p) = &self.options.progress {
            (p.0)(self.read);
        }
        let strict = self.options.strict_signatures;
        let project = self.options.with_projections;
        let pending = self.pending.take();
        let keys = std::mem::take(&mut self.keys);
        let (decoded, checked) = rayon::join(
            || {
                chunk
                    .par_chunks(SIG_BATCH)
                    .flat_map_iter(|part| decode_part(part, strict, project, &keys))
                    .collect::<Vec<Decoded>>()
            },
            || self.check_all(pending),
        );
        self.keys = keys;
        checked?;
        self.pending = Some(decoded);
        Ok(())
    }

    fn check_all(&mut self, decoded: Option<Vec<Decoded>>) -> Result<(), Failure> {
        for d in decoded.into_iter().flatten() {
            self.check_one(d)?;
        }
        Ok(())
    }

    fn check_one(&mut self, d: Decoded) -> Result<(), Failure> {
        let entry = match d.entry {
            Ok(e) => e,
            Err(e) => return self.fail(FailureKind::Encoding, Text::of(&e)),
        };
        if entry.position != self.position {
            return self.fail(
                FailureKind::Position,
                Text::new(
                    format!("mục ghi vị trí {}", entry.position),
                    format!("entry says position {}", entry.position),
                ),
            );
        }
        if entry.received < self.last_received {
            return self.fail(
                FailureKind::ReceivedTime,
                Text::new(
                    format!(
                        "thời điểm nhận {} ms sớm hơn thời điểm nhận của mục trước ({} ms)",
                        entry.received, self.last_received
                    ),
                    format!(
                        "received {} ms is earlier than the previous entry's {} ms",
                        entry.received, self.last_received
                    ),
                ),
            );
        }
        let body = entry.event.body();
        let origin = self.origin.get_or_insert_with(|| body.ledger.clone());
        if body.ledger != *origin {
            let detail = Text::new(
                format!(
                    "sự kiện thuộc sổ cái `{}`, không phải `{}`",
                    body.ledger, origin
                ),
                format!(
                    "event belongs to ledger `{}`, not `{}`",
                    body.ledger, origin
                ),
            );
            return self.fail(FailureKind::LedgerOrigin, detail);
        }
        if !d.signature_ok {
            return self.fail(
                FailureKind::Signature,
                Text::new("chữ ký không đúng", "signature does not verify"),
            );
        }
        if let Err(e) = d.payload_ok {
            return self.fail(FailureKind::Encoding, Text::of(&e));
        }
        let (next, head) = self
            .heads
            .get(&body.stream)
            .copied()
            .unwrap_or((0, Hash::ZERO));
        if body.version != next || body.prev != head {
            let detail = Text::new(
                format!(
                    "`{}` phiên bản {} với prev {} không nối tiếp phiên bản {} có mã băm {}",
                    body.stream,
                    body.version,
                    body.prev,
                    next as i128 - 1,
                    head
                ),
                format!(
                    "`{}` version {} with prev {} does not follow version {} with hash {}",
                    body.stream,
                    body.version,
                    body.prev,
                    next as i128 - 1,
                    head
                ),
            );
            return self.fail(FailureKind::StreamChain, detail);
        }
        let authority = self.check_authority(&entry);
        if let Err(detail) = authority.clone() {
            // The act stays in the log and its chain goes on; it is reported, and it changes
            // nothing in the registry.
            if self.registry.is_none() {
                return self.fail(FailureKind::Authority, detail);
            }
            self.unauthorized_count += 1;
            if self.unauthorized.len() < UNAUTHORIZED_LIMIT {
                self.unauthorized
                    .push(Failure::new(self.position, FailureKind::Authority, detail));
            }
        }
        let hash = entry.event.hash();
        if let Some(problem) = d.text {
            self.unsafe_text_count += 1;
            if self.unsafe_text.len() < UNAUTHORIZED_LIMIT {
                let (detail_vi, detail_en) = problem.describe();
                self.unsafe_text.push(UnsafeText {
                    position: self.position,
                    event: hash,
                    stream: crate::format::json::escape_for_display(&body.stream),
                    path: problem.path,
                    detail_vi,
                    detail_en,
                });
            }
        }
        // The stream's name is copied once, when the stream is new.
        match self.heads.get_mut(&body.stream) {
            Some(head) => *head = (body.version + 1, hash),
            None => {
                self.heads
                    .insert(body.stream.clone(), (body.version + 1, hash));
            }
        }
        if let Some(i) = crate::catalogue::KINDS
            .iter()
            .position(|k| k.kind == body.kind)
        {
            let stream = match self.stream_ids.get(&body.stream) {
                Some(&id) => id,
                None => {
                    let id = self.stream_names.len() as u32;
                    self.stream_ids.insert(body.stream.clone(), id);
                    self.stream_names.push(body.stream.clone());
                    id
                }
            };
            self.acts.insert(
                hash,
                ActRef {
                    kind: i as u8,
                    schema: body.schema,
                    stream,
                    time: body.time,
                },
            );
            if let Some(corrects) = crate::authority::chain_link(body).2 {
                let root = self.root_of(&corrects);
                if self.acts.contains_key(&root) {
                    self.correction_roots.insert(hash, root);
                }
            }
        }
        if let (Some(p), Some(payload)) = (self.projections.as_mut(), d.payload) {
            let decoded = ProjDecoded {
                position: self.position,
                hash,
                stream: body.stream.clone(),
                kind: body.kind.clone(),
                schema: body.schema,
                time: body.time,
                signer: body.signer,
                payload,
            };
            match authority {
                // An act its signer was not allowed to sign counts for nothing (§4).
                Err(why) => p.ignore(&decoded, why),
                Ok(()) => {
                    let (acts, names, roots) =
                        (&self.acts, &self.stream_names, &self.correction_roots);
                    let lookup = |h: &Hash| {
                        let root = roots.get(h).copied().unwrap_or(*h);
                        acts.get(&root).map(|a| Target {
                            event: root,
                            stream: names[a.stream as usize].clone(),
                            kind: crate::catalogue::KINDS[a.kind as usize].kind.to_string(),
                            schema: a.schema,
                            time: a.time,
                        })
                    };
                    p.apply(decoded, &lookup);
                }
            }
        }
        self.last_received = entry.received;
        self.frontier.push(d.leaf, |_| {});
        self.position += 1;
        if self.wanted_roots.contains(&self.position) {
            self.roots.insert(self.position, self.frontier.root());
        }
        Ok(())
    }

    /// The act at the start of a correction chain (itself when it is no correction).
    fn root_of(&self, h: &Hash) -> Hash {
        self.correction_roots.get(h).copied().unwrap_or(*h)
    }

    fn check_authority(&mut self, entry: &Entry) -> Result<(), Text> {
        let body = entry.event.body();
        let Some(registry) = self.registry.as_ref() else {
            let origin = self.origin.clone().unwrap_or_default();
            crate::authority::check_time(body, entry.received).map_err(|e| Text::of(&e))?;
            self.registry =
                Some(Registry::genesis(&origin, &entry.event).map_err(|e| Text::of(&e))?);
            return Ok(());
        };
        let (acts, names) = (&self.acts, &self.stream_names);
        let lookup = |h: &Hash| {
            let root = self.root_of(h);
            acts.get(&root).map(|a| CorrectedAct {
                event: root,
                kind: crate::catalogue::KINDS[a.kind as usize].kind.to_string(),
                stream: names[a.stream as usize].clone(),
            })
        };
        registry
            .check(body, entry.received, &lookup)
            .map_err(|e| Text::of(&e))?;
        let Some(registry) = self.registry.as_mut() else {
            return Ok(());
        };
        if body.stream == "ledger" {
            registry
                .apply(body, entry.position)
                .map_err(|e| Text::of(&e))?;
        }
        Ok(())
    }

    /// The chain of log keys the registry verified so far names (None before the genesis).
    pub fn log_keys(&self) -> Option<&crate::authority::LogKeys> {
        self.registry.as_ref().map(Registry::log_keys)
    }

    /// Finishes: the root of what was checked, and each checkpoint checked against it.
    /// Checkpoints must be signed by `log_key` when given, else by the log key that the
    /// genesis event names — until the log key is rotated: then each checkpoint must be
    /// signed by the key in force at its size, and the chain is followed from `log_key` only
    /// when one of the checkpoints that hold is signed by it (the trust rule,
    /// [`crate::authority::LogKeys::anchor`]).
    pub fn finish(
        mut self,
        checkpoints: &[SignedNote],
        log_key: Option<&VerifierKey>,
    ) -> IntegrityReport {
        if self.failure.is_none() {
            let pending = self.pending.take();
            let _ = self.check_all(pending);
        }
        let root = self.frontier.root();
        let mut failure = self.failure.clone();
        let genesis_key = self.registry.as_ref().map(|r| r.log_key().clone());
        let key = log_key.cloned().or(genesis_key);
        let chain = self
            .registry
            .as_ref()
            .map(|r| r.log_keys().clone())
            .filter(|c| c.rotated());
        let mut results = Vec::new();
        let mut held: Vec<&SignedNote> = Vec::new();
        for note in checkpoints {
            let cp = &note.checkpoint;
            let signed = match (&chain, key.as_ref()) {
                (Some(chain), _) => chain.check_signed(note),
                (None, Some(key)) => note.verify(key).map_err(|e| Text::of(&e)),
                (None, None) => Err(Text::new(
                    "không có khóa sổ cái để kiểm tra chữ ký của điểm kiểm",
                    "no log key to check the checkpoint's signature with",
                )),
            };
            let detail = check_checkpoint(
                note,
                signed,
                self.origin.as_deref(),
                |size| {
                    if size == self.position {
                        Some(root)
                    } else {
                        self.roots.get(&size).copied()
                    }
                },
                self.position,
                failure.is_some(),
            );
            let ok = detail.is_none();
            if ok {
                held.push(note);
            }
            if let (Some(d), None) = (&detail, &failure) {
                failure = Some(Failure::new(
                    cp.size.min(self.position),
                    FailureKind::Checkpoint,
                    d.clone(),
                ));
            }
            let detail = detail.unwrap_or_else(|| {
                Text::new("đã xác minh chữ ký và gốc", "signature and root verified")
            });
            results.push(CheckpointResult {
                size: cp.size,
                root: cp.root,
                ok,
                detail: detail.en,
                detail_vi: detail.vi,
            });
        }
        if let (Some(chain), Some(pinned), None) = (&chain, key.as_ref(), &failure) {
            if let Err(why) = chain.anchor(pinned, &held) {
                failure = Some(Failure::new(0, FailureKind::Checkpoint, why));
            }
        }
        let default_rulebook = self.default_rulebook().map(str::to_string);
        IntegrityReport {
            default_rulebook,
            origin: self.origin,
            entries: self.position,
            streams: self.heads.len(),
            root,
            checkpoints: results,
            failure,
            unauthorized: self.unauthorized,
            unauthorized_count: self.unauthorized_count,
            unsafe_text: self.unsafe_text,
            unsafe_text_count: self.unsafe_text_count,
            projections: self.projections,
        }
    }
}

/// None when the checkpoint holds, else why not.
fn check_checkpoint(
    note: &SignedNote,
    signed: Result<(), Text>,
    origin: Option<&str>,
    root_at: impl Fn(u64) -> Option<Hash>,
    checked: u64,
    log_failed: bool,
) -> Option<Text> {
    let cp = &note.checkpoint;
    if let Err(e) = signed {
        return Some(e);
    }
    if origin.is_some_and(|o| o != cp.origin) {
        return Some(Text::new(
            format!("điểm kiểm thuộc sổ `{}`", cp.origin),
            format!("checkpoint is for `{}`", cp.origin),
        ));
    }
    if cp.size > checked {
        return Some(if log_failed {
            Text::new(
                format!(
                    "điểm kiểm bao {} mục; sổ cái đã không đạt trước đó",
                    cp.size
                ),
                format!(
                    "checkpoint covers {} entries; the log failed before that",
                    cp.size
                ),
            )
        } else {
            Text::new(
                format!(
                    "điểm kiểm bao {} mục, nhưng sổ cái chỉ có {checked}",
                    cp.size
                ),
                format!(
                    "checkpoint covers {} entries, but the log has only {checked}",
                    cp.size
                ),
            )
        });
    }
    match root_at(cp.size) {
        Some(root) if root == cp.root => None,
        Some(root) => Some(Text::new(
            format!(
                "gốc ở cỡ {} là {root}, nhưng điểm kiểm ghi {}",
                cp.size, cp.root
            ),
            format!(
                "root at size {} is {root}, but the checkpoint says {}",
                cp.size, cp.root
            ),
        )),
        None => Some(Text::new(
            format!("gốc ở cỡ {} chưa được tính", cp.size),
            format!("root at size {} was not computed", cp.size),
        )),
    }
}

fn decode_part(part: &[&[u8]], strict: bool, project: bool, keys: &KeyCache) -> Vec<Decoded> {
    let entries: Vec<(Result<Entry, FormatError>, Hash)> = part
        .iter()
        .map(|bytes| (Entry::decode_structure(bytes), merkle::leaf_hash(bytes)))
        .collect();
    // Every signed message of the part in one buffer: one allocation, not one per event.
    let mut buffer = Vec::with_capacity(
        entries
            .iter()
            .filter_map(|(e, _)| e.as_ref().ok())
            .map(|e| crate::format::event::EVENT_DOMAIN.len() + e.event.body_bytes().len())
            .sum(),
    );
    let mut signed: Vec<(usize, std::ops::Range<usize>, [u8; 64])> =
        Vec::with_capacity(entries.len());
    for (i, (e, _)) in entries.iter().enumerate() {
        if let Ok(e) = e {
            let start = buffer.len();
            write_signed_message(&mut buffer, e.event.body_bytes());
            signed.push((i, start..buffer.len(), e.event.signature()));
        }
    }
    let mut results = vec![false; entries.len()];
    {
        let mut idx = Vec::with_capacity(signed.len());
        let mut items = Vec::with_capacity(signed.len());
        for (i, range, signature) in &signed {
            if let Ok(e) = &entries[*i].0 {
                idx.push(*i);
                items.push(crypto::Item {
                    public: &e.event.body().signer,
                    message: &buffer[range.clone()],
                    signature,
                });
            }
        }
        let ok = if strict {
            crypto::verify_each(&items, keys)
        } else {
            crypto::verify_batched(&items, keys)
        };
        for (i, ok) in idx.into_iter().zip(ok) {
            results[i] = ok;
        }
    }
    entries
        .into_iter()
        .zip(results)
        .map(|((entry, leaf), signature_ok)| {
            // Both payload rules in one pass (§2.1's, and §4's free text).
            let (payload_ok, text) = match &entry {
                Ok(e) => {
                    let rules = crate::format::json::check_rules(&e.event.body().payload);
                    (rules.object, rules.text.err())
                }
                Err(_) => (Ok(()), None),
            };
            Decoded {
                payload_ok,
                text,
                payload: project
                    .then(|| entry.as_ref().ok().map(ProjDecoded::payload_of))
                    .flatten(),
                entry,
                leaf,
                signature_ok,
            }
        })
        .collect()
}

/// Verifies an `entries.bin` image (§5) as a whole.
pub fn verify_entries_bin(
    data: &[u8],
    origin: Option<String>,
    checkpoints: &[SignedNote],
    log_key: Option<&VerifierKey>,
    options: VerifyOptions,
) -> IntegrityReport {
    let mut verifier = Verifier::new(origin, options);
    verifier.want_roots(
        &checkpoints
            .iter()
            .map(|n| n.checkpoint.size)
            .collect::<Vec<_>>(),
    );
    let mut chunk: Vec<&[u8]> = Vec::with_capacity(CHUNK);
    for item in crate::format::entry::split_entries_bin(data) {
        match item {
            Ok(bytes) => {
                chunk.push(bytes);
                if chunk.len() == CHUNK {
                    if verifier.push_chunk(&chunk).is_err() {
                        return verifier.finish(checkpoints, log_key);
                    }
                    chunk.clear();
                }
            }
            Err(e) => {
                if verifier.push_chunk(&chunk).is_ok() {
                    // Everything before the bad frame is judged before the frame is.
                    let pending = verifier.pending.take();
                    if verifier.check_all(pending).is_ok() {
                        verifier.framing_failure(Text::of(&e));
                    }
                }
                return verifier.finish(checkpoints, log_key);
            }
        }
    }
    let _ = verifier.push_chunk(&chunk);
    verifier.finish(checkpoints, log_key)
}
