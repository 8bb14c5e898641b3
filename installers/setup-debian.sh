#!/usr/bin/env bash
# Installs what Proxyscope needs to build, test and benchmark on Debian 12 / Ubuntu.
# Idempotent: when every package is present it only checks and returns (about a second).
set -euo pipefail

# Build and runtime dependencies (see ../shared/TOOLCHAIN.md in the design notes).
BUILD_PKGS=(
  cmake g++ ninja-build ccache pkg-config
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev libqt6svg6 libgl-dev
  libasio-dev node-llhttp libnghttp2-dev libbrotli-dev libzstd-dev zlib1g-dev libpcre2-dev
  nlohmann-json3-dev libsqlite3-dev libssl-dev libmimalloc-dev
  libglib2.0-dev gsettings-desktop-schemas
)
# Peers and clients the tests talk to, and what the GUI needs under Xvfb.
TEST_PKGS=(
  curl openssl ca-certificates nginx-light python3
  libglib2.0-bin libkf5config-bin
  xvfb xauth imagemagick fonts-dejavu-core
  chromium libnss3-tools
)
# Node.js and npm run the HAR 1.2 schema check (har-validator, installed by the test into the build
# folder). Debian's packages unless a node and npm are already on the PATH (NodeSource's nodejs
# bundles npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  TEST_PKGS+=(nodejs npm)
fi
# Only the benchmarks need these.
BENCH_PKGS=(wrk mitmproxy haproxy)
# Only the libFuzzer targets in tests/fuzz need these (clang with its fuzzer/sanitizer runtimes).
FUZZ_PKGS=(clang libclang-rt-14-dev)

want=("${BUILD_PKGS[@]}")
case "${1:-}" in
  --run) ;;
  --test) want+=("${TEST_PKGS[@]}") ;;
  --bench) want+=("${TEST_PKGS[@]}" "${BENCH_PKGS[@]}") ;;
  --fuzz) want+=("${TEST_PKGS[@]}" "${FUZZ_PKGS[@]}") ;;
  *) want+=("${TEST_PKGS[@]}") ;;
esac
want+=(xvfb xauth)

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
