"""Proves the test harness in tests/support works against real (private) brokers.

None of these tests touch the shared broker on 127.0.0.1:5672: every broker here
is a PrivateNode with its own name, ports and data dir.
"""

from __future__ import annotations

import socket
import ssl
import time
import uuid

import pika
import pika.exceptions
import pytest

from tests.support.private_node import NodeStartError, PrivateNode, rabbitmq_available
from tests.support.tcp_proxy import TcpProxy
from tests.support.tlsgen import TlsFiles

SHARED_PORT = 5672


def require_rabbitmq() -> None:
    if not rabbitmq_available():
        pytest.skip("rabbitmq-server not installed: cannot start a private node")


def _unique(prefix: str) -> str:
    return f"pat-test-{prefix}-{uuid.uuid4().hex[:8]}"


def _shared_broker_listening() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", SHARED_PORT), timeout=1):
            return True
    except OSError:
        return False


def _find_ssl_error(exc: BaseException) -> ssl.SSLError | None:
    """pika wraps socket errors in nested exception args; dig out the SSLError."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen or not isinstance(e, BaseException):
            continue
        seen.add(id(e))
        if isinstance(e, ssl.SSLError):
            return e
        todo.extend(e.args)
        todo.extend([e.__cause__, e.__context__])
    return None


def _wait_for_failure(conn: pika.BlockingConnection, within: float, step: float = 0.2) -> tuple[BaseException, float]:
    """Drive pika's I/O loop until the connection fails; return (error, seconds)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < within:
        try:
            conn.process_data_events(time_limit=step)
        except pika.exceptions.AMQPError as e:  # StreamLostError, heartbeat timeout...
            return e, time.monotonic() - t0
    raise AssertionError(f"pika did not notice the failure within {within}s")


# --------------------------------------------------------------------- tlsgen


# --------------------------------------------------------------- private node


@pytest.mark.private_node
def test_private_node_is_isolated_from_shared_broker(private_node: PrivateNode) -> None:
    assert private_node.nodename.startswith("pat-")
    assert private_node.nodename != "rabbit@localhost"
    assert private_node.port != SHARED_PORT
    assert private_node.url == f"amqp://guest:guest@127.0.0.1:{private_node.port}/%2F"
    status = private_node.ctl("status").stdout
    assert private_node.nodename in status
    listeners = private_node.ctl("status", "--formatter", "json").stdout
    assert f'"port":{private_node.port}' in listeners.replace(" ", "")
    assert f'"port":{SHARED_PORT},' not in listeners.replace(" ", "")
    assert private_node.last_start_seconds is not None
    assert private_node.last_start_seconds < 60


@pytest.mark.private_node
def test_url_works_with_pika_url_parameters(private_node: PrivateNode) -> None:
    conn = pika.BlockingConnection(pika.URLParameters(private_node.url))
    try:
        assert conn.is_open
    finally:
        conn.close()


def _declare_and_publish(node: PrivateNode, queue: str, body: bytes) -> None:
    conn = pika.BlockingConnection(node.params())
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        ch.queue_declare(queue, durable=True)
        ch.basic_publish(
            "",
            queue,
            body,
            pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent),
            mandatory=True,
        )
    finally:
        conn.close()


def _get_one(node: PrivateNode, queue: str) -> bytes | None:
    conn = pika.BlockingConnection(node.params())
    try:
        ch = conn.channel()
        ch.queue_declare(queue, durable=True, passive=True)
        _method, _props, body = ch.basic_get(queue, auto_ack=True)
        return body
    finally:
        conn.close()


@pytest.mark.private_node
def test_hard_restart_keeps_durable_queue_and_persistent_message() -> None:
    require_rabbitmq()
    shared_before = _shared_broker_listening()
    queue, body = _unique("durable"), b"survives a full VM restart"
    with PrivateNode() as node:
        base_dir = node.base_dir
        _declare_and_publish(node, queue, body)
        old_pid = node.ctl("eval", "os:getpid().").stdout.strip()

        node.hard_restart()

        new_pid = node.ctl("eval", "os:getpid().").stdout.strip()
        assert new_pid != old_pid, "hard_restart must restart the Erlang VM"
        assert _get_one(node, queue) == body
        assert node.last_start_seconds is not None
    # context exit stopped the node and removed everything
    assert not base_dir.exists()
    assert not node.running
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        pika.BlockingConnection(node.params(socket_timeout=1))
    assert _shared_broker_listening() == shared_before


@pytest.mark.private_node
def test_restart_app_keeps_durable_queue(private_node: PrivateNode) -> None:
    queue, body = _unique("restart-app"), b"survives stop_app/start_app"
    _declare_and_publish(private_node, queue, body)
    private_node.restart()
    assert _get_one(private_node, queue) == body


@pytest.mark.private_node
def test_start_failure_reports_log_and_cleans_up() -> None:
    require_rabbitmq()
    node = PrivateNode(extra_config="this is = not [valid config")
    with pytest.raises(NodeStartError, match=r"exited|not ready"):
        node.start(timeout=30)
    assert not node.running
    node.close()
    assert not node.base_dir.exists()


# ------------------------------------------------------------------------ TLS


def _tls_params(node: PrivateNode, ctx: ssl.SSLContext, server_hostname: str) -> pika.ConnectionParameters:
    return pika.ConnectionParameters(
        host="127.0.0.1",
        port=node.tls_port,
        credentials=pika.PlainCredentials("guest", "guest"),
        ssl_options=pika.SSLOptions(ctx, server_hostname),
        connection_attempts=1,
        socket_timeout=5,
    )


