#!/usr/bin/env bash
# Runs the product on this machine, built from source (Release, into build/):
#
#   ./scripts/run.sh                 the telehealth demo: homework-server (SQLite in .data/),
#                                    Janus with the homework plugin and its VideoRoom, the
#                                    session page and the client's portal page; prints the URLs
#                                    (therapist and client in the video session, client portal)
#                                    with development tokens. Extra arguments go to
#                                    examples/telehealth-session/start.mjs, e.g.
#                                    --ice_interface=eth0 --page_port=8080 --portal_port=8081
#   ./scripts/run.sh --service-only  only homework-server on 127.0.0.1:50051 with a development
#                                    key in .dev/, in the foreground; extra arguments go to it,
#                                    e.g. --store=memory:
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=demo
if [[ "${1:-}" == "--service-only" ]]; then
  mode=service
  shift
fi

./scripts/install-deps.sh

# Executables land in build/bin so the commands printed below do not depend on the source tree.
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_RUNTIME_OUTPUT_DIRECTORY="$PWD/build/bin"

if [[ "$mode" == service ]]; then
  cmake --build build -j"$(nproc)" --target homework-server homework-ctl
  if [[ ! -f .dev/signing-key.pem || ! -f .dev/jwks.json ]]; then
    mkdir -p .dev
    build/bin/homework-ctl keygen --out_dir .dev --kid dev-1
  fi
  cat <<'HOW'

homework-server is starting on 127.0.0.1:50051 (data in .data/, development keys in .dev/).
In another terminal, mint a token for a platform backend and make a first call:

  TOKEN=$(build/bin/homework-ctl token --key .dev/signing-key.pem \
            --sub platform-backend --role service --practice demo)
  build/bin/homework-ctl call CreateClient --address 127.0.0.1:50051 --token "$TOKEN" \
    --json '{"parent": "practices/demo", "clientId": "alex",
             "client": {"displayName": "Alex", "timeZone": "Europe/Berlin",
                        "careTeam": ["dr-ada"]}}'

Then as the therapist on Alex's care team:

  TOKEN=$(build/bin/homework-ctl token --key .dev/signing-key.pem \
            --sub dr-ada --role therapist --practice demo)
  build/bin/homework-ctl call ListAssignments --address 127.0.0.1:50051 --token "$TOKEN" \
    --json '{"parent": "practices/demo/clients/alex"}'

Stop the server with Ctrl-C.

HOW
  exec build/bin/homework-server --listen=127.0.0.1:50051 --data_dir=.data \
    --jwks=.dev/jwks.json "$@"
fi

cmake --build build -j"$(nproc)" --target homework-server homework-ctl janus_homework
npm run -s web:gen
npm run -s web:build -- --release

# A fresh demo store each run: the demo seeds its own clients and practices.
rm -rf .demo
mkdir -p .demo
exec node examples/telehealth-session/start.mjs \
  --server_bin=build/bin/homework-server --ctl_bin=build/bin/homework-ctl \
  --plugin="$(find build/plugin/janus -name libjanus_homework.so | head -n 1)" \
  --store=sqlite:.demo/homework.db --work_dir=.demo "$@"
