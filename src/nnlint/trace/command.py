"""``nnlint trace``: the command line of the model tracer.

Registered by ``nnlint.cli`` through ``add_parser``. Nothing here imports torch:
the spec and ``--kwargs`` are validated first, so a typo is reported instantly,
and a missing torch is one line that says how to install it. The model's code
runs in a child process (``nnlint.trace.isolation``) stopped at ``--timeout``.
Exit status: 0 no findings, 1 findings, 2 usage error or untraceable model
(including model code that hangs, exits or crashes).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

from nnlint.doctor.command import positive_float
from nnlint.trace.errors import TraceUsageError, describe_exception
from nnlint.trace.formats import GRAPH_FORMATS
from nnlint.trace.spec import DTYPES, parse_dtype, parse_inputs

if TYPE_CHECKING:
    from nnlint.trace.report import CaptureInfo, SummaryRow

EPILOG = """\
examples:
  nnlint trace model.py:Net --input B,3,32,32
  nnlint trace pkg.models:build_model --input B,T --kwargs '{"vocab": 100}' --dtype long
  nnlint trace model.py:Net --input B,3,H,W --graph net.html

Free dims are names (B, T, H, W); each gets its own prime so that its path through
the model can be followed. Fixed dims are numbers; H=32 names a dim and pins its size.
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``trace`` subcommand."""
    parser = subparsers.add_parser(
        "trace",
        help="trace a model on meta tensors and check its dims, parameters and NaN-prone ops",
        description="Build the model on the meta device, trace it with prime-sized free dims, and report\n"
        "hidden dimension bugs, frozen or unused parameters and NaN-prone operations (codes NT1xx).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", help="the model: FILE.py:NAME or package.module:NAME (a class or a factory function)")
    parser.add_argument("--input", "-i", action="append", required=True, metavar="SPEC",
                        help="one positional input of forward(), e.g. B,3,32,32 or B,T:long (repeat for several)")
    parser.add_argument("--kwargs", metavar="JSON", help="keyword arguments for the class or factory, as a JSON object")
    parser.add_argument("--dtype", default="float32", metavar="DTYPE",
                        help=f"dtype of the inputs (default float32; one of {', '.join(sorted(set(DTYPES.values())))})")
    parser.add_argument("--graph", action="append", default=[], metavar="PATH",
                        help="also write the graph: .graphml, .dot, .json (node-link) or .html (repeatable)")
    parser.add_argument("--format", choices=("full", "concise", "json"), default="full", help="output format (default full)")
    parser.add_argument("--ignore", default="", metavar="CODES", help="comma-separated codes not to report, e.g. NT106")
    parser.add_argument("--depth", type=int, default=2, metavar="N", help="module depth of the summary table (default 2)")
    parser.add_argument("--no-summary", action="store_true", help="do not print the summary table")
    parser.add_argument("--timeout", type=positive_float, default=300.0, metavar="SECONDS",
                        help="seconds the model's code may run (import, build, trace) before it is stopped (default 300)")
    parser.set_defaults(handler=run)


def _kwargs(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise TraceUsageError(f"--kwargs is not valid JSON: {error.msg} at column {error.colno}") from error
    if not isinstance(value, dict):
        raise TraceUsageError("--kwargs must be a JSON object, e.g. '{\"vocab\": 100}'")
    return value


def _sources(paths: set[str]) -> dict[str, str]:
    found = {}
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                found[path] = handle.read()
        except (OSError, UnicodeDecodeError):
            continue
    return found


def _print_full(capture: CaptureInfo, rows: list[SummaryRow], args: argparse.Namespace, out: TextIO) -> None:
    from nnlint.trace import summary

    if not args.no_summary and rows:
        summary.render(rows, out)
        out.write("\n")
    out.writelines(line + "\n" for line in capture.lines())


def _missing_dependency() -> str:
    """"torch" or "networkx" when the ``trace`` extra is not installed, else "" (found, not imported: the child imports them)."""
    return next((name for name in ("torch", "networkx") if importlib.util.find_spec(name) is None), "")


def _check_graph_paths(paths: list[str]) -> None:
    for path in paths:
        if not path.lower().endswith(GRAPH_FORMATS):
            raise TraceUsageError(f"--graph {path}: unknown format (use {', '.join(GRAPH_FORMATS)})")


def _request(args: argparse.Namespace, kwargs: dict[str, Any], ignore: set[str]) -> dict[str, Any]:
    """What the child traces, as JSON; paths absolute, in case the model's code changes directory."""
    return {"target": args.target, "inputs": list(args.input), "dtype": args.dtype, "kwargs": kwargs,
            "ignore": sorted(ignore), "depth": args.depth, "graphs": [os.path.abspath(path) for path in args.graph]}


def run(args: argparse.Namespace) -> int:
    """Trace ``args.target`` and report; returns the exit status."""
    out, err = sys.stdout, sys.stderr
    try:
        parse_inputs(args.input)
        parse_dtype(args.dtype)
        kwargs = _kwargs(args.kwargs)
        ignore = {code.strip().upper() for code in args.ignore.split(",") if code.strip()}
        _check_graph_paths(args.graph)
        missing = _missing_dependency()
        if missing:
            err.write(f"nnlint trace: needs {missing}: pip install 'nnlint[trace]'\n")
            return 2
        from nnlint.trace.isolation import run_isolated

        diagnostics, capture, rows = run_isolated(_request(args, kwargs, ignore), args.timeout)
    except TraceUsageError as error:
        err.write(f"nnlint trace: {error}\n")
        return 2
    except Exception as error:  # noqa: BLE001 - a bug in nnlint must still be one line, not a traceback
        err.write(f"nnlint trace: internal error: {describe_exception(error)}\n")
        return 2
    from nnlint.reporters import write_report

    if args.format == "full":
        _print_full(capture, rows, args, out)
    write_report(diagnostics, args.format, out, sources=_sources({d.path for d in diagnostics}))
    return 1 if diagnostics else 0
