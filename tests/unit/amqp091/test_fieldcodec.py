"""amqp091/fieldcodec.py: AMQP field tables decoded without loss, an undecodable one kept as bytes."""

from __future__ import annotations

import struct
from datetime import datetime, timezone

import pika.data
import pytest

from pulp_amqp_tools.amqp091 import fieldcodec


def table(*entries: bytes) -> bytes:
    payload = b"".join(entries)
    return struct.pack(">I", len(payload)) + payload


def entry(key: bytes, value: bytes) -> bytes:
    return bytes([len(key)]) + key + value


def nested(depth: int) -> bytes:
    value = b"V"
    for _ in range(depth):
        value = b"F" + table(entry(b"k", value))
    return value


@pytest.fixture
def codec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pika.data, "decode_value", pika.data.decode_value)
    monkeypatch.setattr(pika.data, "decode_table", pika.data.decode_table)
    fieldcodec.install()


@pytest.mark.usefixtures("codec")
def test_fieldcodec_keeps_floats_and_timestamps() -> None:
    raw = table(
        entry(b"d", b"d" + struct.pack(">d", 1.5)),
        entry(b"f", b"f" + struct.pack(">f", 2.5)),
        entry(b"t", b"T" + struct.pack(">Q", 1_700_000_000)),
        entry(b"far", b"T" + struct.pack(">Q", 2**63)),
        entry(b"s", b"S" + struct.pack(">I", 1) + b"\xff"),
        entry(b"n", nested(3)),
    )
    decoded, end = pika.data.decode_table(b"junk" + raw, 4)
    assert end == 4 + len(raw)
    assert decoded["d"] == 1.5 and decoded["f"] == 2.5
    assert decoded["t"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    assert decoded["far"] == 2**63  # past year 9999: its seconds, not an OverflowError
    assert decoded["s"] == b"\xff" and decoded["n"] == {"k": {"k": {"k": None}}}


@pytest.mark.usefixtures("codec")
@pytest.mark.parametrize(
    "hostile", [nested(fieldcodec.MAX_DEPTH + 1), nested(5000), b"?", b"A" + struct.pack(">I", 50)]
)
def test_fieldcodec_turns_an_undecodable_table_into_its_bytes(hostile: bytes) -> None:
    raw = table(entry(b"ok", b"t\x01"), entry(b"bad", hostile))
    decoded, end = pika.data.decode_table(raw + b"rest", 0)
    assert end == len(raw)
    assert decoded == {fieldcodec.UNDECODABLE: raw[4:]}
    # and the decoder is usable again afterwards
    assert pika.data.decode_table(table(entry(b"n", nested(2))), 0)[0] == {"n": {"k": {"k": None}}}
