//! §4 Authority: who may sign what.
//!
//! The registry is built from stream `ledger` in log order: `ledger.created` names the
//! authorities, `key.enrolled` gives a key roles within a scope for a time window, and
//! `key.revoked` ends a key for every act received from an instant on, `authority.added` and
//! `authority.retired` rotate the authorities. An event is judged against the registry as it
//! stood when the event was appended, so a later revocation never rewrites an earlier verdict.
//!
//! Three rules close the ways an act could change the record's meaning while its signature
//! holds: a correction is judged where its effect lands (the corrected act's kind and stream);
//! a scope covers a stream only at a name boundary ([`covers`]); and an act may claim a time at
//! most [`MAX_CLOCK_SKEW_MS`] ahead of when the ledger received it, while revocation follows
//! the received time, so backdating cannot step around it. Authorities sign the registry only.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use crate::catalogue::{self, Family, SignedBy};
use crate::format::{EventBody, Hash, SignedEvent, SignedNote, VerifierKey, WitnessKey};
use crate::messages::Text;

/// The genesis payload (§4).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerCreated {
    pub origin: String,
    pub title: String,
    pub log_key: String,
    pub authorities: Vec<String>,
    pub rulebook: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEnrolled {
    pub key: String,
    pub holder: String,
    pub roles: Vec<String>,
    pub scope: String,
    pub valid_from: i64,
    /// Required, though it may be null (no end): present-but-null is not the same as missing.
    #[serde(deserialize_with = "Option::deserialize")]
    pub valid_until: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRevoked {
    pub key: String,
    pub effective: i64,
    pub reason: String,
}

/// `authority.added`: a new key of the key registry's authorities (rotation, §4).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorityAdded {
    pub key: String,
    pub holder: String,
    pub reason: String,
}

/// `authority.retired`: an authority key that authorizes nothing from here on (never the last).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorityRetired {
    pub key: String,
    pub reason: String,
}

/// `log_key.rotated`: from the next checkpoint on, the log signs with a new Ed25519 key
/// (§4; docs/FORMAT.md §4, "A log key that outlives its holder").
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogKeyRotated {
    /// The new log key's note verifier key, named by the ledger's origin.
    pub log_key: String,
    /// The log's ML-DSA-44 cosigning key from this act on, or null (required, may be null).
    #[serde(deserialize_with = "Option::deserialize")]
    pub pq_key: Option<String>,
    pub reason: String,
}

/// One key of the log's chain of keys: it signs every checkpoint of size `from` or more, up
/// to the next key's `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogKey {
    pub key: VerifierKey,
    /// The log's ML-DSA-44 cosigning key named with it (never for the genesis key).
    pub pq_key: Option<WitnessKey>,
    /// The smallest checkpoint size it signs: 1 for the genesis key, the position of the
    /// `log_key.rotated` act that names it plus one for the others.
    pub from: u64,
    /// The position of the `log_key.rotated` act that names it (None for the genesis key).
    pub named_at: Option<u64>,
}

/// The chain of log keys (§4): the genesis key, then each key a `log_key.rotated` named, in
/// log order. A checkpoint of size n must be signed by the key in force at n, the one named
/// by the last rotation at a position below n.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogKeys {
    keys: Vec<LogKey>,
}

impl LogKeys {
    fn genesis(key: VerifierKey) -> LogKeys {
        LogKeys {
            keys: vec![LogKey {
                key,
                pq_key: None,
                from: 1,
                named_at: None,
            }],
        }
    }

    /// Every key, the genesis key first.
    pub fn all(&self) -> &[LogKey] {
        &self.keys
    }

    /// Whether the log key was ever rotated.
    pub fn rotated(&self) -> bool {
        self.keys.len() > 1
    }

    /// The key in force now (the last named).
    pub fn current(&self) -> &LogKey {
        &self.keys[self.keys.len() - 1]
    }

    /// The key that must sign a checkpoint of `size`.
    pub fn in_force(&self, size: u64) -> &LogKey {
        let i = self.keys.iter().rposition(|k| k.from <= size).unwrap_or(0);
        &self.keys[i]
    }

    /// The key in force before the one in force at `size`, if any: it also signs while its
    /// secret is still held.
    pub fn before(&self, size: u64) -> Option<&LogKey> {
        let i = self.keys.iter().rposition(|k| k.from <= size).unwrap_or(0);
        i.checked_sub(1).map(|i| &self.keys[i])
    }

