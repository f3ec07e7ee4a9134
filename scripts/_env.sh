# Shared by scripts/demo.sh and scripts/test.sh: the virtualenv and the broker.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="${PULP_AMQP_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

setup_venv() {
    # Creates .venv and installs the package (editable, so the console scripts run this checkout)
    # with every extra (test tools, amqp10's proton). Quiet unless something fails.
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
    # Every [project.optional-dependencies] name, comma-separated ("test,amqp10").
    "$PY" - "$ROOT/pyproject.toml" <<'PY' 2>/dev/null || echo "test,amqp10"
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
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; } \
        >/dev/null 2>&1; then
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
    local i
    for i in $(seq 1 90); do
        broker_answers && return 0
        sleep 1
    done
    return 1
}
