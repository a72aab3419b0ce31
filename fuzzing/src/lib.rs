//! Hostile input for the ledger: one target per parser that reads bytes from outside (event
//! decoding, entry framing, segment frames, checkpoint notes, verifier keys, payloads, HTTP
//! request bodies), each with the oracles its output must satisfy.
//!
//! A target returns whether the input was accepted or refused and panics only when an oracle
//! fails, which is how both drivers detect a bug: the bounded fuzz tests in `tests/fuzz.rs`
//! (structure-aware mutations of `seeds`, run by `cargo test`) and the cargo-fuzz targets in
//! `fuzz/` (libFuzzer, for the long runs).

pub mod http;
pub mod mutate;
pub mod seeds;
pub mod targets;

/// What a target made of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Refused,
}

impl Outcome {
    pub fn of<T, E>(result: &Result<T, E>) -> Outcome {
        if result.is_ok() {
            Outcome::Accepted
        } else {
            Outcome::Refused
        }
    }
}
