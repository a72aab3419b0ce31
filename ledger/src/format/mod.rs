//! The ledger format, version 1, one module per section of `docs/FORMAT.md`
//! (which restates `spec/ledger-format.md` in the project's words).
//!
//! Everything here is pure: bytes in, values or typed errors out. Nothing touches the disk.

pub mod checkpoint;
pub mod cosignature;
pub mod encoding;
pub mod entry;
pub mod event;
pub mod hash;
pub mod json;
pub mod merkle;

pub use checkpoint::{Checkpoint, SignedNote, VerifierKey};
pub use cosignature::WitnessKey;
pub use encoding::FormatError;
pub use entry::Entry;
pub use event::{EventBody, SignedEvent, EVENT_DOMAIN, FORMAT_VERSION};
pub use hash::Hash;
