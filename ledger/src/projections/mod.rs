//! Projections: the current state that people ask about, folded from the log. They are
//! derived (invariant 1): rebuilt from scratch they are identical, byte for byte, to the state
//! kept up incrementally and checkpointed in the index.

pub mod complaints;
pub mod congress;
pub mod figures;
pub mod orgs;
pub mod views;

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::{self, Payload};
use crate::engine::Ledger;
use crate::format::{Entry, Hash};
use crate::storage::StorageError;
use complaints::Case;
use congress::{Act, Congress, Recorded};

/// Acts that could not be placed (an election act before its congress was convened, a
/// payload that does not decode as its kind): kept, so that a report can show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unplaced {
    pub position: u64,
    pub event: String,
    pub why: String,
}

/// At most this many unplaced acts are kept (a bound on memory; the count goes on).
const UNPLACED_LIMIT: usize = 1000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Projections {
    /// Entries applied: the state is of the log's first `position` entries.
    pub position: u64,
    pub orgs: BTreeMap<String, Recorded<crate::domain::payloads::OrgRegistered>>,
    /// Congresses by stream.
    pub congresses: BTreeMap<String, Congress>,
    /// Complaint cases by stream.
    pub complaints: BTreeMap<String, Case>,
    pub unplaced: Vec<Unplaced>,
    pub unplaced_count: u64,
}

/// An entry decoded for projection: hash, stream, kind, time and payload.
pub struct Decoded {
    pub position: u64,
    pub hash: Hash,
    pub stream: String,
    pub kind: String,
    pub schema: u16,
    pub time: i64,
    pub payload: Result<Payload, String>,
}

impl Decoded {
    pub fn new(position: u64, entry: &Entry) -> Decoded {
        let body = entry.event.body();
        Decoded {
            position,
            hash: entry.event.hash(),
            stream: body.stream.clone(),
            kind: body.kind.clone(),
            schema: body.schema,
            time: body.time,
            payload: domain::decode(&body.kind, body.schema, &body.payload)
                .map_err(|e| e.to_string()),
        }
    }

    pub fn from_bytes(position: u64, bytes: &[u8]) -> Result<Decoded, String> {
        Entry::decode(bytes)
            .map(|e| Decoded::new(position, &e))
            .map_err(|e| e.to_string())
    }
}

/// Looks up a stored event by hash (for corrections, which name the act they correct).
pub type Lookup<'a> = &'a dyn Fn(&Hash) -> Option<Entry>;

impl Projections {
    fn unplaced(&mut self, d: &Decoded, why: String) {
        self.unplaced_count += 1;
        if self.unplaced.len() < UNPLACED_LIMIT {
            self.unplaced.push(Unplaced {
                position: d.position,
                event: d.hash.to_hex(),
                why,
            });
        }
    }

    /// Applies the next entry of the log.
    pub fn apply(&mut self, d: &Decoded, lookup: Lookup) {
        debug_assert_eq!(
            d.position, self.position,
            "entries are applied in log order"
        );
        self.position = d.position + 1;
        let payload = match &d.payload {
            Ok(p) => p,
            Err(why) => return self.unplaced(d, why.clone()),
        };
        let hash = d.hash.to_hex();
        if let Payload::CorrectionIssued(c) = payload {
            return self.correct(d, &hash, c, lookup);
        }
        let act = Act {
            event: &hash,
            time: d.time,
            payload,
        };
        self.apply_act(&d.stream, &act, d);
    }

    fn apply_act(&mut self, stream: &str, act: &Act, d: &Decoded) {
        match act.payload {
            Payload::OrgRegistered(p) => {
                self.orgs.insert(
                    p.org.clone(),
                    Recorded {
                        event: act.event.to_string(),
                        time: act.time,
                        value: p.clone(),
                    },
                );
            }
            Payload::CongressConvened(p) if !self.congresses.contains_key(stream) => {
                self.congresses
                    .insert(stream.to_string(), Congress::new(stream, act, p));
            }
            Payload::ComplaintReceived(p) if !self.complaints.contains_key(stream) => {
                self.complaints
                    .insert(stream.to_string(), Case::new(stream, act, p));
                if let Some(c) = p
                    .concerns
                    .congress
                    .as_ref()
                    .and_then(|c| self.congresses.get_mut(c))
                {
                    c.complaints.push(stream.to_string());
                }
            }
            Payload::LedgerCreated(_) | Payload::KeyEnrolled(_) | Payload::KeyRevoked(_) => {}
            _ => {
                if let Some(c) = self.congresses.get_mut(stream) {
                    c.apply(act);
                } else if let Some(case) = self.complaints.get_mut(stream) {
                    case.apply(act);
                } else if !matches!(act.payload, Payload::DocumentAttached(_)) {
                    self.unplaced(
                        d,
                        format!("`{}` in `{stream}` before the stream was opened", d.kind),
                    );
                }
            }
        }
    }

