//! The log as C2SP tlog-tiles (<https://c2sp.org/tlog-tiles>): static files that any web
//! server, bucket or cache can serve, so that reading the log needs no ledger server.
//!
//! ```text
//! checkpoint                     the latest signed checkpoint (written last)
//! tile/<L>/<N>[.p/<W>]           hash tiles: 256 hashes of level 8·L nodes, or W of them
//! tile/entries/<N>[.p/<W>]       entry bundles: entries 256·N.., each as u16 BE length + bytes
//! blobs/sha256/<hex>             attached documents that are not confidential
//! ```
//!
//! `<N>` is written in groups of three digits, all but the last prefixed with `x`
//! (`1234067` → `x001/x234/067`). Every path but `checkpoint` names bytes that never change:
//! a full tile is written once, and a partial tile of width W is the same for every tree that
//! has it. An entry is the bytes the Merkle leaf hashes (the event and 24 bytes of position
//! and `received`), so a bundle's 16-bit lengths limit an entry to 65,535 bytes.
//!
//! `publish` writes them from a ledger ([`publish::publish`]); [`read::TileLog`] reads a
//! published log back, trusting nothing but the pinned log key.

pub mod publish;
pub mod read;
pub mod store;

use crate::format::encoding::MAX_APPEND_EVENT_BYTES;

pub use store::{DirStore, TileStore};

/// Tree levels per tile: a tile holds 2^8 hashes.
pub const HEIGHT: u32 = 8;
/// Hashes (or entries) in a full tile (or bundle).
pub const WIDTH: u64 = 1 << HEIGHT;
/// The largest entry a bundle can frame.
pub const MAX_ENTRY: usize = u16::MAX as usize;
/// The checkpoint's path.
pub const CHECKPOINT: &str = "checkpoint";

/// Once the log key was rotated: the first checkpoint each log key signed, as a JSON array of
/// signed notes (`{"checkpoints": [...]}`), beside the checkpoint, so that a reader pinning
/// any of the keys finds its anchor (docs/FORMAT.md §4). Not a C2SP object.
pub const LOG_KEYS: &str = "log-keys.json";

const _: () = assert!(MAX_APPEND_EVENT_BYTES + 24 == MAX_ENTRY);

/// `<N>` as path elements: groups of three digits, all but the last prefixed with `x`.
fn index_path(n: u64) -> String {
    let mut out = format!("{:03}", n % 1000);
    let mut rest = n / 1000;
    while rest > 0 {
        out = format!("x{:03}/{out}", rest % 1000);
        rest /= 1000;
    }
    out
}

fn with_width(base: String, width: u64) -> String {
    if width == WIDTH {
        base
    } else {
        format!("{base}.p/{width}")
    }
}

/// The path of hash tile `index` at tile level `level`, `width` hashes wide.
pub fn tile_path(level: u32, index: u64, width: u64) -> String {
    with_width(format!("tile/{level}/{}", index_path(index)), width)
}

/// The path of entry bundle `index`, holding `width` entries.
pub fn bundle_path(index: u64, width: u64) -> String {
    with_width(format!("tile/entries/{}", index_path(index)), width)
}

/// The path of a published document.
pub fn blob_path(sha256_hex: &str) -> String {
    format!("blobs/sha256/{sha256_hex}")
}

/// What a tiles path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    Checkpoint,
    Tile(Tile),
    /// Entry bundle (index, width).
    Bundle(u64, u64),
}

