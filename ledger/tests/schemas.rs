//! The JSON Schemas and the Rust payload types agree, and appends are held to the schemas.

mod common;

use common::fixture::{self, create, CONGRESS, T0};
use ledger::domain::{self, schemas};
use ledger::engine::AppendError;
use ledger::{compose, Options};
use serde_json::{json, Value};

#[test]
fn every_kind_has_a_schema_and_every_schema_file_is_shipped() {
    for spec in ledger::catalogue::KINDS {
        assert!(
            schemas::text(spec.kind, 1).is_some(),
            "no schema for {}",
            spec.kind
        );
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let mut on_disk = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let kind = dir.file_name().unwrap().to_str().unwrap().to_string();
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            let version: u16 = file.file_stem().unwrap().to_str().unwrap().parse().unwrap();
            let text = std::fs::read_to_string(&file).unwrap();
            assert_eq!(
                schemas::text(&kind, version),
                Some(text.as_str()),
                "{} is not shipped",
                file.display()
            );
            on_disk += 1;
        }
    }
    assert_eq!(on_disk, schemas::SCHEMAS.len());
}

#[test]
fn every_example_is_valid_for_both_the_schema_and_the_rust_type() {
    for &(kind, version, text) in schemas::SCHEMAS {
        let schema: Value = serde_json::from_str(text).unwrap();
        let examples = schema["examples"]
            .as_array()
            .unwrap_or_else(|| panic!("{kind} has no examples"));
        assert!(!examples.is_empty(), "{kind}");
        for example in examples {
            let bytes = serde_json::to_vec(example).unwrap();
            schemas::validate(kind, version, &bytes).unwrap_or_else(|e| panic!("{e}"));
            let decoded =
                domain::decode(kind, version, &bytes).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert!(!format!("{decoded:?}").is_empty());
            // An unknown field is refused by both.
            let mut extra = example.clone();
            extra
                .as_object_mut()
                .unwrap()
                .insert("unexpected".into(), json!(1));
            let bytes = serde_json::to_vec(&extra).unwrap();
            assert!(
                schemas::validate(kind, version, &bytes).is_err(),
                "{kind}: schema took an unknown field"
            );
            assert!(
                domain::decode(kind, version, &bytes).is_err(),
                "{kind}: type took an unknown field"
            );
            // So is a missing required field.
            for field in schema["required"].as_array().into_iter().flatten() {
                let mut missing = example.clone();
                missing
                    .as_object_mut()
                    .unwrap()
                    .remove(field.as_str().unwrap());
                let bytes = serde_json::to_vec(&missing).unwrap();
                assert!(
                    schemas::validate(kind, version, &bytes).is_err(),
                    "{kind} without {field}"
                );
                assert!(
                    domain::decode(kind, version, &bytes).is_err(),
                    "{kind} type without {field}"
                );
            }
        }
    }
}

#[test]
fn every_event_of_the_demo_congress_matches_its_schema() {
    let scenario = ledger::scenarios::hai_duong_2020::build().unwrap();
    for e in &scenario.events {
        let b = e.body();
        schemas::validate(&b.kind, b.schema, &b.payload).unwrap_or_else(|err| panic!("{err}"));
    }
}

#[test]
fn person_registered_1_is_read_as_2_with_locality_not_recorded() {
    // Version 1 of `person.registered` had no `local`: it is read as not recorded.
    let v1 = serde_json::json!({
        "person": "p-1", "name": "Nguyễn Văn Hùng", "gender": "male", "birth_year": 1968,
        "incumbent": [], "delegate": "official",
    });
    let bytes = serde_json::to_vec(&v1).unwrap();
    let domain::Payload::PersonRegistered(p) =
        domain::decode("person.registered", 1, &bytes).unwrap()
    else {
        panic!("not a person")
    };
    assert_eq!(p.local, None);
    // Version 2 requires it (null allowed) and version 1 refuses it.
    assert!(domain::decode("person.registered", 2, &bytes).is_err());
    let mut with_local = v1.clone();
    with_local["local"] = serde_json::json!(false);
    let bytes = serde_json::to_vec(&with_local).unwrap();
    assert!(domain::decode("person.registered", 1, &bytes).is_err());
    let domain::Payload::PersonRegistered(p) =
        domain::decode("person.registered", 2, &bytes).unwrap()
    else {
        panic!("not a person")
    };
    assert_eq!(p.local, Some(false));
    assert_eq!(domain::latest_schema("person.registered"), Some(2));
}