    /// Whether `key` is one of the chain's keys.
    pub fn holds(&self, key: &VerifierKey) -> bool {
        self.keys.iter().any(|k| &k.key == key)
    }

    /// Whether a note's signature line is one of the log's own (by any of its keys, Ed25519
    /// or the ML-DSA-44 ones named with them), as opposed to a witness's.
    pub fn is_own_line(&self, line: &crate::format::checkpoint::NoteSignature) -> bool {
        self.keys.iter().any(|k| {
            (line.name == k.key.name && line.id == k.key.id)
                || k.pq_key
                    .as_ref()
                    .is_some_and(|p| line.name == p.name && line.id == p.id)
        })
    }

    /// Checks that `note` is signed by the key in force at its size, saying which key and
    /// which rotation when not.
    pub fn check_signed(&self, note: &SignedNote) -> Result<(), Text> {
        let size = note.checkpoint.size;
        let key = self.in_force(size);
        if note.verify(&key.key).is_ok() {
            return Ok(());
        }
        let (since_vi, since) = match key.named_at {
            Some(at) => (
                format!(
                    "khóa mà `log_key.rotated` ở vị trí {at} nêu, có hiệu lực từ cỡ {}",
                    key.from
                ),
                format!(
                    "the key the `log_key.rotated` at position {at} names, in force from size {}",
                    key.from
                ),
            ),
            None => (
                "khóa mà `ledger.created` nêu".to_string(),
                "the key `ledger.created` names".to_string(),
            ),
        };
        let (old_vi, old) = match self.before(size) {
            Some(b) if note.verify(&b.key).is_ok() => (
                " (chỉ có chữ ký của khóa cũ, đã được thay)".to_string(),
                " (only the old key, rotated out, signed it)".to_string(),
            ),
            _ => (String::new(), String::new()),
        };
        Err(Text::new(
            format!(
                "điểm kiểm cỡ {size} phải được ký bằng khóa sổ cái có hiệu lực ở cỡ đó, `{}` ({since_vi}), mà không có chữ ký hợp lệ của khóa ấy{old_vi}",
                key.key.encode()
            ),
            format!(
                "the checkpoint of size {size} must be signed by the log key in force at that size, `{}` ({since}), and it carries no valid signature by it{old}",
                key.key.encode()
            ),
        ))
    }

    /// The trust rule for following the chain from a pinned key (docs/FORMAT.md §4): the
    /// pinned key must be one of the chain's keys and, once the key was rotated, one of
    /// `anchors` — checkpoints already shown to be of this very log (their roots recomputed or
    /// proved consistent) — must be signed by it. Any checkpoint covers the genesis, so the
    /// chain is then the one this log's own history names, not a forged log's that names the
    /// pinned key in a genesis of its own.
    pub fn anchor(&self, pinned: &VerifierKey, anchors: &[&SignedNote]) -> Result<(), Text> {
        if !self.holds(pinned) {
            let keys: Vec<String> = self
                .keys
                .iter()
                .map(|k| format!("{} (từ/from {})", k.key.encode(), k.from))
                .collect();
            return Err(Text::new(
                format!(
                    "khóa sổ cái đã ghim `{}` không phải một khóa của sổ này (các khóa: {}); hãy lấy khóa sổ cái từ một nguồn tin cậy",
                    pinned.encode(),
                    keys.join(", ")
                ),
                format!(
                    "the pinned log key `{}` is not one of this log's keys ({}); obtain the log key from a source you trust",
                    pinned.encode(),
                    keys.join(", ")
                ),
            ));
        }
        if !self.rotated() || anchors.iter().any(|n| n.verify(pinned).is_ok()) {
            return Ok(());
        }
        Err(Text::new(
            format!(
                "không theo được chuỗi khóa sổ cái từ khóa đã ghim `{}`: không có điểm kiểm nào của chính sổ này do khóa ấy ký, nên không gì cho thấy các lần thay khóa thuộc về sổ mà khóa ấy ký (một sổ giả có thể nêu khóa ấy trong một `ledger.created` của riêng nó rồi thay sang khóa của mình); hãy lấy một điểm kiểm do khóa đã ghim ký (hồ sơ có `data/log-keys/`)",
                pinned.encode()
            ),
            format!(
                "the chain of log keys cannot be followed from the pinned key `{}`: no checkpoint of this very log is signed by it, so nothing shows that the rotations belong to the log it signed (a forged log can name it in a `ledger.created` of its own and rotate to its own key); obtain a checkpoint the pinned key signed (a bag carries them in `data/log-keys/`)",
                pinned.encode()
            ),
        ))
    }
}