/// Parses a path of the layout (the inverse of [`tile_path`], [`bundle_path`]); None for
/// anything else, including non-canonical spellings of a path.
pub fn parse_path(path: &str) -> Option<Object> {
    if path == CHECKPOINT {
        return Some(Object::Checkpoint);
    }
    let rest = path.strip_prefix("tile/")?;
    let (head, rest) = rest.split_once('/')?;
    let (digits, width) = match rest.split_once(".p/") {
        Some((d, w)) => {
            let w: u64 = w.parse().ok().filter(|w| (1..WIDTH).contains(w))?;
            (d, w)
        }
        None => (rest, WIDTH),
    };
    let mut index = 0u64;
    let parts: Vec<&str> = digits.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        let part = if i + 1 < parts.len() {
            part.strip_prefix('x')?
        } else {
            part
        };
        if part.len() != 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        index = index.checked_mul(1000)?.checked_add(part.parse().ok()?)?;
    }
    let object = if head == "entries" {
        Object::Bundle(index, width)
    } else {
        let level: u32 = head.parse().ok().filter(|l| *l < 8)?;
        Object::Tile(Tile {
            level,
            index,
            width,
        })
    };
    let canonical = match object {
        Object::Bundle(i, w) => bundle_path(i, w),
        Object::Tile(t) => t.path(),
        Object::Checkpoint => CHECKPOINT.to_string(),
    };
    (canonical == path).then_some(object)
}

/// Whether a tree of `size` leaves has this tile or bundle (at exactly this width, or full).
pub fn exists_at(object: Object, size: u64) -> bool {
    let (level, index, width) = match object {
        Object::Checkpoint => return true,
        Object::Tile(t) => (t.level, t.index, t.width),
        Object::Bundle(i, w) => (0, i, w),
    };
    let nodes = nodes_at(level, size);
    // A partial tile stays readable after the tree outgrows it (it is the same bytes).
    nodes >= index * WIDTH + width
}

/// One hash tile: its level, index and width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tile {
    pub level: u32,
    pub index: u64,
    pub width: u64,
}

impl Tile {
    pub fn path(&self) -> String {
        tile_path(self.level, self.index, self.width)
    }

    /// The tile of a tree of `size` leaves holding node `node` of tile level `level`.
    pub fn holding(level: u32, node: u64, size: u64) -> Tile {
        let nodes = nodes_at(level, size);
        let index = node / WIDTH;
        Tile {
            level,
            index,
            width: (nodes - index * WIDTH).min(WIDTH),
        }
    }
}

/// Complete nodes at tile level `level` (tree level 8·level) in a tree of `size` leaves.
pub fn nodes_at(level: u32, size: u64) -> u64 {
    size.checked_shr(HEIGHT * level).unwrap_or(0)
}

/// The hash tiles a tree of `new` leaves has that one of `old` leaves does not (every tile of
/// the new tree whose content differs), by level then index.
pub fn new_tiles(old: u64, new: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    let mut level = 0;
    while nodes_at(level, new) > 0 {
        let (old_n, new_n) = (nodes_at(level, old), nodes_at(level, new));
        if old_n != new_n {
            for index in old_n / WIDTH..new_n / WIDTH {
                tiles.push(Tile {
                    level,
                    index,
                    width: WIDTH,
                });
            }
            let width = new_n % WIDTH;
            if width > 0 {
                tiles.push(Tile {
                    level,
                    index: new_n / WIDTH,
                    width,
                });
            }
        }
        level += 1;
    }
    tiles
}

/// Every hash tile of a tree of `size` leaves.
pub fn all_tiles(size: u64) -> Vec<Tile> {
    new_tiles(0, size)
}

/// The entry bundles a log of `new` entries has that one of `old` entries does not:
/// (index, width).
pub fn new_bundles(old: u64, new: u64) -> Vec<(u64, u64)> {
    if new <= old {
        return Vec::new();
    }
    (old / WIDTH..new.div_ceil(WIDTH))
        .map(|index| (index, (new - index * WIDTH).min(WIDTH)))
        .collect()
}

/// Frames entries into a bundle: each as a big-endian u16 length and its bytes.
pub fn encode_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        debug_assert!(e.len() <= MAX_ENTRY);
        out.extend_from_slice(&(e.len() as u16).to_be_bytes());
        out.extend_from_slice(e);
    }
    out
}

