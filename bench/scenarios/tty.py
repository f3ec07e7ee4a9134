"""`tty`: listen's pretty view on a pseudo-terminal, with the bare consumer on the same pty for reference."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from measure import BenchError, Drain, StderrWatch, finish, kill, open_pty, spawn
from report import Row, Target

from .common import Ctx, attempt, bare_consume_cmd


def tty_rate(ctx: Ctx, cmd_for: Callable[[str, str, int], list[str]], n: int) -> float:
    b = ctx.broker
    ex = b.exchange("tty")
    q = b.queue(ex, "tty", durable=True)
    master, slave = open_pty()
    p = None
    try:
        b.prefill(ex, q, n)
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40")
        for var in ("NO_COLOR", "TERM_PROGRAM"):
            env.pop(var, None)
        t0 = time.perf_counter()
        p = spawn(cmd_for(ex, q, n), stdin=slave, stdout=slave, env=env)
        os.close(slave)
        slave = -1
        Drain(master)  # reads and discards until the pty closes
        assert p.stderr is not None
        watch = StderrWatch(p.stderr)
        rc = finish(p, 30 + n / 200, "tty listener")
        wall = time.perf_counter() - t0
        watch.join(1)
        if rc != 0:
            raise BenchError(f"exit {rc}: {watch.text()}")
        if b.depth(q) != 0:
            raise BenchError(f"{b.depth(q)} messages left in the queue")
        return n / wall
    finally:
        if p is not None:
            kill(p)
        for fd in (slave, master):
            if fd >= 0:
                os.close(fd)
        b.delete_queue(q)
        b.delete_exchange(ex)


def listen_tty(ctx: Ctx) -> list[Row]:
    n = ctx.n(10_000, 3_000)
    row = Row(
        "tty",
        "listen (pretty) | pty",
        "msg/s",
        Target(">=", 2000, "msg/s"),
        "bare consumer, same pty",
    )
    for i in range(ctx.repeat):
        label = f"tty {i + 1}/{ctx.repeat} n={n}"
        attempt([row], "base", label, lambda: [tty_rate(ctx, bare_consume_cmd(ctx), n)])
        attempt(
            [row],
            "ours",
            label,
            lambda: [
                tty_rate(
                    ctx,
                    lambda ex, q, k: [
                        *ctx.listen,
                        "-e",
                        ex,
                        "-s",
                        "#",
                        "-u",
                        ctx.url,
                        "--queue",
                        q,
                        "-n",
                        str(k),
                    ],
                    n,
                )
            ],
        )
    return [row]
