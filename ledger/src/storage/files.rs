//! The store as files in the ledger's directory: segments in `log/`, history files beside it.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use super::segment::{self, segment_path};
use super::{AppendFile, Histories, Segments, StorageError};

/// Open handles kept at once; older ones are closed and reopened on demand.
const HANDLES: usize = 64;

/// An append-only file on disk.
pub struct DiskFile {
    path: PathBuf,
    file: File,
}

impl DiskFile {
    fn open(path: &Path, create: bool) -> Result<DiskFile, StorageError> {
        let file = OpenOptions::new()
            .create(create)
            .read(true)
            .append(true)
            .open(path)
            .map_err(|e| StorageError::io(path, e))?;
        Ok(DiskFile {
            path: path.to_path_buf(),
            file,
        })
    }
}

impl AppendFile for DiskFile {
    fn append(&self, bytes: &[u8]) -> Result<(), StorageError> {
        (&self.file)
            .write_all(bytes)
            .map_err(|e| StorageError::io(&self.path, e))
    }

    fn sync(&self) -> Result<(), StorageError> {
        self.file
            .sync_data()
            .map_err(|e| StorageError::io(&self.path, e))
    }

    fn truncate(&self, len: u64) -> Result<(), StorageError> {
        self.file
            .set_len(len)
            .and_then(|()| self.file.sync_all())
            .map_err(|e| StorageError::io(&self.path, e))
    }

    fn len(&self) -> Result<u64, StorageError> {
        self.file
            .metadata()
            .map(|m| m.len())
            .map_err(|e| StorageError::io(&self.path, e))
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), StorageError> {
        self.file
            .read_exact_at(buf, offset)
            .map_err(|e| StorageError::io(&self.path, e))
    }

    fn read_all(&self) -> Result<Vec<u8>, StorageError> {
        fs::read(&self.path).map_err(|e| StorageError::io(&self.path, e))
    }

    fn name(&self) -> PathBuf {
        self.path.clone()
    }
}

/// Makes a directory's entries (new files, renames) durable.
pub fn sync_dir(dir: &Path) -> Result<(), StorageError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StorageError::io(dir, e))
}

/// Segment files `log/<first position, 20 digits>.seg`, with a bounded set of open handles.
pub struct FileSegments {
    dir: PathBuf,
    handles: Mutex<HashMap<u64, Arc<dyn AppendFile>>>,
}

impl FileSegments {
    pub fn new(dir: &Path) -> FileSegments {
        FileSegments {
            dir: dir.to_path_buf(),
            handles: Mutex::new(HashMap::new()),
        }
    }

    fn keep(&self, first: u64, file: Arc<dyn AppendFile>) -> Arc<dyn AppendFile> {
        let mut handles = self.handles.lock();
        if handles.len() >= HANDLES {
            handles.clear();
        }
        handles.insert(first, file.clone());
        file
    }
}

impl Segments for FileSegments {
    fn list(&self) -> Result<Vec<u64>, StorageError> {
        if !self.dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut firsts = Vec::new();
        for item in fs::read_dir(&self.dir).map_err(|e| StorageError::io(&self.dir, e))? {
            let item = item.map_err(|e| StorageError::io(&self.dir, e))?;
            let name = item.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(stem) = name.strip_suffix(".seg") else {
                continue;
            };
            match stem.parse() {
                Ok(n) if stem.len() == 20 => firsts.push(n),
                _ => {
                    return Err(StorageError::Corrupt {
                        file: item.path(),
                        offset: 0,
                        position: None,
                        reason: "segment file name is not 20 digits".into(),
                    })
                }
            }
        }
        firsts.sort_unstable();
        for &first in &firsts {
            segment::check_header(&*self.open(first)?, first)?;
        }
        Ok(firsts)
    }

    /// The header is written to a temporary name, synced, and renamed into place: a crash
    /// while rolling over leaves a whole segment or none, never one with a missing header
    /// (which would refuse to open). A temporary file left by such a crash is overwritten; a
    /// segment left by a create that failed after it happened, holding only its header, is
    /// taken as it is.
    fn create(&self, first: u64) -> Result<Arc<dyn AppendFile>, StorageError> {
        fs::create_dir_all(&self.dir).map_err(|e| StorageError::io(&self.dir, e))?;
        let path = segment_path(&self.dir, first);
        if path.exists() {
            let file = DiskFile::open(&path, false)?;
            segment::check_unwritten(&file, first)?;
            file.sync()?;
            sync_dir(&self.dir)?;
            return Ok(self.keep(first, Arc::new(file)));
        }
        let tmp = path.with_extension("seg.partial");
        let written = File::create(&tmp).and_then(|mut f| {
            f.write_all(&segment::header(first))?;
            f.sync_all()
        });
        written
            .and_then(|()| fs::rename(&tmp, &path))
            .map_err(|e| StorageError::io(&path, e))?;
        sync_dir(&self.dir)?;
        let file = DiskFile::open(&path, false)?;
        Ok(self.keep(first, Arc::new(file)))
    }

    fn open(&self, first: u64) -> Result<Arc<dyn AppendFile>, StorageError> {
        if let Some(file) = self.handles.lock().get(&first) {
            return Ok(file.clone());
        }
        let file = DiskFile::open(&segment_path(&self.dir, first), false)?;
        Ok(self.keep(first, Arc::new(file)))
    }

    fn name(&self, first: u64) -> PathBuf {
        segment_path(&self.dir, first)
    }
}

/// History files `<dir>/<name>`.
pub struct FileHistories {
    dir: PathBuf,
}

impl FileHistories {
    pub fn new(dir: &Path) -> FileHistories {
        FileHistories {
            dir: dir.to_path_buf(),
        }
    }
}

impl Histories for FileHistories {
    fn open(&self, name: &str) -> Result<Box<dyn AppendFile>, StorageError> {
        let path = self.dir.join(name);
        let fresh = !path.exists();
        let file = DiskFile::open(&path, true)?;
        if fresh {
            sync_dir(&self.dir)?;
        }
        Ok(Box::new(file))
    }
}
