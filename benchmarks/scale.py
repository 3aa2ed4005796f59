"""Scale and cache: nnlint on 25%, 50% and 100% of the real corpus, first run and cached run.

For each fraction of the corpus (a fair prefix, see corpus.py) nnlint runs twice
with a fresh ``--cache-dir``: the first run fills the content-hash cache, the
second finds every file unchanged. It prints lines/s of both runs, the
cached/first speedup (target >= 20x), and the peak memory of the whole process
tree (the CLI plus its pool workers, sampled; target < 500 MB whatever the
size), then how time and memory grow with the number of files. Last, the peers
(torch-preflight, TorchFix) run on one fraction with a time budget, next to
nnlint on exactly the files they finished.

    .venv/bin/python benchmarks/scale.py                          # all of it (~25 min on 2 cores)
    .venv/bin/python benchmarks/scale.py --fractions 0.25 --no-peers   # quick look
    .venv/bin/python benchmarks/scale.py --peer-timeout 600 --json /tmp/scale.json

The runner, the tree-memory sampler and the peers' command lines are those of
``static_speed.py``; this script only chooses what to run and prints it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import static_speed as speed  # noqa: E402

TARGET_SPEEDUP = 20.0
TARGET_PEAK_MB = speed.TARGET_PEAK_MB


def peak_mb(result: speed.RunResult) -> float:
    return max(result.maxrss_tree, result.maxrss_proc) / speed.MB


def code_fingerprint(exe: Path) -> str:
    """nnlint's own fingerprint: a cache entry is only valid while it stays the same."""
    probe = "from nnlint.cache import code_fingerprint; print(code_fingerprint())"
    return subprocess.run([str(exe.parent / "python"), "-c", probe], capture_output=True, text=True, check=False).stdout.strip()


def nnlint_runs(exe: Path, jobs: int, files: list[Path], lines: dict[Path, int], tries: int = 3) -> tuple[speed.RunResult, speed.RunResult]:
    """A first run into an empty cache, then a run that finds every file cached.

    The cache key includes nnlint's own source: if someone edits it between the two
    runs (a shared working tree), the second run is not cached at all, so the pair
    is measured again (up to ``tries`` times) rather than reported as a cache miss.
    """
    for attempt in range(tries):
        cache = Path(tempfile.mkdtemp(prefix="nnlint-scale-cache-"))
        try:
            before = code_fingerprint(exe)
            tool = speed.nnlint_tool(exe, jobs, ["--cache-dir", str(cache)], 0)
            first = speed.run_tool(tool, files, lines, None, verbose=False)
            cached = speed.run_tool(tool, files, lines, None, verbose=False)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        if code_fingerprint(exe) == before:
            break
        print(f"  nnlint's source changed during the runs (attempt {attempt + 1}): measuring again", file=sys.stderr)
    first.tool, cached.tool = "nnlint (first)", "nnlint (cached)"
    return first, cached


def print_fraction(fraction: float, files: int, total_lines: int, first: speed.RunResult, cached: speed.RunResult) -> float:
    speedup = first.wall / cached.wall if cached.wall else math.inf
    print(f"\n{fraction:.0%} of the corpus: {files:,} files, {total_lines:,} lines")
    for run in (first, cached):
        note = f"  ({run.failed_files} files not checkable, {run.crashed_files} in crashed runs)" if run.failed_files or run.crashed_files else ""
        print(f"  {run.tool:<16} {run.wall:8.1f} s  {run.lines_per_s:>10,.0f} lines/s  {run.lines_per_cpu_s:>10,.0f} lines/cpu-s  "
              f"peak {peak_mb(run):6,.0f} MB (tree){note}")
    verdict = "PASS" if speedup >= TARGET_SPEEDUP else "FAIL"
    print(f"  cached / first: {speedup:,.1f}x faster (target >= {TARGET_SPEEDUP:.0f}x: {verdict})")
    return speedup


