//! Congresses from the press reports the product was designed from, as signed events: the
//! demo runs them, and tests check what the ledger makes of them.
//!
//! Keys are derived from fixed labels so that a scenario is reproducible byte for byte. They
//! are demonstration keys, published in this source: never enroll them in a real ledger.

pub mod hai_duong_2020;
pub mod irregular_2025;
mod names;
pub mod seasons_2020;

use std::collections::HashMap;

use ed25519_dalek::SigningKey;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::compose::{self, ComposeError};
use crate::engine::{Ledger, Options};
use crate::format::{Hash, SignedEvent, VerifierKey};

/// A demonstration key, derived from its label.
pub fn demo_key(label: &str) -> SigningKey {
    let seed: [u8; 32] = Sha256::digest(format!("congress-ledger demo key: {label}")).into();
    SigningKey::from_bytes(&seed)
}

/// The demonstration keys of the bodies that sign a scenario's acts, derived from `prefix`.
pub struct Bodies {
    pub authority: SigningKey,
    pub log: SigningKey,
    pub superior: SigningKey,
    pub convener: SigningKey,
    pub presidium: SigningKey,
    pub credentials: SigningKey,
    pub counting: SigningKey,
    pub inspection: SigningKey,
}

impl Bodies {
    pub fn derive(prefix: &str) -> Bodies {
        let k = |role: &str| demo_key(&format!("{prefix}/{role}"));
        Bodies {
            authority: k("authority"),
            log: k("log"),
            superior: k("superior"),
            convener: k("convener"),
            presidium: k("presidium"),
            credentials: k("credentials"),
            counting: k("counting"),
            inspection: k("inspection"),
        }
    }
}

/// Milliseconds since the epoch for a local time in Vietnam (UTC+7).
pub fn vn_time(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> i64 {
    // Days from 1970-01-01 to the date (proleptic Gregorian), by the civil-from-days inverse.
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m as i32 + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era as i64 * 146_097 + doe as i64 - 719_468;
    ((days * 24 + hour as i64 - 7) * 60 + minute as i64) * 60_000
}

/// A ledger's worth of signed events, and the keys that signed them.
pub struct Scenario {
    pub origin: String,
    pub title: String,
    pub log_key: SigningKey,
    pub events: Vec<SignedEvent>,
}

impl Scenario {
    /// Creates a ledger in `dir` and appends every event; each act is in flight at once and
    /// waited for at the end (acknowledgements mean durable).
    pub fn create_ledger(
        self,
        dir: &std::path::Path,
        options: Options,
    ) -> Result<Ledger, ScenarioError> {
        let mut events = self.events.into_iter();
        let genesis = events.next().ok_or(ScenarioError::Empty)?;
        let ledger = Ledger::create(dir, genesis, self.log_key, options)?;
        let tickets = events
            .map(|e| ledger.submit(e.into_bytes()))
            .collect::<Result<Vec<_>, _>>()?;
        for t in tickets {
            t.wait()?;
        }
        Ok(ledger)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("the scenario has no events")]
    Empty,
    #[error(transparent)]
    Compose(#[from] ComposeError),
    #[error(transparent)]
    Open(#[from] crate::engine::OpenError),
    #[error("the ledger refused a scenario event: {0}")]
    Append(#[from] crate::engine::AppendError),
}

/// Signs events in order, keeping each stream's version and head.
pub struct Recorder {
    origin: String,
    heads: HashMap<String, (u64, Hash)>,
    events: Vec<SignedEvent>,
}

impl Recorder {
    pub fn new(origin: &str, genesis: SignedEvent) -> Recorder {
        let mut heads = HashMap::new();
        heads.insert("ledger".to_string(), (1, genesis.hash()));
        Recorder {
            origin: origin.to_string(),
            heads,
            events: vec![genesis],
        }
    }

    /// Signs and records the next event of `stream`, at schema version 1 or, for a kind with
    /// confidential fields, at the newest version (which commits them: confidential fields given
    /// in plaintext are committed); returns its hash.
    pub fn record(
        &mut self,
        key: &SigningKey,
        stream: &str,
        kind: &str,
        time: i64,
        payload: Value,
    ) -> Result<Hash, ComposeError> {
        let schema = match crate::confidential::check_new_append(kind, 1) {
            Ok(()) => 1,
            Err(_) => crate::domain::latest_schema(kind).unwrap_or(1),
        };
        self.record_schema(key, stream, kind, schema, time, payload)
    }

    /// As [`Recorder::record`], at payload schema version `schema`.
    pub fn record_schema(
        &mut self,
        key: &SigningKey,
        stream: &str,
        kind: &str,
        schema: u16,
        time: i64,
        payload: Value,
    ) -> Result<Hash, ComposeError> {
        let (version, prev) = self.heads.get(stream).copied().unwrap_or((0, Hash::ZERO));
        // Confidential fields are committed under salts derived from the stream and field (a
        // demonstration's made-up names only: real appends use random salts).
        let (payload, _) = crate::confidential::seal_with(kind, schema, &payload, |field| {
            Sha256::digest(format!("congress-ledger demo salt: {stream} {field}")).into()
        });
        let event = compose::event(
            &self.origin,
            stream,
            version,
            prev,
            kind,
            schema,
            time,
            key,
            &payload,
        )?;
        let hash = event.hash();
        self.heads.insert(stream.to_string(), (version + 1, hash));
        self.events.push(event);
        Ok(hash)
    }

    /// Records the authority enrolling `key` for `roles` under `scope`, valid from `from`.
    pub fn enroll(
        &mut self,
        authority: &SigningKey,
        key: &SigningKey,
        holder: &str,
        roles: &[&str],
        scope: &str,
        from: i64,
    ) -> Result<Hash, ComposeError> {
        let payload = compose::enrollment(
            &key.verifying_key().to_bytes(),
            holder,
            roles,
            scope,
            from,
            None,
        );
        self.record(authority, "ledger", "key.enrolled", from, payload)
    }

    pub fn finish(self) -> Vec<SignedEvent> {
        self.events
    }

    /// The events signed so far, leaving the recorder empty (heads are kept): for long
    /// scenarios appended a part at a time.
    pub fn take_events(&mut self) -> Vec<SignedEvent> {
        std::mem::take(&mut self.events)
    }
}

/// The genesis and the recorder that continues it.
pub fn start(
    origin: &str,
    title: &str,
    authority: &SigningKey,
    log_key: &SigningKey,
    rulebook: &str,
    time: i64,
) -> Result<Recorder, ComposeError> {
    let vkey = VerifierKey::new(origin, log_key.verifying_key().to_bytes()).map_err(|e| {
        ComposeError::Format(crate::format::FormatError::Malformed {
            what: "origin",
            reason: e.to_string(),
        })
    })?;
    let genesis = compose::genesis(origin, title, authority, &[], &vkey, rulebook, time)?;
    Ok(Recorder::new(origin, genesis))
}

#[cfg(test)]
mod tests {
    use super::vn_time;

    #[test]
    fn vietnam_local_time_is_utc_plus_seven() {
        // 2020-06-05 08:00 in Hanoi is 2020-06-05T01:00:00Z = 1591318800000.
        assert_eq!(vn_time(2020, 6, 5, 8, 0), 1_591_318_800_000);
        assert_eq!(vn_time(1970, 1, 1, 7, 0), 0);
        assert_eq!(vn_time(2024, 2, 29, 7, 0), 1_709_164_800_000);
    }
}
