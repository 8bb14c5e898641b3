#!/usr/bin/env bash
# Forward proxy cost per request, robust to a shared machine: wall-clock req/s depends on what else
# runs, CPU time per request much less. proxyscope --headless (recording into its autosave session)
# in forward mode behind wrk (32 connections, keep-alive, 1 KiB responses from an nginx origin):
# prints req/s, the proxy's CPU microseconds per request (engine + session writer) and its RSS
# growth per captured flow after a warm-up run (each measured once the recorder has gone idle).
# Prints figures, asserts nothing.
# Usage: tests/bench/bench_forward_cpu.sh [path/to/proxyscope] [seconds=10]
set -euo pipefail
PROXYSCOPE="${1:-build/app/proxyscope}"
DURATION="${2:-10}"
[ -x "$PROXYSCOPE" ] || { echo "proxyscope binary not found: $PROXYSCOPE" >&2; exit 1; }
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
WORK="$(mktemp -d /tmp/proxyscope-bench-cpu.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
. "$(cd "$(dirname "$0")" && pwd)/bench_lib.sh"
chmod 755 "$WORK"
mkdir -p "$WORK/www"
head -c 1024 /dev/urandom > "$WORK/www/1k.bin"
chmod 644 "$WORK/www/1k.bin"
ORIGIN_PORT=$(freePort); PS_PORT=$(freePort)
nginxConf "$WORK/origin" "  server { listen 127.0.0.1:$ORIGIN_PORT; root $WORK/www; }"
"$NGINX" -c "$WORK/origin/nginx.conf" -p "$WORK/origin" 2>/dev/null & PIDS+=($!)
"$PROXYSCOPE" --headless --listen "127.0.0.1:$PS_PORT" --data-dir "$WORK/data" > /dev/null 2>> "$WORK/proxyscope.err" &
PS_PID=$!; PIDS+=($PS_PID)
waitPort "$ORIGIN_PORT"; waitPort "$PS_PORT"
echo "wrk.path = \"http://127.0.0.1:$ORIGIN_PORT/1k.bin\"" > "$WORK/absolute.lua"

cpuTicks() { awk '{ print $14 + $15 }' "/proc/$PS_PID/stat"; }
rssKiB() { awk '/VmRSS/ { print $2 }' "/proc/$PS_PID/status"; }
runWrk() {  # → requests completed
  wrk -t2 -c32 -d"$1s" -s "$WORK/absolute.lua" "http://127.0.0.1:$PS_PORT/" | awk '/requests in/ { print $1 }'
}
# Lets the recorder drain its backlog (rows, then full text in idle time): until the proxy uses
# under 5 % of a core over a second, at most 60 s. What stays resident then is what the capture
# holds, not its backlog in flight.
settle() {
  local hz prev now
  hz=$(getconf CLK_TCK)
  prev=$(cpuTicks)
  for _ in $(seq 60); do
    sleep 1
    now=$(cpuTicks)
    [ $((now - prev)) -le $((hz / 20)) ] && return
    prev=$now
  done
}

# Warm-up as long as the measured run: pools, and the caches that grow to a fixed size (SQLite's
# page cache, FTS5's term hash, allocator arenas), so that the growth measured after it is what
# each captured flow keeps.
runWrk "$DURATION" > /dev/null
settle
RSS0=$(rssKiB); CPU0=$(cpuTicks); T0=$(date +%s.%N)
REQS=$(runWrk "$DURATION")
T1=$(date +%s.%N); CPU1=$(cpuTicks)
settle
CPU2=$(cpuTicks); RSS1=$(rssKiB)
HZ=$(getconf CLK_TCK)
awk -v n="$REQS" -v t0="$T0" -v t1="$T1" -v c0="$CPU0" -v c1="$CPU1" -v c2="$CPU2" -v hz="$HZ" \
    -v r0="$RSS0" -v r1="$RSS1" 'BEGIN {
  wall = t1 - t0
  printf "%d requests in %.1f s = %.0f req/s\n", n, wall, n / wall
  printf "proxyscope CPU during wrk %.2f s = %.2f cores, %.1f us per request\n", (c1 - c0) / hz, (c1 - c0) / hz / wall, (c1 - c0) / hz / n * 1e6
  printf "proxyscope CPU including the recorder catching up: %.1f us per request\n", (c2 - c0) / hz / n * 1e6
  printf "RSS %d KiB -> %d KiB: %.1f bytes per captured flow\n", r0, r1, (r1 - r0) * 1024 / n
}'
