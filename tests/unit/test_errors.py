"""The error catalogue without a broker: bad input, refused and silent ports, each one stderr line,
a documented exit status, no traceback and never the password (real processes).

The broker's refusals are in tests/broker/test_errors.py and tests/private/test_errors.py."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulp_amqp_tools.exitcodes import ExitStatus
from tests.support.failures import SECRET, check_error
from tests.support.processes import ROOT, command_env, run, script


@pytest.fixture(scope="module")
def refused_port() -> int:
    """A loopback port nothing listens on (bound, never listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def unreachable_env(refused_port: int) -> dict[str, str]:
    """AMQP_URL with our password at a port that refuses: exit 2 (not 3) proves nothing connected."""
    return command_env(AMQP_URL=f"amqp://guest:{SECRET}@127.0.0.1:{refused_port}/%2F")


LONG = "é" * 128  # 128 characters, 256 bytes in UTF-8


@pytest.mark.parametrize(
    ("prog", "args", "fragments"),
    [
        ("listen", ["-p", "fivethousand"], ["-p/--port", "port must be a number"]),
        ("emit", ["-p", "0"], ["port must be a number from 1 to 65535"]),
        ("emit", ["-p", "65536"], ["not '65536'"]),
        ("listen", ["-n", "0"], ["-n/--count", "at least 1"]),
        ("emit", ["-n", "-3"], ["-n/--count"]),
        ("emit", ["-t", "repo.sync.begin"], ["unknown event type 'repo.sync.begin'", "repo.sync.start"]),
        ("emit", ["--result", "maybe"], ["--result", "invalid choice"]),
        ("listen", ["-e", LONG], ["exchange name is 256 bytes", "at most 255"]),
        ("emit", ["-e", LONG], ["exchange name is 256 bytes"]),
        ("listen", ["-s", "a." + LONG], ["pattern", "258 bytes"]),
        ("listen", ["--queue", LONG], ["queue name is 256 bytes"]),
        ("emit", ["--subject", LONG, "--body", "x"], ["subject is 256 bytes"]),
        ("listen", ["-u", f"http://guest:{SECRET}@h/"], ["http://guest:****@h/", "scheme must be"]),
        ("emit", ["-u", f"amqp://guest:{SECRET}@h:56x72/"], ["amqp://guest:****@h:56x72/", "port must be"]),
        ("emit", ["-u", f"amqp://bob:{SECRET}/x@h/"], ["percent-encode"]),
        ("emit", ["--heartbeat", "-1"], ["--heartbeat"]),
        ("listen", ["--connect-timeout", "0"], ["--connect-timeout", "positive"]),
        ("emit", ["--bogus", f"amqp://guest:{SECRET}@h/"], ["unrecognized arguments", "guest:****@h"]),
        ("emit", ["--cacert", "/etc/hostname"], ["--cacert applies only to TLS"]),
        ("emit", ["--tls", "--key", "/etc/hostname"], ["--key needs --cert"]),
        ("emit", ["--tls", "--cacert", "/nonexistent/ca.pem"], ["cannot read --cacert", "No such file"]),
        ("emit", ["--user", "bob"], ["no password for user 'bob'", "--password-file"]),
        ("emit", ["--user", "bob", "--password-file", SECRET], ["cannot read the --password-file"]),
        ("emit", ["--password", SECRET], ["--password-file"]),  # argparse abbreviation: still no echo
        # Unicode digits pass str.isdigit() but not int(): they used to end in "internal error".
        ("listen", ["-u", "amqp://h:\u00b2/"], ["port must be a number"]),
        ("emit", ["--property", "priority=\u00b2"], ["priority is a whole number"]),
        ("emit", ["--property", "expiration=\u00b2"], ["expiration is a whole number"]),
        ("emit", ["--header", 'x:={"$decimal": "abc"}'], ["not a decimal"]),
        ("emit", ["--header", "k" * 300 + "=v"], ["--header name is 300 bytes"]),
        ("listen", ["-a", ""], ["-a/--address must name a host"]),
        ("listen", ["-u", "amqp://a@h1", "-u", f"amqp://b:{SECRET}@h2"], ["different users", "first URL"]),
    ],
)
def test_bad_input_is_one_line_before_connecting(
    prog: str, args: list[str], fragments: list[str], unreachable_env: dict[str, str]
) -> None:
    started = time.monotonic()
    result = subprocess.run(
        script(prog) + args, capture_output=True, env=unreachable_env, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=30
    )
    check_error(result, f"pulp-{prog}", ExitStatus.USAGE, *fragments)
    assert time.monotonic() - started < 10


def test_bad_url_in_the_environment(refused_port: int) -> None:
    env = command_env(AMQP_URL=f"amqps://guest:{SECRET}@localhost:{refused_port}x/")
    check_error(run("emit", env=env), "pulp-emit", ExitStatus.USAGE, "amqps://guest:****@localhost")


def test_connection_refused(unreachable_env: dict[str, str], refused_port: int) -> None:
    check_error(
        run("emit", env=unreachable_env),
        "pulp-emit",
        ExitStatus.CONNECTION,
        "connection refused",
        f"127.0.0.1:{refused_port}",
    )


def test_unknown_host() -> None:
    env = command_env(AMQP_URL=f"amqp://guest:{SECRET}@no-such-host.invalid/%2F")
    check_error(
        run("listen", env=env, timeout=60), "pulp-listen", ExitStatus.CONNECTION, "unknown host 'no-such-host.invalid'"
    )


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP but never says a word of AMQP."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


@pytest.fixture
def full_backlog_port() -> Iterator[int]:
    """A port whose accept queue is full: the kernel drops further SYNs, connect() never completes."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(0)
        port = int(sock.getsockname()[1])
        fillers = []
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            try:
                filler.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fillers.append(filler)
        time.sleep(0.2)
        yield port
        for filler in fillers:
            filler.close()


@pytest.mark.parametrize("port_fixture", ["silent_port", "full_backlog_port"])
def test_a_port_that_never_answers_is_bounded_by_connect_timeout(
    port_fixture: str, request: pytest.FixtureRequest
) -> None:
    port = request.getfixturevalue(port_fixture)
    env = command_env(AMQP_URL=f"amqp://guest:{SECRET}@127.0.0.1:{port}/%2F")
    started = time.monotonic()
    result = run("emit", "--connect-timeout", "1.5", env=env, timeout=30)
    elapsed = time.monotonic() - started
    check_error(result, "pulp-emit", ExitStatus.CONNECTION, "no answer within 1.5 s")
    assert 1.4 < elapsed < 6, elapsed


def test_the_default_connect_timeout_is_a_few_seconds(silent_port: int) -> None:
    env = command_env(AMQP_URL=f"amqp://guest:{SECRET}@127.0.0.1:{silent_port}/%2F")
    started = time.monotonic()
    check_error(run("listen", env=env, timeout=30), "pulp-listen", ExitStatus.CONNECTION, "no answer within 5 s")
    assert time.monotonic() - started < 9


# ---------------------------------------------------------------- private node: users, limits


# ---------------------------------------------------------------- credentials end to end


@pytest.mark.parametrize(
    ("properties", "fragment"),
    [
        ({"priority": 999}, "priority is a whole number from 0 to 255"),
        ({"expiration": "abc"}, "expiration is a whole number of milliseconds"),
        ({"delivery_mode": 7}, "delivery_mode is 1/transient or 2/persistent"),
    ],
)
def test_replay_checks_property_ranges_before_connecting(
    tmp_path: Path, unreachable_env: dict[str, str], properties: dict[str, object], fragment: str
) -> None:
    recording = tmp_path / "events.ndjson"
    record = {
        "subject": "a",
        "exchange": "x",
        "body_encoding": "utf-8",
        "body": "b",
        "headers": {},
        "properties": properties,
    }
    recording.write_text(json.dumps(record) + "\n")
    result = subprocess.run(
        [*script("emit"), "--replay", str(recording)],
        capture_output=True,
        env=unreachable_env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        timeout=30,
    )
    check_error(result, "pulp-emit", ExitStatus.USAGE, "line 1", fragment)
