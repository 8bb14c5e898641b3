#!/usr/bin/env bash
# HTTPS benchmark (issue 3): sequential HTTPS requests, each a new curl process and connection
# (curl --http1.1), to one nginx HTTPS origin on loopback: direct, through Proxyscope (its CA
# trusted with --cacert) and through mitmdump (its CA from its confdir). Prints ms per request
# and ratios to direct; then a keep-alive loop (python http.client, one connection) through the
# interception vs plain HTTP through the proxy; then leaf issuing figures (bench_tls_leaf).
# Prints figures only; never fails on a time.
#
# Usage: tests/bench/bench_https.sh [BUILD_DIR] [REQUESTS] [KEEPALIVE_REQUESTS]
set -euo pipefail

BUILD=${1:-build}
N=${2:-100}
K=${3:-2000}
BIN="$BUILD/app/proxyscope"
[ -x "$BIN" ] || { echo "no $BIN: build first" >&2; exit 1; }
BIN=$(realpath "$BIN")
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
waitport() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }
now_ns() { date +%s%N; }

# Origin certificates: a test CA and its leaf for localhost.
cd "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 \
  -subj "/CN=Bench Origin CA" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=localhost" 2>/dev/null
printf "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n" > leaf.ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile leaf.ext -out leaf.pem 2>/dev/null

mkdir -p www logs tmp
printf 'hello from the origin\n' > www/small.txt
HTTPS_PORT=$(freeport); HTTP_PORT=$(freeport)
USER_LINE=""; [ "$(id -u)" = 0 ] && USER_LINE="user root;"
cat > nginx.conf <<CONF
daemon off; worker_processes 1; error_log $WORK/logs/error.log; pid $WORK/nginx.pid; $USER_LINE
events { worker_connections 1024; }
http {
  access_log off; keepalive_requests 1000000;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  server { listen 127.0.0.1:$HTTPS_PORT ssl; ssl_certificate $WORK/leaf.pem; ssl_certificate_key $WORK/leaf.key; root $WORK/www; }
  server { listen 127.0.0.1:$HTTP_PORT; root $WORK/www; }
}
CONF
nginx -p "$WORK" -c "$WORK/nginx.conf" & PIDS+=($!)
waitport "$HTTPS_PORT"; waitport "$HTTP_PORT"

PS_PORT=$(freeport)
"$BIN" --data-dir "$WORK/ps-data" ca export "$WORK/ps-ca.pem" >/dev/null
"$BIN" --headless --listen "127.0.0.1:$PS_PORT" --data-dir "$WORK/ps-data" --upstream-ca "$WORK/ca.pem" >"$WORK/ps.log" 2>&1 & PIDS+=($!)
waitport "$PS_PORT"

MITM_PORT=""
if command -v mitmdump >/dev/null; then
  MITM_PORT=$(freeport)
  mitmdump -q --listen-host 127.0.0.1 -p "$MITM_PORT" --set confdir="$WORK/mitm" \
    --set ssl_verify_upstream_trusted_ca="$WORK/ca.pem" >"$WORK/mitm.log" 2>&1 & PIDS+=($!)
  waitport "$MITM_PORT"
  for _ in $(seq 100); do [ -f "$WORK/mitm/mitmproxy-ca-cert.pem" ] && break; sleep 0.05; done
fi

URL="https://localhost:$HTTPS_PORT/small.txt"
# ms per request over N sequential curl processes (after 3 warm-up runs).
run_seq() {
  for _ in 1 2 3; do curl -sf --http1.1 -o /dev/null "$@" "$URL"; done
  local start end
  start=$(now_ns)
  for _ in $(seq "$N"); do curl -sf --http1.1 -o /dev/null "$@" "$URL"; done
  end=$(now_ns)
  python3 -c "print(f'{($end-$start)/1e6/$N:.2f}')"
}

echo "== sequential HTTPS, one curl process + connection per request ($N requests, $(nproc) cores) =="
DIRECT=$(run_seq --cacert "$WORK/ca.pem")
PS=$(run_seq --cacert "$WORK/ps-ca.pem" -x "http://127.0.0.1:$PS_PORT")
printf "direct        %8s ms/request\n" "$DIRECT"
printf "proxyscope    %8s ms/request   %sx direct (target <= 1.25x)\n" "$PS" "$(python3 -c "print(f'{$PS/$DIRECT:.2f}')")"
if [ -n "$MITM_PORT" ]; then
  MITM=$(run_seq --cacert "$WORK/mitm/mitmproxy-ca-cert.pem" -x "http://127.0.0.1:$MITM_PORT")
  printf "mitmdump      %8s ms/request   %sx direct\n" "$MITM" "$(python3 -c "print(f'{$MITM/$DIRECT:.2f}')")"
fi

echo "== keep-alive: $K requests on one connection (python http.client) =="
python3 - "$PS_PORT" "$HTTPS_PORT" "$HTTP_PORT" "$K" "$WORK/ps-ca.pem" "$WORK/ca.pem" <<'PY'
import http.client, ssl, sys, time
ps, https_port, http_port, k, ps_ca, origin_ca = sys.argv[1:]
ps, https_port, http_port, k = int(ps), int(https_port), int(http_port), int(k)

def loop(conn, target, host):
    for _ in range(20):
        conn.request("GET", target, headers={"Host": host}); conn.getresponse().read()
    t = time.perf_counter()
    for _ in range(k):
        conn.request("GET", target, headers={"Host": host})
        r = conn.getresponse(); r.read()
        assert r.status == 200, r.status
    return k / (time.perf_counter() - t)

ctx = ssl.create_default_context(cafile=ps_ca)
c = http.client.HTTPSConnection("127.0.0.1", ps, context=ctx); c.set_tunnel("localhost", https_port)
intercepted = loop(c, "/small.txt", f"localhost:{https_port}")
c = http.client.HTTPConnection("127.0.0.1", ps)
plain = loop(c, f"http://127.0.0.1:{http_port}/small.txt", f"127.0.0.1:{http_port}")
c = http.client.HTTPSConnection("localhost", https_port, context=ssl.create_default_context(cafile=origin_ca))
direct = loop(c, "/small.txt", f"localhost:{https_port}")
print(f"direct https            {direct:8.0f} req/s")
print(f"plain http via proxy    {plain:8.0f} req/s")
print(f"https via interception  {intercepted:8.0f} req/s   {intercepted/plain:.2f}x plain-HTTP (target >= 0.6x)")
PY

if [ -x "$BUILD/tests/bench/bench_tls_leaf" ]; then
  echo "== leaf certificates =="
  "$BUILD/tests/bench/bench_tls_leaf"
fi
