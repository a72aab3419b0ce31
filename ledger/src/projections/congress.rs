//! One congress (`congress/<org>/<term>`): what was convened, who came, what was decided,
//! every election round with its list, count and result, and what the superior approved.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::payloads::*;
use crate::format::Hash;

/// Where a congress stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Convened,
    InSession,
    Closed,
    Approved,
}

impl crate::messages::Localized for State {
    fn vi(&self) -> String {
        self.words()
            .split(" / ")
            .next()
            .unwrap_or_default()
            .to_string()
    }
    fn en(&self) -> String {
        self.words()
            .split(" / ")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    }
}

impl State {
    /// The state in Vietnamese and English ("vi / en"); one language through
    /// [`crate::messages::Localized`].
    pub fn words(self) -> &'static str {
        match self {
            State::Convened => "đã triệu tập / convened",
            State::InSession => "đang họp / in session",
            State::Closed => "đã bế mạc / closed",
            State::Approved => "đã được chuẩn y / approved",
        }
    }
}

/// A fact and the event that recorded it (its hash, hex), with the act's claimed time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded<T> {
    pub event: Hash,
    pub time: i64,
    #[serde(flatten)]
    pub value: T,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub round: u64,
    pub opened: Recorded<ElectionOpened>,
    pub list: Option<Recorded<CandidateListAdopted>>,
    pub issued: Option<Recorded<BallotsIssued>>,
    pub counted: Option<Recorded<BallotsCounted>>,
    pub declared: Option<Recorded<ElectionDeclared>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Election {
    pub id: String,
    pub body: String,
    /// Nominations by person (the latest for each).
    pub nominations: BTreeMap<Person, Recorded<NominationMade>>,
    pub straw_poll: Option<Recorded<StrawPollCounted>>,
    pub withdrawals: BTreeMap<Person, Recorded<WithdrawalDecided>>,
    pub rounds: BTreeMap<u64, Round>,
}

impl Election {
    /// The last round that declared a result.
    pub fn final_round(&self) -> Option<&Round> {
        self.rounds.values().rev().find(|r| r.declared.is_some())
    }

    /// Everyone declared elected over all rounds, in declaration order.
    pub fn elected(&self) -> Vec<Person> {
        self.rounds
            .values()
            .filter_map(|r| r.declared.as_ref())
            .flat_map(|d| d.value.elected.iter().cloned())
            .collect()
    }

    /// Every act recorded for this election: nominations, straw poll, withdrawals and each
    /// round's acts.
    pub fn events(&self) -> Vec<Hash> {
        let mut out: Vec<Hash> = self.nominations.values().map(|n| n.event).collect();
        out.extend(self.straw_poll.iter().map(|p| p.event));
        out.extend(self.withdrawals.values().map(|w| w.event));
        for r in self.rounds.values() {
            out.push(r.opened.event);
            out.extend(r.list.iter().map(|x| x.event));
            out.extend(r.issued.iter().map(|x| x.event));
            out.extend(r.counted.iter().map(|x| x.event));
            out.extend(r.declared.iter().map(|x| x.event));
        }
        out
    }

    /// Whether a motion concerns this election: it names it (`election`, schema 2), or, having
    /// no `election` (schema 1 could not say), its `refs` name one of the election's acts.
    pub fn is_concerned_by(&self, motion: &MotionDecided) -> bool {
        match &motion.election {
            Some(id) => *id == self.id,
            None => {
                let events = self.events();
                motion
                    .refs
                    .iter()
                    .any(|r| events.iter().any(|e| e.to_hex() == *r))
            }
        }
    }

