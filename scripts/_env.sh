# Shared by scripts/demo.sh and scripts/test.sh: the virtualenv and the broker.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="${PULP_AMQP_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

setup_venv() {
    # Creates .venv and installs the package (editable, so the console scripts run this checkout)
    # with its test tools. Quiet unless something fails.
    if [ ! -x "$PY" ]; then
        python3 -m venv "$VENV" || return 1
    fi
    local stamp="$VENV/.installed" want
    want=$(cat "$ROOT/pyproject.toml" "$ROOT/setup.py" | cksum)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        local log="$VENV/pip-install.log"
        if ! "$PY" -m pip install --quiet --disable-pip-version-check -e "$ROOT[test]" >"$log" 2>&1; then
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
    local i
    for i in $(seq 1 90); do
        broker_answers && return 0
        sleep 1
    done
    return 1
}
