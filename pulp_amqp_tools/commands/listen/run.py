"""pulp-listen's wiring: stdout, the sinks (renderer, --save-dir, --exec, --top) and the loop, for one run."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO, cast

from pulp_amqp_tools.cli.environment import Environment
from pulp_amqp_tools.exitcodes import ExitStatus

if TYPE_CHECKING:
    from pulp_amqp_tools.commands.listen.options import ListenOptions, TopOptions
    from pulp_amqp_tools.handlers.exec_sink import ExecSink
    from pulp_amqp_tools.loops.sinks import Ticket
    from pulp_amqp_tools.output.render import Renderer
    from pulp_amqp_tools.output.savedir import SaveDir
    from pulp_amqp_tools.output.sink import Sink
    from pulp_amqp_tools.output.top_sink import TopSink


class ClosedOutput:
    """stdout when the shell closed it: the first message written ends the run like `| head -0`
    (a broken pipe: exit 0, quietly), so nothing is acknowledged that nobody saw."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "stdout is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def listen(options: ListenOptions, env: Environment) -> ExitStatus:
    """Consume until --count, --timeout or a signal; write each message to env's stdout (or hand it
    to --exec's handlers, or count it for --top)."""
    from pulp_amqp_tools.output import render
    from pulp_amqp_tools.output.sink import Sink

    env.warn(options.broker.warnings)
    if env.stdout is None:  # started with stdout closed (>&-): as if the reader went away at once
        env.stdout = cast(TextIO, ClosedOutput())
    if hasattr(env.stdout, "reconfigure"):
        # Untrusted text must never crash the writer: unencodable characters become escapes.
        env.stdout.reconfigure(errors="backslashreplace")
    color = options.mode == "pretty" and env.color(options.color)
    keeper = _save_dir(options.save_dir) if options.save_dir is not None else None  # checked before connecting
    _requeue_key(options, env)
    # Lines reach a pipe without ever stalling the AMQP loop (sink.py); not so with --exec, whose
    # handlers write to the same pipe and would find it non-blocking.
    sink = Sink(env.stdout, nonblocking=options.handler is None)
    handler = _handler(options, env)
    top: TopSink | None = None
    try:
        if options.top is not None:
            top, notice = _top(options, options.top, env, sink)
            return _consume(options, top, sink, notice, keeper, handler, top)
        renderer = render.make_renderer(
            options.mode, cast(TextIO, sink), color=color, terminal=env.stdout_isatty, full=options.full
        )
        return _consume(options, renderer, sink, env.notice, keeper, handler, None)
    finally:
        _close_all(sink, top, handler, keeper)


def _close_all(sink: Sink, top: TopSink | None, handler: ExecSink[Ticket] | None, keeper: SaveDir | None) -> None:
    """The last --top snapshot (or the terminal given back), the handlers, the output, the saved files."""
    try:
        if top is not None:
            top.close()
            _quietly(sink.drain)
    finally:
        if handler is not None:
            handler.close()  # handlers still running are ended: their messages come again
        sink.close()
        if keeper is not None:
            keeper.close()


def _requeue_key(options: ListenOptions, env: Environment) -> None:
    """The key that tells --exec's requeued copies in a --queue (this run's or an earlier one's)
    from forged ones (handlers/requeue_key.py); a private queue holds this run's only."""
    if options.spec.private:
        return
    from pulp_amqp_tools.handlers import requeue_key
    from pulp_amqp_tools.messages import retries

    key = requeue_key.load(requeue_key.key_path(env.environ), options.handler is not None, env.notice)
    if key is not None:
        retries.use_key(key)


def _save_dir(path: str) -> SaveDir:
    from pulp_amqp_tools.output.savedir import SaveDir

    return SaveDir(path)


def _quietly(step: Callable[[], object]) -> None:
    try:
        step()
    except OSError:
        pass  # the reader went away: nothing more to say


def _handler(options: ListenOptions, env: Environment) -> ExecSink[Ticket] | None:
    """--exec's handlers, or None."""
    if options.handler is None:
        return None
    from pulp_amqp_tools.handlers.exec_sink import ExecSink

    if options.spec.private:
        env.notice(
            "requeued messages are lost when pulp-listen ends: they wait in its private queue, which "
            "ends with it (--queue NAME keeps them)"
        )
    return ExecSink(options.handler, env.notice)


def _top(
    options: ListenOptions, top: TopOptions, env: Environment, sink: Sink
) -> tuple[TopSink, Callable[[str], None]]:
    """--top's sink and display, and where notices go meanwhile (into the view, when it owns stderr's terminal)."""
    import time

    from pulp_amqp_tools.output.top_sink import Header, JsonSnapshots, TopSink, key_function
    from pulp_amqp_tools.output.top_stats import TopStats

    topology = options.spec.topology
    exchanges = tuple(name for name in (topology.exchange, *topology.more_exchanges) if name)
    patterns = tuple(binding.key for binding in topology.bindings)
    patterns = patterns or (("#",) if topology.exchange_type == "topic" else ())
    header = Header(options.broker.describe(), ", ".join(exchanges), patterns, top.by_text)
    stats = TopStats(top.rows, time.time())
    if top.json or not env.stdout_isatty:
        return TopSink(stats, key_function(top.by), JsonSnapshots(cast(TextIO, sink), header, top.every)), env.notice
    from pulp_amqp_tools.output.keys import KeyReader
    from pulp_amqp_tools.output.top_view import LiveView

    keys = KeyReader(env.stdin.fileno()) if env.stdin_isatty else None
    view = LiveView(env.stdout, header, env.color(options.color), keys, env.notice)
    return TopSink(stats, key_function(top.by), view), view.note if env.stderr_isatty else env.notice


def _consume(
    options: ListenOptions,
    renderer: Renderer,
    sink: Sink,
    notice: Callable[[str], None],
    keeper: SaveDir | None,
    handler: ExecSink[Ticket] | None,
    ticker: TopSink | None,
) -> ExitStatus:
    """The broker's part: listen's loop (or peek's) over a transport, on the options' own spec."""
    from pulp_amqp_tools.loops import listen as listen_loop
    from pulp_amqp_tools.transport import open_transport

    transport = open_transport(options.broker, notice)
    if options.peek:
        from pulp_amqp_tools.loops import peek

        return peek.run(options.spec, transport, renderer, sink, notice)
    return listen_loop.run(options.spec, transport, renderer, sink, notice, keeper, handler, ticker)
