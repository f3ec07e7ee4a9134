# Shared by scripts/demo.sh, scripts/test.sh and .ci/run: the virtualenv, Debian packages, the broker.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="${PULP_AMQP_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

setup_venv() {
    # Creates .venv and installs the package (editable, so the console scripts run this checkout)
    # with every extra (the test and development tools, amqp10's proton). Quiet unless something
    # fails.
    if [ ! -x "$PY" ]; then
        python3 -m venv "$VENV" || return 1
    fi
    local stamp="$VENV/.installed" want
    want=$(cat "$ROOT/pyproject.toml" "$ROOT/setup.py" | cksum)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        install_build_deps || return 1
        local log="$VENV/pip-install.log"
        if ! "$PY" -m pip install --quiet --disable-pip-version-check -e "$ROOT[$(extras)]" >"$log" 2>&1; then
            cat "$log" >&2
            return 1
        fi
        check_proton_tls || return 1
        echo "$want" > "$stamp"
    fi
    # Byte-compile the checkout as `pip install` (non-editable) would: with PYTHONDONTWRITEBYTECODE
    # set, an editable install would otherwise recompile every module on every command start.
    "$PY" -m compileall -q "$ROOT/pulp_amqp_tools" >/dev/null || true
}

extras() {
    # Every [project.optional-dependencies] name, comma-separated ("test,dev,amqp10").
    "$PY" - "$ROOT/pyproject.toml" <<'PY' 2>/dev/null || echo "test,dev,amqp10"
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    print(",".join(tomllib.load(f)["project"]["optional-dependencies"]))
PY
}

install_build_deps() {
    # python-qpid-proton (the amqp10 extra) has no wheel on PyPI: pip builds it with a C compiler,
    # the venv Python's own headers and openssl found through pkg-config (without the last two it
    # silently builds with no TLS). Debian packages are installed quietly when missing.
    local include missing=() pkg
    include=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
    if [ ! -f "$include/Python.h" ]; then
        # Debian's python3-dev only serves Debian's own python3, not a pyenv or other build.
        if [ "$(readlink -f "$("$PY" -c 'import sys; print(sys.base_prefix)')")" = /usr ]; then
            missing+=(python3-dev)
        else
            echo "setup: no Python.h in $include: reinstall this Python with its headers" >&2
            return 1
        fi
    fi
    command -v dpkg >/dev/null || return 0  # not Debian: the build says what it lacks
    for pkg in gcc libssl-dev pkg-config; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if ! apt_install "${missing[@]}"; then
        echo "setup: could not install ${missing[*]} (needed to build python-qpid-proton): install them" >&2
        return 1
    fi
}

check_proton_tls() {
    # A proton built without openssl installs fine and fails only at the first amqps:// URL.
    "$PY" -c 'import proton, sys; sys.exit(0 if proton.SSL.present() else 1)' 2>/dev/null && return 0
    echo "setup: python-qpid-proton was built without TLS (libssl-dev and pkg-config missing at its build):" \
        "apt-get install libssl-dev pkg-config, then $PY -m pip install --force-reinstall --no-cache-dir" \
        "--no-binary python-qpid-proton 'python-qpid-proton>=0.39,<0.41'" >&2
    return 1
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
