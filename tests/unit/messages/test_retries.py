"""messages/retries.py: the retry count header, never trusting garbage, and requeued copies."""

from __future__ import annotations

import pytest

from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.messages.retries import RETRY_HEADER, requeue_headers, restore, retries_of


def delivery(subject: str = "pulp.server.repo.sync.finish", body: bytes = b'{"payload": {}}', **kw: object) -> Delivery:
    return Delivery(exchange="pulp", routing_key=subject, body=body, received_at=1.7e9, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "count"), [(None, 0), (2, 2), (-5, 0), ("3", 0), (True, 0), (b"1", 0), (10**30, 10**30)]
)
def test_retry_count_from_a_header_never_trusts_garbage(value: object, count: int) -> None:
    assert retries_of({} if value is None else {RETRY_HEADER: value}) == count


def test_requeue_copy_counts_and_is_restored_as_the_original() -> None:
    original = delivery(headers={"x-a": 1})
    headers = requeue_headers(original)
    assert headers[RETRY_HEADER] == 1 and original.headers == {"x-a": 1}
    copy = Delivery(exchange="", routing_key="ci-sync", body=original.body, headers=headers)
    back = restore(copy)
    assert (back.exchange, back.routing_key, back.redelivered) == ("pulp", original.routing_key, True)
    again = requeue_headers(back)
    assert again[RETRY_HEADER] == 2 and restore(Delivery("", "q", b"", headers=again)).exchange == "pulp"
    plain = Delivery(exchange="", routing_key="q", body=b"")
    assert restore(plain) is plain
    spoof = Delivery("", "q", b"", headers={"x-pulp-listen-routing-key": {"not": "a key"}})
    assert restore(spoof) is spoof
