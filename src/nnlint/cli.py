"""The ``nnlint`` command: argument parsing and dispatch only.

``nnlint PATH...`` means ``nnlint check PATH...``. ``COMMANDS`` is the one list of
subcommands: each names the module that builds its parser and runs it. Only the
module of the command being run is imported and only its parser is built (the
others are one-line stubs, so ``nnlint --help`` still lists them): a pre-commit
run of ``nnlint train.py`` pays for neither the tracer, the doctor nor the
language server, and ``import nnlint.cli`` stays torch-free.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from nnlint import __version__

#: command -> (the module with its ``add_parser(subparsers)`` and handler, the line ``nnlint --help`` shows)
COMMANDS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "check": ("nnlint.commands.check", "check training scripts (the default command)"),
    "rules": ("nnlint.commands.rules", "list every rule: code, name, checklist items, fixable, default"),
    "rule": ("nnlint.commands.rule", "explain one rule: what, why, example, instead"),
    "trace": ("nnlint.trace.command", "trace a model with prime-dimension shapes (needs the trace extra)"),
    "doctor": ("nnlint.doctor.command", "run the first training steps of a script with checks (needs the trace extra)"),
    "lsp": ("nnlint.commands.lsp", "run the language server for editors (stdio)"),
    "clean": ("nnlint.commands.clean", "remove the result cache"),
})

_TOP_LEVEL_OPTIONS = ("-h", "--help", "--version")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with ``command``'s full sub-parser (imported now) and a stub for every other command."""
    parser = argparse.ArgumentParser(
        prog="nnlint",
        description="Find why your neural network will not learn, before the 12-hour run.",
        epilog="Run 'nnlint PATH' to check training scripts; 'nnlint COMMAND --help' for a command.",
    )
    parser.add_argument("--version", action="version", version=f"nnlint {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, summary) in COMMANDS.items():
        if name == command:
            importlib.import_module(module_name).add_parser(subparsers)  # a missing dependency is raised, not hidden
        else:
            subparsers.add_parser(name, help=summary, add_help=False)
    chosen = subparsers.choices.get(command) if command else None
    if chosen is not None:  # so that an unknown option shows this command's usage
        chosen.set_defaults(command_parser=chosen)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or (arguments[0] not in COMMANDS and arguments[0] not in _TOP_LEVEL_OPTIONS):
        arguments.insert(0, "check")
    command = arguments[0] if arguments[0] in COMMANDS else None
    try:
        parser = build_parser(command)
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