#[test]
fn every_event_of_every_scenario_matches_its_schema() {
    use ledger::scenarios::{irregular_2025, seasons_2020 as s};
    for scenario in [
        s::nui_thanh(),
        s::lang_son(),
        s::phu_tho(),
        irregular_2025::build(),
    ] {
        for e in &scenario.unwrap().events {
            let b = e.body();
            schemas::validate(&b.kind, b.schema, &b.payload).unwrap_or_else(|err| panic!("{err}"));
        }
    }
}

#[test]
fn an_append_that_does_not_match_its_schema_is_refused_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    let before = ledger.size();
    let cases = [
        (json!({"session": 1}), "/", "present"),
        (json!({"session": 0, "present": 297}), "/session", ""),
        (json!({"session": 1, "present": -3}), "/present", ""),
        (json!({"session": "một", "present": 297}), "/session", ""),
    ];
    for (payload, path, mention) in cases {
        let e = compose::next_event(
            &ledger,
            CONGRESS,
            "session.opened",
            1,
            T0,
            &k.presidium,
            &payload,
        )
        .unwrap();
        match ledger.append(e.into_bytes()) {
            Err(AppendError::Schema(err)) => {
                assert_eq!(err.path, path, "{err}");
                assert!(err.to_string().contains(mention), "{err}");
            }
            other => panic!("{payload}: {other:?}"),
        }
    }
    // A schema version that does not exist.
    let e = compose::next_event(
        &ledger,
        CONGRESS,
        "session.opened",
        2,
        T0,
        &k.presidium,
        &fixture::session(1),
    )
    .unwrap();
    assert!(matches!(
        ledger.append(e.into_bytes()),
        Err(AppendError::Schema(_))
    ));
    assert_eq!(ledger.size(), before);
}

#[test]
fn an_append_its_rust_type_cannot_read_is_refused() {
    // JSON Schema calls these numbers integers; the payload types (u64) do not, and an act the
    // projections cannot read would be left out of every report.
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    let before = ledger.size();
    for payload in [
        json!({"session": 1, "present": 1e308}),
        json!({"session": 1.0, "present": 297}),
    ] {
        let bytes = serde_json::to_vec(&payload).unwrap();
        assert!(domain::decode("session.opened", 1, &bytes).is_err());
        let e = compose::next_event(
            &ledger,
            CONGRESS,
            "session.opened",
            1,
            T0,
            &k.presidium,
            &payload,
        )
        .unwrap();
        match ledger.append(e.into_bytes()) {
            Err(AppendError::Schema(err)) => {
                assert!(err.message.contains("expected u64"), "{err}")
            }
            other => panic!("{payload}: {other:?}"),
        }
    }
    assert_eq!(ledger.size(), before);
}

