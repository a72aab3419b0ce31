//! §5 Archive bundles: a BagIt 1.0 bag (RFC 8493, SHA-256 manifests) holding every entry, the
//! checkpoint of exactly that size, the schemas, rulebooks and attached documents the log
//! refers to, and the format's own description — so that a bag explains itself and can be
//! verified in fifty years with nothing but a trusted log key.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::Ledger;
use crate::format::encoding::MAX_ENTRY_BYTES;
use crate::format::{Entry, Hash, SignedNote, VerifierKey};
use crate::messages::{Localized, Text};
use crate::storage::cosignatures::CosignatureFile;
use crate::storage::mirror::{mark_read_only, MirrorLog};
use crate::storage::{Blobs, StorageError};
use crate::verify::integrity::{self, VerifyOptions};
use crate::verify::report::Report;

/// The format's description, carried by every bag.
const FORMAT_MD: &str = include_str!("../../docs/FORMAT.md");
/// The explorer's offline verifier (one self-contained HTML file, its SHA-256 in the README),
/// carried by every bag so that an inspector can check an act's proof with a browser alone.
/// The API generates it; a test keeps this copy the same.
const VERIFY_HTML: &str = include_str!("../../docs/verify.html");

/// Where a bag keeps its human-readable render (the explorer's pages), under `data/`.
pub const RENDER_DIR: &str = "render";

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("{0} already exists; choose a new path for the bag")]
    Exists(PathBuf),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("the ledger could not sign a checkpoint to export against: {0}")]
    Checkpoint(String),
}

