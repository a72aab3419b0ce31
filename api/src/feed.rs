//! The log followed once for every subscriber: one thread waits for the log to grow (woken by
//! the indexer), reads each new entry once and broadcasts its JSON to the subscriptions, which
//! are async streams holding no thread. The broadcast keeps the last [`CAPACITY`] entries,
//! shared by all; a subscriber that falls further behind than that while following live is
//! dropped, and resumes with `from=`. A subscriber catching up reads the log itself, a batch
//! at a time.

use std::sync::{Arc, Weak};
use std::time::Duration;

use ledger::Ledger;
use tokio::sync::broadcast;

/// Entries the broadcast holds for subscribers that are a little behind.
pub(crate) const CAPACITY: usize = 256;

/// One entry as subscribers receive it.
pub(crate) struct Item {
    pub position: u64,
    pub json: Arc<str>,
}

pub(crate) struct Feed {
    tx: broadcast::Sender<Arc<Item>>,
}

impl Feed {
    /// Starts following `ledger` from its current size.
    pub(crate) fn start(ledger: &Arc<Ledger>) -> Feed {
        let (tx, _) = broadcast::channel(CAPACITY);
        let sender = tx.clone();
        let weak: Weak<Ledger> = Arc::downgrade(ledger);
        let from = ledger.size();
        let spawned = std::thread::Builder::new()
            .name("api-feed".into())
            .spawn(move || follow(weak, from, sender));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the subscription feed");
        }
        Feed { tx }
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<Item>> {
        self.tx.subscribe()
    }
}

fn follow(ledger: Weak<Ledger>, mut next: u64, tx: broadcast::Sender<Arc<Item>>) {
    loop {
        // Holding the ledger only while waiting a moment lets it close when the server stops.
        let Some(ledger) = ledger.upgrade() else {
            return;
        };
        let size = ledger.wait_for_growth(next, Duration::from_millis(500));
        if tx.receiver_count() == 0 {
            // Nobody follows: nothing is read or encoded (issue 18: the feed cost about 8% of
            // the server's CPU under load with no subscriber). A subscriber that comes later
            // reads what it missed from the log, as one that is behind does.
            next = next.max(size);
            continue;
        }
        while next < size {
            match ledger.entry(next) {
                Ok(Some(entry)) => {
                    let json = crate::events::event_json(&entry);
                    // No receiver is not an error: nobody is subscribed right now.
                    let _ = tx.send(Arc::new(Item {
                        position: next,
                        json: json.into(),
                    }));
                    next += 1;
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %e, position = next, "the subscription feed cannot read the log");
                    std::thread::sleep(Duration::from_millis(500));
                    break;
                }
            }
        }
    }
}
