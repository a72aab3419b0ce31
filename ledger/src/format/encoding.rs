//! §1 Primitive encoding: bincode 2 with fixed-width little-endian integers.
//!
//! `u16`/`u64`/`i64` are fixed width, `[u8; 32]` is raw, `bytes` and `str` carry a `u64`
//! length. The limit below is what makes a hostile 2 GiB length prefix an error instead of an
//! allocation: bincode checks every claimed length against it before reserving memory.

use bincode::config::{Configuration, Fixint, Limit, LittleEndian};
use bincode::error::DecodeError;

/// The largest signed event the ledger stores (body and signature). Attached documents live in
/// the blob store, so payloads are small; 1 MiB leaves room for long minutes and lists.
pub const MAX_EVENT_BYTES: usize = 1 << 20;
/// The largest entry: the event plus position, received time and the event's length prefix.
pub const MAX_ENTRY_BYTES: usize = MAX_EVENT_BYTES + 24;
/// The largest event a ledger appends now: its entry (the event and 24 bytes) must fit a
/// tlog-tiles bundle's 16-bit length (`tiles/`). Logs written under the 1 MiB limit above
/// still decode and verify; only `publish` refuses them, naming the entry.
pub const MAX_APPEND_EVENT_BYTES: usize = 65_511;
/// Limits on the body's text fields, so that a name cannot be the bulk of an event.
pub const MAX_ORIGIN_BYTES: usize = 256;
pub const MAX_STREAM_BYTES: usize = 256;
pub const MAX_KIND_BYTES: usize = 64;

pub(crate) type WireConfig = Configuration<LittleEndian, Fixint, Limit<MAX_ENTRY_BYTES>>;

pub(crate) const WIRE: WireConfig = bincode::config::standard()
    .with_little_endian()
    .with_fixed_int_encoding()
    .with_limit::<MAX_ENTRY_BYTES>();

/// Everything that can be wrong with bytes that claim to be in the ledger format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("truncated: {what} ends before its declared length")]
    Truncated { what: &'static str },
    #[error("{what} has {extra} trailing bytes after its last field")]
    TrailingBytes { what: &'static str, extra: usize },
    #[error("{what} is {len} bytes, over the limit of {limit}")]
    TooLarge {
        what: &'static str,
        len: usize,
        limit: usize,
    },
    #[error("unknown format version {found} (this software reads version {expected})")]
    UnknownFormat { found: u16, expected: u16 },
    #[error("field `{field}` is not valid UTF-8")]
    InvalidUtf8 { field: &'static str },
    #[error("field `{field}` is not NFC-normalized Unicode")]
    NotNfc { field: &'static str },
    #[error("field `{field}` is empty or contains a control character")]
    BadText { field: &'static str },
    #[error("payload is not a JSON object: {reason}")]
    PayloadNotObject { reason: String },
    #[error("{what} is malformed: {reason}")]
    Malformed { what: &'static str, reason: String },
}

impl FormatError {
    pub(crate) fn from_decode(what: &'static str, err: DecodeError) -> Self {
        match err {
            DecodeError::UnexpectedEnd { .. } => FormatError::Truncated { what },
            DecodeError::LimitExceeded => FormatError::TooLarge {
                what,
                len: usize::MAX,
                limit: MAX_ENTRY_BYTES,
            },
            DecodeError::Utf8 { .. } => FormatError::InvalidUtf8 { field: what },
            other => FormatError::Malformed {
                what,
                reason: other.to_string(),
            },
        }
    }
}

/// Decodes exactly one value that must fill `bytes`; trailing bytes are an error.
pub(crate) fn decode_exact<T: bincode::Decode<()>>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, FormatError> {
    let (value, used) = decode_prefix(what, bytes)?;
    if used != bytes.len() {
        return Err(FormatError::TrailingBytes {
            what,
            extra: bytes.len() - used,
        });
    }
    Ok(value)
}

/// Decodes one value from the front of `bytes`, returning it and how many bytes it used.
pub(crate) fn decode_prefix<T: bincode::Decode<()>>(
    what: &'static str,
    bytes: &[u8],
) -> Result<(T, usize), FormatError> {
    bincode::decode_from_slice(bytes, WIRE).map_err(|e| FormatError::from_decode(what, e))
}

pub(crate) fn encode<T: bincode::Encode>(value: &T) -> Vec<u8> {
    // Encoding into a Vec cannot fail for our plain structs: no I/O, no custom encoders, and
    // the sizes are checked by the constructors before a value can exist.
    match bincode::encode_to_vec(value, WIRE) {
        Ok(bytes) => bytes,
        Err(e) => unreachable!("encoding a checked value failed: {e}"),
    }
}

/// A `str` field must be non-empty, NFC, free of control characters and within its limit.
pub(crate) fn check_text(field: &'static str, s: &str, limit: usize) -> Result<(), FormatError> {
    if s.len() > limit {
        return Err(FormatError::TooLarge {
            what: field,
            len: s.len(),
            limit,
        });
    }
    if s.is_empty() || s.chars().any(char::is_control) {
        return Err(FormatError::BadText { field });
    }
    if !unicode_normalization::is_nfc(s) {
        return Err(FormatError::NotNfc { field });
    }
    Ok(())
}
