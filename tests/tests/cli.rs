//! The `congress-ledger` binary, driven as a user would drive it.

mod common;

use common::{run, stderr, stdout};

#[test]
fn demo_builds_verifies_and_reports_the_hai_duong_congress() {
    let out = run(&["demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Toàn vẹn / Integrity") && text.contains("ĐẠT / OK"),
        "{text}"
    );
    // The figures of the provincial party office's report.
    for figure in [
        "Ban Chấp hành / Committee: 41, bầu một lần đủ / elected in one round",
        "tái cử / incumbents re-elected 32/32",
        "nữ / women 8/41 (19,5%)",
        "trẻ / young 6/41 (14,6%)",
        "Lê Đình Long, 293 phiếu / votes (98,7%",
        "Delegation: 37 chính thức + 2 dự khuyết / 37 official + 2 alternates",
        "Thủ tục / Procedure          0 vi phạm",
        "42/69 (60,87%)",
        "184 cấp ủy viên được bầu",
        "18/18",
        // Phú Thọ's figures, added up from its 18 congresses' acts.
        "secretaries not local 16/18",
        "young members 16,83% (138/820)",
        "women 19,63% (161/820)",
        "standing committees with a woman 15/18",
        "297 đại biểu chính thức",
        "25 phát hiện / findings",
    ] {
        assert!(text.contains(figure), "missing `{figure}` in: {text}");
    }
    assert!(text.contains("Việc bầu Bí thư trực tiếp"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo");
    let out = run(&["demo", "--ledger", path.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["report"]["integrity"]["ok"], true);
    assert_eq!(v["report"]["integrity"]["entries"], 249);
    assert_eq!(v["kinds"]["person.registered"], 73);
    // The ledger stays where it was asked to be built, and verifies again from disk.
    let out = run(&["verify", "--ledger", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn an_inspector_creates_keys_records_an_act_verifies_and_proves_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let mut public = std::collections::HashMap::new();
    for k in ["authority", "log", "outsider", "superior"] {
        let out = run(&["key", "generate", "--out", &p(&format!("{k}.key"))]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out).trim().len(), 64, "public key as hex, one line");
        public.insert(k, stdout(&out).trim().to_string());
    }
    let mode = std::fs::metadata(p("log.key")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o600
    );
    let out = run(&["key", "generate", "--out", &p("log.key")]);
    assert!(
        !out.status.success(),
        "an existing key file is never overwritten"
    );

    let origin = "ledger.test.vn/cli";
    let out = run(&["key", "show", &p("log.key"), "--name", origin]);
    let vkey = stdout(&out).lines().nth(1).unwrap().to_string();
    assert!(vkey.starts_with("ledger.test.vn/cli+"), "{vkey}");

    let out = run(&[
        "init",
        "--ledger",
        &p("l"),
        "--origin",
        origin,
        "--title",
        "Sổ cái thử",
        "--authority-key",
        &p("authority.key"),
        "--log-key",
        &p("log.key"),
        "--rulebook",
        "qd190-2024",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&vkey));

    // The authority signs the key registry only: an org it records is refused, with the reason.
    std::fs::write(
        p("org.json"),
        r#"{"org":"hd.test","name":"Đảng bộ thử","parent":null,"level":"district"}"#,
    )
    .unwrap();
    let append_org = |key: &str| {
        run(&[
            "append",
            "--ledger",
            &p("l"),
            "--key",
            &p(key),
            "--stream",
            "org/hd.test",
            "--kind",
            "org.registered",
            "--time",
            "2020-06-05T08:00:00+07:00",
            "--payload",
            &p("org.json"),
        ])
    };
    let out = append_org("authority.key");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("only the key registry"),
        "{}",
        stderr(&out)
    );
    // It enrolls the superior committee's key for orgs, which then records the org.
    std::fs::write(
        p("enroll.json"),
        format!(
            r#"{{"key":"{}","holder":"Ban Thường vụ","roles":["superior"],"scope":"org/","valid_from":1577836800000,"valid_until":null}}"#,
            public["superior"]
        ),
    )
    .unwrap();
    let out = run(&[
        "append",
        "--ledger",
        &p("l"),
        "--key",
        &p("authority.key"),
        "--stream",
        "ledger",
        "--kind",
        "key.enrolled",
        "--payload",
        &p("enroll.json"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = append_org("superior.key");
    assert!(out.status.success(), "{}", stderr(&out));
    let line = stdout(&out);
    let (position, hash) = line.trim().split_once('\t').unwrap();
    assert_eq!(position, "2");
    assert_eq!(hash.len(), 64);

    // An outsider's act is refused, with the reason, and exit code 1.
    let out = run(&[
        "append",
        "--ledger",
        &p("l"),
        "--key",
        &p("outsider.key"),
        "--stream",
        "org/hd.test",
        "--kind",
        "org.registered",
        "--payload",
        &p("org.json"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not enrolled"), "{}", stderr(&out));
    // A bad time is bad usage: exit 2, saying what to write instead.
    let out = run(&[
        "append",
        "--ledger",
        &p("l"),
        "--key",
        &p("authority.key"),
        "--stream",
        "org/hd.test",
        "--kind",
        "org.registered",
        "--time",
        "5/6/2020",
        "--payload",
        &p("org.json"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("RFC 3339"), "{}", stderr(&out));

    let out = run(&["checkpoint", "--ledger", &p("l")]);
    assert!(out.status.success());
    let note = stdout(&out);
    assert!(note.starts_with("ledger.test.vn/cli\n3\n"), "{note}");

    let out = run(&[
        "proof",
        "inclusion",
        "--ledger",
        &p("l"),
        "--position",
        "2",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["size"], 3);
    assert_eq!(v["proof"].as_array().unwrap().len(), 1);
    // Without --json, what is printed is labelled (issue 13 §6): sizes, roots, then the hashes.
    let out = run(&["proof", "consistency", "--ledger", &p("l"), "--old", "2"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("cỡ cũ / old size 2 (gốc / root "),
        "{text}"
    );
    assert!(lines[0].contains("cỡ mới / new size 3"), "{text}");
    assert_eq!(
        lines[1], "chứng minh / proof (1 mã băm / hashes):",
        "{text}"
    );
    assert!(
        lines[2].starts_with("  ") && lines[2].trim().len() == 64,
        "{text}"
    );
    let out = run(&[
        "--lang",
        "vi",
        "proof",
        "inclusion",
        "--ledger",
        &p("l"),
        "--position",
        "2",
    ]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.starts_with("vị trí 2, cỡ cây 3\ngốc: "), "{text}");
    assert!(text.contains("chứng minh (1 mã băm):"), "{text}");

    let out = run(&["verify", "--ledger", &p("l"), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["integrity"]["ok"], true);
    assert_eq!(v["authority"]["ok"], true);

    // One flipped byte in the stored log: verification fails with exit 1 and names the damage.
    let seg = std::fs::read_dir(dir.path().join("l/log"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&seg).unwrap();
    let n = bytes.len();
    bytes[n - 100] ^= 0x01;
    std::fs::write(&seg, &bytes).unwrap();
    let out = run(&["verify", "--ledger", &p("l")]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("KHÔNG ĐẠT / FAILED"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn unreadable_input_is_exit_2_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&[
        "verify",
        "--ledger",
        dir.path().join("nothing").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a ledger directory"),
        "{}",
        stderr(&out)
    );
    let out = run(&[
        "key",
        "show",
        dir.path().join("missing.key").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read key file"),
        "{}",
        stderr(&out)
    );
}
