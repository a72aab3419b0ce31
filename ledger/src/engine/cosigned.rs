//! Witness cosignatures kept beside the checkpoints they vouch for, and served with them.
//!
//! The ledger accepts a cosignature only from a witness it was told to accept, only on a
//! checkpoint it signed itself (same size, same root), and only if it verifies: what it
//! serves with a checkpoint is then exactly what those witnesses said about that tree.

use crate::format::checkpoint::{NoteError, NoteSignature};
use crate::format::{cosignature, Hash, SignedNote, WitnessKey};
use crate::storage::StorageError;

use super::Ledger;

#[derive(Debug, thiserror::Error)]
pub enum CosignError {
    #[error("the cosigned checkpoint cannot be read: {0}")]
    Note(#[from] NoteError),
    #[error("this ledger signed no checkpoint of size {0}; cosign one it served")]
    NoCheckpoint(u64),
    #[error("the note is not this ledger's checkpoint of size {size}: its root is {offered}, this ledger's is {ours}")]
    Mismatch {
        size: u64,
        ours: Hash,
        offered: Hash,
    },
    #[error("none of the signatures is from a witness this ledger accepts (found: {found}); start the server with --witness for each witness key")]
    Untrusted { found: String },
    #[error(
        "the cosignature of `{witness}` does not verify on this ledger's checkpoint of size {size}"
    )]
    Invalid { witness: String, size: u64 },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl Ledger {
    /// Keeps the cosignatures that `trusted` witnesses put on a note carrying one of this
    /// ledger's checkpoints. Returns the names of the witnesses newly recorded (one already
    /// held for that checkpoint is not recorded twice).
    pub fn add_cosignatures(
        &self,
        note_text: &str,
        trusted: &[WitnessKey],
    ) -> Result<Vec<String>, CosignError> {
        let offered = SignedNote::parse(note_text)?;
        let size = offered.checkpoint.size;
        let ours = self
            .checkpoint_at(size)?
            .ok_or(CosignError::NoCheckpoint(size))?;
        if ours.checkpoint != offered.checkpoint {
            return Err(CosignError::Mismatch {
                size,
                ours: ours.checkpoint.root,
                offered: offered.checkpoint.root,
            });
        }
        self.add_cosignature_lines(&ours, offered.signatures, trusted)
    }

    /// Keeps those of `lines` that are valid cosignatures by `trusted` witnesses on `ours`,
    /// a checkpoint this ledger signed. Lines by other witnesses are ignored, unless nothing
    /// else is new: then they are refused, so that their witness learns it is not accepted.
    pub fn add_cosignature_lines(
        &self,
        ours: &SignedNote,
        lines: Vec<NoteSignature>,
        trusted: &[WitnessKey],
    ) -> Result<Vec<String>, CosignError> {
        let size = ours.checkpoint.size;
        let log = self.log_key();
        let log_keys = self.log_keys();
        let mut accepted = Vec::new();
        let mut foreign = Vec::new();
        let log_pq = self.log_pq_key();
        for line in lines {
            // The log's own lines (its signatures by its keys, its post-quantum cosignature)
            // are in the note.
            if log_keys.is_own_line(&line)
                || (line.name == log.name && log_pq.is_some_and(|k| k.id == line.id))
            {
                continue;
            }
            let Some(witness) = trusted
                .iter()
                .find(|w| w.name == line.name && w.id == line.id)
            else {
                foreign.push(line.name);
                continue;
            };
            let alone = SignedNote {
                checkpoint: ours.checkpoint.clone(),
                signatures: vec![line.clone()],
            };
            if cosignature::verify(&alone, witness).is_err() {
                return Err(CosignError::Invalid {
                    witness: witness.encode(),
                    size,
                });
            }
            accepted.push(line);
        }
        if accepted.is_empty() {
            return Err(CosignError::Untrusted {
                found: if foreign.is_empty() {
                    "only the log's own signature".into()
                } else {
                    foreign.join(", ")
                },
            });
        }
        let mut store = self.shared.cosignatures.lock();
        let mut added = Vec::new();
        for line in accepted {
            let name = line.name.clone();
            if store.add(size, line)? {
                added.push(name);
            }
        }
        // Handing back a note that carries only cosignatures already held plus one by an
        // unknown witness is a refusal of that witness, not a success.
        if added.is_empty() && !foreign.is_empty() {
            return Err(CosignError::Untrusted {
                found: foreign.join(", "),
            });
        }
        Ok(added)
    }

    /// `note` with the cosignatures held for its checkpoint added after its own signatures.
    pub fn with_cosignatures(&self, mut note: SignedNote) -> SignedNote {
        let store = self.shared.cosignatures.lock();
        for sig in store.at(note.checkpoint.size) {
            if !note.signatures.contains(sig) {
                note.signatures.push(sig.clone());
            }
        }
        note
    }

    /// The latest checkpoint that any witness cosigned, with its cosignatures.
    pub fn latest_cosigned(&self) -> Result<Option<SignedNote>, StorageError> {
        let size = self.shared.cosignatures.lock().sizes().next_back();
        match size {
            Some(size) => Ok(self.checkpoint_at(size)?.map(|n| self.with_cosignatures(n))),
            None => Ok(None),
        }
    }

    /// The stored notes of the checkpoints of these sizes, in the same order, each with its
    /// cosignatures.
    pub fn checkpoints_cosigned(&self, sizes: &[u64]) -> Result<Vec<SignedNote>, StorageError> {
        let mut notes = Vec::with_capacity(sizes.len());
        for &size in sizes {
            let note = self.checkpoint_at(size)?.ok_or_else(|| {
                StorageError::Lost(format!("the checkpoint of size {size} went missing"))
            })?;
            notes.push(self.with_cosignatures(note));
        }
        Ok(notes)
    }
}
