//! One congress (`congress/<org>/<term>`): what was convened, who came, what was decided,
//! every election round with its list, count and result, and what the superior approved.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::payloads::*;

/// Where a congress stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Convened,
    InSession,
    Closed,
    Approved,
}

impl State {
    /// The state in Vietnamese and English.
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
    pub event: String,
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
    /// Corrections: (corrected event, correction event, reason).
    pub corrections: Vec<(String, String, String)>,
    /// Complaint cases that concern this congress.
    pub complaints: Vec<String>,
}

/// What an event adds to a congress.
pub struct Act<'a> {
    pub event: &'a str,
    pub time: i64,
    pub payload: &'a Payload,
}

fn rec<T: Clone>(act: &Act, value: &T) -> Recorded<T> {
    Recorded {
        event: act.event.to_string(),
        time: act.time,
        value: value.clone(),
    }
}

impl Congress {
    pub fn new(stream: &str, act: &Act, convened: &CongressConvened) -> Congress {
        Congress {
            stream: stream.to_string(),
            convened: rec(act, convened),
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
            corrections: Vec::new(),
            complaints: Vec::new(),
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
    pub fn apply(&mut self, act: &Act) {
        match act.payload {
            Payload::CongressConvened(p) => self.convened = rec(act, p.as_ref()),
            Payload::PersonRegistered(p) => {
                self.persons.insert(p.person.clone(), rec(act, p));
            }
            Payload::CredentialsReported(p) => self.credentials = Some(rec(act, p)),
            Payload::SessionOpened(p) => {
                self.sessions.insert(p.session, rec(act, p));
                if self.state == State::Convened {
                    self.state = State::InSession;
                }
            }
            Payload::MotionDecided(p) => {
                self.motions.insert(p.motion.clone(), rec(act, p));
            }
            Payload::ElectionOpened(p) => {
                let opened = rec(act, p);
                let e = self.election(&p.election);
                e.body = p.body.clone();
                let round = e.rounds.entry(p.round).or_insert_with(|| Round {
                    round: p.round,
                    opened: opened.clone(),
                    list: None,
                    issued: None,
                    counted: None,
                    declared: None,
                });
                round.opened = opened;
            }
            Payload::NominationMade(p) => {
                let r = rec(act, p);
                self.election(&p.election)
                    .nominations
                    .insert(p.person.clone(), r);
            }
            Payload::StrawPollCounted(p) => {
                self.election(&p.election).straw_poll = Some(rec(act, p))
            }
            Payload::WithdrawalDecided(p) => {
                let r = rec(act, p);
                self.election(&p.election)
                    .withdrawals
                    .insert(p.person.clone(), r);
            }
            Payload::CandidateListAdopted(p) => {
                let r = rec(act, p);
                if let Some(round) = self.round(&p.election, p.round) {
                    round.list = Some(r);
                }
            }
            Payload::BallotsIssued(p) => {
                let r = rec(act, p);
                if let Some(round) = self.round(&p.election, p.round) {
                    round.issued = Some(r);
                }
            }
            Payload::BallotsCounted(p) => {
                let r = rec(act, p);
                if let Some(round) = self.round(&p.election, p.round) {
                    round.counted = Some(r);
                }
            }
            Payload::ElectionDeclared(p) => {
                let r = rec(act, p);
                if let Some(round) = self.round(&p.election, p.round) {
                    round.declared = Some(r);
                }
            }
            Payload::CongressClosed(p) => {
                self.closed = Some(rec(act, p));
                if self.state != State::Approved {
                    self.state = State::Closed;
                }
            }
            Payload::ResultsApproved(p) => {
                self.approvals.retain(|a| a.event != act.event);
                self.approvals.push(rec(act, p));
                self.state = State::Approved;
            }
            Payload::AppointmentMade(p) => {
                self.appointments.retain(|a| a.event != act.event);
                self.appointments.push(rec(act, p));
            }
            Payload::DocumentAttached(p) => self.documents.push(rec(act, p)),
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
