//! Keys that lead to log positions (event hash → position; stream and version → position),
//! kept as sorted runs on disk with only the newest stretch of the log in memory.
//!
//! Why not sled: one sled key per entry made sled's resident structures grow with the log and
//! cost more CPU than the rest of an append. Here the keys of the newest positions sit in a
//! small in-memory table; when the log crosses the next multiple of a fixed span, they are
//! written out as one sorted run, and two runs covering spans of equal length are merged (a
//! binary counter: at most log₂ runs, each key rewritten at most log₂ times). Run boundaries
//! follow positions only, never timing, so a rebuilt index has the same runs byte for byte.
//!
//! Keys are unique and never removed (the log is append-only), so a run needs no tombstones
//! and a lookup stops at the first hit. A run file is `count × (key, position u64 LE)`, sorted
//! by key; lookups binary-search it with positional reads, holding nothing in memory.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::RwLock;

use super::segment::sync_dir;
use super::StorageError;

/// Positions `from .. to` of the log, whose keys one run holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: u64,
    pub to: u64,
}

impl Span {
    fn len(&self) -> u64 {
        self.to - self.from
    }
}

struct Run {
    span: Span,
    path: PathBuf,
    file: File,
    count: u64,
}

/// A merged run written and not yet in place.
pub struct Merged {
    a: Span,
    b: Span,
    run: Run,
}

impl Merged {
    /// Removes the merged file instead of putting it in place.
    pub fn discard(self) {
        let _ = std::fs::remove_file(&self.run.path);
    }
}

struct Tables<const K: usize> {
    memtable: BTreeMap<[u8; K], u64>,
    /// Oldest first; their spans tile the log from position 0.
    runs: Vec<Run>,
}

pub struct KeyTable<const K: usize> {
    dir: PathBuf,
    name: &'static str,
    state: RwLock<Tables<K>>,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> StorageError + '_ {
    move |e| StorageError::io(path, e)
}

/// The file name of `name`'s run over `span`.
pub fn run_file_name(name: &str, span: Span) -> String {
    format!("{name}-{:016x}-{:016x}.run", span.from, span.to)
}

impl<const K: usize> KeyTable<K> {
    const WIDTH: usize = K + 8;

    /// Opens the runs over `spans` (from the index's manifest); the in-memory table starts
    /// empty (recovery replays the log from the end of the last span).
    pub fn open(dir: &Path, name: &'static str, spans: &[Span]) -> Result<Self, StorageError> {
        let mut runs = Vec::with_capacity(spans.len());
        for &span in spans {
            let path = dir.join(run_file_name(name, span));
            let file = File::open(&path).map_err(|e| {
                StorageError::Index(format!(
                    "{} is missing or unreadable ({e}); delete the index directory to rebuild \
                     it from the log",
                    path.display()
                ))
            })?;
            let len = file.metadata().map_err(io(&path))?.len();
            if len % Self::WIDTH as u64 != 0 {
                return Err(StorageError::Index(format!(
                    "{} is not a whole number of records; delete the index directory to \
                     rebuild it from the log",
                    path.display()
                )));
            }
            runs.push(Run {
                span,
                path,
                file,
                count: len / Self::WIDTH as u64,
            });
        }
        Ok(KeyTable {
            dir: dir.to_path_buf(),
            name,
            state: RwLock::new(Tables {
                memtable: BTreeMap::new(),
                runs,
            }),
        })
    }

    /// Adds a key of the newest stretch of the log. Keys are unique (a duplicate is a bug).
    pub fn insert(&self, key: [u8; K], position: u64) {
        let old = self.state.write().memtable.insert(key, position);
        debug_assert!(old.is_none(), "index keys are unique");
    }

    pub fn get(&self, key: &[u8; K]) -> Result<Option<u64>, StorageError> {
        let state = self.state.read();
        if let Some(p) = state.memtable.get(key) {
            return Ok(Some(*p));
        }
        for run in state.runs.iter().rev() {
            let i = Self::lower_bound(run, key)?;
            if i < run.count {
                let (k, p) = Self::record(run, i)?;
                if &k == key {
                    return Ok(Some(p));
                }
            }
        }
        Ok(None)
    }

    /// Positions of the keys in `lo ..= hi`, in key order, at most `limit`.
    pub fn range(
        &self,
        lo: &[u8; K],
        hi: &[u8; K],
        limit: usize,
    ) -> Result<Vec<u64>, StorageError> {
        let state = self.state.read();
        let mut found: Vec<([u8; K], u64)> = state
            .memtable
            .range(*lo..=*hi)
            .take(limit)
            .map(|(k, p)| (*k, *p))
            .collect();
        for run in &state.runs {
            let mut i = Self::lower_bound(run, lo)?;
            let mut taken = 0;
            while i < run.count && taken < limit {
                let (k, p) = Self::record(run, i)?;
                if &k > hi {
                    break;
                }
                found.push((k, p));
                taken += 1;
                i += 1;
            }
        }
        found.sort_unstable();
        found.truncate(limit);
        Ok(found.into_iter().map(|(_, p)| p).collect())
    }

