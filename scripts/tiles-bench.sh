#!/usr/bin/env bash
# The tiles figures (issue 15 §5), measured in one run and printed as a BENCHMARKS.md section
# on standard output (progress on standard error): the embedded append rate, publishing a log
# of BENCH_EVENTS entries into a directory (the core bench's `tiles` part) and into a real
# S3-compatible server (s3s-fs on loopback, through `publish --to s3://`), the bytes of the
# tiles against those of the log, and an inclusion proof read from tiles, cold and warm.
# scripts/benchmarks.sh calls it; alone: `scripts/tiles-bench.sh > tiles.md`.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BENCH_EVENTS:=1000000}"
export BENCH_EVENTS
WORK="$(mktemp -d)"
S3_PID=""
cleanup() {
    [[ -n "$S3_PID" ]] && kill "$S3_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
log() { printf '== %s\n' "$*" >&2; }
figure() { # the number before the unit on the first line containing $1
    grep -F -- "$1" "$WORK/bench.txt" | head -1 |
        sed -E 's#.*[^0-9.]([0-9]+(\.[0-9]+)?) +(entries/s|events/s|µs).*#\1#'
}

bash scripts/install-test-tools.sh >&2
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
log "building (release)"
cargo build --release --locked -q -p cli
log "core bench: append, build, tiles (BENCH_EVENTS=$BENCH_EVENTS)"
# BENCH_KEEP=DIR reuses a large log kept there (or keeps the one built).
LARGE="${BENCH_KEEP:-$WORK/large}"
BENCH_DIR="$WORK" BENCH_KEEP="$LARGE" cargo bench --locked -q -p ledger --bench core -- append build tiles \
    | tee "$WORK/bench.txt" >&2
APPEND_1=$(figure "appends,  1 in flight")
APPEND_64=$(figure "appends, 64 in flight")
TILES_DIR=$(figure "publish whole log into a directory")
RATIO=$(grep -F "tiles bytes / log bytes" "$WORK/bench.txt" | awk '{print $6}')
TILE_BYTES=$(grep -F "tiles bytes / log bytes" "$WORK/bench.txt" | sed -E 's/.*\(([0-9]+) B of tiles, ([0-9]+) B.*/\1 \2/')
COLD=$(figure "inclusion proof from tiles, cold")
WARM=$(figure "inclusion proof from tiles, warm")

log "publishing the same log into s3s-fs on loopback"
mkdir -p "$WORK/s3/term"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
s3s-fs --host 127.0.0.1 --port "$PORT" --access-key bench --secret-key bench-secret "$WORK/s3" >/dev/null 2>&1 &
S3_PID=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1
START=$(date +%s.%N)
target/release/congress-ledger publish --ledger "$LARGE" --to s3://term/bench --json >"$WORK/s3.json"
END=$(date +%s.%N)
SIZE=$(jq -r .size "$WORK/s3.json")
S3_RATE=$(awk -v n="$SIZE" -v a="$START" -v b="$END" 'BEGIN { printf "%.0f", n / (b - a) }')
S3_SECONDS=$(awk -v a="$START" -v b="$END" 'BEGIN { printf "%.1f", b - a }')
S3_OBJECTS=$(jq -r '.bundles + .tiles + .blobs + 1' "$WORK/s3.json")
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }

cat <<MD
## Tiles (log of $SIZE events)

Publishing the log as C2SP tlog-tiles, against the embedded append rate measured in the same
run (16 appenders): publishing keeps up when its rate is above the append rate.

| figure | value | ÷ embedded appends (1 in flight) | ÷ embedded appends (64 in flight) |
| --- | ---: | ---: | ---: |
| embedded appends, 1 in flight per appender | $APPEND_1 /s | 1.00 | |
| embedded appends, 64 in flight per appender | $APPEND_64 /s | | 1.00 |
| publish into a directory (whole log) | $TILES_DIR entries/s | $(ratio "$TILES_DIR" "$APPEND_1") | $(ratio "$TILES_DIR" "$APPEND_64") |
| publish into s3s-fs on loopback (\`publish --to s3://\`, $S3_OBJECTS objects, ${S3_SECONDS}s) | $S3_RATE entries/s | $(ratio "$S3_RATE" "$APPEND_1") | $(ratio "$S3_RATE" "$APPEND_64") |

Bytes: the tiles take $(echo "$TILE_BYTES" | awk '{print $1}') bytes against $(echo "$TILE_BYTES" | awk '{print $2}') bytes of segments
(ratio $RATIO): each entry once in a bundle (2 bytes of length instead of the segment
frame's 12), plus 32 bytes of leaf hash and about 32/255 above it.

An inclusion proof read from the tiles in a directory: $COLD µs cold (a new cache: the
checkpoint read and checked, each tile read and written to the cache), $WARM µs warm (tiles
from the cache, in memory).
MD
