"""The error catalogue on a private node: users, permissions, size limits and forced closes,
one stderr line each, a documented exit status, never the password."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest

from pulp_amqp_tools.exitcodes import ExitStatus
from tests.support.broker import unique
from tests.support.failures import SECRET, check_error
from tests.support.private_node import PrivateNode, rabbitmq_available
from tests.support.processes import ROOT, command_env, run, script, start_listener

MAX_MESSAGE_SIZE = 4096


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
    # Without --no-reconnect listen reconnects (tests/broker/test_reconnect.py); with it, one line and exit 3.
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
