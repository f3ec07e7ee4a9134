#!/usr/bin/env bash
# Run the whole test suite against a real RabbitMQ: ./scripts/test.sh [pytest args]
# Sets up .venv when needed (with the amqp10 extra), fetches the AMQP 1.0 test brokers once
# (.cache/brokers/), starts the machine's RabbitMQ when none answers, then runs
# ruff check, ruff format --check, mypy (package, tests, bench) and pytest.
set -euo pipefail
. "$(dirname "$0")/_env.sh"
cd "$ROOT"
setup_venv
# Qpid Broker-J and ActiveMQ Artemis from Maven Central (Java 17 and mvn); their tests skip
# without them, or fail when PAT_REQUIRE_AMQP10=1 (.ci/run).
"$PY" -m tests.support.amqp10_dists >/dev/null || echo "test.sh: the AMQP 1.0 brokers are unavailable (above)" >&2
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
# One worker per core, each test module whole on one worker (its module-scoped private node
# starts once; tests within a module keep their order). `-n 0` in the arguments runs serially.
exec "$PY" -m pytest -n auto --dist loadfile "$@"
