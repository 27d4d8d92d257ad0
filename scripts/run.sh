#!/usr/bin/env bash
# Runs the product on this machine, built from source (Release, into build/; set
# HOMEWORK_BUILD_DIR for another folder). Build output goes to <build>/run.log; the terminal
# shows one line per step, and the log's last lines when a step fails.
#
#   ./scripts/run.sh                 the telehealth demo: homework-server, Janus with the homework
#                                    plugin, the session page and the client's portal, seeded with a
#                                    client three weeks into treatment; prints a one-screen summary
#                                    with short sign-in addresses. Fixed ports: pages 8080 (session)
#                                    and 8081 (portal), browser API 8082, Janus 8083, gRPC 50051;
#                                    beside it the any-host example (examples/any-host: a
#                                    peer-to-peer call without Janus, panels in an iframe): call
#                                    page 8084, panels 8085; flags to change them and the rest:
#                                    ./scripts/run.sh --help
#   ./scripts/run.sh --service-only  only homework-server (gRPC 50051, browser API 8082; data in
#                                    .data/, development keys in .dev/), then a first result: client
#                                    Alex and an active assignment (created, or kept when there) and
#                                    Alex's practices due today. --once stops it after that.
#
# Extra arguments go to examples/telehealth-session/start.mjs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=demo
for arg in "$@"; do
  if [[ "$arg" == --service-only ]]; then mode=service; fi
  if [[ "$arg" == --help || "$arg" == -h ]]; then
    exec node examples/telehealth-session/start.mjs --help
  fi
done

build="${HOMEWORK_BUILD_DIR:-build}"
mkdir -p "$build"
log="$build/run.log"
: >"$log"

# step "what" command...: one line for the step, its output in the log; on failure the log's
# last lines and exit. On a terminal the line shows the build's progress while it runs.
step() {
  local what="$1"
  shift
  local started=$SECONDS tty=false
  if [[ -t 1 ]]; then tty=true; fi
  printf '%s ... ' "$what"
  echo "== $what: $*" >>"$log"
  "$@" >>"$log" 2>&1 &
  local pid=$!
  if $tty; then
    while kill -0 "$pid" 2>/dev/null; do
      local progress
      progress=$(grep -o '^\[ *[0-9]*%\]' "$log" | tail -n 1 | tr -d '[ ]' || true)
      printf '\r%s ... %s ' "$what" "$progress"
      sleep 1
    done
  fi
  local status=0
  wait "$pid" || status=$?
  if $tty; then printf '\r%s ... ' "$what"; fi
  if ((status != 0)); then
    printf 'failed after %d s. The last lines of %s:\n' $((SECONDS - started)) "$log"
    tail -n 25 "$log" | sed 's/^/  /'
    exit 1
  fi
  printf 'done in %d s\n' $((SECONDS - started))
}

echo "Building (output in $log)"
step "Dependencies (Debian packages, npm)" ./scripts/install-deps.sh
step "Configuring" cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_RUNTIME_OUTPUT_DIRECTORY="$PWD/$build/bin"

if [[ "$mode" == service ]]; then
  step "Building homework-server and homework-ctl" \
    cmake --build "$build" -j"$(nproc)" --target homework-server homework-ctl
  echo
  exec node examples/telehealth-session/start.mjs \
    --server_bin="$build/bin/homework-server" --ctl_bin="$build/bin/homework-ctl" "$@"
fi

step "Building homework-server, homework-ctl and the Janus plugin" \
  cmake --build "$build" -j"$(nproc)" --target homework-server homework-ctl janus_homework
step "Building the web panels and portal" \
  sh -c 'npm run -s web:gen && npm run -s web:build -- --release'
echo
exec node examples/telehealth-session/start.mjs \
  --server_bin="$build/bin/homework-server" --ctl_bin="$build/bin/homework-ctl" \
  --plugin="$build/plugin/janus/libjanus_homework.so" "$@"
