#!/usr/bin/env bash
# CPU time per append on the HTTP path, measured so that a busy machine changes it little
# (issue 18): the server's and the load generator's CPU time (utime + stime, every thread) and
# context switches, divided by the appends the server counted, over a window in the middle of
# a `load` run; then, with --perf, a sampled profile (perf record) of both processes.
# Throughput on a shared machine says little; CPU per append says what the work costs.
#
#   scripts/profile-append.sh                    # 64 clients, 20 s
#   scripts/profile-append.sh --clients 256 --perf
# Knobs: BIN (directory of the release `congress-ledger` and `load`, default target/release),
# PROFILE_SECONDS (default 20), PROFILE_EVENTS (events signed in advance per client, default
# enough for 20,000 appends/s: signing them comes before the clock, and costs as much),
# PERF_TOP (frames listed, default 60), PERF_KEEP (a path to keep perf.data at).
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=64
PERF=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --clients) CLIENTS="${2:?--clients needs a number}"; shift 2 ;;
        --perf) PERF=1; shift ;;
        *) echo "unknown argument: $1 (usage: scripts/profile-append.sh [--clients N] [--perf])" >&2; exit 2 ;;
    esac
done
: "${BIN:=target/release}" "${PROFILE_SECONDS:=20}"
: "${PROFILE_EVENTS:=$((PROFILE_SECONDS * 20000 / CLIENTS + 16))}"
for b in congress-ledger load; do
    [[ -x "$BIN/$b" ]] || { echo "$BIN/$b is missing: cargo build --release -p cli --bin congress-ledger -p e2e --bin load" >&2; exit 1; }
done

WORK="$(mktemp -d)"
SERVER_PID=""
LOAD_PID=""
cleanup() {
    [[ -n "$LOAD_PID" ]] && kill "$LOAD_PID" 2>/dev/null
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

# CPU seconds (every thread, exited ones included) and context switches of process $1.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'; }
appended() { curl -s "$URL/metrics" | awk '/^congress_ledger_appends_total\{outcome="created"\}/ { print $2 }'; }

"$BIN/congress-ledger" demo --ledger "$WORK/ledger" >/dev/null
RUST_LOG=warn "$BIN/congress-ledger" serve --ledger "$WORK/ledger" --addr 127.0.0.1:0 --public \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/serve.out" && break; sleep 0.1; done
URL=$(grep "listening on" "$WORK/serve.out" | awk '{ print $NF }')
[[ -n "$URL" ]] || { cat "$WORK/serve.err" >&2; exit 1; }

"$BIN/load" --url "$URL" --pid "$SERVER_PID" --clients "$CLIENTS" --seconds "$PROFILE_SECONDS" \
    --events "$PROFILE_EVENTS" --json >"$WORK/load.json" &
LOAD_PID=$!
# The clients start once every event is signed: wait for the first appends, then skip 2 s.
until [[ "$(appended)" -gt 0 ]]; do sleep 0.2; done
sleep 2
WINDOW=$(awk -v s="$PROFILE_SECONDS" 'BEGIN { w = s - 6; print (w < 2 ? 2 : w) }')
a0=$(appended); s0=$(cpu_s "$SERVER_PID"); l0=$(cpu_s "$LOAD_PID")
x0=$(switches "$SERVER_PID"); y0=$(switches "$LOAD_PID")
if [[ -n "$PERF" ]]; then
    perf record -q -F 997 -p "$SERVER_PID,$LOAD_PID" -o "$WORK/perf.data" -- sleep "$WINDOW" 2>/dev/null
else
    sleep "$WINDOW"
fi
a1=$(appended); s1=$(cpu_s "$SERVER_PID"); l1=$(cpu_s "$LOAD_PID")
x1=$(switches "$SERVER_PID"); y1=$(switches "$LOAD_PID")
wait "$LOAD_PID" || true
LOAD_PID=""

n=$((a1 - a0))
echo "clients $CLIENTS, window ${WINDOW} s, appends in the window $n, load average $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v n="$n" -v s="$(echo "$s1 - $s0" | bc -l)" -v l="$(echo "$l1 - $l0" | bc -l)" \
    -v x="$((x1 - x0))" -v y="$((y1 - y0))" 'BEGIN {
    printf "server CPU per append          %8.1f µs\n", s / n * 1e6
    printf "load generator CPU per append  %8.1f µs\n", l / n * 1e6
    printf "both                           %8.1f µs\n", (s + l) / n * 1e6
    printf "server context switches/append %8.2f\n", x / n
    printf "load context switches/append   %8.2f\n", y / n
}'
jq -c '{appends_per_s, p50_ms, p99_ms, errors, lost}' "$WORK/load.json"
if [[ -n "$PERF" ]]; then
    echo
    # Both processes name their runtime threads tokio-rt-worker: the pid tells them apart.
    echo "Samples by process and thread (server pid $SERVER_PID, load generator pid $LOAD_PID):"
    perf report -q -i "$WORK/perf.data" --no-children --sort pid,comm --stdio 2>/dev/null |
        grep -v "^$" | sed -n 1,20p
    echo
    echo "Top frames (self time, both processes; perf record -F 997 over the window):"
    perf report -q -i "$WORK/perf.data" --no-children --sort pid,dso,symbol --stdio 2>/dev/null |
        grep -v "^$" | cut -c1-180 | sed -n "1,${PERF_TOP:-60}p"
    echo
    echo "The server's samples by what they do (share of the server's samples):"
    perf report -q -i "$WORK/perf.data" --no-children --pid "$SERVER_PID" --sort dso,symbol --stdio 2>/dev/null |
        awk '
        /^ *[0-9.]+%/ {
            p = $1; sub(/%/, "", p); line = $0
            if (line ~ /curve25519|ed25519|sha512|ledger::crypto/) c = "signature check (Ed25519, SHA-512)"
            else if (line ~ /\[k\]/ && line ~ /tcp_|inet_|ip_|skb|sock|__sys_(send|recv)|_copy_(to|from)_iter|sendmsg|recvmsg|net_|loopback|softirq|__netif/) c = "kernel: TCP on loopback"
            else if (line ~ /\[k\]/ && line ~ /finish_task_switch|schedule|futex|_raw_spin_unlock|sched_|wake_up|try_to_wake|ttwu|select_task|enqueue_|dequeue_/) c = "kernel: waking and switching threads"
            else if (line ~ /\[k\]/ && line ~ /iowrite|ext4|jbd2|blk_|nvme|virtio|fsync|file_write|filemap|xfs_|__block/) c = "kernel: writing and fsync"
            else if (line ~ /\[k\]/) c = "kernel: other (syscall entry, epoll, memory)"
            else if (line ~ /malloc|free|mi_|_int_|unlink_chunk|realloc|memmove|memcpy|memset|alloc::/) c = "allocation and copying"
            else if (line ~ /serde_json|jsonschema|unicode_normalization|schemas|format::json/) c = "JSON and schema"
            else if (line ~ /hyper|axum|tower|http::|h2::|httparse|tokio|mio|bytes::/) c = "HTTP stack and async runtime"
            else if (line ~ /sha2::sha256|merkle|crc|index::|runs::|writer::|storage::|frame::/) c = "log: hashing, framing, index"
            else c = "other"
            share[c] += p; total += p
        }
        END { for (c in share) printf "%6.1f%%  %s\n", share[c] / total * 100, c }' | sort -rn
    if [[ -n "${PERF_KEEP:-}" ]]; then cp "$WORK/perf.data" "$PERF_KEEP"; fi
fi
