"""The exit statuses both commands return, documented in docs/exit-codes.md and the man pages."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    OK = 0
    ERROR = 1  # an unexpected internal error (a bug): please report it
    USAGE = 2  # bad options or values, rejected before connecting
    CONNECTION = 3  # could not connect (refused, unknown host, timeout, TLS) or lost it
    ACCESS = 4  # authentication failed, unknown vhost or permission refused
    BROKER = 5  # the broker refused an operation (missing exchange, type mismatch, ...)
    TIMEOUT = 6  # listen --timeout: no message arrived at all
    NOT_DELIVERED = 7  # emit: a message was not confirmed (or, with --fail-unroutable, not routed)
    DEADLINE = 8  # listen --deadline: the total time ran out before --count messages
    FAILED_MATCH = 9  # listen --fail-where: a message met the failure conditions
    SAVE_FAILED = 10  # listen --save-dir: a message's file could not be written (it was not acknowledged)
    HANGUP = 129  # SIGHUP: the terminal went away
    INTERRUPTED = 130  # Ctrl-C (SIGINT)
    TERMINATED = 143  # SIGTERM
