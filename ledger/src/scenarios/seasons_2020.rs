//! Congress seasons across a province, from the 2020 press reports: how far the units under
//! an organization are with their congresses.
//!
//! - Núi Thành district (Quảng Nam): a delegate congress of 297 official delegates.
//! - Lạng Sơn, the party committee of the provincial agencies' bloc (Đảng ủy Khối các cơ quan
//!   tỉnh): 42 of its 69 grassroots units had held their congress by 19 May 2020 (60,87%).
//! - Phú Thọ: all 18 upper-grassroots party committees had held theirs by 12 August 2020.
//!
//! The reports give those counts; the units' names beyond the ones the reports name, and the
//! exact dates, are filled in to match them.

use serde_json::json;

use super::{start, vn_time, Recorder, Scenario};
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
    let enroll: [(&ed25519_dalek::SigningKey, String, &[&str], &str); 4] = [
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

/// A congress convened, and (if `held`) opened on `held` = (month, day) and closed that day.
fn congress(
    r: &mut Recorder,
    k: &Keys,
    org: &str,
    form: &str,
    convened: u64,
    opens: (u32, u32),
    held: bool,
) -> Result<String, ComposeError> {
    let stream = format!("congress/{org}/2020-2025");
    let date = format!("2020-{:02}-{:02}", opens.0, opens.1);
    r.record(
        &k.convener,
        &stream,
        "congress.convened",
        vn_time(2020, 2, 3, 9, 0),
        json!({
            "org": org, "term": "2020-2025", "form": form, "convened": convened, "opens": date,
            "closes": date, "rulebook": "qd244-2014",
            "plan": {"seats": {"committee": 5}, "secretary_direct": false},
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
        "qn.huyen-nuithanh",
        "delegates",
        297,
        (6, 9),
        true,
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
/// congress by 19 May 2020; 20 more held theirs later, 7 were only convened.
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
        congress(
            &mut r,
            &k,
            &id,
            "members",
            15 + (i as u64 % 40),
            opens,
            held,
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
/// 12 August 2020 (the last on that day).
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
        congress(
            &mut r,
            &k,
            &id,
            "delegates",
            150 + 10 * i as u64,
            opens,
            true,
        )?;
    }
    Ok(Scenario {
        origin: PHU_THO_ORIGIN.into(),
        title: title.into(),
        log_key: k.log,
        events: r.finish(),
    })
}
