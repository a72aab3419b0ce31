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

use crate::messages::Text;

use crate::domain::{self, Payload};
use crate::format::{Entry, Hash};
use crate::storage::StorageError;
use crate::storage::{EntrySource, SavedState};
use complaints::Case;
use congress::{Act, Congress, Recorded};

/// Acts that could not be placed (an election act before its congress was convened, a
/// payload that does not decode as its kind): kept, so that a report can show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unplaced {
    pub position: u64,
    pub event: String,
    pub why: Text,
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
    /// Every correction, by the stream of the act it corrects, in log order.
    #[serde(default)]
    pub corrections: BTreeMap<String, Vec<Correction>>,
    /// Acts that count for nothing because their signer was not allowed to sign them (found
    /// by verification in a log that was not checked when written: a bag, a mirror, an edited
    /// ledger), the first [`UNPLACED_LIMIT`] of them.
    #[serde(default)]
    pub ignored: Vec<Unplaced>,
    #[serde(default)]
    pub ignored_count: u64,
}

/// A correction as reports show it: "đã đính chính / corrected", by whom, when, why, and the
/// replacement beside the original (which a report reads from the log by its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    /// The act corrected (the start of the chain, whose place the replacement takes).
    pub corrected: Hash,
    /// The `correction.issued` event.
    pub correction: Hash,
    pub position: u64,
    /// The correction's claimed time (ms).
    pub time: i64,
    /// Who signed the correction (public key, hex).
    pub signer: String,
    pub kind: String,
    pub reason: String,
    /// The replacement payload, as JSON.
    pub replacement: serde_json::Value,
}

/// An entry decoded for projection: hash, stream, kind, time and payload.
pub struct Decoded {
    pub position: u64,
    pub hash: Hash,
    pub stream: String,
    pub kind: String,
    pub schema: u16,
    pub time: i64,
    pub signer: [u8; 32],
    pub payload: Result<Payload, Text>,
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
            signer: body.signer,
            payload: Decoded::payload_of(entry),
        }
    }

    /// The typed payload of an entry (the part of decoding that can run in parallel).
    pub fn payload_of(entry: &Entry) -> Result<Payload, Text> {
        let body = entry.event.body();
        domain::decode(&body.kind, body.schema, &body.payload).map_err(|e| Text::of(&e))
    }

    pub fn from_bytes(position: u64, bytes: &[u8]) -> Result<Decoded, String> {
        Entry::decode(bytes)
            .map(|e| Decoded::new(position, &e))
            .map_err(|e| e.to_string())
    }
}

/// Where an act is, for the record of acts that could not be placed.
struct Place<'a> {
    position: u64,
    hash: Hash,
    kind: &'a str,
}

/// Looks up a stored event by hash (for corrections, which name the act they correct).
pub type Lookup<'a> = &'a dyn Fn(&Hash) -> Option<Target>;

/// What a correction needs to know of the act it corrects: the act at the start of its chain
/// (a correction of a correction replaces the same act).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub event: Hash,
    pub stream: String,
    pub kind: String,
    pub schema: u16,
    pub time: i64,
}

impl Target {
    pub fn of(entry: &Entry) -> Target {
        let b = entry.event.body();
        Target {
            event: entry.event.hash(),
            stream: b.stream.clone(),
            kind: b.kind.clone(),
            schema: b.schema,
            time: b.time,
        }
    }
}

impl Projections {
    fn unplaced(&mut self, place: &Place, why: Text) {
        self.unplaced_count += 1;
        if self.unplaced.len() < UNPLACED_LIMIT {
            self.unplaced.push(Unplaced {
                position: place.position,
                event: place.hash.to_hex(),
                why,
            });
        }
    }

