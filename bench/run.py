"""Benchmark pulp-listen / pulp-emit against bare pika baselines.

Run from the repository root::

    python bench/run.py            # full run, ~10-15 min
    python bench/run.py --quick    # smoke run, ~2-3 min
    python bench/run.py --only pipe,latency --repeat 3

Every row is measured against a baseline taken in the same run, against the
local broker only.  Prints a table and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from urllib.parse import urlparse

import pika
from measure import BENCH_DIR, PYTHON, Broker, kill_all
from report import Row, table, write_json
from scenarios import SCENARIOS, Ctx


def _command(script: str, module: str) -> str:
    """The console script users run, installed beside this interpreter; else `python -m`."""
    installed = Path(PYTHON).parent / script
    if installed.exists():
        return shlex.join([str(installed)])
    return shlex.join([PYTHON, "-m", module])


DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small message counts and short durations")
    ap.add_argument(
        "--only",
        metavar="NAME[,NAME]",
        help="run only these scenarios: " + ", ".join(SCENARIOS),
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=5,
        metavar="K",
        help="repeats per measurement (median taken)",
    )
    ap.add_argument(
        "--mem-repeat",
        type=int,
        default=1,
        metavar="K",
        help="repeats for the memory scenario, which streams 1M messages (default 1)",
    )
    ap.add_argument("--url", default=DEFAULT_URL, help="AMQP URL of the local broker")
    ap.add_argument(
        "--listen-cmd",
        default=_command("pulp-listen", "pulp_amqp_tools.commands.listen"),
        help="command prefix for listen (shell words), e.g. pulp-listen",
    )
    ap.add_argument(
        "--emit-cmd",
        default=_command("pulp-emit", "pulp_amqp_tools.commands.emit"),
        help="command prefix for emit (shell words), e.g. pulp-emit",
    )
    ap.add_argument(
        "--transient-exchange",
        action="store_true",
        help="declare the benchmark's topic exchanges non-durable (default durable)",
    )
    ap.add_argument(
        "--output",
        type=Path,
        default=BENCH_DIR / "results.json",
        help="where to write JSON results",
    )
    args = ap.parse_args(argv)
    host = urlparse(args.url).hostname
    if host not in LOCAL_HOSTS:
        ap.error(f"refusing to benchmark a non-local broker ({host}); use 127.0.0.1")
    if args.repeat < 1 or args.mem_repeat < 1:
        ap.error("--repeat and --mem-repeat must be >= 1")
    names = [n.strip() for n in args.only.split(",")] if args.only else list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        ap.error(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    args.names = names
    return args


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    broker = Broker(args.url, durable_exchange=not args.transient_exchange)
    ctx = Ctx(
        url=args.url,
        broker=broker,
        listen=shlex.split(args.listen_cmd),
        emit=shlex.split(args.emit_cmd),
        repeat=args.repeat,
        quick=args.quick,
        mem_repeat=args.mem_repeat,
    )
    rows: list[Row] = []
    started = time.time()
    interrupted = False
    try:
        broker.channel()
        for name in args.names:
            print(f"[{name}]", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            rows += SCENARIOS[name](ctx)
            print(f"[{name}] {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        interrupted = True
        print("interrupted; reporting what was measured", file=sys.stderr)
    finally:
        kill_all()
        broker.cleanup()
    meta = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds": round(time.time() - started, 1),
        "quick": args.quick,
        "repeat": args.repeat,
        "mem_repeat": args.mem_repeat,
        "scenarios": args.names,
        "interrupted": interrupted,
        "listen_cmd": ctx.listen,
        "emit_cmd": ctx.emit,
        "python": platform.python_version(),
        "pika": pika.__version__,
        "host": platform.node(),
        "cpus": os.cpu_count(),
    }
    print()
    print(table(rows))
    write_json(args.output, meta, rows)
    print(f"\nwrote {args.output}  ({meta['seconds']}s)")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
