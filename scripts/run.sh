#!/usr/bin/env bash
# Builds homework-server and homework-ctl (Release, into build/), makes a development signing
# key and JWKS under .dev/ if there are none, and runs the server in the foreground on
# 127.0.0.1:50051 with its data in .data/. Extra arguments go to homework-server, for example
#   ./scripts/run.sh --store=memory:
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/install-deps.sh

# Executables land in build/bin so the commands printed below do not depend on the source tree.
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_RUNTIME_OUTPUT_DIRECTORY="$PWD/build/bin"
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
