//! A simulated disk for the seeded simulation (`ledger/tests/simulation.rs`): the store in
//! memory, with a model of what a disk really holds after the machine stops. Each file keeps
//! what reads see and what is durable; an append is durable only after a sync; a truncate is
//! durable at once (the files store syncs it); a new file (a segment, a history file, a
//! document) appears whole and durably or not at all (the files store renames it into place).
//! [`SimDisk::crash`] is the disk as found after a power cut: every file holds its durable
//! bytes and, of what was appended after them, nothing, everything, or a prefix cut at any
//! byte (a torn write). Faults in the calls themselves come from [`super::faults`], which
//! wraps this store like any other.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;
use sha2::{Digest, Sha256};

use super::segment;
use super::{AppendFile, Blobs, Histories, Segments, Storage, StorageError};

#[derive(Default)]
struct Bytes {
    /// What reads see.
    data: Vec<u8>,
    /// How much of `data` is durable (appends only add past it; truncates sync).
    durable: usize,
}

/// One file of the simulated disk.
pub struct SimFile {
    name: PathBuf,
    bytes: Mutex<Bytes>,
}

impl SimFile {
    fn new(name: PathBuf, data: Vec<u8>) -> Arc<SimFile> {
        let durable = data.len();
        Arc::new(SimFile {
            name,
            bytes: Mutex::new(Bytes { data, durable }),
        })
    }
}

impl AppendFile for SimFile {
    fn append(&self, bytes: &[u8]) -> Result<(), StorageError> {
        self.bytes.lock().data.extend_from_slice(bytes);
        Ok(())
    }

    fn sync(&self) -> Result<(), StorageError> {
        let mut b = self.bytes.lock();
        b.durable = b.data.len();
        Ok(())
    }

    fn truncate(&self, len: u64) -> Result<(), StorageError> {
        let mut b = self.bytes.lock();
        b.data.truncate(len as usize);
        b.durable = b.data.len();
        Ok(())
    }

    fn len(&self) -> Result<u64, StorageError> {
        Ok(self.bytes.lock().data.len() as u64)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), StorageError> {
        let b = self.bytes.lock();
        let start = offset as usize;
        match b.data.get(start..start + buf.len()) {
            Some(bytes) => {
                buf.copy_from_slice(bytes);
                Ok(())
            }
            None => Err(StorageError::io(
                &self.name,
                std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "failed to fill whole buffer",
                ),
            )),
        }
    }

    fn read_all(&self) -> Result<Vec<u8>, StorageError> {
        Ok(self.bytes.lock().data.clone())
    }

    fn name(&self) -> PathBuf {
        self.name.clone()
    }
}

/// The simulated disk: segments, history files and documents, in memory.
#[derive(Default)]
pub struct SimDisk {
    files: Mutex<BTreeMap<String, Arc<SimFile>>>,
    blobs: Mutex<BTreeMap<String, Vec<u8>>>,
}

fn segment_name(first: u64) -> String {
    format!("log/{first:020}.seg")
}

impl SimDisk {
    pub fn new() -> Arc<SimDisk> {
        Arc::new(SimDisk::default())
    }

    /// The whole store on this disk.
    pub fn storage(self: &Arc<Self>) -> Storage {
        Storage {
            segments: self.clone(),
            histories: self.clone(),
            blobs: self.clone(),
        }
    }

    /// The disk as a power cut now would leave it: for each file, its durable bytes and then,
    /// as `cut` chooses from the count of bytes not yet durable, that many of them (the first
    /// ones: a write reaches the disk from its start).
    pub fn crash(&self, cut: &mut dyn FnMut(usize) -> usize) -> Arc<SimDisk> {
        let files = self.files.lock();
        let mut after = BTreeMap::new();
        for (name, file) in files.iter() {
            let b = file.bytes.lock();
            let pending = b.data.len() - b.durable;
            let keep = b.durable + cut(pending).min(pending);
            after.insert(
                name.clone(),
                SimFile::new(file.name.clone(), b.data[..keep].to_vec()),
            );
        }
        Arc::new(SimDisk {
            files: Mutex::new(after),
            blobs: Mutex::new(self.blobs.lock().clone()),
        })
    }

