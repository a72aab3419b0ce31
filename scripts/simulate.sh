#!/usr/bin/env bash
# The long run of the seeded simulation (issue 16, item 6; ledger/tests/simulation.rs):
# N schedules (default 1,000,000) from seed SIM_FIRST (0) on SIM_THREADS threads (2), release
# build (SIM_SECONDS: stop starting schedules after that long). Prints the figures (schedules, faults injected by kind, crashes, acknowledged appends)
# and, for a failing schedule, its seed and the command that replays it.
#
#   scripts/simulate.sh 1000000
#   SIM_SECONDS=1200 SIM_THREADS=4 scripts/simulate.sh   # as many as fit in 20 minutes
set -euo pipefail
cd "$(dirname "$0")/.."
SIM_SCHEDULES="${1:-1000000}" exec cargo test --release --locked -p ledger --test simulation \
    long -- --ignored --nocapture
