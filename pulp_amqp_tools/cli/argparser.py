"""The argument parser both commands use: argparse, but usage errors are one masked line. No pika, no rich."""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from typing import Any, NoReturn

from pulp_amqp_tools.cli import helpformat
from pulp_amqp_tools.cli.environment import Environment
from pulp_amqp_tools.cli.urls import mask_all
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages.safetext import one_line


class ArgumentParser(argparse.ArgumentParser):
    """argparse.ArgumentParser whose errors are `prog: error: ...` on one line, exit status 2.

    argparse prints the whole usage block before its error; in a script's log that buries the
    one line that says what was wrong. Its messages can also quote what was typed ("unrecognized
    arguments: amqp://bob:secret@h"), so any URL password in them is masked, whole. Help is laid
    out for `env` (colour and width: cli/environment.py). `-h` shows the `common` options only;
    `--help` shows them all, with the examples.
    """

    def __init__(self, *args: Any, env: Environment | None = None, common: Sequence[str] = (), **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", helpformat.formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.env = env if env is not None else Environment(self.prog)
        self.common = tuple(common)
        self._typed: list[str] = []
        self.add_argument("-h", action=_ShortHelp, help="show the most used options and exit")
        self.add_argument("--help", action="help", help="show every option, with examples, and exit")

    def _parse_known_args(self, arg_strings: list[str], *args: Any, **kwargs: Any) -> Any:
        self._typed = list(arg_strings)  # what was typed, for masking and hints in error()
        return super()._parse_known_args(arg_strings, *args, **kwargs)

    def format_help(self) -> str:
        with helpformat.printing(self.env):  # only now may the formatter be rich (helpformat)
            return super().format_help()

    def format_short_help(self) -> str:
        """Usage, description and the `common` options, pointing at --help for the rest."""
        chosen = [action for action in self._actions if action.dest in ("h", *self.common)]
        chosen += [action for action in self._actions if action.dest == "help"]
        with helpformat.printing(self.env):
            formatter = self._get_formatter()
            formatter.add_usage(short_usage(self.prog, chosen), chosen, [])
            formatter.add_text(self.description)
            formatter.start_section("most used options")
            formatter.add_arguments(chosen)
            formatter.end_section()
            formatter.add_text(f"{self.prog} --help shows all {len(self._actions)} options, with examples.\n")
            return formatter.format_help()

    def error(self, message: str) -> NoReturn:
        text = one_line(mask_all(message, self._typed)) + self._hint(message)
        self.exit(int(ExitStatus.USAGE), f"{self.prog}: error: {text} (see {self.prog} --help)\n")

    def _hint(self, message: str) -> str:
        """A suggestion for a mistyped flag, or to quote a pattern the shell expanded."""
        if not message.startswith(_UNRECOGNIZED):
            return ""
        words = [word for word in self._typed if word in message[len(_UNRECOGNIZED) :].split(" ")]
        known = [flag for action in self._actions for flag in action.option_strings if flag.startswith("--")]
        for word in words:
            if word.startswith("--"):
                close = difflib.get_close_matches(word.split("=", 1)[0], known, n=1, cutoff=0.7)
                if close:
                    return f"; did you mean {close[0]}?"
        if _expanded(words):
            return (
                "; if the shell expanded an unquoted * or # into these words, quote the pattern: "
                "-s 'pulp.server.repo.*.finish'"
            )
        return ""


_UNRECOGNIZED = "unrecognized arguments: "


def _expanded(words: list[str]) -> bool:
    """Whether unrecognized `words` plausibly came from the shell expanding a pattern: a dotted
    word like a subject that is neither a number nor the value of an unknown flag before it
    (`--protocol 1.0` is a flag this version lacks, not a pattern to quote)."""
    for index, word in enumerate(words):
        if word.startswith("-") or "." not in word:
            continue
        if index and words[index - 1].startswith("-"):
            continue
        try:
            float(word)
        except ValueError:
            return True
    return False


def short_usage(prog: str, actions: Sequence[argparse.Action]) -> str:
    """`prog [-h] [-e NAME] [-q] [options]`: the short flags of `actions`, as the 2012 listen.py's -h showed them."""
    words = [prog]
    for action in actions:
        flag = next((name for name in action.option_strings if len(name) == 2), None)
        if flag is None:
            continue
        metavar = "" if action.nargs == 0 else f" {action.metavar or action.dest.upper()}"
        words.append(f"[{flag}{metavar}]")
    return " ".join([*words, "[options]"])


class _ShortHelp(argparse.Action):
    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        if isinstance(parser, ArgumentParser) and parser.common:
            parser._print_message(parser.format_short_help(), parser.env.stdout)
        else:
            parser.print_help()
        parser.exit()
