"""output/top_sink.py: --top's sink, counting by a body path, JSON snapshots on a fake clock."""

from __future__ import annotations

import io
import json

from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.output.top_sink import NONE_KEY, Header, JsonSnapshots, TopSink, key_function
from pulp_amqp_tools.output.top_stats import TopStats

T0 = 1_700_000_000.0
HEADER = Header("amqp://guest@localhost:5672", "pulp", ("#", "a.*"), "subject")


def delivery(subject: str, body: bytes = b"{}", at: float = T0 + 1) -> Delivery:
    return Delivery(exchange="pulp", routing_key=subject, body=body, received_at=at)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def test_json_snapshots_now_every_interval_and_at_the_end() -> None:
    out, clock = io.StringIO(), Clock()
    sink = TopSink(TopStats(5, T0), key_function(None), JsonSnapshots(out, HEADER, 2.0), clock)
    sink.tick()  # at once, before any message
    sink.write(delivery("pulp.server.repo.sync.finish", b'{"payload": {"result": "failed"}}'))
    clock.now += 1
    sink.tick()  # not due yet
    clock.now += 1.5
    sink.tick()
    sink.close()
    snaps = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [s["total"] for s in snaps] == [0, 1, 1]
    assert snaps[0]["time"].endswith("Z") and snaps[0]["patterns"] == ["#", "a.*"] and snaps[0]["by"] == "subject"
    assert snaps[1]["rows"][0]["last_result"] == "failed"


def test_top_by_path_counts_values_and_a_missing_one_as_none() -> None:
    key_of = key_function(("body", "payload", "repo_id"))
    assert key_of(delivery("x", b'{"payload": {"repo_id": "zoo"}}')) == "zoo"
    assert key_of(delivery("x", b'{"payload": {"repo_id": 7}}')) == "7"
    assert key_of(delivery("x", b"not json")) == key_of(delivery("x", b"{}")) == NONE_KEY
    assert len(key_of(delivery("x", b'{"payload": {"repo_id": "%s"}}' % (b"z" * 10_000)))) < 300
    assert key_function(("headers", "h"))(Delivery("e", "k", b"", headers={"h": b"\xff"})) == "\\xff"
