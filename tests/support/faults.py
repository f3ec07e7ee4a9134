"""Helpers for the fault tests: find and close our own connections, read listen's --json output."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Sequence

CtlRunner = Callable[..., "subprocess.CompletedProcess[str]"]


def shared_ctl(*args: str) -> subprocess.CompletedProcess[str]:
    """rabbitmqctl against the shared broker (only ever used on our own connections)."""
    return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60, check=False)


def connection_pids(ctl: CtlRunner, name: str) -> list[str]:
    """Broker pids of the connections whose client-given connection_name is `name`."""
    result = ctl("list_connections", "pid", "client_properties")
    marker = f'{{"connection_name","{name}"}}'
    return [line.split("\t", 1)[0] for line in result.stdout.splitlines() if marker in line]


def close_connections(ctl: CtlRunner, name: str, timeout: float = 15) -> int:
    """Close (broker side) every connection named `name`; wait until one exists first."""
    deadline = time.monotonic() + timeout
    while True:
        pids = connection_pids(ctl, name)
        if pids or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for pid in pids:
        ctl("close_connection", pid, "fault test: closing this connection on purpose")
    return len(pids)


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def json_records(lines: Sequence[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in lines if line.strip()]
