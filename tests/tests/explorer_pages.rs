//! The explorer's server-rendered pages (issue 14), read as HTML without a browser: one
//! language per page, the complaint register, progress by a date, the home and congress
//! pages, an act as a document, a read-only mirror serving the pages, and `verify.html` in
//! every bag.

mod common;

use std::path::{Path, PathBuf};

use common::{run, stderr, stdout, Server};
use serde_json::Value;

const CONGRESS: &str = "/congresses/hd.tp-haiduong/2020-2025";

/// A page or answer: its status and body.
fn get(base: &str, path: &str) -> (u16, String) {
    match ureq::get(&format!("{base}{path}")).call() {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
        Err(e) => panic!("{path}: {e}"),
    }
}

/// A page that must answer 200.
fn page(base: &str, path: &str) -> String {
    let (status, body) = get(base, path);
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn json(base: &str, path: &str) -> Value {
    serde_json::from_str(&page(base, path)).unwrap()
}

/// The text between `<main>` and `</main>`: what a page says, without the navigation (which
/// names the other language's link).
fn main_of(html: &str) -> &str {
    let start = html.find("<main>").expect("a <main>");
    let end = html.find("</main>").expect("a </main>");
    &html[start..end]
}

/// The table row of the register for `case`.
fn row<'a>(html: &'a str, case: &str) -> &'a str {
    let mark = format!("data-case=\"{case}\"");
    let at = html
        .find(&mark)
        .unwrap_or_else(|| panic!("no row {case}:\n{html}"));
    let start = html[..at].rfind("<tr").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    &html[start..end]
}

/// The demo ledger (with its bodies' keys) in a temporary directory.
struct Demo {
    dir: tempfile::TempDir,
}

