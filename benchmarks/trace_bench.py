"""Speed and memory of ``nnlint trace`` on big models; prints figures, asserts nothing.

    python benchmarks/trace_bench.py            # both models, 3 runs each
    python benchmarks/trace_bench.py --runs 1 --stages

Whole command: ``nnlint trace`` in a fresh interpreter, wall time and the peak
RSS of that process (``os.wait4``). Targets from the tracer issue: the
7-billion-parameter decoder under 5 s and 500 MB, the ResNet-50-like CNN under 3 s.
``--stages`` adds an in-process breakdown (import, build, capture, analysis,
checks) with the per-node cost of each stage.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = (
    ("decoder-7B", f"{HERE}/trace_models.py:Decoder7B", ["--input", "B,T", "--dtype", "long"], 5.0),
    ("resnet50", f"{HERE}/trace_models.py:resnet50", ["--input", "B,3,H,W"], 3.0),
)
#: Runs the command through the CLI when it exists, else through the trace subcommand alone.
RUNNER = """
import argparse, sys
try:
    from nnlint.cli import main
except ImportError:
    from nnlint.trace.command import add_parser
    parser = argparse.ArgumentParser(prog="nnlint")
    add_parser(parser.add_subparsers())
    args = parser.parse_args(sys.argv[1:])
    sys.exit(args.handler(args))
sys.exit(main(sys.argv[1:]))
"""


def whole_command(target: str, options: list[str]) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in MB, exit status) of one ``nnlint trace`` process.

    CPU time is printed too because it barely moves when other processes share
    the machine, while wall time does.
    """
    command = [sys.executable, "-c", RUNNER, "trace", target, *options, "--format", "concise", "--no-summary"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, process.returncode


def stages(target: str, spec: str, dtype: str) -> None:
    """In-process timing of each stage, and its cost per graph node."""
    started = time.perf_counter()
    import torch  # noqa: F401

    from nnlint.trace import checks, ranges
    from nnlint.trace.api import _tensor, model_sizes
    from nnlint.trace.capture import capture
    from nnlint.trace.facts import analyse
    from nnlint.trace.graph import build_graph
    from nnlint.trace.loader import build, load_target
    from nnlint.trace.primes import choose_assignments
    from nnlint.trace.spec import free_symbols, parse_input

    marks = [("import torch + nnlint", time.perf_counter() - started)]

    def mark(name: str, since: float) -> float:
        now = time.perf_counter()
        marks.append((name, now - since))
        return now

    now = time.perf_counter()
    model = build(load_target(target))
    now = mark("load + build on meta", now)
    specs = [parse_input(spec)]
    first, second = choose_assignments(free_symbols(specs), model_sizes(model))
    captured = capture(model, [_tensor(specs[0], first, dtype)], [_tensor(specs[0], second, dtype)])
    now = mark(f"capture ({captured.tier}) + 2 shape runs", now)
    ctx = analyse(model, captured, first, second, "B", 0)
    ranges.annotate(ctx)
    now = mark("facts + ranges", now)
    findings = checks.run_checks(ctx)
    now = mark("checks", now)
    build_graph(ctx)
    mark("networkx graph", now)
    nodes = len(captured.graph.nodes)
    print(f"  {nodes} nodes, {len(findings)} findings")
    for name, seconds in marks:
        print(f"  {name:<34} {seconds:7.3f} s  {seconds / nodes * 1e6:9.1f} us/node")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help="also print an in-process breakdown of each case")
    args = parser.parse_args()
    for name, target, options, budget in CASES:
        results = [whole_command(target, options) for _ in range(args.runs)]
        seconds = statistics.median(r[0] for r in results)
        cpu = statistics.median(r[1] for r in results)
        rss = max(r[2] for r in results)
        load = os.getloadavg()[0]
        print(f"{name}: nnlint trace {seconds:.2f} s wall, {cpu:.2f} s CPU (median of {args.runs}; budget "
              f"{budget:.0f} s), peak RSS {rss:.0f} MB, exit {results[-1][3]}, load average {load:.1f}"
              f"{'' if seconds < budget else '  OVER BUDGET'}")
    for name, target, options, _ in CASES if args.stages else ():
        print(f"stages of {name} (in this process: the first one pays the imports):")
        stages(target, options[1], options[3] if len(options) > 3 else "float32")


if __name__ == "__main__":
    main()