    /// The largest key in `lo ..= hi` and its position.
    pub fn last(&self, lo: &[u8; K], hi: &[u8; K]) -> Result<Option<([u8; K], u64)>, StorageError> {
        let state = self.state.read();
        let mut best = state
            .memtable
            .range(*lo..=*hi)
            .next_back()
            .map(|(k, p)| (*k, *p));
        for run in &state.runs {
            let above = Self::upper_bound(run, hi)?;
            if above == 0 {
                continue;
            }
            let (k, p) = Self::record(run, above - 1)?;
            if &k >= lo && best.is_none_or(|(b, _)| k > b) {
                best = Some((k, p));
            }
        }
        Ok(best)
    }

    /// Keys held in memory (the stretch since the last run).
    pub fn pending(&self) -> usize {
        self.state.read().memtable.len()
    }

    /// The spans of the runs, oldest first.
    pub fn spans(&self) -> Vec<Span> {
        self.state.read().runs.iter().map(|r| r.span).collect()
    }

    /// Writes the in-memory keys out as the run over `span`, durably, and starts afresh.
    pub fn push_run(&self, span: Span) -> Result<(), StorageError> {
        let mut w = RunWriter::create(&self.dir, self.name, span)?;
        {
            let state = self.state.read();
            if let Some(last) = state.runs.last() {
                assert_eq!(last.span.to, span.from, "runs tile the log");
            }
            for (k, p) in &state.memtable {
                w.push(k, *p)?;
            }
        }
        let run = w.finish(&self.dir)?;
        let mut state = self.state.write();
        state.runs.push(run);
        state.memtable.clear();
        Ok(())
    }

    /// The next two runs to merge: the leftmost adjacent pair of equal spans. Runs are only
    /// ever added on the right, and merging the leftmost equal pair keeps the spans
    /// non-increasing, so however merges interleave with new runs, once merging is done the
    /// spans are the binary decomposition of the runs' total: the same for every index of
    /// the same log.
    pub fn pair_to_merge(&self) -> Option<(Span, Span)> {
        let state = self.state.read();
        state
            .runs
            .windows(2)
            .find(|w| w[0].span.len() == w[1].span.len())
            .map(|w| (w[0].span, w[1].span))
    }

    /// Writes the merge of the runs over `a` and `b` (adjacent) as a new run file, durably,
    /// without putting it in place ([`KeyTable::put_merged`] does). Runs are immutable, so
    /// lookups go on using `a` and `b` meanwhile. Gives up (None, nothing left behind) when
    /// `stop` is set.
    pub fn write_merged(
        &self,
        a: Span,
        b: Span,
        stop: &AtomicBool,
    ) -> Result<Option<Merged>, StorageError> {
        assert_eq!(a.to, b.from, "merged runs are adjacent");
        let span = Span {
            from: a.from,
            to: b.to,
        };
        let mut x_run = Records::<K>::open(&self.dir.join(run_file_name(self.name, a)))?;
        let mut y_run = Records::<K>::open(&self.dir.join(run_file_name(self.name, b)))?;
        let mut w = RunWriter::create(&self.dir, self.name, span)?;
        let (mut x, mut y) = (x_run.next()?, y_run.next()?);
        loop {
            if w.count % 65_536 == 0 && stop.load(Ordering::Relaxed) {
                w.abandon();
                return Ok(None);
            }
            let rec = match (x, y) {
                (Some(r), Some(s)) if r.0 < s.0 => {
                    x = x_run.next()?;
                    r
                }
                (Some(r), Some(s)) => {
                    debug_assert!(r.0 != s.0, "index keys are unique");
                    y = y_run.next()?;
                    s
                }
                (Some(r), None) => {
                    x = x_run.next()?;
                    r
                }
                (None, Some(s)) => {
                    y = y_run.next()?;
                    s
                }
                (None, None) => break,
            };
            w.push(&rec.0, rec.1)?;
        }
        Ok(Some(Merged {
            a,
            b,
            run: w.finish(&self.dir)?,
        }))
    }

