//! The storage seam: a ledger runs on any implementation of `Segments`, `Histories` and
//! `Blobs`. Here an in-memory one that can be told to fail writes: if anything wrote or read
//! the log's files behind the seam, these ledgers would not open, verify or recover.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::fixture::{create, next, CONGRESS};
use ledger::storage::{AppendFile, Blobs, Histories, Segments, Storage, StorageError};
use ledger::verify::integrity::VerifyOptions;
use ledger::{Ledger, Options};
use parking_lot::Mutex;

struct MemFile {
    name: PathBuf,
    data: Mutex<Vec<u8>>,
    fail: Arc<AtomicBool>,
}

impl AppendFile for MemFile {
    fn append(&self, bytes: &[u8]) -> Result<(), StorageError> {
        let mut data = self.data.lock();
        if self.fail.load(Ordering::SeqCst) {
            // Half of it reaches the "disk" before the failure: the writer must cut it back.
            data.extend_from_slice(&bytes[..bytes.len() / 2]);
            return Err(StorageError::io(
                &self.name,
                std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device"),
            ));
        }
        data.extend_from_slice(bytes);
        Ok(())
    }
    fn sync(&self) -> Result<(), StorageError> {
        Ok(())
    }
    fn truncate(&self, len: u64) -> Result<(), StorageError> {
        self.data.lock().truncate(len as usize);
        Ok(())
    }
    fn len(&self) -> Result<u64, StorageError> {
        Ok(self.data.lock().len() as u64)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), StorageError> {
        let data = self.data.lock();
        let end = offset as usize + buf.len();
        if end > data.len() {
            return Err(StorageError::Lost(format!(
                "read past the end of {:?}",
                self.name
            )));
        }
        buf.copy_from_slice(&data[offset as usize..end]);
        Ok(())
    }
    fn read_all(&self) -> Result<Vec<u8>, StorageError> {
        Ok(self.data.lock().clone())
    }
    fn name(&self) -> PathBuf {
        self.name.clone()
    }
}

#[derive(Default)]
struct Memory {
    files: Mutex<BTreeMap<String, Arc<MemFile>>>,
    blobs: Mutex<BTreeMap<String, Vec<u8>>>,
    fail: Arc<AtomicBool>,
}

impl Memory {
    fn file(&self, name: &str, create: bool) -> Option<Arc<MemFile>> {
        let mut files = self.files.lock();
        if create {
            let file = files.entry(name.to_string()).or_insert_with(|| {
                Arc::new(MemFile {
                    name: PathBuf::from(format!("memory:{name}")),
                    data: Mutex::new(Vec::new()),
                    fail: self.fail.clone(),
                })
            });
            return Some(file.clone());
        }
        files.get(name).cloned()
    }
}

fn seg(first: u64) -> String {
    format!("seg/{first}")
}

impl Segments for Memory {
    fn list(&self) -> Result<Vec<u64>, StorageError> {
        let names: Vec<String> = self.files.lock().keys().cloned().collect();
        Ok(names
            .iter()
            .filter_map(|n| n.strip_prefix("seg/")?.parse().ok())
            .collect::<std::collections::BTreeSet<u64>>()
            .into_iter()
            .collect())
    }
    fn create(&self, first: u64) -> Result<Arc<dyn AppendFile>, StorageError> {
        let file = self.file(&seg(first), true).unwrap();
        file.data
            .lock()
            .extend_from_slice(&ledger::storage::segment::header(first));
        Ok(file)
    }
    fn open(&self, first: u64) -> Result<Arc<dyn AppendFile>, StorageError> {
        self.file(&seg(first), false)
            .map(|f| f as Arc<dyn AppendFile>)
            .ok_or_else(|| StorageError::Lost(format!("no segment {first}")))
    }
    fn name(&self, first: u64) -> PathBuf {
        PathBuf::from(format!("memory:{}", seg(first)))
    }
}

