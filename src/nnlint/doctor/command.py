"""``nnlint doctor SCRIPT [-- ARGS]``: run the first training steps of a script with checks.

Runs SCRIPT in a child process with global hooks, stops it after --steps
optimizer steps or --timeout seconds, and reports what only running shows:
data, loss at chance, overfitting one batch, gradient flow, activations,
update ratios, the origin of NaNs and train/eval mode. No file changes: the
script's writes (checkpoints included) go to a scratch copy deleted at the end,
and the report lists them; every process the script started is killed with it.
Exit codes: 0 nothing found, 1 findings, 2 the script could not be run to its
first steps (or raised).

With --nproc-per-node N the script runs under PyTorch's own launcher
(torch.distributed.run, what torchrun runs) on N local processes, each rank
with the hooks and the sandbox; one report compares the ranks.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

from rich.console import Console

from nnlint.doctor.report import EXIT_ERROR, DoctorReport
from nnlint.pictures.charts import with_chart_notes
from nnlint.pictures.options import add_picture_options, picture_problem, write_pictures
from nnlint.reporters import FORMATS, write_report

NEEDS_TORCH = "nnlint doctor needs PyTorch: pip install 'nnlint[trace]'"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("doctor", help="run the first training steps of a script with checks", description=__doc__,
                                   usage="nnlint doctor [OPTIONS] SCRIPT [-- ARGS...]", formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("script", help="the training script to run (as 'python SCRIPT ARGS' would)")
    parser.add_argument("script_args", nargs="*", metavar="ARGS", help="arguments for the script, after '--' (doctor options then go before SCRIPT)")
    parser.add_argument("--steps", type=positive_int, default=30, help="optimizer steps to observe (default: 30)")
    parser.add_argument("--timeout", type=positive_float, default=300.0, help="seconds before the script is stopped (default: 300)")
    parser.add_argument("--format", choices=FORMATS, default="full", help="output format (default: full)")
    parser.add_argument("--quiet", action="store_true", help="hide the script's own output")
    parser.add_argument("--nproc-per-node", type=positive_int, metavar="N",
                        help="run the script under torch.distributed.run on N local processes (as torchrun --standalone would)")
    add_picture_options(parser)
    parser.set_defaults(handler=run)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("torch") is None:
        return _fail(NEEDS_TORCH)
    if not Path(args.script).is_file():
        return _fail(f"nnlint doctor: {args.script}: no such file")
    problem = picture_problem(args)
    if problem is not None:
        return _fail(f"nnlint doctor: {problem}")
    from nnlint.doctor.runner import RunFailed, run_script

    stderr = Console(stderr=True, highlight=False)
    try:
        report = run_script(args.script, list(args.script_args), steps=args.steps, timeout=args.timeout, quiet=args.quiet, console=stderr,
                            nproc=args.nproc_per_node)
    except RunFailed as failed:
        return _fail(f"nnlint doctor: {failed}")
    if report.steps == 0 and report.error is None:
        return _fail(f"nnlint doctor: {args.script}: {report.stopped} without an optimizer.step() on a torch.optim optimizer; "
                     "the doctor needs a training loop to watch")
    report.diagnostics = with_chart_notes(report.diagnostics)
    _write(report, args.format)
    write_pictures(report, args)
    return report.exit_code


def _write(report: DoctorReport, fmt: str) -> None:
    """The summary (steps, loss curve, notes) then the findings; with --format json stdout holds only the JSON."""
    summary = Console(file=sys.stdout if fmt == "full" else sys.stderr, highlight=False)
    summary.print(report.summary(), soft_wrap=True, end="")
    if fmt == "full":
        summary.print()
    if fmt == "json":
        json.dump(report.lsp_json(_sources(report)), sys.stdout, indent=2, allow_nan=False, default=str)
        sys.stdout.write("\n")
        return
    errors = [report.error] if report.error else []
    write_report(report.diagnostics, fmt, sys.stdout, sources=_sources(report), errors=errors)


def _sources(report: DoctorReport) -> dict[str, str]:
    """The text of the files findings point at, for the code frames."""
    sources = {}
    for path in {diagnostic.path for diagnostic in report.diagnostics}:
        try:
            sources[path] = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return sources


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_ERROR