impl Demo {
    fn new() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let out = run(&[
            "demo",
            "--ledger",
            dir.path().join("demo").to_str().unwrap(),
            "--keys-out",
            dir.path().join("keys").to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        Demo { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Appends one act through `server`, signed with the demo body's `key`; its event hash.
    fn append(
        &self,
        server: &Server,
        key: &str,
        stream: &str,
        kind: &str,
        time: &str,
        payload: &Value,
    ) -> String {
        let file = self.path(&format!("{}.json", kind.replace('.', "-")));
        std::fs::write(&file, payload.to_string()).unwrap();
        let out = run(&[
            "append",
            "--server",
            &server.base,
            "--key",
            self.path(&format!("keys/{key}.key")).to_str().unwrap(),
            "--stream",
            stream,
            "--kind",
            kind,
            "--payload",
            file.to_str().unwrap(),
            "--time",
            time,
        ]);
        assert!(out.status.success(), "{kind}: {}", stderr(&out));
        // "POSITION\tHASH"
        stdout(&out)
            .split_whitespace()
            .last()
            .expect("the appended event's hash")
            .to_string()
    }
}

/// The event at `position`, checked to be of `kind`: its hash.
fn hash_at(base: &str, position: u64, kind: &str) -> String {
    let e = json(base, &format!("/v1/events/{position}"));
    assert_eq!(e["kind"], kind, "{e}");
    e["event_hash"].as_str().unwrap().to_string()
}

fn received(case: &str, date: &str, concerns: Value) -> Value {
    let commitment = |c: char| serde_json::json!({"commitment": c.to_string().repeat(64)});
    serde_json::json!({
        "case": case, "received": date, "channel": "post", "kind": "denunciation",
        "complainant": {"anonymous": false, "false_name": false, "no_address": false,
            "name": commitment('a'), "contact": commitment('b'), "signatories": 1},
        "concerns": concerns,
        "summary": commitment('c'),
    })
}

#[test]
fn the_register_marks_overdue_cases_links_their_acts_and_speaks_one_language() {
    let demo = Demo::new();
    let server = Server::start(&demo.path("demo"));
    let base = server.base.clone();
    // The secretary's election, declared at position 148: what case A is about.
    let declared = hash_at(&base, 148, "election.declared");
    let congress = "congress/hd.tp-haiduong/2020-2025";
    let a_received = demo.append(
        &server,
        "inspection",
        "complaint/hd-2020-0101",
        "complaint.received",
        "2020-06-10T09:00:00+07:00",
        &received(
            "hd-2020-0101",
            "2020-06-10",
            serde_json::json!({"congress": congress, "person": "p-000", "event": declared}),
        ),
    );
    let a_assigned = demo.append(
        &server,
        "inspection",
        "complaint/hd-2020-0101",
        "complaint.assigned",
        "2020-06-11T09:00:00+07:00",
        &serde_json::json!({"handler": "Ủy ban Kiểm tra Tỉnh ủy Hải Dương", "due": "2020-06-19"}),
    );
    // B: assigned, due long after today; C: received, not assigned (no due date).
    demo.append(
        &server,
        "inspection",
        "complaint/hd-2020-0102",
        "complaint.received",
        "2020-06-12T09:00:00+07:00",
        &received(
            "hd-2020-0102",
            "2020-06-12",
            serde_json::json!({"congress": congress}),
        ),
    );
    demo.append(
        &server,
        "inspection",
        "complaint/hd-2020-0102",
        "complaint.assigned",
        "2020-06-13T09:00:00+07:00",
        &serde_json::json!({"handler": "Ủy ban Kiểm tra Thành ủy", "due": "2099-12-31"}),
    );
    // C concerns an act this ledger does not hold (a reference is not checked when written).
    let nowhere = "ab".repeat(32);
    let c_received = demo.append(
        &server,
        "inspection",
        "complaint/hd-2020-0103",
        "complaint.received",
        "2020-06-14T09:00:00+07:00",
        &received(
            "hd-2020-0103",
            "2020-06-14",
            serde_json::json!({"congress": congress, "event": nowhere}),
        ),
    );

    let vi = page(&base, "/complaints");
    assert!(vi.contains("<html lang=\"vi\""));
    let a = row(&vi, "hd-2020-0101");
    assert!(a.starts_with("<tr class=\"overdue\""), "{a}");
    for text in [
        "tố cáo",
        "đang giải quyết",
        "10/6/2020",
        "19/6/2020 <strong class=\"overdue\">quá hạn</strong>",
        "<span class=\"person\">Lê Đình Long</span>",
        &format!("<li>Tiếp nhận đơn <code class=\"kind-code\">complaint.received</code> <a class=\"hash\" href=\"/acts/{a_received}\""),
        &format!("<li>Giao giải quyết đơn <code class=\"kind-code\">complaint.assigned</code> <a class=\"hash\" href=\"/acts/{a_assigned}\""),
        &format!("href=\"/acts/{declared}\""),
        &format!("href=\"{CONGRESS}\""),
    ] {
        assert!(a.contains(text), "{text} missing from case A's row:\n{a}");
    }
    let b = row(&vi, "hd-2020-0102");
    assert!(!b.contains("overdue") && b.contains("31/12/2099"), "{b}");
    let c = row(&vi, "hd-2020-0103");
    assert!(!c.contains("overdue") && c.contains("đã tiếp nhận"), "{c}");
    assert!(
        c.contains(&format!(
            "<code class=\"hash\">{nowhere}</code> (không có trong sổ cái này)"
        )) && !c.contains(&format!("/acts/{nowhere}")),
        "{c}"
    );
    let act = page(&base, &format!("/acts/{c_received}"));
    assert!(
        act.contains(&format!("<code class=\"hash\">{nowhere}</code>"))
            && !act.contains(&format!("/acts/{nowhere}")),
        "{act}"
    );
    let said = main_of(&vi);
    for english in ["denunciation", "being handled", ">overdue<", "2020-06-1"] {
        assert!(
            !said.contains(english),
            "{english} on the Vietnamese page:\n{said}"
        );
    }

    let en = page(&base, "/complaints?lang=en");
    let a = row(&en, "hd-2020-0101");
    for text in [
        "denunciation",
        "being handled",
        "2020-06-10",
        "2020-06-19 <strong class=\"overdue\">overdue</strong>",
        &format!("href=\"/acts/{a_received}?lang=en\""),
    ] {
        assert!(
            a.contains(text),
            "{text} missing from case A's English row:\n{a}"
        );
    }
    let said = main_of(&en);
    for vietnamese in [
        "tố cáo",
        "quá hạn",
        "đang giải quyết",
        "19/6/2020",
        "Tính đến ngày",
    ] {
        assert!(
            !said.contains(vietnamese),
            "{vietnamese} on the English page:\n{said}"
        );
    }

    // The links lead to the acts; the home page counts the register.
    let act = page(&base, &format!("/acts/{a_received}"));
    assert!(
        act.contains("<dd>Tiếp nhận đơn <code class=\"kind-code\">complaint.received</code></dd>"),
        "{act}"
    );
    assert!(
        act.contains("<span class=\"person\">Lê Đình Long</span> (p-000)"),
        "{act}"
    );
    let home = page(&base, "/");
    assert!(
        home.contains("3 hồ sơ</a>, 1 quá hạn"),
        "{}",
        main_of(&home)
    );
}

#[test]
fn login_errors_are_in_the_page_language_only() {
    let demo = Demo::new();
    let server = Server::start_secure(&demo.path("demo"));
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let post = |origin: &str, lang: &str| -> (u16, String) {
        let answer = agent
            .post(&format!("{}/login", server.base))
            .set("origin", origin)
            .send_form(&[("token", "clr_wrong"), ("next", "/"), ("lang", lang)]);
        match answer {
            Ok(r) => (r.status(), r.into_string().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
            Err(e) => panic!("{e}"),
        }
    };
    let vi_unknown = "Mã đọc không đúng hoặc đã bị thu hồi";
    let en_unknown = "The reader token is unknown or revoked";
    let (status, vi) = post(&server.base, "vi");
    assert_eq!(status, 401, "{vi}");
    assert!(vi.contains(vi_unknown) && !vi.contains(en_unknown), "{vi}");
    let (status, en) = post(&server.base, "en");
    assert_eq!(status, 401, "{en}");
    assert!(en.contains(en_unknown) && !en.contains(vi_unknown), "{en}");
    assert!(en.contains("<html lang=\"en\""), "{en}");
    // Another site's form: refused, in the language it asked for.
    let (status, en) = post("http://evil.example", "en");
    assert_eq!(status, 403, "{en}");
    assert!(
        en.contains("did not come from this server&#39;s own page")
            && !en.contains("không đến từ trang"),
        "{en}"
    );
    let (status, vi) = post("http://evil.example", "vi");
    assert_eq!(status, 403, "{vi}");
    assert!(
        vi.contains("không đến từ trang") && !vi.contains("did not come from"),
        "{vi}"
    );
}

/// A ledger made of one of the library's scenarios, in `dir`.
fn scenario_ledger(dir: &Path, scenario: ledger::scenarios::Scenario) -> PathBuf {
    let path = dir.join("ledger");
    let made = scenario
        .create_ledger(&path, ledger::engine::Options::default())
        .unwrap();
    drop(made);
    path
}

#[test]
fn the_progress_page_shows_the_reported_share_by_a_date() {
    use ledger::scenarios::seasons_2020 as s;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&scenario_ledger(dir.path(), s::lang_son().unwrap()));
    let path = format!(
        "/progress/{}?term=2020-2025&as_of=2020-05-19",
        s::LANG_SON_BLOC
    );
    let vi = page(&server.base, &path);
    assert!(
        vi.contains(
            "<p class=\"progress\">Đã tổ chức đại hội: 42/69 (60,87%) tính đến ngày 19/5/2020</p>"
        ),
        "{}",
        main_of(&vi)
    );
    // Every unit: the 42 that held theirs (when, with a link to the congress), the 27 not yet.
    let said = main_of(&vi);
    assert_eq!(said.matches("data-held=\"yes\"").count(), 42, "{said}");
    assert_eq!(said.matches("data-held=\"no\"").count(), 27, "{said}");
    let held = said
        .split("<tr ")
        .find(|r| r.contains("data-held=\"yes\""))
        .unwrap();
    let date = held
        .split("<td>")
        .nth(3)
        .unwrap()
        .split("</td>")
        .next()
        .unwrap();
    let (d, rest) = date.split_once('/').expect("a date as 26/5/2020");
    let (m, y) = rest.split_once('/').unwrap();
    let (d, m, y): (u32, u32, u32) = (d.parse().unwrap(), m.parse().unwrap(), y.parse().unwrap());
    assert!(y == 2020 && (m, d) <= (5, 19), "{held}");
    assert!(
        held.contains("<a href=\"/congresses/") && held.contains("2020-2025</a>"),
        "{held}"
    );
    let congress = held
        .split("<a href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(page(&server.base, congress).contains("class=\"timeline\""));
    let en = page(&server.base, &format!("{path}&lang=en"));
    assert!(
        en.contains("<p class=\"progress\">Congresses held: 42/69 (60.87%) by 2020-05-19</p>"),
        "{}",
        main_of(&en)
    );
    // Without a date: as of today, every unit that has held its congress since.
    let today = page(
        &server.base,
        &format!("/progress/{}?term=2020-2025", s::LANG_SON_BLOC),
    );
    assert!(today.contains(": 62/69 ("), "{}", main_of(&today));
    // A date that is not one: said in the page's language.
    let (status, bad) = get(
        &server.base,
        &format!("/progress/{}?as_of=19-05-2020&lang=en", s::LANG_SON_BLOC),
    );
    assert_eq!(status, 400);
    assert!(bad.contains("is not a date; write YYYY-MM-DD") && !bad.contains("không phải ngày"));
    // The home page links the organization's progress.
    let home = page(&server.base, "/");
    assert!(home.contains(&format!("href=\"/progress/{}\"", s::LANG_SON_BLOC)));
}

/// The root of a C2SP checkpoint note (its third line, base64) in hex.
fn root_hex(note: &str) -> String {
    use base64::Engine;
    let line = note.lines().nth(2).unwrap();
    hex::encode(
        base64::engine::general_purpose::STANDARD
            .decode(line)
            .unwrap(),
    )
}

#[test]
fn the_home_and_congress_pages_show_the_record_and_its_findings_in_one_language() {
    use ledger::scenarios::irregular_2025 as s;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&scenario_ledger(dir.path(), s::build().unwrap()));
    let base = server.base.clone();
    let size = json(&base, "/healthz")["size"].as_u64().unwrap();
    let note = page(&base, "/v1/checkpoint");
    let congress = json(
        &base,
        &format!(
            "/v1/{}",
            s::CONGRESS.replacen("congress/", "congresses/", 1)
        ),
    );
    let findings = congress["findings"].as_array().unwrap();
    assert!(findings.len() >= 20, "{congress}");
    // The procedure level counts every finding: the congress's and the complaints'.
    let all = json(&base, "/v1/report")["findings"]
        .as_array()
        .unwrap()
        .len();
    assert!(all > findings.len());

    // When the checkpoint's last entry was recorded, in Vietnam time.
    let received = json(&base, &format!("/v1/events/{}", size - 1))["received"]
        .as_i64()
        .unwrap();
    let minute = (received + 7 * 3_600_000).rem_euclid(86_400_000) / 60_000;
    let recorded = format!(
        "<span class=\"checkpoint-time\">mục cuối được ghi lúc {} {:02}:{:02} (giờ Việt Nam)</span>",
        ledger::calendar::vi_date(&ledger::calendar::date_of(received)),
        minute / 60,
        minute % 60
    );
    let home = page(&base, "/");
    let said = main_of(&home);
    for text in [
        recorded,
        format!("<code>{}</code>", s::ORIGIN),
        format!("data-checkpoint-size=\"{size}\">kích thước {size}, gốc <code>{}</code>", root_hex(&note)),
        format!("<li data-level=\"integrity\">Toàn vẹn (chữ ký, chuỗi, cây Merkle): <span class=\"count\">{size}</span>"),
        "<li data-level=\"authority\">Thẩm quyền: <span class=\"count\">".to_string(),
        format!("<li data-level=\"procedure\">Thủ tục (quy chế): <span class=\"count\">{all}</span> phát hiện"),
        format!("<a href=\"/{}\">{}</a>", s::CONGRESS.replacen("congress/", "congresses/", 1), s::ORG),
    ] {
        assert!(said.contains(&text), "{text} missing from the home page:\n{said}");
    }
    let english = page(&base, "/?lang=en");
    assert!(
        main_of(&english).contains(&format!("<li data-level=\"procedure\">Procedure (rulebook): <span class=\"count\">{all}</span> findings")),
        "{english}"
    );

    // The congress page: every finding with its severity in the page's language.
    let path = format!("/{}", s::CONGRESS.replacen("congress/", "congresses/", 1));
    let vi = page(&base, &path);
    let en = page(&base, &format!("{path}?lang=en"));
    let words = [
        ("violation", "vi phạm"),
        ("warning", "lưu ý"),
        ("info", "thông tin"),
    ];
    for f in findings {
        let severity = f["severity"].as_str().unwrap();
        let (_, vi_word) = words.iter().find(|(en, _)| *en == severity).unwrap();
        assert!(
            vi.contains(&format!("data-severity=\"{severity}\">{vi_word}</td>")),
            "{severity} not in Vietnamese"
        );
        assert!(en.contains(&format!("data-severity=\"{severity}\">{severity}</td>")));
        assert!(vi.contains(f["rule"].as_str().unwrap()));
    }
    for (en_word, _) in words {
        assert!(
            !vi.contains(&format!(">{en_word}</td>")),
            "{en_word} on the Vietnamese page"
        );
    }
    // Its dates as each language writes them.
    let opens = congress["opens"].as_str().unwrap();
    assert!(
        vi.contains(&format!("<dd>{} → ", ledger::calendar::vi_date(opens))),
        "{}",
        main_of(&vi)
    );
    assert!(en.contains(&format!("<dd>{opens} → ")), "{}", main_of(&en));
}

#[test]
fn an_act_page_reads_as_a_document_with_its_corrections() {
    let demo = Demo::new();
    let server = Server::start(&demo.path("demo"));
    let base = server.base.clone();
    // The secretary's ballots counted (position 147), corrected by the counting committee.
    let counted = hash_at(&base, 147, "ballots.counted");
    let reason = "Ghi nhầm số phiếu của đồng chí Lê Đình Long.";
    let correction = demo.append(
        &server,
        "counting",
        "congress/hd.tp-haiduong/2020-2025",
        "correction.issued",
        "2020-06-07T10:00:00+07:00",
        &serde_json::json!({"corrects": counted, "reason": reason, "replacement": {
            "election": "bt", "invalid": 0, "received": 297, "round": 1, "valid": 297, "votes": {"p-000": 294}}}),
    );

    let vi = page(&base, &format!("/acts/{counted}"));
    let said = main_of(&vi);
    for text in [
        "<h1>Hành vi: Kết quả kiểm phiếu</h1>".to_string(),
        "<dt>Loại hành vi</dt><dd>Kết quả kiểm phiếu <code class=\"kind-code\">ballots.counted</code></dd>".to_string(),
        "<dt>Người ký</dt><dd>Ban Kiểm phiếu <code>".to_string(),
        "<dt>Vị trí trong sổ</dt><dd>147</dd>".to_string(),
        // Times in Vietnam time, the date as Vietnamese writes it.
        "<dd>6/6/2020 10:45</dd>".to_string(),
        "<li>7/6/2020 10:00 <a class=\"hash\"".to_string(),
        format!("<code class=\"hash\">{counted}</code>"),
        "<tr><th>Cuộc bầu</th><td data-field=\"election\">bt</td></tr>".to_string(),
        "<tr><th>Phiếu hợp lệ</th><td data-field=\"valid\">297</td></tr>".to_string(),
        "<th>Số phiếu</th><td data-field=\"votes\"><table class=\"values\"><tbody><tr><th><span class=\"person\">Lê Đình Long</span> (p-000)</th><td>293</td>".to_string(),
        "<h2>Đã đính chính</h2>".to_string(),
        format!("href=\"/acts/{correction}\""),
        reason.to_string(),
        "Xác minh trong trình duyệt".to_string(),
    ] {
        assert!(said.contains(&text), "{text} missing from the act page:\n{said}");
    }
    assert!(
        !said.contains("<th>valid</th>") && !said.contains("Valid ballots"),
        "{said}"
    );
    // The same act by its position, in English.
    let en = page(&base, "/acts/at/147?lang=en");
    let said = main_of(&en);
    for text in [
        "<h1>Act: Ballots counted</h1>",
        "<dd>2020-06-06 10:45</dd>",
        "<dt>Signed by</dt><dd>Ban Kiểm phiếu <code>",
        "<tr><th>Valid ballots</th><td data-field=\"valid\">297</td></tr>",
        "<h2>Corrected</h2>",
        "Lê Đình Long</span> (p-000)",
    ] {
        assert!(
            said.contains(text),
            "{text} missing from the English act page:\n{said}"
        );
    }
    assert!(
        !said.contains("Phiếu hợp lệ") && !said.contains("Đã đính chính"),
        "{said}"
    );
    // The correction names what it corrects, as a link, and the replacement by name.
    let fix = main_of(&page(&base, &format!("/acts/{correction}"))).to_string();
    assert!(fix.contains(&format!("<th>Đính chính hành vi</th><td data-field=\"corrects\"><a class=\"hash\" href=\"/acts/{counted}\"")), "{fix}");
    assert!(
        fix.contains("Lê Đình Long</span> (p-000)</th><td>294</td>"),
        "{fix}"
    );
}

#[test]
fn a_read_only_mirror_serves_the_explorer_and_every_bag_carries_the_served_verify_html() {
    let demo = Demo::new();
    let p = |name: &str| demo.path(name).to_str().unwrap().to_string();
    let original = Server::start(&demo.path("demo"));
    let served = page(&original.base, "/verify.html");
    let act = hash_at(&original.base, 147, "ballots.counted");
    let root = root_hex(&page(&original.base, "/v1/checkpoint"));
    original.stop();

    let out = run(&["export", "--ledger", &p("demo"), "--out", &p("bag")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let in_bag = std::fs::read(demo.path("bag/data/verify.html")).unwrap();
    assert!(
        in_bag == served.as_bytes(),
        "the bag's verify.html is not the one the server serves"
    );
    // verify.html is listed in the bag's manifest, so a changed copy is caught.
    let manifest = std::fs::read_to_string(demo.path("bag/manifest-sha256.txt")).unwrap();
    assert!(
        manifest.lines().any(|l| l.ends_with(" data/verify.html")),
        "{manifest}"
    );

    let out = run(&["import", "--archive", &p("bag"), "--ledger", &p("mirror")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mirror = Server::start(&demo.path("mirror"));
    let base = mirror.base.clone();
    assert_eq!(json(&base, "/healthz")["mirror"], true);
    let home = page(&base, "/");
    assert!(
        home.contains(&format!("<code>{root}</code>")),
        "{}",
        main_of(&home)
    );
    let congress = page(&base, CONGRESS);
    for figure in ["Lê Đình Long", "98,7%", "32/32", "8/41", "37 + 2"] {
        assert!(
            congress.contains(figure),
            "{figure} missing from the mirror's congress page"
        );
    }
    let act_page = page(&base, &format!("/acts/{act}"));
    assert!(act_page.contains("data-hash=\"") && act_page.contains("/explorer/verify.js"));
    assert!(page(&base, "/acts/at/147").contains(&act));
    assert!(page(&base, "/complaints").contains("class=\"register\""));
    assert!(page(&base, "/progress/hd.tinh-haiduong").contains("class=\"progress\""));
    assert!(
        page(&base, "/search?q=le%20dinh%20long").contains("<td class=\"name\">Lê Đình Long</td>")
    );
    assert!(page(&base, "/verify").contains("verify-button"));
    assert!(page(&base, "/verify.html").as_bytes() == in_bag.as_slice());
    // The in-browser verifier reads the mirror's API as it reads the server's.
    let proof = json(&base, &format!("/v1/proofs/act/{act}"));
    assert!(proof["checkpoint"].as_str().is_some(), "{proof}");
}
