"""listen's stdout never stalls the AMQP loop: unit tests on a real pipe, and against the broker."""

from __future__ import annotations

import fcntl
import os
import subprocess
import threading
import time

import pika
import pytest

from pulp_amqp_tools.output.sink import Sink
from tests.support.broker import BROKER_URL
from tests.support.commands import command_env, script


def test_a_full_pipe_makes_flush_say_so_and_drain_waits() -> None:
    read_end, write_end = os.pipe()
    writer = os.fdopen(write_end, "w", encoding="ascii")
    before = fcntl.fcntl(write_end, fcntl.F_GETFL)
    sink = Sink(writer)
    try:
        line = "x" * 1000 + "\n"
        for _ in range(200):  # 200 KB: more than a pipe holds
            sink.write(line)
        assert sink.flush() is False and sink.pending
        got = bytearray()
        reader = threading.Thread(target=lambda: got.extend(_read_all(read_end, 200 * 1001)))
        reader.start()
        sink.drain()
        reader.join(timeout=10)
        assert not sink.pending and bytes(got) == line.encode() * 200
    finally:
        sink.close()
        assert fcntl.fcntl(write_end, fcntl.F_GETFL) == before  # the pipe is given back as it was
        writer.close()
        os.close(read_end)


def test_unencodable_text_becomes_escapes() -> None:
    read_end, write_end = os.pipe()
    writer = os.fdopen(write_end, "w", encoding="ascii")
    sink = Sink(writer)
    sink.write("caf\u00e9 \u202e\n")
    assert sink.flush()
    sink.close()
    writer.close()
    assert os.read(read_end, 100) == b"caf\\xe9 \\u202e\n"
    os.close(read_end)


def _read_all(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
    return data


@pytest.mark.broker
def test_a_paused_reader_keeps_the_connection_and_loses_nothing(exchange: str) -> None:
    """With heartbeats of 1 s, a reader paused for 8 s used to cost the connection (and a private
    queue's messages); now listen keeps answering heartbeats and prints everything afterwards."""
    proc = subprocess.Popen(
        [*script("listen"), "-e", exchange, "-q", "--heartbeat", "1", "-n", "20000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=command_env(),
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        assert b"listening on exchange" in proc.stderr.readline()
        connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        channel = connection.channel()
        for n in range(20000):
            channel.basic_publish(exchange, f"seq.{n}", b"{}")
        connection.close()
        time.sleep(8)  # nobody reads: the pipe is full long before this
        assert proc.poll() is None
        out, err = proc.communicate(timeout=60)  # a listener that lost messages would wait forever
        assert proc.returncode == 0
        assert out.decode().splitlines() == [f"seq.{n}" for n in range(20000)]
        assert "lost the connection" not in err.decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
