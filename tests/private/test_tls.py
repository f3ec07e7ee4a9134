"""TLS against a private RabbitMQ node with a TLS listener and a CA the test generates."""

from __future__ import annotations

import time

import pytest

from pulp_amqp_tools.exitcodes import ExitStatus
from tests.support.broker import unique
from tests.support.failures import check_error
from tests.support.private_node import PrivateNode
from tests.support.processes import Finished, command_env, run, start_listener
from tests.support.tlsgen import TlsFiles

pytestmark = pytest.mark.private_node

SECRET = "Tls-Zq9-s3cr3t-pw"


@pytest.fixture(scope="module")
def tls_user(tls_node: PrivateNode) -> str:
    """A user of our own (guest may log in over TLS on loopback too, but the password must be ours)."""
    tls_node.ctl("add_user", "tlsuser", SECRET)
    tls_node.ctl("set_permissions", "tlsuser", ".*", ".*", ".*")
    return "tlsuser"


def env_for(node: PrivateNode, user: str) -> dict[str, str]:
    return command_env(AMQP_URL=f"amqps://{user}:{SECRET}@localhost:{node.tls_port}/%2F")


def emit_ok(result: Finished) -> None:
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert SECRET not in err and "Traceback" not in err


def test_verified_connection_with_our_ca(tls_node: PrivateNode, tls_files: TlsFiles, tls_user: str) -> None:
    exchange = unique("pat-tls-x")
    env = env_for(tls_node, tls_user)
    listener = start_listener("-e", exchange, "-q", "-n", "1", "--cacert", str(tls_files.ca_cert), env=env)
    emit_ok(run("emit", "-e", exchange, "-t", "repo.sync.finish", "--cacert", str(tls_files.ca_cert), env=env))
    assert listener.wait() == 0, listener.stderr
    assert listener.lines() == ["pulp.server.repo.sync.finish"]
    assert SECRET not in listener.stderr  # the node is thrown away with the exchange


def test_tls_flag_with_an_amqp_url_and_the_ip_address(
    tls_node: PrivateNode, tls_files: TlsFiles, tls_user: str
) -> None:
    """--tls turns an amqp:// URL into TLS; the certificate's IP SAN matches 127.0.0.1."""
    env = command_env(AMQP_URL=f"amqp://{tls_user}:{SECRET}@127.0.0.1:{tls_node.tls_port}/%2F")
    emit_ok(run("emit", "-q", "--tls", "--cacert", str(tls_files.ca_cert), "-e", "amq.topic", env=env))


def test_certificates_are_verified_by_default(tls_node: PrivateNode, tls_user: str) -> None:
    """Our test CA is not in the system store: without --cacert the connection must fail."""
    check_error(
        run("emit", env=env_for(tls_node, tls_user)),
        "pulp-emit",
        ExitStatus.CONNECTION,
        "TLS certificate verification failed",
        "--cacert",
        secret=SECRET,
    )


def test_wrong_ca_fails_clearly(tls_node: PrivateNode, tls_files: TlsFiles, tls_user: str) -> None:
    check_error(
        run("listen", "--cacert", str(tls_files.wrong_ca_cert), env=env_for(tls_node, tls_user)),
        "pulp-listen",
        ExitStatus.CONNECTION,
        "cannot connect to amqps://tlsuser@localhost",
        "TLS certificate verification failed",
        secret=SECRET,
    )


def test_hostname_mismatch_fails_clearly(tls_node: PrivateNode, tls_files: TlsFiles, tls_user: str) -> None:
    check_error(
        run(
            "emit",
            "--cacert",
            str(tls_files.ca_cert),
            "--tls-server-name",
            "not-the-broker.example",
            env=env_for(tls_node, tls_user),
        ),
        "pulp-emit",
        ExitStatus.CONNECTION,
        "Hostname mismatch",
        "not-the-broker.example",
        secret=SECRET,
    )


def test_tls_server_name_matching_the_certificate(tls_node: PrivateNode, tls_files: TlsFiles, tls_user: str) -> None:
    """Connecting by an address the certificate does not name works when --tls-server-name does."""
    env = command_env(AMQP_URL=f"amqps://{tls_user}:{SECRET}@127.0.0.1:{tls_node.tls_port}/%2F")
    emit_ok(
        run(
            "emit",
            "-q",
            "-e",
            "amq.topic",
            "--cacert",
            str(tls_files.ca_cert),
            "--tls-server-name",
            "localhost",
            env=env,
        )
    )


def test_insecure_is_explicit_and_warns(tls_node: PrivateNode, tls_user: str) -> None:
    result = run(
        "emit",
        "-q",
        "-e",
        "amq.topic",
        "--subject",
        "a.b",
        "--body",
        "x",
        "--insecure",
        env=env_for(tls_node, tls_user),
    )
    emit_ok(result)
    assert "pulp-emit: warning: --insecure: the broker's certificate is not verified" in result.stderr.decode()


def test_client_certificate_is_presented(tls_node: PrivateNode, tls_files: TlsFiles, tls_user: str) -> None:
    name = unique("pat-tls-client")
    listener = start_listener(
        "-e",
        "amq.topic",
        "--connection-name",
        name,
        "--cacert",
        str(tls_files.ca_cert),
        "--cert",
        str(tls_files.client_cert),
        "--key",
        str(tls_files.client_key),
        env=env_for(tls_node, tls_user),
    )
    try:
        subject = ""
        deadline = time.monotonic() + 15
        while name not in subject and time.monotonic() < deadline:
            subject = tls_node.ctl(
                "list_connections", "ssl", "peer_cert_subject", "client_properties", "--no-table-headers", "--silent"
            ).stdout
            time.sleep(0.2)
        row = next(line for line in subject.splitlines() if name in line)
        assert row.startswith("true\t") and "pulp-amqp-tools test client" in row, row
    finally:
        listener.proc.terminate()
        listener.wait()


def test_mismatched_client_key_is_a_usage_error(tls_node: PrivateNode, tls_files: TlsFiles, tls_user: str) -> None:
    check_error(
        run(
            "emit",
            "--cacert",
            str(tls_files.ca_cert),
            "--cert",
            str(tls_files.client_cert),
            "--key",
            str(tls_files.server_key),
            env=env_for(tls_node, tls_user),
        ),
        "pulp-emit",
        ExitStatus.USAGE,
        "--cert",
        "KEY_VALUES_MISMATCH",
        secret=SECRET,
    )


def test_tls_to_a_plain_port(tls_node: PrivateNode, tls_files: TlsFiles, tls_user: str) -> None:
    env = command_env(AMQP_URL=f"amqps://{tls_user}:{SECRET}@localhost:{tls_node.port}/%2F")
    check_error(
        run("emit", "--cacert", str(tls_files.ca_cert), env=env),
        "pulp-emit",
        ExitStatus.CONNECTION,
        "TLS handshake failed",
        "does not speak TLS",
        secret=SECRET,
    )


def test_plain_amqp_to_the_tls_port(tls_node: PrivateNode, tls_user: str) -> None:
    env = command_env(AMQP_URL=f"amqp://{tls_user}:{SECRET}@localhost:{tls_node.tls_port}/%2F")
    check_error(run("emit", env=env), "pulp-emit", ExitStatus.CONNECTION, "a TLS port?", secret=SECRET)
