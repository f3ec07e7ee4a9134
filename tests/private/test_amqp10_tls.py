"""amqps over AMQP 1.0 (proton's SSLDomain): verified against our CA, the name checked by default,
one line (exit 3) when the certificate does not check out. A private RabbitMQ node with the 1.0
plugin on its TLS listener."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.private_node import PrivateNode
from tests.support.processes import command_env, run, start_listener
from tests.support.tlsgen import TlsFiles

pytestmark = pytest.mark.private_node

proton = pytest.importorskip("proton")


@pytest.fixture(scope="module")
def tls_amqp10_node(tls_files: TlsFiles) -> Iterator[PrivateNode]:
    if not proton.SSL.present():
        pytest.skip("this python-qpid-proton was built without TLS")
    node = PrivateNode(tls=tls_files)
    node.enabled_plugins_file.write_text("[rabbitmq_amqp1_0].\n")
    with node:
        yield node


def env_for(node: PrivateNode) -> dict[str, str]:
    return command_env(AMQP_URL=f"amqps://guest:guest@localhost:{node.tls_port}")


def test_verified_connection_with_our_ca(tls_amqp10_node: PrivateNode, tls_files: TlsFiles) -> None:
    env, ca = env_for(tls_amqp10_node), str(tls_files.ca_cert)
    args = ["--protocol", "1.0", "-e", "amq.topic", "--cacert", ca]
    listener = start_listener(*args, "-q", "-n", "1", env=env, ready_timeout=60)
    emitted = run("emit", *args, "-t", "repo.sync.finish", env=env)
    assert emitted.returncode == 0, emitted.stderr
    assert listener.wait(60) == 0, listener.stderr
    assert listener.lines() == ["pulp.server.repo.sync.finish"]


@pytest.mark.parametrize(
    "extra",
    [[], ["--cacert", "WRONG"], ["--cacert", "CA", "--tls-server-name", "other.example"]],
    ids=["system-cas", "wrong-ca", "wrong-name"],
)
def test_a_certificate_that_does_not_check_out_is_one_line(
    tls_amqp10_node: PrivateNode, tls_files: TlsFiles, extra: list[str]
) -> None:
    files = {"WRONG": str(tls_files.wrong_ca_cert), "CA": str(tls_files.ca_cert)}
    args = [files.get(arg, arg) for arg in extra]
    done = run("emit", "--protocol", "1.0", "-e", "amq.topic", *args, env=env_for(tls_amqp10_node))
    lines = done.stderr.decode().splitlines()
    assert done.returncode == 3, done.stderr
    assert len(lines) == 1 and "TLS" in lines[0] and "guest@" in lines[0] and ":guest" not in lines[0], lines
