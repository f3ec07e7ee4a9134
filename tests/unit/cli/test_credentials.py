"""Credentials: who logs in with which password, password files and prompts, never a password shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulp_amqp_tools.cli import credentials, urls
from pulp_amqp_tools.errors import UsageError
from tests.support.cliargs import no_prompt, resolve

SECRET = "Unit-Zq9-s3cr3t"


def test_defaults_are_guest_without_asking() -> None:
    broker = resolve(prompt=no_prompt)
    assert (broker.username, broker.password, broker.warnings) == ("guest", "guest", ())


def test_url_password_from_the_environment_does_not_warn() -> None:
    broker = resolve(env={"AMQP_URL": f"amqp://bob:{SECRET}@h/"}, prompt=no_prompt)
    assert (broker.username, broker.password, broker.warnings) == ("bob", SECRET, ())


def test_url_password_on_the_command_line_warns_without_quoting_it() -> None:
    broker = resolve("-u", f"amqp://bob:{SECRET}@h/", prompt=no_prompt)
    assert broker.password == SECRET
    assert broker.warnings == (credentials.COMMAND_LINE_WARNING,)
    assert SECRET not in credentials.COMMAND_LINE_WARNING
    assert resolve("-u", "amqp://guest:guest@h/").warnings == ()  # the well-known default is no secret


def test_user_flag_prompts_and_overrides_the_url_user() -> None:
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return SECRET

    broker = resolve("--user", "alice", env={"AMQP_URL": "amqp://bob:bobs-pw@h:5673/"}, prompt=prompt)
    assert (broker.username, broker.password) == ("alice", SECRET)  # bob's password is not alice's
    assert asked == ["Password for alice at h:5673: "]
    same = resolve("--user", "bob", env={"AMQP_URL": "amqp://bob:bobs-pw@h/"}, prompt=no_prompt)
    assert same.password == "bobs-pw"


def test_url_user_without_password_prompts_or_fails() -> None:
    assert resolve("-u", "amqp://carol@h/", prompt=lambda _text: SECRET).password == SECRET
    with pytest.raises(UsageError, match="no password for user 'carol'"):
        credentials.resolve("carol", None, prompt=None)
    with pytest.raises(UsageError, match="no password given"):
        resolve("-u", "amqp://carol@h/", prompt=lambda _text: "")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (SECRET + "\n", SECRET),
        (SECRET, SECRET),
        (SECRET + "\r\nsecond line\n", SECRET),
        (" sp ace \n", " sp ace "),
    ],
)
def test_password_file_first_line(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "pw"
    path.write_text(content, newline="")
    broker = resolve("--user", "dave", "--password-file", str(path), prompt=no_prompt)
    assert (broker.username, broker.password) == ("dave", expected)


def test_password_file_errors_never_quote_the_path(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(UsageError, match="empty"):
        credentials.read_password_file(str(empty))
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\n")
    with pytest.raises(UsageError, match="not UTF-8"):
        credentials.read_password_file(str(binary))
    with pytest.raises(UsageError) as caught:
        credentials.read_password_file(SECRET)  # `--password SECRET` abbreviates to --password-file
    assert SECRET not in str(caught.value)


def test_password_file_wins_over_the_url_password(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_text("from-file\n")
    broker = resolve("--password-file", str(path), env={"AMQP_URL": "amqp://erin:from-url@h/"})
    assert (broker.username, broker.password) == ("erin", "from-file")


def test_repr_of_settings_and_urls_hides_the_password() -> None:
    broker = resolve(env={"AMQP_URL": f"amqp://bob:{SECRET}@h/"})
    assert SECRET not in repr(broker) and SECRET not in broker.describe()
    assert SECRET not in repr(urls.parse(f"amqp://bob:{SECRET}@h/"))
    assert SECRET not in repr(credentials.Credentials("bob", SECRET))