/// The most bytes a payload valid under `schema` can take as JSON: strings at 4 bytes a
/// character (UTF-8's most; the free-text rule forbids the control characters that JSON would
/// escape longer), patterns by their quantifiers, arrays by `maxItems`, maps by
/// `maxProperties`. None when nothing bounds it.
fn worst_case(n: &Value, root: &Value) -> Option<usize> {
    let text = |v: &Value| serde_json::to_string(v).unwrap().len();
    if let Some(r) = n.get("$ref").and_then(Value::as_str) {
        let target = root.pointer(r.strip_prefix('#').unwrap()).unwrap();
        return worst_case(target, root);
    }
    // `allOf` only narrows a typed schema (its `if`/`then` conditions); alone, it is the type.
    let combined = ["oneOf", "anyOf", "allOf"]
        .into_iter()
        .filter(|k| *k != "allOf" || n.get("type").is_none());
    for key in combined {
        if let Some(options) = n.get(key).and_then(Value::as_array) {
            let each: Option<Vec<usize>> = options.iter().map(|o| worst_case(o, root)).collect();
            return each?.into_iter().max();
        }
    }
    if let Some(types) = n.get("type").and_then(Value::as_array) {
        let mut each = Vec::new();
        for t in types {
            let mut one = n.clone();
            one["type"] = t.clone();
            each.push(worst_case(&one, root)?);
        }
        return each.into_iter().max();
    }
    if let Some(c) = n.get("const") {
        return Some(text(c));
    }
    if let Some(e) = n.get("enum").and_then(Value::as_array) {
        return e.iter().map(text).max();
    }
    match n.get("type").and_then(Value::as_str)? {
        "string" => match n.get("maxLength").and_then(Value::as_u64) {
            Some(l) => Some(4 * l as usize + 2),
            None => pattern_length(n.get("pattern")?.as_str()?).map(|l| l + 2),
        },
        "integer" => Some(20),
        "number" => Some(24),
        "boolean" => Some(5),
        "null" => Some(4),
        "array" => {
            let items = n.get("maxItems")?.as_u64()? as usize;
            Some(2 + items * (worst_case(n.get("items")?, root)? + 1))
        }
        "object" => {
            let mut total = 2;
            if let Some(props) = n.get("properties").and_then(Value::as_object) {
                for (k, v) in props {
                    total += k.len() + 4 + worst_case(v, root)?;
                }
            }
            if let Some(values) = n.get("additionalProperties").filter(|v| v.is_object()) {
                let count = n.get("maxProperties")?.as_u64()? as usize;
                let key = worst_case(n.get("propertyNames")?, root)?;
                total += count * (key + 2 + worst_case(values, root)?);
            }
            Some(total)
        }
        _ => None,
    }
}

/// The longest string an anchored pattern of character classes, literals and bounded
/// quantifiers matches; None for an unbounded one.
fn pattern_length(pattern: &str) -> Option<usize> {
    let body: Vec<char> = pattern
        .strip_prefix('^')?
        .strip_suffix('$')?
        .chars()
        .collect();
    let (mut i, mut total) = (0, 0);
    while i < body.len() {
        match body[i] {
            '[' => i += body[i..].iter().position(|&c| c == ']')? + 1,
            '\\' => i += 2,
            '*' | '+' | '(' | '|' => return None,
            _ => i += 1,
        }
        match body.get(i) {
            Some('{') => {
                let end = i + body[i..].iter().position(|&c| c == '}')?;
                let q: String = body[i + 1..end].iter().collect();
                total += q.rsplit(',').next()?.parse::<usize>().ok()?;
                i = end + 1;
            }
            Some('?') => {
                total += 1;
                i += 1;
            }
            Some('*' | '+') => return None,
            _ => total += 1,
        }
    }
    Some(total)
}

#[test]
fn every_array_and_map_is_bounded_and_every_payload_fits_a_tile_bundle() {
    // The event around the payload (origin, stream, kind at their limits, keys, hashes,
    // signature, integers) takes less than this.
    let budget = ledger::format::encoding::MAX_APPEND_EVENT_BYTES - 1024;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let mut checked = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            let schema: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
            let worst = worst_case(&schema, &schema).unwrap_or_else(|| {
                panic!("{}: an array, map or string is unbounded", file.display())
            });
            assert!(
                worst <= budget,
                "{}: a payload can take {worst} bytes, over {budget}",
                file.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 30);
    // The estimate is not vacuous: an array without maxItems is unbounded.
    let unbounded = json!({"type": "array", "items": {"type": "integer"}});
    assert_eq!(worst_case(&unbounded, &unbounded), None);
    assert_eq!(pattern_length("^[0-9a-f]{64}$"), Some(64));
    assert_eq!(pattern_length("^[A-Z]{1,3}-[0-9]{2}[a-z]?$"), Some(7));
}

