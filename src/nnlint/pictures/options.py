"""``nnlint doctor --report FILE.html --tensorboard DIR``: the options, checked before the run, and the writing after it.

Kept out of ``doctor/command.py`` so the command only wires them in: the
checks that can fail early (plotly missing, a directory that does not exist)
fail before a training script runs for minutes.
"""

from __future__ import annotations

import argparse
import os
import sys

from nnlint.doctor.report import DoctorReport
from nnlint.output_file import write_output
from nnlint.pictures.doctor_report import NEEDS_PLOTLY, plotly_available, render_report
from nnlint.pictures.tensorboard import NEEDS_TENSORBOARD, tensorboard_available, write_tensorboard


def add_picture_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--report", metavar="FILE.html", help="also write the measurements as charts into one self-contained HTML file")
    parser.add_argument("--tensorboard", metavar="DIR", help="also write them as TensorBoard scalars and histograms (needs tensorboard)")


def picture_problem(args: argparse.Namespace) -> str | None:
    """Why --report cannot be written, in one line, before the script runs; None when it can (or was not asked for)."""
    if args.report is None:
        return None
    if not plotly_available():
        return NEEDS_PLOTLY
    directory = os.path.dirname(os.path.abspath(args.report))
    if not os.path.isdir(directory):
        return f"--report {args.report}: no such directory {directory}"
    if os.path.isdir(args.report):
        return f"--report {args.report}: is a directory"
    return None


def write_pictures(report: DoctorReport, args: argparse.Namespace) -> None:
    """Write what was asked for and say where on stderr (stdout may hold JSON); a failure is one line, not a traceback."""
    if args.report is not None:
        page = render_report(report, f"nnlint doctor {os.path.basename(args.script)}")
        try:
            write_output(args.report, lambda out: print(page, end="", file=out))
            print(f"report: {args.report}", file=sys.stderr)
        except OSError as error:
            print(f"nnlint doctor: --report {args.report}: {error.strerror or error}", file=sys.stderr)
    if args.tensorboard is not None:
        if not tensorboard_available():
            print(NEEDS_TENSORBOARD, file=sys.stderr)
            return
        try:
            write_tensorboard(report.metrics, args.tensorboard)
            print(f"tensorboard: {args.tensorboard}", file=sys.stderr)
        except OSError as error:
            print(f"nnlint doctor: --tensorboard {args.tensorboard}: {error.strerror or error}", file=sys.stderr)
