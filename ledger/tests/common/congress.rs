//! A congress built act by act for the procedure tests: each act signed by a body that may sign
//! its kind, a minute after the one before, appended to a real ledger (so schemas and authority
//! are checked) and folded into projections.

use ledger::format::Hash;
use ledger::projections::Projections;
use ledger::rulebook::Finding;
use ledger::scenarios::{self, vn_time, Bodies, Recorder, Scenario};
use ledger::{rules, Options};
use serde_json::{json, Value};

pub const ORIGIN: &str = "ledger.test.vn/rules";
pub const STREAM: &str = "congress/test.huyen/2025-2030";

pub struct Build {
    pub r: Recorder,
    k: Bodies,
    minute: u32,
}

impl Build {
    /// A congress of `form` (`delegates`, `members`) summoning `convened`, under qd190-2024,
    /// convened on 1 March 2025 for 10–12 June.
    pub fn new(form: &str, convened: u64) -> Build {
        let k = Bodies::derive("rules-test");
        let t0 = vn_time(2025, 3, 1, 8, 0);
        let mut r =
            scenarios::start(ORIGIN, "Sổ cái thử", &k.authority, &k.log, "qd190-2024", t0).unwrap();
        let bodies: [(&ed25519_dalek::SigningKey, &[&str], &str); 5] = [
            (&k.superior, &["superior"], "*"),
            (&k.convener, &["convener"], STREAM),
            (&k.presidium, &["presidium", "secretariat"], STREAM),
            (&k.credentials, &["credentials"], STREAM),
            (&k.counting, &["counting"], STREAM),
        ];
        for (key, roles, scope) in bodies {
            r.enroll(&k.authority, key, "Cơ quan thử", roles, scope, t0)
                .unwrap();
        }
        r.record(
            &k.convener,
            STREAM,
            "congress.convened",
            t0,
            json!({
                "org": "test.huyen", "term": "2025-2030", "form": form, "convened": convened,
                "opens": "2025-06-10", "closes": "2025-06-12", "rulebook": "qd190-2024",
                "plan": {"seats": {"committee": 15}, "secretary_direct": true},
            }),
        )
        .unwrap();
        Build { r, k, minute: 0 }
    }

    /// Records the next act, from 10 June 2025 8:00 a minute apart. Counting acts and
    /// corrections are signed by the counting committee, approvals by the superior, persons
    /// and credentials by the credentials committee, the rest by the presidium.
    pub fn act(&mut self, kind: &str, schema: u16, payload: Value) -> Hash {
        let k = &self.k;
        let key = match kind {
            "straw_poll.counted" | "ballots.issued" | "ballots.counted" | "election.declared"
            | "correction.issued" => &k.counting,
            "results.approved" | "appointment.made" => &k.superior,
            "person.registered" | "credentials.reported" => &k.credentials,
            _ => &k.presidium,
        };
        self.minute += 1;
        let time = vn_time(2025, 6, 10, 8, 0) + self.minute as i64 * 60_000;
        self.r
            .record_schema(key, STREAM, kind, schema, time, payload)
            .unwrap()
    }

    pub fn person(&mut self, id: &str, gender: &str, birth_year: i32) {
        self.act(
            "person.registered",
            1,
            json!({
                "person": id, "name": format!("Người {id}"), "gender": gender,
                "birth_year": birth_year, "incumbent": [], "delegate": "official",
            }),
        );
    }

    /// A credentials report (schema 2 when `exclusions` is given).
    pub fn credentials(
        &mut self,
        convened: u64,
        present: u64,
        absent: Value,
        exclusions: Option<Value>,
    ) -> Hash {
        let mut payload = json!({
            "convened": convened, "present": present, "absent": absent, "disqualified": [],
        });
        let schema = match exclusions {
            Some(x) => {
                payload["base_exclusions"] = x;
                2
            }
            None => 1,
        };
        self.act("credentials.reported", schema, payload)
    }

    /// A motion, with `extra` fields set (schema 2 when one of them is new in schema 2).
    pub fn motion(&mut self, id: &str, subject: &str, extra: Value) -> Hash {
        let mut payload = json!({
            "motion": id, "subject": subject, "text": format!("Biểu quyết {id}"),
            "method": "show_of_hands", "present": 100, "for": 100, "against": 0, "abstain": 0,
            "adopted": true, "refs": [],
        });
        let mut schema = 1;
        for (field, value) in extra.as_object().into_iter().flatten() {
            if ["election", "additions", "elections", "surplus_percent"].contains(&field.as_str()) {
                schema = 2;
            }
            payload[field] = value.clone();
        }
        self.act("motion.decided", schema, payload)
    }

    pub fn open(&mut self, election: &str, body: &str, round: u64, seats: u64) -> Hash {
        self.act(
            "election.opened",
            1,
            json!({
                "election": election, "body": body, "round": round, "seats": seats, "alternates": 0,
            }),
        )
    }

    /// A round after its opening: the list adopted by a motion, ballots issued and counted
    /// (`votes` in list order, every ballot valid), and those declared elected. Returns the
    /// count and the declaration.
    pub fn round(
        &mut self,
        election: &str,
        round: u64,
        candidates: &[&str],
        votes: &[u64],
        elected: &[&str],
    ) -> (Hash, Hash) {
        let motion = self.motion(
            &format!("{election}-{round}-list"),
            "candidate_list",
            json!({}),
        );
        self.act(
            "candidate_list.adopted",
            1,
            json!({
                "election": election, "round": round, "candidates": candidates,
                "motion": motion.to_hex(),
            }),
        );
        self.act(
            "ballots.issued",
            1,
            json!({"election": election, "round": round, "issued": 100}),
        );
        let tally: serde_json::Map<String, Value> = candidates
            .iter()
            .zip(votes)
            .map(|(c, v)| (c.to_string(), json!(v)))
            .collect();
        let counted = self.act(
            "ballots.counted",
            1,
            json!({
                "election": election, "round": round, "received": 100, "valid": 100, "invalid": 0,
                "votes": tally,
            }),
        );
        let declared = self.act(
            "election.declared",
            1,
            json!({
                "election": election, "round": round, "elected": elected, "alternates": [],
                "counted": counted.to_hex(),
            }),
        );
        (counted, declared)
    }

    /// The projections of a ledger holding every act recorded.
    pub fn projections(self) -> Projections {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Scenario {
            origin: ORIGIN.to_string(),
            title: "Sổ cái thử".to_string(),
            log_key: self.k.log.clone(),
            events: self.r.finish(),
        }
        .create_ledger(&dir.path().join("l"), Options::default())
        .unwrap();
        let p = Projections::rebuild(&ledger).unwrap();
        assert_eq!(p.unplaced, vec![]);
        p
    }

    /// The findings of `rule` on the congress.
    pub fn findings(self, rule: &str) -> Vec<Finding> {
        rules::check(&self.projections(), "qd190-2024")
            .findings
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect()
    }
}

/// `n` persons `prefix-1` … `prefix-n`.
pub fn ids(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}-{i}")).collect()
}
