#!/usr/bin/env bash
# Forward-proxy benchmark on loopback (prints figures; asserts nothing about time).
#   nginx origin direct | nginx proxy_pass (reference) | proxyscope --headless forward | mitmdump forward
# each with wrk at 32 connections and at 1 connection (keep-alive, 1 KiB responses; the proxies get
# absolute-form requests through a wrk Lua script), then a 1 GiB body streamed through proxyscope
# (MB/s and the proxy's peak RSS, VmHWM).
# Like for like: nginx runs one worker, so Proxyscope runs one engine thread (--threads 1; its
# session writer is a thread of its own, as nginx's would be a cache manager). One extra row shows the
# default (one engine thread per core) on this machine, where wrk and the origin share the cores.
# Needs: installers/setup-debian.sh --bench (nginx-light, wrk, mitmproxy) and a built proxyscope.
# Usage: [ROUNDS=3] tests/bench/bench_forward.sh [path/to/proxyscope] [seconds per run]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PROXYSCOPE="${1:-$ROOT/build/app/proxyscope}"
DURATION="${2:-8}"
ROUNDS="${ROUNDS:-3}"  # wrk runs per measurement; the median is reported
[ -x "$PROXYSCOPE" ] || { echo "proxyscope binary not found: $PROXYSCOPE" >&2; exit 1; }
for tool in nginx wrk curl python3; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "missing $tool (run installers/setup-debian.sh --bench)" >&2; exit 1; }
done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

WORK="$(mktemp -d /tmp/proxyscope-bench.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

. "$ROOT/tests/bench/bench_lib.sh"

chmod 755 "$WORK"  # nginx workers run as an unprivileged user and must read www/
mkdir -p "$WORK/www" "$WORK/origin" "$WORK/revproxy"
head -c 1024 /dev/urandom > "$WORK/www/1k.bin"
truncate -s 1G "$WORK/www/1g.bin"
chmod 644 "$WORK/www/"*

ORIGIN_PORT=$(freePort); NGXPROXY_PORT=$(freePort); PS_PORT=$(freePort); MITM_PORT=$(freePort)
PS2_PORT=$(freePort)

nginxConf "$WORK/origin" "  sendfile on;
  server { listen 127.0.0.1:$ORIGIN_PORT; root $WORK/www; }"
nginxConf "$WORK/revproxy" "  upstream origin { server 127.0.0.1:$ORIGIN_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$NGXPROXY_PORT;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }"
"$NGINX" -c "$WORK/origin/nginx.conf" -p "$WORK/origin" 2>/dev/null & PIDS+=($!)
"$NGINX" -c "$WORK/revproxy/nginx.conf" -p "$WORK/revproxy" 2>/dev/null & PIDS+=($!)
startProxyscope() {  # [threads] [data dir]: its autosave session goes to the bench's folder, not the user's
  "$PROXYSCOPE" --headless --threads "${1:-1}" --listen "127.0.0.1:$PS_PORT" --data-dir "${2:-$WORK/data}" > /dev/null 2>> "$WORK/proxyscope.err" &
  PS_PID=$!; PIDS+=($PS_PID)
}
# The same engine without a session (--no-session): what recording costs.
startNoSession() {
  "$PROXYSCOPE" --headless --threads 1 --no-session --listen "127.0.0.1:$PS2_PORT" --data-dir "$WORK/data2" > /dev/null 2>> "$WORK/proxyscope.err" &
  PS2_PID=$!; PIDS+=($PS2_PID)
}
# Each Proxyscope run gets a fresh process (and the recording ones a fresh session) that is stopped
# right after: the recorder indexes its backlog for full-text search once the capture goes quiet, and
# that work must not land in the next measurement (it is counted where it belongs: in the recording
# run's CPU, not in others' latency).
stopProcess() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null || true; }
# A recording run's stop includes turning the flows it staged during the burst into session rows
# (engine/store/flow_stage.h): that deferred work is timed and printed with the figures.
declare -A STOPS
stopTimed() {  # name pid
  local t0; t0=$(date +%s.%N)
  stopProcess "$2"
  STOPS[$1]+="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s ", b - a }')"
}
waitPort "$ORIGIN_PORT"; waitPort "$NGXPROXY_PORT"
MITM_OK=0
if command -v mitmdump >/dev/null; then
  mitmdump -q --mode regular --listen-host 127.0.0.1 --listen-port "$MITM_PORT" --set confdir="$WORK/mitm" >/dev/null 2>&1 & PIDS+=($!)
  waitPort "$MITM_PORT" && MITM_OK=1
fi

# Absolute-form requests for the forward proxies (the request line carries the origin's URI).
cat > "$WORK/absolute.lua" <<LUA
wrk.path = "http://127.0.0.1:$ORIGIN_PORT/1k.bin"
LUA

# One wrk run → "req/s p50_ms p99_ms non-2xx".
runWrk() {
  local conns=$1 url=$2; shift 2
  local threads=2; [ "$conns" -eq 1 ] && threads=1
  wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency "$@" "$url" 2>&1 | awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps=$2 }
    /^ +50%/ { p50=ms($2) }
    /^ +99%/ { p99=ms($2) }
    /Non-2xx/ { bad=$NF }
    END { printf "%.0f %.3f %.3f %s\n", rps, p50, p99, (bad==""?0:bad) }'
}

