"""The ``nnlint`` command: argument parsing and dispatch only.

``nnlint PATH...`` means ``nnlint check PATH...``. The ``trace`` and ``doctor``
subcommands register their parsers here but import torch only when run, so
``import nnlint.cli`` (every pre-commit run) stays torch-free.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from nnlint import __version__
from nnlint.commands import check, clean, rules

_LAZY_COMMANDS = ("nnlint.trace.command", "nnlint.doctor.command", "nnlint.lsp_command")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnlint",
        description="Find why your neural network will not learn, before the 12-hour run.",
        epilog="Run 'nnlint PATH' to check training scripts; 'nnlint COMMAND --help' for a command.",
    )
    parser.add_argument("--version", action="version", version=f"nnlint {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    check.add_parser(subparsers)
    rules.add_parsers(subparsers)
    clean.add_parser(subparsers)
    for module_name in _LAZY_COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        module.add_parser(subparsers)
    for command_parser in subparsers.choices.values():  # so that an unknown option shows this command's usage
        command_parser.set_defaults(command_parser=command_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = {"check", "rules", "rule", "trace", "doctor", "lsp", "clean"}
    if not arguments or (arguments[0] not in commands and arguments[0] not in ("-h", "--help", "--version")):
        arguments.insert(0, "check")
    try:
        args, unknown = parser.parse_known_args(arguments)
        if unknown:  # argparse would answer with the top level's usage, which lists no option of the command
            (getattr(args, "command_parser", None) or parser).error(f"unrecognized arguments: {' '.join(unknown)}")
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("nnlint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
