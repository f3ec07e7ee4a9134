"""`--protocol auto`'s probe over TLS, against a private RabbitMQ node with a TLS listener."""

from __future__ import annotations

import ssl

import pytest

from pulp_amqp_tools.transport.detect import choose, probe
from tests.support.private_node import PrivateNode
from tests.support.tlsgen import TlsFiles

pytestmark = pytest.mark.private_node


def test_the_probe_speaks_tls_first_and_verifies_the_server(tls_node: PrivateNode, tls_files: TlsFiles) -> None:
    context = ssl.create_default_context(cafile=str(tls_files.ca_cert))
    answer = probe("127.0.0.1", tls_node.tls_port, timeout=10, tls=context, server_hostname="localhost")
    assert (answer.protocol, choose(answer)) == ("0-9-1", "0-9-1")


def test_a_server_the_ca_does_not_vouch_for_is_an_ssl_error(tls_node: PrivateNode, tls_files: TlsFiles) -> None:
    context = ssl.create_default_context(cafile=str(tls_files.wrong_ca_cert))
    with pytest.raises(ssl.SSLCertVerificationError):
        probe("127.0.0.1", tls_node.tls_port, timeout=10, tls=context, server_hostname="localhost")