#[test]
fn schema_1_events_are_read_as_schema_2_and_refuse_schema_2_fields() {
    use ledger::domain::Payload;
    assert_eq!(domain::latest_schema("credentials.reported"), Some(2));
    assert_eq!(domain::latest_schema("session.opened"), Some(1));
    let v1 = |kind: &str, payload: Value| {
        domain::decode(kind, 1, &serde_json::to_vec(&payload).unwrap())
    };
    let credentials = json!({"convened": 10, "present": 9, "absent": [], "disqualified": []});
    let Ok(Payload::CredentialsReported(c)) = v1("credentials.reported", credentials.clone())
    else {
        panic!("schema 1 credentials decode");
    };
    assert_eq!(
        c.base_exclusions,
        vec![],
        "schema 1 excluded no one from the base"
    );
    let withdrawal =
        json!({"election": "bch", "person": "p-1", "reason": "Sức khỏe", "allowed": true});
    let Ok(Payload::WithdrawalDecided(w)) = v1("withdrawal.decided", withdrawal.clone()) else {
        panic!("schema 1 withdrawal decodes");
    };
    assert_eq!(w.proposed_by, None, "schema 1 did not say who proposed it");
    let motion = json!({"motion": "m", "subject": "continue_election", "text": "Bầu tiếp",
        "method": "show_of_hands", "present": 9, "for": 9, "against": 0, "abstain": 0,
        "adopted": true, "refs": []});
    let Ok(Payload::MotionDecided(m)) = v1("motion.decided", motion.clone()) else {
        panic!("schema 1 motion decodes");
    };
    assert_eq!((m.election, m.additions), (None, None));
    // A schema 2 field in a schema 1 payload is refused, by the schema and the type alike.
    for (kind, mut payload, field, value, also) in [
        (
            "credentials.reported",
            credentials,
            "base_exclusions",
            json!([]),
            None,
        ),
        (
            "withdrawal.decided",
            withdrawal,
            "proposed_by",
            json!("presidium"),
            None,
        ),
        (
            "motion.decided",
            motion,
            "election",
            json!("bch"),
            Some(("additions", true)),
        ),
    ] {
        payload[field] = value;
        if let Some((other, v)) = also {
            payload[other] = json!(v);
        }
        let bytes = serde_json::to_vec(&payload).unwrap();
        let e = domain::decode(kind, 1, &bytes).unwrap_err().to_string();
        assert!(e.contains(field) && e.contains("schema 2"), "{e}");
        let refused = schemas::validate(kind, 1, &bytes).unwrap_err();
        assert_eq!(refused.path, format!("/{field}"));
        assert!(
            refused.message.contains("sign the event with schema 2")
                && refused.message_vi.contains("hãy ký sự kiện với lược đồ 2"),
            "{}",
            refused.message
        );
        assert!(
            schemas::validate(kind, 2, &bytes).is_ok(),
            "{kind} schema 2"
        );
    }
}

#[test]
fn schema_2_motions_name_what_their_subject_needs() {
    let base = json!({"motion": "m", "text": "Bầu tiếp", "method": "show_of_hands",
        "present": 9, "for": 9, "against": 0, "abstain": 0, "adopted": true, "refs": []});
    for (subject, needs) in [
        ("continue_election", vec!["election", "additions"]),
        ("max_surplus", vec!["election", "surplus_percent"]),
        ("counting_committee", vec!["elections"]),
    ] {
        let mut full = base.clone();
        full["subject"] = json!(subject);
        full["election"] = json!("bch");
        full["additions"] = json!(false);
        full["surplus_percent"] = json!(20);
        full["elections"] = json!(["bch"]);
        let bytes = serde_json::to_vec(&full).unwrap();
        schemas::validate("motion.decided", 2, &bytes).unwrap_or_else(|e| panic!("{e}"));
        for field in needs {
            let mut missing = full.clone();
            missing.as_object_mut().unwrap().remove(field);
            let bytes = serde_json::to_vec(&missing).unwrap();
            assert!(
                schemas::validate("motion.decided", 2, &bytes).is_err(),
                "{subject} without {field}"
            );
        }
    }
}

