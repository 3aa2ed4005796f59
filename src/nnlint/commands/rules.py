"""``nnlint rules``: the table of every code, whichever half reports it."""

from __future__ import annotations

import argparse
import sys

from nnlint.catalog import all_docs


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    table = subparsers.add_parser("rules", description="List every rule: code, name, checklist items, half, fixable, default.")
    table.add_argument("--format", choices=("table", "json"), default="table")
    table.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    docs = all_docs()
    if args.format == "json":
        import json

        rows = [{"code": d.code, "name": d.name, "checklist": list(d.checklist), "source": d.source, "fixable": d.fixable,
                 "default": d.default_enabled, "summary": d.summary} for d in docs]
        print(json.dumps(rows, indent=2))
        return 0
    if not sys.stdout.isatty():
        for doc in docs:  # plain rows for pipes and files: one rule a line, never wrapped mid-word
            fields = (doc.code, doc.name, ",".join(map(str, doc.checklist)), doc.source, "fix" if doc.fixable else "-",
                      "on" if doc.default_enabled else "off", doc.summary)
            print("\t".join(fields))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="nnlint rules", show_lines=False)
    for column in ("code", "name", "items", "half", "fix", "default", "summary"):
        table.add_column(column, overflow="fold")
    for doc in docs:
        table.add_row(doc.code, doc.name, ",".join(map(str, doc.checklist)), doc.source, "yes" if doc.fixable else "",
                      "on" if doc.default_enabled else "off", doc.summary)
    Console().print(table)
    return 0
