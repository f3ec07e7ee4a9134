# Shared by scripts/demo.sh, scripts/test.sh and .ci/run: the virtualenv, Debian packages, the broker.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="${PULP_AMQP_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

setup_venv() {
    # Creates .venv and installs the package (editable, so the console scripts run this checkout)
    # with its test and development tools (the `test` and `dev` extras). Quiet unless something fails.
    if [ ! -x "$PY" ]; then
        python3 -m venv "$VENV" || return 1
    fi
    local stamp="$VENV/.installed" want
    want=$(cat "$ROOT/pyproject.toml" "$ROOT/setup.py" | cksum)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        local log="$VENV/pip-install.log"
        if ! "$PY" -m pip install --quiet --disable-pip-version-check -e "$ROOT[test,dev]" >"$log" 2>&1; then
            cat "$log" >&2
            return 1
        fi
        echo "$want" > "$stamp"
    fi
    # Byte-compile the checkout as `pip install` (non-editable) would: with PYTHONDONTWRITEBYTECODE
    # set, an editable install would otherwise recompile every module on every command start.
    "$PY" -m compileall -q "$ROOT/pulp_amqp_tools" >/dev/null || true
}

broker_answers() {
    # True when an AMQP connection to $AMQP_URL (or localhost) succeeds within a few seconds.
    "$PY" - <<'PY' >/dev/null 2>&1
import os, sys, pika
url = os.environ.get("AMQP_URL") or "amqp://guest:guest@127.0.0.1:5672/%2F"
params = pika.URLParameters(url.split(",")[0])
params.socket_timeout = params.stack_timeout = 3
params.connection_attempts = 1
pika.BlockingConnection(params).close()
PY
}

wait_for_broker() {
    # A first start after installing takes longer than a restart: up to two minutes on a busy machine.
    local i
    for i in $(seq 1 120); do
        broker_answers && return 0
        sleep 1
    done
    return 1
}

apt_install() {
    # Installs Debian packages, quietly: apt's output is shown only when it fails. `apt-get update`
    # runs once per run (PULP_AMQP_APT_UPDATED is exported, so .ci/run's own install and the
    # test.sh it starts do not both update). As root, or through `sudo -n` when there is sudo.
    command -v apt-get >/dev/null || return 1
    local sudo=() log status=0
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || return 1
        sudo=(sudo -n)
    fi
    log=$(mktemp)
    if [ -z "${PULP_AMQP_APT_UPDATED:-}" ]; then
        if ${sudo[@]+"${sudo[@]}"} apt-get update -qq >"$log" 2>&1; then
            export PULP_AMQP_APT_UPDATED=1
        else
            status=1
        fi
    fi
    if [ "$status" -eq 0 ]; then
        ${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$log" 2>&1 || status=1
    fi
    [ "$status" -eq 0 ] || cat "$log" >&2
    rm -f "$log"
    return "$status"
}

ensure_broker() {
    # A broker that answers, for script $1 (its name in messages). A broker named by AMQP_URL must
    # answer by itself (we never start a remote one). For localhost: Debian's rabbitmq-server is
    # installed when missing (machines of this project's kind come without it), started with
    # `rabbitmq-server -detached` when none answers, and waited for. The broker stays running.
    local me=$1
    broker_answers && return 0
    if [ -n "${AMQP_URL:-}" ]; then
        echo "$me: no broker answers at the AMQP_URL given" >&2
        return 3
    fi
    if ! command -v rabbitmq-server >/dev/null; then
        echo "$me: rabbitmq-server is not installed; installing Debian's (apt-get install rabbitmq-server)" >&2
        if ! apt_install rabbitmq-server; then
            echo "$me: could not install rabbitmq-server: install RabbitMQ, or set AMQP_URL to a broker" >&2
            return 3
        fi
        # Debian's package starts the broker itself where an init system runs: give it that chance.
        broker_answers && return 0
    fi
    echo "$me: no broker answers at localhost:5672; starting RabbitMQ (rabbitmq-server -detached)" >&2
    rabbitmq-server -detached >/dev/null 2>&1 || true  # "already running" is fine: we wait either way
    wait_for_broker || { echo "$me: RabbitMQ did not come up (see /var/log/rabbitmq/)" >&2; return 3; }
}