def print_growth(rows: list[tuple[float, int, speed.RunResult, speed.RunResult]]) -> None:
    """Per-file cost at each size: flat means linear; memory should not follow the file count."""
    print("\ngrowth with corpus size (first run):")
    print(f"  {'fraction':>8} {'files':>7} {'s/1k files':>11} {'lines/s':>10} {'peak MB':>8} {'cached s':>9}")
    for fraction, count, first, cached in rows:
        print(f"  {fraction:>8.0%} {count:>7,} {1000 * first.wall / count:>11.1f} {first.lines_per_s:>10,.0f} "
              f"{peak_mb(first):>8,.0f} {cached.wall:>9.2f}")
    if len(rows) > 1:
        (_, n0, f0, _), (_, n1, f1, _) = rows[0], rows[-1]
        time_growth = (f1.wall / f0.wall) / (n1 / n0)
        memory_growth = peak_mb(f1) / peak_mb(f0) if peak_mb(f0) else math.nan
        print(f"  {n1 / n0:.1f}x the files took {f1.wall / f0.wall:.1f}x the time ({time_growth:.2f} per file: "
              f"{'linear or better' if time_growth <= 1.15 else 'SUPERLINEAR'}) and {memory_growth:.2f}x the peak memory")


def peers(bindir: Path, exe: Path, jobs: int, files: list[Path], lines: dict[Path, int], timeout: float, batch_lines: int) -> dict[str, object]:
    """The peers on ``files`` within ``timeout`` each, and nnlint (no cache) on whatever each finished."""
    tools = [speed.preflight_tool(bindir, jobs, batch_lines), speed.torchfix_tool(bindir, jobs, batch_lines)]
    nnlint = speed.nnlint_tool(exe, jobs, ["--no-cache"], 0)
    results = [speed.run_tool(nnlint, files, lines, None, verbose=False)]
    same: dict[str, speed.RunResult] = {}
    for tool in tools:
        print(f"running {tool.name} on {len(files):,} files (budget {timeout:.0f} s) ...", file=sys.stderr)
        result = speed.run_tool(tool, files, lines, timeout, verbose=False)
        results.append(result)
        if result.partial and result.files_done:
            same[tool.name] = speed.run_tool(nnlint, files[: result.files_done], lines, None, verbose=False)
    speed.print_table(f"side by side on {len(files):,} files, {sum(lines[f] for f in files):,} lines "
                      f"(no cache; peers cut at {timeout:.0f} s are compared on the files they finished)", results, same)
    return {"results": [asdict(r) for r in results], "same_files": {k: asdict(v) for k, v in same.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fractions", default="0.25,0.5,1.0", help="fractions of the corpus (default 0.25,0.5,1.0)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--nnlint", type=Path, default=speed.DEFAULT_NNLINT, help="the nnlint executable")
    parser.add_argument("--no-peers", action="store_true", help="skip torch-preflight and TorchFix")
    parser.add_argument("--peer-fraction", type=float, default=0.25, help="the fraction the peers run on (default 0.25)")
    parser.add_argument("--peer-timeout", type=float, default=300.0, help="seconds each peer gets (default 300)")
    parser.add_argument("--peer-batch-lines", type=int, default=20000, help="lines per peer invocation (see static_speed.py)")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args(argv)

    files = corpus.corpus_files(min_files=2000)
    lines = {f: corpus.count_lines(f) for f in files}
    fractions = [float(x) for x in args.fractions.split(",")]
    print(f"corpus: {len(files):,} files, {sum(lines.values()):,} lines; nnlint -j {args.jobs}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    report: dict[str, object] = {"fractions": {}}
    rows = []
    for fraction in fractions:
        subset = files[: max(1, math.ceil(fraction * len(files)))]
        print(f"running nnlint on {len(subset):,} files (first, then cached) ...", file=sys.stderr)
        first, cached = nnlint_runs(args.nnlint, args.jobs, subset, lines)
        speedup = print_fraction(fraction, len(subset), sum(lines[f] for f in subset), first, cached)
        rows.append((fraction, len(subset), first, cached))
        report["fractions"][str(fraction)] = {"first": asdict(first), "cached": asdict(cached), "speedup": speedup,
                                             "peak_mb_first": peak_mb(first), "peak_mb_cached": peak_mb(cached)}
    print_growth(rows)
    peak = max(max(peak_mb(first), peak_mb(cached)) for _, _, first, cached in rows)
    print(f"\npeak memory over every run: {peak:,.0f} MB (target < {TARGET_PEAK_MB:.0f} MB: "
          f"{'PASS' if peak < TARGET_PEAK_MB else 'FAIL'})")
    if not args.no_peers:
        subset = files[: max(1, math.ceil(args.peer_fraction * len(files)))]
        report["peers"] = peers(speed.ensure_peers_venv(), args.nnlint, args.jobs, subset, lines, args.peer_timeout,
                                args.peer_batch_lines)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (other work on the machine slows every tool)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
