"""``nnlint clean``: remove the result cache."""

from __future__ import annotations

import argparse
from pathlib import Path

from nnlint.cache import DEFAULT_DIRECTORY, clean
from nnlint.config import ConfigError, find_config


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("clean", description=f"Remove the result cache ({DEFAULT_DIRECTORY}/).")
    parser.add_argument("--cache-dir", type=Path, help="the cache directory to remove (default: the one 'nnlint check' uses here)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = find_config(Path("."))
    except ConfigError:
        config = None
    directory = args.cache_dir or (config.parent if config else Path.cwd()) / DEFAULT_DIRECTORY
    print(f"removed {directory}" if clean(directory) else f"no cache at {directory}")
    return 0
