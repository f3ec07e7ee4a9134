"""`amqp10`: listen -q, emit -n N and the one-shot emit over AMQP 1.0, against bare proton programs.

The shared RabbitMQ speaks 0-9-1 only, so this scenario starts its own private RabbitMQ node
with `rabbitmq_amqp1_0` (tests/support/amqp10_brokers.py: own port, data dir and config,
stopped by PID), ~15 s. Queues are declared and pre-filled over 0-9-1 on the same port (the
RabbitMQ 3 dialect reads an existing queue as `/amq/queue/Q`); each repeat runs the bare proton
program (baselines10.py) and ours back to back, as the 0-9-1 rows do:

- `listen -q 1.0 | pipe` vs `baselines10.py consume` (1000 credits, accept each), ratio >= 0.9;
- `emit -n N 1.0` vs `baselines10.py publish` with emit's window of 2000 unsettled, ratio >= 0.8;
- `emit one event 1.0` vs `baselines10.py oneshot`, ratio <= 1.1 (3K samples).

"Ours" runs only when the commands accept `--protocol 1.0` (their --help says so); until then
those rows show ERROR with that reason and the baselines are still measured.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from typing import Any

from measure import BENCH_DIR, PYTHON, REPO_ROOT, BenchError, Broker, run_timed
from report import Row, Target

from .common import Ctx, attempt, log
from .emit import publish_rate
from .pipe import consume_rate

BARE = [PYTHON, str(BENCH_DIR / "baselines10.py")]
WINDOW = "2000"  # emit's confirm window (loops/emit.py EmitSpec.window)


def _tool_problem(ctx: Ctx) -> str | None:
    """Why our commands cannot be measured over 1.0 here, or None."""
    for cmd in (ctx.listen, ctx.emit):
        res = subprocess.run([*cmd, "--help"], capture_output=True, text=True, timeout=60, cwd=REPO_ROOT, check=False)
        if "--protocol" not in res.stdout or "1.0" not in res.stdout:
            return f"{' '.join(cmd[-1:])} does not accept --protocol 1.0 yet (no pulp_amqp_tools.amqp10 transport)"
    return None


def _start_node() -> Any:
    """A started private RabbitMQ node with rabbitmq_amqp1_0 (the test suite's own fixture class)."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from tests.support.amqp10_brokers import RabbitAmqp10

    node = RabbitAmqp10()
    try:
        node.start()
    except BaseException:
        node.close()
        raise
    log(f"{node.product} {node.version} with rabbitmq_amqp1_0 on {node.port}, started in {node.start_seconds:.1f} s")
    return node


def _rows() -> list[Row]:
    return [
        Row("amqp10", "listen -q 1.0 | pipe", "msg/s", Target("ratio>=", 0.9), "bare proton receiver"),
        Row("amqp10", "emit -n N 1.0 (settled)", "msg/s", Target("ratio>=", 0.8), "bare proton sender, window 2000"),
        Row("amqp10", "emit one event 1.0 (process)", "s", Target("ratio<=", 1.1), "bare proton one-shot"),
        Row("amqp10", 'python -c "import proton"', "s", Target("info"), "python -c pass"),
    ]


def amqp10(ctx: Ctx) -> list[Row]:
    rows = _rows()
    problem = _tool_problem(ctx)
    try:
        node = _start_node()
    except Exception as e:  # noqa: BLE001 - no node: every row says why
        for row in rows:
            row.base_error = row.ours_error = f"no private RabbitMQ 1.0 node: {type(e).__name__}: {e}"
        return rows
    here = replace(ctx, url=node.url, broker=Broker(f"{node.url}/%2F"))
    try:
        _measure(here, rows, problem)
    finally:
        here.broker.cleanup()
        node.close()
    return rows


def _ours(problem: str | None, cmd: list[str]) -> list[str]:
    if problem is not None:
        raise BenchError(problem)
    return cmd


def _measure(ctx: Ctx, rows: list[Row], problem: str | None) -> None:
    pipe, emit, oneshot, imp = rows
    n = ctx.n(20_000, 5_000)  # ~2k msg/s for the bare programs on the busy 2 cores: ~10 s a sample
    url, count = ctx.url, str(n)

    def bare_consume(ex: str, q: str, k: int) -> list[str]:
        return [*BARE, "consume", "--url", url, "--count", count, "--source", f"/amq/queue/{q}"]

    def ours_listen(ex: str, q: str, k: int) -> list[str]:
        listen = [*ctx.listen, "--protocol", "1.0", "-u", url, "-e", ex, "-s", "#", "--queue", q]
        return _ours(problem, [*listen, "-q", "-n", count])

    def bare_publish(ex: str) -> list[str]:
        return [*BARE, "publish", "--url", url, "--count", count, "--window", WINDOW, "--target", f"/exchange/{ex}"]

    def ours_publish(ex: str) -> list[str]:
        return _ours(problem, [*ctx.emit, "--protocol", "1.0", "-u", url, "-e", ex, "-n", count])

    for i in range(ctx.repeat):
        label = f"amqp10 {i + 1}/{ctx.repeat} n={n}"
        attempt([pipe], "base", label, lambda: [consume_rate(ctx, bare_consume, n)])
        attempt([pipe], "ours", label, lambda: [consume_rate(ctx, ours_listen, n)])
        attempt([emit], "base", label, lambda: [publish_rate(ctx, bare_publish, n)])
        attempt([emit], "ours", label, lambda: [publish_rate(ctx, ours_publish, n)])
    _oneshot(ctx, oneshot, imp, problem)


def _oneshot(ctx: Ctx, row: Row, imp: Row, problem: str | None) -> None:
    ex = ctx.broker.exchange("oneshot10")
    q = ctx.broker.queue(ex, "oneshot10", durable=False)
    bare = [*BARE, "oneshot", "--url", ctx.url, "--target", f"/exchange/{ex}"]
    ours = [*ctx.emit, "--protocol", "1.0", "-e", ex, "-u", ctx.url, "-t", "repo.sync.start", "-n", "1"]
    try:
        for i in range(k := ctx.short_repeats):
            label = f"amqp10 oneshot {i + 1}/{k}"
            attempt([row], "base", label, lambda: [run_timed(bare, 30)])
            attempt([row], "ours", label, lambda: [run_timed(_ours(problem, ours), 30)])
            attempt([imp], "ours", label, lambda: [run_timed([PYTHON, "-c", "import proton"], 30)])
            attempt([imp], "base", label, lambda: [run_timed([PYTHON, "-c", "pass"], 30)])
    finally:
        ctx.broker.delete_queue(q)
        ctx.broker.delete_exchange(ex)