impl Histories for Memory {
    fn open(&self, name: &str) -> Result<Box<dyn AppendFile>, StorageError> {
        struct Shared(Arc<MemFile>);
        impl AppendFile for Shared {
            fn append(&self, b: &[u8]) -> Result<(), StorageError> {
                self.0.append(b)
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
            fn read_at(&self, o: u64, b: &mut [u8]) -> Result<(), StorageError> {
                self.0.read_at(o, b)
            }
            fn read_all(&self) -> Result<Vec<u8>, StorageError> {
                self.0.read_all()
            }
            fn name(&self) -> PathBuf {
                self.0.name()
            }
        }
        Ok(Box::new(Shared(self.file(name, true).unwrap())))
    }
}

impl Blobs for Memory {
    fn put(&self, bytes: &[u8]) -> Result<String, StorageError> {
        use sha2::Digest;
        let hex = hex::encode(sha2::Sha256::digest(bytes));
        self.blobs.lock().insert(hex.clone(), bytes.to_vec());
        Ok(hex)
    }
    fn get(&self, hex: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.blobs.lock().get(hex).cloned())
    }
    fn list(&self) -> Result<Vec<String>, StorageError> {
        Ok(self.blobs.lock().keys().cloned().collect())
    }
}

fn on(memory: &Arc<Memory>) -> Options {
    let memory = memory.clone();
    Options {
        segment_bytes: 600,
        storage: Some(Arc::new(move |_: &Path| Storage {
            segments: memory.clone(),
            histories: memory.clone(),
            blobs: memory.clone(),
        })),
        ..Options::default()
    }
}

#[test]
fn a_ledger_runs_and_recovers_on_another_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let memory = Arc::new(Memory::default());
    let (ledger, k) = create(&path, on(&memory));
    for n in 0..12 {
        ledger
            .append(next(&ledger, &k, CONGRESS, n).bytes().to_vec())
            .unwrap();
    }
    ledger.sign_checkpoint().unwrap();
    let hash = ledger.blobs().put(b"bien ban").unwrap();
    let size = ledger.size();
    let root = ledger.root();
    ledger.close().unwrap();

    // Nothing of the log, its history or its documents is in the directory.
    for gone in ["log", "checkpoints.log", "cosignatures.log", "blobs"] {
        assert!(
            !path.join(gone).exists(),
            "{gone} was written behind the seam"
        );
    }
    assert!(
        Segments::list(&*memory).unwrap().len() > 1,
        "segments were not rolled"
    );
    assert!(memory.files.lock().contains_key("checkpoints.log"));

    // The index is deleted: opening replays it from the store's segments alone.
    std::fs::remove_dir_all(path.join("index")).unwrap();
    let ledger = Ledger::open(&path, on(&memory)).unwrap();
    assert_eq!((ledger.size(), ledger.root()), (size, root));
    assert_eq!(ledger.blobs().get(&hash).unwrap().unwrap(), b"bien ban");
    let report = ledger::verify::integrity(&ledger, &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{:?}", report.failure);
    assert_eq!(report.entries, size);
    assert!(report.checkpoints.iter().all(|c| c.ok));
}

#[test]
fn a_failed_write_through_the_seam_is_cut_back_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let memory = Arc::new(Memory::default());
    let (ledger, k) = create(&path, on(&memory));
    let event = next(&ledger, &k, CONGRESS, 0);
    let before: u64 = memory.files.lock()[&seg(0)].len().unwrap();
    memory.fail.store(true, Ordering::SeqCst);
    let err = ledger.append(event.bytes().to_vec()).unwrap_err();
    assert!(err.to_string().contains("No space left"), "{err}");
    // Half the group reached the segment; the writer cut it back.
    assert_eq!(memory.files.lock()[&seg(0)].len().unwrap(), before);
    memory.fail.store(false, Ordering::SeqCst);
    let appended = ledger.append(event.bytes().to_vec()).unwrap();
    assert_eq!(appended.position, ledger.size() - 1);
    let report = ledger::verify::integrity(&ledger, &VerifyOptions::default()).unwrap();
    assert!(report.ok(), "{:?}", report.failure);
}
