//! §3 Log entries: position, the ledger's received time, and the signed event.

use super::encoding::{decode_exact, encode, FormatError};
use super::event::SignedEvent;
use super::hash::Hash;
use super::merkle;

#[derive(bincode::Encode, bincode::Decode)]
struct EntryWire {
    position: u64,
    received: i64,
    event: Vec<u8>,
}

/// One entry of the log: the unit that the Merkle tree commits to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub position: u64,
    /// When the ledger accepted the event: ms since the Unix epoch, UTC.
    pub received: i64,
    pub event: SignedEvent,
}

/// [`EntryWire`] as written: the event's bytes borrowed, not copied (the same encoding: a
/// byte slice is framed as a `Vec<u8>` is).
#[derive(bincode::Encode)]
struct EntryWireRef<'a> {
    position: u64,
    received: i64,
    event: &'a [u8],
}

impl Entry {
    pub fn encode(&self) -> Vec<u8> {
        encode(&EntryWireRef {
            position: self.position,
            received: self.received,
            event: self.event.bytes(),
        })
    }

    /// Strictly decodes an entry and the event inside it.
    pub fn decode(bytes: &[u8]) -> Result<Entry, FormatError> {
        let entry = Entry::decode_structure(bytes)?;
        entry.event.check_payload()?;
        Ok(entry)
    }

    /// Decodes all but the payload's JSON (see [`SignedEvent::decode_structure`]).
    pub fn decode_structure(bytes: &[u8]) -> Result<Entry, FormatError> {
        let wire: EntryWire = decode_exact("entry", bytes)?;
        let event = SignedEvent::decode_structure(wire.event)?;
        Ok(Entry {
            position: wire.position,
            received: wire.received,
            event,
        })
    }

    /// RFC 9162 leaf hash of an entry's bytes.
    pub fn leaf_hash(entry_bytes: &[u8]) -> Hash {
        merkle::leaf_hash(entry_bytes)
    }
}

/// Splits `entries.bin` (§5: each entry as `bytes`) into entry byte slices. The iterator yields
/// an error once, at the first frame that is cut short, and then stops.
pub fn split_entries_bin(data: &[u8]) -> impl Iterator<Item = Result<&[u8], FormatError>> {
    let mut rest = data;
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || rest.is_empty() {
            return None;
        }
        if rest.len() < 8 {
            failed = true;
            return Some(Err(FormatError::Truncated {
                what: "entries.bin length prefix",
            }));
        }
        let mut len_bytes = [0u8; 8];
        len_bytes.copy_from_slice(&rest[..8]);
        let len = u64::from_le_bytes(len_bytes);
        let limit = super::encoding::MAX_ENTRY_BYTES as u64;
        if len > limit {
            failed = true;
            return Some(Err(FormatError::TooLarge {
                what: "entry",
                len: usize::try_from(len).unwrap_or(usize::MAX),
                limit: limit as usize,
            }));
        }
        let len = len as usize;
        if rest.len() - 8 < len {
            failed = true;
            return Some(Err(FormatError::Truncated { what: "entry" }));
        }
        let entry = &rest[8..8 + len];
        rest = &rest[8 + len..];
        Some(Ok(entry))
    })
}

/// Appends one entry to an `entries.bin` buffer.
pub fn push_entries_bin(out: &mut Vec<u8>, entry_bytes: &[u8]) {
    out.extend_from_slice(&(entry_bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(entry_bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The borrowed wire form writes exactly the bytes of the owned one (§3), for events of
    /// every length class bincode could frame differently.
    #[test]
    fn the_borrowed_entry_encoding_is_the_owned_one() {
        for len in [0usize, 1, 250, 251, 65_535, 65_536, 70_000] {
            let event: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let owned = encode(&EntryWire {
                position: 7 + len as u64,
                received: -3,
                event: event.clone(),
            });
            let borrowed = encode(&EntryWireRef {
                position: 7 + len as u64,
                received: -3,
                event: &event,
            });
            assert_eq!(owned, borrowed, "event of {len} bytes");
        }
    }
}