fn io(path: &Path, e: std::io::Error) -> ArchiveError {
    ArchiveError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// A file written with its SHA-256 computed on the way.
struct HashingWriter {
    inner: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl HashingWriter {
    fn create(path: &Path) -> Result<HashingWriter, ArchiveError> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        Ok(HashingWriter {
            inner: BufWriter::new(File::create(path).map_err(|e| io(path, e))?),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    fn write(&mut self, path: &Path, data: &[u8]) -> Result<(), ArchiveError> {
        self.hasher.update(data);
        self.bytes += data.len() as u64;
        self.inner.write_all(data).map_err(|e| io(path, e))
    }

    fn finish(self, path: &Path) -> Result<(String, u64), ArchiveError> {
        let file = self
            .inner
            .into_inner()
            .map_err(|e| io(path, e.into_error()))?;
        file.sync_all().map_err(|e| io(path, e))?;
        Ok((hex::encode(self.hasher.finalize()), self.bytes))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    pub bag: PathBuf,
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub files: usize,
    pub bytes: u64,
}

/// Where a bag keeps the first checkpoint each log key signed, once the key was rotated:
/// `data/log-keys/<size>.note`.
pub const LOG_KEYS_DIR: &str = "log-keys";

/// The log keys `data/ledger.json` lists (`log_keys`), as given: what the bag says, to be
/// checked against the log.
fn listed_log_keys(bag: &Path) -> Vec<VerifierKey> {
    let json: Option<serde_json::Value> = fs::read(bag.join("data/ledger.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    json.as_ref()
        .and_then(|v| v["log_keys"].as_array())
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k["key"].as_str().and_then(|t| VerifierKey::parse(t).ok()))
                .collect()
        })
        .unwrap_or_default()
}

/// The `data/log-keys/<size>.note` files of a bag, by name, with their text.
pub fn log_key_notes(bag: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(items) = fs::read_dir(bag.join("data").join(LOG_KEYS_DIR)) {
        for item in items.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            if let (true, Ok(text)) = (name.ends_with(".note"), fs::read_to_string(item.path())) {
                out.push((format!("data/{LOG_KEYS_DIR}/{name}"), text));
            }
        }
    }
    out.sort();
    out
}

/// Writes the archive bag of everything the ledger holds at a freshly signed checkpoint.
/// The bag is built beside `out` and renamed into place when complete. `progress` is told
/// how many entries of how many are written.
pub fn export(
    ledger: &Ledger,
    out: &Path,
    progress: &dyn Fn(u64, u64),
) -> Result<ExportSummary, ArchiveError> {
    export_with_render(ledger, out, progress, &[])
}

/// As [`export`], with `render`, a human-readable representation of the record (the
/// explorer's pages as static HTML, made by the caller: this library knows no HTML), as
/// (path, bytes) written under `data/render/` and covered by the manifests.
pub fn export_with_render(
    ledger: &Ledger,
    out: &Path,
    progress: &dyn Fn(u64, u64),
    render: &[(String, Vec<u8>)],
) -> Result<ExportSummary, ArchiveError> {
    if out.exists() {
        return Err(ArchiveError::Exists(out.to_path_buf()));
    }
    let note = ledger
        .sign_checkpoint()
        .map_err(|e| ArchiveError::Checkpoint(e.to_string()))?;
    let size = note.checkpoint.size;
    let partial = out.with_extension("partial");
    if partial.exists() {
        fs::remove_dir_all(&partial).map_err(|e| io(&partial, e))?;
    }
    let data = partial.join("data");
    let mut manifest: Vec<(String, String, u64)> = Vec::new();

    // Entries, and what they refer to: schemas by (kind, version), rulebooks by id.
    let entries_path = data.join("entries.bin");
    let mut w = HashingWriter::create(&entries_path)?;
    let mut kinds: BTreeSet<(String, u16)> = BTreeSet::new();
    let mut rulebooks: BTreeSet<String> = BTreeSet::new();
    let mut written = 0u64;
    let mut failed = None;
    ledger.scan_chunks(0, size, &mut |_, frames| {
        for bytes in frames {
            if let Ok(entry) = Entry::decode(bytes) {
                let body = entry.event.body();
                kinds.insert((body.kind.clone(), body.schema));
                if matches!(body.kind.as_str(), "ledger.created" | "congress.convened") {
                    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body.payload) {
                        if let Some(id) = v["rulebook"].as_str() {
                            rulebooks.insert(id.to_string());
                        }
                    }
                }
            }
            let result = w
                .write(&entries_path, &(bytes.len() as u64).to_le_bytes())
                .and_then(|()| w.write(&entries_path, bytes));
            if let Err(e) = result {
                failed = Some(e);
                return false;
            }
            written += 1;
        }
        progress(written, size);
        true
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    let (sum, n) = w.finish(&entries_path)?;
    manifest.push((sum, "data/entries.bin".into(), n));
    let mut put = |rel: &str, bytes: &[u8]| -> Result<(), ArchiveError> {
        let path = data.join(rel);
        let mut w = HashingWriter::create(&path)?;
        w.write(&path, bytes)?;
        let (sum, n) = w.finish(&path)?;
        manifest.push((sum, format!("data/{rel}"), n));
        Ok(())
    };

    // The checkpoint carries its cosignatures; when the witnesses have not yet cosigned it,
    // the latest one they did is kept beside it, so a witness policy can still be met.
    let note = ledger.with_cosignatures(note);
    put("checkpoint.note", note.encode().as_bytes())?;
    if let Some(witnessed) = ledger.latest_cosigned()? {
        if witnessed.checkpoint.size < size {
            put("witnessed.note", witnessed.encode().as_bytes())?;
        }
    }
    // Every log key with the size from which it signs (`log_key` stays the genesis one, for
    // readers of bags made before rotations), and, once the key was rotated, the first
    // checkpoint each key signed: what a verifier pinning any of them needs to follow the
    // chain (docs/FORMAT.md §4).
    let log_keys = ledger.log_keys();
    let listed: Vec<serde_json::Value> = log_keys
        .all()
        .iter()
        .filter(|k| k.from <= size)
        .map(|k| serde_json::json!({"key": k.key.encode(), "from": k.from}))
        .collect();
    if listed.len() > 1 {
        for first in ledger.first_checkpoints_by_key()?.into_iter().flatten() {
            let at = first.checkpoint.size;
            if at <= size {
                let first = ledger.checkpoint_at(at)?.unwrap_or(first);
                put(
                    &format!("{LOG_KEYS_DIR}/{at}.note"),
                    first.encode().as_bytes(),
                )?;
            }
        }
    }
    let ledger_json = serde_json::json!({
        "origin": ledger.origin(), "size": size, "root": B64.encode(note.checkpoint.root.0),
        "log_key": ledger.log_key().encode(), "log_keys": listed, "format": 1,
    });
    put(
        "ledger.json",
        serde_json::to_string_pretty(&ledger_json)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    for (kind, version) in &kinds {
        if let Some(text) = crate::domain::schemas::text(kind, *version) {
            put(&format!("schemas/{kind}/{version}.json"), text.as_bytes())?;
        }
    }
    for id in &rulebooks {
        if let Ok(rb) = crate::rulebook::Rulebook::get(id) {
            put(&format!("rulebooks/{id}.json"), rb.source.as_bytes())?;
        }
    }
    // RFC 3161 tokens on the checkpoints of this log: the exact bytes each covers, each TSA's
    // response, and the certificates they carry (`openssl ts -verify` needs nothing else).
    let mut responses = Vec::new();
    for at in ledger
        .timestamped_sizes()
        .into_iter()
        .filter(|s| *s <= size)
    {
        let Some(signed) = ledger.checkpoint_at(at)? else {
            continue;
        };
        put(
            &format!("timestamps/{at}.note"),
            &ledger.timestamped_bytes(&signed),
        )?;
        for (n, token) in ledger.timestamps_at(at).into_iter().enumerate() {
            put(&format!("timestamps/{at}-{}.tsr", n + 1), &token.response)?;
            responses.push(token.response);
        }
    }
    if !responses.is_empty() {
        put(
            "timestamps/tsa-certificates.pem",
            crate::timestamp::certificates_pem(&responses).as_bytes(),
        )?;
    }
    put("docs/FORMAT.md", FORMAT_MD.as_bytes())?;
    put("verify.html", VERIFY_HTML.as_bytes())?;
    for (rel, bytes) in render {
        if rel
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
        {
            return Err(ArchiveError::Io {
                path: data.join(RENDER_DIR).join(rel),
                message: "a rendered page's path must stay inside data/render/".into(),
            });
        }
        put(&format!("{RENDER_DIR}/{rel}"), bytes)?;
    }
    let blobs = ledger.blobs();
    // A case's confidential attachment never leaves with a bag, even if a copy was placed
    // among the public blobs.
    let confidential = crate::confidential::store::Store::beside(ledger.dir());
    for name in blobs.list()? {
        if name
            .parse::<Hash>()
            .is_ok_and(|h| confidential.document_case(&h).is_some())
        {
            continue;
        }
        if let Some(bytes) = blobs.get(&name)? {
            put(&format!("blobs/sha256/{name}"), &bytes)?;
        }
    }

    // The tag files: declaration, manifest, bag info, and the manifest of those.
    manifest.sort_by(|a, b| a.1.cmp(&b.1));
    let oxum_bytes: u64 = manifest.iter().map(|m| m.2).sum();
    let files = manifest.len();
    let manifest_text: String = manifest
        .iter()
        .map(|(sum, path, _)| format!("{sum}  {path}\n"))
        .collect();
    let bagit = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".to_string();
    let bag_info = format!(
        "Bag-Software-Agent: congress-ledger {}\nBagging-Date: {}\nPayload-Oxum: {oxum_bytes}.{files}\nExternal-Identifier: {}\nExternal-Description: Congress Ledger archive of {} at size {size}, root {}\n",
        env!("CARGO_PKG_VERSION"),
        crate::calendar::date_of(crate::engine::now_ms()),
        ledger.origin(),
        ledger.origin(),
        B64.encode(note.checkpoint.root.0),
    );
    let mut tags = Vec::new();
    for (name, text) in [
        ("bagit.txt", &bagit),
        ("manifest-sha256.txt", &manifest_text),
        ("bag-info.txt", &bag_info),
    ] {
        let path = partial.join(name);
        fs::write(&path, text).map_err(|e| io(&path, e))?;
        tags.push(format!(
            "{}  {name}\n",
            hex::encode(Sha256::digest(text.as_bytes()))
        ));
    }
    let path = partial.join("tagmanifest-sha256.txt");
    fs::write(&path, tags.concat()).map_err(|e| io(&path, e))?;
    fs::rename(&partial, out).map_err(|e| io(out, e))?;
    Ok(ExportSummary {
        bag: out.to_path_buf(),
        origin: ledger.origin().to_string(),
        size,
        root: note.checkpoint.root,
        files,
        bytes: oxum_bytes,
    })
}

/// What the bag's own structure says: complete and undamaged, or which file is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BagCheck {
    pub ok: bool,
    pub problems: Vec<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchiveReport {
    pub bag: BagCheck,
    pub origin: Option<String>,
    pub size: Option<u64>,
    /// The three levels, over the log in the bag (None when the bag's structure failed so
    /// badly that the log could not be read).
    pub report: Option<Report>,
}

impl ArchiveReport {
    /// The bag is whole and its log's integrity and authority hold.
    pub fn holds(&self) -> bool {
        self.bag.ok && self.report.as_ref().is_some_and(Report::holds)
    }
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    Ok(hex::encode(
        crate::timestamp::HashAlg::Sha256.digest_file(path)?,
    ))
}

/// The files under `dir`, by path relative to `base` with `/` separators.
pub(crate) fn payload_files(dir: &Path, base: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for item in fs::read_dir(dir)? {
        let item = item?;
        let path = item.path();
        if item.file_type()?.is_dir() {
            payload_files(&path, base, out)?;
        } else {
            let rel = path.strip_prefix(base).unwrap_or(&path);
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// Checks a manifest file: every line's checksum, and (for the payload manifest) that every
/// file under `data/` is listed.
fn check_manifest(bag: &Path, name: &str, payload: bool, problems: &mut Vec<Text>) {
    let path = bag.join(name);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(Text::new(
                format!("{name}: không đọc được ({e})"),
                format!("{name}: cannot be read ({e})"),
            ));
            return;
        }
    };
    let mut listed = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let Some((sum, file)) = line.split_once(char::is_whitespace) else {
            problems.push(Text::new(
                format!("{name} dòng {}: không ở dạng `checksum  path`", n + 1),
                format!("{name} line {}: not `checksum  path`", n + 1),
            ));
            continue;
        };
        let file = file.trim_start();
        if file.contains("..") || file.starts_with('/') {
            problems.push(Text::new(
                format!("{name} dòng {}: đường dẫn `{file}` ra ngoài hồ sơ", n + 1),
                format!("{name} line {}: path `{file}` leaves the bag", n + 1),
            ));
            continue;
        }
        listed.insert(file.to_string());
        match sha256_file(&bag.join(file)) {
            Ok(actual) if actual == sum.to_ascii_lowercase() => {}
            Ok(_) => problems.push(Text::new(
                format!("{file}: mã băm không khớp với {name}"),
                format!("{file}: checksum does not match {name}"),
            )),
            Err(e) => problems.push(Text::new(
                format!("{file}: có trong {name} nhưng không đọc được ({e})"),
                format!("{file}: listed in {name} but cannot be read ({e})"),
            )),
        }
    }
    if payload {
        let mut present = Vec::new();
        if let Err(e) = payload_files(&bag.join("data"), bag, &mut present) {
            problems.push(Text::new(
                format!("data/: không liệt kê được ({e})"),
                format!("data/: cannot be listed ({e})"),
            ));
        }
        for file in present.into_iter().filter(|f| !listed.contains(f)) {
            problems.push(Text::new(
                format!("{file}: có trong hồ sơ nhưng không có trong {name}"),
                format!("{file}: present but not in {name}"),
            ));
        }
    }
}

/// A problem if the bag carries no human-readable render: `data/render/index.html` (the
/// explorer's pages, which `export` writes) must be listed in the payload manifest, whose
/// checksums [`verify`] checks. Bags written by the library alone ([`export`]) carry none.
pub fn render_missing(bag: &Path) -> Option<Text> {
    let listed = fs::read_to_string(bag.join("manifest-sha256.txt"))
        .unwrap_or_default()
        .lines()
        .any(|l| l.split_once("  ").map(|(_, p)| p) == Some(RENDER_INDEX));
    (!listed).then(|| {
        Text::new(
            format!(
                "{RENDER_INDEX}: không có trong danh mục tệp (manifest-sha256.txt): hồ sơ lưu trữ thiếu bản trình bày đọc được (HTML) của hồ sơ (hãy xuất lại bằng `congress-ledger export`)"
            ),
            format!(
                "{RENDER_INDEX}: missing from the payload manifest: the bag carries no human-readable render of the record (export it again with `congress-ledger export`)"
            ),
        )
    })
}

/// The render's first page, as the payload manifest names it.
pub const RENDER_INDEX: &str = "data/render/index.html";

/// Verifies a bag: its structure (BagIt), then the log in it against the checkpoint, which
/// must be signed by `trusted` — the one thing a verifier brings from outside the bag.
pub fn verify(
    bag: &Path,
    trusted: &VerifierKey,
    options: &VerifyOptions,
) -> Result<ArchiveReport, ArchiveError> {
    let mut problems = Vec::new();
    match fs::read_to_string(bag.join("bagit.txt")) {
        Ok(t) if t.lines().any(|l| l.trim() == "BagIt-Version: 1.0") => {}
        Ok(_) => problems.push(Text::new(
            "bagit.txt: không khai báo BagIt-Version: 1.0",
            "bagit.txt: does not declare BagIt-Version: 1.0",
        )),
        Err(e) => problems.push(Text::new(
            format!(
                "bagit.txt: không có ({e}); {} có phải một hồ sơ lưu trữ (bag) không?",
                bag.display()
            ),
            format!("bagit.txt: missing ({e}); is {} a bag?", bag.display()),
        )),
    }
    check_manifest(bag, "manifest-sha256.txt", true, &mut problems);
    if bag.join("tagmanifest-sha256.txt").exists() {
        check_manifest(bag, "tagmanifest-sha256.txt", false, &mut problems);
    }
    // Attached documents are named by their content's hash.
    let blobs = bag.join("data/blobs/sha256");
    if let Ok(items) = fs::read_dir(&blobs) {
        for item in items.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            if sha256_file(&item.path()).map_or(true, |sum| sum != name) {
                problems.push(Text::new(
                    format!("data/blobs/sha256/{name}: nội dung không băm ra đúng tên tệp"),
                    format!("data/blobs/sha256/{name}: content does not hash to its name"),
                ));
            }
        }
    }

    let ledger_json: Option<serde_json::Value> = fs::read(bag.join("data/ledger.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let Some(ledger_json) = ledger_json else {
        problems.push(Text::new(
            "data/ledger.json: không có hoặc không phải JSON",
            "data/ledger.json: missing or not JSON",
        ));
        return Ok(ArchiveReport {
            bag: BagCheck {
                ok: false,
                problems,
            },
            origin: None,
            size: None,
            report: None,
        });
    };
    let origin = ledger_json["origin"].as_str().map(str::to_string);
    let size = ledger_json["size"].as_u64();
    if ledger_json["format"].as_u64() != Some(1) {
        problems.push(Text::new(
            "data/ledger.json: định dạng (format) không phải 1",
            "data/ledger.json: format is not 1",
        ));
    }
    let note = fs::read_to_string(bag.join("data/checkpoint.note"))
        .ok()
        .and_then(|t| SignedNote::parse(&t).ok());
    let Some(note) = note else {
        problems.push(Text::new(
            "data/checkpoint.note: không có hoặc không phải một ghi chú đã ký",
            "data/checkpoint.note: missing or not a signed note",
        ));
        return Ok(ArchiveReport {
            bag: BagCheck {
                ok: false,
                problems,
            },
            origin,
            size,
            report: None,
        });
    };
    if Some(note.checkpoint.size) != size
        || origin.as_deref() != Some(note.checkpoint.origin.as_str())
    {
        problems.push(Text::new(
            "data/ledger.json: nguồn (origin) hoặc cỡ khác với data/checkpoint.note",
            "data/ledger.json: origin or size differs from data/checkpoint.note",
        ));
    }
    if ledger_json["root"].as_str() != Some(B64.encode(note.checkpoint.root.0).as_str()) {
        problems.push(Text::new(
            "data/ledger.json: gốc khác với data/checkpoint.note",
            "data/ledger.json: root differs from data/checkpoint.note",
        ));
    }
    // The key the verifier brought must be the one that signed the bag's checkpoint; if not,
    // nothing in the bag can be checked against it: say so, rather than fail at some entry.
    // Once the log key was rotated (the bag lists more than one), the chain is followed from
    // the trusted key instead, through the checkpoints of `data/log-keys/`.
    let rotated = ledger_json["log_keys"]
        .as_array()
        .is_some_and(|keys| keys.len() > 1);
    if let (false, Err(e)) = (rotated, note.verify(trusted)) {
        problems.push(Text::new(
            format!(
                "khóa sổ cái đã cho (`{}`) không khớp với điểm kiểm tra của hồ sơ, do sổ `{}` ký: {}; hãy lấy khóa sổ cái từ một nguồn tin cậy và đưa bằng --log-key",
                trusted.encode(),
                note.checkpoint.origin,
                e.vi()
            ),
            format!(
                "the log key given (`{}`) does not match this bag's checkpoint, which the log `{}` signed: {e}; obtain the log key from a source you trust and give it with --log-key",
                trusted.encode(),
                note.checkpoint.origin
            ),
        ));
        return Ok(ArchiveReport {
            bag: BagCheck {
                ok: false,
                problems,
            },
            origin,
            size,
            report: None,
        });
    }

    // The log: streamed in chunks, verified at all three levels against the checkpoint.
    let folding = VerifyOptions {
        with_projections: true,
        ..options.clone()
    };
    let mut verifier = integrity::Verifier::new(origin.clone(), folding);
    let mut notes = vec![note];
    if let Ok(text) = fs::read_to_string(bag.join("data/witnessed.note")) {
        match SignedNote::parse(&text) {
            Ok(w) => notes.insert(0, w),
            Err(e) => problems.push(Text::new(
                format!(
                    "data/witnessed.note: không phải một ghi chú đã ký: {}",
                    e.vi()
                ),
                format!("data/witnessed.note: not a signed note: {e}"),
            )),
        }
    }
    // The timestamped checkpoints too: each must be the log's, over this very log.
    // (Before the bag's own notes of the same size, which stay last.)
    let mut timestamped = Vec::new();
    for (name, text) in timestamp_notes(bag) {
        match SignedNote::parse(&text) {
            Ok(n) => timestamped.push(n),
            Err(e) => problems.push(Text::new(
                format!("{name}: không phải một ghi chú đã ký: {}", e.vi()),
                format!("{name}: not a signed note: {e}"),
            )),
        }
    }
    for (name, text) in log_key_notes(bag) {
        match SignedNote::parse(&text) {
            Ok(n) => timestamped.push(n),
            Err(e) => problems.push(Text::new(
                format!("{name}: không phải một ghi chú đã ký: {}", e.vi()),
                format!("{name}: not a signed note: {e}"),
            )),
        }
    }
    timestamped.append(&mut notes);
    notes = timestamped;
    notes.sort_by_key(|n| n.checkpoint.size);
    let sizes: Vec<u64> = notes.iter().map(|n| n.checkpoint.size).collect();
    verifier.want_roots(&sizes);
    let path = bag.join("data/entries.bin");
    let file = File::open(&path).map_err(|e| io(&path, e))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut buf: Vec<u8> = Vec::new();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut go_on = true;
    loop {
        let mut len = [0u8; 8];
        match read_full(&mut reader, &mut len) {
            Ok(0) => break,
            Ok(8) => {}
            Ok(_) => {
                verifier.framing_failure(Text::new(
                    "entries.bin kết thúc giữa một tiền tố độ dài",
                    "entries.bin ends inside a length prefix",
                ));
                break;
            }
            Err(e) => return Err(io(&path, e)),
        }
        let n = u64::from_le_bytes(len);
        if n > MAX_ENTRY_BYTES as u64 {
            verifier.framing_failure(Text::new(
                format!("độ dài mục {n} vượt giới hạn {MAX_ENTRY_BYTES}"),
                format!("entry length {n} is over the limit of {MAX_ENTRY_BYTES}"),
            ));
            break;
        }
        let start = buf.len();
        buf.resize(start + n as usize, 0);
        if read_full(&mut reader, &mut buf[start..]).map_err(|e| io(&path, e))? != n as usize {
            buf.truncate(start);
            go_on = flush(&mut verifier, &buf, &mut spans);
            if go_on {
                verifier.framing_failure(Text::new(
                    "entries.bin kết thúc giữa một mục",
                    "entries.bin ends inside an entry",
                ));
            }
            break;
        }
        spans.push((start, start + n as usize));
        if spans.len() == integrity::CHUNK {
            go_on = flush(&mut verifier, &buf, &mut spans);
            buf.clear();
            if !go_on {
                break;
            }
        }
    }
    if go_on {
        flush(&mut verifier, &buf, &mut spans);
    }
    let mut integrity = verifier.finish(&notes, Some(trusted));
    if integrity.failure.is_none() && Some(integrity.entries) != size {
        problems.push(Text::new(
            format!(
                "data/entries.bin: có {} mục, data/ledger.json ghi {}",
                integrity.entries,
                size.unwrap_or(0)
            ),
            format!(
                "data/entries.bin: holds {} entries, data/ledger.json says {}",
                integrity.entries,
                size.unwrap_or(0)
            ),
        ));
    }
    let projections = integrity.projections.take();
    let witnessed = options.witness_policy.as_ref().map(|policy| {
        crate::verify::witnessed::judge(&notes, &integrity.checkpoints, integrity.entries, policy)
    });
    let mut report = Report::new(integrity).with_witnesses(witnessed);
    if let (true, Some(p)) = (report.integrity.ok, projections) {
        let default = genesis_rulebook(bag).unwrap_or_default();
        report = report.with_procedure(crate::rules::check(&p, &default));
    }
    Ok(ArchiveReport {
        bag: BagCheck {
            ok: problems.is_empty(),
            problems,
        },
        origin,
        size,
        report: Some(report),
    })
}

/// The `data/timestamps/<size>.note` files of a bag, by name, with their text.
pub fn timestamp_notes(bag: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Ok(items) = fs::read_dir(bag.join("data/timestamps")) {
        for item in items.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            if name.ends_with(".note") {
                let text = fs::read_to_string(item.path()).unwrap_or_default();
                out.push((format!("data/timestamps/{name}"), text));
            }
        }
    }
    out.sort();
    out
}

fn flush(verifier: &mut integrity::Verifier, buf: &[u8], spans: &mut Vec<(usize, usize)>) -> bool {
    let chunk: Vec<&[u8]> = spans.iter().map(|&(a, b)| &buf[a..b]).collect();
    spans.clear();
    verifier.push_chunk(&chunk).is_ok()
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut read = 0;
    while read < buf.len() {
        match r.read(&mut buf[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(read)
}

/// The rulebook the genesis event names (for complaints that concern no congress).
fn genesis_rulebook(bag: &Path) -> Option<String> {
    let mut f = File::open(bag.join("data/entries.bin")).ok()?;
    let mut len = [0u8; 8];
    f.read_exact(&mut len).ok()?;
    let n = u64::from_le_bytes(len).min(MAX_ENTRY_BYTES as u64) as usize;
    let mut entry = vec![0u8; n];
    f.read_exact(&mut entry).ok()?;
    let e = Entry::decode(&entry).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&e.event.body().payload).ok()?;
    v["rulebook"].as_str().map(str::to_string)
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error("the bag does not verify, so it is not imported: {0}")]
    Refused(Text),
    #[error("{0} already holds files; import into a new or empty directory")]
    NotEmpty(PathBuf),
    #[error("the signing key given is not the log key the bag's ledger names")]
    WrongKey,
    #[error(transparent)]
    Open(#[from] crate::engine::OpenError),
}

/// Brings a bag back as a live ledger in `dir`: verified first (against `trusted`), then its
/// entries are written as they are — positions, `received` times and all — so the imported
/// log has the same root, and its checkpoint is kept. With the log's signing key the ledger
/// can go on appending; without it, it is a read-only mirror.
pub fn import(
    bag: &Path,
    dir: &Path,
    trusted: &VerifierKey,
    signing_key: Option<ed25519_dalek::SigningKey>,
    options: crate::engine::Options,
    verify_options: &VerifyOptions,
) -> Result<(ArchiveReport, Ledger), ImportError> {
    let report = verify(bag, trusted, verify_options)?;
    if !report.holds() {
        let why = report
            .bag
            .problems
            .first()
            .cloned()
            .or_else(|| {
                report.report.as_ref().and_then(|r| {
                    r.integrity
                        .failure
                        .as_ref()
                        .or(r.authority.unauthorized.first())
                        .map(|f| {
                            Text::new(
                                format!("mục {}: {}", f.position, f.detail_vi),
                                format!("entry {}: {}", f.position, f.detail),
                            )
                        })
                })
            })
            .unwrap_or_else(|| Text::new("hồ sơ không kiểm tra đạt", "it does not verify"));
        return Err(ImportError::Refused(why));
    }
    // The signing key: the trusted one, or, for a log whose key was rotated, one of the keys
    // the bag lists (checked against the chain the opened ledger folds, below).
    let listed = listed_log_keys(bag);
    if let Some(k) = &signing_key {
        let public = k.verifying_key().to_bytes();
        if public != trusted.public && !listed.iter().any(|l| l.public == public) {
            return Err(ImportError::WrongKey);
        }
    }
    if dir.exists() && fs::read_dir(dir).map_err(|e| io(dir, e))?.next().is_some() {
        return Err(ImportError::NotEmpty(dir.to_path_buf()));
    }
    // The entries as they were stored, then the checkpoint they verified against.
    let mut log = MirrorLog::create(dir, options.segment_bytes).map_err(ArchiveError::from)?;
    let path = bag.join("data/entries.bin");
    let data = fs::read(&path).map_err(|e| io(&path, e))?;
    for bytes in crate::format::entry::split_entries_bin(&data) {
        let bytes = bytes.map_err(|e| ImportError::Refused(Text::of(&e)))?;
        log.push(bytes).map_err(ArchiveError::from)?;
    }
    // The checkpoints, the log's signature kept with each and the witnesses' cosignatures
    // beside them, as the ledger keeps them.
    let mut cosignatures = CosignatureFile::open(&crate::storage::files::FileHistories::new(dir))
        .map_err(ArchiveError::from)?;
    // The first checkpoints of each log key (a rotated log's) come first, by size; a size the
    // bag holds twice is kept once, as its last file has it.
    let mut texts = log_key_notes(bag);
    for name in ["witnessed.note", "checkpoint.note"] {
        let path = bag.join("data").join(name);
        if name == "witnessed.note" && !path.exists() {
            continue;
        }
        texts.push((
            name.to_string(),
            fs::read_to_string(&path).map_err(|e| io(&path, e))?,
        ));
    }
    let mut notes: Vec<SignedNote> = Vec::new();
    for (name, text) in texts {
        let note = SignedNote::parse(&text).map_err(|e| {
            ImportError::Refused(Text::new(
                format!("{name}: {}", e.vi()),
                format!("{name}: {e}"),
            ))
        })?;
        notes.retain(|n| n.checkpoint.size != note.checkpoint.size);
        notes.push(note);
    }
    notes.sort_by_key(|n| n.checkpoint.size);
    for mut note in notes {
        // The log's own Ed25519 lines (by any of its keys) stay with the checkpoint.
        let (own, others): (Vec<_>, Vec<_>) = note
            .signatures
            .drain(..)
            .partition(|s| s.name == trusted.name && s.signature.len() == 64);
        note.signatures = own;
        log.checkpoint(&note).map_err(ArchiveError::from)?;
        for sig in others {
            cosignatures
                .add(note.checkpoint.size, sig)
                .map_err(ArchiveError::from)?;
        }
    }
    drop(log);
    let blobs = bag.join("data/blobs/sha256");
    if blobs.is_dir() {
        // Stored again by content, so a copied document is named by its own hash.
        let target = crate::storage::blobs::FileBlobs::new(dir);
        for item in fs::read_dir(&blobs).map_err(|e| io(&blobs, e))?.flatten() {
            let bytes = fs::read(item.path()).map_err(|e| io(&item.path(), e))?;
            target.put(&bytes).map_err(ArchiveError::from)?;
        }
    }
    match &signing_key {
        // The genesis key is `log.key`; a later one goes where a rotation keeps it.
        Some(k) if listed.len() > 1 && listed[0].public != k.verifying_key().to_bytes() => {
            let file = crate::engine::log_key_file(dir, &k.verifying_key().to_bytes());
            if let Some(parent) = file.parent() {
                fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
            }
            crate::keys::write(&file, k).map_err(crate::engine::OpenError::from)?
        }
        Some(k) => {
            crate::keys::write(&dir.join("log.key"), k).map_err(crate::engine::OpenError::from)?
        }
        None => mark_read_only(
            dir,
            &format!(
                "A read-only mirror of {}, imported from {}.",
                trusted.name,
                bag.display()
            ),
        )
        .map_err(ArchiveError::from)?,
    }
    crate::storage::segment::sync_dir(dir).map_err(ArchiveError::from)?;
    let ledger = Ledger::open(dir, options)?;
    if let Some(k) = &signing_key {
        let public = k.verifying_key().to_bytes();
        if !ledger
            .log_keys()
            .all()
            .iter()
            .any(|l| l.key.public == public)
        {
            return Err(ImportError::WrongKey);
        }
    }
    Ok((report, ledger))
}
