"""Bare pika programs the benchmark compares our commands against.

Run as a script, one mode per process, e.g.::

    python bench/baselines.py consume --url URL --queue Q --count N
    python bench/baselines.py consume --url URL --queue STREAM --count N --offset first
    python bench/baselines.py publish --url URL --exchange EX --count N
    python bench/baselines.py publish-wait --url URL --exchange EX --count N
    python bench/baselines.py oneshot --url URL --exchange EX

These are deliberately the plainest reasonable pika code: no argparse, no
logging, no rich, nothing but pika and a few stdlib modules, so that their
start-up and per-message costs are a fair floor for our commands.  The harness
imports ``BODY``/``ROUTING_KEYS``/``make_body`` from here (they live in
bodies.py, shared with the bare proton programs) so every publisher in the
benchmark sends the same ~220-byte Pulp-like JSON events.
"""

from __future__ import annotations

import sys
from typing import Any

import pika
from bodies import ROUTING_KEYS, make_body, opts

__all__ = ["BODY", "PROPS", "ROUTING_KEYS", "make_body"]  # the harness takes the events from here

BODY = make_body(ROUTING_KEYS[0], 0)
PROPS = pika.BasicProperties(content_type="application/json", delivery_mode=2)


def consume(o: dict[str, str]) -> int:
    """Consume ``count`` messages, write routing keys to stdout, batch-ack.

    Either from an existing ``--queue`` or from a server-named exclusive
    queue bound to ``--exchange`` with ``--pattern``.  ``--flush line``
    flushes stdout after every message (used for latency), the default
    ``block`` leaves stdout block-buffered (throughput).  ``--offset`` reads
    a stream queue from there (``first``, ``next``, a number): the
    ``x-stream-offset`` consumer argument, which streams need with a prefetch.
    """
    count = int(o.get("count", "0")) or -1
    prefetch = int(o.get("prefetch", "1000"))
    ack_every = max(1, min(int(o.get("ack-every", "250")), prefetch // 2 or 1))
    flush_each = o.get("flush", "block") == "line"
    conn = pika.BlockingConnection(pika.URLParameters(o["url"]))
    ch = conn.channel()
    ch.basic_qos(prefetch_count=prefetch)
    queue = o.get("queue")
    if queue is None:
        queue = ch.queue_declare("", exclusive=True).method.queue
        ch.queue_bind(queue, o["exchange"], o.get("pattern", "#"))
    out = sys.stdout.buffer
    write = out.write
    flush = out.flush
    seen = 0

    def on_message(
        chan: pika.adapters.blocking_connection.BlockingChannel,
        method: Any,  # pika.spec.Basic.Deliver, whose fields pika types as Optional
        _props: pika.BasicProperties,
        _body: bytes,
    ) -> None:
        nonlocal seen
        write(method.routing_key.encode() + b"\n")
        if flush_each:
            flush()
        seen += 1
        if seen == count:
            chan.basic_ack(method.delivery_tag, multiple=True)
            chan.stop_consuming()
        elif seen % ack_every == 0:
            chan.basic_ack(method.delivery_tag, multiple=True)

    offset = o.get("offset")
    arguments = None
    if offset is not None:
        arguments = {"x-stream-offset": int(offset) if offset.isdigit() else offset}
    ch.basic_consume(queue, on_message, arguments=arguments)
    sys.stderr.write(f"listening on {queue}\n")
    sys.stderr.flush()
    ch.start_consuming()
    flush()
    conn.close()
    return 0


def publish(o: dict[str, str]) -> int:
    """Publish ``count`` events as fast as possible, no confirms."""
    count = int(o["count"])
    conn = pika.BlockingConnection(pika.URLParameters(o["url"]))
    ch = conn.channel()
    pub = ch.basic_publish
    ex = o["exchange"]
    keys = ROUTING_KEYS
    bodies = [make_body(k, 0) for k in keys]
    for i in range(count):
        j = i & 3
        pub(ex, keys[j], bodies[j], PROPS)
    conn.close()
    return 0


def publish_wait(o: dict[str, str]) -> int:
    """Publish ``count`` mandatory events, waiting for each confirm."""
    count = int(o["count"])
    conn = pika.BlockingConnection(pika.URLParameters(o["url"]))
    ch = conn.channel()
    ch.confirm_delivery()
    ex = o["exchange"]
    bodies = [make_body(k, 0) for k in ROUTING_KEYS]
    for i in range(count):
        j = i & 3
        ch.basic_publish(ex, ROUTING_KEYS[j], bodies[j], PROPS, mandatory=True)
    conn.close()
    return 0


def oneshot(o: dict[str, str]) -> int:
    """Connect, enable confirms, publish one mandatory event, close."""
    conn = pika.BlockingConnection(pika.URLParameters(o["url"]))
    ch = conn.channel()
    ch.confirm_delivery()
    ch.basic_publish(o["exchange"], "repo.sync.start", BODY, PROPS, mandatory=True)
    conn.close()
    return 0


MODES = {
    "consume": consume,
    "publish": publish,
    "publish-wait": publish_wait,
    "oneshot": oneshot,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in MODES:
        raise SystemExit(f"usage: baselines.py {{{'|'.join(MODES)}}} --key value ...")
    return MODES[argv[0]](opts(argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