    /// Passes over the next entry of the log: an act whose signer was not allowed to sign it
    /// counts for nothing, and is listed as such.
    pub fn ignore(&mut self, d: &Decoded, why: Text) {
        debug_assert_eq!(
            d.position, self.position,
            "entries are applied in log order"
        );
        self.position = d.position + 1;
        self.ignored_count += 1;
        if self.ignored.len() < UNPLACED_LIMIT {
            self.ignored.push(Unplaced {
                position: d.position,
                event: d.hash.to_hex(),
                why,
            });
        }
    }

    /// Applies the next entry of the log (taking over its payload).
    pub fn apply(&mut self, d: Decoded, lookup: Lookup) {
        debug_assert_eq!(
            d.position, self.position,
            "entries are applied in log order"
        );
        self.position = d.position + 1;
        let place = Place {
            position: d.position,
            hash: d.hash,
            kind: &d.kind,
        };
        match d.payload {
            Err(why) => self.unplaced(&place, why),
            Ok(Payload::CorrectionIssued(c)) => {
                self.correct(&place, (&d.stream, d.time, d.signer), c, lookup)
            }
            Ok(payload) => {
                let act = Act {
                    event: d.hash,
                    time: d.time,
                    payload,
                    correction: false,
                };
                self.apply_act(&d.stream, act, &place);
            }
        }
    }

    fn apply_act(&mut self, stream: &str, act: Act, place: &Place) {
        let creates = match &act.payload {
            Payload::CongressConvened(_) => !self.congresses.contains_key(stream),
            Payload::ComplaintReceived(_) => !self.complaints.contains_key(stream),
            _ => false,
        };
        let (event, time, correction) = (act.event, act.time, act.correction);
        match act.payload {
            Payload::OrgRegistered(p) => {
                self.orgs.insert(
                    p.org.clone(),
                    Recorded {
                        event,
                        time,
                        value: p,
                    },
                );
            }
            Payload::CongressConvened(p) if creates => {
                self.congresses.insert(
                    stream.to_string(),
                    Congress::new(
                        stream,
                        Recorded {
                            event,
                            time,
                            value: *p,
                        },
                    ),
                );
            }
            Payload::ComplaintReceived(p) if creates => {
                if let Some(c) = p
                    .concerns
                    .congress
                    .as_ref()
                    .and_then(|c| self.congresses.get_mut(c))
                {
                    c.complaints.push(stream.to_string());
                }
                self.complaints.insert(
                    stream.to_string(),
                    Case::new(
                        stream,
                        Recorded {
                            event,
                            time,
                            value: p,
                        },
                    ),
                );
            }
            Payload::LedgerCreated(_)
            | Payload::KeyEnrolled(_)
            | Payload::KeyRevoked(_)
            | Payload::AuthorityAdded(_)
            | Payload::AuthorityRetired(_)
            | Payload::LogKeyRotated(_) => {}
            payload => {
                let is_document = matches!(payload, Payload::DocumentAttached(_));
                let act = Act {
                    event,
                    time,
                    payload,
                    correction,
                };
                if let Some(c) = self.congresses.get_mut(stream) {
                    c.apply(act);
                } else if let Some(case) = self.complaints.get_mut(stream) {
                    case.apply(act);
                } else if !is_document {
                    self.unplaced(
                        place,
                        Text::new(
                            format!("`{}` trong `{stream}` trước khi luồng được mở", place.kind),
                            format!(
                                "`{}` in `{stream}` before the stream was opened",
                                place.kind
                            ),
                        ),
                    );
                }
            }
        }
    }

