//! Publishing a ledger as tiles: entry bundles and hash tiles for everything the new
//! checkpoint covers that the destination's checkpoint does not, the documents the new entries
//! attach, and the checkpoint last — so the destination's checkpoint is always backed by tiles
//! that are already there, whenever a publisher stops.

use crate::engine::Ledger;
use crate::format::{merkle, Entry, SignedNote};

use super::{
    blob_path, bundle_path, encode_bundle, new_bundles, new_tiles, tile_path, Tile, TileError,
    TileStore, CHECKPOINT, HEIGHT, LOG_KEYS, MAX_ENTRY, WIDTH,
};

/// What one publication wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Published {
    /// The destination's size before, and the size published.
    pub from: u64,
    pub size: u64,
    pub bundles: usize,
    pub tiles: usize,
    pub blobs: usize,
    /// Bytes written, the checkpoint included.
    pub bytes: u64,
}

/// The checkpoint the destination holds, if any. It must be this log's (signed by its key,
/// for its origin): a publisher never overwrites another log's tiles.
pub fn published(ledger: &Ledger, to: &dyn TileStore) -> Result<Option<SignedNote>, TileError> {
    let Some(bytes) = to.get(CHECKPOINT)? else {
        return Ok(None);
    };
    let conflict = |why: String| TileError::Conflict(format!("{}: {why}", to.describe()));
    let text = String::from_utf8(bytes).map_err(|_| conflict("not text".into()))?;
    let note = SignedNote::parse(&text).map_err(|e| conflict(e.to_string()))?;
    ledger
        .log_keys()
        .check_signed(&note)
        .map_err(|e| conflict(format!("not signed by this ledger's key ({e})")))?;
    if note.checkpoint.origin != ledger.origin() {
        return Err(conflict(format!(
            "a checkpoint of `{}`, not of `{}`",
            note.checkpoint.origin,
            ledger.origin()
        )));
    }
    Ok(Some(note))
}

/// Publishes `ledger` up to `note` (a checkpoint it signed, with whatever cosignatures it
/// carries) into `to`, which holds an earlier publication of it or nothing.
pub fn publish(
    ledger: &Ledger,
    to: &dyn TileStore,
    note: &SignedNote,
) -> Result<Published, TileError> {
    let size = note.checkpoint.size;
    let from = published(ledger, to)?.map_or(0, |n| n.checkpoint.size);
    if from > size {
        return Err(TileError::Conflict(format!(
            "{} holds a checkpoint of {from} entries, more than the {size} being published",
            to.describe()
        )));
    }
    let mut done = Published {
        from,
        size,
        ..Published::default()
    };
    let put = |path: &str, bytes: &[u8], done: &mut Published| {
        done.bytes += bytes.len() as u64;
        to.put(path, bytes)
    };
    let mut documents = Vec::new();
    for (index, width) in new_bundles(from, size) {
        let (bundle, leaves) = bundle(ledger, index, width, &mut |position, entry| {
            if position >= from {
                documents.extend(attached(entry));
            }
        })?;
        put(&bundle_path(index, width), &bundle, &mut done)?;
        put(&tile_path(0, index, width), &leaves, &mut done)?;
        done.bundles += 1;
        done.tiles += 1;
    }
    for tile in new_tiles(from, size).into_iter().filter(|t| t.level > 0) {
        put(&tile.path(), &tile_bytes(ledger, tile)?, &mut done)?;
        done.tiles += 1;
    }
    let blobs = ledger.blobs();
    // A case's confidential attachment is never published, even if a copy was placed among
    // the public blobs: the entries carry only its commitment.
    let confidential = crate::confidential::store::Store::beside(ledger.dir());
    for hex in documents {
        let secret = hex
            .parse::<crate::format::Hash>()
            .is_ok_and(|h| confidential.document_case(&h).is_some());
        if secret {
            continue;
        }
        if let Some(bytes) = blobs.get(&hex)? {
            put(&blob_path(&hex), &bytes, &mut done)?;
            done.blobs += 1;
        }
    }
    // The anchors of a rotated log (rewritten as keys are added), before the checkpoint
    // signed by a later key that needs them.
    if let Some(bytes) = log_keys_object(ledger, size)? {
        if to.get(LOG_KEYS)?.as_deref() != Some(bytes.as_slice()) {
            put(LOG_KEYS, &bytes, &mut done)?;
        }
    }
    // Last: only now is every tile it needs in place.
    if from < size || published(ledger, to)?.as_ref() != Some(note) {
        put(CHECKPOINT, note.encode().as_bytes(), &mut done)?;
    }
    Ok(done)
}

