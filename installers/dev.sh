#!/usr/bin/env bash
# The two set-up commands of README.md:
#   installers/dev.sh run   [proxyscope args...]  install what is missing, build, start the app
#   installers/dev.sh test  [ctest args...]       install what is missing, build, run every test
# Also: installers/dev.sh build | bench
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
build="${PROXYSCOPE_BUILD_DIR:-$top/build}"
cmd="${1:-run}"
shift || true

case "$cmd" in
  run) "$here/setup-debian.sh" --run ;;
  test|build) "$here/setup-debian.sh" --test ;;
  bench) "$here/setup-debian.sh" --bench ;;
  *) echo "usage: $0 run|test|build|bench [args...]" >&2; exit 2 ;;
esac

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  # Paths inside the tree are hashed relative to it, so another clone of the project reuses the cache.
  export CCACHE_BASEDIR="$top" CCACHE_NOHASHDIR=true
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}"
fi
# Asio coroutine translation units take ~0.5 GB each to compile; one job per core.
cmake --build "$build" --parallel "$(nproc)"

case "$cmd" in
  run)
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      exec "$build/app/proxyscope" "$@"
    fi
    echo "No display found: starting headless (forward proxy on 127.0.0.1:8080). Ctrl+C stops it." >&2
    exec "$build/app/proxyscope" --headless "$@"
    ;;
  test)
    export QT_QPA_PLATFORM=offscreen
    # Two suites at a time: every test talks to its own loopback ports, so they do not collide.
    exec ctest --test-dir "$build" --output-on-failure --timeout 600 -j2 "$@"
    ;;
  bench)
    exec "$top/tests/bench/run_all.sh" "$build" "$@"
    ;;
esac
