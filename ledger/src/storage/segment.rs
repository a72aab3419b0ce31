//! Segment files: the append-only log on disk, the ledger's only source of truth.
//!
//! `log/<first position, 20 digits>.seg`, each starting with a 16-byte header (magic and the
//! position of its first entry) followed by frames, one entry per frame. A segment is closed
//! once it reaches the configured size; only the last one is ever written to.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use super::StorageError;

pub const MAGIC: &[u8; 8] = b"CLSEG\x00\x01\x00";
pub const HEADER_LEN: u64 = 16;
/// Open read handles kept at once; older ones are closed and reopened on demand.
const READ_HANDLES: usize = 64;

pub fn segment_path(dir: &Path, first: u64) -> PathBuf {
    dir.join(format!("{first:020}.seg"))
}

fn header(first: u64) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[..8].copy_from_slice(MAGIC);
    h[8..].copy_from_slice(&first.to_le_bytes());
    h
}

/// The segments in `dir`, ordered by their first position. Names and headers must agree.
pub fn list(dir: &Path) -> Result<Vec<u64>, StorageError> {
    let mut firsts = Vec::new();
    for item in fs::read_dir(dir).map_err(|e| StorageError::io(dir, e))? {
        let item = item.map_err(|e| StorageError::io(dir, e))?;
        let name = item.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(stem) = name.strip_suffix(".seg") else {
            continue;
        };
        let first: u64 = match stem.parse() {
            Ok(n) if stem.len() == 20 => n,
            _ => {
                return Err(StorageError::Corrupt {
                    file: item.path(),
                    offset: 0,
                    position: None,
                    reason: "segment file name is not 20 digits".into(),
                })
            }
        };
        firsts.push(first);
    }
    firsts.sort_unstable();
    for &first in &firsts {
        let path = segment_path(dir, first);
        let file = File::open(&path).map_err(|e| StorageError::io(&path, e))?;
        let mut h = [0u8; 16];
        let len = file
            .metadata()
            .map_err(|e| StorageError::io(&path, e))?
            .len();
        if len < HEADER_LEN || file.read_exact_at(&mut h, 0).is_err() || h != header(first) {
            return Err(StorageError::Corrupt {
                file: path,
                offset: 0,
                position: Some(first),
                reason: "segment header is missing or does not match its name".into(),
            });
        }
    }
    Ok(firsts)
}

/// Creates a new empty segment and makes its directory entry durable.
pub fn create(dir: &Path, first: u64) -> Result<File, StorageError> {
    let path = segment_path(dir, first);
    let mut file = OpenOptions::new()
        .create_new(true)
        .read(true)
        .append(true)
        .open(&path)
        .map_err(|e| StorageError::io(&path, e))?;
    file.write_all(&header(first))
        .map_err(|e| StorageError::io(&path, e))?;
    file.sync_all().map_err(|e| StorageError::io(&path, e))?;
    sync_dir(dir)?;
    Ok(file)
}

pub fn open_append(dir: &Path, first: u64) -> Result<File, StorageError> {
    let path = segment_path(dir, first);
    OpenOptions::new()
        .read(true)
        .append(true)
        .open(&path)
        .map_err(|e| StorageError::io(&path, e))
}

pub fn sync_dir(dir: &Path) -> Result<(), StorageError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StorageError::io(dir, e))
}

/// Positional reads from any segment, with a bounded set of open handles.
pub struct Reader {
    dir: PathBuf,
    handles: Mutex<HashMap<u64, Arc<File>>>,
    /// First positions of the segments, ascending.
    segments: parking_lot::RwLock<Vec<u64>>,
}

impl Reader {
    pub fn new(dir: &Path, segments: Vec<u64>) -> Reader {
        Reader {
            dir: dir.to_path_buf(),
            handles: Mutex::new(HashMap::new()),
            segments: parking_lot::RwLock::new(segments),
        }
    }

    /// Makes a new last segment known to readers.
    pub fn register(&self, first: u64) {
        let mut segments = self.segments.write();
        debug_assert!(segments.last().is_none_or(|&l| l < first));
        segments.push(first);
    }

    /// The segment holding `position`: the last one starting at or before it.
    pub fn segment_of(&self, position: u64) -> u64 {
        let segments = self.segments.read();
        let i = segments.partition_point(|&s| s <= position);
        segments[i.saturating_sub(1)]
    }

    pub fn segments(&self) -> Vec<u64> {
        self.segments.read().clone()
    }

    fn handle(&self, first: u64) -> Result<Arc<File>, StorageError> {
        let mut handles = self.handles.lock();
        if let Some(file) = handles.get(&first) {
            return Ok(file.clone());
        }
        if handles.len() >= READ_HANDLES {
            handles.clear();
        }
        let path = segment_path(&self.dir, first);
        let file = Arc::new(File::open(&path).map_err(|e| StorageError::io(&path, e))?);
        handles.insert(first, file.clone());
        Ok(file)
    }

    /// Reads `len` payload bytes of the frame at `offset`, checking its checksum.
    pub fn read_frame(&self, first: u64, offset: u64, len: u32) -> Result<Vec<u8>, StorageError> {
        let file = self.handle(first)?;
        let mut buf = vec![0u8; super::frame::HEADER_LEN + len as usize];
        let path = || segment_path(&self.dir, first);
        file.read_exact_at(&mut buf, offset)
            .map_err(|e| StorageError::io(&path(), e))?;
        match super::frame::read(&buf, 0, len as usize) {
            super::frame::Found::Frame { start, end } if end - start == len as usize => {
                buf.drain(..start);
                Ok(buf)
            }
            _ => Err(StorageError::Corrupt {
                file: path(),
                offset,
                position: None,
                reason: "stored frame fails its checksum".into(),
            }),
        }
    }

    pub fn read_all(&self, first: u64) -> Result<Vec<u8>, StorageError> {
        let path = segment_path(&self.dir, first);
        fs::read(&path).map_err(|e| StorageError::io(&path, e))
    }

    pub fn forget(&self, first: u64) {
        self.handles.lock().remove(&first);
    }
}
