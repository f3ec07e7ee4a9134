"""How listen ends for a script: --deadline and --fail-where outcomes and their exit statuses. Pure."""

from __future__ import annotations

from pulp_amqp_tools.errors import ToolError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.messages.safetext import quoted


def failed(delivery: Delivery) -> ToolError:
    """A message met --fail-where: it was printed; the script is to fail."""
    return ToolError(f"a message met --fail-where: {quoted(delivery.subject)}", ExitStatus.FAILED_MATCH)


def deadline_passed(seen: int, count: int | None, deadline: float) -> ExitStatus:
    """--deadline ran out: fine if nothing more was awaited, else DEADLINE (raised as one stderr line)."""
    if count is None and seen:
        return ExitStatus.OK
    wanted = f"{seen} of {count}" if count is not None else "no"
    raise ToolError(f"--deadline of {deadline:g} s passed with {wanted} messages", ExitStatus.DEADLINE)
