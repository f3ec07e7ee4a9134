"""What --exec's options decide: the fate of a message from its handler's exit status. Pure.

| handler                          | fate                                                      |
| exit 0                           | acknowledged                                              |
| exit --retry-status (75)         | requeued, until --max-retries requeues; then rejected     |
| any other exit, killed, timed out| rejected (dead-lettered when the queue has a DLX)          |

Requeues are counted in a signed header of our own on the message (messages/retries.py), not in
memory and not by the handler, so the count survives a restart of the listener and a handler
cannot keep a message cycling forever.
"""

from __future__ import annotations

from dataclasses import dataclass

from pulp_amqp_tools.transport.interface import Outcome

DEFAULT_RETRY_STATUS = 75  # EX_TEMPFAIL (sysexits.h): "try again later"
DEFAULT_MAX_RETRIES = 5
DEFAULT_CONCURRENCY = 1  # --exec-concurrency
KILL_GRACE = 2.0  # seconds between SIGTERM and SIGKILL for a handler's process group


@dataclass(frozen=True)
class ExecOptions:
    """--exec and its companions, resolved."""

    argv: tuple[str, ...]  # the command and its arguments, as written
    executable: str  # argv[0] resolved to a file before consuming
    timeout: float | None = None  # --exec-timeout SECS
    concurrency: int = DEFAULT_CONCURRENCY  # --exec-concurrency N
    max_retries: int = DEFAULT_MAX_RETRIES  # --max-retries N
    retry_status: int = DEFAULT_RETRY_STATUS  # --retry-status CODE


PAST = {Outcome.ACK: "acknowledged", Outcome.REQUEUE: "requeued", Outcome.REJECT: "rejected"}


@dataclass(frozen=True)
class Verdict:
    """A fate and, for anything but a plain success, why (for one notice line).

    REQUEUE here means the counted requeue of messages/retries.py, never AMQP's plain one.
    """

    fate: Outcome
    reason: str = ""


def decide(returncode: int, timed_out: bool, retries: int, options: ExecOptions) -> Verdict:
    """The fate of a message whose handler ended with `returncode` (negative: killed by a signal)."""
    if timed_out:
        return Verdict(Outcome.REJECT, f"ran over --exec-timeout {options.timeout:g} s and was killed")
    if returncode == 0:
        return Verdict(Outcome.ACK)
    if returncode < 0:
        return Verdict(Outcome.REJECT, f"was killed by signal {-returncode}")
    if returncode != options.retry_status:
        return Verdict(Outcome.REJECT, f"exited {returncode}")
    if retries >= options.max_retries:
        return Verdict(Outcome.REJECT, f"exited {returncode} after {retries} requeues (--max-retries)")
    return Verdict(Outcome.REQUEUE, f"exited {returncode} (requeue {retries + 1} of {options.max_retries})")