/// How far ahead of its `received` time an act may claim to be: 5 minutes, a constant of
/// format v1 (§4), so that every verifier decides alike. Acts dated in the past (a congress
/// recorded afterwards) are not limited.
pub const MAX_CLOCK_SKEW_MS: i64 = 300_000;

/// Links a chain of corrections may have before the act they correct (a bound on the work of
/// one authority check; a longer chain is refused, never cut short).
pub const MAX_CORRECTION_CHAIN: usize = 1000;

/// What a correction is judged as (§4): the first act of its chain that is not a correction,
/// with the stream it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectedAct {
    pub event: Hash,
    pub kind: String,
    pub stream: String,
}

/// Whether a key's scope covers a stream (§4): the scope is `*`, equals the stream, or the
/// stream continues it at a boundary — the scope ends with `/` or `.`, or the stream's next
/// character is `/`. So `congress/hd.` covers every congress of the orgs under `hd.`, and
/// `congress/hd.tp-haiduong/2020-2025` does not cover `congress/hd.tp-haiduong/2020-2025-bis`.
pub fn covers(scope: &str, stream: &str) -> bool {
    if scope == "*" || scope == stream {
        return true;
    }
    match stream.strip_prefix(scope) {
        Some(rest) => scope.ends_with('/') || scope.ends_with('.') || rest.starts_with('/'),
        None => false,
    }
}

/// Why an event may not stand in the ledger as signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorityError {
    #[error("the first event must be `ledger.created` at version 0 of stream `ledger`")]
    NoGenesis,
    #[error("`ledger.created` names origin `{found}`, but this ledger is `{expected}`")]
    GenesisOrigin { expected: String, found: String },
    #[error("`ledger.created` must be signed by one of the authorities it names")]
    GenesisSigner,
    #[error("`ledger.created` may appear only once, as the first event")]
    SecondGenesis,
    #[error("payload of `{kind}` is invalid: {reason}")]
    BadPayload { kind: String, reason: Text },
    #[error("unknown event kind `{kind}`: the catalogue does not list it")]
    UnknownKind { kind: String },
    #[error("kind `{kind}` belongs in {family} streams, not in `{stream}`")]
    WrongStream {
        kind: String,
        family: &'static str,
        stream: String,
    },
    #[error("`correction.issued` refers to {corrects}, which is not in this ledger")]
    UnknownCorrected { corrects: String },
    #[error(
        "a correction must be written in the stream of the act it corrects (`{corrected_stream}`), not in `{stream}`"
    )]
    CorrectionStream {
        stream: String,
        corrected_stream: String,
    },
    #[error(
        "the act claims time {time} (ms), more than {MAX_CLOCK_SKEW_MS} ms ahead of when the ledger received it ({received} ms); sign it with the current time"
    )]
    FromTheFuture { time: i64, received: i64 },
    #[error("signer {signer} may not sign `{kind}` in `{stream}`: {reason}")]
    Unauthorized {
        signer: String,
        kind: String,
        stream: String,
        reason: Text,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Enrollment {
    holder: String,
    roles: Vec<String>,
    scope: String,
    valid_from: i64,
    valid_until: Option<i64>,
}

impl Enrollment {
    fn covers(&self, stream: &str) -> bool {
        covers(&self.scope, stream)
    }

    fn valid_at(&self, time: i64) -> bool {
        self.valid_from <= time && self.valid_until.is_none_or(|until| time < until)
    }
}

fn parse_key(text: &str, what: &str) -> Result<[u8; 32], Text> {
    let mut key = [0u8; 32];
    if text.len() != 64 || text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(Text::new(
            format!("{what} `{text}` phải là 64 chữ số thập lục phân viết thường"),
            format!("{what} `{text}` must be 64 lower-case hex digits"),
        ));
    }
    hex::decode_to_slice(text, &mut key).map_err(|_| {
        Text::new(
            format!("{what} `{text}` không phải số thập lục phân"),
            format!("{what} `{text}` is not hex"),
        )
    })?;
    Ok(key)
}

fn bad_payload(kind: &str, reason: Text) -> AuthorityError {
    AuthorityError::BadPayload {
        kind: kind.to_string(),
        reason,
    }
}

fn parse_payload<T: for<'de> Deserialize<'de>>(body: &EventBody) -> Result<T, AuthorityError> {
    serde_json::from_slice(&body.payload).map_err(|e| {
        bad_payload(
            &body.kind,
            Text::new(format!("không đọc được: {e}"), e.to_string()),
        )
    })
}

