//! The bag's files as the evidence record sees them: the payload it covers, and rewriting the
//! record itself with the manifests that list it kept true (BagIt, RFC 8493).

use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::FILE;
use crate::timestamp::LongTermError;

fn io(path: &str, e: std::io::Error) -> LongTermError {
    LongTermError::new(
        path,
        format!("lỗi đọc/ghi: {e}"),
        format!("input/output error: {e}"),
    )
}

/// The payload files the record covers: every file under `data/` but the record, by path.
pub fn payload(bag: &Path) -> Result<Vec<String>, LongTermError> {
    let mut out = Vec::new();
    crate::archive::payload_files(&bag.join("data"), bag, &mut out).map_err(|e| io("data/", e))?;
    out.retain(|f| f != FILE);
    out.sort();
    Ok(out)
}

/// Writes the payload file `rel` (whole, by rename), then its line in `manifest-sha256.txt`,
/// the Payload-Oxum of `bag-info.txt` and `tagmanifest-sha256.txt`: every other payload file
/// and its manifest line stay as they were.
pub fn replace_payload_file(bag: &Path, rel: &str, bytes: &[u8]) -> Result<(), LongTermError> {
    let path = bag.join(rel);
    let partial = path.with_extension("partial");
    fs::write(&partial, bytes).map_err(|e| io(rel, e))?;
    fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(|e| io(rel, e))?;
    fs::rename(&partial, &path).map_err(|e| io(rel, e))?;

    let manifest = "manifest-sha256.txt";
    let text = fs::read_to_string(bag.join(manifest)).map_err(|e| io(manifest, e))?;
    let mut lines: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.split_once(char::is_whitespace))
        .map(|(sum, file)| (file.trim_start().to_string(), sum.to_string()))
        .filter(|(file, _)| file != rel)
        .collect();
    lines.push((rel.to_string(), hex::encode(Sha256::digest(bytes))));
    lines.sort();
    let mut bytes_total = 0u64;
    for (file, _) in &lines {
        bytes_total += fs::metadata(bag.join(file)).map_err(|e| io(file, e))?.len();
    }
    let text: String = lines
        .iter()
        .map(|(file, sum)| format!("{sum}  {file}\n"))
        .collect();
    write_tag(bag, manifest, &text)?;

    let info = "bag-info.txt";
    let text = fs::read_to_string(bag.join(info)).map_err(|e| io(info, e))?;
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("Payload-Oxum:") {
                format!("Payload-Oxum: {bytes_total}.{}\n", lines.len())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    write_tag(bag, info, &text)?;

    let tags = "tagmanifest-sha256.txt";
    let text = fs::read_to_string(bag.join(tags)).map_err(|e| io(tags, e))?;
    let mut out = String::new();
    for line in text.lines() {
        let Some((_, file)) = line.split_once(char::is_whitespace) else {
            continue;
        };
        let file = file.trim_start();
        let content = fs::read(bag.join(file)).map_err(|e| io(file, e))?;
        out.push_str(&format!(
            "{}  {file}\n",
            hex::encode(Sha256::digest(&content))
        ));
    }
    write_tag(bag, tags, &out)
}

fn write_tag(bag: &Path, name: &str, text: &str) -> Result<(), LongTermError> {
    let path = bag.join(name);
    let partial = path.with_extension("partial");
    fs::write(&partial, text).map_err(|e| io(name, e))?;
    fs::rename(&partial, &path).map_err(|e| io(name, e))
}
