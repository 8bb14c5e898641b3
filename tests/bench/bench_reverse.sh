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
stop_nginx_proxy() { kill "$(cat "$WORK/proxy.pid")"; sleep 0.5; }

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

declare -A RPS P50 P99
bench() {  # name port conns: the median of ROUNDS wrk runs by req/s (this shared machine varies
  # by up to ±20 % from one run to the next; the median keeps one bad run out of the ratios)
  local out best="" all=()
  for ((round = 0; round < ROUNDS; round++)); do
    out=$(wrk -t1 -c"$3" -d"${SECS}s" --latency "http://127.0.0.1:$2/" 2>&1)
    all+=("$(awk '/Requests\/sec/ {r=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} /Non-2xx/ {bad=$NF}
              END {printf "%s %s %s %s", r, p50, p99, (bad == "" ? 0 : bad)}' <<<"$out")")
  done
  best=$(printf '%s\n' "${all[@]}" | sort -n | awk -v n="${#all[@]}" 'NR == int((n + 1) / 2)')
  read -r "RPS[$1]" "P50[$1]" "P99[$1]" bad <<<"$best"
  local runs=""
  [ "$ROUNDS" -gt 1 ] && runs="  (median of $ROUNDS: $(printf '%s\n' "${all[@]}" | awk '{printf "%s%s", sep, $1; sep=" / "}'))"
  printf "%-34s %10s req/s  p50 %-9s p99 %-9s non-2xx %s%s\n" "$1" "${RPS[$1]}" "${P50[$1]}" "${P99[$1]}" "$bad" "$runs"
  # A figure over error answers means nothing (a 403 from an unreadable root, a backend marked down).
  [ "$bad" = 0 ] || echo "  ^ WARNING: $bad answers were not 2xx/3xx; this figure is not comparable"
}
run_pair() { bench "$1 c32" "$2" 32; bench "$1 c1" "$2" 1; }

wait_port $O1
run_pair "direct nginx origin" $O1

"$PS_BIN" --headless --threads 1 --data-dir "$WORK/data" --mode reverse --listen 127.0.0.1:$P --backend http://127.0.0.1:$O1 >/dev/null 2>&1 & PIDS+=($!); PSPID=$!
wait_port $P; run_pair "proxyscope capture" $P; kill $PSPID; wait $PSPID 2>/dev/null || true
# Capture without recording (--no-session): what capturing costs the engine, apart from the session
# writer's SQLite work (issue 5).
"$PS_BIN" --headless --threads 1 --data-dir "$WORK/data" --mode reverse --no-session --listen 127.0.0.1:$P --backend http://127.0.0.1:$O1 >/dev/null 2>&1 & PIDS+=($!); PSPID=$!
wait_port $P; bench "proxyscope capture no-session c32" $P 32; kill $PSPID; wait $PSPID 2>/dev/null || true
"$PS_BIN" --headless --threads 1 --data-dir "$WORK/data" --mode reverse --no-capture --no-session --listen 127.0.0.1:$P --backend http://127.0.0.1:$O1 >/dev/null 2>&1 & PIDS+=($!); PSPID=$!
wait_port $P; run_pair "proxyscope no-capture" $P; kill $PSPID; wait $PSPID 2>/dev/null || true
"$PS_BIN" --headless --threads 0 --data-dir "$WORK/data" --mode reverse --no-capture --no-session --listen 127.0.0.1:$P --backend http://127.0.0.1:$O1 >/dev/null 2>&1 & PIDS+=($!); PSPID=$!
wait_port $P; bench "proxyscope no-capture threads=$(nproc) c32" $P 32; kill $PSPID; wait $PSPID 2>/dev/null || true

proxy_nginx $O1; wait_port $P; run_pair "nginx proxy_pass" $P; stop_nginx_proxy
haproxy_start $O1; wait_port $P; run_pair "haproxy" $P; kill $HAPID; wait $HAPID 2>/dev/null || true
if command -v mitmdump >/dev/null; then
  mitmdump -q --mode "reverse:http://127.0.0.1:$O1" --listen-host 127.0.0.1 -p $P >/dev/null 2>&1 & PIDS+=($!); MPID=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$P/" && break; sleep 0.2; done
  run_pair "mitmdump reverse" $P; kill $MPID; wait $MPID 2>/dev/null || true
fi

echo "--- 3 origins"
"$PS_BIN" --headless --threads 1 --data-dir "$WORK/data" --mode reverse --no-capture --no-session --balance least-connections --listen 127.0.0.1:$P \
  --backend http://127.0.0.1:$O1 --backend http://127.0.0.1:$O2 --backend http://127.0.0.1:$O3 >/dev/null 2>&1 & PIDS+=($!); PSPID=$!
wait_port $P; bench "proxyscope least-conn x3 c32" $P 32; kill $PSPID; wait $PSPID 2>/dev/null || true
proxy_nginx $O1 $O2 $O3; wait_port $P; bench "nginx round-robin x3 c32" $P 32; stop_nginx_proxy
haproxy_start $O1 $O2 $O3; wait_port $P; bench "haproxy round-robin x3 c32" $P 32; kill $HAPID; wait $HAPID 2>/dev/null || true

ratio() { awk -v a="${RPS[$1]:-0}" -v b="${RPS[$2]:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "--- ratios to nginx proxy_pass (targets: capture >= 0.80, no-capture >= 1.00, x3 >= 1.00)"
echo "capture c32:    $(ratio 'proxyscope capture c32' 'nginx proxy_pass c32')"
echo "capture, no session c32: $(ratio 'proxyscope capture no-session c32' 'nginx proxy_pass c32')"
echo "no-capture c32: $(ratio 'proxyscope no-capture c32' 'nginx proxy_pass c32')"
echo "capture c1:     $(ratio 'proxyscope capture c1' 'nginx proxy_pass c1')"
echo "x3 c32:         $(ratio 'proxyscope least-conn x3 c32' 'nginx round-robin x3 c32')"
echo "p99 c32: proxyscope capture ${P99['proxyscope capture c32']} vs nginx ${P99['nginx proxy_pass c32']} (target <= 1.5x)"
