"""The error catalogue: every bad input and broker failure is one stderr line, a documented exit
status, no traceback and never the password. Real processes, the shared broker for what it can
show safely, a private node for users, permissions, size limits and forced closes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from pulp_amqp_tools.exitcodes import ExitStatus
from tests.support.broker import BROKER_URL, unique
from tests.support.commands import ROOT, command_env, run, script, start_listener
from tests.support.failures import SECRET, check_error
from tests.support.private_node import PrivateNode, rabbitmq_available

MAX_MESSAGE_SIZE = 4096


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


@pytest.mark.broker
def test_authentication_failure_names_the_user_not_the_password() -> None:
    env = command_env(AMQP_URL=BROKER_URL.replace("guest:guest", f"guest:{SECRET}"))
    check_error(run("emit", env=env), "pulp-emit", ExitStatus.ACCESS, "authentication failed for user 'guest'")


@pytest.mark.broker
def test_unknown_vhost() -> None:
    vhost = unique("no-vhost")
    env = command_env(AMQP_URL=BROKER_URL.rsplit("/", 1)[0] + f"/{vhost}")
    check_error(run("listen", env=env), "pulp-listen", ExitStatus.ACCESS, f"vhost {vhost!r}", "not found")


@pytest.mark.broker
def test_exchange_of_another_type_than_required(admin: BlockingChannel, exchange: str) -> None:
    admin.exchange_declare(exchange, exchange_type="fanout")
    check_error(
        run("listen", "-e", exchange, "--exchange-type", "topic"),
        "pulp-listen",
        ExitStatus.BROKER,
        f"exchange {exchange!r} is a fanout exchange, not a topic exchange (--exchange-type topic)",
    )


@pytest.mark.broker
def test_durable_exchange_of_someone_else_is_used_as_it_is(admin: BlockingChannel, exchange: str) -> None:
    """Durability differs from Pulp's (non-durable): no 406, the exchange is used as declared."""
    admin.exchange_declare(exchange, exchange_type="topic", durable=True)
    queue = admin.queue_declare("", exclusive=True).method.queue
    admin.queue_bind(queue, exchange, "#")
    result = run("emit", "-e", exchange, "-t", "repo.sync.finish")
    assert result.returncode == 0, result.stderr
    assert admin.queue_declare(queue, passive=True).method.message_count == 1


@pytest.mark.broker
def test_missing_amq_exchange_on_listen() -> None:
    name = unique("amq.pat-missing")
    check_error(run("listen", "-e", name), "pulp-listen", ExitStatus.BROKER, "does not exist")


# ---------------------------------------------------------------- private node: users, limits


@pytest.fixture(scope="module")
def node() -> Iterator[PrivateNode]:
    if not rabbitmq_available():
        pytest.skip("rabbitmq-server not installed: cannot start a private node")
    with PrivateNode(extra_config=f"max_message_size = {MAX_MESSAGE_SIZE}") as private:
        # A user with no permission anywhere, and one that may only read: created by us, on our node.
        private.ctl("add_user", "outsider", SECRET)
        private.ctl("add_user", "reader", SECRET)
        private.ctl("set_permissions", "reader", "^amq\\.gen-.*", "^amq\\.gen-.*", ".*")
        private.ctl("add_user", "writer", SECRET)
        private.ctl("set_permissions", "writer", ".*", ".*", ".*")
        yield private


def node_env(node: PrivateNode, user: str = "guest", password: str = "guest") -> dict[str, str]:
    return command_env(AMQP_URL=f"amqp://{user}:{password}@127.0.0.1:{node.port}/%2F")


@pytest.mark.private_node
def test_user_without_permission_on_the_vhost(node: PrivateNode) -> None:
    check_error(
        run("emit", env=node_env(node, "outsider", SECRET)),
        "pulp-emit",
        ExitStatus.ACCESS,
        "access to vhost '/' refused",
        "for user 'outsider'",
    )


@pytest.mark.private_node
def test_user_who_may_not_create_the_exchange(node: PrivateNode) -> None:
    name = unique("pat-x")
    check_error(
        run("emit", "-e", name, env=node_env(node, "reader", SECRET)),
        "pulp-emit",
        ExitStatus.ACCESS,
        f"cannot create exchange {name!r}",
        "ACCESS_REFUSED",
    )


