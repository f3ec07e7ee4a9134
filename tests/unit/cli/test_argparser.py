"""The parser both commands use: a usage error is one line, with any URL password masked."""

from __future__ import annotations

import pytest

from tests.support.cliargs import broker_args

SECRET = "Unit-Zq9-s3cr3t"


def test_parser_errors_are_one_masked_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        broker_args("-p", "many", f"amqp://u:{SECRET}@h")
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("t: error: ") and "usage:" not in err
    assert SECRET not in err and err.endswith("(see t --help)\n")