#[test]
fn a_version_1_complaint_received_is_upcast_on_read() {
    let v1 = json!({
        "case": "hd-2020-0008", "received": "2020-06-06", "channel": "at_congress", "kind": "complaint",
        "complainant": {"anonymous": true, "signatories": 0},
        "concerns": {}, "summary": "Kiến nghị kiểm tra lại số phiếu không hợp lệ.",
    });
    let bytes = serde_json::to_vec(&v1).unwrap();
    schemas::validate("complaint.received", 1, &bytes).unwrap();
    let domain::Payload::ComplaintReceived(p) =
        domain::decode("complaint.received", 1, &bytes).unwrap()
    else {
        panic!("not a complaint.received")
    };
    // Version 1's `anonymous` ("anonymous, unsigned or under a false name") stays anonymous;
    // nothing was recorded about a false name or the address.
    assert!(p.complainant.anonymous);
    assert!(!p.complainant.false_name && !p.complainant.no_address);
    assert_eq!(p.kind, "complaint");
    // Version 2's fields are not version 1's.
    let mut v2_only = v1.clone();
    v2_only["complainant"]["false_name"] = json!(false);
    let bytes = serde_json::to_vec(&v2_only).unwrap();
    assert!(domain::decode("complaint.received", 1, &bytes).is_err());
    assert!(schemas::validate("complaint.received", 1, &bytes).is_err());
}

#[test]
fn complaint_received_is_appended_with_commitments_only() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, k) = create(&dir.path().join("l"), Options::default());
    let before = ledger.size();
    let v2 = json!({
        "case": "c-1", "received": "2020-05-20", "channel": "post", "kind": "denunciation",
        "complainant": {"anonymous": false, "false_name": false, "no_address": false,
            "name": "Phạm Văn Hùng", "signatories": 1},
        "concerns": {}, "summary": "Tố cáo",
    });
    // Schema 2 is still valid and readable, but no longer written: it holds the name.
    let bytes = serde_json::to_vec(&v2).unwrap();
    schemas::validate("complaint.received", 2, &bytes).unwrap();
    let e = compose::next_event(
        &ledger,
        "complaint/c-1",
        "complaint.received",
        2,
        T0,
        &k.presidium,
        &v2,
    )
    .unwrap();
    match ledger.append(e.into_bytes()) {
        Err(AppendError::Schema(err)) => assert!(err.message.contains("schema 3"), "{err}"),
        other => panic!("{other:?}"),
    }
    // Schema 3 holds commitments; a plaintext value there is refused by the schema and the type.
    let (sealed, openings) = ledger::confidential::seal("complaint.received", 3, &v2);
    assert_eq!(openings.len(), 2);
    let bytes = serde_json::to_vec(&sealed).unwrap();
    schemas::validate("complaint.received", 3, &bytes).unwrap();
    let mut plain = sealed.clone();
    plain["summary"] = json!("Tố cáo");
    let bytes = serde_json::to_vec(&plain).unwrap();
    assert!(schemas::validate("complaint.received", 3, &bytes).is_err());
    assert!(domain::decode("complaint.received", 3, &bytes).is_err());
    // And a commitment is not a schema 2 value.
    let bytes = serde_json::to_vec(&sealed).unwrap();
    assert!(domain::decode("complaint.received", 2, &bytes).is_err());
    assert_eq!(ledger.size(), before);
}
