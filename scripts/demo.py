#!/usr/bin/env python3
"""The live demo (run by scripts/demo.sh): a listener, Pulp's four events emitted, what it printed.

Uses the broker at $AMQP_URL or localhost:5672, which demo.sh has installed and started when
needed (scripts/_env.sh: ensure_broker). Run by itself, when none answers and RabbitMQ is
installed, it starts a throwaway node of its own (the test suite's PrivateNode) and stops it
afterwards.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
EXAMPLES: tuple[list[str], ...] = ([], ["-s", "pulp.server.repo.publish.*"], ["-s", "pulp.server.repo.*.finish"])


def answers(url: str) -> bool:
    import pika

    params = pika.URLParameters(url.split(",")[0])
    params.socket_timeout = params.stack_timeout = 3
    params.connection_attempts = 1
    try:
        pika.BlockingConnection(params).close()
    except Exception:  # noqa: BLE001 - any failure means "no broker here"
        return False
    return True


@contextmanager
def broker() -> Iterator[str]:
    """The URL of a broker that answers: the configured one, or a throwaway local node."""
    url = os.environ.get("AMQP_URL") or DEFAULT_URL
    if answers(url):
        yield url
        return
    sys.path.insert(0, str(ROOT))
    from tests.support.private_node import PrivateNode, rabbitmq_available

    if os.environ.get("AMQP_URL") or not rabbitmq_available():
        sys.exit(
            f"demo: no broker answers at {os.environ.get('AMQP_URL') or 'localhost:5672'} "
            "(and no rabbitmq-server to start one)"
        )
    print("demo: no broker at localhost:5672; starting a throwaway RabbitMQ node for the demo", file=sys.stderr)
    with PrivateNode() as node:
        yield node.url
    print("demo: the throwaway node is stopped", file=sys.stderr)


def example(exchange: str, args: list[str], env: dict[str, str]) -> None:
    """Start a listener, wait until it is bound, emit the four events, show what it printed."""
    command = ["pulp-listen", "-e", exchange, *args]
    print(f"\n$ {shlex.join(command)}", flush=True)
    listener = subprocess.Popen(
        [str(BIN / "pulp-listen"), *command[1:], "--timeout", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert listener.stderr is not None
    ready = listener.stderr.readline()
    if "listening on" not in ready:
        listener.kill()
        sys.exit(f"demo: the listener did not start: {ready.strip()}")
    emitted = subprocess.run([str(BIN / "pulp-emit"), "-e", exchange, "-q"], env=env, capture_output=True, text=True)
    if emitted.returncode:
        print(emitted.stderr, end="", file=sys.stderr)
    out, _err = listener.communicate(timeout=60)
    print(out, end="", flush=True)


def delete_exchange(url: str, exchange: str) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(url))
    connection.channel().exchange_delete(exchange)
    connection.close()


def main() -> int:
    with broker() as url:
        env = dict(os.environ, AMQP_URL=url)
        exchange = f"pulp-demo-{uuid.uuid4().hex[:6]}"
        shown = url.split("@")[-1]
        print(f"demo: Pulp's AMQP notifications, reproduced on amqp://{shown} (exchange {exchange})")
        print(
            "demo: each example starts a listener, publishes the four Pulp events with pulp-emit, "
            "and shows what the listener printed"
        )
        try:
            for args in EXAMPLES:
                example(exchange, ["-q", *args], env)
            example(exchange, ["-s", "pulp.server.repo.sync.start"], env)
        finally:
            delete_exchange(url, exchange)
    return 0


if __name__ == "__main__":
    sys.exit(main())
