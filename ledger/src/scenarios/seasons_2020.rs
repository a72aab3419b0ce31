//! Congress seasons across a province, from the 2020 press reports: how far the units under
//! an organization are with their congresses.
//!
//! - Núi Thành district (Quảng Nam): a delegate congress of 297 official delegates.
//! - Lạng Sơn, the party committee of the provincial agencies' bloc (Đảng ủy Khối các cơ quan
//!   tỉnh): 42 of its 69 grassroots units had held their congress by 19 May 2020 (60,87%).
//! - Phú Thọ: all 18 upper-grassroots party committees had held theirs by 12 August 2020.
//!
//! The reports give those counts; the units' names beyond the ones the reports name, and the
//! exact dates, are filled in to match them. What the reports add up over the units (Lạng
//! Sơn's 184 committee members elected; Phú Thọ's 16/18 secretaries not local, young members
//! 16,83%, women 19,63%, 15/18 standing committees with a woman) is not typed in: each unit's
//! congress registers its people and holds its elections, and the progress projection adds
//! up what they elected. The people are made up (`names.rs`); only the totals are the reports'.

use serde_json::{json, Value};

use super::{names, start, vn_time, Recorder, Scenario};
use crate::compose::ComposeError;

/// The keys of a province's bodies in these scenarios (one convener and one presidium key for
/// every congress of the province keeps the scenarios short; real ledgers enroll each body).
type Keys = super::Bodies;

fn keys(province: &str) -> Keys {
    super::Bodies::derive(province)
}

fn begin(origin: &str, title: &str, province: &str, k: &Keys) -> Result<Recorder, ComposeError> {
    let day0 = vn_time(2020, 1, 2, 8, 0);
    let mut r = start(origin, title, &k.authority, &k.log, "qd244-2014", day0)?;
    let enroll: [(&ed25519_dalek::SigningKey, String, &[&str], &str); 5] = [
        (
            &k.superior,
            format!("Ban Thường vụ Tỉnh ủy {province}"),
            &["superior"],
            "*",
        ),
        (
            &k.convener,
            "Các cấp ủy triệu tập đại hội".into(),
            &["convener"],
            "congress/",
        ),
        (
            &k.presidium,
            "Đoàn Chủ tịch các đại hội".into(),
            &["presidium"],
            "congress/",
        ),
        (
            &k.credentials,
            "Ban Thẩm tra tư cách các đại hội".into(),
            &["credentials"],
            "congress/",
        ),
        (
            &k.counting,
            "Ban Kiểm phiếu các đại hội".into(),
            &["counting"],
            "congress/",
        ),
    ];
    for (key, holder, roles, scope) in enroll {
        r.enroll(&k.authority, key, &holder, roles, scope, day0)?;
    }
    Ok(r)
}

fn org(
    r: &mut Recorder,
    k: &Keys,
    id: &str,
    name: &str,
    parent: Option<&str>,
    level: &str,
) -> Result<(), ComposeError> {
    r.record(
        &k.superior,
        &format!("org/{id}"),
        "org.registered",
        vn_time(2020, 1, 2, 9, 0),
        json!({
            "org": id, "name": name, "parent": parent, "level": level,
        }),
    )?;
    Ok(())
}

/// What a unit's congress elects: the committee (its list has `extra` candidates more than
/// seats), then, at the new committee's first meeting, the standing committee and the secretary.
/// Person `0` is the secretary; the committee's women and young members are counted exactly.
struct Elects {
    seats: usize,
    extra: usize,
    women: usize,
    young: usize,
    /// Standing committee seats (0: none elected); its list has one candidate more.
    standing: usize,
    standing_woman: bool,
    /// The secretary's locality (người địa phương); `None`: no secretary elected here.
    secretary_local: Option<bool>,
}

impl Elects {
    /// The committee's members who are women: the last `women` seats, or (if a woman sits on
    /// the standing committee) person 1 and the last `women - 1`.
    fn female(&self, n: usize) -> bool {
        let last = |count: usize| n < self.seats && n + count >= self.seats;
        if self.standing_woman {
            n == 1 || last(self.women.saturating_sub(1))
        } else {
            last(self.women)
        }
    }

    /// The committee's young members: the `young` seats before the women's.
    fn young(&self, n: usize) -> bool {
        let end = self.seats - self.women;
        n < end && n + self.young >= end
    }
}

fn person_id(org: &str, n: usize) -> String {
    format!("{org}.p{n:02}")
}

