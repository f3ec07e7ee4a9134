"""Untrusted messages against the real broker: hostile, binary and huge messages, in a pipe and on a pty.

Every test publishes with pika to a unique exchange and runs the real `scripts/listen.py`, its
stdout a pipe or a pseudo-terminal, and checks the bytes it wrote.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pika
import pika.data
import pytest

from tests.support.broker import BROKER_URL, unique
from tests.support.processes import ROOT, command_env, script, start_listener
from tests.support.terminal import SGR, assert_terminal_safe

Channel = pika.adapters.blocking_connection.BlockingChannel


class Raw(bytes):
    """A field value written to the wire exactly as given (type tag included): what pika cannot encode."""


@pytest.fixture
def raw_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    original = pika.data.encode_value

    def encode_value(pieces: list[bytes], value: Any) -> int:
        if isinstance(value, Raw):
            pieces.append(bytes(value))
            return len(value)
        return original(pieces, value)

    monkeypatch.setattr(pika.data, "encode_value", encode_value)


def nested(depth: int) -> Raw:
    value = b"V"
    for _ in range(depth):
        value = b"F" + struct.pack(">I", 2 + len(value)) + b"\x01k" + value
    return Raw(value)


def publish_all(exchange: str, messages: list[tuple[Any, bytes, dict[Any, Any]]], **props: Any) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        channel = connection.channel()
        for routing_key, body, headers in messages:
            channel.basic_publish(exchange, routing_key, body, pika.BasicProperties(headers=headers or None, **props))
    finally:
        connection.close()


@dataclass
class PtyListener:
    """pulp-listen with its stdout (and stdin) on a pseudo-terminal, stderr on a pipe."""

    proc: subprocess.Popen[bytes]
    master: int
    chunks: list[bytes] = field(default_factory=list)
    reader: threading.Thread | None = None

    def wait(self, timeout: float = 60) -> int:
        code = self.proc.wait(timeout=timeout)
        if self.reader:
            self.reader.join(timeout=10)
        os.close(self.master)
        return code

    @property
    def stdout(self) -> bytes:
        """What the terminal received, its line discipline's CRLF turned back into LF."""
        return b"".join(self.chunks).replace(b"\r\n", b"\n")

    @property
    def stderr(self) -> str:
        assert self.proc.stderr is not None
        return self.proc.stderr.read().decode(errors="replace")


def start_on_pty(*args: str, env: dict[str, str] | None = None) -> PtyListener:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    environment = env or command_env()
    environment.setdefault("TERM", "xterm-256color")
    proc = subprocess.Popen(
        script("listen") + list(args), stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=environment, cwd=ROOT
    )
    os.close(slave)
    listener = PtyListener(proc, master)

    def pump() -> None:
        while True:
            try:
                chunk = os.read(master, 1 << 20)
            except OSError:  # EIO: the child closed the terminal
                return
            if not chunk:
                return
            listener.chunks.append(chunk)

    listener.reader = threading.Thread(target=pump, daemon=True)
    listener.reader.start()
    assert proc.stderr is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if b"listening on exchange" in line:
            return listener
        if not line:
            break
    proc.kill()
    listener.wait()
    raise AssertionError("listen on a pty was not ready")


@dataclass
class Run:
    code: int
    out: bytes
    err: str


def listen_and_publish(
    where: str, args: list[str], publish: Callable[[], None], env: dict[str, str] | None = None
) -> Run:
    """Start listen (stdout a "pipe" or a "pty"), publish, and collect what it wrote until it exits."""
    if where == "pty":
        on_pty = start_on_pty(*args, env=env)
        publish()
        code = on_pty.wait()
        return Run(code, on_pty.stdout, on_pty.stderr)
    listener = start_listener(*args, env=env)
    publish()
    code = listener.wait(timeout=60)
    return Run(code, listener.stdout, "".join(listener.err_lines[1:]))  # all but the ready line


MARKUP = "[bold red]styled[/] [link=https://evil.example]click[/link] :warning: oops [/] x 127.0.0.1"
NEXT: tuple[Any, bytes, dict[Any, Any]] = ("next.ok", b"still here", {})


