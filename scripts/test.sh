#!/usr/bin/env bash
# Everything CI checks, in the order a failure is cheapest to find:
#   install deps, the C++ formatting (clang-format, .clang-format), buf lint, buf breaking
#   (against the main branch), the browser side (TypeScript types generated from proto/, type
#   check, bundles), a -Werror build with all tests (unit,
#   contract, in-process RPC, integration against the real binaries: the service, the Janus
#   plugin in a real Janus, the portal and session pages in headless Chromium), then an
#   AddressSanitizer + UBSan build running every test but the integration ones.
# Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs="$(nproc)"
script_start=$SECONDS

# step TITLE COMMAND...: runs COMMAND under a header and reports how long it took.
step() {
  local title="$1"
  shift
  local start=$SECONDS
  echo
  echo "=== ${title}"
  "$@"
  echo "=== ${title}: done in $((SECONDS - start)) s"
}

buf_breaking() {
  if ! git rev-parse --verify --quiet refs/heads/main >/dev/null; then
    echo "notice: no local main branch; skipping buf breaking"
    return 0
  fi
  if ! git cat-file -e main:proto 2>/dev/null; then
    echo "notice: main has no proto/ yet; skipping buf breaking"
    return 0
  fi
  node_modules/.bin/buf breaking proto --against '.git#branch=main,subdir=proto'
}

configure_and_build() {
  local dir="$1"
  shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug "$@"
  cmake --build "$dir" -j"$jobs"
}

step "install dependencies" ./scripts/install-deps.sh
step "C++ formatting (.clang-format)" \
  bash -c "git ls-files -z '*.cc' '*.h' | xargs -0 clang-format --dry-run --Werror"
step "buf lint" bash -c 'cd proto && ../node_modules/.bin/buf lint'
step "buf breaking against main" buf_breaking
step "browser side: generate types, type-check, bundle (plugin/web)" \
  bash -c 'npm run -s web:gen && npm run -s web:check && npm run -s web:build'
step "build with -Werror (build/ci)" configure_and_build build/ci -DHOMEWORK_WERROR=ON
step "all tests (build/ci)" ctest --test-dir build/ci --output-on-failure -j"$jobs"
# The benchmarks register no tests, so the sanitizer build leaves them out.
step "build with sanitizers (build/asan)" configure_and_build build/asan -DHOMEWORK_SANITIZE=ON \
  -DHOMEWORK_BENCHMARKS=OFF
step "unit, contract and in-process RPC tests under ASan/UBSan (build/asan)" \
  ctest --test-dir build/asan --output-on-failure -j"$jobs" -LE integration

echo
echo "=== all checks passed in $((SECONDS - script_start)) s"