/// One round of one election, in order: opened, list adopted by a motion, ballots issued,
/// counted and declared. `votes` are in list order; the first `seats` are elected.
#[allow(clippy::too_many_arguments)]
fn elect(
    r: &mut Recorder,
    k: &Keys,
    stream: &str,
    time: i64,
    (id, body): (&str, &str),
    seats: usize,
    list: &[String],
    votes: &[u64],
    voters: u64,
) -> Result<(), ComposeError> {
    let t = |minute: i64| time + minute * 60_000;
    r.record(
        &k.presidium,
        stream,
        "election.opened",
        t(0),
        json!({
            "election": id, "body": body, "round": 1, "seats": seats, "alternates": 0,
        }),
    )?;
    let motion = r.record(
        &k.presidium,
        stream,
        "motion.decided",
        t(5),
        json!({
            "motion": format!("{id}-list"), "subject": "candidate_list",
            "text": format!("Thông qua danh sách bầu cử ({body})"), "method": "show_of_hands",
            "present": voters, "for": voters, "against": 0, "abstain": 0, "adopted": true,
            "refs": [],
        }),
    )?;
    r.record(
        &k.presidium,
        stream,
        "candidate_list.adopted",
        t(6),
        json!({
            "election": id, "round": 1, "candidates": list, "motion": motion.to_hex(),
        }),
    )?;
    r.record(
        &k.counting,
        stream,
        "ballots.issued",
        t(10),
        json!({
            "election": id, "round": 1, "issued": voters,
        }),
    )?;
    let tally: serde_json::Map<String, Value> = list
        .iter()
        .zip(votes)
        .map(|(p, &v)| (p.clone(), json!(v)))
        .collect();
    let counted = r.record(
        &k.counting,
        stream,
        "ballots.counted",
        t(30),
        json!({
            "election": id, "round": 1, "received": voters, "valid": voters, "invalid": 0,
            "votes": tally,
        }),
    )?;
    r.record(
        &k.counting,
        stream,
        "election.declared",
        t(35),
        json!({
            "election": id, "round": 1, "elected": &list[..seats], "alternates": [],
            "counted": counted.to_hex(),
        }),
    )?;
    Ok(())
}

/// The unit's people (schema 2, with their locality) and its elections, on `day`.
fn elections(
    r: &mut Recorder,
    k: &Keys,
    (org, stream, unit): (&str, &str, usize),
    day: (u32, u32),
    voters: u64,
    e: &Elects,
) -> Result<(), ComposeError> {
    let at = |h: u32| vn_time(2020, day.0, day.1, h, 0);
    let list: Vec<String> = (0..e.seats + e.extra).map(|n| person_id(org, n)).collect();
    for (n, person) in list.iter().enumerate() {
        let (female, young) = (e.female(n), e.young(n));
        let local = if n == 0 {
            e.secretary_local
        } else {
            Some(true)
        };
        r.record_schema(
            &k.credentials,
            stream,
            "person.registered",
            2,
            at(8),
            json!({
                "person": person, "name": names::synthetic(unit * 100 + n, female),
                "gender": if female { "female" } else { "male" },
                "birth_year": if young { 1984 + (n % 5) as i32 } else { 1962 + (n % 12) as i32 },
                "incumbent": [], "delegate": "official", "local": local,
            }),
        )?;
    }
    // The elected win in list order, each above half of those summoned (all present); the
    // others fall short of half.
    let half = voters / 2;
    let votes: Vec<u64> = (0..list.len() as u64)
        .map(|n| {
            if (n as usize) < e.seats {
                voters - n % (voters - half - 1)
            } else {
                half - n % half
            }
        })
        .collect();
    let committee = ("bch", "committee");
    elect(
        r,
        k,
        stream,
        at(9),
        committee,
        e.seats,
        &list,
        &votes,
        voters,
    )?;
    let members = e.seats as u64;
    let by_committee = |n: usize| members - (n as u64 % (members / 2));
    if e.standing > 0 {
        let standing = &list[..e.standing + 1];
        let mut votes: Vec<u64> = (0..e.standing).map(by_committee).collect();
        votes.push(members / 2);
        let body = ("btv", "standing_committee");
        elect(
            r,
            k,
            stream,
            at(14),
            body,
            e.standing,
            standing,
            &votes,
            members,
        )?;
    }
    if e.secretary_local.is_some() {
        let body = ("bt", "secretary");
        elect(
            r,
            k,
            stream,
            at(15),
            body,
            1,
            &list[..1],
            &[members],
            members,
        )?;
    }
    Ok(())
}

