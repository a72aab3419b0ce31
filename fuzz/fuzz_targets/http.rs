#![no_main]
//! The first byte picks the request: a POST of the rest as an event, a GET of the rest as a
//! path under /v1/, or an event signed by a demo body with fields taken from the rest.

use std::sync::OnceLock;

use fuzzing::http::{SignedCase, Target};

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(Target::start)
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    match pick % 3 {
        0 => {
            target().post_event(rest);
        }
        1 => {
            target().get(&String::from_utf8_lossy(rest));
        }
        _ => {
            let byte = |i: usize| rest.get(i).copied().unwrap_or(0);
            let mut payload = Target::seed_payload(byte(3));
            if rest.len() > 8 {
                payload = rest[8..].to_vec();
            }
            target().signed(&SignedCase {
                stream: byte(0),
                version_delta: byte(1) as i8 % 3,
                prev: byte(2) % 4,
                kind: byte(3),
                schema: 1 + u16::from(byte(4) % 2),
                signer: byte(5),
                time: 1_591_509_600_000 + i64::from(byte(6)),
                payload,
            });
        }
    }
});
