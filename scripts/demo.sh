#!/usr/bin/env bash
# The live demo: a listener on a topic exchange, Pulp's four events emitted, what it printed.
# Uses the broker at $AMQP_URL or localhost; when none answers and rabbitmq-server is
# installed, runs a throwaway RabbitMQ node for the demo and stops it afterwards.
set -euo pipefail
. "$(dirname "$0")/_env.sh"
cd "$ROOT"
setup_venv
export PATH="$VENV/bin:$PATH"

NODE_DIR=""
cleanup() {
    if [ -n "$NODE_DIR" ]; then
        RABBITMQ_NODENAME="$NODE_NAME" rabbitmqctl -n "$NODE_NAME" stop >/dev/null 2>&1 || true
        rm -rf "$NODE_DIR"
    fi
}
trap cleanup EXIT

if ! broker_answers; then
    if [ -n "${AMQP_URL:-}" ] || ! command -v rabbitmq-server >/dev/null; then
        echo "demo: no broker answers at ${AMQP_URL:-localhost:5672} (and no rabbitmq-server to start one)" >&2
        exit 3
    fi
    NODE_DIR=$(mktemp -d /tmp/pulp-amqp-demo.XXXXXX)
    NODE_NAME="pulp-demo-$$@localhost"
    PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo "demo: no broker at localhost:5672; starting a throwaway RabbitMQ node on port $PORT" >&2
    printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\n' "$PORT" > "$NODE_DIR/rabbitmq.conf"
    echo '[].' > "$NODE_DIR/enabled_plugins"
    : > "$NODE_DIR/rabbitmq-env.conf"
    env RABBITMQ_NODENAME="$NODE_NAME" RABBITMQ_NODE_PORT="$PORT" RABBITMQ_DIST_PORT=$((PORT + 20000)) \
        RABBITMQ_MNESIA_BASE="$NODE_DIR/mnesia" RABBITMQ_LOG_BASE="$NODE_DIR/log" \
        RABBITMQ_CONFIG_FILE="$NODE_DIR/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$NODE_DIR/enabled_plugins" \
        RABBITMQ_CONF_ENV_FILE="$NODE_DIR/rabbitmq-env.conf" RABBITMQ_PID_FILE="$NODE_DIR/pid" \
        rabbitmq-server -detached >/dev/null 2>&1
    export AMQP_URL="amqp://guest:guest@127.0.0.1:$PORT/%2F"
    wait_for_broker || { echo "demo: the throwaway node did not come up" >&2; exit 3; }
fi

EXCHANGE="pulp-demo-$$"
show() {
    local word line="$"
    for word in "$@"; do
        case "$word" in *[*#]*) line="$line '$word'" ;; *) line="$line $word" ;; esac
    done
    printf '\n%s\n' "$line"
}
run_seed_example() {
    # Start a listener, wait for its ready line on stderr, emit the four events, show its output.
    local out err pid
    out=$(mktemp) err=$(mktemp)
    show "pulp-listen $*"
    pulp-listen "$@" --timeout 2 >"$out" 2>"$err" &
    pid=$!
    for _ in $(seq 1 100); do grep -q "listening on" "$err" && break; sleep 0.1; done
    pulp-emit -e "$EXCHANGE" -q 2>/dev/null || true
    wait "$pid" || true
    cat "$out"
    rm -f "$out" "$err"
}

echo "demo: Pulp's AMQP notifications, reproduced on ${AMQP_URL:-amqp://localhost:5672} (exchange $EXCHANGE)"
echo "demo: each example starts a listener, publishes the four Pulp events with pulp-emit, and shows what it printed"
run_seed_example -e "$EXCHANGE" -q
run_seed_example -e "$EXCHANGE" -q -s 'pulp.server.repo.publish.*'
run_seed_example -e "$EXCHANGE" -q -s 'pulp.server.repo.*.finish'
run_seed_example -e "$EXCHANGE" -s pulp.server.repo.sync.start
"$PY" -c "import pika, os; c = pika.BlockingConnection(pika.URLParameters(os.environ.get('AMQP_URL') or 'amqp://guest:guest@127.0.0.1:5672/%2F')); c.channel().exchange_delete('$EXCHANGE'); c.close()" || true
