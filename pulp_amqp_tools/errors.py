"""The project's exceptions: each carries one line for stderr and its exit status."""

from __future__ import annotations

from pulp_amqp_tools.exitcodes import ExitStatus


class ToolError(Exception):
    """A failure to report as one stderr line with a documented exit status."""

    status: ExitStatus = ExitStatus.ERROR

    def __init__(self, message: str, status: ExitStatus | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message


class UsageError(ToolError):
    status = ExitStatus.USAGE


class ConnectError(ToolError):
    status = ExitStatus.CONNECTION


class AccessError(ToolError):
    status = ExitStatus.ACCESS


class BrokerError(ToolError):
    status = ExitStatus.BROKER


class NotDeliveredError(ToolError):
    status = ExitStatus.NOT_DELIVERED
