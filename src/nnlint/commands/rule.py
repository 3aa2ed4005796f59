"""``nnlint rule CODE``: one rule's page (what, why, example, instead), as ``rules/<CODE>.md`` has it."""

from __future__ import annotations

import argparse
import sys

from nnlint.catalog import find_doc
from nnlint.catalog_pages import render_page


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    page = subparsers.add_parser("rule", description="Explain one rule: what it does, why it is bad, an example, what to use instead.")
    page.add_argument("code", help="a code (NN301) or a name (nll-loss-without-log-softmax)")
    page.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    doc = find_doc(args.code)
    if doc is None:
        print(f"nnlint: unknown rule {args.code!r} (see 'nnlint rules')", file=sys.stderr)
        return 2
    from rich.console import Console
    from rich.markdown import Markdown

    Console().print(Markdown(render_page(doc)))
    return 0