@pytest.mark.private_node
def test_tls_connect_with_right_ca(tls_node: PrivateNode, tls_files: TlsFiles) -> None:
    ctx = ssl.create_default_context(cafile=str(tls_files.ca_cert))
    conn = pika.BlockingConnection(_tls_params(tls_node, ctx, "localhost"))
    try:
        ch = conn.channel()
        q = ch.queue_declare("", exclusive=True).method.queue
        ch.basic_publish("", q, b"over tls")
        assert ch.basic_get(q, auto_ack=True)[2] == b"over tls"
    finally:
        conn.close()
    # plain listener is still there too
    pika.BlockingConnection(tls_node.params()).close()


@pytest.mark.private_node
def test_tls_wrong_ca_fails_with_ssl_error(tls_node: PrivateNode, tls_files: TlsFiles) -> None:
    ctx = ssl.create_default_context(cafile=str(tls_files.wrong_ca_cert))
    # pika re-raises the bare ssl error for failed TLS setups (not AMQPConnectionError)
    with pytest.raises((pika.exceptions.AMQPConnectionError, ssl.SSLError)) as ei:
        pika.BlockingConnection(_tls_params(tls_node, ctx, "localhost"))
    err = _find_ssl_error(ei.value)
    assert err is not None, repr(ei.value)
    assert isinstance(err, ssl.SSLCertVerificationError)


@pytest.mark.private_node
def test_tls_hostname_mismatch_fails(tls_node: PrivateNode, tls_files: TlsFiles) -> None:
    ctx = ssl.create_default_context(cafile=str(tls_files.ca_cert))
    with pytest.raises((pika.exceptions.AMQPConnectionError, ssl.SSLError)) as ei:
        pika.BlockingConnection(_tls_params(tls_node, ctx, "wrong.example"))
    err = _find_ssl_error(ei.value)
    assert isinstance(err, ssl.SSLCertVerificationError), repr(ei.value)
    assert "hostname" in str(err).lower()


@pytest.mark.private_node
def test_tls_client_certificate_is_presented(tls_node: PrivateNode, tls_files: TlsFiles) -> None:
    ctx = ssl.create_default_context(cafile=str(tls_files.ca_cert))
    ctx.load_cert_chain(str(tls_files.client_cert), str(tls_files.client_key))
    conn = pika.BlockingConnection(_tls_params(tls_node, ctx, "localhost"))
    try:
        assert conn.is_open
        out = tls_node.ctl("list_connections", "ssl", "peer_cert_subject", "--no-table-headers").stdout
        assert "pulp-amqp-tools test client" in out, out
    finally:
        conn.close()


# ---------------------------------------------------------------------- proxy


def _proxied_params(proxy: TcpProxy, **kwargs: object) -> pika.ConnectionParameters:
    return pika.ConnectionParameters(
        host="127.0.0.1",
        port=proxy.port,
        credentials=pika.PlainCredentials("guest", "guest"),
        connection_attempts=1,
        socket_timeout=5,
        **kwargs,  # type: ignore[arg-type]
    )


def _roundtrip(conn: pika.BlockingConnection) -> None:
    ch = conn.channel()
    q = ch.queue_declare("", exclusive=True).method.queue
    ch.basic_publish("", q, b"through the proxy")
    for _ in range(50):
        _m, _p, body = ch.basic_get(q, auto_ack=True)
        if body is not None:
            assert body == b"through the proxy"
            return
        conn.sleep(0.05)
    raise AssertionError("message did not come back")


@pytest.mark.private_node
def test_pika_through_proxy_works(tcp_proxy: TcpProxy) -> None:
    conn = pika.BlockingConnection(_proxied_params(tcp_proxy))
    try:
        _roundtrip(conn)
    finally:
        conn.close()


@pytest.mark.private_node
def test_proxy_cut_breaks_pika_and_reconnect_works(tcp_proxy: TcpProxy) -> None:
    conn = pika.BlockingConnection(_proxied_params(tcp_proxy))
    tcp_proxy.cut()
    err, elapsed = _wait_for_failure(conn, within=10)
    assert isinstance(err, pika.exceptions.AMQPConnectionError)
    assert elapsed < 5
    assert conn.is_closed
    # the proxy keeps listening: a new connection works
    conn2 = pika.BlockingConnection(_proxied_params(tcp_proxy))
    try:
        _roundtrip(conn2)
    finally:
        conn2.close()


@pytest.mark.private_node
def test_proxy_stall_is_detected_by_pika_heartbeat(tcp_proxy: TcpProxy) -> None:
    conn = pika.BlockingConnection(_proxied_params(tcp_proxy, heartbeat=2))
    tcp_proxy.stall()
    try:
        # pika checks every heartbeat+5 s and needs one idle interval: <= ~14 s
        err, elapsed = _wait_for_failure(conn, within=25)
    finally:
        tcp_proxy.resume()
    assert isinstance(err, pika.exceptions.AMQPConnectionError), repr(err)
    assert elapsed < 20
    assert conn.is_closed


@pytest.mark.private_node
def test_proxy_short_stall_then_resume_keeps_connection(tcp_proxy: TcpProxy) -> None:
    conn = pika.BlockingConnection(_proxied_params(tcp_proxy, heartbeat=10))
    try:
        tcp_proxy.stall()
        conn.sleep(1.0)
        tcp_proxy.resume()
        _roundtrip(conn)
    finally:
        conn.close()


@pytest.mark.private_node
def test_proxy_refuse_then_accept(tcp_proxy: TcpProxy) -> None:
    tcp_proxy.refuse(True)
    # pika raises a bare OSError when the proxy's close wins the race with its getpeername()
    with pytest.raises((pika.exceptions.AMQPConnectionError, OSError)):
        pika.BlockingConnection(_proxied_params(tcp_proxy))
    tcp_proxy.refuse(False)
    conn = pika.BlockingConnection(_proxied_params(tcp_proxy))
    conn.close()