@pytest.mark.private_node
def test_user_who_may_not_publish_is_told_at_once(node: PrivateNode) -> None:
    started = time.monotonic()
    check_error(
        run("emit", "-e", "amq.topic", env=node_env(node, "reader", SECRET)),
        "pulp-emit",
        ExitStatus.ACCESS,
        "access to exchange 'amq.topic'",
        "refused for user 'reader'",
    )
    assert time.monotonic() - started < 10  # not after --confirm-timeout (30 s)


@pytest.mark.private_node
def test_reader_may_listen_on_an_existing_exchange(node: PrivateNode) -> None:
    """Least privilege works: the exchange exists, so listen needs no configure permission on it."""
    listener = start_listener("-e", "amq.topic", "-q", "-n", "1", env=node_env(node, "reader", SECRET))
    run("emit", "-e", "amq.topic", "-t", "repo.sync.start", env=node_env(node))
    assert listener.wait() == 0 and listener.lines() == ["pulp.server.repo.sync.start"]


@pytest.mark.private_node
def test_reader_on_a_declared_exchange_it_cannot_probe(node: PrivateNode) -> None:
    """No configure permission: the type cannot be learned, so it is assumed (topic, or --exchange-type)."""
    name = unique("pat-direct")
    owner = pika.BlockingConnection(node.params())
    try:
        owner.channel().exchange_declare(name, exchange_type="direct")
        env = node_env(node, "reader", SECRET)
        assumed = start_listener("-e", name, "-s", "k", "-q", "-n", "1", env=env)
        assert "warning: cannot tell the type of exchange" in assumed.stderr and "--exchange-type" in assumed.stderr
        assert f"exchange {name!r} (topic) for 'k'" in assumed.ready_line
        told = start_listener("-e", name, "--exchange-type", "direct", "-s", "k", "-q", "-n", "1", env=env)
        assert "warning" not in told.stderr and f"exchange {name!r} (direct) for 'k'" in told.ready_line
        owner.channel().basic_publish(name, "k", b"{}")
        assert assumed.wait() == 0 and told.wait() == 0
        assert assumed.lines() == ["k"] and told.lines() == ["k"]
    finally:
        owner.channel().exchange_delete(name)
        owner.close()


@pytest.mark.private_node
def test_message_over_the_brokers_size_limit(node: PrivateNode) -> None:
    started = time.monotonic()
    result = run(
        "emit",
        "-e",
        "amq.topic",
        "--subject",
        "big.one",
        "--body",
        "-",
        env=node_env(node),
        input=b"x" * (MAX_MESSAGE_SIZE + 1),
    )
    check_error(
        result, "pulp-emit", ExitStatus.BROKER, f"message size {MAX_MESSAGE_SIZE + 1}", f"max size {MAX_MESSAGE_SIZE}"
    )
    assert time.monotonic() - started < 10
    ok = run(
        "emit",
        "-q",
        "-e",
        "amq.topic",
        "--subject",
        "small.one",
        "--body",
        "-",
        env=node_env(node),
        input=b"x" * (MAX_MESSAGE_SIZE - 100),
    )
    assert ok.returncode == 0, ok.stderr


@pytest.mark.private_node
def test_queue_held_exclusively_by_another_connection(node: PrivateNode) -> None:
    name = unique("pat-q")
    owner = pika.BlockingConnection(node.params())
    try:
        owner.channel().queue_declare(name, exclusive=True)
        check_error(
            run("listen", "-e", "amq.topic", "--queue", name, env=node_env(node)),
            "pulp-listen",
            ExitStatus.BROKER,
            f"queue {name!r} is held exclusively by another connection",
        )
    finally:
        owner.close()


@pytest.mark.private_node
def test_broker_closing_the_connection_mid_run(node: PrivateNode) -> None:
    name = unique("pat-victim")
    # Without --no-reconnect listen reconnects (tests/test_reliable.py); with it, one line and exit 3.
    listener = start_listener(
        "-e", "amq.topic", "--connection-name", name, "--no-reconnect", env=node_env(node, "reader", SECRET)
    )
    try:
        deadline = time.monotonic() + 20
        pid = None
        while pid is None and time.monotonic() < deadline:
            table = node.ctl("list_connections", "pid", "client_properties", "--no-table-headers", "--silent").stdout
            pid = next((line.split("\t")[0] for line in table.splitlines() if name in line), None)
            time.sleep(0.2)
        assert pid is not None, "the broker does not show the listener's connection"
        node.ctl("close_connection", pid, "maintenance by the test")
        code = listener.wait(timeout=30)
    finally:
        if listener.proc.poll() is None:
            listener.proc.kill()
            listener.wait()
    errors = [line for line in listener.stderr.splitlines() if "error" in line]
    assert code == ExitStatus.CONNECTION, listener.stderr
    assert errors == [
        f"pulp-listen: error: lost the connection to amqp://reader@127.0.0.1:{node.port}: the "
        "broker closed it: CONNECTION_FORCED - maintenance by the test (--no-reconnect)"
    ], listener.stderr
    assert "Traceback" not in listener.stderr and SECRET not in listener.stderr


