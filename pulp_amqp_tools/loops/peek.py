"""--peek's loop, above amqp091/peek.py (its pika side): what a queue holds -> --where -> render; nothing acked.

Every message taken goes back into the queue when the peek ends (Link.peek): other consumers of
the queue do not get the messages the peek holds until then, and get them again (marked
redelivered where the broker does that: Capabilities.requeue_marks_redelivered). -n counts shown
messages; --fail-where ends it with exit 9 once the message is out.
One look, no reconnecting: a lost connection is an error, and the broker gives the messages back.

Protocol-neutral: the broker is reached through transport.interface only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.loops.fitting import fit_queue
from pulp_amqp_tools.messages import filters, stopping
from pulp_amqp_tools.messages.counts import plural
from pulp_amqp_tools.messages.safetext import quoted

if TYPE_CHECKING:
    from pulp_amqp_tools.loops.listen import ListenSpec
    from pulp_amqp_tools.messages.delivery import Delivery
    from pulp_amqp_tools.messages.filters import Selector
    from pulp_amqp_tools.output.render import Renderer
    from pulp_amqp_tools.output.sink import Sink
    from pulp_amqp_tools.transport.interface import Transport

FLUSH_EVERY = 256  # messages between writes to stdout, so a long peek does not pile up its lines


def run(
    spec: ListenSpec, transport: Transport, renderer: Renderer, out: Sink, notice: Callable[[str], None]
) -> ExitStatus:
    """Show the messages of the spec's queue (the first --count shown), give them all back, exit 0."""
    queue = spec.topology.queue
    assert queue is not None and queue.name is not None, "--peek needs --queue NAME"
    selector = filters.selector(spec.where, spec.fail_where)
    properties = spec.properties or (selector is not None and selector.needs_properties)
    link = transport.connect()
    marked = link.broker.requeue_marks_redelivered
    try:
        messages = link.peek(fit_queue(queue, link.broker), properties)
        try:
            taken, shown = _show(messages, spec, selector, renderer, out)
        finally:
            messages.close()  # every message goes back into the queue
        out.drain()
    finally:
        link.close()
    notice(summary(queue.name, taken, shown if spec.where else None, marked))
    return ExitStatus.OK


def _show(
    messages: Iterable[Delivery], spec: ListenSpec, selector: Selector | None, renderer: Renderer, out: Sink
) -> tuple[int, int]:
    """Write what --where selects, up to --count; (messages taken, messages shown)."""
    taken = shown = 0
    for delivery in messages:
        taken += 1
        if selector is None or selector.accept(delivery):
            renderer.write(delivery)
            shown += 1
        if selector is not None and selector.failed is not None:
            out.drain()  # the message that met --fail-where is shown before the error line
            raise stopping.failed(selector.failed)
        if spec.count is not None and shown >= spec.count:
            break
        if taken % FLUSH_EVERY == 0:
            out.flush()
    return taken, shown


def summary(queue: str, taken: int, shown: int | None, marked: bool = True) -> str:
    """`peeked at 5 messages in queue 'q'; every one is back in the queue, marked redelivered`
    (`marked`: the broker marks a message it takes back)."""
    selected = f" ({shown} shown by --where)" if shown is not None else ""
    back = "; every one is back in the queue" + (", marked redelivered" if taken and marked else "")
    return f"peeked at {plural(taken, 'message')} in queue {quoted(queue)}{selected}{back}"
