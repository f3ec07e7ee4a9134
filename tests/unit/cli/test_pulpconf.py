"""Pulp's server.conf: the [messaging] url and topic_exchange."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulp_amqp_tools.cli import pulpconf
from pulp_amqp_tools.errors import UsageError


def test_config_strips_quotes(tmp_path: Path) -> None:
    path = tmp_path / "server.conf"
    path.write_text("[messaging]\nurl: 'tcp://q:5672'\ntopic_exchange: 'pulp'\n")
    assert pulpconf.load(str(path)) == pulpconf.PulpConfig(str(path), "pulp", "tcp://q:5672")
    path.write_text("[server]\nx = 1\n")
    assert pulpconf.load(str(path)).topic_exchange is None
    with pytest.raises(UsageError, match="does not exist"):
        pulpconf.load(str(tmp_path / "missing.conf"))
