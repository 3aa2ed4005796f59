"""``nnlint check PATH...`` (also plain ``nnlint PATH...``): the static half.

Exit codes follow ruff: 0 nothing found, 1 findings, 2 usage error or a file
that could not be checked (``--exit-zero`` turns 1 into 0).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nnlint.cache import DEFAULT_DIRECTORY
from nnlint.limits import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILE_SECONDS, MB
from nnlint.reporters import FORMATS


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("check", description=__doc__)
    parser.add_argument("paths", nargs="*", default=["."], help="files, directories or globs; '-' reads standard input")
    parser.add_argument("--format", choices=FORMATS, default="full", help="output format (default: full)")
    parser.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to enable instead of the defaults (ALL for every rule)")
    parser.add_argument("--extend-select", type=_codes, help="codes or prefixes to enable in addition")
    parser.add_argument("--ignore", type=_codes, help="codes or prefixes to disable")
    parser.add_argument("--exclude", type=_codes, help="globs of paths to skip, in addition to the config's")
    parser.add_argument("--config", type=Path, help="a pyproject.toml (or nnlint.toml) to read instead of the nearest one")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument("--statistics", action="store_true", help="print how many findings of each code instead of the findings")
    parser.add_argument("-o", "--output-file", metavar="PATH", help="write the report to this file (never coloured) instead of standard output")
    parser.add_argument("-q", "--quiet", action="store_true", help="print the findings and nothing else (no summary, no 'All checks passed!')")
    parser.add_argument("--show-settings", action="store_true", help="print the config file, settings and enabled rules this run uses, and exit")
    parser.add_argument("--show-files", action="store_true", help="print the files this run would check, and exit")
    parser.add_argument("-j", "--jobs", type=_positive, default=None, help="worker processes (default: the number of cores)")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes to the files, then report what is left")
    parser.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, also apply fixes marked unsafe")
    parser.add_argument("--diff", action="store_true", help="print the fixes as a unified diff and change nothing")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    parser.add_argument("--cache-dir", type=Path, help=f"where cached results live (default: {DEFAULT_DIRECTORY}/ beside the config, or here)")
    parser.add_argument("--stdin-filename", help="the path to report for code read from '-'")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour output (default: auto, honours NO_COLOR)")
    parser.add_argument("--max-file-size", type=_non_negative, default=DEFAULT_MAX_FILE_BYTES / MB, metavar="MB",
                        help=f"skip files larger than this, with a one-line error (default: {DEFAULT_MAX_FILE_BYTES / MB:g}; 0: no limit)")
    parser.add_argument("--max-file-time", type=_non_negative, default=DEFAULT_MAX_FILE_SECONDS, metavar="SECONDS",
                        help=f"give up on a file whose check takes longer, with a one-line error (default: {DEFAULT_MAX_FILE_SECONDS:g}; 0: no limit)")
    parser.set_defaults(handler=run)


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of jobs, got {text!r}")
    return number


def _non_negative(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not 0 <= number < float("inf"):  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return number


def _codes(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def run(args: argparse.Namespace) -> int:
    from nnlint.commands.check_run import run as run_check

    return run_check(args)