def corpus() -> list[tuple[Any, bytes, dict[Any, Any]]]:
    return [
        ("markup.[bold]x[/]", MARKUP.encode(), {"h": MARKUP, MARKUP: "k"}),
        ("esc.\x1b]0;title\x07.x\nsecond line", b"\x1b[2J\x1b[H cleared? \x1b[5mblink", {}),
        (
            "osc",
            b"\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x1b]52;c;ZXZpbA==\x07 \x1bP+q\x1b\\",
            {"h\x1b[31m": "\x1b]0;x\x07\u202e", "n": {"k": ["\x1b[5m", b"\x1b\x9b"]}},
        ),
        ("c1", "\u009b31m \u0085 \x7f \x00 \x07 \x08 \rCR \u202eRLO \u2066iso\u2069 \ufeffbom".encode(), {}),
        ("binary", bytes(range(256)) * 4, {"b": b"\x1b\x9b\xff"}),
        (b"bad.\xff\x9b\x1b[31m", b"routing key that is not UTF-8", {}),
        ("json.surrogate", b'"\\ud800"', {}),
        ("json.deep", b"[" * 100_000 + b"]" * 100_000, {}),
        ("json.hugeint", b"[" + b"9" * 5000 + b"]", {}),
        ("json.bom", b'\xef\xbb\xbf{"a": 1}', {}),
        ("json.nan", b'{"a": NaN}', {}),
        ("json.escaped", b'{"x": "\\u001b[31m\\u009b\\u202e"}', {}),
        ("headers.far-timestamp", b"{}", {"t": Raw(b"T" + struct.pack(">Q", 2**63))}),
        ("headers.deep", b"{}", {"d": nested(3000)}),
    ]


@pytest.fixture
def evil_source(exchange: str, admin: Channel) -> Iterator[str]:
    """A fanout exchange with a hostile name; bound into `exchange` once the listener declared it."""
    name = unique("pat-evil\x1b]0;t\x07[red]")
    admin.exchange_declare(name, exchange_type="fanout")
    yield name
    admin.exchange_delete(name)


MODES = [
    ("pipe", ["-q"]),
    ("pty", ["-q"]),
    ("pipe", []),
    ("pty", []),
    ("pipe", ["--color", "always"]),
    ("pty", ["--color", "never"]),
    ("pipe", ["--json"]),
    ("pty", ["--json"]),
]


@pytest.mark.broker
@pytest.mark.usefixtures("raw_fields")
@pytest.mark.parametrize(("where", "args"), MODES, ids=[f"{w}{' '.join(a)}" for w, a in MODES])
def test_hostile_corpus_is_shown_safely_and_the_listener_carries_on(
    where: str, args: list[str], exchange: str, evil_source: str, admin: Channel
) -> None:
    messages = [*corpus(), NEXT]

    def publish() -> None:
        admin.exchange_bind(destination=exchange, source=evil_source)
        publish_all(evil_source, [("via.evil", b"from a hostile exchange", {})])
        publish_all(exchange, messages)

    run = listen_and_publish(where, ["-e", exchange, "-n", str(len(messages) + 1), "--timeout", "30", *args], publish)
    assert run.code == 0, run.err
    assert run.err == ""
    text = run.out.decode("utf-8")  # strict: every byte written is part of valid UTF-8
    assert_terminal_safe(text)
    if ("--color" in args and "always" in args) or (where == "pty" and args == []):
        assert SGR.search(text)
    else:
        assert "\x1b" not in text
    if "-q" in args:
        lines = text.splitlines()
        assert len(lines) == len(messages) + 1  # each subject exactly one line
        assert lines[2] == "esc.\\x1b]0;title\\x07.x\\nsecond line"
        assert lines[6] == "bad.\\xff\\x9b\\x1b[31m"
        assert lines[-1] == "next.ok"
    elif "--json" in args:
        records = [json.loads(line) for line in text.splitlines()]
        assert text.isascii() and len(records) == len(messages) + 1
        assert records[0]["exchange"] == evil_source
        assert records[5]["body_encoding"] == "base64" and records[5]["headers"] == {"b": {"$bytes": "G5v/"}}
        assert records[-1]["subject"] == "next.ok" and records[-1]["body"] == "still here"
    else:
        plain = SGR.sub("", text)
        assert '(exchange: "pat-evil\\x1b]0;t\\x07[red]-' in plain
        assert plain.count(MARKUP) == 3  # body, header value, header key: literal, never styled
        assert "\\x1b[2J\\x1b[H cleared?" in plain and "\\x9b31m \\x85 \\x7f \\x00" in plain
        assert "[binary body, 1,024 bytes, not UTF-8" in plain
        assert '"\\ud800"' in plain and "\\ufeff{" in plain and '{"a": NaN}' in plain
        assert '"(undecodable headers)"=' in plain and "t=9223372036854775808" in plain
        assert plain.rstrip("\n").endswith("next.ok (exchange: " + exchange + ")\n  | still here")