/// The authority registry of one ledger.
#[derive(Debug, Clone)]
pub struct Registry {
    origin: String,
    genesis: LedgerCreated,
    log_keys: LogKeys,
    /// The current authorities, with the name each holder was added under.
    authorities: HashMap<[u8; 32], String>,
    /// Authority keys retired: they authorize nothing any more.
    retired: HashSet<[u8; 32]>,
    enrollments: HashMap<[u8; 32], Vec<Enrollment>>,
    revoked: HashMap<[u8; 32], i64>,
}

impl Registry {
    /// Starts a registry from the ledger's first event.
    pub fn genesis(origin: &str, event: &SignedEvent) -> Result<Registry, AuthorityError> {
        let body = event.body();
        if body.stream != "ledger" || body.version != 0 || body.kind != "ledger.created" {
            return Err(AuthorityError::NoGenesis);
        }
        if body.schema != 1 {
            return Err(bad_payload(
                &body.kind,
                Text::new(
                    format!("không có lược đồ {}", body.schema),
                    format!("schema {} is unknown", body.schema),
                ),
            ));
        }
        let genesis: LedgerCreated = parse_payload(body)?;
        if genesis.origin != origin || body.ledger != origin {
            return Err(AuthorityError::GenesisOrigin {
                expected: origin.to_string(),
                found: genesis.origin,
            });
        }
        let log_key = VerifierKey::parse(&genesis.log_key)
            .map_err(|e| bad_payload(&body.kind, Text::of(&e)))?;
        if log_key.name != origin {
            return Err(bad_payload(
                &body.kind,
                Text::new(
                    format!(
                        "khóa sổ cái mang tên `{}`, không phải tên sổ `{origin}`",
                        log_key.name
                    ),
                    format!(
                        "log key is named `{}`, not the origin `{origin}`",
                        log_key.name
                    ),
                ),
            ));
        }
        if genesis.authorities.is_empty() {
            return Err(bad_payload(
                &body.kind,
                Text::new("`authorities` rỗng", "`authorities` is empty"),
            ));
        }
        let mut authorities = HashMap::new();
        for text in &genesis.authorities {
            authorities.insert(
                parse_key(text, "authority").map_err(|r| bad_payload(&body.kind, r))?,
                "authority".to_string(),
            );
        }
        if !authorities.contains_key(&body.signer) {
            return Err(AuthorityError::GenesisSigner);
        }
        Ok(Registry {
            origin: origin.to_string(),
            genesis,
            log_keys: LogKeys::genesis(log_key),
            authorities,
            retired: HashSet::new(),
            enrollments: HashMap::new(),
            revoked: HashMap::new(),
        })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn genesis_payload(&self) -> &LedgerCreated {
        &self.genesis
    }

    /// The log key that `ledger.created` names: checkpoints verify with it until it is
    /// rotated.
    pub fn log_key(&self) -> &VerifierKey {
        &self.log_keys.keys[0].key
    }

    /// The chain of log keys, as the registry stands.
    pub fn log_keys(&self) -> &LogKeys {
        &self.log_keys
    }

    /// Whether `key` is an authority now (retired ones are not).
    pub fn is_authority(&self, key: &[u8; 32]) -> bool {
        self.authorities.contains_key(key)
    }

    /// Checks that `body` may stand at this point of the log, received at `received` (ms).
    /// `corrected` resolves the act a `correction.issued` names (by event hash) to the first act
    /// of its chain that is not a correction ([`CorrectedAct`]), or None when it is not in the
    /// log before this one.
    pub fn check(
        &self,
        body: &EventBody,
        received: i64,
        corrected: &dyn Fn(&Hash) -> Option<CorrectedAct>,
    ) -> Result<(), AuthorityError> {
        let Some(spec) = catalogue::spec(&body.kind) else {
            return Err(AuthorityError::UnknownKind {
                kind: body.kind.clone(),
            });
        };
        if body.kind == "ledger.created" {
            return Err(AuthorityError::SecondGenesis);
        }
        let stream_family = Family::of_stream(&body.stream);
        if !stream_family.is_some_and(|f| spec.family.admits(f)) {
            return Err(AuthorityError::WrongStream {
                kind: body.kind.clone(),
                family: spec.family.name(),
                stream: body.stream.clone(),
            });
        }
        check_time(body, received)?;
        let unauthorized = |reason: Text| AuthorityError::Unauthorized {
            signer: hex::encode(body.signer),
            kind: body.kind.clone(),
            stream: body.stream.clone(),
            reason,
        };
        // The registry's own payloads must make sense before they can change who signs what.
        if spec.family == Family::Ledger {
            if body.schema != 1 {
                return Err(bad_payload(
                    &body.kind,
                    Text::new(
                        format!("không có lược đồ {} (chỉ có lược đồ 1)", body.schema),
                        format!("schema {} is unknown (only 1 exists)", body.schema),
                    ),
                ));
            }
            self.validate_registry_act(body)?;
        }
        if body.kind == "correction.issued" && body.stream == "ledger" {
            return Err(unauthorized(Text::new(
                "sổ đăng ký khóa không được đính chính: hãy thu hồi hoặc cho thôi một khóa rồi đăng ký hoặc thêm khóa khác",
                "the key registry is not corrected: revoke or retire a key and enroll or add another",
            )));
        }
        if self.authorities.contains_key(&body.signer) {
            // Separation of duties: the registry's keepers sign the registry and nothing else.
            if body.stream == "ledger" {
                return Ok(());
            }
            return Err(unauthorized(Text::new(
                "khóa của cơ quan có thẩm quyền chỉ ký sổ đăng ký khóa (luồng `ledger`); hãy đăng ký một khóa có vai trò để ký hành vi này",
                "an authority key signs only the key registry (stream `ledger`); enroll a key \
                 with a role to sign this act",
            )));
        }
        if self.retired.contains(&body.signer) {
            return Err(unauthorized(Text::new(
                "khóa đã thôi là khóa của cơ quan có thẩm quyền và không còn cho phép gì nữa",
                "the key was retired as an authority and authorizes nothing any more",
            )));
        }
        let (allowed, judged_kind): (Vec<&str>, String) = match spec.signed_by {
            SignedBy::AuthorityOnly => {
                return Err(unauthorized(Text::new(
                    "chỉ cơ quan có thẩm quyền của sổ cái được ký",
                    "only an authority of the ledger may sign it",
                )))
            }
            SignedBy::Roles(roles) => (roles.to_vec(), body.kind.clone()),
            SignedBy::AnyRole => (catalogue::ROLES.to_vec(), body.kind.clone()),
            SignedBy::AsCorrected => {
                let corrects = correction_target(body)?;
                let Some(target) = corrected(&corrects) else {
                    return Err(AuthorityError::UnknownCorrected {
                        corrects: corrects.to_hex(),
                    });
                };
                if target.stream != body.stream {
                    return Err(AuthorityError::CorrectionStream {
                        stream: body.stream.clone(),
                        corrected_stream: target.stream,
                    });
                }
                let roles = match catalogue::spec(&target.kind).map(|s| s.signed_by) {
                    Some(SignedBy::Roles(roles)) => roles.to_vec(),
                    Some(SignedBy::AnyRole) => catalogue::ROLES.to_vec(),
                    _ => {
                        return Err(unauthorized(Text::new(
                            format!("`{}` không thể do một vai trò đính chính", target.kind),
                            format!("`{}` cannot be corrected by a role", target.kind),
                        )))
                    }
                };
                (roles, target.kind)
            }
        };
        let Some(enrollments) = self.enrollments.get(&body.signer) else {
            return Err(unauthorized(Text::new(
                "khóa chưa được đăng ký trong sổ cái này",
                "the key is not enrolled in this ledger",
            )));
        };
        if let Some(&effective) = self.revoked.get(&body.signer) {
            if received >= effective {
                return Err(unauthorized(Text::new(
                    format!(
                        "khóa đã bị thu hồi cho mọi hành vi nhận từ {effective} (ms), mà hành vi này nhận lúc {received}"
                    ),
                    format!(
                        "the key was revoked for every act received from {effective} (ms), and \
                         this one was received at {received}"
                    ),
                )));
            }
        }
        let in_scope: Vec<&Enrollment> = enrollments
            .iter()
            .filter(|e| e.covers(&body.stream))
            .collect();
        if in_scope.is_empty() {
            let scopes: Vec<&str> = enrollments.iter().map(|e| e.scope.as_str()).collect();
            return Err(unauthorized(Text::new(
                format!(
                    "phạm vi của khóa ({}) không bao luồng này",
                    scopes.join(", ")
                ),
                format!(
                    "the key's scope ({}) does not cover the stream",
                    scopes.join(", ")
                ),
            )));
        }
        let current: Vec<&&Enrollment> =
            in_scope.iter().filter(|e| e.valid_at(body.time)).collect();
        if current.is_empty() {
            return Err(unauthorized(Text::new(
                format!(
                    "khóa không có hiệu lực vào thời điểm của sự kiện {} (ms)",
                    body.time
                ),
                format!(
                    "the key is not valid at the event's time {} (ms)",
                    body.time
                ),
            )));
        }
        if current
            .iter()
            .any(|e| e.roles.iter().any(|r| allowed.contains(&r.as_str())))
        {
            return Ok(());
        }
        let held: Vec<&str> = current
            .iter()
            .flat_map(|e| e.roles.iter().map(String::as_str))
            .collect();
        let (what_vi, what) = if judged_kind == body.kind {
            (String::new(), String::new())
        } else {
            (
                format!(" (bản đính chính được xét như `{judged_kind}` mà nó đính chính)"),
                format!(" (a correction is judged as the `{judged_kind}` it corrects)"),
            )
        };
        Err(unauthorized(Text::new(
            format!(
                "cần một trong các vai trò [{}]{what_vi}, mà khóa giữ [{}]",
                allowed.join(", "),
                held.join(", ")
            ),
            format!(
                "it needs one of the roles [{}]{what}, and the key holds [{}]",
                allowed.join(", "),
                held.join(", ")
            ),
        )))
    }

    /// The payload rules of the registry's own kinds (§4), against the registry as it stands.
    fn validate_registry_act(&self, body: &EventBody) -> Result<(), AuthorityError> {
        let bad = |r: Text| bad_payload(&body.kind, r);
        match body.kind.as_str() {
            "key.enrolled" => {
                let p: KeyEnrolled = parse_payload(body)?;
                self.validate_enrollment(&p).map_err(bad)?;
                let key = parse_key(&p.key, "key").map_err(bad)?;
                if self.authorities.contains_key(&key) || self.retired.contains(&key) {
                    return Err(bad(Text::new(
                        format!(
                            "khóa {} là khóa của cơ quan có thẩm quyền: cơ quan có thẩm quyền chỉ ký sổ đăng ký, nên không đăng ký nó với một vai trò được; hãy đăng ký một khóa riêng",
                            p.key
                        ),
                        format!(
                            "key {} is an authority key: authorities sign the registry only, so \
                             it cannot be enrolled with a role; enroll a key of its own",
                            p.key
                        ),
                    )));
                }
            }
            "key.revoked" => {
                let p: KeyRevoked = parse_payload(body)?;
                let key = parse_key(&p.key, "key").map_err(bad)?;
                if self.authorities.contains_key(&key) {
                    return Err(bad(Text::new(
                        format!(
                            "khóa {} là khóa của cơ quan có thẩm quyền: hãy cho thôi bằng `authority.retired`",
                            p.key
                        ),
                        format!(
                            "key {} is an authority: retire it with `authority.retired`",
                            p.key
                        ),
                    )));
                }
            }
            "authority.added" => {
                let p: AuthorityAdded = parse_payload(body)?;
                let key = parse_key(&p.key, "key").map_err(bad)?;
                if self.authorities.contains_key(&key) {
                    return Err(bad(Text::new(
                        format!("khóa {} đã là khóa của cơ quan có thẩm quyền", p.key),
                        format!("key {} is already an authority", p.key),
                    )));
                }
                if self.retired.contains(&key) {
                    return Err(bad(Text::new(
                        format!(
                            "khóa {} đã thôi là khóa của cơ quan có thẩm quyền; hãy thêm một khóa mới",
                            p.key
                        ),
                        format!(
                            "key {} was retired as an authority; add a new key",
                            p.key
                        ),
                    )));
                }
                if self.enrollments.contains_key(&key) {
                    return Err(bad(Text::new(
                        format!(
                            "khóa {} đã được đăng ký với một vai trò: khóa của cơ quan có thẩm quyền phải là khóa riêng",
                            p.key
                        ),
                        format!(
                            "key {} is enrolled with a role: an authority must be a key of its own",
                            p.key
                        ),
                    )));
                }
            }
            "authority.retired" => {
                let p: AuthorityRetired = parse_payload(body)?;
                let key = parse_key(&p.key, "key").map_err(bad)?;
                if !self.authorities.contains_key(&key) {
                    return Err(bad(Text::new(
                        format!("khóa {} không phải khóa của cơ quan có thẩm quyền", p.key),
                        format!("key {} is not an authority", p.key),
                    )));
                }
                if self.authorities.len() == 1 {
                    return Err(bad(Text::new(
                        format!(
                            "khóa {} là khóa cuối cùng của cơ quan có thẩm quyền: hãy thêm khóa khác bằng `authority.added` trước",
                            p.key
                        ),
                        format!(
                            "key {} is the last authority: add another with `authority.added` first",
                            p.key
                        ),
                    )));
                }
            }
            "log_key.rotated" => {
                let p: LogKeyRotated = parse_payload(body)?;
                self.parse_rotation(&p).map_err(bad)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The keys a `log_key.rotated` names, checked against the chain as it stands: the new
    /// Ed25519 key named by the origin and never used before, the ML-DSA-44 key (if any) of
    /// that type and name.
    fn parse_rotation(&self, p: &LogKeyRotated) -> Result<(VerifierKey, Option<WitnessKey>), Text> {
        let key = VerifierKey::parse(&p.log_key).map_err(|e| {
            Text::new(
                format!(
                    "`log_key`: không phải khóa xác minh Ed25519 của ghi chú: {}",
                    crate::messages::Localized::vi(&e)
                ),
                format!("`log_key`: not an Ed25519 note verifier key: {e}"),
            )
        })?;
        if key.name != self.origin {
            return Err(Text::new(
                format!(
                    "`log_key` mang tên `{}`, không phải tên sổ `{}`",
                    key.name, self.origin
                ),
                format!(
                    "`log_key` is named `{}`, not the origin `{}`",
                    key.name, self.origin
                ),
            ));
        }
        if self.log_keys.holds(&key) {
            return Err(Text::new(
                format!(
                    "`log_key` {} đã là một khóa của sổ này: hãy thay sang một khóa mới",
                    key.encode()
                ),
                format!(
                    "`log_key` {} is already one of this log's keys: rotate to a new key",
                    key.encode()
                ),
            ));
        }
        let pq_key = match &p.pq_key {
            None => None,
            Some(text) => {
                let pq = WitnessKey::parse(text).map_err(|e| {
                    Text::new(
                        format!(
                            "`pq_key`: không đọc được: {}",
                            crate::messages::Localized::vi(&e)
                        ),
                        format!("`pq_key`: {e}"),
                    )
                })?;
                if !pq.is_post_quantum() || pq.name != self.origin {
                    return Err(Text::new(
                        format!(
                            "`pq_key` phải là khóa ML-DSA-44 mang tên sổ `{}`",
                            self.origin
                        ),
                        format!(
                            "`pq_key` must be an ML-DSA-44 key named by the origin `{}`",
                            self.origin
                        ),
                    ));
                }
                Some(pq)
            }
        };
        Ok((key, pq_key))
    }

    /// The keys a `log_key.rotated` would bring in, checked as [`Registry::check`] does.
    pub fn rotation_keys(
        &self,
        body: &EventBody,
    ) -> Result<(VerifierKey, Option<WitnessKey>), AuthorityError> {
        let p: LogKeyRotated = parse_payload(body)?;
        self.parse_rotation(&p)
            .map_err(|r| bad_payload(&body.kind, r))
    }

    fn validate_enrollment(&self, p: &KeyEnrolled) -> Result<(), Text> {
        parse_key(&p.key, "key")?;
        if p.roles.is_empty() {
            return Err(Text::new("`roles` rỗng", "`roles` is empty"));
        }
        if let Some(role) = p
            .roles
            .iter()
            .find(|r| !catalogue::ROLES.contains(&r.as_str()))
        {
            let roles = catalogue::ROLES.join(", ");
            let (hint_vi, hint) = match catalogue::closest_role(role) {
                Some(r) => (
                    format!("; có phải ý bạn là `{r}`?"),
                    format!("; did you mean `{r}`?"),
                ),
                None => (String::new(), String::new()),
            };
            return Err(Text::new(
                format!("không có vai trò `{role}` (các vai trò: {roles}){hint_vi}"),
                format!("unknown role `{role}` (roles are: {roles}){hint}"),
            ));
        }
        if p.scope.is_empty() {
            return Err(Text::new(
                "`scope` rỗng: hãy dùng `*` hoặc một tiền tố luồng",
                "`scope` is empty: use `*` or a stream prefix",
            ));
        }
        if p.valid_until.is_some_and(|u| u <= p.valid_from) {
            return Err(Text::new(
                "`valid_until` không sau `valid_from`",
                "`valid_until` is not after `valid_from`",
            ));
        }
        Ok(())
    }

    /// Applies an authorized event of stream `ledger`, at `position` in the log, to the
    /// registry.
    pub fn apply(&mut self, body: &EventBody, position: u64) -> Result<(), AuthorityError> {
        match body.kind.as_str() {
            "key.enrolled" => {
                let p: KeyEnrolled = parse_payload(body)?;
                let key = parse_key(&p.key, "key").map_err(|r| bad_payload(&body.kind, r))?;
                self.enrollments.entry(key).or_default().push(Enrollment {
                    holder: p.holder,
                    roles: p.roles,
                    scope: p.scope,
                    valid_from: p.valid_from,
                    valid_until: p.valid_until,
                });
            }
            "key.revoked" => {
                let p: KeyRevoked = parse_payload(body)?;
                let key = parse_key(&p.key, "key").map_err(|r| bad_payload(&body.kind, r))?;
                let entry = self.revoked.entry(key).or_insert(p.effective);
                *entry = (*entry).min(p.effective);
            }
            "authority.added" => {
                let p: AuthorityAdded = parse_payload(body)?;
                let key = parse_key(&p.key, "key").map_err(|r| bad_payload(&body.kind, r))?;
                self.authorities.insert(key, p.holder);
            }
            "authority.retired" => {
                let p: AuthorityRetired = parse_payload(body)?;
                let key = parse_key(&p.key, "key").map_err(|r| bad_payload(&body.kind, r))?;
                self.authorities.remove(&key);
                self.retired.insert(key);
            }
            "log_key.rotated" => {
                let (key, pq_key) = self.rotation_keys(body)?;
                self.log_keys.keys.push(LogKey {
                    key,
                    pq_key,
                    from: position + 1,
                    named_at: Some(position),
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// The name a key's holder was enrolled under, for reports.
    pub fn holder(&self, key: &[u8; 32]) -> Option<&str> {
        if let Some(holder) = self.authorities.get(key) {
            return Some(holder);
        }
        if self.retired.contains(key) {
            return Some("authority (retired)");
        }
        self.enrollments
            .get(key)
            .and_then(|e| e.last())
            .map(|e| e.holder.as_str())
    }
}

/// The claimed-time rule of §4: an act may not claim a time more than [`MAX_CLOCK_SKEW_MS`]
/// ahead of its `received` time.
pub fn check_time(body: &EventBody, received: i64) -> Result<(), AuthorityError> {
    if body.time > received.saturating_add(MAX_CLOCK_SKEW_MS) {
        return Err(AuthorityError::FromTheFuture {
            time: body.time,
            received,
        });
    }
    Ok(())
}

/// An act as a link of a correction chain: its kind, its stream and, for a correction, the
/// act it names.
pub type ChainLink = (String, String, Option<Hash>);

pub fn chain_link(body: &EventBody) -> ChainLink {
    let corrects = (body.kind == "correction.issued")
        .then(|| correction_target(body).ok())
        .flatten();
    (body.kind.clone(), body.stream.clone(), corrects)
}

/// Follows a chain of corrections to the act it corrects (§4), with `lookup` giving an act's
/// kind and stream and, for a correction, the act it names. None when a link is missing or the
/// chain is longer than [`MAX_CORRECTION_CHAIN`].
pub fn resolve_correction<E>(
    first: &Hash,
    lookup: &mut dyn FnMut(&Hash) -> Result<Option<ChainLink>, E>,
) -> Result<Option<CorrectedAct>, E> {
    let mut at = *first;
    for _ in 0..MAX_CORRECTION_CHAIN {
        let Some((kind, stream, next)) = lookup(&at)? else {
            return Ok(None);
        };
        match next {
            Some(next) if kind == "correction.issued" => at = next,
            _ => {
                return Ok(Some(CorrectedAct {
                    event: at,
                    kind,
                    stream,
                }))
            }
        }
    }
    Ok(None)
}

/// The `corrects` reference of a `correction.issued` payload.
pub fn correction_target(body: &EventBody) -> Result<Hash, AuthorityError> {
    #[derive(Deserialize)]
    struct Target {
        corrects: String,
    }
    let t: Target = serde_json::from_slice(&body.payload).map_err(|e| {
        bad_payload(
            &body.kind,
            Text::new(
                format!("`corrects`: không đọc được: {e}"),
                format!("`corrects`: {e}"),
            ),
        )
    })?;
    t.corrects
        .parse()
        .map_err(|e: crate::format::hash::BadHash| {
            bad_payload(
                &body.kind,
                Text::new(
                    format!(
                        "`{}` không phải mã băm: cần 64 chữ số thập lục phân viết thường",
                        e.0
                    ),
                    e.to_string(),
                ),
            )
        })
}
