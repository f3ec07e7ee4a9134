"""listen's loop, the level below commands/listen/: deliveries -> --where -> render -> stdout -> ack; reconnects.

Messages are acknowledged only after their lines were written and flushed, in one settle of many
per batch, so a durable --queue loses nothing on Ctrl-C or a crash, and a paused stdout stops the
broker sending (back-pressure, up to --prefetch) instead of growing our memory.

After the first connection, a lost connection, a cancelled consumer (queue deleted) or a deleted
exchange sets everything up again unless --no-reconnect: written but unacknowledged messages come
again, marked redelivered. A pipe whose reader pauses never stalls this thread (output/sink.py):
acks wait until the lines are out, heartbeats go on. A terminal that blocks (Ctrl-S) does stall
it; the broker then drops us and we reconnect once the write returns.

Protocol-neutral: the broker is reached through transport.interface only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from pulp_amqp_tools.errors import BrokerError, ToolError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.loops import receivers, reconnected
from pulp_amqp_tools.loops.budget import ByteBudget
from pulp_amqp_tools.loops.fitting import fit
from pulp_amqp_tools.loops.requeue import Requeuer
from pulp_amqp_tools.loops.sinks import Deferring, Keeper, Ticking, Titled
from pulp_amqp_tools.loops.specs import ListenSpec as ListenSpec  # where callers found it first
from pulp_amqp_tools.messages import filters, stopping
from pulp_amqp_tools.transport.interface import (
    ConnectionLost,
    Consumer,
    Link,
    OnDelivery,
    Outcome,
    TopologyLost,
    Transport,
)

if TYPE_CHECKING:
    from pulp_amqp_tools.output.render import Renderer
    from pulp_amqp_tools.output.sink import Sink


def ready_line(described: str, again: str | None = None, note: str | None = None) -> str:
    """The stderr line once listening on `described` (Consumer.description: `exchange 'x' (topic) for '#'
    (queue 'q')`, with a stream where reading starts); `again` ("reconnected (host:port)") after a
    reconnect; `note`: what the user must know besides (--trace)."""
    if again is None:
        return f"listening on {described}{'; ' + note if note else ''}; Ctrl-C to stop"
    return f"{again}: listening again on {described}"


def run(
    spec: ListenSpec,
    transport: Transport,
    renderer: Renderer,
    out: Sink,
    notice: Callable[[str], None],
    keeper: Keeper | None = None,
    handler: Deferring | None = None,
    ticker: Ticking | None = None,
) -> ExitStatus:
    """Run the listener until --count, --timeout, --deadline, a signal or an error, reconnecting on loss.

    With a `keeper`, each shown message is kept there before it is written, and kept durably
    before it is acknowledged. `handler` (--exec) settles each selected message itself, later;
    `ticker` (--top) is called between batches. See loops/sinks.py.
    """
    listener = Listener(spec, transport, renderer, out, notice, keeper)
    listener.handler = handler
    listener.ticker = ticker
    return listener.run()


class Listener:
    """What survives a reconnect: counts, the idle clock, the deadline, what waits to be acknowledged."""

    def __init__(
        self,
        spec: ListenSpec,
        transport: Transport,
        renderer: Renderer,
        out: Sink,
        notice: Callable[[str], None],
        keeper: Keeper | None = None,
    ) -> None:
        self.spec = spec
        self.keeper = keeper
        self.transport = transport
        self.renderer = renderer
        self.out = out
        self.notice = notice
        self.seen = 0
        self.seen_before = 0
        self.limit = spec.count
        self.last_tag = 0  # highest delivery tag written but not yet acknowledged
        self.unacked = 0
        self.last_arrival = time.monotonic()
        self.deadline = None if spec.deadline is None else time.monotonic() + spec.deadline
        self.selector = filters.selector(spec.where, spec.fail_where)  # None: no per-message cost
        self.properties = spec.properties or (self.selector is not None and self.selector.needs_properties)
        self.budget = ByteBudget(spec.max_buffer, spec.prefetch)  # what it learnt outlives a reconnect
        self.paused = False  # subscription paused until what is held was acknowledged (budget.py)
        self.given_back = 0  # handed back for the budget: shown unmarked when they come again
        self.handler: Deferring | None = None
        self.ticker: Ticking | None = None
        self.consumers = 0  # consumers so far: a handled message's ticket names its own
        self.link: Link | None = None
        self.requeuer = Requeuer(notice)  # --exec's counted requeues (loops/requeue.py)

    @property
    def done(self) -> bool:
        return self.limit is not None and self.seen >= self.limit

    def run(self) -> ExitStatus:
        link = self.transport.connect()
        again: str | None = None
        try:
            while True:
                try:
                    return self._attempt(link, again)
                except TopologyLost as exc:
                    again = f"set up again ({link.where})"
                    error = self._after_reset(exc, link)
                except BrokenPipeError:
                    raise  # our reader went away (`| head -1`): the boundary exits quietly
                except self.transport.failures as exc:
                    error = exc
                if error is not None:
                    before = link.where
                    link = self._reconnect(error)
                    again = reconnected(link.where, before)
        finally:
            link.close()

    def _after_reset(self, lost: TopologyLost, link: Link) -> BaseException | None:
        """The consumer or its bindings are gone: None to set up again on `link`, else what to recover from."""
        if not self.transport.settings.reconnect:
            raise BrokerError(lost.reason) from None
        self.notice(f"{lost.reason} (messages published meanwhile were missed); setting up again")
        return None if link.is_open else ConnectionLost("the connection closed")

    def _reconnect(self, error: BaseException) -> Link:
        link = self.transport.recover(error, self._give_up_at)
        if self.spec.private:
            self.notice(
                "messages published while we were disconnected were missed (a private queue "
                "lives only as long as its connection; --queue NAME keeps them)"
            )
        return link

    def _give_up_at(self) -> float | None:
        """When reconnecting is pointless: --deadline, or --timeout after the last message."""
        timeout = self.spec.timeout
        ends = [t for t in (self.deadline, self.last_arrival + timeout if timeout else None) if t is not None]
        return min(ends) if ends else None

    def _attempt(self, link: Link, again: str | None) -> ExitStatus:
        """One consumer's lifetime: subscribe, serve until a rule ends it, settle what was written."""
        # Asked of the broker on every connection: failover may reach another one (loops/fitting.py).
        consumer = link.consume(fit(self.spec.topology, link.broker), self.budget.prefetch, self.properties)
        self.link = link
        self.consumers += 1
        self.last_tag = 0  # delivery tags belong to a consumer: a new one starts again at 1
        self.unacked = 0
        self.paused = False
        self.budget.release()  # what the old consumer held is not ours to acknowledge any more
        consumer.start(self._receiver(consumer))
        if isinstance(self.ticker, Titled):
            self.ticker.listening(consumer.source)
        self.notice(ready_line(consumer.description, again, self.spec.ready_note))
        finished = False  # left the loop by its own rule, not by a signal or an error
        try:
            status = self._serve(consumer)
            finished = True
            return status
        except ToolError:
            finished = True  # our own rules (--fail-where, --timeout): what was printed goes out first
            raise
        except TopologyLost:
            self._settle(consumer, wait=False)
            consumer.close()  # drops the old consumer (and a private queue with it)
            raise
        finally:
            # Lines still waiting for a paused reader are written out only when we finish by our own
            # rule; on Ctrl-C, SIGTERM or an error they stay unacknowledged and come again.
            self._settle(consumer, wait=finished)

    def _receiver(self, consumer: Consumer) -> OnDelivery:
        """The per-message work (loops/receivers.py): printing, or handing over to --exec."""
        if self.handler is not None:
            return receivers.handing_over(self, consumer, self.handler)
        return receivers.printing(self, consumer)

    def flush_and_ack(self, consumer: Consumer) -> None:
        if not self.out.flush():
            return  # the reader is not reading: no acks, so the broker stops at --prefetch
        if self.keeper is not None:
            self.keeper.commit()
        consumer.settle(self.last_tag, Outcome.ACK, multiple=True)  # written before acked: a crash loses nothing
        self.last_tag = 0
        self.unacked = 0
        self.budget.release()

    def _follow_budget(self, consumer: Consumer) -> None:
        """Pause the subscription while it holds too much; resume it, with a prefetch that fits,
        once everything held was acknowledged. Never two subscriptions, so never twice the data."""
        if not self.paused and self.budget.needs_restart():
            consumer.pause()
            self.paused = True
        if self.paused and not self.budget.held:
            consumer.resume(self.budget.restarted())
            self.paused = False

    def _serve(self, consumer: Consumer) -> ExitStatus:
        """Poll the consumer until a stop rule gives the exit status (or raises)."""
        out = self.out
        idle_limit = self.spec.timeout
        deadline = self.deadline
        while True:
            wait = min(idle_limit, 1.0) if idle_limit else 1.0
            if out.pending or (self.handler is not None and self.handler.busy):
                wait = 0.02  # lines wait for a paused reader, or handlers run: look again soon
            if self.ticker is not None:
                wait = min(wait, self.ticker.wait())
            consumer.poll(wait if deadline is None else max(0.0, min(wait, deadline - time.monotonic())))
            status = self._after_pass(consumer)
            if status is not None:
                return status

    def _after_pass(self, consumer: Consumer) -> ExitStatus | None:
        """Acknowledge what was written, then the stop rules in order; None: go on."""
        if self.seen != self.seen_before:
            self.seen_before = self.seen
            self.last_arrival = time.monotonic()
        if self.last_tag:
            self.flush_and_ack(consumer)
        if self.paused or self.budget.needs_restart():
            self._follow_budget(consumer)
        if self.handler is not None:
            receivers.settle_handled(self, consumer, self.handler)
        if self.ticker is not None:
            self.ticker.tick()
            if self.out.pending:
                self.out.flush()  # a snapshot, tied to no delivery: out as far as the reader takes it
            if self.ticker.quit:
                return ExitStatus.OK
        if self.handler is not None and self.handler.busy:
            return self._while_handling(consumer)
        if self.selector is not None and self.selector.failed is not None:
            raise stopping.failed(self.selector.failed)
        if self.done:
            return ExitStatus.OK
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return stopping.deadline_passed(self.seen, self.spec.count, self.spec.deadline or 0.0)
        if consumer.cancelled is not None:
            raise TopologyLost(consumer.cancelled)
        idle = time.monotonic() - self.last_arrival
        idle_limit = self.spec.timeout
        if idle_limit is not None and idle >= idle_limit:
            if self.seen:
                return ExitStatus.OK
            raise ToolError(f"no message arrived within {idle_limit:g} s", ExitStatus.TIMEOUT)
        consumer.verify(idle)
        return None

    def _while_handling(self, consumer: Consumer) -> ExitStatus | None:
        """Handlers run: only --deadline and a lost subscription end the loop now; the other rules
        (--count, --timeout, --fail-where) wait until the running handlers are done."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return stopping.deadline_passed(self.seen, self.spec.count, self.spec.deadline or 0.0)
        if consumer.cancelled is not None:
            raise TopologyLost(consumer.cancelled)
        consumer.verify(time.monotonic() - self.last_arrival)
        return None

    def _settle(self, consumer: Consumer, wait: bool = True) -> None:
        """On the way out (done, Ctrl-C, a reset), ack what was written so it is not sent again.

        On the way out the lines are written whatever it takes (`wait`); before a reconnect, only
        as far as the reader takes them now, and what is left unacknowledged comes again.
        """
        if wait:
            self.out.drain()
        if not self.last_tag or not consumer.is_open:
            return
        try:
            if self.out.flush():
                if self.keeper is not None:
                    self.keeper.commit()
                consumer.settle(self.last_tag, Outcome.ACK, multiple=True)
        except Exception:  # noqa: BLE001 - best effort: unacked messages come again, marked redelivered
            pass
        self.last_tag = 0
