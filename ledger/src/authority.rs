//! §4 Authority: who may sign what.
//!
//! The registry is built from stream `ledger` in log order: `ledger.created` names the
//! authorities, `key.enrolled` gives a key roles within a scope for a time window, and
//! `key.revoked` ends a key from an instant on. An event is judged against the registry as it
//! stood when the event was appended, so a later revocation never rewrites an earlier verdict.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use crate::catalogue::{self, Family, SignedBy};
use crate::format::{EventBody, Hash, SignedEvent, VerifierKey};

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
    BadPayload { kind: String, reason: String },
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
    #[error("signer {signer} may not sign `{kind}` in `{stream}`: {reason}")]
    Unauthorized {
        signer: String,
        kind: String,
        stream: String,
        reason: String,
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
        self.scope == "*" || stream.starts_with(&self.scope)
    }

    fn valid_at(&self, time: i64) -> bool {
        self.valid_from <= time && self.valid_until.is_none_or(|until| time < until)
    }
}

fn parse_key(text: &str, what: &str) -> Result<[u8; 32], String> {
    let mut key = [0u8; 32];
    if text.len() != 64 || text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!("{what} `{text}` must be 64 lower-case hex digits"));
    }
    hex::decode_to_slice(text, &mut key).map_err(|_| format!("{what} `{text}` is not hex"))?;
    Ok(key)
}

fn bad_payload(kind: &str, reason: impl Into<String>) -> AuthorityError {
    AuthorityError::BadPayload {
        kind: kind.to_string(),
        reason: reason.into(),
    }
}

fn parse_payload<T: for<'de> Deserialize<'de>>(body: &EventBody) -> Result<T, AuthorityError> {
    serde_json::from_slice(&body.payload).map_err(|e| bad_payload(&body.kind, e.to_string()))
}

