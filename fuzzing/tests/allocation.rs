//! A hostile length prefix is an error, not an allocation. A counting allocator measures the
//! most memory each parser holds at once (per thread, so that tests running in parallel do not
//! disturb each other) while it refuses inputs that claim 2 GiB.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use axum::http::{Method, Request, StatusCode};
use fuzzing::mutate;
use fuzzing::seeds::{self, seeds};
use ledger::format::encoding::{MAX_ENTRY_BYTES, MAX_EVENT_BYTES};
use ledger::format::entry::split_entries_bin;
use ledger::storage::frame;
use ledger::{Entry, SignedEvent};

struct Counting;

thread_local! {
    // Const-initialized cells without destructors: usable from inside the allocator.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn record(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size() as isize);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most bytes `f` held at once beyond what was live before it, on this thread.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    let value = f();
    let peak = PEAK.with(Cell::get);
    (value, (peak - start).max(0) as usize)
}

const TWO_GIB: u64 = 2 << 30;
/// Far below anything a 2 GiB claim could reserve, far above what parsing a small input needs.
const SMALL: usize = 64 * 1024;

fn with_length(seed: &[u8], field: usize, value: u64) -> Vec<u8> {
    let mut data = seed.to_vec();
    data[field..field + 8].copy_from_slice(&value.to_le_bytes());
    data
}

#[test]
fn the_counter_sees_a_large_allocation() {
    // The measurement itself: a 2 GiB-sized reservation would show.
    let (_, peak) = peak_during(|| Vec::<u8>::with_capacity(8 << 20));
    assert!(peak >= 8 << 20, "{peak}");
}

#[test]
fn a_2_gib_length_in_an_event_is_refused_without_allocating() {
    for seed in seeds().events.iter().take(20) {
        for field in seeds::event_length_fields(seed) {
            let data = with_length(seed, field, TWO_GIB);
            let (result, peak) = peak_during(move || SignedEvent::decode(data));
            assert!(result.is_err(), "field at {field}");
            assert!(peak < SMALL, "field at {field}: {peak} bytes held");
        }
    }
}

#[test]
fn a_length_within_the_limit_but_past_the_input_reserves_at_most_the_limit() {
    let seed = &seeds().events[1];
    let fields = seeds::event_length_fields(seed);
    let payload = fields[fields.len() - 1];
    let data = with_length(seed, payload, (MAX_EVENT_BYTES - 1000) as u64);
    let (result, peak) = peak_during(move || SignedEvent::decode(data));
    assert!(result.is_err());
    assert!(peak <= MAX_ENTRY_BYTES + SMALL, "{peak} bytes held");
}

#[test]
fn a_2_gib_length_in_an_entry_or_entries_bin_is_refused_without_allocating() {
    for seed in seeds().entries.iter().take(20) {
        for field in seeds::entry_length_fields(seed) {
            let data = with_length(seed, field, TWO_GIB);
            let (result, peak) = peak_during(|| Entry::decode(&data));
            assert!(result.is_err(), "field at {field}");
            assert!(peak < SMALL, "field at {field}: {peak} bytes held");
        }
    }
    let bin = &seeds().entries_bins[0];
    for field in seeds::entries_bin_length_fields(bin) {
        let data = with_length(bin, field, TWO_GIB);
        let (parts, peak) = peak_during(|| split_entries_bin(&data).collect::<Vec<_>>());
        assert!(parts.last().is_some_and(|p| p.is_err()), "field at {field}");
        assert!(peak < SMALL, "field at {field}: {peak} bytes held");
    }
}

#[test]
fn a_2_gib_frame_length_is_refused_without_allocating() {
    let seed = &seeds().frames[0];
    for field in seeds::frame_length_fields(seed) {
        let mut data = seed.clone();
        data[field..field + 4].copy_from_slice(&(TWO_GIB as u32 - 1).to_le_bytes());
        mutate::reseal_frame_headers(&mut data, &[field]);
        let (found, peak) = peak_during(|| {
            let mut at = 0;
            loop {
                match frame::read(&data, at, MAX_ENTRY_BYTES) {
                    frame::Found::Frame { end, .. } => at = end,
                    other => return other,
                }
            }
        });
        assert!(
            matches!(found, frame::Found::Corrupt(_)),
            "field at {field}: {found:?}"
        );
        assert!(peak < SMALL, "field at {field}: {peak} bytes held");
    }
}

#[test]
fn an_http_body_declaring_2_gib_is_refused_without_allocating() {
    let target = fuzzing::http::Target::start();
    // Warm up: the router and the runtime allocate once on their first request.
    assert!(target
        .request(Method::GET, "/healthz", Vec::new())
        .is_some());
    for declared in [TWO_GIB, u64::MAX] {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/v1/events")
            .header("content-type", "application/octet-stream")
            .header("content-length", declared.to_string())
            .body(axum::body::Body::from(vec![1u8; 100]))
            .unwrap_or_else(|e| panic!("{e}"));
        let (status, peak) = peak_during(|| target.send(request).status);
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "declared {declared}");
        assert!(
            peak < MAX_EVENT_BYTES,
            "declared {declared}: {peak} bytes held"
        );
    }
}
