#!/usr/bin/env bash
# Reverse-proxy benchmark (issue 4): wrk, 1 KiB responses, keep-alive, 32 and 1 connections.
#   direct to one nginx origin; Proxyscope reverse (capture on, then off: --no-capture --no-session); nginx proxy_pass
#   (1 worker, upstream keepalive); HAProxy (nbthread 1); mitmdump --mode reverse; then 3 origins:
#   Proxyscope least-connections vs nginx / HAProxy round-robin.
# Like for like: nginx runs one worker and HAProxy one thread, so Proxyscope runs one engine thread
# (--threads 1; the session writer is a thread of its own). One row shows the default (one engine
# thread per core) on this machine, where wrk and the origin share the same cores.
# Prints req/s, p50, p99 and ratios to nginx. Figures only: nothing is asserted.
# Usage: [ROUNDS=3] tests/bench/bench_reverse.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
BUILD=${1:-build}
SECS=${2:-5}
ROUNDS=${ROUNDS:-3}  # wrk runs per measurement; the median is reported
PS_BIN="$BUILD/app/proxyscope"
for tool in wrk nginx haproxy; do command -v "$tool" >/dev/null || { echo "missing $tool"; exit 1; }; done
[ -x "$PS_BIN" ] || { echo "build proxyscope first ($PS_BIN)"; exit 1; }

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/origin.pid" ] && kill "$(cat "$WORK/origin.pid")" 2>/dev/null || true
  [ -f "$WORK/proxy.pid" ] && kill "$(cat "$WORK/proxy.pid")" 2>/dev/null || true
  sleep 0.3
  rm -rf "$WORK"
}
trap cleanup EXIT

O1=18101 O2=18102 O3=18103 P=18200
head -c 1024 /dev/zero | tr '\0' 'x' > "$WORK/1k"
mkdir -p "$WORK/www" && cp "$WORK/1k" "$WORK/www/index.html"
# nginx workers run as an unprivileged user: mktemp -d makes a 0700 folder they could not read
# (every answer would be a 403 and the figures meaningless).
chmod 755 "$WORK" "$WORK/www" && chmod 644 "$WORK/www/index.html"

cat > "$WORK/origin.conf" <<CONF
worker_processes 1;
pid $WORK/origin.pid;
error_log $WORK/origin-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$O1; root $WORK/www; }
  server { listen 127.0.0.1:$O2; root $WORK/www; }
  server { listen 127.0.0.1:$O3; root $WORK/www; }
}
CONF
nginx -e "$WORK/origin-error.log" -c "$WORK/origin.conf" -p "$WORK"

proxy_nginx() {  # $@: upstream ports
  local servers=""
  for port in "$@"; do servers+="server 127.0.0.1:$port; "; done
  cat > "$WORK/proxy.conf" <<CONF
worker_processes 1;
pid $WORK/proxy.pid;
error_log $WORK/proxy-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream origin { $servers keepalive 64; }
  server {
    listen 127.0.0.1:$P;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
  nginx -e "$WORK/proxy-error.log" -c "$WORK/proxy.conf" -p "$WORK"
}

haproxy_start() {  # $@: upstream ports
  {
    echo "global"; echo "  nbthread 1"; echo "  maxconn 4096"
    echo "defaults"; echo "  mode http"; echo "  timeout connect 5s"; echo "  timeout client 30s"; echo "  timeout server 30s"
    echo "  http-reuse always"
    echo "frontend f"; echo "  bind 127.0.0.1:$P"; echo "  default_backend b"
    echo "backend b"; echo "  balance roundrobin"
    local i=1
    for port in "$@"; do echo "  server s$i 127.0.0.1:$port"; i=$((i+1)); done
  } > "$WORK/haproxy.cfg"
  haproxy -f "$WORK/haproxy.cfg" -q & PIDS+=($!); HAPID=$!
}

wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; echo "port $1 not answering"; return 1; }

