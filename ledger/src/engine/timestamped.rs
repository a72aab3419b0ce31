//! RFC 3161 tokens kept beside the checkpoints they timestamp (`timestamps.log`), and served
//! with them. The ledger keeps a token only if it is a granted answer over that checkpoint's
//! exact bytes (the imprint checked); whether its TSA is trusted is each verifier's call, with
//! the CA certificates it trusts.

use crate::format::SignedNote;
use crate::storage::timestamps::StoredToken;
use crate::storage::StorageError;
use crate::timestamp::{self, HashAlg, LongTermError, Stamper};

use super::Ledger;

fn stored(e: StorageError) -> LongTermError {
    LongTermError::new(
        "timestamps.log",
        format!("không lưu được dấu thời gian: {e}"),
        format!("the token could not be stored: {e}"),
    )
}

impl Ledger {
    /// The exact bytes a timestamp on `note` covers (see [`timestamp::checkpoint_bytes`]).
    pub fn timestamped_bytes(&self, note: &SignedNote) -> Vec<u8> {
        let keys: Vec<crate::format::VerifierKey> = self
            .log_keys()
            .all()
            .iter()
            .map(|k| k.key.clone())
            .collect();
        timestamp::checkpoint_bytes(note, &keys)
    }

    /// Asks `tsa` for a token on `note` (one of this ledger's checkpoints) and keeps it.
    /// Returns false when that TSA already has a token on it (nothing is asked).
    pub fn timestamp(&self, note: &SignedNote, tsa: &dyn Stamper) -> Result<bool, LongTermError> {
        let size = note.checkpoint.size;
        let url = tsa.name();
        if self.shared.timestamps.lock().has(size, &url) {
            return Ok(false);
        }
        let digest = HashAlg::Sha256.digest(&self.timestamped_bytes(note));
        let response = timestamp::obtain(tsa, HashAlg::Sha256, &digest)?;
        self.shared
            .timestamps
            .lock()
            .add(size, StoredToken { tsa: url, response })
            .map_err(stored)
    }

    /// The tokens held on the checkpoint of `size`, in the order they came.
    pub fn timestamps_at(&self, size: u64) -> Vec<StoredToken> {
        self.shared.timestamps.lock().at(size).to_vec()
    }

    /// The sizes of the checkpoints that hold at least one token, ascending.
    pub fn timestamped_sizes(&self) -> Vec<u64> {
        self.shared.timestamps.lock().sizes().collect()
    }
}
