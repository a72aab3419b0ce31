#!/usr/bin/env bash
# Side-by-side figures, all measured in one run on this machine, written to BENCHMARKS.md:
#   1. the machine's limits (Ed25519 verify rate on one and all cores, fsync and group-commit
#      rates) and the ledger embedded (appends, verification, proofs): `cargo bench -p ledger
#      --bench core`;
#   2. the HTTP API under load: the `load` generator, 64 and 256 clients on POST /v1/events;
#   3. the log as tiles: publishing into a directory and into s3s-fs, bytes, proofs from tiles
#      (scripts/tiles-bench.sh);
#   4. a PostgreSQL baseline: a hash-chained audit table, hash = sha256(prev_hash || payload)
#      by pgcrypto's digest(), one transaction per append, 16 clients (pgbench).
# Every figure is given with its ratio to the limits and to PostgreSQL.
#
#   scripts/benchmarks.sh              # full run (several minutes on a quiet machine)
#   BENCH_SHORT=1 scripts/benchmarks.sh   # small sizes: checks that the script works
#   scripts/benchmarks.sh --baseline COMMIT   # also measures COMMIT (built in a temporary
#                                      # worktree) in the same run, just before this tree:
#                                      # BENCHMARKS.md then gives before, after and their ratio
# Other knobs: BENCH_EVENTS (log size for verify/proofs), LOAD_SECONDS, LOAD_CLIENTS (the
# first HTTP row), LOAD_CLIENTS_MANY (the second, default 256),
# PG_SECONDS, PG_CLIENTS, PG_PORT, OUT (default BENCHMARKS.md), BENCH_NOTE (a line on the
# conditions, printed at the top).
set -euo pipefail
cd "$(dirname "$0")/.."

BASELINE=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --baseline)
            BASELINE=$(git rev-parse --verify "${2:?--baseline needs a commit}^{commit}")
            shift 2
            ;;
        *)
            echo "unknown argument: $1 (usage: scripts/benchmarks.sh [--baseline COMMIT])" >&2
            exit 2
            ;;
    esac
done

if [[ -n "${BENCH_SHORT:-}" ]]; then
    : "${BENCH_EVENTS:=20000}" "${LOAD_SECONDS:=3}" "${PG_SECONDS:=3}"
    MODE="short (BENCH_SHORT=1: small sizes, to check the script; not figures to quote)"
else
    : "${BENCH_EVENTS:=1000000}" "${LOAD_SECONDS:=20}" "${PG_SECONDS:=20}"
    MODE="full"
fi
: "${LOAD_CLIENTS:=64}" "${LOAD_CLIENTS_MANY:=256}" "${PG_CLIENTS:=16}" "${PG_PORT:=55432}" "${OUT:=BENCHMARKS.md}"
export BENCH_EVENTS

WORK="$(mktemp -d)"
PG_DATA=""
PG_BIN=""
as_pg() {
    # initdb and postgres refuse to run as root: run them as the `postgres` user then.
    if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
    if [[ -n "$PG_DATA" && -f "$PG_DATA/postmaster.pid" ]]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true
    fi
    if [[ -n "$BASELINE" && -d "$WORK/baseline" ]]; then
        git worktree remove --force "$WORK/baseline" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '== %s\n' "$*" >&2; }
# awk does the floating point: ratio A B → A/B to 2 decimals ("n/a" when B is 0 or missing).
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
num() { awk -v a="${1:-0}" 'BEGIN { printf "%.0f", a }'; }
# The rate on the bench output's first line containing $1: the number before its unit.
bench_figure() {
    grep -F -- "$1" "$WORK/bench.txt" | head -1 |
        sed -E 's#.*[^0-9.]([0-9]+(\.[0-9]+)?) +(records/s|events/s|/s|µs).*#\1#'
}

