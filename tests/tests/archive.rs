//! Archive bags: written by `export`, verified offline by `verify --archive`, and refused
//! after any change to their payload.

mod common;

use std::path::Path;

use common::{run, stderr, stdout};

fn demo_bag(dir: &Path) -> (String, String) {
    let ledger = dir.join("demo");
    let out = run(&["demo", "--ledger", ledger.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bag = dir.join("bag");
    let out = run(&[
        "export",
        "--ledger",
        ledger.to_str().unwrap(),
        "--out",
        bag.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["size"], 249);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bag.join("data/ledger.json")).unwrap()).unwrap();
    (
        bag.to_str().unwrap().to_string(),
        json["log_key"].as_str().unwrap().to_string(),
    )
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for item in std::fs::read_dir(dir).unwrap() {
        let path = item.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn an_exported_bag_verifies_offline_and_explains_itself() {
    let dir = tempfile::tempdir().unwrap();
    let (bag, key) = demo_bag(dir.path());
    let root = Path::new(&bag);
    for required in [
        "bagit.txt",
        "bag-info.txt",
        "manifest-sha256.txt",
        "tagmanifest-sha256.txt",
        "data/entries.bin",
        "data/checkpoint.note",
        "data/ledger.json",
        "data/docs/FORMAT.md",
        "data/schemas/ballots.counted/1.json",
        "data/rulebooks/qd244-2014.json",
    ] {
        assert!(root.join(required).is_file(), "{required}");
    }
    let out = run(&["verify", "--archive", &bag, "--log-key", &key, "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["bag"]["ok"], true);
    assert_eq!(v["report"]["integrity"]["entries"], 249);
    assert_eq!(v["report"]["findings"].as_array().unwrap().len(), 0);
    // Exporting to the same path again is refused: a bag is never overwritten.
    let out = run(&[
        "export",
        "--ledger",
        dir.path().join("demo").to_str().unwrap(),
        "--out",
        &bag,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
}

#[test]
fn a_changed_byte_anywhere_in_the_payload_is_caught_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let (bag, key) = demo_bag(dir.path());
    let mut files = Vec::new();
    files_under(&Path::new(&bag).join("data"), &mut files);
    assert!(files.len() >= 10);
    // The readable render (`data/render/`, hundreds of pages) is one manifest's concern like
    // the rest: a few of its files stand for all of them.
    let render = Path::new(&bag).join("data/render");
    let mut rendered = 0;
    files.retain(|f| {
        !f.starts_with(&render) || {
            rendered += 1;
            rendered <= 3
        }
    });
    assert_eq!(rendered.min(3), 3, "the bag carries its render");
    for file in files {
        let original = std::fs::read(&file).unwrap();
        let at = original.len() / 2;
        let mut bytes = original.clone();
        bytes[at] ^= 0x20;
        std::fs::write(&file, &bytes).unwrap();
        let out = run(&["verify", "--archive", &bag, "--log-key", &key]);
        let rel = file
            .strip_prefix(&bag)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{rel} byte {at}: {}",
            stdout(&out)
        );
        assert!(
            stdout(&out).contains(&rel),
            "{rel} is named: {}",
            stdout(&out)
        );
        std::fs::write(&file, &original).unwrap();
    }
    let out = run(&["verify", "--archive", &bag, "--log-key", &key]);
    assert_eq!(out.status.code(), Some(0), "restored: {}", stdout(&out));
}

#[test]
fn a_forged_log_with_rewritten_manifests_fails_on_its_signatures_and_a_wrong_key_fails_the_checkpoint(
) {
    let dir = tempfile::tempdir().unwrap();
    let (bag, key) = demo_bag(dir.path());
    let root = Path::new(&bag);
    // Change one byte of an entry's payload and make the manifests agree: the bag's structure
    // is then sound, and only the log's own checks can tell.
    let entries = root.join("data/entries.bin");
    let mut bytes = std::fs::read(&entries).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0x01;
    std::fs::write(&entries, &bytes).unwrap();
    let manifest = std::fs::read_to_string(root.join("manifest-sha256.txt")).unwrap();
    let sum = hex::encode(sha2_digest(&bytes));
    let manifest: String = manifest
        .lines()
        .map(|l| {
            if l.ends_with("data/entries.bin") {
                format!("{sum}  data/entries.bin\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(root.join("manifest-sha256.txt"), &manifest).unwrap();
    std::fs::remove_file(root.join("tagmanifest-sha256.txt")).unwrap();
    let out = run(&["verify", "--archive", &bag, "--log-key", &key, "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["bag"]["ok"], true,
        "the forger kept the bag's structure sound"
    );
    assert_eq!(v["report"]["integrity"]["ok"], false);

    // A fresh bag, checked with a key that is not the log's.
    let dir2 = tempfile::tempdir().unwrap();
    let (bag2, _) = demo_bag(dir2.path());
    let other = "ledger.demo.vn/tinh-haiduong/2020-2025+00000000+AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB";
    let out = run(&["verify", "--archive", &bag2, "--log-key", other]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a malformed key is bad usage: {}",
        stderr(&out)
    );
    let out = run(&[
        "key",
        "generate",
        "--out",
        dir2.path().join("x.key").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let out = run(&[
        "key",
        "show",
        dir2.path().join("x.key").to_str().unwrap(),
        "--name",
        "ledger.demo.vn/tinh-haiduong/2020-2025",
    ]);
    let wrong = stdout(&out).lines().nth(1).unwrap().to_string();
    let out = run(&["verify", "--archive", &bag2, "--log-key", &wrong]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("no valid signature"),
        "{}",
        stdout(&out)
    );
}

fn sha2_digest(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

#[test]
fn a_bag_comes_back_as_a_mirror_or_with_its_key_as_a_live_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let (bag, key) = demo_bag(dir.path());
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let original_root = {
        let out = run(&["verify", "--ledger", &p("demo"), "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["integrity"]["root"].as_str().unwrap().to_string()
    };

    // As a mirror: the same entries and root; appends are refused with the reason.
    let out = run(&[
        "import",
        "--archive",
        &bag,
        "--ledger",
        &p("mirror"),
        "--log-key",
        &key,
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["size"].as_u64(), v["mirror"].as_bool()),
        (Some(249), Some(true))
    );
    assert_eq!(v["root"].as_str().unwrap(), original_root);
    let out = run(&["verify", "--ledger", &p("mirror")]);
    assert!(out.status.success(), "{}", stdout(&out));
    std::fs::write(
        p("org.json"),
        r#"{"org":"hd.x","name":"Đảng bộ X","parent":null,"level":"district"}"#,
    )
    .unwrap();
    let out = run(&["key", "generate", "--out", &p("any.key")]);
    assert!(out.status.success());
    let out = run(&[
        "append",
        "--ledger",
        &p("mirror"),
        "--key",
        &p("any.key"),
        "--stream",
        "org/hd.x",
        "--kind",
        "org.registered",
        "--payload",
        &p("org.json"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("read-only mirror"),
        "{}",
        stderr(&out)
    );

    // With the log's signing key (the demo ledger's), it goes on appending.
    let signing = dir.path().join("demo/log.key");
    let out = run(&[
        "import",
        "--archive",
        &bag,
        "--ledger",
        &p("live"),
        "--log-key",
        &key,
        "--signing-key",
        signing.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["checkpoint", "--ledger", &p("live")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("\n249\n"), "{}", stdout(&out));

    // A damaged bag is refused, and nothing is created.
    let entries = Path::new(&bag).join("data/entries.bin");
    let mut bytes = std::fs::read(&entries).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&entries, &bytes).unwrap();
    let out = run(&[
        "import",
        "--archive",
        &bag,
        "--ledger",
        &p("refused"),
        "--log-key",
        &key,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not verify"), "{}", stderr(&out));
    assert!(!dir.path().join("refused").exists());
}
