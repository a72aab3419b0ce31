//! Pushing checkpoints to witnesses that run the C2SP `tlog-witness` service: for each new
//! checkpoint, `POST <witness>/add-checkpoint` with a consistency proof from the size the
//! witness holds, and keep the cosignature it answers with. A `409` tells the size it holds
//! (after a restart, or a first contact), and the push is retried from there at once.

use std::sync::Arc;
use std::time::Duration;

use ledger::witness::AddCheckpoint;
use ledger::SignedNote;

use crate::AppState;

/// How often a pusher looks for a new checkpoint, and waits after a failure.
const POLL: Duration = Duration::from_millis(500);
const BACKOFF: Duration = Duration::from_secs(5);

/// Starts one thread per witness URL, for as long as the process runs.
pub fn start(state: Arc<AppState>, urls: Vec<String>) {
    for url in urls {
        let state = state.clone();
        let url = url.trim_end_matches('/').to_string();
        let spawned = std::thread::Builder::new()
            .name("witness-push".into())
            .spawn(move || Pusher::new(state, url).run());
        if let Err(e) = spawned {
            tracing::error!(error = %e, "could not start a witness pusher");
        }
    }
}

struct Pusher {
    state: Arc<AppState>,
    url: String,
    agent: ureq::Agent,
    /// The size the witness holds, as far as this pusher knows (0 until it says otherwise).
    held: u64,
    /// The size last cosigned through this pusher.
    pushed: Option<u64>,
}

enum Answer {
    Cosigned(Vec<String>),
    Holds(u64),
}

impl Pusher {
    fn new(state: Arc<AppState>, url: String) -> Pusher {
        Pusher {
            state,
            url,
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(10))
                .build(),
            held: 0,
            pushed: None,
        }
    }

    fn run(mut self) {
        loop {
            let wait = match self.state.ledger.checkpoint() {
                Some(note) if self.pushed != Some(note.checkpoint.size) => match self.push(&note) {
                    Ok(()) => POLL,
                    Err(e) => {
                        tracing::warn!(witness = %self.url, error = %e, "checkpoint not cosigned");
                        BACKOFF
                    }
                },
                _ => POLL,
            };
            std::thread::sleep(wait);
        }
    }

    /// Pushes `note`, retrying once from the size the witness says it holds.
    fn push(&mut self, note: &SignedNote) -> Result<(), String> {
        for _ in 0..2 {
            match self.add(note)? {
                Answer::Cosigned(added) => {
                    tracing::info!(witness = %self.url, size = note.checkpoint.size, ?added, "checkpoint cosigned");
                    self.held = note.checkpoint.size;
                    self.pushed = Some(note.checkpoint.size);
                    return Ok(());
                }
                Answer::Holds(size) if size != self.held => self.held = size,
                Answer::Holds(size) => {
                    return Err(format!(
                        "the witness holds size {size} and refuses that too: its tree and this log's differ at that size"
                    ))
                }
            }
        }
        Err("the witness moved on while being pushed to; will retry".into())
    }

    fn add(&self, note: &SignedNote) -> Result<Answer, String> {
        let ledger = &self.state.ledger;
        let size = note.checkpoint.size;
        if self.held > size {
            return Err(format!(
                "the witness holds size {}, more than this log's checkpoint of {size}: it has seen a longer tree of this log",
                self.held
            ));
        }
        let proof = if self.held == 0 {
            Vec::new()
        } else {
            ledger
                .consistency_proof(self.held, size)
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?
        };
        let body = AddCheckpoint {
            old: self.held,
            proof,
            note: note.encode(),
        }
        .encode();
        let url = format!("{}/add-checkpoint", self.url);
        match self.agent.post(&url).send_string(&body) {
            Ok(response) => {
                let text = response.into_string().map_err(|e| e.to_string())?;
                let lines = text
                    .lines()
                    .map(ledger::format::checkpoint::NoteSignature::parse_line)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| {
                        format!("{url} answered with something other than cosignature lines: {e}")
                    })?;
                ledger
                    .add_cosignature_lines(note, lines, &self.state.witnesses)
                    .map(Answer::Cosigned)
                    .map_err(|e| e.to_string())
            }
            Err(ureq::Error::Status(409, response)) => {
                let text = response.into_string().unwrap_or_default();
                text.trim()
                    .parse()
                    .map(Answer::Holds)
                    .map_err(|_| format!("{url}: 409 without a size (`{}`)", text.trim()))
            }
            Err(ureq::Error::Status(code, response)) => Err(format!(
                "{url}: {code}: {}",
                response.into_string().unwrap_or_default().trim()
            )),
            Err(e) => Err(format!("{url}: {e}")),
        }
    }
}
