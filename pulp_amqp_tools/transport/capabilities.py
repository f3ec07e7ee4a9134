"""What the broker in use is and can do: one record, filled by the transport from the broker's own answer. Pure.

A transport builds a `Capabilities` once per connection from what the broker said about itself
(0-9-1: the server properties of connection.start; 1.0: the open frame's properties and offered
capabilities). The commands and loops ask this record; nothing else compares product names, so a
broker nobody has tried gets the conservative answers of `UNKNOWN` and the tool never claims a
guarantee that broker does not give.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# Exchange types every AMQP 0-9-1 broker has (the spec's four); a 1.0 dialect may have fewer.
STANDARD_EXCHANGE_TYPES = frozenset({"direct", "fanout", "headers", "topic"})


@dataclass(frozen=True)
class Capabilities:
    """One broker's identity and abilities. The defaults are the conservative answers.

    Every field is a fact the tool acts on or words a message by; `False` / empty means "do not
    rely on it here", never "known to be impossible".
    """

    product: str = ""  # as the broker names itself ("RabbitMQ", "garagemq"); "" when it did not say
    version: str = ""
    protocol: str = "0-9-1"  # "0-9-1" or "1.0"
    dialect: str = ""  # the 1.0 dialect in use ("qpid", "artemis", "rabbitmq3", ...); "" over 0-9-1
    server_named_queues: bool = False  # queue.declare with an empty name gets a broker-chosen one
    queue_types: frozenset[str] = frozenset()  # values of x-queue-type it honours; empty: none
    default_queue_type: str | None = None  # what --queue declares when --queue-type is not given
    durable_transient: frozenset[str] = frozenset()  # queue types whose transient messages survive a restart
    streams: bool = False  # stream queues with x-stream-offset (implies "stream" in queue_types)
    firehose: bool = False  # amq.rabbitmq.trace (--trace)
    exchange_types: frozenset[str] = STANDARD_EXCHANGE_TYPES  # what -e can bind to / declare
    headers_exchange: str = "amq.headers"  # the broker's own headers exchange
    reserved_prefix: str = "amq."  # exchange names a client may not declare
    headers_with_x: bool = False  # x-match all-with-x / any-with-x (match on x- headers)
    requeue_marks_redelivered: bool = False  # a requeued message comes back with redelivered set
    reports_unroutable: bool = True  # an unroutable publish is reported (basic.return, rejected, released)
    peek: bool = True  # messages can be looked at and left in place (0-9-1 get+requeue, 1.0 browse)
    notes: tuple[str, ...] = field(default=(), compare=False)  # why something is refused, per feature

    def describe(self) -> str:
        """The broker as a message names it: 'RabbitMQ 3.10.8', 'garagemq', or 'the broker'; over
        1.0 with the protocol ('RabbitMQ 3.10.8 over AMQP 1.0'): what it can do differs by protocol."""
        name = " ".join(part for part in (self.product, self.version) if part) or "the broker"
        return f"{name} over AMQP 1.0" if self.protocol == "1.0" else name

    def only_over_091(self) -> str:
        """The end of a refusal of a 0-9-1 feature: where to get it, when the broker has it over 0-9-1."""
        return "; over AMQP 0-9-1 (--protocol 0-9-1) where the broker speaks it" if self.protocol == "1.0" else ""

    def with_identity(self, product: str, version: str) -> Capabilities:
        """This record for a broker that called itself `product` `version`."""
        return replace(self, product=product, version=version)


UNKNOWN = Capabilities()
"""A broker that said nothing we recognise: rely on nothing beyond the spec."""
