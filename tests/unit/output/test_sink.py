"""output/sink.py: listen's stdout never stalls the AMQP loop, on a real pipe.

The broker side (a paused reader loses nothing): tests/broker/test_listen.py."""

from __future__ import annotations

import fcntl
import os
import threading

from pulp_amqp_tools.output.sink import Sink


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