@pytest.mark.broker
@pytest.mark.usefixtures("raw_fields")
def test_hostile_json_records_round_trip(exchange: str) -> None:
    messages = corpus()
    run = listen_and_publish(
        "pipe", ["-e", exchange, "--json", "-n", str(len(messages))], lambda: publish_all(exchange, messages)
    )
    assert run.code == 0, run.err
    records = {r["routing_key"]: r for r in map(json.loads, run.out.decode("ascii").splitlines())}
    binary = records["binary"]
    assert binary["body_encoding"] == "base64" and binary["headers"] == {"b": {"$bytes": "G5v/"}}
    assert base64.b64decode(binary["body"]) == bytes(range(256)) * 4
    assert records["esc.\x1b]0;title\x07.x\nsecond line"]["body"] == "\x1b[2J\x1b[H cleared? \x1b[5mblink"
    assert records["json.surrogate"] == {**records["json.surrogate"], "body_encoding": "json", "body": "\ud800"}
    for name in ("json.deep", "json.hugeint", "json.nan"):
        assert records[name]["body_encoding"] == "utf-8"
        assert records[name]["body"].encode() == dict((m[0], m[1]) for m in messages)[name]
    assert records["json.bom"]["body"] == '\ufeff{"a": 1}'
    assert records["headers.far-timestamp"]["headers"] == {"t": 2**63}
    assert list(records["headers.deep"]["headers"]) == ["(undecodable headers)"]
    assert "bad.\\xff\\x9b\x1b[31m" in records


@pytest.mark.broker
@pytest.mark.usefixtures("raw_fields")
def test_every_amqp_field_type_renders_and_serialises(exchange: str) -> None:
    from datetime import datetime, timezone

    headers: dict[str, Any] = {
        "str": "text",
        "bytes": b"\x00\xff",
        "bool": True,
        "int": 7,
        "long": 2**40,
        "decimal": Raw(b"D\x02" + struct.pack(">i", 150)),  # pika's encoder would normalise 1.50 to 1.5
        "timestamp": datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        "void": None,
        "table": {"inner": {"list": [1, "two", None]}},
        "array": [1, b"\x01", {"k": "v"}, [True]],
        "double": Raw(b"d" + struct.pack(">d", 1.25)),
        "float": Raw(b"f" + struct.pack(">f", -0.5)),
        "byte": Raw(b"b" + struct.pack(">b", -3)),
        "ubyte": Raw(b"B\xff"),
        "short": Raw(b"s" + struct.pack(">h", -300)),
        "ushort": Raw(b"u" + struct.pack(">H", 65000)),
        "uint": Raw(b"i" + struct.pack(">I", 4_000_000_000)),
        "bad-utf8": Raw(b"S\x00\x00\x00\x02\xff\xfe"),
    }
    props = dict(
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=2,
        priority=3,
        correlation_id="c",
        reply_to="r",
        expiration="60000",
        message_id="m",
        timestamp=1_700_000_000,
        type="t",
        app_id="a",
        user_id="guest",
        cluster_id="cl",
    )

    def publish() -> None:
        publish_all(exchange, [("types", b'{"ok": true}', headers)], **props)

    record = json.loads(listen_and_publish("pipe", ["-e", exchange, "--json", "-n", "1"], publish).out)
    assert record["headers"] == {
        "str": "text",
        "bytes": {"$bytes": "AP8="},
        "bool": True,
        "int": 7,
        "long": 2**40,
        "decimal": {"$decimal": "1.50"},
        "timestamp": {"$timestamp": "2024-01-02T03:04:05Z"},
        "void": None,
        "table": {"inner": {"list": [1, "two", None]}},
        "array": [1, {"$bytes": "AQ=="}, {"k": "v"}, [True]],
        "double": 1.25,
        "float": -0.5,
        "byte": -3,
        "ubyte": 255,
        "short": -300,
        "ushort": 65000,
        "uint": 4_000_000_000,
        "bad-utf8": {"$bytes": "//4="},
    }
    assert record["properties"] == props

    pretty = listen_and_publish("pipe", ["-e", exchange, "-n", "1"], publish).out.decode()
    assert_terminal_safe(pretty)
    for shown in (
        'decimal={"$decimal": "1.50"}',
        'timestamp={"$timestamp": "2024-01-02T03:04:05Z"}',
        "void=null",
        'table={"inner": {"list": [1, "two", null]}}',
        "double=1.25",
        "float=-0.5",
        "uint=4000000000",
        'array=[1, {"$bytes": "AQ=="}, {"k": "v"}, [true]]',
        "content_type=application/json",
        "timestamp=1700000000",
        "priority=3",
    ):
        assert shown in pretty