    pub fn alternates(&self) -> Vec<Person> {
        self.rounds
            .values()
            .filter_map(|r| r.declared.as_ref())
            .flat_map(|d| d.value.alternates.iter().cloned())
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Congress {
    pub stream: String,
    pub convened: Recorded<CongressConvened>,
    pub state: State,
    pub persons: BTreeMap<Person, Recorded<PersonRegistered>>,
    pub credentials: Option<Recorded<CredentialsReported>>,
    pub sessions: BTreeMap<u64, Recorded<SessionOpened>>,
    /// Motions by id.
    pub motions: BTreeMap<String, Recorded<MotionDecided>>,
    pub elections: BTreeMap<String, Election>,
    pub closed: Option<Recorded<CongressClosed>>,
    pub approvals: Vec<Recorded<ResultsApproved>>,
    pub appointments: Vec<Recorded<AppointmentMade>>,
    pub documents: Vec<Recorded<DocumentAttached>>,
    /// Complaint cases that concern this congress.
    pub complaints: Vec<String>,
    /// The inspection commission's conclusions on this congress (`inspection.concluded`).
    #[serde(default)]
    pub inspections: Vec<Recorded<InspectionConcluded>>,
    /// Acts of the congress's proceedings recorded after it closed or its results were
    /// approved (V-06), in log order.
    pub late: Vec<Late>,
}

/// An act of the proceedings recorded (in log order) after the congress closed or its results
/// were approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Late {
    pub event: Hash,
    pub time: i64,
    pub kind: String,
    /// What it came after: the state then (closed or approved) and the act that put it there.
    pub after: State,
    pub after_event: Hash,
}

/// The kind of an act of the congress's own proceedings, which has no place after the
/// congress closed or its results were approved. Not: the superior's approvals and
/// appointments (the way results are approved and complaints' outcomes applied), attachments,
/// corrections (applied as the act they correct), and the registry of persons (who someone
/// is, not an act of the congress).
fn proceedings_kind(payload: &Payload) -> Option<&'static str> {
    Some(match payload {
        Payload::CongressConvened(_) => "congress.convened",
        Payload::CredentialsReported(_) => "credentials.reported",
        Payload::SessionOpened(_) => "session.opened",
        Payload::MotionDecided(_) => "motion.decided",
        Payload::ElectionOpened(_) => "election.opened",
        Payload::NominationMade(_) => "nomination.made",
        Payload::StrawPollCounted(_) => "straw_poll.counted",
        Payload::WithdrawalDecided(_) => "withdrawal.decided",
        Payload::CandidateListAdopted(_) => "candidate_list.adopted",
        Payload::BallotsIssued(_) => "ballots.issued",
        Payload::BallotsCounted(_) => "ballots.counted",
        Payload::ElectionDeclared(_) => "election.declared",
        Payload::CongressClosed(_) => "congress.closed",
        _ => return None,
    })
}

/// What an event adds to a congress (or a case): its hash, its time and its payload, which
/// the projection takes over.
pub struct Act {
    pub event: Hash,
    pub time: i64,
    pub payload: Payload,
    /// A correction's replacement, applied under the corrected act's hash.
    pub correction: bool,
}

fn act_record<T>(event: Hash, time: i64, value: T) -> Recorded<T> {
    Recorded { event, time, value }
}

impl Congress {
    pub fn new(stream: &str, convened: Recorded<CongressConvened>) -> Congress {
        Congress {
            stream: stream.to_string(),
            convened,
            state: State::Convened,
            persons: BTreeMap::new(),
            credentials: None,
            sessions: BTreeMap::new(),
            motions: BTreeMap::new(),
            elections: BTreeMap::new(),
            closed: None,
            approvals: Vec::new(),
            appointments: Vec::new(),
            documents: Vec::new(),
            complaints: Vec::new(),
            inspections: Vec::new(),
            late: Vec::new(),
        }
    }

    /// The act that closed the congress or approved its results, when one has.
    fn concluded_by(&self) -> Option<Hash> {
        match self.state {
            State::Closed => self.closed.as_ref().map(|c| c.event),
            State::Approved => self.approvals.last().map(|a| a.event),
            State::Convened | State::InSession => None,
        }
    }

    fn election(&mut self, id: &str) -> &mut Election {
        self.elections
            .entry(id.to_string())
            .or_insert_with(|| Election {
                id: id.to_string(),
                body: String::new(),
                nominations: BTreeMap::new(),
                straw_poll: None,
                withdrawals: BTreeMap::new(),
                rounds: BTreeMap::new(),
            })
    }

    fn round(&mut self, id: &str, round: u64) -> Option<&mut Round> {
        self.elections.get_mut(id)?.rounds.get_mut(&round)
    }