    /// Puts a merged run in place of the two it merges; returns their files, for the caller
    /// to delete once the manifest naming the merged run is durable.
    pub fn put_merged(&self, merged: Merged) -> Vec<PathBuf> {
        let mut state = self.state.write();
        let at = state
            .runs
            .iter()
            .position(|r| r.span == merged.a)
            .filter(|&i| state.runs.get(i + 1).is_some_and(|r| r.span == merged.b));
        let Some(i) = at else {
            unreachable!("only the merger removes runs, and it merges one pair at a time")
        };
        debug_assert_eq!(
            merged.run.count,
            state.runs[i].count + state.runs[i + 1].count
        );
        let old: Vec<Run> = state.runs.splice(i..i + 2, [merged.run]).collect();
        old.into_iter().map(|r| r.path).collect()
    }

    fn record(run: &Run, i: u64) -> Result<([u8; K], u64), StorageError> {
        let mut buf = [0u8; 64];
        let buf = &mut buf[..Self::WIDTH];
        run.file
            .read_exact_at(buf, i * Self::WIDTH as u64)
            .map_err(io(&run.path))?;
        Ok(split::<K>(buf))
    }

    /// The index of the first record whose key is not below `key`.
    fn lower_bound(run: &Run, key: &[u8; K]) -> Result<u64, StorageError> {
        Self::partition(run, |k| k < key)
    }

    /// The index of the first record whose key is above `key`.
    fn upper_bound(run: &Run, key: &[u8; K]) -> Result<u64, StorageError> {
        Self::partition(run, |k| k <= key)
    }

    /// The index of the first record for which `before` is false (it holds for a prefix).
    fn partition(run: &Run, before: impl Fn(&[u8; K]) -> bool) -> Result<u64, StorageError> {
        let (mut lo, mut hi) = (0u64, run.count);
        let mut k = [0u8; K];
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            run.file
                .read_exact_at(&mut k, mid * Self::WIDTH as u64)
                .map_err(io(&run.path))?;
            if before(&k) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    /// Every run's bytes and the in-memory keys, for comparing two indexes.
    pub fn dump(&self) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
        let state = self.state.read();
        let mut out = Vec::new();
        for run in &state.runs {
            let mut bytes = Vec::new();
            File::open(&run.path)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map_err(io(&run.path))?;
            out.push((run_file_name(self.name, run.span), bytes));
        }
        let mem: Vec<u8> = state
            .memtable
            .iter()
            .flat_map(|(k, p)| k.iter().copied().chain(p.to_le_bytes()))
            .collect();
        out.push((format!("{}-memtable", self.name), mem));
        Ok(out)
    }
}

fn split<const K: usize>(buf: &[u8]) -> ([u8; K], u64) {
    let mut k = [0u8; K];
    k.copy_from_slice(&buf[..K]);
    let mut p = [0u8; 8];
    p.copy_from_slice(&buf[K..K + 8]);
    (k, u64::from_le_bytes(p))
}

/// A run file written front to back; `finish` makes it durable and opens it for lookups.
struct RunWriter {
    span: Span,
    path: PathBuf,
    out: BufWriter<File>,
    count: u64,
}

impl RunWriter {
    fn create(dir: &Path, name: &str, span: Span) -> Result<RunWriter, StorageError> {
        let path = dir.join(run_file_name(name, span));
        let file = File::create(&path).map_err(io(&path))?;
        Ok(RunWriter {
            span,
            out: BufWriter::with_capacity(1 << 16, file),
            path,
            count: 0,
        })
    }

    fn push(&mut self, key: &[u8], position: u64) -> Result<(), StorageError> {
        self.out
            .write_all(key)
            .and_then(|()| self.out.write_all(&position.to_le_bytes()))
            .map_err(io(&self.path))?;
        self.count += 1;
        Ok(())
    }

    fn finish(self, dir: &Path) -> Result<Run, StorageError> {
        let path = self.path;
        let file = self
            .out
            .into_inner()
            .map_err(|e| io(&path)(e.into_error()))?;
        file.sync_data().map_err(io(&path))?;
        sync_dir(dir)?;
        Ok(Run {
            span: self.span,
            file: File::open(&path).map_err(io(&path))?,
            path,
            count: self.count,
        })
    }

