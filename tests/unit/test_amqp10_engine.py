"""amqp10/engine.py's Container and fieldcodec.Reusable: proton's own, minus work we never use."""

from __future__ import annotations

import pytest

proton = pytest.importorskip("proton")

from proton import Message  # noqa: E402
from proton.reactor import Container  # noqa: E402

from pulp_amqp_tools.amqp10 import fieldcodec  # noqa: E402
from pulp_amqp_tools.amqp10.engine import _Container  # noqa: E402


def test_container_has_what_protons_has_without_the_default_tls_domains() -> None:
    ours, theirs = vars(_Container()), vars(Container())
    assert set(ours) == set(theirs)  # a proton that sets up more would fail here, not at run time
    assert ours["ssl"] is None
    for name in ("allow_insecure_mechs", "allowed_mechs", "sasl_enabled", "user", "password", "trigger"):
        assert ours[name] == theirs[name]
    assert type(ours["_global_handler"]) is type(theirs["_global_handler"])


def test_a_reused_message_keeps_nothing_of_the_one_before() -> None:
    reused = fieldcodec.Reusable()
    props = (("content_type", "application/json"), ("type", "t"), ("priority", 7))
    first = fieldcodec.message("a.b", b"x" * 5000, {"k": 1}, props, reused)
    assert first is reused
    big = Message()
    big.decode(reused.encode())
    seen: tuple[object, ...] = (big.subject, big.properties, str(big.content_type), big.priority)
    assert seen == ("a.b", {"k": 1}, "application/json", 7)
    assert fieldcodec.body_bytes(big.body) == b"x" * 5000
    fieldcodec.message("", b"y", {}, (), reused)
    small = Message()
    small.decode(reused.encode())
    assert (small.subject, small.properties, small.annotations, small.priority) == (None, None, None, 4)
    assert fieldcodec.body_bytes(small.body) == b"y"
    assert reused.encode() == fieldcodec.message("", b"y", {}, ()).encode()  # as proton encodes it
