"""Result rows, targets, the printed table and results.json."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from measure import median

Kind = Literal["ratio>=", "ratio<=", ">=", "<=", "info"]


@dataclass(frozen=True)
class Target:
    """What a row must achieve: on ours/baseline (ratio*) or on ours alone."""

    kind: Kind
    value: float = 0.0
    unit: str = ""

    def text(self) -> str:
        if self.kind == "info":
            return "(reference)"
        if self.kind.startswith("ratio"):
            return f"ratio {self.kind[5:]} {self.value:g}x"
        return f"{self.kind} {self.value:g} {self.unit}".rstrip()

    def check(self, ours: float, ratio: float) -> bool | None:
        if self.kind == "info" or math.isnan(ours):
            return None
        if self.kind == "ratio>=":
            return None if math.isnan(ratio) else ratio >= self.value
        if self.kind == "ratio<=":
            return None if math.isnan(ratio) else ratio <= self.value
        if self.kind == ">=":
            return ours >= self.value
        return ours <= self.value


@dataclass
class Row:
    """One line of the table: samples of ours and of the baseline."""

    group: str
    name: str
    unit: str
    target: Target
    baseline_name: str = ""
    ours: list[float] = field(default_factory=list)
    base: list[float] = field(default_factory=list)
    ours_error: str = ""
    base_error: str = ""

    @property
    def ours_median(self) -> float:
        return median(self.ours)

    @property
    def base_median(self) -> float:
        return median(self.base)

    @property
    def ratio(self) -> float:
        """Median of per-repeat ours/baseline ratios (each pair is measured
        back to back, which cancels slow drift on a shared machine); ratio of
        medians if the samples do not pair up (e.g. ours failed part-way)."""
        if self.ours and len(self.ours) == len(self.base) and all(self.base):
            return median([o / b for o, b in zip(self.ours, self.base, strict=True)])
        o, b = self.ours_median, self.base_median
        return o / b if b and not (math.isnan(o) or math.isnan(b)) else float("nan")

    @property
    def verdict(self) -> str:
        if self.ours_error and not self.ours:
            return "ERROR"
        ok = self.target.check(self.ours_median, self.ratio)
        if ok is None:
            return "-" if self.target.kind == "info" else "n/a"
        return "PASS" if ok else "FAIL"

    def as_dict(self) -> dict[str, Any]:
        def clean(x: float) -> float | None:
            return None if math.isnan(x) else x

        return {
            "group": self.group,
            "name": self.name,
            "unit": self.unit,
            "baseline": self.baseline_name,
            "target": self.target.text(),
            "ours_median": clean(self.ours_median),
            "baseline_median": clean(self.base_median),
            "ratio": clean(self.ratio),
            "result": self.verdict,
            "ours_samples": self.ours,
            "baseline_samples": self.base,
            "ours_error": self.ours_error or None,
            "baseline_error": self.base_error or None,
        }


def fmt(x: float) -> str:
    if math.isnan(x):
        return "-"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if a >= 0.01 else f"{x:.2g}"


def table(rows: list[Row]) -> str:
    head = (
        "row",
        "unit",
        "ours",
        "baseline",
        "ratio",
        "target",
        "result",
        "baseline is",
    )
    body = [
        (
            r.name,
            r.unit,
            fmt(r.ours_median),
            fmt(r.base_median),
            "-" if math.isnan(r.ratio) else f"{r.ratio:.2f}x",
            r.target.text(),
            r.verdict,
            r.baseline_name or "-",
        )
        for r in rows
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body, strict=True)]
    right = {2, 3, 4}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(head), line(tuple("-" * w for w in widths))]
    out += [line(b) for b in body]
    errors = [(r.name, who, e) for r in rows for who, e in (("ours", r.ours_error), ("baseline", r.base_error)) if e]
    if errors:
        out.append("")
        out.append("errors:")
        out += [f"  {name} [{who}]: {e}" for name, who, e in errors]
    return "\n".join(out)


def write_json(path: Path, meta: dict[str, Any], rows: list[Row]) -> None:
    path.write_text(json.dumps({"meta": meta, "rows": [r.as_dict() for r in rows]}, indent=2) + "\n")
