"""`completion`: one Tab completion of listen as bash runs it, against `python -c pass`."""

from __future__ import annotations

import os
import shlex
import tempfile

from measure import PYTHON, BenchError, run_timed
from report import Row, Target

from .common import Ctx, attempt


def completion_run(prefix: list[str]) -> float:
    """Wall time of one argcomplete completion of ``<prefix> --``.

    argcomplete writes completions to fd 8 unless _ARGCOMPLETE_STDOUT_FILENAME
    names a file; we use the file and check it is non-empty.  _ARGCOMPLETE is
    the index of the first word that belongs to the parser's program, i.e.
    1 for a console script, 2 for ``python script.py``, 3 for ``python -m mod``.
    """
    line = shlex.join(prefix) + " --"
    with tempfile.NamedTemporaryFile(prefix="bench-complete.", delete=False) as f:
        out = f.name
    env = dict(
        os.environ,
        _ARGCOMPLETE=str(len(prefix)),
        _ARGCOMPLETE_SHELL="bash",
        COMP_LINE=line,
        COMP_POINT=str(len(line)),
        COMP_TYPE="9",
        _ARGCOMPLETE_STDOUT_FILENAME=out,
    )
    try:
        wall = run_timed(prefix, 15, env=env)
        with open(out) as f:
            words = f.read().replace("\v", " ").split()
        if not any(w.startswith("--") for w in words):
            raise BenchError(f"no option completions produced (got {words[:5]!r}); is argcomplete wired up?")
        return wall
    finally:
        os.unlink(out)


def completion(ctx: Ctx) -> list[Row]:
    row = Row(
        "completion",
        "listen Tab completion (process)",
        "s",
        Target("info"),
        "python -c pass",
    )
    for i in range(k := ctx.short_repeats):
        label = f"completion {i + 1}/{k}"
        attempt([row], "base", label, lambda: [run_timed([PYTHON, "-c", "pass"], 15)])
        attempt([row], "ours", label, lambda: [completion_run(ctx.listen)])
    return [row]