    /// A copy of the disk as it is (every byte kept, synced or not), to start schedules from.
    pub fn copy(&self) -> Arc<SimDisk> {
        self.crash(&mut |pending| pending)
    }

    fn file(&self, name: &str) -> Option<Arc<SimFile>> {
        self.files.lock().get(name).cloned()
    }

    /// Creates `name` holding `data`, durably; an error if it exists.
    fn create(&self, name: &str, data: Vec<u8>) -> Result<Arc<SimFile>, StorageError> {
        let mut files = self.files.lock();
        if files.contains_key(name) {
            return Err(StorageError::io(
                &sim_path(name),
                std::io::Error::new(std::io::ErrorKind::AlreadyExists, "file exists"),
            ));
        }
        let file = SimFile::new(sim_path(name), data);
        files.insert(name.to_string(), file.clone());
        Ok(file)
    }
}

fn sim_path(name: &str) -> PathBuf {
    PathBuf::from(format!("sim:{name}"))
}

impl Segments for SimDisk {
    fn list(&self) -> Result<Vec<u64>, StorageError> {
        let names: Vec<String> = self.files.lock().keys().cloned().collect();
        let mut firsts = Vec::new();
        for name in names {
            let Some(stem) = name
                .strip_prefix("log/")
                .and_then(|n| n.strip_suffix(".seg"))
            else {
                continue;
            };
            let first = stem.parse().map_err(|_| StorageError::Corrupt {
                file: sim_path(&name),
                offset: 0,
                position: None,
                reason: "segment file name is not 20 digits".into(),
            })?;
            firsts.push(first);
        }
        for &first in &firsts {
            segment::check_header(&*Segments::open(self, first)?, first)?;
        }
        Ok(firsts)
    }

    /// As the files store: whole and durable or not at all; one left by a create that failed
    /// after it happened, holding only its header, is taken as it is.
    fn create(&self, first: u64) -> Result<Arc<dyn AppendFile>, StorageError> {
        if let Some(file) = self.file(&segment_name(first)) {
            segment::check_unwritten(&*file, first)?;
            return Ok(file);
        }
        let file = SimDisk::create(self, &segment_name(first), segment::header(first).to_vec())?;
        Ok(file)
    }

    fn open(&self, first: u64) -> Result<Arc<dyn AppendFile>, StorageError> {
        match self.file(&segment_name(first)) {
            Some(file) => Ok(file),
            None => Err(StorageError::io(
                &self.name(first),
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            )),
        }
    }

    fn name(&self, first: u64) -> PathBuf {
        sim_path(&segment_name(first))
    }
}

/// A history file handed out by name (the disk keeps the file).
struct Held(Arc<SimFile>);

impl AppendFile for Held {
    fn append(&self, bytes: &[u8]) -> Result<(), StorageError> {
        self.0.append(bytes)
    }
    fn sync(&self) -> Result<(), StorageError> {
        self.0.sync()
    }
    fn truncate(&self, len: u64) -> Result<(), StorageError> {
        self.0.truncate(len)
    }
    fn len(&self) -> Result<u64, StorageError> {
        self.0.len()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), StorageError> {
        self.0.read_at(offset, buf)
    }
    fn read_all(&self) -> Result<Vec<u8>, StorageError> {
        self.0.read_all()
    }
    fn name(&self) -> PathBuf {
        self.0.name()
    }
}

impl Histories for SimDisk {
    fn open(&self, name: &str) -> Result<Box<dyn AppendFile>, StorageError> {
        let file = match self.file(name) {
            Some(file) => file,
            None => self.create(name, Vec::new())?,
        };
        Ok(Box::new(Held(file)))
    }
}

impl Blobs for SimDisk {
    fn put(&self, bytes: &[u8]) -> Result<String, StorageError> {
        let hex = hex::encode(Sha256::digest(bytes));
        self.blobs
            .lock()
            .entry(hex.clone())
            .or_insert_with(|| bytes.to_vec());
        Ok(hex)
    }

    fn get(&self, hex: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.blobs.lock().get(hex).cloned())
    }

    fn list(&self) -> Result<Vec<String>, StorageError> {
        Ok(self.blobs.lock().keys().cloned().collect())
    }
}
