"""The one error boundary: every failure becomes one stderr line and a documented exit status."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import NoReturn, TextIO

from pulp_amqp_tools.cli.environment import Environment
from pulp_amqp_tools.errors import ToolError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages.safetext import one_line


class Terminated(BaseException):
    """Raised from the SIGTERM and SIGHUP handlers so `finally` blocks close the connection cleanly."""

    def __init__(self, status: ExitStatus = ExitStatus.TERMINATED) -> None:
        super().__init__(status)
        self.status = status


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated(ExitStatus.HANGUP if signum == signal.SIGHUP else ExitStatus.TERMINATED)


def reserve_standard_fds() -> None:
    """Point closed fds 0-2 at /dev/null, before anything opens a file or a socket.

    Started with `>&-` or `2>&-`, the next file opened would become fd 1 or 2: the AMQP socket,
    and a stray write to "stdout" would go to the broker. sys.stdout/sys.stderr stay None, so
    the commands still know the stream was closed.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                opened = os.open(os.devnull, os.O_RDWR)
            except OSError:
                return
            if opened != fd:  # a lower fd was free after all: keep only what fills the gap
                os.close(opened)


def _quiet_stdout(stdout: TextIO) -> None:
    # Python docs, "Note on SIGPIPE": point stdout at devnull so the interpreter's final flush
    # does not raise again. SIGPIPE stays ignored: SIG_DFL would let the AMQP socket kill us.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
    except (AttributeError, OSError, ValueError):  # None: stdout was closed from the start
        pass


def run(env: Environment, body: Callable[[], int], traceback: bool = False) -> int:
    """Run a command's body; map what escapes it to one line on env's stderr and an exit status."""
    previous = {sig: signal.signal(sig, _on_sigterm) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return int(body())
    except ToolError as exc:
        env.notice(f"error: {exc.message}")
        return int(exc.status)
    except KeyboardInterrupt:
        return int(ExitStatus.INTERRUPTED)
    except Terminated as stop:
        return int(stop.status)
    except BrokenPipeError:
        _quiet_stdout(env.stdout)
        return int(ExitStatus.OK)
    except Exception as exc:
        if traceback:
            raise
        return _unexpected(env, exc)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _unexpected(env: Environment, exc: Exception) -> int:
    """A transport's own exception that escaped unmapped, else a bug: one line either way."""
    from pulp_amqp_tools.transport import translate_unbound

    error = translate_unbound(exc)
    if error is not None:
        env.notice(f"error: {error.message}")
        return int(error.status)
    env.notice(f"internal error: {type(exc).__name__}: {one_line(str(exc))} (run again with --traceback and report it)")
    return int(ExitStatus.ERROR)


def exit_now(status: int) -> NoReturn:
    """End a command-line run with `status` once stdout and stderr are flushed.

    Skips the interpreter's teardown (freeing every module pika and we imported), which costs a
    one-shot `pulp-emit` more than its whole exchange with the broker: ~15 ms measured here.
    Only for the console entry points: everything was closed by main()'s own `finally` blocks.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None: started with the stream closed
                stream.flush()
        except (OSError, ValueError):
            pass  # a reader that went away (| head) or a closed stream: nothing left to say
    os._exit(status)