    /// A correction re-applies its replacement in place of the corrected act: every act is an
    /// upsert by its natural key, so the replacement takes the corrected one's place.
    fn correct(
        &mut self,
        d: &Decoded,
        hash: &str,
        c: &domain::payloads::CorrectionIssued,
        lookup: Lookup,
    ) {
        let Some(target) = c.corrects.parse::<Hash>().ok().and_then(|h| lookup(&h)) else {
            return self.unplaced(
                d,
                format!("correction of {} which is not in the log", c.corrects),
            );
        };
        let body = target.event.body();
        let replacement = match serde_json::to_vec(&c.replacement)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                domain::decode(&body.kind, body.schema, &bytes).map_err(|e| e.to_string())
            }) {
            Ok(p) => p,
            Err(why) => {
                return self.unplaced(
                    d,
                    format!("replacement is not a valid `{}`: {why}", body.kind),
                )
            }
        };
        let corrected = c.corrects.clone();
        let act = Act {
            event: &corrected,
            time: body.time,
            payload: &replacement,
        };
        let stream = body.stream.clone();
        self.apply_act(&stream, &act, d);
        if let Some(congress) = self.congresses.get_mut(&stream) {
            congress
                .corrections
                .push((corrected, hash.to_string(), c.reason.clone()));
        }
    }

    /// Brings the projections up to the ledger's current size; returns how many entries were
    /// applied. Decoding runs on both cores; applying is in log order.
    pub fn catch_up(&mut self, ledger: &Ledger) -> Result<u64, StorageError> {
        let start = self.position;
        let end = ledger.size();
        let lookup = |h: &Hash| ledger.entry_by_hash(h).ok().flatten();
        let mut failed = None;
        ledger.scan_chunks(start, end, &mut |first, frames| {
            let decoded: Vec<Result<Decoded, String>> = frames
                .par_iter()
                .enumerate()
                .map(|(i, bytes)| Decoded::from_bytes(first + i as u64, bytes))
                .collect();
            for d in decoded {
                match d {
                    Ok(d) => self.apply(&d, &lookup),
                    Err(e) => {
                        failed = Some(StorageError::Corrupt {
                            file: ledger.dir().join("log"),
                            offset: 0,
                            position: Some(self.position),
                            reason: e,
                        });
                        return false;
                    }
                }
            }
            true
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        Ok(self.position - start)
    }

    /// Rebuilds from the first entry.
    pub fn rebuild(ledger: &Ledger) -> Result<Projections, StorageError> {
        let mut p = Projections::default();
        p.catch_up(ledger)?;
        Ok(p)
    }

    /// The state's canonical bytes (maps are ordered, so equal states give equal bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_else(|e| unreachable!("projections serialize: {e}"))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Projections, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// Loads the projections checkpointed in the ledger's index and catches up; rebuilds if
    /// there is none (or it does not parse).
    pub fn load(ledger: &Ledger) -> Result<Projections, StorageError> {
        let mut p = match ledger.projection_checkpoint()? {
            Some(bytes) => Projections::from_bytes(&bytes).unwrap_or_default(),
            None => Projections::default(),
        };
        if p.position > ledger.size() {
            p = Projections::default();
        }
        p.catch_up(ledger)?;
        Ok(p)
    }

    /// Checkpoints the state in the ledger's index.
    pub fn save(&self, ledger: &Ledger) -> Result<(), StorageError> {
        ledger.save_projection_checkpoint(&self.to_bytes())
    }

    pub fn progress(&self, org: &str, term: Option<&str>, as_of: Option<&str>) -> orgs::Progress {
        orgs::progress(&self.orgs, &self.congresses, org, term, as_of)
    }
}
