"""pulp-listen's options: usage rules, resolved options, queue types, and a first connection that fails fast."""

from __future__ import annotations

import time

import pytest

from pulp_amqp_tools.commands import emit, listen
from pulp_amqp_tools.commands.listen import ListenOptions
from pulp_amqp_tools.errors import ToolError, UsageError
from tests.support.processes import run


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


def test_bad_where_is_a_usage_error_before_connecting() -> None:
    result = run("listen", "-a", "192.0.2.1", "--where", "payload.result")
    assert result.returncode == 2
    assert b"PATH=VALUE" in result.stderr and result.stderr.count(b"\n") == 1


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--queue", "q"], "quorum"),
        (["--queue", "q", "--queue-type", "quorum"], "quorum"),
        (["--queue", "q", "--queue-type", "classic"], "classic"),
        ([], None),  # a private queue: exclusive, so always classic, and not ours to choose
    ],
)
def test_a_named_queue_is_quorum_unless_told_otherwise(argv: list[str], expected: str | None) -> None:
    options = listen.options_from_args(listen.build_parser().parse_args(argv), {})
    assert options.queue_type == expected


def test_address_takes_a_comma_separated_cluster_and_reconnect_flags() -> None:
    args = listen.build_parser().parse_args(
        [
            "-a",
            "n1, n2,n3",
            "-p",
            "5673",
            "--no-reconnect",
            "--blocked-timeout",
            "2",
            "--queue",
            "q",
            "--queue-type",
            "quorum",
        ]
    )
    options = listen.options_from_args(args, {})
    assert options.broker.endpoints == (("n1", 5673), ("n2", 5673), ("n3", 5673))
    assert options.broker.reconnect is False and options.broker.blocked_timeout == 2
    assert options.queue_type == "quorum"
    defaults = listen.options_from_args(listen.build_parser().parse_args([]), {"AMQP_URL": "amqp://h1,amqp://h2:5"})
    assert defaults.broker.endpoints == (("h1", 5672), ("h2", 5)) and defaults.broker.reconnect is True
    with pytest.raises(ToolError, match="--queue-type needs --queue"):
        listen.options_from_args(listen.build_parser().parse_args(["--queue-type", "quorum"]), {})
    emit_options = emit.options_from_args(emit.build_parser().parse_args(["--sequence-header", "seq"]), {})
    assert emit_options.sequence_header == "seq"


def test_first_connection_fails_fast_instead_of_retrying() -> None:
    started = time.monotonic()
    result = run("listen", "-u", "amqp://guest:guest@127.0.0.1:1/%2F", "-q")
    assert result.returncode == 3, result.stderr
    assert time.monotonic() - started < 15
    assert b"connection refused" in result.stderr and b"Traceback" not in result.stderr
