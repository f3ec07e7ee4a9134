"""The events every benchmark publisher sends, and the baselines' `--key value` parsing.

Stdlib only: the bare pika (baselines.py) and bare proton (baselines10.py) programs import it
without loading each other's client library, so their start-up stays a fair floor.
"""

from __future__ import annotations

ROUTING_KEYS = (
    "repo.sync.start",
    "repo.sync.finish",
    "repo.publish.start",
    "repo.publish.finish",
)

_BODY_TEMPLATE = (
    '{"event_type":"%s","timestamp":"2024-05-01T12:00:00.000000+00:00",'
    '"payload":{"repo_id":"rhel-9-baseos-rpms",'
    '"task_id":"3f2b6c1e-8a4d-4b7e-9c2a-5d1e0f6a7b8c",'
    '"importer_type_id":"yum_importer","sequence":%d}}'
)


def make_body(event_type: str, seq: int) -> bytes:
    """A Pulp-like event body, ~220 bytes."""
    return (_BODY_TEMPLATE % (event_type, seq)).encode()


def opts(argv: list[str]) -> dict[str, str]:
    """Parse ``--key value`` pairs (no argparse: keep start-up minimal)."""
    if len(argv) % 2:
        raise SystemExit(f"expected --key value pairs, got {argv!r}")
    return {k.lstrip("-"): v for k, v in zip(argv[::2], argv[1::2], strict=True)}
