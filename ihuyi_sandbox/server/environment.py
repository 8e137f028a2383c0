"""Every option of a command also read from an ``IHUYI_SANDBOX_*`` environment variable (a
container's ``ENV``, a CI service's settings): ``--keep-days`` from ``IHUYI_SANDBOX_KEEP_DAYS``.
The variable gives the option's default, so the command line wins; a flag takes ``1``, ``true``,
``yes`` or ``on`` (``0``, ``false``, ``no``, ``off`` or empty for off), a repeatable option a
comma-separated list. A value the option would refuse is kept aside as :class:`Unreadable` and
refused, naming the variable, only when the command runs: a bad variable for ``serve`` does not
break ``ihuyi-sandbox scenarios list``."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass

PREFIX = "IHUYI_SANDBOX_"
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")
EPILOG = (f"Every option can also be set by an environment variable: {PREFIX} and the option's name in "
          f"capitals, dashes as underscores ({PREFIX}KEEP_DAYS for --keep-days), named in each option's "
          "help; the command line wins. A flag's variable takes 1/true/yes/on or 0/false/no/off, a "
          "repeatable option's a comma-separated list.")


@dataclass(frozen=True)
class Unreadable:
    """An environment variable whose value its option refuses."""

    variable: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"${self.variable}={self.value!r}: {self.reason}"


def variable(action: argparse.Action) -> str | None:
    """The environment variable of an option (``None`` for ``--help`` and positionals)."""
    longs = [name for name in action.option_strings if name.startswith("--")]
    if not longs or isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
        return None
    return PREFIX + longs[0][2:].upper().replace("-", "_")


def read_environment(parser: argparse.ArgumentParser, environ: Mapping[str, str] = os.environ) -> None:
    """Give each option of ``parser`` its variable's value as its default, and its help the
    variable's name."""
    parser.epilog = EPILOG
    for action in parser._actions:  # argparse has no public list of a parser's options
        name = variable(action)
        if name is None:
            continue
        if action.help is not None and action.help is not argparse.SUPPRESS:
            action.help = f"{action.help} [${name}]"
        if name in environ:
            action.default = _value(action, name, environ[name])


def _value(action: argparse.Action, name: str, text: str) -> object:
    if action.nargs == 0:  # a flag
        if text.strip().lower() in TRUE:
            return True
        if text.strip().lower() in FALSE:
            return False
        return Unreadable(name, text, f"{action.option_strings[0]} is a flag: give one of "
                                      f"{', '.join(TRUE)} or {', '.join(FALSE[:-1])}")
    convert = action.type if callable(action.type) else str
    try:
        if isinstance(action, argparse._AppendAction):
            return [convert(part.strip()) for part in text.split(",") if part.strip()]
        return convert(text)
    except (argparse.ArgumentTypeError, ValueError) as error:
        return Unreadable(name, text, str(error))


def unreadable(args: argparse.Namespace) -> Unreadable | None:
    """The first option whose value came from a variable it refuses, if any."""
    return next((value for value in vars(args).values() if isinstance(value, Unreadable)), None)
