#!/usr/bin/env bash
# Where an embedded append's CPU goes (issue 18): the core bench's `append` part runs, and
# perf samples only its timed part with 64 events in flight per appender (attached once the
# bench has printed the 1-in-flight figures and signed the next run's events in advance), so
# that neither the signing nor the machine-limit measurements before it are counted.
# Then: samples by thread, by what they do, and the top frames.
#
#   scripts/profile-embedded.sh          # needs perf (Debian's linux-perf)
# Knobs: PERF_SECONDS (the sampled window, default 2), PERF_TOP (frames listed, default 40),
# SIGN_SECONDS (how long the bench signs the 64-in-flight run's events before timing it;
# default 3, measured on the 2-core machine of BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PERF_SECONDS:=2}" "${PERF_TOP:=40}" "${SIGN_SECONDS:=3}"
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 1; }

cargo bench --locked -q -p ledger --bench core --no-run 2>/dev/null
BENCH=$(ls -t target/release/deps/core-* | grep -v '\.d$' | head -1)
WORK="$(mktemp -d)"
PID=""
cleanup() {
    [[ -n "$PID" ]] && kill "$PID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

BENCH_DIR="$WORK" "$BENCH" --bench append >"$WORK/out.txt" 2>&1 &
PID=$!
until grep -q "CPU per append,  1 in flight" "$WORK/out.txt"; do
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/out.txt" >&2; exit 1; }
    sleep 0.05
done
sleep "$SIGN_SECONDS"
# perf ends its workload (the sleep) with a signal and may say so in its status: the data is
# checked instead.
perf record -q -F 1999 -p "$PID" -o "$WORK/perf.data" -- sleep "$PERF_SECONDS" 2>/dev/null || true
[[ -s "$WORK/perf.data" ]] || { echo "perf recorded nothing (perf_event_paranoid?)" >&2; exit 1; }
wait "$PID"
PID=""
cat "$WORK/out.txt"
echo
echo "Samples by thread (the appenders are the bench's own threads):"
perf report -q -i "$WORK/perf.data" --no-children --sort comm --stdio 2>/dev/null | grep -v "^$" | sed -n 1,12p
echo
echo "By what they do (share of all samples in the window):"
perf report -q -i "$WORK/perf.data" --no-children --sort comm,dso,symbol --stdio 2>/dev/null |
    awk '
    /^ *[0-9.]+%/ {
        p = $1; sub(/%/, "", p); line = $0
        if (line ~ /conditional_assign|LookupTable|mul_base|SigningKey|ExpandedSecretKey/) c = "signing (should be none: events are signed before the clock)"
        else if (line ~ /curve25519|ed25519|sha512|ledger::crypto/) c = "signature check (Ed25519, SHA-512)"
        else if (line ~ /\[k\]/ && line ~ /finish_task_switch|schedule|futex|_raw_spin_unlock|sched_|wake_up|try_to_wake|ttwu|select_task|enqueue_|dequeue_|yield/) c = "kernel: waking and switching threads"
        else if (line ~ /\[k\]/ && line ~ /iowrite|ext4|jbd2|blk_|nvme|virtio|fsync|file_write|filemap|xfs_|__block/) c = "kernel: writing and fsync"
        else if (line ~ /\[k\]/) c = "kernel: other"
        else if (line ~ /crossbeam|parking_lot|futex|sched_yield|Condvar|Mutex/) c = "channels and locks"
        else if (line ~ /malloc|free|_int_|unlink_chunk|realloc|memmove|memcpy|memset|alloc::|drop_in_place/) c = "allocation and copying"
        else if (line ~ /serde_json|jsonschema|unicode_normalization|schemas|format::json|from_utf8/) c = "JSON and schema"
        else if (line ~ /sha2::sha256|merkle|crc|index::|runs::|writer::|storage::|frame::|btree|hashbrown|sip::/) c = "log: hashing, framing, index, maps"
        else c = "other"
        share[c] += p; total += p
    }
    END { for (c in share) printf "%6.1f%%  %s\n", share[c] / total * 100, c }' | sort -rn
echo
echo "Top frames (self time):"
perf report -q -i "$WORK/perf.data" --no-children --sort comm,dso,symbol --stdio 2>/dev/null |
    grep -v "^$" | cut -c1-170 | sed -n "1,${PERF_TOP}p"
