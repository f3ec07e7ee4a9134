"""--top without a broker: the sink, JSON snapshots, the rich view's text, and the option checks."""

from __future__ import annotations

import io
import json

import pytest

from pulp_amqp_tools.commands import listen
from pulp_amqp_tools.commands.listen import ListenOptions
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.output.top_sink import NONE_KEY, Header, JsonSnapshots, TopSink, key_function
from pulp_amqp_tools.output.top_stats import TopStats
from pulp_amqp_tools.output.top_view import LiveView, age_text, merge_rows

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


def render_text(view: LiveView, stats: TopStats, now: float) -> str:
    from rich.console import Console

    console = Console(file=io.StringIO(), width=160, height=40, force_terminal=False, color_system=None)
    console.print(view.render(stats.snapshot(now)))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(text, str)
    return text


def test_the_view_shows_hostile_subjects_as_escaped_text() -> None:
    stats = TopStats(10, T0)
    evil = "evil.\x1b[2J\x1b]8;;http://x\x07[bold]b[/bold]:smile:\u202e\x9b"
    stats.add(evil, T0 + 0.5)
    stats.add("pulp.server.repo.sync.finish", T0 + 0.6, b'{"payload": {"result": "success"}}')
    view = LiveView(io.StringIO(), HEADER, color=False, keys=None)
    try:
        text = render_text(view, stats, T0 + 1)
    finally:
        view.close(stats.snapshot(T0 + 1), T0 + 1, True)
    assert "evil.\\x1b[2J\\x1b]8;;http://x\\x07[bold]b[/bold]:smile:\\u202e\\x9b" in text
    assert "\x1b" not in text and "\x9b" not in text and "😄" not in text
    assert "exchange pulp" in text and "total 2" in text and "success" in text


def test_rows_that_do_not_fit_the_terminal_join_other() -> None:
    stats = TopStats(10, T0)
    for i, key in enumerate("aaabbc"):
        stats.add(key, T0 + i * 0.1)
    snap = stats.snapshot(T0 + 1)
    rows, other = merge_rows(snap.rows, snap.other, 1)
    assert [r.key for r in rows] == ["a"] and other is not None and other.count == 3
    assert merge_rows(snap.rows, snap.other, 5) == (snap.rows, snap.other)
    assert age_text(None) == "" and age_text(3.21) == "3.2s ago" and age_text(300) == "5m ago"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--top-rows", "3"], "--top-rows needs --top"),
        (["--exec-timeout", "3"], "--exec-timeout needs --exec"),
        (["--max-retries", "0"], "--max-retries needs --exec"),
        (["--top", "-q"], "--top is not allowed with -q"),
        (["--top", "--exec", "true"], "--top is not allowed with --exec"),
        (["--exec", "true", "--queue", "q", "--queue-type", "stream"], "not --queue-type stream"),
        (["--exec", "true", "--save-dir", "/nonexistent-dir"], "--save-dir is not allowed with --exec"),
        (["--peek", "--queue", "q", "--exec", "true"], "--peek is not allowed with --exec"),
        (["--peek", "--queue", "q", "--top"], "--peek is not allowed with --exec or --top"),
        (["--exec", ""], "--exec needs a command"),
        (["--exec", "true", "--exec-timeout", "0"], None),
    ],
)
def test_option_combinations_are_usage_errors(args: list[str], says: str | None) -> None:
    parser = listen.build_parser()
    if says is None:
        with pytest.raises(SystemExit) as exc:
            parser.parse_args(["-e", "x", *args])
        assert exc.value.code == 2
        return
    with pytest.raises(UsageError, match=says):
        listen.options_from_args(parser.parse_args([*([] if "--peek" in args else ["-e", "x"]), *args]), {})


def test_resolved_options() -> None:
    parser = listen.build_parser()

    def resolve(*args: str) -> ListenOptions:
        return listen.options_from_args(parser.parse_args([*([] if "--peek" in args else ["-e", "x"]), *args]), {})

    plain = resolve("--exec", "sh -c 'exit 0'")
    assert plain.mode == "none" and plain.prefetch == 1 and plain.handler is not None
    assert plain.handler.argv == ("sh", "-c", "exit 0") and plain.handler.executable.endswith("/sh")
    assert plain.handler.max_retries == 5 and plain.handler.retry_status == 75
    both = resolve("--exec", "true", "--json", "--exec-concurrency", "4", "--max-retries", "0", "--retry-status", "3")
    assert both.mode == "json" and both.prefetch == 4 and both.handler is not None
    assert (both.handler.concurrency, both.handler.max_retries, both.handler.retry_status) == (4, 0, 3)
    assert resolve("--exec", "true", "--prefetch", "50").prefetch == 50
    top = resolve("--top", "--json", "--top-by", "payload.repo_id", "--top-rows", "7", "--top-every", "0.5")
    assert top.mode == "none" and top.prefetch == 1000 and top.top is not None and top.handler is None
    assert (top.top.by, top.top.by_text, top.top.rows, top.top.every, top.top.json) == (
        ("body", "payload", "repo_id"),
        "payload.repo_id",
        7,
        0.5,
        True,
    )
    assert resolve("--top").top == type(top.top)()
