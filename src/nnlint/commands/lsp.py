"""``nnlint lsp``: the language server, over stdio, for editors (needs the ``lsp`` extra: pygls).

The parser is registered with every other subcommand, but pygls is imported
only when the server starts, so ``nnlint check`` (every pre-commit run) neither
pays for it nor needs it installed. The server applies the command line's
per-file caps to every document (``--max-file-size``, ``--max-file-time``,
with the same defaults) and caps the memory of the process that checks them.
"""

from __future__ import annotations

import argparse
import sys

from nnlint.commands.check import _non_negative
from nnlint.exit_codes import EXIT_ERROR
from nnlint.limits import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILE_SECONDS, MB, FileLimits
from nnlint.lsp.worker import DEFAULT_MAX_MEMORY

_SERVER_PACKAGES = ("pygls", "lsprotocol")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("lsp", description=__doc__)
    parser.add_argument("--stdio", action="store_true", help="talk LSP over standard input/output (the default and only transport)")
    parser.add_argument("--max-file-size", type=_non_negative, default=DEFAULT_MAX_FILE_BYTES / MB, metavar="MB",
                        help=f"do not check documents larger than this; they get one diagnostic saying so (default: {DEFAULT_MAX_FILE_BYTES / MB:g}; 0: no limit)")
    parser.add_argument("--max-file-time", type=_non_negative, default=DEFAULT_MAX_FILE_SECONDS, metavar="SECONDS",
                        help=f"stop a check that takes longer, with one diagnostic saying so (default: {DEFAULT_MAX_FILE_SECONDS:g}; 0: no limit)")
    parser.add_argument("--max-memory", type=_non_negative, default=DEFAULT_MAX_MEMORY / MB, metavar="MB",
                        help=f"stop a check that needs more memory, with one diagnostic saying so (default: {DEFAULT_MAX_MEMORY / MB:g}; 0: no limit)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        from nnlint.lsp.checking import ServerLimits
        from nnlint.lsp.server import serve
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in _SERVER_PACKAGES:
            raise
        print("nnlint: 'nnlint lsp' needs the language-server extra: pip install 'nnlint[lsp]'", file=sys.stderr)
        return EXIT_ERROR
    files = FileLimits(int(args.max_file_size * MB) or None, args.max_file_time or None)
    serve(ServerLimits(files, int(args.max_memory * MB) or None))
    return 0