/// The authority registry of one ledger.
#[derive(Debug, Clone)]
pub struct Registry {
    origin: String,
    genesis: LedgerCreated,
    log_key: VerifierKey,
    authorities: HashSet<[u8; 32]>,
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
                format!("schema {} is unknown", body.schema),
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
            .map_err(|e| bad_payload(&body.kind, e.to_string()))?;
        if log_key.name != origin {
            return Err(bad_payload(
                &body.kind,
                format!(
                    "log key is named `{}`, not the origin `{origin}`",
                    log_key.name
                ),
            ));
        }
        if genesis.authorities.is_empty() {
            return Err(bad_payload(&body.kind, "`authorities` is empty"));
        }
        let mut authorities = HashSet::new();
        for text in &genesis.authorities {
            authorities
                .insert(parse_key(text, "authority").map_err(|r| bad_payload(&body.kind, r))?);
        }
        if !authorities.contains(&body.signer) {
            return Err(AuthorityError::GenesisSigner);
        }
        Ok(Registry {
            origin: origin.to_string(),
            genesis,
            log_key,
            authorities,
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

    /// The log key that `ledger.created` names: checkpoints must verify with it.
    pub fn log_key(&self) -> &VerifierKey {
        &self.log_key
    }

    pub fn is_authority(&self, key: &[u8; 32]) -> bool {
        self.authorities.contains(key)
    }

    /// Checks that `body` may be appended now. `corrected_kind` resolves the target of a
    /// `correction.issued` (by event hash) to its kind.
    pub fn check(
        &self,
        body: &EventBody,
        corrected_kind: &dyn Fn(&Hash) -> Option<String>,
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
        // The registry's own payloads must make sense before they can change who signs what.
        if spec.family == Family::Ledger && body.schema != 1 {
            return Err(bad_payload(
                &body.kind,
                format!("schema {} is unknown (only 1 exists)", body.schema),
            ));
        }
        match body.kind.as_str() {
            "key.enrolled" => {
                let p: KeyEnrolled = parse_payload(body)?;
                self.validate_enrollment(&p)
                    .map_err(|r| bad_payload(&body.kind, r))?;
            }
            "key.revoked" => {
                let p: KeyRevoked = parse_payload(body)?;
                parse_key(&p.key, "key").map_err(|r| bad_payload(&body.kind, r))?;
            }
            _ => {}
        }
        if self.authorities.contains(&body.signer) {
            return Ok(());
        }
        let unauthorized = |reason: String| AuthorityError::Unauthorized {
            signer: hex::encode(body.signer),
            kind: body.kind.clone(),
            stream: body.stream.clone(),
            reason,
        };
        let allowed: Vec<&str> = match spec.signed_by {
            SignedBy::AuthorityOnly => {
                return Err(unauthorized(
                    "only an authority of the ledger may sign it".into(),
                ))
            }
            SignedBy::Roles(roles) => roles.to_vec(),
            SignedBy::AnyRole => catalogue::ROLES.to_vec(),
            SignedBy::AsCorrected => {
                let corrects = correction_target(body)?;
                let Some(kind) = corrected_kind(&corrects) else {
                    return Err(AuthorityError::UnknownCorrected {
                        corrects: corrects.to_hex(),
                    });
                };
                match catalogue::spec(&kind).map(|s| s.signed_by) {
                    Some(SignedBy::Roles(roles)) => roles.to_vec(),
                    Some(SignedBy::AnyRole) => catalogue::ROLES.to_vec(),
                    _ => {
                        return Err(unauthorized(format!(
                            "a correction of `{kind}` needs an authority"
                        )))
                    }
                }
            }
        };
        let Some(enrollments) = self.enrollments.get(&body.signer) else {
            return Err(unauthorized(
                "the key is not enrolled in this ledger".into(),
            ));
        };
        if let Some(&effective) = self.revoked.get(&body.signer) {
            if body.time >= effective {
                return Err(unauthorized(format!(
                    "the key was revoked from {effective} (ms), and the event is dated {}",
                    body.time
                )));
            }
        }
        let in_scope: Vec<&Enrollment> = enrollments
            .iter()
            .filter(|e| e.covers(&body.stream))
            .collect();
        if in_scope.is_empty() {
            let scopes: Vec<&str> = enrollments.iter().map(|e| e.scope.as_str()).collect();
            return Err(unauthorized(format!(
                "the key's scope ({}) does not cover the stream",
                scopes.join(", ")
            )));
        }
        let current: Vec<&&Enrollment> =
            in_scope.iter().filter(|e| e.valid_at(body.time)).collect();
        if current.is_empty() {
            return Err(unauthorized(format!(
                "the key is not valid at the event's time {} (ms)",
                body.time
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
        Err(unauthorized(format!(
            "it needs one of the roles [{}], and the key holds [{}]",
            allowed.join(", "),
            held.join(", ")
        )))
    }

    fn validate_enrollment(&self, p: &KeyEnrolled) -> Result<(), String> {
        parse_key(&p.key, "key")?;
        if p.roles.is_empty() {
            return Err("`roles` is empty".into());
        }
        if let Some(role) = p
            .roles
            .iter()
            .find(|r| !catalogue::ROLES.contains(&r.as_str()))
        {
            return Err(format!(
                "unknown role `{role}` (roles are: {})",
                catalogue::ROLES.join(", ")
            ));
        }
        if p.scope.is_empty() {
            return Err("`scope` is empty: use `*` or a stream prefix".into());
        }
        if p.valid_until.is_some_and(|u| u <= p.valid_from) {
            return Err("`valid_until` is not after `valid_from`".into());
        }
        Ok(())
    }

    /// Applies an authorized event of stream `ledger` to the registry.
    pub fn apply(&mut self, body: &EventBody) -> Result<(), AuthorityError> {
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
            _ => {}
        }
        Ok(())
    }

    /// The name a key's holder was enrolled under, for reports.
    pub fn holder(&self, key: &[u8; 32]) -> Option<&str> {
        if self.authorities.contains(key) {
            return Some("authority");
        }
        self.enrollments
            .get(key)
            .and_then(|e| e.last())
            .map(|e| e.holder.as_str())
    }
}

/// The `corrects` reference of a `correction.issued` payload.
pub fn correction_target(body: &EventBody) -> Result<Hash, AuthorityError> {
    #[derive(Deserialize)]
    struct Target {
        corrects: String,
    }
    let t: Target = serde_json::from_slice(&body.payload)
        .map_err(|e| bad_payload(&body.kind, format!("`corrects`: {e}")))?;
    t.corrects
        .parse()
        .map_err(|e: crate::format::hash::BadHash| bad_payload(&body.kind, e.to_string()))
}
