"""Bare python-qpid-proton programs the AMQP 1.0 rows compare our commands against.

Run as a script, one mode per process, e.g.::

    python bench/baselines10.py consume --url URL --source /amq/queue/Q --count N
    python bench/baselines10.py publish --url URL --target /exchange/X --count N --window 2000
    python bench/baselines10.py oneshot --url URL --target /exchange/X

The plainest reasonable proton code, the twin of baselines.py: `Container.run()` with a
`MessagingHandler`, no argparse, nothing but proton and the stdlib. `consume` keeps 1000 credits
out (proton's own flow controller tops them up) and accepts each message; `publish` keeps at most
`--window` sends unsettled, as emit's confirm window does, and exits when all are accepted;
`oneshot` connects, sends one durable event, waits for its outcome, closes.
"""

from __future__ import annotations

import sys
from typing import Any

from bodies import ROUTING_KEYS, make_body, opts
from proton import Message
from proton.handlers import MessagingHandler
from proton.reactor import Container

CONNECT = {"reconnect": False, "allowed_mechs": "PLAIN", "allow_insecure_mechs": True}


def _messages() -> list[Message]:
    return [
        Message(body=make_body(key, 0), subject=key, content_type="application/json", durable=True)
        for key in ROUTING_KEYS
    ]


class Consume(MessagingHandler):
    """Receive `count` messages, write each subject to block-buffered stdout, accept each."""

    def __init__(self, o: dict[str, str]) -> None:
        super().__init__(prefetch=int(o.get("prefetch", "1000")))
        self.o = o
        self.count = int(o["count"])
        self.seen = 0
        self.write = sys.stdout.buffer.write

    def on_start(self, event: Any) -> None:
        connection = event.container.connect(self.o["url"], **CONNECT)
        event.container.create_receiver(connection, self.o["source"])
        sys.stderr.write(f"listening on {self.o['source']}\n")
        sys.stderr.flush()

    def on_message(self, event: Any) -> None:
        self.write(f"{event.message.subject}\n".encode())
        self.seen += 1
        if self.seen == self.count:
            event.receiver.close()
            event.connection.close()


class Publish(MessagingHandler):
    """Send `count` events with at most `window` unsettled; close once all are settled."""

    def __init__(self, o: dict[str, str]) -> None:
        super().__init__()
        self.o = o
        self.count = int(o.get("count", "1"))
        self.window = int(o.get("window", "2000"))
        self.messages = _messages()
        self.sent = self.settled = self.refused = 0

    def on_start(self, event: Any) -> None:
        connection = event.container.connect(self.o["url"], **CONNECT)
        event.container.create_sender(connection, self.o["target"])

    def on_sendable(self, event: Any) -> None:
        self.fill(event.sender)

    def fill(self, sender: Any) -> None:
        while sender.credit > 0 and self.sent < self.count and self.sent - self.settled < self.window:
            sender.send(self.messages[self.sent & 3])
            self.sent += 1

    def on_settled(self, event: Any) -> None:
        self.settled += 1
        if self.settled == self.count:
            event.connection.close()
        else:
            self.fill(event.link)

    def on_rejected(self, event: Any) -> None:
        self.refused += 1

    def on_released(self, event: Any) -> None:
        self.refused += 1


def consume(o: dict[str, str]) -> int:
    Container(Consume(o)).run()
    sys.stdout.buffer.flush()
    return 0


def publish(o: dict[str, str]) -> int:
    handler = Publish(o)
    Container(handler).run()
    if handler.refused or handler.settled != handler.count:
        sys.stderr.write(f"settled {handler.settled} of {handler.count}, {handler.refused} refused\n")
        return 1
    return 0


MODES = {"consume": consume, "publish": publish, "oneshot": publish}  # oneshot: publish of one


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in MODES:
        raise SystemExit(f"usage: baselines10.py {{{'|'.join(MODES)}}} --key value ...")
    return MODES[argv[0]](opts(argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
