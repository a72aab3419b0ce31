//! Where tiles are written and read: a directory here; a bucket (S3-compatible, through
//! `object_store`) or a web server in the front ends. Paths are relative, `/`-separated.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::TileError;

/// A place holding published tiles. `put` replaces the object whole or not at all, so a
/// reader never sees half of one.
pub trait TileStore: Send + Sync {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), TileError>;
    /// The object at `path`, or None if there is none.
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, TileError>;
    /// What to call the store in messages (its directory or URL).
    fn describe(&self) -> String;
}

/// Tiles as files under a directory, each written to a temporary name, synced and renamed.
pub struct DirStore {
    root: PathBuf,
    /// Whether each object is fsynced (a publication) or not (a reader's cache, which can
    /// always be fetched again, and whose every read is checked anyway).
    durable: bool,
}

impl DirStore {
    pub fn new(root: &Path) -> DirStore {
        DirStore {
            root: root.to_path_buf(),
            durable: true,
        }
    }

    /// A reader's local cache: written whole (temporary name, then renamed), not fsynced.
    pub fn cache(root: &Path) -> DirStore {
        DirStore {
            root: root.to_path_buf(),
            durable: false,
        }
    }

    /// The file of `path`, refusing paths that would leave the directory.
    fn file(&self, path: &str) -> Result<PathBuf, TileError> {
        if path.is_empty()
            || path.starts_with('/')
            || path
                .split('/')
                .any(|p| p.is_empty() || p == "." || p == "..")
        {
            return Err(TileError::Bad {
                path: path.to_string(),
                reason: "not a relative path inside the tiles".into(),
            });
        }
        Ok(self.root.join(path))
    }
}

impl TileStore for DirStore {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), TileError> {
        let file = self.file(path)?;
        let dir = file.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir).map_err(|e| TileError::io(path, e))?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        let tmp = dir.join(format!(".{}.partial", name.unwrap_or_default()));
        let mut f = fs::File::create(&tmp).map_err(|e| TileError::io(path, e))?;
        f.write_all(bytes)
            .and_then(|()| if self.durable { f.sync_all() } else { Ok(()) })
            .map_err(|e| TileError::io(path, e))?;
        fs::rename(&tmp, &file).map_err(|e| TileError::io(path, e))?;
        if !self.durable {
            return Ok(());
        }
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| TileError::io(path, e))
    }

    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, TileError> {
        match fs::read(self.file(path)?) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(TileError::io(path, e)),
        }
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}
