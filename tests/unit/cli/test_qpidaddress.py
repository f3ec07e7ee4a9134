"""cli/qpidaddress.py: Pulp-on-Qpid's `-e EXCHANGE/SUBJECT` is `-e EXCHANGE -s SUBJECT`."""

from __future__ import annotations

import pytest

from pulp_amqp_tools.cli import qpidaddress
from pulp_amqp_tools.commands.listen import build_parser
from pulp_amqp_tools.commands.listen.options import options_from_args
from pulp_amqp_tools.errors import UsageError

ENV = {"AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/%2F", "HOME": "/nonexistent"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("pulp/pulp.server.repo.*.finish", ("pulp", "pulp.server.repo.*.finish")),
        ("pulp/a/b", ("pulp", "a/b")),  # the first '/' only: a subject may hold more
        ("pulp", ("pulp", None)),
        ("/exchange/amq.topic", ("/exchange/amq.topic", None)),  # no exchange before the '/': a name
        ("pulp/", ("pulp/", None)),
    ],
)
def test_split(value: str, expected: tuple[str, str | None]) -> None:
    assert qpidaddress.split(value) == expected


def test_address_options_are_refused_in_one_line() -> None:
    with pytest.raises(UsageError, match=r"address options .* -e EXCHANGE -s SUBJECT") as refused:
        qpidaddress.split("pulp/pulp.server.#; {create: always, node: {type: topic}}")
    assert "\n" not in str(refused.value)


def test_a_subject_with_several_exchanges_is_refused() -> None:
    with pytest.raises(UsageError, match="more than one -e"):
        qpidaddress.split_all(["a/x", "b"])
    assert qpidaddress.split_all(["a", "b"]) == (["a", "b"], [])
    assert qpidaddress.split_all(None) == (None, [])


def test_listen_binds_the_subject_of_the_address_form_beside_its_s() -> None:
    args = build_parser().parse_args(["-e", "pulp/pulp.server.repo.*.finish", "-s", "pulp.server.repo.sync.start"])
    topology = options_from_args(args, ENV).spec.topology
    assert topology.exchange == "pulp"
    assert [b.key for b in topology.bindings] == ["pulp.server.repo.sync.start", "pulp.server.repo.*.finish"]