    /// A correction re-applies its replacement in place of the corrected act: every act is an
    /// upsert by its natural key, so the replacement takes the corrected one's place.
    fn correct(
        &mut self,
        place: &Place,
        (stream, time, signer): (&str, i64, [u8; 32]),
        c: domain::payloads::CorrectionIssued,
        lookup: Lookup,
    ) {
        let corrected = c.corrects.parse::<Hash>().ok();
        let Some(target) = corrected.and_then(|h| lookup(&h)) else {
            return self.unplaced(
                place,
                Text::new(
                    format!("đính chính {} là văn bản không có trong sổ", c.corrects),
                    format!("correction of {} which is not in the log", c.corrects),
                ),
            );
        };
        if target.stream != stream {
            return self.unplaced(
                place,
                Text::new(
                    format!(
                        "đính chính ghi trong `{}` cho một văn bản của `{}`: đính chính chỉ có hiệu lực trong luồng của văn bản được đính chính",
                        stream, target.stream
                    ),
                    format!(
                        "correction written in `{}` of an act in `{}`: a correction stands only in the stream of the act it corrects",
                        stream, target.stream
                    ),
                ),
            );
        }
        let replacement = match serde_json::to_vec(&c.replacement)
            .map_err(|e| Text::new(e.to_string(), e.to_string()))
            .and_then(|bytes| {
                domain::decode(&target.kind, target.schema, &bytes).map_err(|e| Text::of(&e))
            }) {
            Ok(p) => p,
            Err(why) => {
                return self.unplaced(
                    place,
                    Text::new(
                        format!(
                            "nội dung thay thế không phải một `{}` hợp lệ: {}",
                            target.kind, why.vi
                        ),
                        format!("replacement is not a valid `{}`: {}", target.kind, why.en),
                    ),
                )
            }
        };
        let act = Act {
            event: target.event,
            time: target.time,
            payload: replacement,
            correction: true,
        };
        self.apply_act(&target.stream, act, place);
        self.corrections
            .entry(target.stream.clone())
            .or_default()
            .push(Correction {
                corrected: target.event,
                correction: place.hash,
                position: place.position,
                time,
                signer: hex::encode(signer),
                kind: target.kind.clone(),
                reason: c.reason.clone(),
                replacement: serde_json::Value::Object(c.replacement.clone()),
            });
    }

    /// Brings the projections up to the ledger's current size; returns how many entries were
    /// applied. Decoding runs on both cores; applying is in log order.
    pub fn catch_up(&mut self, ledger: &dyn EntrySource) -> Result<u64, StorageError> {
        let start = self.position;
        let end = ledger.size();
        let lookup = |h: &Hash| {
            let root = crate::authority::resolve_correction(h, &mut |h: &Hash| {
                ledger
                    .entry_by_hash(h)
                    .map(|e| e.map(|e| crate::authority::chain_link(e.event.body())))
            })
            .ok()
            .flatten()?;
            ledger
                .entry_by_hash(&root.event)
                .ok()
                .flatten()
                .map(|e| Target::of(&e))
        };
        let mut failed = None;
        ledger.scan_chunks(start, end, &mut |first, frames| {
            let decoded: Vec<Result<Decoded, String>> = frames
                .par_iter()
                .enumerate()
                .map(|(i, bytes)| Decoded::from_bytes(first + i as u64, bytes))
                .collect();
            for d in decoded {
                match d {
                    Ok(d) => self.apply(d, &lookup),
                    Err(e) => {
                        failed = Some(StorageError::Corrupt {
                            file: ledger.name(),
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
    pub fn rebuild(ledger: &dyn EntrySource) -> Result<Projections, StorageError> {
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

    /// Loads the projections checkpointed beside the log (the ledger's index) and catches up;
    /// rebuilds if there is none (or it does not parse).
    pub fn load<L: EntrySource + SavedState>(ledger: &L) -> Result<Projections, StorageError> {
        let mut p = match ledger.saved_state()? {
            Some(bytes) => Projections::from_bytes(&bytes).unwrap_or_default(),
            None => Projections::default(),
        };
        if p.position > ledger.size() {
            p = Projections::default();
        }
        p.catch_up(ledger)?;
        Ok(p)
    }

    /// Checkpoints the state beside the log (the ledger's index).
    pub fn save(&self, ledger: &dyn SavedState) -> Result<(), StorageError> {
        ledger.save_state(&self.to_bytes())
    }

    pub fn progress(&self, org: &str, term: Option<&str>, as_of: Option<&str>) -> orgs::Progress {
        orgs::progress(&self.orgs, &self.congresses, org, term, as_of)
    }
}