/// A congress convened, and (if `held`) opened on `held` = (month, day) and closed that day,
/// electing what `elects` says.
#[allow(clippy::too_many_arguments)]
fn congress(
    r: &mut Recorder,
    k: &Keys,
    (org, unit): (&str, usize),
    form: &str,
    convened: u64,
    opens: (u32, u32),
    held: bool,
    elects: Option<&Elects>,
) -> Result<String, ComposeError> {
    let stream = format!("congress/{org}/2020-2025");
    let date = format!("2020-{:02}-{:02}", opens.0, opens.1);
    let mut seats = json!({"committee": elects.map_or(5, |e| e.seats)});
    if let Some(e) = elects.filter(|e| e.standing > 0) {
        seats["standing_committee"] = json!(e.standing);
    }
    if elects.is_some_and(|e| e.secretary_local.is_some()) {
        seats["secretary"] = json!(1);
    }
    r.record(
        &k.convener,
        &stream,
        "congress.convened",
        vn_time(2020, 2, 3, 9, 0),
        json!({
            "org": org, "term": "2020-2025", "form": form, "convened": convened, "opens": date,
            "closes": date, "rulebook": "qd244-2014",
            "plan": {"seats": seats, "secretary_direct": false},
        }),
    )?;
    if held {
        let t = |h: u32| vn_time(2020, opens.0, opens.1, h, 0);
        r.record(
            &k.credentials,
            &stream,
            "credentials.reported",
            t(8),
            json!({
                "convened": convened, "present": convened, "absent": [], "disqualified": [],
            }),
        )?;
        r.record(
            &k.presidium,
            &stream,
            "session.opened",
            t(8),
            json!({"session": 1, "present": convened}),
        )?;
        if let Some(e) = elects {
            elections(r, k, (org, &stream, unit), opens, convened, e)?;
        }
        r.record(
            &k.presidium,
            &stream,
            "congress.closed",
            t(17),
            json!({"closed": date}),
        )?;
    }
    Ok(stream)
}

pub const NUI_THANH_ORIGIN: &str = "ledger.demo.vn/tinh-quangnam/2020-2025";
pub const NUI_THANH: &str = "congress/qn.huyen-nuithanh/2020-2025";

/// Núi Thành's district congress: 297 official delegates.
pub fn nui_thanh() -> Result<Scenario, ComposeError> {
    let k = keys("quang-nam");
    let title = "Sổ cái đại hội Đảng bộ tỉnh Quảng Nam, nhiệm kỳ 2020–2025 (dữ liệu minh họa)";
    let mut r = begin(NUI_THANH_ORIGIN, title, "Quảng Nam", &k)?;
    org(
        &mut r,
        &k,
        "qn.tinh-quangnam",
        "Đảng bộ tỉnh Quảng Nam",
        None,
        "province",
    )?;
    org(
        &mut r,
        &k,
        "qn.huyen-nuithanh",
        "Đảng bộ huyện Núi Thành",
        Some("qn.tinh-quangnam"),
        "district",
    )?;
    congress(
        &mut r,
        &k,
        ("qn.huyen-nuithanh", 0),
        "delegates",
        297,
        (6, 9),
        true,
        None,
    )?;
    Ok(Scenario {
        origin: NUI_THANH_ORIGIN.into(),
        title: title.into(),
        log_key: k.log,
        events: r.finish(),
    })
}

pub const LANG_SON_ORIGIN: &str = "ledger.demo.vn/tinh-langson/2020-2025";
pub const LANG_SON_BLOC: &str = "ls.khoi-cq";

/// Units of the bloc the report does not name get a number.
const LANG_SON_UNITS: &[&str] = &[
    "Sở Tài chính",
    "Sở Kế hoạch và Đầu tư",
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Công Thương",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Giao thông vận tải",
    "Sở Xây dựng",
    "Sở Tài nguyên và Môi trường",
    "Sở Thông tin và Truyền thông",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Khoa học và Công nghệ",
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Thanh tra tỉnh",
    "Văn phòng Ủy ban nhân dân tỉnh",
    "Sở Ngoại vụ",
    "Ban Dân tộc tỉnh",
];