/// Entry bundle `index` of `width` entries and its level-0 tile (the entries' leaf hashes);
/// `each` sees every entry with its position. Refuses an entry too large for a bundle.
pub fn bundle(
    ledger: &Ledger,
    index: u64,
    width: u64,
    each: &mut dyn FnMut(u64, &[u8]),
) -> Result<(Vec<u8>, Vec<u8>), TileError> {
    let lo = index * WIDTH;
    // Positional reads (the index knows each frame): a bundle costs its own bytes, not a pass
    // over the segment that holds it.
    let mut entries: Vec<Vec<u8>> = Vec::with_capacity(width as usize);
    for position in lo..lo + width {
        let bytes = ledger.entry_bytes(position)?.ok_or_else(|| {
            TileError::Storage(crate::storage::StorageError::Lost(format!(
                "entry {position} of bundle {index} is not in the log"
            )))
        })?;
        entries.push(bytes);
    }
    let mut leaves = Vec::with_capacity(entries.len() * 32);
    for (i, e) in entries.iter().enumerate() {
        let position = lo + i as u64;
        if e.len() > MAX_ENTRY {
            return Err(TileError::TooLarge {
                position,
                bytes: e.len(),
            });
        }
        leaves.extend_from_slice(&merkle::leaf_hash(e).0);
        each(position, e);
    }
    Ok((encode_bundle(entries.iter().map(Vec::as_slice)), leaves))
}

/// The bytes of a hash tile: its nodes' hashes, from the ledger's Merkle nodes (level 0 from
/// the entries).
pub fn tile_bytes(ledger: &Ledger, tile: Tile) -> Result<Vec<u8>, TileError> {
    if tile.level == 0 {
        return Ok(bundle(ledger, tile.index, tile.width, &mut |_, _| {})?.1);
    }
    let mut hashes = Vec::with_capacity(tile.width as usize * 32);
    for k in 0..tile.width {
        let node = ledger.tree_node(HEIGHT * tile.level, tile.index * WIDTH + k)?;
        hashes.extend_from_slice(&node.0);
    }
    Ok(hashes)
}

/// The document an entry attaches (`document.attached`), if it is one.
fn attached(entry: &[u8]) -> Option<String> {
    let entry = Entry::decode_structure(entry).ok()?;
    let body = entry.event.body();
    if body.kind != "document.attached" {
        return None;
    }
    let payload: serde_json::Value = serde_json::from_slice(&body.payload).ok()?;
    payload["sha256"].as_str().map(str::to_string)
}

/// [`LOG_KEYS`] for a publication up to `size`: None while the log key was never rotated.
pub fn log_keys_object(ledger: &Ledger, size: u64) -> Result<Option<Vec<u8>>, TileError> {
    if !ledger.log_keys().rotated() {
        return Ok(None);
    }
    let notes: Vec<String> = ledger
        .first_checkpoints_by_key()?
        .into_iter()
        .flatten()
        .filter(|n| n.checkpoint.size <= size)
        .map(|n| n.encode())
        .collect();
    Ok(Some(
        serde_json::to_vec_pretty(&serde_json::json!({ "checkpoints": notes })).unwrap_or_default(),
    ))
}

/// A tiles path served straight from a live ledger (`serve`'s `/tlog/`): the bytes, and
/// whether they may be cached forever (every path but the checkpoint). None when the path is
/// not of the layout or the log does not have it yet.
pub fn serve(ledger: &Ledger, path: &str) -> Result<Option<(Vec<u8>, bool)>, TileError> {
    if path == LOG_KEYS {
        return Ok(log_keys_object(ledger, ledger.size())?.map(|b| (b, false)));
    }
    let Some(object) = super::parse_path(path) else {
        return Ok(None);
    };
    if !super::exists_at(object, ledger.size()) {
        return Ok(None);
    }
    Ok(Some(match object {
        super::Object::Checkpoint => match ledger.checkpoint() {
            Some(note) => (ledger.with_cosignatures(note).encode().into_bytes(), false),
            None => return Ok(None),
        },
        super::Object::Tile(tile) => (tile_bytes(ledger, tile)?, true),
        super::Object::Bundle(index, width) => {
            (bundle(ledger, index, width, &mut |_, _| {})?.0, true)
        }
    }))
}
