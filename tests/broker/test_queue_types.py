"""--queue declares a quorum queue by default, and an existing queue is kept with its type named.

That quorum keeps Pulp's transient events through a restart: tests/private/test_queue_types.py."""

from __future__ import annotations

import uuid

import pika
import pytest

from tests.support.broker import BROKER_URL, delete_queue
from tests.support.processes import run


@pytest.mark.broker
@pytest.mark.parametrize(
    ("arguments", "durable", "flag", "shown"),
    [
        (None, True, [], "(classic queue '{}')"),  # as --queue declared it before quorum was the default
        ({"x-queue-type": "quorum"}, True, ["--queue-type", "classic"], "(quorum queue '{}')"),
        ({"x-queue-type": "classic"}, False, [], "(classic queue '{}')"),  # not durable: only classic can be
        ({"x-max-length": 10}, True, [], "(queue '{}')"),  # other arguments differ: its type stays unknown
    ],
)
def test_an_existing_queue_is_kept_and_the_ready_line_names_its_type(
    arguments: dict[str, object] | None, durable: bool, flag: list[str], shown: str
) -> None:
    queue = f"pat-eq-{uuid.uuid4().hex[:10]}"
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        connection.channel().queue_declare(queue, durable=durable, arguments=arguments)
        result = run("listen", "-e", "amq.topic", "-s", queue, "--queue", queue, *flag, "--timeout", "0.3")
        assert result.returncode == 6, result.stderr
        assert shown.format(queue) in result.stderr.decode(), result.stderr
        again = connection.channel().queue_declare(queue, passive=True)  # still there, as it was declared
        assert again.method.queue == queue
    finally:
        connection.close()
        delete_queue(queue)
