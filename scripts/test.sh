#!/usr/bin/env bash
# Run the whole test suite against a real RabbitMQ: ./scripts/test.sh [pytest args]
# Sets up .venv when needed (with the amqp10 extra), fetches the AMQP 1.0 test brokers once
# (.cache/brokers/); when no broker answers at localhost, installs Debian's rabbitmq-server
# if it is missing and starts it (scripts/_env.sh: ensure_broker); then runs ruff check,
# ruff format --check, mypy (package, tests, bench, scripts) and pytest: tests/unit (no
# broker), tests/broker (the shared one), tests/private (private nodes), tests/cluster (a
# three-node cluster). A folder as argument runs that kind alone: ./scripts/test.sh tests/cluster
set -euo pipefail
. "$(dirname "$0")/_env.sh"
cd "$ROOT"
setup_venv
ensure_broker test.sh || exit
# Qpid Broker-J and ActiveMQ Artemis from Maven Central (Java 17 and mvn); their tests skip
# without them, or fail when PAT_REQUIRE_AMQP10=1 (.ci/run).
"$PY" -m tests.support.amqp10_dists >/dev/null || echo "test.sh: the AMQP 1.0 brokers are unavailable (above)" >&2
"$PY" -m ruff check --quiet .
"$PY" -m ruff format --check --quiet . || { echo "test.sh: not formatted: run ruff format (or pre-commit)" >&2; exit 1; }
"$PY" -m mypy pulp_amqp_tools tests bench scripts
# One worker per core, each test module whole on one worker (its module-scoped private node or
# cluster starts once; tests within a module keep their order). `-n 0` in the arguments runs
# serially. Markers come from the folders (tests/conftest.py); --strict-markers is in pyproject.
exec "$PY" -m pytest -n auto --dist loadfile "$@"
