"""``nnlint rules`` (the table of every code) and ``nnlint rule CODE`` (one rule's page)."""

from __future__ import annotations

import argparse
import sys

from nnlint.catalog import RuleDoc, all_docs, find_doc


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    table = subparsers.add_parser("rules", help="list every rule: code, name, checklist items, fixable, default")
    table.add_argument("--format", choices=("table", "json"), default="table")
    table.set_defaults(handler=run_table)
    page = subparsers.add_parser("rule", help="explain one rule: what, why, example, instead")
    page.add_argument("code", help="a code (NN301) or a name (nll-loss-without-log-softmax)")
    page.set_defaults(handler=run_page)


def run_table(args: argparse.Namespace) -> int:
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


def run_page(args: argparse.Namespace) -> int:
    doc = find_doc(args.code)
    if doc is None:
        print(f"nnlint: unknown rule {args.code!r} (see 'nnlint rules')", file=sys.stderr)
        return 2
    from rich.console import Console
    from rich.markdown import Markdown

    Console().print(Markdown(render_page(doc)))
    return 0


def _body(docs: str) -> str:
    """The docs without their summary line: a static rule's docstring opens with it, NT/ND docs open with a heading."""
    first, _, rest = docs.strip().partition("\n")
    return docs.strip() if first.startswith("#") else rest.strip()


def render_page(doc: RuleDoc) -> str:
    """The markdown page of a rule; ``rules/<CODE>.md`` is this text."""
    from nnlint.reporters.checklist_titles import TITLES

    items = ", ".join(f"{item} ({TITLES.get(item, '')})" for item in doc.checklist)
    facts = [
        f"- **Code:** `{doc.code}`  ",
        f"- **Checklist items:** {items}  ",
        f"- **Half:** {doc.source}  ",
        f"- **Default severity:** {doc.severity.label}  ",
        f"- **Fixable:** {'yes' if doc.fixable else 'no'}  ",
        f"- **Enabled by default:** {'yes' if doc.default_enabled else 'no'}",
    ]
    body = _body(doc.docs)
    return f"# {doc.code} {doc.name}\n\n{doc.summary}\n\n" + "\n".join(facts) + f"\n\n{body}\n"
