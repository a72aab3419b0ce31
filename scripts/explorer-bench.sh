#!/usr/bin/env bash
# The explorer's figures for BENCHMARKS.md (issue 14): a ledger of about 1,000,000 entries
# (the demo, then the load generator's appends), served by the release binary; the server's
# time for `/`, a congress page, an act page and a search (p50, p99 over N requests each, after
# one warm-up request that brings the projections up to the log), and the in-browser
# verification of one act in headless Chromium (the verifier's own measure, `data-ms`, in real
# time: --timeout, not --virtual-time-budget, under which performance.now() does not advance).
#
#   scripts/explorer-bench.sh [DIR]      (DIR: where the ledger goes; removed at the end
#                                         unless KEEP=1)
#
# ENTRIES (1,000,000) appends are made whatever the time they take (LOAD_SECONDS bounds the
# load generator's run, an hour by default, so a busy machine still reaches the size asked);
# the load average is printed with the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${ENTRIES:=1000000}" "${N:=200}" "${LOAD_SECONDS:=3600}"
work=${1:-$(mktemp -d)}
mkdir -p "$work"
bin=target/release/congress-ledger
cargo build --release --quiet -p cli -p e2e --bin congress-ledger --bin load
cargo test --release --quiet --no-run -p e2e --test explorer 2>/dev/null
.ci/install-chromium
clients=64
per_client=$(( (ENTRIES + clients - 1) / clients ))
echo "== building a ledger of about $ENTRIES entries in $work" >&2
target/release/load --server-bin "$bin" --dir "$work/ledger" --clients "$clients" --events "$per_client" --seconds "$LOAD_SECONDS" --json > "$work/load.json"
"$bin" serve --ledger "$work/ledger" --addr 127.0.0.1:0 --public > "$work/serve.out" 2> "$work/serve.err" &
server=$!
# KEEP=1 keeps the ledger (e.g. for `LEDGER=$DIR/ledger scripts/renew-bench.sh`).
trap 'kill $server 2>/dev/null || true; [[ -n "${KEEP:-}" ]] || rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.2; done
base=$(sed -n 's/.*listening on //p' "$work/serve.out" | head -1)
size=$(curl -sf "$base/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["size"])')
act=$(curl -sf "$base/v1/events/$(( size / 2 ))" | python3 -c 'import json,sys; print(json.load(sys.stdin)["event_hash"])')
key=$(curl -sf "$base/v1/events/0" | python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)["payload"]["log_key"], safe=""))')
congress=/congresses/hd.tp-haiduong/2020-2025
time_route() { # name path
    curl -sf -o /dev/null "$base$2" # warm-up: projections caught up, caches filled
    for _ in $(seq "$N"); do curl -sf -o /dev/null -w '%{time_total}\n' "$base$2"; done |
        python3 -c "
import sys
t = sorted(float(x) * 1000 for x in sys.stdin)
p = lambda q: t[min(len(t) - 1, int(q * len(t)))]
print(f'| $1 | \`$2\` | {p(0.5):.1f} ms | {p(0.99):.1f} ms |')"
}
python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))
print("Built by the load generator: %s appends in %.0f s (%.0f/s, %d clients, errors %s, lost %s)." % (
    format(f["acknowledged"], ","), f["seconds"], f["appends_per_s"], f["clients"], f["errors"], f["lost"]))' "$work/load.json"
echo "Entries: $size. Server: release build, one process, $N sequential requests per route after a warm-up."
echo "Load average before the requests: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| page | route | p50 | p99 |"
echo "| --- | --- | ---: | ---: |"
time_route "home" "/"
time_route "congress" "$congress"
time_route "act (middle of the log)" "/acts/$act"
time_route "search" "/search?q=le%20dinh%20long"
# The browser through the DevTools protocol (the e2e tests' driver): it waits for the verdict,
# in real time, which `--dump-dom` cannot (it dumps the page at its load event).
ms=$(BENCH_ACT_URL="$base/acts/$act?key=$key" cargo test --release --quiet -p e2e --test explorer \
    bench_in_browser_verification -- --ignored --nocapture 2>/dev/null |
    sed -n 's/^in-browser verification ms: //p')
[[ -n "$ms" ]] || { echo "the in-browser verification did not finish: run the test above by hand" >&2; exit 1; }
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
echo "In-browser verification of that act (headless Chromium, WebCrypto: the seven steps, the download of the proof not counted): $ms ms (5 page loads, one browser profile)."
