#!/usr/bin/env bash
# The live demo: a listener on a topic exchange, Pulp's four events emitted, what it printed.
# Sets up .venv when needed, then runs scripts/demo.py, which uses the broker at $AMQP_URL or
# localhost and, when none answers and rabbitmq-server is installed, a throwaway node of its own.
set -euo pipefail
. "$(dirname "$0")/_env.sh"
cd "$ROOT"
setup_venv
exec "$PY" scripts/demo.py "$@"
