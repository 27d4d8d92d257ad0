#!/usr/bin/env bash
# Installs what building and testing need on Debian 12: the C++ toolchain and libraries from
# Debian's packages, then the npm dev tools (buf) pinned in package-lock.json. Fast when
# everything is already there: it asks dpkg first and runs apt-get only for what is missing.
# Used by scripts/run.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(
  cmake g++ make pkg-config ccache clang-format lld
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  libgtest-dev libgmock-dev libsqlite3-dev libjwt-dev libssl-dev nlohmann-json3-dev
  libbenchmark-dev postgresql libpq-dev libcpp-httplib-dev libical-dev libboost1.81-dev
  janus janus-dev libjs-janus-gateway libjs-webrtc-adapter chromium iproute2
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
# Node and npm may come from elsewhere than Debian; only install Debian's when absent.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  sudo=()
  if [[ "$(id -u)" != 0 ]]; then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: Debian packages present"
fi

# The lockfile names packages by version and integrity hash only; download addresses stay out
# of it (npm's omit-lockfile-registry-resolved), so any registry mirror can serve it.
if grep -q '"resolved":' package-lock.json; then
  echo "install-deps: package-lock.json contains download URLs (\"resolved\"); regenerate it with" >&2
  echo "  npm install --package-lock-only --omit-lockfile-registry-resolved" >&2
  exit 1
fi

# npm writes node_modules/.package-lock.json on every install; older than the lockfile or
# package.json means stale.
if [[ ! -x node_modules/.bin/buf || ! -f node_modules/.package-lock.json ||
      package-lock.json -nt node_modules/.package-lock.json ||
      package.json -nt node_modules/.package-lock.json ]]; then
  echo "install-deps: npm ci"
  # buf's postinstall only swaps its Node launcher for the native binary; the launcher works
  # as it is, so no install script runs here.
  npm ci --ignore-scripts --no-audit --no-fund
else
  echo "install-deps: node_modules up to date"
fi
