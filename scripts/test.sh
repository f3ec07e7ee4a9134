#!/usr/bin/env bash
# Run the whole test suite against a real RabbitMQ: ./scripts/test.sh [pytest args]
# Sets up .venv when needed, starts the machine's RabbitMQ when none answers, then runs
# ruff check, ruff format --check, mypy (package, tests, bench) and pytest: tests/unit (no
# broker), tests/broker (the shared one), tests/private (private nodes), tests/cluster (a
# three-node cluster). A folder as argument runs that kind alone: ./scripts/test.sh tests/cluster
set -euo pipefail
. "$(dirname "$0")/_env.sh"
cd "$ROOT"
setup_venv
if ! broker_answers; then
    if [ -n "${AMQP_URL:-}" ]; then
        echo "test.sh: no broker answers at the AMQP_URL given" >&2
        exit 3
    fi
    command -v rabbitmq-server >/dev/null || { echo "test.sh: no broker at localhost:5672 and rabbitmq-server is not installed" >&2; exit 3; }
    echo "test.sh: no broker answers at localhost:5672; starting RabbitMQ (rabbitmq-server -detached)" >&2
    rabbitmq-server -detached >/dev/null 2>&1 || true
    wait_for_broker || { echo "test.sh: RabbitMQ did not come up" >&2; exit 3; }
fi
"$PY" -m ruff check --quiet .
"$PY" -m ruff format --check --quiet . || { echo "test.sh: not formatted: run ruff format (or pre-commit)" >&2; exit 1; }
"$PY" -m mypy pulp_amqp_tools tests bench
# One worker per core, each test module whole on one worker (its module-scoped private node or
# cluster starts once; tests within a module keep their order). `-n 0` in the arguments runs
# serially. Markers come from the folders (tests/conftest.py); --strict-markers is in pyproject.
exec "$PY" -m pytest -n auto --dist loadfile "$@"
