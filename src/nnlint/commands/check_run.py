"""Running ``nnlint check``: settings, discovery, the engine, fixes and the report.

Kept apart from the parser (``check.py``) so that building the command line,
which every subcommand does, imports no LibCST.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nnlint.autofix import applicable, apply_fixes, fix_until_stable
from nnlint.cache import DEFAULT_DIRECTORY
from nnlint.catalog import known_code_or_prefix
from nnlint.commands.check_views import show_files, show_settings, write_check_report
from nnlint.config import ConfigError, Settings, find_config, load_settings
from nnlint.discovery import discover
from nnlint.engine import FileResult, check_files, check_text
from nnlint.exit_codes import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS
from nnlint.limits import MB, FileLimits
from nnlint.sources import UnreadableSource, decode


def run(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args)
    except ConfigError as error:
        print(f"nnlint: {error}", file=sys.stderr)
        return EXIT_ERROR
    if args.show_settings or args.show_files:
        return show_settings(settings) if args.show_settings else show_files(args, settings)
    if args.paths == ["-"]:
        results, errors = _check_stdin(args, settings), []
    else:
        found = discover(args.paths, settings.exclude, settings.root)
        results, errors = check_files(found.files, settings, args.jobs, _cache_directory(args, settings), _limits(args)), found.errors
        if not found.files and not errors and not found.excluded:
            errors = ["no Python files to check"]
    if args.diff and args.paths != ["-"]:
        outcome = apply_fixes(results, unsafe=args.unsafe_fixes, diff=sys.stdout)
        for error in outcome.errors:
            print(f"nnlint: {error}", file=sys.stderr)
        hidden = 0 if args.unsafe_fixes else sum(
            1 for result in results for d in result.diagnostics if applicable(d, unsafe=True) and not applicable(d, unsafe=False))
        if hidden and not outcome.changed:  # an empty diff must not read as "nothing to fix"
            print(f"nnlint: no safe fixes to show; {hidden} more with --unsafe-fixes", file=sys.stderr)
        return EXIT_FINDINGS if outcome.changed else EXIT_CLEAN
    if args.fix and args.paths != ["-"]:
        results, outcome = fix_until_stable(results, settings, jobs=args.jobs, unsafe=args.unsafe_fixes)
        errors = errors + outcome.errors
        if outcome.fixed and not args.quiet:
            files = len(set(outcome.changed))
            print(f"Fixed {outcome.fixed} problem{'s' * (outcome.fixed != 1)} in {files} file{'s' * (files != 1)}.")
    errors = errors + [error for result in results for error in result.errors]
    diagnostics = [diagnostic for result in results for diagnostic in result.diagnostics]
    sources = {result.path: result.text for result in results if result.text is not None and result.diagnostics}
    if not write_check_report(args, diagnostics, sources, errors) or errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if diagnostics and not args.exit_zero else EXIT_CLEAN


def _limits(args: argparse.Namespace) -> FileLimits:
    return FileLimits(int(args.max_file_size * MB) or None, args.max_file_time or None)


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