@pytest.mark.broker
def test_large_bodies(exchange: str) -> None:
    size = 10 * 1024 * 1024
    body = b'{"data": "' + b"Q" * size + b'"}'
    text = b"line of text\n" * (size // 13)

    def publish() -> None:
        publish_all(exchange, [("big.json", body, {}), ("big.text", text, {})])

    args = ["-e", exchange, "-n", "2"]
    records = [json.loads(line) for line in listen_and_publish("pipe", [*args, "--json"], publish).out.splitlines()]
    assert records[0]["body"] == {"data": "Q" * size} and records[1]["body"].encode() == text

    piped = listen_and_publish("pipe", args, publish).out
    assert piped.count(b"Q") == size and piped.count(b"line of text\n") == size // 13

    on_terminal = SGR.sub("", listen_and_publish("pty", args, publish).out.decode())
    assert on_terminal.count("Q") < 70_000
    assert f"of a {len(body):,}-byte body; --full shows it all]" in on_terminal
    assert f"of a {len(text):,}-byte body; --full shows it all]" in on_terminal

    whole = listen_and_publish("pty", [*args, "--full"], publish).out
    assert whole.count(b"Q") == size and whole.count(b"line of text\n") == size // 13
    assert b"truncated" not in whole


@pytest.mark.broker
@pytest.mark.parametrize("mode", [["-q"], [], ["--json"], ["--color", "always"]])
def test_head_1_exits_quietly(exchange: str, mode: list[str]) -> None:
    listen = subprocess.Popen(
        [*script("listen"), "-e", exchange, *mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=command_env(),
        cwd=ROOT,
    )
    head = subprocess.Popen(["head", "-1"], stdin=listen.stdout, stdout=subprocess.PIPE)
    assert listen.stdout is not None and listen.stderr is not None and head.stdout is not None
    listen.stdout.close()
    try:
        assert b"listening on exchange" in listen.stderr.readline()
        for n in range(50):  # head exits after the first line; the next write meets the closed pipe
            publish_all(exchange, [(f"m.{n}", b"x" * 1000, {})])
            if listen.poll() is not None:
                break
            time.sleep(0.1)
        assert listen.wait(timeout=20) == 0
        assert listen.stderr.read() == b""
        assert head.stdout.read().count(b"\n") == 1
    finally:
        if listen.poll() is None:
            listen.kill()
            listen.wait()
        head.wait(timeout=10)


COLOURS = [
    ("pty", [], {}, True),
    ("pty", [], {"NO_COLOR": "1"}, False),
    ("pty", [], {"TERM": "dumb"}, False),
    ("pty", ["--color", "never"], {"FORCE_COLOR": "1"}, False),
    ("pipe", [], {}, False),
    ("pipe", [], {"FORCE_COLOR": "1"}, True),
    ("pipe", ["--color", "always"], {"NO_COLOR": "1"}, True),
]


@pytest.mark.broker
@pytest.mark.parametrize(("where", "args", "env", "coloured"), COLOURS)
def test_colour_choice(where: str, args: list[str], env: dict[str, str], coloured: bool, exchange: str) -> None:
    run = listen_and_publish(
        where,
        ["-e", exchange, "-n", "1", *args],
        lambda: publish_all(exchange, [("c.k", b'{"n": 1}', {"h": "v"})]),
        env=command_env(**env),
    )
    assert run.code == 0, run.err
    text = run.out.decode()
    assert bool(SGR.search(text)) is coloured
    assert_terminal_safe(text)
    assert '"n": 1' in SGR.sub("", text)


@pytest.mark.broker
@pytest.mark.parametrize(
    ("where", "args"),
    [("pipe", ["-q"]), ("pipe", []), ("pty", []), ("pipe", ["--json"]), ("pty", ["--color", "never"])],
)
def test_ascii_stdout(where: str, args: list[str], exchange: str) -> None:
    messages: list[tuple[Any, bytes, dict[Any, Any]]] = [
        ("café.ünï", "héllo ✓ \u202e".encode(), {"clé": "välue"}),
        ("bin", b"\xff\xe9", {}),
        NEXT,
    ]
    run = listen_and_publish(
        where,
        ["-e", exchange, "-n", "3", *args],
        lambda: publish_all(exchange, messages),
        env=command_env(PYTHONIOENCODING="ascii"),
    )
    assert run.code == 0, run.err
    assert run.out.isascii()
    text = run.out.decode("ascii")
    assert_terminal_safe(text)
    if "--json" in args:
        assert json.loads(text.splitlines()[0])["subject"] == "café.ünï"
    else:
        assert "caf\\xe9.\\xfcn\\xef" in text and "next.ok" in text
    if "-q" not in args and "--json" not in args:
        assert "h\\xe9llo \\u2713 \\u202e" in text and "cl\\xe9=v\\xe4lue" in text


@pytest.mark.broker
def test_no_wrapping_or_padding(exchange: str) -> None:
    line = "w" * 500
    for where, args in (("pipe", []), ("pipe", ["--color", "always"]), ("pty", [])):
        run = listen_and_publish(
            where,
            ["-e", exchange, "-n", "1", *args],
            lambda: publish_all(exchange, [("wide", line.encode(), {"h": "v" * 200})]),
        )
        plain = SGR.sub("", run.out.decode())
        assert f"\n  | {line}\n" in plain and f"h={'v' * 200}\n" in plain
        assert not re.search(r" +\n", plain)