/// Splits a bundle into exactly `width` entries, or says what is wrong with it.
pub fn decode_bundle(bytes: &[u8], width: u64) -> Result<Vec<&[u8]>, String> {
    let mut out = Vec::with_capacity(width as usize);
    let mut at = 0usize;
    while at < bytes.len() {
        if bytes.len() - at < 2 {
            return Err(format!("a length is cut short at byte {at}"));
        }
        let len = u16::from_be_bytes([bytes[at], bytes[at + 1]]) as usize;
        let start = at + 2;
        if bytes.len() - start < len {
            return Err(format!(
                "entry {} declares {len} bytes at byte {at}, past the bundle's end",
                out.len()
            ));
        }
        out.push(&bytes[start..start + len]);
        at = start + len;
    }
    if out.len() as u64 != width {
        return Err(format!(
            "the bundle holds {} entries, but its path says {width}",
            out.len()
        ));
    }
    Ok(out)
}

/// Why tiles could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error("cannot write or read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{path} is missing from the published tiles")]
    Missing { path: String },
    #[error("{path} is not valid: {reason}")]
    Bad { path: String, reason: String },
    #[error(
        "entry {position} is {bytes} bytes, over tlog-tiles' limit of {MAX_ENTRY}: this ledger \
         cannot be published (documents belong in attachments)"
    )]
    TooLarge { position: u64, bytes: usize },
    #[error("the destination already holds another checkpoint: {0}")]
    Conflict(String),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
}

impl TileError {
    pub fn io(path: &str, e: impl std::fmt::Display) -> TileError {
        TileError::Io {
            path: path.to_string(),
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_c2sp() {
        assert_eq!(tile_path(0, 1234067, 256), "tile/0/x001/x234/067");
        assert_eq!(tile_path(1, 5, 17), "tile/1/005.p/17");
        assert_eq!(bundle_path(0, 3), "tile/entries/000.p/3");
        assert_eq!(bundle_path(1000, 256), "tile/entries/x001/000");
        for path in [
            "tile/0/x001/x234/067",
            "tile/1/005.p/17",
            "tile/entries/000.p/3",
        ] {
            let object = parse_path(path).unwrap();
            let back = match object {
                Object::Tile(t) => t.path(),
                Object::Bundle(i, w) => bundle_path(i, w),
                Object::Checkpoint => CHECKPOINT.into(),
            };
            assert_eq!(back, path);
        }
        for bad in [
            "tile/0/1",
            "tile/0/x000",
            "tile/0/000.p/256",
            "tile/0/000.p/0",
            "tile/9/000",
            "tile/0/000/",
        ] {
            assert_eq!(parse_path(bad), None, "{bad}");
        }
        assert!(exists_at(parse_path("tile/entries/001.p/4").unwrap(), 300));
        assert!(!exists_at(parse_path("tile/entries/001").unwrap(), 300));
    }

    #[test]
    fn new_tiles_cover_growth() {
        assert!(new_tiles(0, 0).is_empty());
        assert_eq!(
            new_tiles(0, 1000),
            vec![
                Tile {
                    level: 0,
                    index: 0,
                    width: 256
                },
                Tile {
                    level: 0,
                    index: 1,
                    width: 256
                },
                Tile {
                    level: 0,
                    index: 2,
                    width: 256
                },
                Tile {
                    level: 0,
                    index: 3,
                    width: 232
                },
                Tile {
                    level: 1,
                    index: 0,
                    width: 3
                },
            ]
        );
        // From 1000 to 1030: the level-0 tile 3 fills to 256 and tile 4 starts; level 1 grows.
        assert_eq!(
            new_tiles(1000, 1030),
            vec![
                Tile {
                    level: 0,
                    index: 3,
                    width: 256
                },
                Tile {
                    level: 0,
                    index: 4,
                    width: 6
                },
                Tile {
                    level: 1,
                    index: 0,
                    width: 4
                },
            ]
        );
        assert_eq!(new_bundles(1000, 1030), vec![(3, 256), (4, 6)]);
        assert_eq!(new_bundles(1024, 1024), vec![]);
    }

    #[test]
    fn bundles_round_trip_and_refuse_damage() {
        let entries: Vec<&[u8]> = vec![b"a", b"", b"ccc"];
        let b = encode_bundle(entries.iter().copied());
        assert_eq!(decode_bundle(&b, 3).unwrap(), entries);
        assert!(decode_bundle(&b, 2).is_err());
        assert!(decode_bundle(&b[..b.len() - 1], 3).is_err());
    }
}
