//! The complaint register: every case (`complaint/<case>`), its state, handler, deadline, and
//! what it concerns.

use serde::{Deserialize, Serialize};

use super::congress::{Act, Recorded};
use crate::domain::payloads::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Received,
    Assigned,
    Dismissed,
    Concluded,
    Reopened,
}

impl CaseState {
    /// Still waiting for a decision.
    pub fn open(self) -> bool {
        matches!(
            self,
            CaseState::Received | CaseState::Assigned | CaseState::Reopened
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            CaseState::Received => "received",
            CaseState::Assigned => "assigned",
            CaseState::Dismissed => "dismissed",
            CaseState::Concluded => "concluded",
            CaseState::Reopened => "reopened",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub stream: String,
    pub received: Recorded<ComplaintReceived>,
    pub state: CaseState,
    pub assigned: Option<Recorded<ComplaintAssigned>>,
    pub dismissed: Option<Recorded<ComplaintDismissed>>,
    pub concluded: Option<Recorded<ComplaintConcluded>>,
    pub notified: Vec<Recorded<ComplaintNotified>>,
    pub reopened: Vec<Recorded<ComplaintReopened>>,
    /// The case's key destroyed at the end of its retention period (crypto-shredding).
    #[serde(default)]
    pub shredded: Option<Recorded<ComplaintShredded>>,
}

fn rec_of<T>(event: crate::format::Hash, time: i64, value: T) -> Recorded<T> {
    Recorded { event, time, value }
}

impl Case {
    pub fn new(stream: &str, received: Recorded<ComplaintReceived>) -> Case {
        Case {
            stream: stream.to_string(),
            received,
            state: CaseState::Received,
            assigned: None,
            dismissed: None,
            concluded: None,
            notified: Vec::new(),
            reopened: Vec::new(),
            shredded: None,
        }
    }

    pub fn apply(&mut self, act: Act) {
        let event = act.event;
        match act.payload {
            Payload::ComplaintReceived(p) => self.received = rec_of(event, act.time, p),
            Payload::ComplaintAssigned(p) => {
                self.assigned = Some(rec_of(event, act.time, p));
                if self.state.open() {
                    self.state = CaseState::Assigned;
                }
            }
            Payload::ComplaintDismissed(p) => {
                self.dismissed = Some(rec_of(event, act.time, p));
                self.state = CaseState::Dismissed;
            }
            Payload::ComplaintConcluded(p) => {
                self.concluded = Some(rec_of(event, act.time, p));
                self.state = CaseState::Concluded;
            }
            Payload::ComplaintNotified(p) => {
                self.notified.retain(|n| n.event != event);
                self.notified.push(rec_of(event, act.time, p));
            }
            Payload::ComplaintReopened(p) => {
                self.reopened.retain(|n| n.event != event);
                self.reopened.push(rec_of(event, act.time, p));
                self.state = CaseState::Reopened;
            }
            Payload::ComplaintShredded(p) => self.shredded = Some(rec_of(event, act.time, p)),
            _ => {}
        }
    }

    pub fn handler(&self) -> Option<&str> {
        self.assigned.as_ref().map(|a| a.value.handler.as_str())
    }

    pub fn due(&self) -> Option<&str> {
        self.assigned.as_ref().map(|a| a.value.due.as_str())
    }

    /// Whether the case missed its due date as of `today` (`YYYY-MM-DD`): still open after it,
    /// or decided later than it.
    pub fn overdue(&self, today: &str) -> bool {
        let Some(due) = self.due() else { return false };
        if self.state.open() {
            return today > due;
        }
        match self.decided_on() {
            Some(decided) => decided.as_str() > due,
            None => false,
        }
    }

    /// The date the case was decided (concluded or dismissed), from the act's time (UTC+7).
    pub fn decided_on(&self) -> Option<String> {
        let time = match self.state {
            CaseState::Concluded => self.concluded.as_ref().map(|c| c.time),
            CaseState::Dismissed => self.dismissed.as_ref().map(|d| d.time),
            _ => None,
        }?;
        Some(crate::calendar::date_of(time))
    }
}