# ---------------------------------------------------------------- credentials end to end


@pytest.mark.private_node
def test_password_file_with_user(node: PrivateNode, tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_text(SECRET + "\n")
    env = command_env(AMQP_URL=f"amqp://127.0.0.1:{node.port}/%2F")
    result = run(
        "emit",
        "-e",
        "amq.topic",
        "--user",
        "writer",
        "--password-file",
        str(path),
        "--subject",
        "a.b",
        "--body",
        "x",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stderr.decode() + result.stdout.decode()
    path.write_text("wrong-" + SECRET + "\n")
    check_error(
        run("emit", "--user", "writer", "--password-file", str(path), env=env),
        "pulp-emit",
        ExitStatus.ACCESS,
        "authentication failed for user 'writer'",
        secret="wrong-" + SECRET,
    )


@pytest.mark.private_node
def test_password_in_url_on_command_line_warns_but_works(node: PrivateNode) -> None:
    url = f"amqp://writer:{SECRET}@127.0.0.1:{node.port}/%2F"
    result = run(
        "emit", "-q", "-e", "amq.topic", "-u", url, "--subject", "a.b", "--body", "x", env=command_env(AMQP_URL="")
    )
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert "pulp-emit: warning: the password in -u/--url can be read by other users" in err
    assert SECRET not in err
    quiet = run("emit", "-q", "-e", "amq.topic", "--subject", "a.b", "--body", "x", env=command_env(AMQP_URL=url))
    assert quiet.returncode == 0 and "-u/--url" not in quiet.stderr.decode()  # AMQP_URL is not in ps


@pytest.mark.private_node
def test_prompt_on_a_terminal(node: PrivateNode) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = command_env(AMQP_URL=f"amqp://writer@127.0.0.1:{node.port}/%2F")
    child = pexpect.spawn(
        sys.executable,
        [*script("emit")[1:], "-e", "amq.topic", "--subject", "a.b", "--body", "x"],
        env=env,
        cwd=str(ROOT),
        timeout=30,
    )
    try:
        child.expect(f"Password for writer at 127.0.0.1:{node.port}: ")
        child.sendline(SECRET)
        child.expect(pexpect.EOF)
        output = child.before.decode(errors="replace")
    finally:
        child.close()
    assert child.exitstatus == 0, output
    assert SECRET not in output  # not echoed
    assert "1 message published" in output or "reached no queue" in output


@pytest.mark.private_node
def test_no_terminal_no_prompt(node: PrivateNode) -> None:
    env = command_env(AMQP_URL=f"amqp://writer@127.0.0.1:{node.port}/%2F")
    result = subprocess.run(
        script("emit"), capture_output=True, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=30
    )
    check_error(result, "pulp-emit", ExitStatus.USAGE, "no password for user 'writer'")


@pytest.mark.private_node
def test_refusal_through_each_url_source_never_shows_the_password(node: PrivateNode, tmp_path: Path) -> None:
    url = f"amqp://outsider:{SECRET}@127.0.0.1:{node.port}/%2F"
    conf = tmp_path / "server.conf"
    conf.write_text(f"[messaging]\nurl: {url}\n")
    from_env = run("emit", env=command_env(AMQP_URL=url))
    from_config = run("emit", "--config", str(conf), env=command_env(AMQP_URL=""))
    for result in (from_env, from_config):
        check_error(result, "pulp-emit", ExitStatus.ACCESS, "amqp://outsider@127.0.0.1")
    from_argv = run("emit", "-u", url, env=command_env(AMQP_URL=""))
    err = from_argv.stderr.decode()
    assert from_argv.returncode == ExitStatus.ACCESS and SECRET not in err and "Traceback" not in err
    assert [line.split(":", 2)[1] for line in err.splitlines()] == [" warning", " error"], err


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
