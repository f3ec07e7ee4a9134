"""Who we log in as: the user and password from a URL, --user, --password-file or a prompt (read here). No pika.

The only I/O is reading the password file and, when asked to, prompting on the terminal;
nothing here ever puts a password into a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from pulp_amqp_tools.errors import UsageError

DEFAULT_USER = "guest"
DEFAULT_PASSWORD = "guest"  # RabbitMQ's well-known default account: not a secret

Prompt = Callable[[str], str]

COMMAND_LINE_WARNING = (
    "the password in -u/--url can be read by other users of this machine "
    "(ps, /proc); prefer AMQP_URL, --password-file or the prompt"
)


class Credentials(NamedTuple):
    """Who to log in as; repr() never shows the password."""

    username: str
    password: str
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, warnings={self.warnings!r})"


def read_password_file(path: str) -> str:
    """The first line of `path`, without its line ending.

    The path is never quoted in errors: `--password s3cret` abbreviates to --password-file, and
    the "file name" is then the password itself.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(64 * 1024)
    except OSError as exc:
        raise UsageError(f"cannot read the --password-file: {exc.strerror or type(exc).__name__}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("the --password-file is not UTF-8 text") from None
    password = text.split("\n", 1)[0].removesuffix("\r")
    if not password:
        raise UsageError("the --password-file is empty (the password is its first line)")
    return password


def tty_prompt(text: str) -> str:
    """Ask for the password on the terminal, without echo."""
    import getpass

    try:
        return getpass.getpass(text)
    except EOFError:
        raise UsageError("no password given at the prompt") from None
    except KeyboardInterrupt:
        _end_prompt_line()  # Ctrl-C: getpass gives the echo back but not the line it was on
        raise


def _end_prompt_line() -> None:
    """A newline where getpass wrote its prompt (the terminal, else stderr), so the shell's next
    prompt does not start after ours."""
    try:
        with open("/dev/tty", "w") as tty:
            tty.write("\n")
    except OSError:
        import sys

        sys.stderr.write("\n")
        sys.stderr.flush()


def resolve(
    url_user: str | None,
    url_password: str | None,
    *,
    user: str | None = None,
    password_file: str | None = None,
    password_in_argv: bool = False,
    prompt: Prompt | None = None,
    where: str = "the broker",
) -> Credentials:
    """Choose the user and password.

    --user overrides the URL's user name; the URL's password then only counts for that same
    user. The password comes from --password-file, else the URL, else the prompt (when there
    is a terminal); with neither user nor password anywhere it is RabbitMQ's guest/guest.
    """
    username = user if user is not None else (url_user if url_user is not None else DEFAULT_USER)
    if not username:
        raise UsageError("the user name must not be empty")
    warnings: list[str] = []
    if password_in_argv and url_password and (url_user, url_password) != (DEFAULT_USER, DEFAULT_PASSWORD):
        warnings.append(COMMAND_LINE_WARNING)
    if password_file is not None:
        password = read_password_file(password_file)
    elif url_password is not None and (user is None or user == url_user):
        password = url_password
    elif user is None and url_user is None:
        password = DEFAULT_PASSWORD
    elif prompt is not None:
        password = prompt(f"Password for {username} at {where}: ")
        if not password:
            raise UsageError("no password given at the prompt")
    else:
        raise UsageError(
            f"no password for user {username!r}: use --password-file FILE, put it in AMQP_URL, "
            "or run on a terminal to be asked for it"
        )
    return Credentials(username, password, tuple(warnings))