# One wrk run → "req/s p50 p99 non-2xx".
runWrk() {  # port conns
  wrk -t1 -c"$2" -d"${SECS}s" --latency "http://127.0.0.1:$1/" 2>&1 |
    awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} /Non-2xx/ {bad=$NF}
         END {printf "%s %s %s %s\n", r, p50, p99, (bad == "" ? 0 : bad)}'
}
# Rounds are interleaved: each round runs every configuration once, in turn, and a configuration's
# figure is the median (by req/s) of its ROUNDS runs. This shared machine drifts by up to ±20 % over
# a minute; measured back to back, a configuration would take whatever spell it fell in, and the
# ratios with it. Interleaved, a slow spell lands on every configuration alike.
declare -A RUNS RPS P50 P99 P99MED
NAMES=()
once() {  # name port conns
  [[ " ${NAMES[*]} " == *" $1 "* ]] || NAMES+=("$1")
  RUNS[$1]+="$(runWrk "$2" "$3")"$'\n'
}
settle() {  # name → RPS P50 P99 from the median run, printed with every run's req/s
  local bad
  read -r "RPS[$1]" "P50[$1]" "P99[$1]" bad < <(printf '%s' "${RUNS[$1]}" | sort -n | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2)')
  # A p99 is one sample of the tail: the median of the runs' p99s (in ms) is printed beside the
  # median run's, and the p99 ratio is given for both.
  P99MED[$1]=$(printf '%s' "${RUNS[$1]}" | awk '{v=$3; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0; else v = v * 1000; print v}' |
    sort -g | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) {printf "%.2f", $1}')
  local runs=""
  [ "$ROUNDS" -gt 1 ] && runs="  (median of $ROUNDS: $(printf '%s' "${RUNS[$1]}" | awk '{printf "%s%s", sep, $1; sep=" / "}'); p99s $(printf '%s' "${RUNS[$1]}" | awk '{printf "%s%s", sep, $3; sep=" / "}'))"
  printf "%-34s %10s req/s  p50 %-9s p99 %-9s non-2xx %s%s\n" "$1" "${RPS[$1]}" "${P50[$1]}" "${P99[$1]}" "$bad" "$runs"
  # A figure over error answers means nothing (a 403 from an unreadable root, a backend marked down).
  printf '%s' "${RUNS[$1]}" | awk '$4 != 0 {bad=1} END {exit !bad}' &&
    echo "  ^ WARNING: some answers were not 2xx/3xx; this figure is not comparable"
  return 0
}

# Each Proxyscope run is a fresh process (the recording one on a fresh session), stopped right after,
# so that its recorder's full-text backlog does not run into the next measurement.
psRun() {  # name conns port-args...: one run of `proxyscope --headless --mode reverse` with the args
  local name=$1 conns=$2; shift 2
  rm -rf "$WORK/data"
  # --quiet: no line per flow on stdout, as nginx runs with access_log off and mitmdump with -q. The
  # recording runs still write every flow to the session.
  "$PS_BIN" --headless --quiet --data-dir "$WORK/data" --mode reverse --listen 127.0.0.1:$P "$@" >/dev/null 2>&1 & PIDS+=($!); PSPID=$!
  wait_port $P; warm $P "$conns"; once "$name" $P "$conns"
  # The stop includes turning the flows a recording run staged during the burst into session rows
  # (engine/store/flow_stage.h): that deferred work is timed and printed with the figures.
  local t0; t0=$(date +%s.%N)
  kill $PSPID; wait $PSPID 2>/dev/null || true
  STOPS[$name]+="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s ", b - a }')"
}
declare -A STOPS
# A fresh process first meets a second of traffic, as the long-running nginx and HAProxy have.
warm() { wrk -t1 -c"$2" -d1s "http://127.0.0.1:$1/" >/dev/null 2>&1; }

