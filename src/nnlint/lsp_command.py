"""``nnlint lsp``: the language server, over stdio, for editors (needs the ``lsp`` extra: pygls).

The parser is registered with every other subcommand, but pygls is imported
only when the server starts, so ``nnlint check`` (every pre-commit run) neither
pays for it nor needs it installed.
"""

from __future__ import annotations

import argparse
import sys

from nnlint.exit_codes import EXIT_ERROR
_SERVER_PACKAGES = ("pygls", "lsprotocol")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("lsp", help="run the language server for editors (stdio)", description=__doc__)
    parser.add_argument("--stdio", action="store_true", help="talk LSP over standard input/output (the default and only transport)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        from nnlint.lsp.server import serve
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in _SERVER_PACKAGES:
            raise
        print("nnlint: 'nnlint lsp' needs the language-server extra: pip install 'nnlint[lsp]'", file=sys.stderr)
        return EXIT_ERROR
    serve()
    return 0
