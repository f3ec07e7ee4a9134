#!/usr/bin/env bash
# The live demo: a listener on a topic exchange, Pulp's four events emitted, what it printed.
# Sets up .venv when needed; when no broker answers at localhost, installs Debian's rabbitmq-server
# if it is missing and starts it (scripts/_env.sh: ensure_broker), as scripts/test.sh does; then
# runs scripts/demo.py against $AMQP_URL or localhost.
set -euo pipefail
. "$(dirname "$0")/_env.sh"
cd "$ROOT"
setup_venv
ensure_broker demo.sh || exit
exec "$PY" scripts/demo.py "$@"