# nginx proxy_pass and HAProxy stay up on their own ports (idle while the others are measured).
PN=18201 PH=18202
P_SAVED=$P
P=$PN; proxy_nginx $O1; wait_port $PN
P=$PH; haproxy_start $O1; wait_port $PH
P=$P_SAVED
warm $PN 32; warm $PH 32
wait_port $O1
ONE="--backend http://127.0.0.1:$O1"
for ((round = 0; round < ROUNDS; round++)); do
  for c in 32 1; do
    once "direct nginx origin c$c" $O1 $c
    psRun "proxyscope capture c$c" $c --threads 1 $ONE
    psRun "proxyscope no-capture c$c" $c --threads 1 --no-capture --no-session $ONE
    once "nginx proxy_pass c$c" $PN $c
    once "haproxy c$c" $PH $c
  done
  # Capture without recording (--no-session): what capturing costs the engine, apart from the session
  # writer's SQLite work (issue 5).
  psRun "proxyscope capture no-session c32" 32 --threads 1 --no-session $ONE
  psRun "proxyscope no-capture threads=$(nproc) c32" 32 --threads 0 --no-capture --no-session $ONE
done
for name in "${NAMES[@]}"; do settle "$name"; done
for c in 32 1; do echo "  proxyscope capture c$c: stop after each run, staged flows written as rows: ${STOPS[proxyscope capture c$c]}"; done
kill "$(cat "$WORK/proxy.pid")"; kill $HAPID; wait $HAPID 2>/dev/null || true; sleep 0.5

if command -v mitmdump >/dev/null; then
  # ~1k req/s whatever the machine does: one set of rounds after the others is enough.
  mitmdump -q --mode "reverse:http://127.0.0.1:$O1" --listen-host 127.0.0.1 -p $P >/dev/null 2>&1 & PIDS+=($!); MPID=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$P/" && break; sleep 0.2; done
  NAMES=()
  for ((round = 0; round < ROUNDS; round++)); do once "mitmdump reverse c32" $P 32; once "mitmdump reverse c1" $P 1; done
  for name in "${NAMES[@]}"; do settle "$name"; done
  kill $MPID; wait $MPID 2>/dev/null || true
fi

echo "--- 3 origins"
P=$PN; proxy_nginx $O1 $O2 $O3; wait_port $PN
P=$PH; haproxy_start $O1 $O2 $O3; wait_port $PH
P=$P_SAVED
warm $PN 32; warm $PH 32
NAMES=()
for ((round = 0; round < ROUNDS; round++)); do
  psRun "proxyscope least-conn x3 c32" 32 --threads 1 --no-capture --no-session --balance least-connections \
    --backend http://127.0.0.1:$O1 --backend http://127.0.0.1:$O2 --backend http://127.0.0.1:$O3
  once "nginx round-robin x3 c32" $PN 32
  once "haproxy round-robin x3 c32" $PH 32
done
for name in "${NAMES[@]}"; do settle "$name"; done
kill "$(cat "$WORK/proxy.pid")"; kill $HAPID; wait $HAPID 2>/dev/null || true

ratio() { awk -v a="${RPS[$1]:-0}" -v b="${RPS[$2]:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "--- ratios to nginx proxy_pass (targets: capture >= 0.80, no-capture >= 1.00, x3 >= 1.00)"
echo "capture c32:    $(ratio 'proxyscope capture c32' 'nginx proxy_pass c32')"
echo "capture, no session c32: $(ratio 'proxyscope capture no-session c32' 'nginx proxy_pass c32')"
echo "no-capture c32: $(ratio 'proxyscope no-capture c32' 'nginx proxy_pass c32')"
echo "capture c1:     $(ratio 'proxyscope capture c1' 'nginx proxy_pass c1')"
echo "x3 c32:         $(ratio 'proxyscope least-conn x3 c32' 'nginx round-robin x3 c32')"
echo "p99 c32: proxyscope capture ${P99['proxyscope capture c32']} vs nginx ${P99['nginx proxy_pass c32']} (target <= 1.5x)"
p99ratio() { awk -v a="${P99MED[$1]:-0}" -v b="${P99MED[$2]:-0}" 'BEGIN { if (b > 0) printf "%.2fx (%.2f ms vs %.2f ms)", a / b, a, b; else print "n/a" }'; }
echo "p99 c32, medians of the runs' p99s: capture $(p99ratio 'proxyscope capture c32' 'nginx proxy_pass c32')," \
     "no session $(p99ratio 'proxyscope capture no-session c32' 'nginx proxy_pass c32')," \
     "no capture $(p99ratio 'proxyscope no-capture c32' 'nginx proxy_pass c32')"