/// Lạng Sơn's bloc of provincial agencies: 69 grassroots units, 42 of them held their
/// congress by 19 May 2020 and elected 184 committee members (29 committees of 5, 13 of 3);
/// 20 more held theirs later (committees of 5), 7 were only convened.
pub fn lang_son() -> Result<Scenario, ComposeError> {
    let k = keys("lang-son");
    let title = "Sổ cái đại hội Đảng bộ tỉnh Lạng Sơn, nhiệm kỳ 2020–2025 (dữ liệu minh họa)";
    let mut r = begin(LANG_SON_ORIGIN, title, "Lạng Sơn", &k)?;
    org(
        &mut r,
        &k,
        "ls.tinh-langson",
        "Đảng bộ tỉnh Lạng Sơn",
        None,
        "province",
    )?;
    org(
        &mut r,
        &k,
        LANG_SON_BLOC,
        "Đảng bộ Khối các cơ quan tỉnh Lạng Sơn",
        Some("ls.tinh-langson"),
        "district",
    )?;
    for i in 0..69usize {
        let id = format!("ls.khoi-cq.{:02}", i + 1);
        let name = LANG_SON_UNITS.get(i).map_or_else(
            || format!("Chi bộ cơ sở số {}", i + 1),
            |u| format!("Đảng bộ {u}"),
        );
        org(&mut r, &k, &id, &name, Some(LANG_SON_BLOC), "grassroots")?;
        // 42 held between 6 April and 19 May; 20 between 20 May and 15 June; 7 only convened.
        let (opens, held) = match i {
            0..=41 => ((4 + (i as u32 + 6) / 31, 1 + (i as u32 + 5) % 30), true),
            42..=61 => (
                (5 + (i as u32 - 42 + 20) / 31, 20 + (i as u32 - 42) % 11),
                true,
            ),
            _ => ((6, 20), false),
        };
        let seats = if i < 39 && i % 3 == 2 { 3 } else { 5 };
        let elects = Elects {
            seats,
            extra: 1,
            women: 1,
            young: 1,
            standing: 0,
            standing_woman: false,
            secretary_local: None,
        };
        congress(
            &mut r,
            &k,
            (&id, i),
            "members",
            15 + (i as u64 % 40),
            opens,
            held,
            Some(&elects),
        )?;
    }
    Ok(Scenario {
        origin: LANG_SON_ORIGIN.into(),
        title: title.into(),
        log_key: k.log,
        events: r.finish(),
    })
}

pub const PHU_THO_ORIGIN: &str = "ledger.demo.vn/tinh-phutho/2020-2025";
pub const PHU_THO: &str = "pt.tinh-phutho";

const PHU_THO_UNITS: &[&str] = &[
    "thành phố Việt Trì",
    "thị xã Phú Thọ",
    "huyện Đoan Hùng",
    "huyện Hạ Hòa",
    "huyện Thanh Ba",
    "huyện Phù Ninh",
    "huyện Yên Lập",
    "huyện Cẩm Khê",
    "huyện Tam Nông",
    "huyện Lâm Thao",
    "huyện Thanh Sơn",
    "huyện Thanh Thủy",
    "huyện Tân Sơn",
    "Khối các cơ quan tỉnh",
    "Khối doanh nghiệp tỉnh",
    "Quân sự tỉnh",
    "Công an tỉnh",
    "cấp trên cơ sở số 18",
];

/// Phú Thọ: 18 upper-grassroots party committees, all of which had held their congress by
/// 12 August 2020 (the last on that day). They elected 820 committee members (10 committees
/// of 46, 8 of 45): 161 women (19,63%: 9 in every committee but the last, which has 8) and
/// 138 young members (16,83%: 8 in the first 12 committees, 7 in the others); 16 of the 18
/// secretaries are not local (Việt Trì's and Hạ Hòa's are); the standing committees of 13
/// have a woman except in Tân Sơn, the military and the police.
pub fn phu_tho() -> Result<Scenario, ComposeError> {
    let k = keys("phu-tho");
    let title = "Sổ cái đại hội Đảng bộ tỉnh Phú Thọ, nhiệm kỳ 2020–2025 (dữ liệu minh họa)";
    let mut r = begin(PHU_THO_ORIGIN, title, "Phú Thọ", &k)?;
    org(
        &mut r,
        &k,
        PHU_THO,
        "Đảng bộ tỉnh Phú Thọ",
        None,
        "province",
    )?;
    for (i, unit) in PHU_THO_UNITS.iter().enumerate() {
        let id = format!("pt.{:02}", i + 1);
        org(
            &mut r,
            &k,
            &id,
            &format!("Đảng bộ {unit}"),
            Some(PHU_THO),
            "district",
        )?;
        let opens = if i == 17 {
            (8, 12)
        } else {
            (5 + i as u32 / 7, 10 + (i as u32 % 7) * 2)
        };
        let elects = Elects {
            seats: if i < 10 { 46 } else { 45 },
            extra: 4,
            women: if i < 17 { 9 } else { 8 },
            young: if i < 12 { 8 } else { 7 },
            standing: 13,
            standing_woman: ![12, 15, 16].contains(&i),
            secretary_local: Some(i == 0 || i == 3),
        };
        congress(
            &mut r,
            &k,
            (&id, i),
            "delegates",
            150 + 10 * i as u64,
            opens,
            true,
            Some(&elects),
        )?;
    }
    Ok(Scenario {
        origin: PHU_THO_ORIGIN.into(),
        title: title.into(),
        log_key: k.log,
        events: r.finish(),
    })
}