    /// Removes the unfinished file.
    fn abandon(self) {
        drop(self.out);
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A run read front to back (for merging).
struct Records<const K: usize> {
    path: PathBuf,
    reader: BufReader<File>,
}

impl<const K: usize> Records<K> {
    fn open(path: &Path) -> Result<Self, StorageError> {
        let file = OpenOptions::new().read(true).open(path).map_err(io(path))?;
        Ok(Records {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(1 << 16, file),
        })
    }

    fn next(&mut self) -> Result<Option<([u8; K], u64)>, StorageError> {
        let mut buf = [0u8; 64];
        let buf = &mut buf[..K + 8];
        match self.reader.read_exact(buf) {
            Ok(()) => Ok(Some(split::<K>(buf))),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(io(&self.path)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u64) -> [u8; 8] {
        // Scrambled, so that keys arrive out of order as hashes do.
        n.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes()
    }

    #[test]
    fn lookups_and_ranges_agree_with_a_map_across_runs_and_merges() {
        let dir = tempfile::tempdir().unwrap();
        let table = KeyTable::<8>::open(dir.path(), "t", &[]).unwrap();
        let stop = AtomicBool::new(false);
        let mut model = BTreeMap::new();
        let span = 100;
        for p in 0..1_050u64 {
            if p > 0 && p % span == 0 {
                table
                    .push_run(Span {
                        from: p - span,
                        to: p,
                    })
                    .unwrap();
                while let Some((a, b)) = table.pair_to_merge() {
                    let merged = table.write_merged(a, b, &stop).unwrap().unwrap();
                    for old in table.put_merged(merged) {
                        std::fs::remove_file(old).unwrap();
                    }
                }
            }
            table.insert(key(p), p);
            model.insert(key(p), p);
        }
        // 10 spans of 100 flushed: a binary counter leaves runs of 800 and 200.
        let lens: Vec<u64> = table.spans().iter().map(|s| s.to - s.from).collect();
        assert_eq!(lens, vec![800, 200]);
        assert_eq!(table.pending(), 50);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        for p in (0..1_050u64).step_by(7) {
            assert_eq!(table.get(&key(p)).unwrap(), Some(p));
        }
        assert_eq!(table.get(&key(5_000)).unwrap(), None);
        let (lo, hi) = (key(3), key(900));
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        let want: Vec<u64> = model.range(lo..=hi).map(|(_, p)| *p).take(40).collect();
        assert_eq!(table.range(&lo, &hi, 40).unwrap(), want);
        let want = model.range(lo..=hi).next_back().map(|(k, p)| (*k, *p));
        assert_eq!(table.last(&lo, &hi).unwrap(), want);
        assert_eq!(table.last(&[0xff; 8], &[0xff; 8]).unwrap(), None);
        let all: Vec<u64> = model.values().copied().collect();
        assert_eq!(table.range(&[0; 8], &[0xff; 8], usize::MAX).unwrap(), all);

        // Reopened from its spans, it answers the same (the in-memory keys are the caller's
        // to replay).
        let spans = table.spans();
        drop(table);
        let table = KeyTable::<8>::open(dir.path(), "t", &spans).unwrap();
        assert_eq!(table.get(&key(799)).unwrap(), Some(799));
        assert_eq!(table.get(&key(1_020)).unwrap(), None);

        // Merges interleaved with new runs end where merging right after each run does.
        let dir = tempfile::tempdir().unwrap();
        let late = KeyTable::<8>::open(dir.path(), "t", &[]).unwrap();
        for p in 0..1_000u64 {
            if p > 0 && p % span == 0 {
                late.push_run(Span {
                    from: p - span,
                    to: p,
                })
                .unwrap();
                if p % 300 == 0 {
                    if let Some((a, b)) = late.pair_to_merge() {
                        let merged = late.write_merged(a, b, &stop).unwrap().unwrap();
                        late.put_merged(merged);
                    }
                }
            }
            late.insert(key(p), p);
        }
        late.push_run(Span {
            from: 900,
            to: 1_000,
        })
        .unwrap();
        while let Some((a, b)) = late.pair_to_merge() {
            let merged = late.write_merged(a, b, &stop).unwrap().unwrap();
            late.put_merged(merged);
        }
        assert_eq!(
            late.spans()
                .iter()
                .map(|s| s.to - s.from)
                .collect::<Vec<_>>(),
            vec![800, 200]
        );
        for p in (0..1_000u64).step_by(11) {
            assert_eq!(late.get(&key(p)).unwrap(), Some(p));
        }

        // A merge told to stop leaves nothing behind.
        stop.store(true, Ordering::Relaxed);
        let files_before = std::fs::read_dir(dir.path()).unwrap().count();
        let spans = late.spans();
        assert!(late
            .write_merged(spans[0], spans[1], &stop)
            .unwrap()
            .is_none());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), files_before);
    }

    #[test]
    fn a_missing_run_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = KeyTable::<8>::open(dir.path(), "t", &[Span { from: 0, to: 10 }])
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .contains("t-0000000000000000-000000000000000a.run"),
            "{err}"
        );
        assert!(
            err.to_string().contains("delete the index directory"),
            "{err}"
        );
    }
}
