"""pulp-emit's wording on stderr: the one-line summary, what was not confirmed, what was sent twice. No I/O.

The command (commands/emit/run.py) decides what to say and when; this module only turns a
loops.emit.Report into the words, so every figure is worded the same way in every line.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from pulp_amqp_tools.messages.counts import plural as plural  # one wording for the loops and the summary
from pulp_amqp_tools.messages.safetext import quoted

if TYPE_CHECKING:
    from pulp_amqp_tools.loops.emit import Report

MEASURABLE = 0.5  # seconds: a shorter run's rate says more about start-up than about publishing
LARGE_BODY = 64 * 1024  # bytes per message on average from which the byte rate is shown too


def tally(counter: Counter[str], limit: int = 5) -> str:
    """The subjects most counted, with their counts: `'a.b' x3, 'c' x1 and 2 more subjects`."""
    shown = ", ".join(f"{quoted(subject)} x{n}" for subject, n in counter.most_common(limit))
    more = len(counter) - limit
    return shown + (f" and {more} more subjects" if more > 0 else "")


def _bytes_rate(size: float) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1000:
            return f"{size:,.0f} {unit}/s"
        size /= 1000
    return f"{size:,.1f} GB/s"


def summary(report: Report, elapsed: float, body_bytes: int = 0) -> str:
    """The figures of the one-line summary: sent, confirmed, unroutable, elapsed, and the rates
    (messages, and bytes when the bodies are large) when the run was long enough to measure them."""
    unroutable = (
        f"{sum(report.unroutable.values())} unroutable"
        if report.unroutable_reported
        else "unroutable: not reported by this broker"  # never a reassuring 0
    )
    figures = f"{report.published} sent, {report.confirmed} confirmed, {unroutable}, {elapsed:.2f} s"
    if elapsed < MEASURABLE or report.published < 2:
        return figures
    figures += f", {report.published / elapsed:,.0f} msg/s"
    if report.published and body_bytes / report.published >= LARGE_BODY:
        figures += f", {_bytes_rate(body_bytes / elapsed)}"
    return figures


def again(report: Report) -> str:
    """What the summary says about messages sent twice (after a reconnect, or refused once)."""
    if not report.resent:
        return ""
    causes = [f"{report.reconnects} reconnect(s)"] if report.reconnects else []
    if report.refused_again:
        causes.append(f"{report.refused_again} refusal(s) (nack)")
    return f"; {report.resent} sent again after {' and '.join(causes)}: consumers may see duplicates"


def unconfirmed(report: Report, where: str, figures: str, confirm_timeout: float) -> str | None:
    """The line for messages the broker rejected or never answered; None when all were confirmed."""
    if not (report.nacked or report.unconfirmed):
        return None
    lost = report.nacked + report.unconfirmed
    return (
        f"{sum(lost.values())} of {plural(report.published, 'message')} to {where} were not confirmed "
        "by the broker "
        f"({sum(report.nacked.values())} rejected, {sum(report.unconfirmed.values())} unanswered "
        f"after {confirm_timeout:g} s): {tally(lost)} ({figures})"
    )


def unroutable(report: Report, where: str, figures: str) -> str:
    """The line for messages that reached no queue."""
    return (
        f"{sum(report.unroutable.values())} of {plural(report.published, 'message')} to {where} reached no "
        f"queue (no binding matched): {tally(report.unroutable)} ({figures})"
    )


def stopped(report: Report, exchange: str, elapsed: float) -> str:
    """The line on Ctrl-C or SIGTERM: how far the run got."""
    return (
        f"stopped: {plural(report.published, 'message')} sent to exchange {quoted(exchange)}, "
        f"{report.confirmed_so_far()} confirmed before the stop ({elapsed:.2f} s)"
    )


def published(report: Report, where: str, figures: str) -> str:
    """The line of a run where everything was confirmed."""
    return f"{plural(report.published, 'message')} published to {where}, all confirmed ({figures}{again(report)})"
