"""--top's figures without a broker: counts, 10 s rates, the sparkline, bounded rows, JSON snapshots."""

from __future__ import annotations

import json
import time
import tracemalloc

from pulp_amqp_tools.output.top_stats import OTHER, TopStats, finish_result, snapshot_record, sparkline

T0 = 1_700_000_000.0


def test_counts_rates_and_ages_per_key() -> None:
    stats = TopStats(rows=10, started=T0)
    for i in range(20):  # a: 2 per second for 10 s
        stats.add("a", T0 + i * 0.5)
    stats.add("b", T0 + 9.5)
    snap = stats.snapshot(T0 + 10.0)
    assert [(r.key, r.count) for r in snap.rows] == [("a", 20), ("b", 1)]
    a, b = snap.rows
    assert a.rate_recent == 2.0 and a.rate_average == 2.0
    # The window is whole seconds, the newest still filling: at T0 + 10.0 it spans T0 + 1 .. T0 + 10.
    assert b.rate_recent == 1 / 9 and b.age is not None and abs(b.age - 0.5) < 1e-6
    assert snap.total == 21 and snap.other is None
    assert abs(snap.rate_recent - 19 / 9) < 1e-9


def test_recent_rate_forgets_what_is_older_than_ten_seconds() -> None:
    stats = TopStats(rows=10, started=T0)
    for i in range(100):
        stats.add("burst", T0 + i / 100)  # 100 in the first second
    assert stats.snapshot(T0 + 5).rows[0].rate_recent == 100 / 5  # window = time elapsed so far
    assert stats.snapshot(T0 + 9.5).rows[0].rate_recent == 100 / 9.5
    assert stats.snapshot(T0 + 10.5).rows[0].rate_recent == 0.0  # the first second left the window
    late = stats.snapshot(T0 + 11.2)
    assert late.rows[0].rate_recent == 0.0 and late.rate_recent == 0.0
    assert late.rows[0].count == 100 and abs(late.rows[0].rate_average - 100 / 11.2) < 1e-6
    stats.add("burst", T0 + 30)  # a gap longer than the window clears the ring
    assert stats.snapshot(T0 + 30.5).rows[0].rate_recent == 1 / 9.5


def test_a_clock_stepping_back_is_counted_in_the_newest_second() -> None:
    stats = TopStats(rows=10, started=T0)
    stats.add("k", T0 + 5)
    stats.add("k", T0 + 2)  # NTP stepped back
    snap = stats.snapshot(T0 + 5.5)
    assert snap.rows[0].count == 2 and snap.spark[-1] == 2


def test_sparkline_is_the_last_minute_per_second() -> None:
    stats = TopStats(rows=10, started=T0)
    for second, n in ((0, 1), (1, 4), (3, 2)):
        for _ in range(n):
            stats.add("k", T0 + second + 0.1)
    spark = stats.snapshot(T0 + 3.5).spark
    assert len(spark) == 60 and spark[-4:] == (1, 4, 0, 2) and sum(spark) == 7
    assert stats.snapshot(T0 + 70).spark == (0,) * 60  # a minute later it has all scrolled away
    assert sparkline((0, 1, 4, 8)) == "▁▂▅█" and sparkline((0, 0)) == "▁▁" and sparkline(()) == ""


def test_rows_beyond_the_limit_are_other_and_totals_add_up() -> None:
    stats = TopStats(rows=3, started=T0)
    for i, key in enumerate("aaaaabbbbccdef"):
        stats.add(key, T0 + i * 0.1)
    snap = stats.snapshot(T0 + 2)
    assert [r.key for r in snap.rows] == ["a", "b", "c"]
    assert snap.other is not None and snap.other.key == OTHER and snap.other.count == 3
    assert sum(r.count for r in snap.rows) + snap.other.count == snap.total == 14


def test_ten_thousand_distinct_subjects_keep_memory_and_rows_bounded() -> None:
    stats = TopStats(rows=50, started=T0)
    for i in range(300):  # a busy key first: it must survive the flood
        stats.add("pulp.server.repo.sync.finish", T0 + i * 0.001)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        started = time.perf_counter()
        for i in range(10_000):
            stats.add(f"flood.{i}.\x1b[31m", T0 + 1 + i * 0.0001)
        spent = time.perf_counter() - started
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    assert stats.tracked <= 100
    assert grown < 200_000, grown  # a few dozen keys' worth, not 10,000
    assert spent < 5.0  # linear: a scan per new key (10,000 x 10,000) would take far longer, even idle
    snap = stats.snapshot(T0 + 3)
    assert len(snap.rows) == 50 and snap.rows[0].key == "pulp.server.repo.sync.finish"
    assert snap.other is not None and snap.total == 10_300
    assert sum(r.count for r in snap.rows) + snap.other.count == 10_300
    assert snap.distinct_dropped > 9_000


def test_finish_result_is_parsed_only_when_shown_and_never_raises() -> None:
    stats = TopStats(rows=5, started=T0)
    stats.add("pulp.server.repo.sync.finish", T0, b'{"payload": {"result": "success"}}')
    stats.add("pulp.server.repo.sync.finish", T0 + 1, b'{"payload": {"result": "failed"}}')
    stats.add("x", T0 + 1)
    rows = {r.key: r for r in stats.snapshot(T0 + 2).rows}
    assert rows["pulp.server.repo.sync.finish"].result == "failed" and rows["x"].result is None
    for hostile in (b"\xff\xfe", b"[" * 100_000, b"[]", b'{"payload": 3}', b'{"payload": {"result": 1e400}}', b"NaN"):
        finish_result(hostile)  # must not raise
    assert finish_result(b'{"payload": {"result": {"a": 1}}}') == '{"a": 1}'
    assert finish_result(b'{"payload": {"result": null}}') is None


def test_snapshot_record_is_plain_json() -> None:
    stats = TopStats(rows=1, started=T0)
    stats.add("a\u202eb", T0 + 0.4)
    stats.add("a\u202eb", T0 + 0.5, b'{"payload": {"result": "success"}}')
    stats.add("c", T0 + 0.6)
    record = snapshot_record(stats.snapshot(T0 + 1), {"exchange": "pulp", "patterns": ["#"]})
    text = json.dumps(record)
    assert text.isascii()
    back = json.loads(text)
    assert back["exchange"] == "pulp" and back["total"] == 3 and len(back["per_second"]) == 60
    assert back["rows"] == [
        {"key": "a\u202eb", "count": 2, "rate_10s": 2.0, "rate_avg": 2.0, "last_age": 0.5, "last_result": "success"}
    ]
    assert back["other"]["key"] == OTHER and back["other"]["count"] == 1
