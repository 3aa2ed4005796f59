"""``nnlint check PATH...`` (also plain ``nnlint PATH...``): the static half.

Exit codes follow ruff: 0 nothing found, 1 findings, 2 usage error or a file
that could not be checked (``--exit-zero`` turns 1 into 0).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nnlint.autofix import apply_fixes, fix_until_stable
from nnlint.cache import DEFAULT_DIRECTORY
from nnlint.config import ConfigError, Settings, find_config, load_settings
from nnlint.discovery import discover
from nnlint.engine import FileResult, check_files, check_text
from nnlint.registry import known_code_or_prefix
from nnlint.reporters import FORMATS, write_report
from nnlint.sources import UnreadableSource, decode

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("check", help="check training scripts (the default command)", description=__doc__)
    parser.add_argument("paths", nargs="*", default=["."], help="files, directories or globs; '-' reads standard input")
    parser.add_argument("--format", choices=FORMATS, default="full", help="output format (default: full)")
    parser.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to enable instead of the defaults (ALL for every rule)")
    parser.add_argument("--extend-select", type=_codes, help="codes or prefixes to enable in addition")
    parser.add_argument("--ignore", type=_codes, help="codes or prefixes to disable")
    parser.add_argument("--exclude", type=_codes, help="globs of paths to skip, in addition to the config's")
    parser.add_argument("--config", type=Path, help="a pyproject.toml (or nnlint.toml) to read instead of the nearest one")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument("-j", "--jobs", type=_positive, default=None, help="worker processes (default: the number of cores)")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes to the files, then report what is left")
    parser.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, also apply fixes marked unsafe")
    parser.add_argument("--diff", action="store_true", help="print the fixes as a unified diff and change nothing")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    parser.add_argument("--cache-dir", type=Path, help=f"where cached results live (default: {DEFAULT_DIRECTORY}/ beside the config, or here)")
    parser.add_argument("--stdin-filename", help="the path to report for code read from '-'")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour output (default: auto, honours NO_COLOR)")
    parser.set_defaults(handler=run)


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of jobs, got {text!r}")
    return number


def _codes(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def run(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args)
    except ConfigError as error:
        print(f"nnlint: {error}", file=sys.stderr)
        return EXIT_ERROR
    if args.paths == ["-"]:
        results, errors = _check_stdin(args, settings), []
    else:
        found = discover(args.paths, settings.exclude, settings.root)
        results, errors = check_files(found.files, settings, args.jobs, _cache_directory(args, settings)), found.errors
        if not found.files and not errors and not found.excluded:
            errors = ["no Python files to check"]
    if args.diff and args.paths != ["-"]:
        outcome = apply_fixes(results, unsafe=args.unsafe_fixes, diff=sys.stdout)
        for error in outcome.errors:
            print(f"nnlint: {error}", file=sys.stderr)
        return EXIT_FINDINGS if outcome.changed else EXIT_CLEAN
    if args.fix and args.paths != ["-"]:
        results, outcome = fix_until_stable(results, settings, jobs=args.jobs, unsafe=args.unsafe_fixes)
        errors = errors + outcome.errors
        if outcome.fixed:
            files = len(set(outcome.changed))
            print(f"Fixed {outcome.fixed} problem{'s' * (outcome.fixed != 1)} in {files} file{'s' * (files != 1)}.")
    errors = errors + [error for result in results for error in result.errors]
    diagnostics = [diagnostic for result in results for diagnostic in result.diagnostics]
    sources = {result.path: result.text for result in results if result.text is not None and result.diagnostics}
    color = {"auto": None, "always": True, "never": False}[args.color]
    write_report(diagnostics, args.format, sys.stdout, sources=sources, errors=errors, color=color)
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if diagnostics and not args.exit_zero else EXIT_CLEAN


def _cache_directory(args: argparse.Namespace, settings: Settings) -> str | None:
    if args.no_cache or args.fix:
        return None
    return str(args.cache_dir or (settings.root or Path.cwd()) / DEFAULT_DIRECTORY)


def _settings(args: argparse.Namespace) -> Settings:
    if args.config is not None and not args.config.is_file():
        raise ConfigError(f"{args.config}: config file not found")
    start = Path(args.stdin_filename or (args.paths[0] if args.paths and args.paths[0] != "-" else "."))
    settings = load_settings(args.config or find_config(start if start.exists() else Path(".")))
    for selectors in (args.select, args.extend_select, args.ignore):
        unknown = [code for code in selectors or () if not known_code_or_prefix(code.upper())]
        if unknown:
            raise ConfigError(f"unknown rule code or prefix: {', '.join(unknown)} (see 'nnlint rules')")
    for selectors in (settings.select, settings.extend_select, settings.ignore, *settings.per_file_ignores.values(), tuple(settings.severity)):
        unknown = [code for code in selectors or () if not known_code_or_prefix(code.upper())]
        if unknown:
            raise ConfigError(f"{settings.source}: unknown rule code or prefix: {', '.join(unknown)}")
    return settings.overridden(
        select=tuple(c.upper() for c in args.select) if args.select else None,
        extend_select=settings.extend_select + tuple(c.upper() for c in args.extend_select or ()),
        ignore=settings.ignore + tuple(c.upper() for c in args.ignore or ()),
        exclude=settings.exclude + tuple(args.exclude or ()),
    )


def _check_stdin(args: argparse.Namespace, settings: Settings) -> list[FileResult]:
    shown_as = args.stdin_filename or "<stdin>"
    try:
        source = decode(sys.stdin.buffer.read(), shown_as)
    except UnreadableSource as error:
        return [FileResult(shown_as, errors=[str(error)])]
    path = Path(args.stdin_filename) if args.stdin_filename else None
    return [check_text(source.text, shown_as, settings, path=path)]