# Rounds are interleaved: each round runs every configuration once, in turn, and a configuration's
# figure is the median (by req/s) of its ROUNDS runs. This shared machine drifts by up to ±20 % over
# a minute; measured back to back, a configuration would take whatever spell it fell in, and the
# ratios with it. Interleaved, a slow spell lands on every configuration alike.
declare -A RUNS RPS P50 P99 BAD
NAMES=()
once() {  # name conns url [wrk args]
  local name=$1 conns=$2 url=$3; shift 3
  [[ " ${NAMES[*]} " == *" $name/$conns "* ]] || NAMES+=("$name/$conns")
  RUNS[$name/$conns]+="$(runWrk "$conns" "$url" "$@")"$'\n'
}
# A fresh process first meets a second of traffic, as the long-running nginx processes have.
warm() {  # conns url [wrk args]
  local conns=$1 url=$2; shift 2
  wrk -t1 -c"$conns" -d1s "$@" "$url" >/dev/null 2>&1
}
settle() {  # name/conns → RPS P50 P99 BAD from the median run
  read -r "RPS[$1]" "P50[$1]" "P99[$1]" "BAD[$1]" < <(printf '%s' "${RUNS[$1]}" | sort -n | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2)')
  printf "%-22s c=%-3s %10s req/s   p50 %8s ms   p99 %8s ms   non-2xx %s\n" "${1%/*}" "${1##*/}" "${RPS[$1]}" "${P50[$1]}" "${P99[$1]}" "${BAD[$1]}"
}

echo "== wrk, ${DURATION}s per run (median of $ROUNDS interleaved rounds), 1 KiB responses, keep-alive, $(nproc) cores shared by everything"
for c in 32 1; do
  for ((round = 0; round < ROUNDS; round++)); do
    once "nginx direct" "$c" "http://127.0.0.1:$ORIGIN_PORT/1k.bin"
    once "nginx proxy_pass" "$c" "http://127.0.0.1:$NGXPROXY_PORT/1k.bin"
    rm -rf "$WORK/data"; startProxyscope; waitPort "$PS_PORT"; warm "$c" "http://127.0.0.1:$PS_PORT/" -s "$WORK/absolute.lua"
    once "proxyscope forward" "$c" "http://127.0.0.1:$PS_PORT/" -s "$WORK/absolute.lua"
    stopTimed "proxyscope forward/$c" "$PS_PID"
    startNoSession; waitPort "$PS2_PORT"; warm "$c" "http://127.0.0.1:$PS2_PORT/" -s "$WORK/absolute.lua"
    once "proxyscope no-session" "$c" "http://127.0.0.1:$PS2_PORT/" -s "$WORK/absolute.lua"
    stopProcess "$PS2_PID"
    rm -rf "$WORK/data"; startProxyscope 0; waitPort "$PS_PORT"; warm "$c" "http://127.0.0.1:$PS_PORT/" -s "$WORK/absolute.lua"
    once "proxyscope fwd threads=$(nproc)" "$c" "http://127.0.0.1:$PS_PORT/" -s "$WORK/absolute.lua"
    stopProcess "$PS_PID"
    if [ "$MITM_OK" = 1 ]; then once "mitmdump forward" "$c" "http://127.0.0.1:$MITM_PORT/" -s "$WORK/absolute.lua"; fi
  done
  for key in "${NAMES[@]}"; do [ "${key##*/}" = "$c" ] && settle "$key"; done
  echo "  proxyscope forward c=$c: stop after each run, staged flows written as rows: ${STOPS[proxyscope forward/$c]}"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "== ratios vs nginx proxy_pass"
for c in 32 1; do
  echo "c=$c proxyscope throughput $(ratio "${RPS[proxyscope forward/$c]}" "${RPS[nginx proxy_pass/$c]}")x (target >= 0.8)," \
       "p99 $(ratio "${P99[proxyscope forward/$c]}" "${P99[nginx proxy_pass/$c]}")x (target <= 1.5)"
  echo "c=$c proxyscope --no-session throughput $(ratio "${RPS[proxyscope no-session/$c]}" "${RPS[nginx proxy_pass/$c]}")x," \
       "p99 $(ratio "${P99[proxyscope no-session/$c]}" "${P99[nginx proxy_pass/$c]}")x"
  if [ "$MITM_OK" = 1 ]; then
    echo "c=$c proxyscope vs mitmdump throughput $(ratio "${RPS[proxyscope forward/$c]}" "${RPS[mitmdump forward/$c]}")x"
  fi
done

echo
echo "== 1 GiB body through proxyscope (download via -x, capture on)"
# The (sparse) file is read once first, so that neither download pays the origin's first read of it
# (that alone holds a download to ~330 MB/s here).
cat "$WORK/www/1g.bin" > /dev/null
SPEED=$(curl -sS -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$ORIGIN_PORT/1g.bin")
DIRECT_MBPS=$(awk -v b="$SPEED" 'BEGIN { printf "%.0f", b / 1e6 }')
# A fresh process on a fresh session, so that VmHWM is the body's peak and the CPU is the proxy's: the
# wrk runs' session still has full-text indexing to do (it resumes when the file is opened again, and
# on this 2-core machine would take a core from the transfer).
startProxyscope 1 "$WORK/data-1g"; waitPort "$PS_PORT"
SPEED=$(curl -sS -x "http://127.0.0.1:$PS_PORT" -o /dev/null -w '%{speed_download} %{size_download}' \
        "http://127.0.0.1:$ORIGIN_PORT/1g.bin")
read -r BPS SIZE <<< "$SPEED"
HWM=$(awk '/VmHWM/ { print $2 }' "/proc/$PS_PID/status")
echo "downloaded $SIZE bytes at $(awk -v b="$BPS" 'BEGIN { printf "%.0f", b / 1e6 }') MB/s (target >= 500);" \
     "proxyscope peak RSS $(awk -v k="$HWM" 'BEGIN { printf "%.1f", k / 1024 }') MiB (target < 64)"
echo "direct from nginx for comparison: $DIRECT_MBPS MB/s"