    /// Applies one act. Every act is an upsert by its natural key, so a correction applies its
    /// replacement the same way and takes the corrected act's place.
    pub fn apply(&mut self, act: Act) {
        let event = act.event;
        let time = act.time;
        if let (false, Some(after_event), Some(kind)) = (
            act.correction,
            self.concluded_by(),
            proceedings_kind(&act.payload),
        ) {
            self.late.push(Late {
                event,
                time,
                kind: kind.to_string(),
                after: self.state,
                after_event,
            });
        }
        match act.payload {
            Payload::CongressConvened(p) => self.convened = act_record(event, time, *p),
            Payload::PersonRegistered(p) => {
                self.persons
                    .insert(p.person.clone(), act_record(event, time, p));
            }
            Payload::CredentialsReported(p) => self.credentials = Some(act_record(event, time, p)),
            Payload::SessionOpened(p) => {
                self.sessions.insert(p.session, act_record(event, time, p));
                if self.state == State::Convened {
                    self.state = State::InSession;
                }
            }
            Payload::MotionDecided(p) => {
                self.motions
                    .insert(p.motion.clone(), act_record(event, time, p));
            }
            Payload::ElectionOpened(p) => {
                let (id, body, round) = (p.election.clone(), p.body.clone(), p.round);
                let opened = act_record(event, time, p);
                let e = self.election(&id);
                e.body = body;
                match e.rounds.get_mut(&round) {
                    Some(r) => r.opened = opened,
                    None => {
                        e.rounds.insert(
                            round,
                            Round {
                                round,
                                opened,
                                list: None,
                                issued: None,
                                counted: None,
                                declared: None,
                            },
                        );
                    }
                }
            }
            Payload::NominationMade(p) => {
                let (id, person) = (p.election.clone(), p.person.clone());
                self.election(&id)
                    .nominations
                    .insert(person, act_record(event, time, p));
            }
            Payload::StrawPollCounted(p) => {
                let id = p.election.clone();
                self.election(&id).straw_poll = Some(act_record(event, time, p));
            }
            Payload::WithdrawalDecided(p) => {
                let (id, person) = (p.election.clone(), p.person.clone());
                self.election(&id)
                    .withdrawals
                    .insert(person, act_record(event, time, p));
            }
            Payload::CandidateListAdopted(p) => {
                if let Some(round) = self.round(&p.election.clone(), p.round) {
                    round.list = Some(act_record(event, time, p));
                }
            }
            Payload::BallotsIssued(p) => {
                if let Some(round) = self.round(&p.election.clone(), p.round) {
                    round.issued = Some(act_record(event, time, p));
                }
            }
            Payload::BallotsCounted(p) => {
                if let Some(round) = self.round(&p.election.clone(), p.round) {
                    round.counted = Some(act_record(event, time, p));
                }
            }
            Payload::ElectionDeclared(p) => {
                if let Some(round) = self.round(&p.election.clone(), p.round) {
                    round.declared = Some(act_record(event, time, p));
                }
            }
            Payload::CongressClosed(p) => {
                self.closed = Some(act_record(event, time, p));
                if self.state != State::Approved {
                    self.state = State::Closed;
                }
            }
            Payload::ResultsApproved(p) => {
                self.approvals.retain(|a| a.event != event);
                self.approvals.push(act_record(event, time, p));
                self.state = State::Approved;
            }
            Payload::AppointmentMade(p) => {
                self.appointments.retain(|a| a.event != event);
                self.appointments.push(act_record(event, time, p));
            }
            Payload::DocumentAttached(p) => self.documents.push(act_record(event, time, p)),
            Payload::InspectionConcluded(p) => {
                self.inspections.retain(|a| a.event != event);
                self.inspections.push(act_record(event, time, p));
            }
            _ => {}
        }
    }

    /// The people declared elected to `body`, over all its elections.
    pub fn elected_to(&self, body: &str) -> Vec<Person> {
        self.elections
            .values()
            .filter(|e| e.body == body)
            .flat_map(|e| e.elected())
            .collect()
    }
}
