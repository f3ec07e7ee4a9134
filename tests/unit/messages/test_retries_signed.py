"""messages/retries.py: only a copy signed with our key is restored; everything else stays as it came."""

from __future__ import annotations

import dataclasses

from pulp_amqp_tools.messages import retries
from pulp_amqp_tools.messages.delivery import Delivery

KEY, OTHER = b"k" * 32, b"o" * 32


def copy_of(original: Delivery, key: bytes = KEY) -> Delivery:
    return Delivery("", "the-queue", original.body, headers=retries.requeue_headers(original, key))


def test_a_signed_copy_is_restored_with_its_count() -> None:
    back = retries.restore(copy_of(Delivery("pulp", "a.b", b"{}")), KEY)
    assert (back.exchange, back.routing_key, back.redelivered, back.requeues) == ("pulp", "a.b", True, 1)
    again = retries.restore(copy_of(back), KEY)
    assert again.requeues == 2 and again.headers[retries.RETRY_HEADER] == 2


def test_forged_or_altered_copies_are_ordinary_messages() -> None:
    copy = copy_of(Delivery("pulp", "a.b", b"{}"))
    assert retries.restore(copy, OTHER) is copy  # another run's key, or a guess
    unsigned = dataclasses.replace(copy, headers={k: v for k, v in copy.headers.items() if k != retries.MAC_HEADER})
    assert retries.restore(unsigned, KEY) is unsigned
    changes = ((retries.RETRY_HEADER, 0), (retries.ORIGIN_EXCHANGE, "evil"), (retries.ORIGIN_ROUTING_KEY, "x"))
    for name, value in changes:
        altered = dataclasses.replace(copy, headers={**copy.headers, name: value})
        assert retries.restore(altered, KEY) is altered, name
    for mac in (b"\xff" * 64, "\u00e9" * 64, 7):
        odd = dataclasses.replace(copy, headers={**copy.headers, retries.MAC_HEADER: mac})
        assert retries.restore(odd, KEY) is odd


def test_requeue_takes_the_origin_from_the_delivery_never_from_its_headers() -> None:
    forged = Delivery("pulp", "a.b", b"", headers={retries.ORIGIN_EXCHANGE: "evil", retries.RETRY_HEADER: 40})
    headers = retries.requeue_headers(forged, KEY)
    assert headers[retries.ORIGIN_EXCHANGE] == "pulp" and headers[retries.RETRY_HEADER] == 1


def test_fields_are_length_prefixed_so_none_can_be_shifted_into_another() -> None:
    assert retries.signature("ab", "c", 1, KEY) != retries.signature("a", "bc", 1, KEY)
    assert retries.signature(b"\xff", "c", 1, KEY) == retries.signature(b"\xff", b"c", 1, KEY)
