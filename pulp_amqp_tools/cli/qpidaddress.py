"""Qpid's `EXCHANGE/SUBJECT` address form, as Pulp 2 configured it, read as -e and -s. Pure.

Pulp 2 published with qpid.messaging to `EXCHANGE/pulp.server.<type>`; its users paste that form.
`-e 'pulp/pulp.server.repo.*.finish'` is `-e pulp -s 'pulp.server.repo.*.finish'`. The split is at
the first '/', and only where both sides are non-empty: AMQP 0-9-1 exchange names have no '/'
(its grammar: letters, digits, '-', '_', '.', ':'), so no real exchange name is taken apart.
qpid.messaging's address options (`; {create: always, ...}`) are a client's, not a broker's: refused.
"""

from __future__ import annotations

from pulp_amqp_tools.errors import UsageError


def split(value: str) -> tuple[str, str | None]:
    """(exchange, subject) of one -e value; subject None when it is a plain exchange name."""
    exchange, slash, subject = value.partition("/")
    if not slash or not exchange or not subject:
        return value, None
    if ";" in subject:
        raise UsageError(
            f"-e {value[:60]!r}: qpid.messaging address options ('; {{...}}') are not read here: "
            "give -e EXCHANGE/SUBJECT, or -e EXCHANGE -s SUBJECT"
        )
    return exchange, subject


def split_all(values: list[str] | None) -> tuple[list[str] | None, list[str]]:
    """-e values as exchange names, and the subjects the address form carried (in order, each once).

    A subject in one of several -e is refused: -s patterns apply to every exchange, so what
    `-e a/x -e b/y` means (x on a only) could not be kept.
    """
    if not values:
        return values, []
    pairs = [split(value) for value in values]
    subjects = list(dict.fromkeys(subject for _name, subject in pairs if subject is not None))
    if subjects and len(pairs) > 1:
        raise UsageError(
            "-e EXCHANGE/SUBJECT with more than one -e: give the exchanges alone and the subjects as -s "
            "(each -s is heard on every -e)"
        )
    return [name for name, _subject in pairs], subjects
