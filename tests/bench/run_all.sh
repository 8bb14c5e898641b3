#!/usr/bin/env bash
# Runs every benchmark once and prints their figures (nothing is asserted; see each script).
#   tests/bench/run_all.sh [BUILD_DIR]
# Loopback only. Needs the bench packages: installers/setup-debian.sh --bench (nginx, wrk, haproxy,
# mitmproxy). QT_QPA_PLATFORM=offscreen for the UI benches.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-$here/../../build}"
build="$(cd "$build" && pwd)"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
run() { echo; echo "=== $*"; "$@" || echo "(exited with $?)"; }

run "$build/tests/bench/bench_http_parser"
run "$build/tests/bench/bench_tls_leaf"
run "$build/tests/bench/bench_filter"
run "$build/tests/bench/bench_har"
run "$here/bench_forward.sh" "$build/app/proxyscope"
run "$here/bench_https.sh" "$build"
run "$here/bench_reverse.sh" "$build"
run "$build/tests/bench/bench_ui_stream"
run "$build/tests/bench/bench_ui_topology" --rate 2000 --seconds 10
run "$build/tests/bench/bench_ui_million"
run "$build/tests/bench/bench_store"
