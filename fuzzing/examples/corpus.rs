//! Writes the seeds of every target as a libFuzzer corpus, one directory per target:
//! `cargo run -p fuzzing --example corpus -- fuzz/corpus`, then
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run -s none TARGET` (run from the repository root) starts
//! from them.

use std::path::PathBuf;

use fuzzing::seeds::seeds;

fn main() -> std::io::Result<()> {
    let root = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/corpus".into()),
    );
    let s = seeds();
    let kinds = ledger::catalogue::KINDS;
    let with_kind = |kind: &str, payload: &[u8]| {
        let pick = kinds.iter().position(|k| k.kind == kind).unwrap_or(0) as u8;
        [&[pick][..], payload].concat()
    };
    let texts = |t: &[String]| t.iter().map(|x| x.as_bytes().to_vec()).collect::<Vec<_>>();
    let mut http: Vec<Vec<u8>> = s.events.iter().map(|e| [&[0u8][..], e].concat()).collect();
    for path in [
        "events/3",
        "proofs/inclusion?position=3&size=10",
        "streams/ledger?from=0",
    ] {
        http.push([&[1u8][..], path.as_bytes()].concat());
    }
    let targets: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("event", s.events.clone()),
        ("entry", s.entries.clone()),
        ("entries_bin", s.entries_bins.clone()),
        ("frames", s.frames.clone()),
        ("note", texts(&s.notes)),
        ("key", texts(&s.keys)),
        (
            "payload",
            s.payloads.iter().map(|(k, p)| with_kind(k, p)).collect(),
        ),
        ("http", http),
    ];
    for (name, inputs) in targets {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir)?;
        for (i, input) in inputs.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i:04}")), input)?;
        }
        println!("{}: {} seeds", dir.display(), inputs.len());
    }
    Ok(())
}
