"""Tab completion: the completers of both commands and --print-completion. Cheap: no pika, no rich.

argcomplete runs the whole program on every Tab, so this module imports neither pika nor rich,
never touches the network, and imports argcomplete only when it prints the shell code.
Arguments with `choices=` complete without anything here (argcomplete offers the choices), so
flags added later complete too; free-text arguments offer files only when their metavar names
a file, never a directory listing for a number.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from pulp_amqp_tools.cli import pulpconf
from pulp_amqp_tools.messages import events

Completer = Callable[..., Iterable[str]]
SHELLS = ("bash", "zsh", "fish")
COMMANDS = ("pulp-listen", "pulp-emit")
_FILE_WORDS = ("FILE", "PATH", "DIR")

# Useful binding patterns around Pulp's subjects: one word per `*`, zero or more per `#`.
PULP_PATTERNS: tuple[str, ...] = (
    "pulp.server.repo.*.start",
    "pulp.server.repo.*.finish",
    "pulp.server.repo.sync.*",
    "pulp.server.repo.publish.*",
    "pulp.server.#",
)  # a bare "#" would start a shell comment; it is the default anyway


def event_types(**_: Any) -> list[str]:
    """-t/--event-type: Pulp's four types and '*' (all of them)."""
    return [*events.EVENT_TYPES, "*"]


def subjects(**_: Any) -> list[str]:
    """A routing key to publish with: Pulp's subjects."""
    return [events.subject_for(name) for name in events.EVENT_TYPES]


def patterns(**_: Any) -> list[str]:
    """A binding pattern: Pulp's subjects and the wildcards people use with them."""
    return subjects() + list(PULP_PATTERNS)


def offsets(**_: Any) -> list[str]:
    """--offset: the named places of a stream and a few durations ago (an offset or a time is typed)."""
    return ["first", "last", "next", "15m", "1h", "1D"]


def max_ages(**_: Any) -> list[str]:
    """--max-age: a few retentions in RabbitMQ's units."""
    return ["1D", "7D", "12h", "1M"]


def exchanges(parsed_args: argparse.Namespace | None = None, **_: Any) -> list[str]:
    """Exchange names from the config file (--config if already on the line), then amq.topic."""
    return pulpconf.exchange_candidates(getattr(parsed_args, "config", None))


def files(prefix: str = "", **_: Any) -> list[str]:
    """Paths starting with `prefix` (directories end in /), read locally without a subprocess."""
    head, _sep, start = prefix.rpartition("/")
    folder = os.path.expanduser(head + "/" if _sep else ".")
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    shown = head + "/" if _sep else ""
    found = []
    for entry in entries:
        if not entry.name.startswith(start) or (entry.name.startswith(".") and not start.startswith(".")):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        found.append(shown + entry.name + ("/" if is_dir else ""))
    return sorted(found)


def body_values(prefix: str = "", **_: Any) -> list[str]:
    """--body TEXT|@FILE|-: after '@', files; else the two special forms."""
    if prefix.startswith("@"):
        return ["@" + path for path in files(prefix[1:])]
    return ["-", "@"]


# --where/--fail-where paths (messages/filters.py): the fixed ones, and the starts of dotted ones.
WHERE_PATHS = (
    "subject=",
    "routing_key=",
    "exchange=",
    "redelivered=",
    "body=",
    "payload.",
    "call_report.",
    "event_type=",
    "headers.",
    "properties.",
)
PROPERTY_NAMES = (
    "content_type",
    "content_encoding",
    "delivery_mode",
    "priority",
    "expiration",
    "message_id",
    "correlation_id",
    "reply_to",
    "type",
    "app_id",
    "timestamp",
)


def where_paths(prefix: str = "", **_: Any) -> list[str]:
    """--where/--fail-where: paths to compare (`headers.` and `properties.` followed by their names)."""
    if prefix.startswith("properties."):
        return [f"properties.{name}=" for name in PROPERTY_NAMES]
    if prefix.startswith("headers."):
        return ["headers.qpid.subject="]
    return [path for path in WHERE_PATHS if path.startswith(prefix)]


def property_names(prefix: str = "", **_: Any) -> list[str]:
    """--property: the basic properties emit can set, as NAME=."""
    return [f"{name}=" for name in PROPERTY_NAMES if name.startswith(prefix)]


def nothing(**_: Any) -> list[str]:
    """Free text (a count, an id, a host): nothing sensible to offer, and certainly not files."""
    return []


def _executables(prog: str, shell: str) -> list[str]:
    # Both commands at once: one line in a startup file covers the pair.
    names = [prog] + [name for name in COMMANDS if name != prog]
    # Run from a checkout (./scripts/listen.py), register that script too: bash and zsh look up
    # the word after the last slash and run the word as typed; fish needs the script's full path.
    script = sys.argv[0] if sys.argv and sys.argv[0].endswith(".py") else ""
    if script and os.path.basename(script) != "__main__.py":
        names.append(os.path.abspath(script) if shell == "fish" else os.path.basename(script))
    return names


def shell_code(prog: str, shell: str) -> str:
    """The lines that make `shell` complete `prog`, for `eval` or a completion file."""
    from argcomplete.shell_integration import shellcode

    # No readline filename fallback: arguments that take files offer them themselves.
    return shellcode(_executables(prog, shell), use_defaults=False, shell=shell)


class PrintCompletion(argparse.Action):
    """--print-completion SHELL: print the shell code that enables Tab completion, then exit."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("default", argparse.SUPPRESS)
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        sys.stdout.write(shell_code(parser.prog, str(values)))
        sys.stdout.flush()
        parser.exit()


def autocomplete(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's Tab (argcomplete), with bash's word breaks made to match what bash does.

    bash passes '@' to the completer as part of the word (readline's special prefixes), yet
    argcomplete, told '@' is in COMP_WORDBREAKS, cuts it off the completions: Tab turned
    `--body @REP` into `--body REPORT.json`, and Enter then published the file's name.
    """
    import argcomplete

    breaks = os.environ.get("_ARGCOMPLETE_COMP_WORDBREAKS")
    if breaks is not None:
        os.environ["_ARGCOMPLETE_COMP_WORDBREAKS"] = breaks.replace("@", "")
    argcomplete.autocomplete(parser)


def install(parser: argparse.ArgumentParser, **completers: Completer) -> None:
    """Attach completers by dest, keep free text from offering files, add --print-completion.

    Call it last in build_parser; `completers` maps an argument's dest to its completer.
    """
    for action in parser._actions:
        if action.dest in completers:
            action.completer = completers[action.dest]  # type: ignore[attr-defined]
        elif getattr(action, "completer", None) is None and action.choices is None and action.nargs != 0:
            shown = str(action.metavar or action.dest).upper()
            wants_files = any(word in shown for word in _FILE_WORDS)
            action.completer = files if wants_files else nothing  # type: ignore[attr-defined]
    first = parser.prog
    parser.add_argument(
        "--print-completion",
        action=PrintCompletion,
        choices=SHELLS,
        metavar="SHELL",
        help=f"print the code that makes SHELL ({', '.join(SHELLS)}) complete "
        f"{' and '.join(COMMANDS)} on Tab, then exit; "
        f'e.g. eval "$({first} --print-completion bash)"',
    )
    if parser.epilog is not None:
        parser.epilog = parser.epilog.rstrip("\n") + (
            f'\n  eval "$({first} --print-completion bash)"   bash completion (zsh, fish: docs/operations.md)\n'
        )
