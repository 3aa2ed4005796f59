"""What ``nnlint check`` shows besides its findings: ``--show-settings``, ``--show-files``, and where the
report goes (``--output-file``, ``--statistics``, ``--quiet``).

Kept out of ``check_run`` so that running a check stays one page: these answer
"what would this run use?" (ruff's and mypy's first questions when a result
surprises) and "where does the report go?", not "what is wrong?".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence

from nnlint.config import Settings
from nnlint.diagnostic import Diagnostic
from nnlint.discovery import discover
from nnlint.exit_codes import EXIT_CLEAN, EXIT_ERROR
from nnlint.output_file import write_output
from nnlint.reporters import STATISTICS, write_report

_COLORS = {"auto": None, "always": True, "never": False}


def show_settings(settings: Settings) -> int:
    """Print the config file and the settings a run uses, then the rules it enables."""
    from nnlint.engine import enabled_rules  # imports LibCST and the rules: only when asked

    def codes(values: Sequence[str] | None) -> str:
        return ", ".join(values) if values else "-"

    lines = [
        f"config: {settings.source or '- (no [tool.nnlint] found: defaults)'}",
        f"root: {settings.root or '-'}",
        f"select: {codes(settings.select) if settings.select is not None else '- (the default rules)'}",
        f"extend-select: {codes(settings.extend_select)}",
        f"ignore: {codes(settings.ignore)}",
        f"exclude: {codes(settings.exclude)}",
        *(f"per-file-ignores: {glob} = {codes(listed)}" for glob, listed in sorted(settings.per_file_ignores.items())),
        *(f"severity: {code} = {severity.label}" for code, severity in sorted(settings.severity.items())),
        "enabled rules:",
        *(f"  {rule.code} {rule.name}" for rule in enabled_rules(settings)),
    ]
    print("\n".join(lines))
    return EXIT_CLEAN


def show_files(args: argparse.Namespace, settings: Settings) -> int:
    """Print the files a run would check, one a line, and the paths that cannot be checked (exit 2 then)."""
    if args.paths == ["-"]:
        print(args.stdin_filename or "-")
        return EXIT_CLEAN
    found = discover(args.paths, settings.exclude, settings.root)
    for path in found.files:
        print(path)
    for error in found.errors:
        print(f"nnlint: {error}", file=sys.stderr)
    return EXIT_ERROR if found.errors else EXIT_CLEAN


def write_check_report(args: argparse.Namespace, diagnostics: Sequence[Diagnostic], sources: Mapping[str, str],
                       errors: Sequence[str]) -> bool:
    """Write the report to standard output or ``--output-file`` (whole or not at all, never coloured);
    False, after one line on standard error, when that file cannot be written."""
    fmt = STATISTICS if args.statistics else args.format
    if args.output_file is None:
        write_report(diagnostics, fmt, sys.stdout, sources=sources, errors=errors, color=_COLORS[args.color], quiet=args.quiet)
        return True
    try:
        write_output(args.output_file, lambda out: write_report(diagnostics, fmt, out, sources=sources, errors=errors,
                                                                color=False, quiet=args.quiet))
    except OSError as error:
        print(f"nnlint: {args.output_file}: cannot write the report ({error.strerror or error})", file=sys.stderr)
        return False
    return True