# The figures of one tree, into $WORK/$2-*: `cargo bench` and the load generator, built from
# the sources in $1 (this tree, or the baseline's worktree) into this tree's target directory
# (one target directory: the baseline's binaries are copied out before this tree is built).
measure() {
    local src="$1" tag="$2"
    log "[$tag] building (release)"
    # The sink (the HTTP floor) only for this tree: the baseline may not have it.
    local sink_bin=()
    if [[ "$tag" == now ]]; then sink_bin=(--bin sink); fi
    (cd "$src" && CARGO_TARGET_DIR="$PWD_TARGET" cargo build --release --locked -q -p cli &&
        CARGO_TARGET_DIR="$PWD_TARGET" cargo build --release --locked -q -p e2e --bin load "${sink_bin[@]}")
    mkdir -p "$WORK/$tag-bin"
    cp "$PWD_TARGET/release/congress-ledger" "$PWD_TARGET/release/load" "$WORK/$tag-bin/"
    if [[ "$tag" == now ]]; then cp "$PWD_TARGET/release/sink" "$WORK/$tag-bin/"; fi
    log "[$tag] machine limits and the ledger embedded: cargo bench -p ledger --bench core (BENCH_EVENTS=$BENCH_EVENTS)"
    (cd "$src" && BENCH_DIR="$WORK" CARGO_TARGET_DIR="$PWD_TARGET" cargo bench --locked -q -p ledger \
        --bench core -- limits append latency build verify proofs) | tee "$WORK/$tag-bench.txt" >&2
    local clients
    for clients in "$LOAD_CLIENTS" "$LOAD_CLIENTS_MANY"; do
        log "[$tag] HTTP load: $clients clients for ${LOAD_SECONDS}s"
        "$WORK/$tag-bin/load" --server-bin "$WORK/$tag-bin/congress-ledger" \
            --seconds "$LOAD_SECONDS" --clients "$clients" --json >"$WORK/$tag-load-$clients.json"
        cat "$WORK/$tag-load-$clients.json" >&2
    done
    # The floor of the HTTP figure (this tree only): the same clients and events against a
    # sink that does nothing, and against one that does only the ledger's strict check.
    if [[ "$tag" == now ]]; then
        local sink
        for sink in nothing check; do
            log "[$tag] HTTP floor: $LOAD_CLIENTS clients, a sink doing $sink"
            # Events for 150,000/s over 10 s, signed in advance: a sink outruns the ledger.
            "$WORK/$tag-bin/load" --sink "$sink" --seconds 10 --clients "$LOAD_CLIENTS" \
                --events $((1500000 / LOAD_CLIENTS + 16)) --json >"$WORK/$tag-sink-$sink.json"
            cat "$WORK/$tag-sink-$sink.json" >&2
        done
    fi
}
PWD_TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
if [[ -n "$BASELINE" ]]; then
    git worktree add --detach "$WORK/baseline" "$BASELINE" >/dev/null
    # The same measuring code for both trees where it builds against the baseline: this tree's
    # core bench and load generator (the baseline's own otherwise, and its figures then lack
    # the rows they did not measure yet).
    # Each file on its own: one that does not build against the baseline is replaced by the
    # baseline's own, and said so.
    for target in "ledger/benches/core.rs:-p ledger --bench core" "tests/src/bin/load.rs:-p e2e --bin load"; do
        f=${target%%:*}
        cp "$f" "$WORK/baseline/$f"
        # shellcheck disable=SC2086 # the package and target arguments are words
        if ! (cd "$WORK/baseline" && CARGO_TARGET_DIR="$PWD_TARGET" cargo build --release --locked -q \
            ${target#*:}) >&2; then
            log "[before] this tree's $f does not build against $BASELINE: the baseline's own is used"
            git -C "$WORK/baseline" checkout -- "$f"
        fi
    done
    measure "$WORK/baseline" before
fi
measure "$PWD" now
cp "$WORK/now-bench.txt" "$WORK/bench.txt"

STRICT_1=$(bench_figure "verify_strict, 1 core")
STRICT_2=$(bench_figure "verify_strict, 2 cores")
BATCH_2=$(bench_figure "batch (n=1024)")
FSYNC=$(bench_figure "fsync per 512-byte record")
GROUP=$(bench_figure "group commit per 256 records")
# This line ends with the time per check, which bench_figure would take: the rate is field 6.
LEDGER_1=$(grep -F -- "ledger strict check, 1 core" "$WORK/bench.txt" | head -1 | awk '{print $6}')
LEDGER_2=$(bench_figure "ledger strict check, 2 cores")
LEDGER_16=$(bench_figure "ledger check, 16 signers, 2 cores")
# RSS of the appending process as the large log grows: the first and the last sample.
RSS_FIRST=$(grep -E "^RSS after" "$WORK/bench.txt" | head -1 | awk '{print $3, $(NF-1)}')
RSS_LAST=$(grep -E "^RSS after" "$WORK/bench.txt" | tail -1 | awk '{print $3, $(NF-1)}')
APPEND_1=$(bench_figure "appends,  1 in flight")
APPEND_64=$(bench_figure "appends, 64 in flight")
# These lines also name the fsync's time in µs, which bench_figure would take: the latency is
# field 4.
ack_figure() { grep -F -- "acknowledgement latency $2" "$1" | head -1 | awk '{print $4}'; }
ACK_P50=$(ack_figure "$WORK/bench.txt" p50)
ACK_P99=$(ack_figure "$WORK/bench.txt" p99)
FSYNC_US=$(awk -v r="${FSYNC:-0}" 'BEGIN { if (r + 0 == 0) print 0; else printf "%.0f", 1e6 / r }')
VERIFY_BATCH=$(bench_figure "verify whole log (batch")
VERIFY_STRICT=$(bench_figure "verify whole log (strict")
INCLUSION=$(bench_figure "inclusion proof at")
CONSISTENCY=$(bench_figure "consistency proof at")

jl() { jq -r "$1" "$WORK/now-load-$LOAD_CLIENTS.json"; }
HTTP_RATE=$(jl .appends_per_s)
HTTP_P50=$(jl '.p50_ms * 100 | round / 100')
HTTP_P99=$(jl '.p99_ms * 100 | round / 100')
HTTP_MAX=$(jl '.max_ms * 100 | round / 100')
HTTP_ERRORS=$(jl .errors)
HTTP_LOST=$(jl .lost)
HTTP_RSS=$(jl '.server_peak_rss_mib * 10 | round / 10')
HTTP_ACKED=$(jl .acknowledged)
EVENT_BYTES=$(jl .event_bytes)
# The same figures for LOAD_CLIENTS_MANY clients, as one table row.
http_row() { # $1: a load JSON file
    jq -r '"| \(.clients // "?") | \(.appends_per_s | round) /s | \(.p50_ms * 100 | round / 100) ms | \(.p99_ms * 100 | round / 100) ms | \(.max_ms * 100 | round / 100) ms | \(.acknowledged) | \(.errors) | \(.lost) | \(.server_peak_rss_mib * 10 | round / 10) MiB |"' "$1"
}
HTTP_RATE_MANY=$(jq -r .appends_per_s "$WORK/now-load-$LOAD_CLIENTS_MANY.json")

# Before and after (with --baseline): each figure of the baseline and of this tree, and after ÷ before.
before_after() {
    [[ -n "$BASELINE" ]] || return 0
    local b="$WORK/before-bench.txt" n="$WORK/now-bench.txt"
    fig() { grep -F -- "$2" "$1" | head -1 | sed -E 's#.*[^0-9.]([0-9]+(\.[0-9]+)?) +(records/s|events/s|/s|µs).*#\1#'; }
    row() { # $1: label, $2: before, $3: after, $4: unit
        echo "| $1 | $(num "$2") $4 | $(num "$3") $4 | $(ratio "$3" "$2") |"
    }
    echo "## Before and after (one run: $(git rev-parse --short "$BASELINE") then $(git rev-parse --short HEAD))"
    echo
    echo "Both trees were built and measured back to back by \`scripts/benchmarks.sh --baseline\`, the"
    echo "baseline first; the ratio is after ÷ before (for latencies, lower is better)."
    echo
    echo "| figure | before | after | after ÷ before |"
    echo "| --- | ---: | ---: | ---: |"
    row "ledger strict check, $(nproc) cores" "$(fig "$b" "ledger strict check, 2 cores")" "$(fig "$n" "ledger strict check, 2 cores")" /s
    row "embedded appends, 16 appenders, 1 in flight each" "$(fig "$b" "appends,  1 in flight")" "$(fig "$n" "appends,  1 in flight")" /s
    row "embedded appends, 16 appenders, 64 in flight each" "$(fig "$b" "appends, 64 in flight")" "$(fig "$n" "appends, 64 in flight")" /s
    row "embedded, CPU per append (64 in flight)" "$(fig "$b" "CPU per append, 64 in flight")" "$(fig "$n" "CPU per append, 64 in flight")" µs
    row "one appender, acknowledgement p50" "$(ack_figure "$b" p50)" "$(ack_figure "$n" p50)" µs
    row "one appender, acknowledgement p99" "$(ack_figure "$b" p99)" "$(ack_figure "$n" p99)" µs
    local c
    for c in "$LOAD_CLIENTS" "$LOAD_CLIENTS_MANY"; do
        row "HTTP appends, $c clients" "$(jq -r .appends_per_s "$WORK/before-load-$c.json")" "$(jq -r .appends_per_s "$WORK/now-load-$c.json")" /s
        row "HTTP, server CPU per append, $c clients" "$(jq -r '.server_cpu_us_per_append // 0' "$WORK/before-load-$c.json")" "$(jq -r '.server_cpu_us_per_append // 0' "$WORK/now-load-$c.json")" µs
        row "HTTP p99, $c clients" "$(jq -r '.p99_ms * 1000' "$WORK/before-load-$c.json")" "$(jq -r '.p99_ms * 1000' "$WORK/now-load-$c.json")" µs
    done
    row "verify whole log, batch" "$(fig "$b" "verify whole log (batch")" "$(fig "$n" "verify whole log (batch")" /s
    row "verify whole log, strict" "$(fig "$b" "verify whole log (strict")" "$(fig "$n" "verify whole log (strict")" /s
    echo
}

log "PostgreSQL baseline"
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" || ! -x "$PG_BIN/pgbench" ]]; then
    log "installing PostgreSQL from Debian's packages"
    if [[ "$(id -u)" == 0 ]]; then SUDO=(); else SUDO=(sudo); fi
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq postgresql postgresql-contrib >/dev/null
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
PG_VERSION=$("$PG_BIN/postgres" --version)
PG_DIR="$WORK/pg"
mkdir -p "$PG_DIR"
[[ "$(id -u)" == 0 ]] && chown postgres "$PG_DIR" "$WORK"
PG_DATA="$PG_DIR/data"
as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U bench -A trust -E UTF8 >/dev/null
# Durability as shipped: fsync on, synchronous_commit on (each commit waits for its WAL flush).
as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/log" -w start \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=64 -c fsync=on -c synchronous_commit=on" >/dev/null
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U bench)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE audit"
"${PSQL[@]}" -d audit <<'SQL'
CREATE EXTENSION pgcrypto;
-- One chain per client: its head row holds the last sequence number and hash. An append
-- locks its chain's head row (FOR UPDATE), so concurrent appends to one chain serialize and
-- every chain stays linear; different chains do not wait for each other, as streams in the
-- ledger do not.
CREATE TABLE heads (chain int PRIMARY KEY, seq bigint NOT NULL, hash bytea NOT NULL);
CREATE TABLE audit (
    chain int NOT NULL, seq bigint NOT NULL, payload bytea NOT NULL,
    prev_hash bytea NOT NULL, hash bytea NOT NULL, PRIMARY KEY (chain, seq));
SQL
# The payload is JSON text of about the ledger event's size.
cat >"$WORK/append.sql" <<'SQL'
\set n random(1, 1000000000)
WITH head AS (SELECT seq, hash FROM heads WHERE chain = :chain FOR UPDATE),
     p AS (SELECT convert_to('{"motion": "m-' || :n || '", "subject": "resolution", "text": "Thông qua Nghị quyết Đại hội đại biểu Đảng bộ nhiệm kỳ 2025–2030", "method": "show_of_hands", "present": 297, "for": 290, "against": 3, "abstain": 4, "adopted": true, "refs": [], "pad": "' || repeat('x', 200) || '"}', 'UTF8') AS payload),
     ins AS (INSERT INTO audit (chain, seq, payload, prev_hash, hash)
             SELECT :chain, head.seq + 1, p.payload, head.hash, digest(head.hash || p.payload, 'sha256')
             FROM head, p RETURNING seq, hash)
UPDATE heads SET seq = ins.seq, hash = ins.hash FROM ins WHERE heads.chain = :chain;
SQL
pg_run() { # $1: chains ("per-client" or "single"); prints tps and average latency
    "${PSQL[@]}" -d audit -c "TRUNCATE audit; DELETE FROM heads;
        INSERT INTO heads SELECT g, 0, '\\x$(printf '0%.0s' {1..64})'::bytea FROM generate_series(0, $PG_CLIENTS - 1) g;"
    if [[ "$1" == single ]]; then
        sed 's/:chain/0/g' "$WORK/append.sql" >"$WORK/run.sql"
    else
        sed 's/:chain/:client_id/g' "$WORK/append.sql" >"$WORK/run.sql"
    fi
    PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=bench "$PG_BIN/pgbench" -n -c "$PG_CLIENTS" -j 2 \
        -T "$PG_SECONDS" -f "$WORK/run.sql" audit >"$WORK/pgbench-$1.txt" 2>&1
    cat "$WORK/pgbench-$1.txt" >&2
    # Every row's hash is sha256(prev_hash || payload) and its prev_hash is the hash before it.
    local broken
    broken=$("${PSQL[@]}" -d audit -At -c "SELECT count(*) FROM audit a
        LEFT JOIN audit b ON b.chain = a.chain AND b.seq = a.seq - 1
        WHERE a.hash <> digest(a.prev_hash || a.payload, 'sha256')
           OR (a.seq > 1 AND b.hash IS DISTINCT FROM a.prev_hash)")
    local rows
    rows=$("${PSQL[@]}" -d audit -At -c "SELECT count(*) FROM audit")
    if [[ "$broken" != 0 ]]; then
        echo "PostgreSQL chain check failed: $broken of $rows rows broken" >&2
        exit 1
    fi
    echo "$(grep -oE 'tps = [0-9.]+' "$WORK/pgbench-$1.txt" | head -1 | awk '{print $3}') \
$(grep -oE 'latency average = [0-9.]+' "$WORK/pgbench-$1.txt" | awk '{print $4}') $rows"
}
read -r PG_TPS PG_LAT PG_ROWS < <(pg_run per-client)
read -r PG1_TPS PG1_LAT PG1_ROWS < <(pg_run single)
as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null

log "writing $OUT"
# The sections other scripts measured (the explorer, the subscribers, the renewal, hand
# measurements) are kept: everything of $OUT from the marker line on.
KEEP_MARK='<!-- Measured by their own scripts, not by scripts/benchmarks.sh'
: >"$WORK/kept.md"
if [[ -f "$OUT" ]]; then
    awk -v mark="$KEEP_MARK" 'index($0, mark) == 1 { on = 1 } on' "$OUT" >"$WORK/kept.md"
fi
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
LOAD_AVG=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "# Benchmarks"
    echo
    echo "Generated by \`scripts/benchmarks.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), mode: $MODE."
    echo "Machine: $(nproc) cores ($CPU), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM,"
    echo "disk under \`${TMPDIR:-/tmp}\`; load average at the end: $LOAD_AVG. Commit $(git rev-parse --short HEAD)."
    echo "Every figure below was measured in this one run, next to the limits it is bounded by."
    echo
    # BENCH_NOTE: what the numbers cannot say themselves (who else was using the machine).
    if [[ -n "${BENCH_NOTE:-}" ]]; then echo "**Conditions:** $BENCH_NOTE"; echo; fi
    echo "## Machine limits"
    echo
    echo "| limit | rate |"
    echo "| --- | ---: |"
    echo "| Ed25519 verify_strict, 1 core | $(num "$STRICT_1") /s |"
    echo "| Ed25519 verify_strict, $(nproc) cores | $(num "$STRICT_2") /s |"
    echo "| Ed25519 batch verify (n=1024), $(nproc) cores | $(num "$BATCH_2") /s |"
    echo "| fsync per 512-byte record | $(num "$FSYNC") records/s |"
    echo "| group commit, 256 records per fsync | $(num "$GROUP") records/s |"
    echo
    echo "The ledger's own strict check (the same decisions as verify_strict, computed with"
    echo "fixed-base tables for the basepoint and for each key that signs often): $(num "$LEDGER_1") /s on"
    echo "1 core, $(num "$LEDGER_2") /s on $(nproc) cores; $(ratio "$LEDGER_2" "$STRICT_2")× the library's verify_strict."
    echo
    echo "## The ledger and the baseline"
    echo
    echo "| figure | value | ÷ strict verify ($(nproc) cores) | ÷ fsync/record | ÷ group commit | ÷ PostgreSQL (chain per client) |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    echo "| embedded appends, 16 appenders, 1 in flight each | $(num "$APPEND_1") /s | $(ratio "$APPEND_1" "$STRICT_2") | $(ratio "$APPEND_1" "$FSYNC") | $(ratio "$APPEND_1" "$GROUP") | $(ratio "$APPEND_1" "$PG_TPS") |"
    echo "| embedded appends, 16 appenders, 64 in flight each | $(num "$APPEND_64") /s | $(ratio "$APPEND_64" "$STRICT_2") | $(ratio "$APPEND_64" "$FSYNC") | $(ratio "$APPEND_64" "$GROUP") | $(ratio "$APPEND_64" "$PG_TPS") |"
    echo "| HTTP appends, $LOAD_CLIENTS clients (POST /v1/events) | $(num "$HTTP_RATE") /s | $(ratio "$HTTP_RATE" "$STRICT_2") | $(ratio "$HTTP_RATE" "$FSYNC") | $(ratio "$HTTP_RATE" "$GROUP") | $(ratio "$HTTP_RATE" "$PG_TPS") |"
    echo "| HTTP appends, $LOAD_CLIENTS_MANY clients (POST /v1/events) | $(num "$HTTP_RATE_MANY") /s | $(ratio "$HTTP_RATE_MANY" "$STRICT_2") | $(ratio "$HTTP_RATE_MANY" "$FSYNC") | $(ratio "$HTTP_RATE_MANY" "$GROUP") | $(ratio "$HTTP_RATE_MANY" "$PG_TPS") |"
    echo "| PostgreSQL hash-chained insert, $PG_CLIENTS clients, a chain each | $(num "$PG_TPS") /s | $(ratio "$PG_TPS" "$STRICT_2") | $(ratio "$PG_TPS" "$FSYNC") | $(ratio "$PG_TPS" "$GROUP") | 1.00 |"
    echo "| PostgreSQL hash-chained insert, $PG_CLIENTS clients, one chain | $(num "$PG1_TPS") /s | $(ratio "$PG1_TPS" "$STRICT_2") | $(ratio "$PG1_TPS" "$FSYNC") | $(ratio "$PG1_TPS" "$GROUP") | $(ratio "$PG1_TPS" "$PG_TPS") |"
    echo "| verify whole log, batch signatures ($BENCH_EVENTS events) | $(num "$VERIFY_BATCH") /s | $(ratio "$VERIFY_BATCH" "$STRICT_2") (÷ batch limit: $(ratio "$VERIFY_BATCH" "$BATCH_2")) | | | |"
    echo "| verify whole log, strict signatures | $(num "$VERIFY_STRICT") /s | $(ratio "$VERIFY_STRICT" "$STRICT_2") | | | |"
    echo
    echo "The ledger's strict check on $(nproc) cores is the bound the issue measures appends against:"
    echo "HTTP appends ÷ that check: $(ratio "$HTTP_RATE" "$LEDGER_2") ($LOAD_CLIENTS clients), $(ratio "$HTTP_RATE_MANY" "$LEDGER_2") ($LOAD_CLIENTS_MANY clients);"
    echo "embedded, 64 in flight: $(ratio "$APPEND_64" "$LEDGER_2")."
    echo
    echo "## The floor under the HTTP figure"
    echo
    echo "The same $LOAD_CLIENTS clients posting the same events (the load generator, \`load --sink\`) to"
    echo "an axum server of their own on the same runtime settings, which answers each like the ledger"
    echo "(201, an acknowledgement of the same shape) after doing nothing, or only the ledger's strict"
    echo "signature check (decoding the event, \`crypto::verify_each\` with its key cache). Nothing is"
    echo "stored. No server doing the ledger's strict check on every event goes beyond the second row with"
    echo "this load (HTTP/1.1, one request per event, generator and server on the same $(nproc) cores)."
    echo
    echo "| server | appends/s | p99 | server CPU per append | generator CPU per append | ÷ the ledger's strict check ($(nproc) cores) |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for sink in nothing check; do
        jq -r --arg what "sink doing $sink" --arg limit "${LEDGER_2:-0}" '"| \($what) | \(.appends_per_s | round) | \(.p99_ms * 100 | round / 100) ms | \(.server_cpu_us_per_append // 0 | . * 10 | round / 10) µs | \(.load_cpu_us_per_append // 0 | . * 10 | round / 10) µs | \(if ($limit | tonumber) > 0 then (.appends_per_s / ($limit | tonumber) * 100 | round / 100) else "n/a" end) |"' "$WORK/now-sink-$sink.json"
    done
    jq -r --arg limit "${LEDGER_2:-0}" '"| the ledger (`congress-ledger serve`) | \(.appends_per_s | round) | \(.p99_ms * 100 | round / 100) ms | \(.server_cpu_us_per_append // 0 | . * 10 | round / 10) µs | \(.load_cpu_us_per_append // 0 | . * 10 | round / 10) µs | \(if ($limit | tonumber) > 0 then (.appends_per_s / ($limit | tonumber) * 100 | round / 100) else "n/a" end) |"' "$WORK/now-load-$LOAD_CLIENTS.json"
    echo
    echo "The ledger reaches $(ratio "$HTTP_RATE" "$(jq -r .appends_per_s "$WORK/now-sink-check.json")")× the check-only sink. The large log's strict verification meets"
    echo "its 16 signers' tables in turn: that check on $(nproc) cores runs at $(num "$LEDGER_16") /s ($(ratio "$LEDGER_16" "$LEDGER_2")× the one above)."
    echo
    echo "## One appender waiting on each acknowledgement"
    echo
    echo "| p50 | p99 | one fsync (512-byte record) | p50 ÷ fsync | p99 ÷ fsync |"
    echo "| ---: | ---: | ---: | ---: | ---: |"
    echo "| $(num "$ACK_P50") µs | $(num "$ACK_P99") µs | $FSYNC_US µs | $(ratio "$ACK_P50" "$FSYNC_US") | $(ratio "$ACK_P99" "$FSYNC_US") |"
    echo
    echo "Target: p50 ≤ 2× one fsync (the fsync in progress when the event arrives, then its own)."
    echo
    before_after
    echo "## HTTP under load"
    echo
    echo "$LOAD_CLIENTS clients, each on its own stream, POST /v1/events for ${LOAD_SECONDS} s, events of $EVENT_BYTES bytes"
    echo "signed in advance; the server is \`congress-ledger serve\` (release) over the demo ledger."
    echo
    echo "| throughput | p50 | p99 | max | acknowledged | errors | lost acknowledgements | server peak RSS |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    echo "| $(num "$HTTP_RATE") /s | $HTTP_P50 ms | $HTTP_P99 ms | $HTTP_MAX ms | $HTTP_ACKED | $HTTP_ERRORS | $HTTP_LOST | $HTTP_RSS MiB |"
    echo
    echo "The same with $LOAD_CLIENTS_MANY clients:"
    echo
    echo "| clients | throughput | p50 | p99 | max | acknowledged | errors | lost acknowledgements | server peak RSS |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    http_row "$WORK/now-load-$LOAD_CLIENTS_MANY.json"
    echo
    echo "CPU time per append over the timed part (every thread; a busy machine changes it far less"
    echo "than throughput): $LOAD_CLIENTS clients: server $(jl '.server_cpu_us_per_append // 0 | round') µs, load generator"
    echo "$(jl '.load_cpu_us_per_append // 0 | round') µs; $LOAD_CLIENTS_MANY clients: server $(jq -r '.server_cpu_us_per_append // 0 | round' "$WORK/now-load-$LOAD_CLIENTS_MANY.json") µs,"
    echo "load generator $(jq -r '.load_cpu_us_per_append // 0 | round' "$WORK/now-load-$LOAD_CLIENTS_MANY.json") µs (scripts/profile-append.sh breaks it down)."
    echo
    echo "Targets: ≥ 15,000 appends/s with p99 ≤ 20 ms. Lost: every acknowledged event read back at"
    echo "its acknowledged position, byte for byte, after the run."
    echo
    echo "## Memory while appending"
    echo
    echo "Resident set of the process appending the large log (16 appenders, signing as they go;"
    echo "the same process ran the append benchmarks before, so the growth is the figure):"
    echo "$(echo "$RSS_FIRST" | awk '{printf "%s MiB after %s appends", $2, $1}'), $(echo "$RSS_LAST" | awk '{printf "%s MiB after %s", $2, $1}')."
    echo "Nothing per entry is held in memory (ARCHITECTURE.md, invariant 6)."
    echo
    echo "## Proofs (log of $BENCH_EVENTS events)"
    echo
    echo "inclusion proof $INCLUSION µs, consistency proof $CONSISTENCY µs (target < 1 ms)."
    echo
    echo "## The PostgreSQL baseline"
    echo
    echo "$PG_VERSION from Debian's packages, started by the script in a temporary directory on"
    echo "loopback; fsync and synchronous_commit on (each commit waits for its WAL flush, as each"
    echo "ledger acknowledgement waits for its group's fsync). One statement, one transaction, per"
    echo "append: lock the chain's head row (\`FOR UPDATE\`), insert (chain, seq + 1, payload,"
    echo "prev_hash, \`digest(prev_hash || payload, 'sha256')\`), move the head. pgbench, $PG_CLIENTS clients,"
    echo "${PG_SECONDS} s per variant; payloads ≈ the ledger event's size. After each run every row is"
    echo "checked: its hash recomputed, its prev_hash equal to the hash before it (0 broken)."
    echo
    echo "| variant | appends/s | average latency | rows |"
    echo "| --- | ---: | ---: | ---: |"
    echo "| a chain per client (16 chains, no waiting between clients) | $(num "$PG_TPS") | $PG_LAT ms | $PG_ROWS |"
    echo "| one chain for all (every append waits on one head row) | $(num "$PG1_TPS") | $PG1_LAT ms | $PG1_ROWS |"
    echo
    echo "The PostgreSQL rows carry no signature: the ledger also verifies an Ed25519 signature"
    echo "(strictly), a JSON Schema and the signer's authority on every append."
    echo
    # The tiles figures: a run of their own over a log of BENCH_EVENTS (scripts/tiles-bench.sh).
    BENCH_EVENTS="$BENCH_EVENTS" scripts/tiles-bench.sh
    echo
    echo "## Raw output of \`cargo bench -p ledger --bench core\`"
    echo
    echo '```'
    cat "$WORK/bench.txt"
    echo '```'
    if [[ -s "$WORK/kept.md" ]]; then
        echo
        cat "$WORK/kept.md"
    fi
} >"$WORK/out.md"
mv "$WORK/out.md" "$OUT"
log "done: $OUT"
