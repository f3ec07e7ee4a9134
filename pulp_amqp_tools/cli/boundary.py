"""The one error boundary: every failure becomes one stderr line and a documented exit status."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterable
from types import FrameType
from typing import NoReturn

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


def notice(prog: str, message: str) -> None:
    """One line on stderr (never stdout, which carries data only); nothing when stderr is closed.

    `one_line` once more over the whole line: whatever a message quotes (a host from AMQP_URL, a
    broker's reply text) can never split it. It leaves text that was escaped already as it is.
    """
    stream = sys.stderr
    if stream is None:  # started with stderr closed (2>&-): Python gives us None
        return
    try:
        stream.write(f"{prog}: {one_line(message)}\n")
        stream.flush()
    except (OSError, ValueError):
        pass


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


def warn(prog: str, warnings: Iterable[str]) -> None:
    """Each warning as its own `prog: warning: ...` line on stderr."""
    for text in warnings:
        notice(prog, f"warning: {text}")


def _quiet_stdout() -> None:
    # Python docs, "Note on SIGPIPE": point stdout at devnull so the interpreter's final flush
    # does not raise again. SIGPIPE stays ignored: SIG_DFL would let the AMQP socket kill us.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # None: stdout was closed from the start
        pass


def run(prog: str, body: Callable[[], int], traceback: bool = False) -> int:
    """Run a command's body; map what escapes it to one line and an exit status."""
    previous = {sig: signal.signal(sig, _on_sigterm) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return int(body())
    except ToolError as exc:
        notice(prog, f"error: {exc.message}")
        return int(exc.status)
    except KeyboardInterrupt:
        return int(ExitStatus.INTERRUPTED)
    except Terminated as stop:
        return int(stop.status)
    except BrokenPipeError:
        _quiet_stdout()
        return int(ExitStatus.OK)
    except Exception as exc:
        if traceback:
            raise
        if "pika" in sys.modules:
            from pulp_amqp_tools.amqp091.connect import translate_unbound

            error = translate_unbound(exc)
            if error is not None:
                notice(prog, f"error: {error.message}")
                return int(error.status)
        notice(
            prog,
            f"internal error: {type(exc).__name__}: {one_line(str(exc))} (run again with --traceback and report it)",
        )
        return int(ExitStatus.ERROR)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
