//! Congress Ledger: the library. It knows the ledger format, how to store and prove a log, who
//! may sign what, and how to verify all of it. It knows nothing of HTTP or terminals; the API
//! server and the CLI are thin front ends over it.
//!
//! Map (see ARCHITECTURE.md): [`format`] is the byte-level contract (spec §1–3), [`crypto`]
//! the signature checks, [`catalogue`] and [`authority`] spec §4, [`storage`] the files and
//! the index, [`engine`] the live ledger, [`verify`] the verifiers, [`keys`] key files.

pub mod access;
pub mod act_proof;
pub mod archive;
pub mod authority;
pub mod calendar;
pub mod cases;
pub mod catalogue;
pub mod compose;
pub mod confidential;
pub mod crypto;
pub mod domain;
pub mod engine;
pub mod evidence;
pub mod format;
pub mod keys;
pub mod localized;
pub mod messages;
pub mod monitor;
pub mod pq;
pub mod projections;
pub mod rulebook;
pub mod rules;
pub mod scenarios;
pub mod storage;
pub mod tiles;
pub mod timestamp;
pub mod verify;
pub mod witness;

pub use engine::{
    AppendError, Appended, CosignError, Deferred, Ledger, OpenError, Options, Submitted, Ticket,
};
pub use format::{Entry, EventBody, Hash, SignedEvent, SignedNote, VerifierKey};
