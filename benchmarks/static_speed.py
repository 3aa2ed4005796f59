"""Speed and memory of nnlint's static checker against its peers, on a real corpus.

Runs, on the same list of files and in the same run,

* nnlint          ``nnlint check --exit-zero --format concise -j 2 FILES...``
* torchfix        ``torchfix -j 2 --show-stderr FILES...``           (LibCST codemod, Meta)
* torch-preflight ``torch-preflight check -j 2 -f json FILES...``    (LibCST, closest peer)

and reports wall time, files/s, lines/s, peak memory and nnlint's lines/s as a multiple
of each peer's; then the pre-commit case: one ~300-line real training script checked by
a fresh process, start-up included (median of 5).

The peers live in their own venv, ``benchmarks/.cache/peers-venv``, created on demand
from ``requirements-peers.txt`` with torch pinned by a constraints file, so they never
touch nnlint's venv. The corpus comes from ``corpus.py``.

    python benchmarks/static_speed.py                       # whole corpus (peers take long)
    python benchmarks/static_speed.py --subset 300          # quick run
    python benchmarks/static_speed.py --fractions 0.25,0.5,1.0 --peer-timeout 300
    python benchmarks/static_speed.py --tools nnlint        # nnlint only

Only the standard library is used (psutil is not needed).
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import math
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402  (sibling module)

CACHE = HERE / ".cache"
PEERS_VENV = CACHE / "peers-venv"
PEERS_REQUIREMENTS = HERE / "requirements-peers.txt"
PEERS_CONSTRAINTS = CACHE / "peers-constraints.txt"
#: Never let pip resolve an unpinned torch: that pulls a multi-GB CUDA build.
TORCH_PIN = "torch==2.13.0"

DEFAULT_NNLINT = REPO / ".venv" / "bin" / "nnlint"
#: A real ~300-line training script (Accelerate + Transformers fine-tuning loop).
DEFAULT_PRECOMMIT_FILE = (
    corpus.project_dir("accelerate", "1.15.0")
    / "accelerate/test_utils/scripts/external_deps/test_performance.py"
)

TARGET_RATIO = 10.0  # nnlint lines/s >= 10x torch-preflight's, on 2 cores
TARGET_PRECOMMIT_S = 0.5  # one 300-line file, fresh process, start-up included
TARGET_PEAK_MB = 500.0

MB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")


# ----------------------------------------------------------------------------- peers venv


def ensure_peers_venv(verbose: bool = True) -> Path:
    """Create ``.cache/peers-venv`` with the pinned peers, unless it is already current."""
    CACHE.mkdir(parents=True, exist_ok=True)
    PEERS_CONSTRAINTS.write_text(TORCH_PIN + "\n")
    want = hashlib.sha256(
        PEERS_REQUIREMENTS.read_bytes() + PEERS_CONSTRAINTS.read_bytes()
    ).hexdigest()
    stamp = PEERS_VENV / ".requirements.sha256"
    bindir = PEERS_VENV / "bin"
    if stamp.exists() and stamp.read_text().strip() == want and (bindir / "torchfix").exists():
        return bindir
    if verbose:
        print(f"creating {PEERS_VENV} with {PEERS_REQUIREMENTS.name} ...", file=sys.stderr)
    if not (bindir / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    pip = [str(bindir / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    # If a peer ever gains a torch dependency, this pins it to the CPU build on disk.
    subprocess.run(
        pip + ["install", "-c", str(PEERS_CONSTRAINTS), "-r", str(PEERS_REQUIREMENTS)],
        check=True,
    )
    torch_version = subprocess.run(
        [str(bindir / "python"), "-c",
         "import importlib.metadata as m\ntry: print(m.version('torch'))\nexcept Exception: print('')"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    if torch_version and not torch_version.startswith(TORCH_PIN.split("==")[1]):
        raise RuntimeError(f"peers venv got torch {torch_version}, expected {TORCH_PIN}")
    stamp.write_text(want + "\n")
    return bindir


# ------------------------------------------------------------------------------- measuring


def _children(pid: int) -> List[int]:
    out: List[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    out.extend(int(c) for c in fh.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return out


def _tree_rss(root: int) -> int:
    """Sum of the resident set sizes of ``root`` and all its descendants, in bytes."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
        stack.extend(_children(pid))
    return total


@dataclass
class Proc:
    """One finished (or killed) subprocess."""

    rc: int
    wall: float
    stdout: str
    stderr: str
    maxrss_proc: int  # bytes: largest single process of the tree (wait4 rusage)
    maxrss_tree: int  # bytes: largest sampled sum over the live tree
    timed_out: bool
    cpu: float = 0.0  # user + system seconds of the tree (reaped descendants included)


def measure(cmd: Sequence[str], timeout: Optional[float] = None, env: Optional[dict] = None,
            cwd: Optional[str] = None, sample_every: float = 0.05) -> Proc:
    """Run ``cmd``; wall time, exit code, output and the peak RSS of its process tree.

    ``os.wait4`` gives the rusage of exactly this child and its reaped descendants
    (what ``getrusage(RUSAGE_CHILDREN)`` would give for one run): its ``ru_maxrss`` is
    the peak of the largest single process. A sampler thread adds the peak of the
    *sum* over the live tree (the main process plus its pool workers).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd,
                                start_new_session=True)
        peak = [0]
        done = threading.Event()
        killed = [False]

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _tree_rss(proc.pid))
                done.wait(sample_every)

        def kill() -> None:
            killed[0] = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.daemon = True
            timer.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        # Pool workers orphaned by a kill must not outlive the measurement.
        if killed[0]:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        sampler.join()
        out.seek(0)
        err.seek(0)
        return Proc(
            rc=proc.returncode,
            wall=wall,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            maxrss_proc=ru.ru_maxrss * 1024,  # KiB on Linux
            maxrss_tree=peak[0],
            timed_out=killed[0],
            cpu=ru.ru_utime + ru.ru_stime,
        )


def clean_env(tmp: str) -> dict:
    env = dict(os.environ)
    env.update(NO_COLOR="1", TERM="dumb", XDG_CACHE_HOME=os.path.join(tmp, "xdg-cache"),
               PYTHONDONTWRITEBYTECODE="1")
    for key in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONPROFILEIMPORTTIME"):
        env.pop(key, None)
    return env


# ----------------------------------------------------------------------------------- tools


@dataclass
class BatchOutcome:
    ok: bool  # the tool ran to completion on the batch (findings are fine)
    failed_files: int  # files the tool reported it could not check (syntax, decoding, ...)
    findings: int
    note: str = ""


@dataclass
class Tool:
    name: str
    argv: Callable[[List[str]], List[str]]
    parse: Callable[[Proc, List[str]], BatchOutcome]
    batch_lines: int = 0  # an invocation takes files until it holds this many lines; 0 = all


def _tail(text: str, n: int = 300) -> str:
    text = text.strip().replace("\n", " | ")
    return text[-n:]


_CONCISE = re.compile(r"^.+?:\d+:\d+:? ", re.M)


def nnlint_tool(exe: Path, jobs: int, extra: Sequence[str], batch_lines: int) -> Tool:
    def argv(files: List[str]) -> List[str]:
        return [str(exe), "check", "--exit-zero", "--format", "concise", "-j", str(jobs),
                *extra, *files]

    def parse(p: Proc, files: List[str]) -> BatchOutcome:
        # Exit 2 also means "a file could not be checked": a per-file failure, not a crash,
        # as long as the run got to its summary line.
        summary = re.search(r"(?m)^(All checks passed|Found \d+ problem)", p.stdout)
        if p.rc in (0, 1, 2) and summary:
            not_checked = len(re.findall(r"(?im)^error: ", p.stdout))
            syntax = len(re.findall(r"(?m)^.+?:\d+:\d+:? NN000 ", p.stdout))
            findings = len(_CONCISE.findall(p.stdout)) - syntax
            return BatchOutcome(True, not_checked + syntax, findings)
        return BatchOutcome(False, len(files), 0, f"rc={p.rc}: {_tail(p.stderr or p.stdout)}")

    return Tool("nnlint", argv, parse, batch_lines)


def torchfix_tool(bindir: Path, jobs: int, batch_lines: int) -> Tool:
    # --show-stderr: otherwise the "Failed to codemod PATH" lines are swallowed and the
    # number of files it could not check is unknown (it only exits 1).
    def argv(files: List[str]) -> List[str]:
        return [str(bindir / "torchfix"), "-j", str(jobs), "--show-stderr", *files]

    def parse(p: Proc, files: List[str]) -> BatchOutcome:
        finished = re.search(r"Finished checking (\d+) files", p.stderr)
        failed = len(re.findall(r"^Failed to codemod ", p.stderr, re.M))
        findings = len(re.findall(r"^\S.*?:\d+:\d+: TOR\d+", p.stdout, re.M))
        if finished or (p.rc == 0 and not p.stderr.strip()):
            # No "Finished" line: no file in the batch mentions "torch" (torchfix's prefilter).
            return BatchOutcome(True, failed, findings)
        return BatchOutcome(False, len(files), findings, f"rc={p.rc}: {_tail(p.stderr)}")

    return Tool("torchfix", argv, parse, batch_lines)


def preflight_tool(bindir: Path, jobs: int, batch_lines: int) -> Tool:
    def argv(files: List[str]) -> List[str]:
        return [str(bindir / "torch-preflight"), "check", "-j", str(jobs), "-f", "json", *files]

    def parse(p: Proc, files: List[str]) -> BatchOutcome:
        try:
            data = json.loads(p.stdout)
        except ValueError:
            return BatchOutcome(False, len(files), 0, f"rc={p.rc}: {_tail(p.stderr or p.stdout)}")
        return BatchOutcome(True, len(data.get("failures", [])), len(data.get("diagnostics", [])))

    return Tool("torch-preflight", argv, parse, batch_lines)


# -------------------------------------------------------------------------------- a run


@dataclass
class RunResult:
    tool: str
    files_total: int
    lines_total: int
    files_done: int = 0  # files in batches that finished (or crashed) within the budget
    lines_done: int = 0  # lines of the batches that finished without crashing
    wall: float = 0.0  # seconds spent on those batches
    cpu: float = 0.0  # user + system seconds of those batches, all processes
    failed_files: int = 0  # files the tool reported as not checkable
    crashed_batches: int = 0
    crashed_files: int = 0
    findings: int = 0
    maxrss_proc: int = 0
    maxrss_tree: int = 0
    timed_out: bool = False
    notes: List[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return self.files_done < self.files_total

    @property
    def files_per_s(self) -> float:
        return self.files_done / self.wall if self.wall else 0.0

    @property
    def lines_per_s(self) -> float:
        return self.lines_done / self.wall if self.wall else 0.0

    @property
    def lines_per_cpu_s(self) -> float:
        return self.lines_done / self.cpu if self.cpu else 0.0


def run_tool(tool: Tool, files: List[Path], lines: Dict[Path, int], timeout: Optional[float],
             verbose: bool = True) -> RunResult:
    """Run ``tool`` over ``files`` in batches within a time budget of ``timeout`` seconds.

    A batch cut by the budget is not counted: the throughput is that of whole batches
    (files and lines done / their wall time), and the result says it is partial.
    """
    names = [str(f) for f in files]
    res = RunResult(tool.name, len(files), sum(lines[f] for f in files))
    batches: List[List[int]] = [[]]
    held = 0
    for i, f in enumerate(files):
        if tool.batch_lines and batches[-1] and held >= tool.batch_lines:
            batches.append([])
            held = 0
        batches[-1].append(i)
        held += lines[f]
    for k, idx in enumerate(batches):
        remaining = None if timeout is None else timeout - res.wall
        if remaining is not None and remaining <= 0:
            res.timed_out = True
            break
        chunk = [names[i] for i in idx]
        cmd = tool.argv(chunk)
        if sum(len(a) + 1 for a in cmd) > 1_500_000:
            raise SystemExit(f"{tool.name}: command line too long; use --subset or a smaller batch")
        with tempfile.TemporaryDirectory(prefix="nnlint-bench-") as tmp:
            p = measure(cmd, timeout=remaining, env=clean_env(tmp), cwd=tmp)
        res.maxrss_proc = max(res.maxrss_proc, p.maxrss_proc)
        res.maxrss_tree = max(res.maxrss_tree, p.maxrss_tree)
        if p.timed_out:
            res.timed_out = True
            res.notes.append(f"budget of {timeout:.0f}s ran out in batch {k + 1}/{len(batches)}")
            break
        out = tool.parse(p, chunk)
        res.wall += p.wall
        res.cpu += p.cpu
        res.files_done += len(chunk)
        res.findings += out.findings
        if out.ok:
            res.lines_done += sum(lines[files[i]] for i in idx)
            res.failed_files += out.failed_files
        else:
            # Its time counts, its lines do not: nothing says they were checked.
            res.crashed_batches += 1
            res.crashed_files += len(chunk)
            if len(res.notes) < 3:
                res.notes.append(out.note)
        if verbose and len(batches) > 1:
            print(f"  {tool.name}: batch {k + 1}/{len(batches)} {p.wall:6.1f}s"
                  f" ({res.lines_per_s:,.0f} lines/s so far)", file=sys.stderr)
    return res


# ---------------------------------------------------------------------------- reporting


def _mb(n: int) -> str:
    return f"{n / MB:,.0f}" if n else "-"


def ratio(nn: Optional[RunResult], peer: RunResult,
          same_files: Dict[str, RunResult]) -> Optional[Tuple[float, str]]:
    """nnlint lines/s over the peer's, on the very files the peer finished."""
    if peer.tool == "nnlint" or not peer.lines_per_s:
        return None
    if peer.partial:
        nn = same_files.get(peer.tool)
        how = f"on the {peer.files_done} files the peer finished"
    else:
        how = "same files"
    if nn is None or not nn.lines_per_s or nn.crashed_batches:
        return None
    return nn.lines_per_s / peer.lines_per_s, how


def print_table(title: str, results: List[RunResult],
                same_files: Optional[Dict[str, RunResult]] = None) -> None:
    head = (f"{'tool':<16} {'files':>11} {'lines':>11} {'wall s':>8} {'cpu s':>8} {'files/s':>8} "
            f"{'lines/s':>9} {'l/cpu-s':>8} {'RSS max MB':>10} {'RSS tree MB':>11} {'failed':>6} "
            f"{'crashed':>7} {'findings':>8}")
    print(f"\n{title}")
    print(head)
    print("-" * len(head))
    for r in results:
        files = f"{r.files_done}/{r.files_total}" if r.partial else f"{r.files_done}"
        print(f"{r.tool:<16} {files:>11} {r.lines_done:>11,} {r.wall:>8.2f} {r.cpu:>8.2f} "
              f"{r.files_per_s:>8.1f} {r.lines_per_s:>9,.0f} {r.lines_per_cpu_s:>8,.0f} "
              f"{_mb(r.maxrss_proc):>10} {_mb(r.maxrss_tree):>11} "
              f"{r.failed_files:>6} {r.crashed_files:>7} {r.findings:>8}"
              + ("  PARTIAL (timeout)" if r.timed_out else ""))
        for note in r.notes:
            print(f"{'':<16} note: {note}")
    nn = next((r for r in results if r.tool == "nnlint"), None)
    for r in results:
        got = ratio(nn, r, same_files or {})
        if got:
            print(f"nnlint / {r.tool}: {got[0]:.1f}x lines/s ({got[1]})")


# ------------------------------------------------------------------------ pre-commit case


def precommit(cmd_for: Dict[str, List[str]], runs: int) -> Dict[str, dict]:
    """Median wall time of ``runs`` fresh processes per tool, after one untimed warm-up."""
    out: Dict[str, dict] = {}
    for name, cmd in cmd_for.items():
        times, cpus, rss, rcs = [], [], [], []
        for i in range(runs + 1):
            with tempfile.TemporaryDirectory(prefix="nnlint-bench-") as tmp:
                p = measure(cmd, timeout=120, env=clean_env(tmp), cwd=tmp, sample_every=0.01)
            if i:  # the first run only warms the OS file cache
                times.append(p.wall)
                cpus.append(p.cpu)
                rss.append(p.maxrss_proc)
                rcs.append(p.rc)
        out[name] = {"median_s": statistics.median(times), "min_s": min(times),
                     "median_cpu_s": statistics.median(cpus),
                     "max_s": max(times), "maxrss_proc": max(rss), "rcs": sorted(set(rcs)),
                     "stderr": _tail(p.stderr, 200) if p.rc not in (0, 1) else ""}
    return out


def imports_torch(cmd: List[str]) -> Optional[bool]:
    """Does this (Python console script) command import torch? ``-X importtime`` says."""
    with tempfile.TemporaryDirectory(prefix="nnlint-bench-") as tmp:
        env = clean_env(tmp)
        env["PYTHONPROFILEIMPORTTIME"] = "1"
        p = measure(cmd, timeout=120, env=env, cwd=tmp)
    if "import time:" not in p.stderr:
        return None
    return bool(re.search(r"^import time:.*\|\s+torch$", p.stderr, re.M))


# ----------------------------------------------------------------------------------- main


def nnlint_check_usable(exe: Path) -> Tuple[bool, str, List[str]]:
    """Is ``nnlint check`` there yet? Also returns the extra flags to pass (--no-cache)."""
    if not exe.exists():
        return False, f"{exe} does not exist", []
    try:
        p = subprocess.run([str(exe), "check", "--help"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc), []
    if p.returncode != 0:
        return False, f"`nnlint check --help` exited {p.returncode}: {_tail(p.stderr or p.stdout)}", []
    extra = ["--no-cache"] if "--no-cache" in p.stdout else []
    return True, "", extra


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subset", type=int, default=0, help="only the first N corpus files")
    ap.add_argument("--fractions", default="1.0",
                    help="comma-separated fractions of the file list to run, e.g. 0.25,0.5,1.0")
    ap.add_argument("--tools", default="nnlint,torchfix,torch-preflight",
                    help="comma-separated subset of nnlint,torchfix,torch-preflight")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="worker processes for every tool")
    ap.add_argument("--peer-timeout", type=float, default=600.0,
                    help="seconds each peer gets per fraction (0 = no limit); past it the "
                         "throughput of the batches done so far is reported as partial")
    ap.add_argument("--nnlint-timeout", type=float, default=0.0, help="same for nnlint (0 = none)")
    ap.add_argument("--peer-batch-lines", type=int, default=20000,
                    help="a peer invocation gets files until it holds this many lines (0 = all "
                         "in one process, so no partial figure on timeout); each invocation "
                         "adds the peer's start-up (~1.5 s)")
    ap.add_argument("--nnlint-batch-lines", type=int, default=0,
                    help="same for nnlint (default 0: one process for the whole list)")
    ap.add_argument("--nnlint", type=Path, default=DEFAULT_NNLINT, help="the nnlint executable")
    ap.add_argument("--nnlint-args", default=None,
                    help="extra arguments after `nnlint check --exit-zero --format concise -j N` "
                         "(default: --no-cache when `nnlint check --help` lists it)")
    ap.add_argument("--precommit-file", type=Path, default=DEFAULT_PRECOMMIT_FILE)
    ap.add_argument("--precommit-runs", type=int, default=5)
    ap.add_argument("--no-precommit", action="store_true", help="skip the pre-commit case")
    ap.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                    help="leave out corpus files whose path relative to .cache/corpus matches "
                         "(fnmatch; repeatable), e.g. '*/conversion_mapping.py'")
    ap.add_argument("--max-file-lines", type=int, default=0,
                    help="only files of at most N lines (e.g. 1000: script-sized files)")
    ap.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = ap.parse_args(argv)

    tools_wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(tools_wanted) - {"nnlint", "torchfix", "torch-preflight"}
    if unknown:
        ap.error(f"unknown tools: {', '.join(sorted(unknown))}")
    fractions = sorted({float(x) for x in args.fractions.split(",") if x.strip()})
    if not fractions or any(not 0 < f <= 1 for f in fractions):
        ap.error("--fractions must be numbers in (0, 1]")

    files = corpus.corpus_files(min_files=0 if args.subset else 2000)
    if args.exclude or args.max_file_lines:
        def keep(f: Path) -> bool:
            rel = f.relative_to(corpus.CORPUS_DIR).as_posix()
            if any(fnmatch.fnmatch(rel, pat) for pat in args.exclude):
                return False
            return not args.max_file_lines or corpus.count_lines(f) <= args.max_file_lines
        before = len(files)
        files = [f for f in files if keep(f)]
        print(f"--exclude/--max-file-lines left out {before - len(files)} files")
    if args.subset:
        files = files[: args.subset]
    lines = {f: corpus.count_lines(f) for f in files}
    print(f"corpus: {len(files):,} files, {sum(lines.values()):,} lines "
          f"({', '.join(f'{n}-{v}' for n, v in corpus.PROJECTS)}); jobs={args.jobs}; "
          f"cores={os.cpu_count()}; python {sys.version.split()[0]}")

    tools: List[Tool] = []
    report: dict = {"files": len(files), "lines": sum(lines.values()), "jobs": args.jobs,
                    "fractions": {}, "precommit": {}}
    nnlint_ok = False
    if "nnlint" in tools_wanted:
        nnlint_ok, why, extra = nnlint_check_usable(args.nnlint)
        if args.nnlint_args is not None:
            extra = shlex.split(args.nnlint_args)
        if nnlint_ok:
            tools.append(nnlint_tool(args.nnlint, args.jobs, extra, args.nnlint_batch_lines))
            print(f"nnlint: {' '.join(tools[-1].argv(['FILES...']))}")
            if "--no-cache" not in extra:
                print("  note: no --no-cache flag passed; a content-hash cache could make runs warm "
                      "(every run gets a fresh cwd and XDG_CACHE_HOME to limit that)")
        else:
            print(f"nnlint: SKIPPED, `nnlint check` is not usable yet: {why}")
    bindir = None
    if {"torchfix", "torch-preflight"} & set(tools_wanted):
        bindir = ensure_peers_venv()
        if "torchfix" in tools_wanted:
            tools.append(torchfix_tool(bindir, args.jobs, args.peer_batch_lines))
        if "torch-preflight" in tools_wanted:
            tools.append(preflight_tool(bindir, args.jobs, args.peer_batch_lines))
        for t in tools[1 if nnlint_ok else 0:]:
            print(f"{t.name}: {' '.join(t.argv(['FILES...']))}"
                  + (f"  (invocations of ~{t.batch_lines:,} lines)" if t.batch_lines else ""))

    all_results: Dict[float, List[RunResult]] = {}
    same_by_frac: Dict[float, Dict[str, RunResult]] = {}
    report["loadavg_before"] = os.getloadavg()
    if report["loadavg_before"][0] > (os.cpu_count() or 1):
        print(f"WARNING: load average {report['loadavg_before'][0]:.1f} on {os.cpu_count()} cores: "
              "other work is running and will slow every tool")
    for frac in fractions:
        subset = files[: max(1, math.ceil(frac * len(files)))]
        results = []
        for tool in tools:
            timeout = (args.nnlint_timeout if tool.name == "nnlint" else args.peer_timeout) or None
            print(f"running {tool.name} on {len(subset):,} files ...", file=sys.stderr)
            results.append(run_tool(tool, subset, lines, timeout))
        # A peer cut by its budget finished a prefix of the list: time nnlint on exactly that.
        same: Dict[str, RunResult] = {}
        nn_tool = next((t for t in tools if t.name == "nnlint"), None)
        for r in results:
            if nn_tool and r.tool != "nnlint" and r.partial and r.files_done:
                print(f"running nnlint on the {r.files_done} files {r.tool} finished ...", file=sys.stderr)
                same[r.tool] = run_tool(nn_tool, subset[: r.files_done], lines, None)
        all_results[frac] = results
        same_by_frac[frac] = same
        print_table(f"{frac:.0%} of the corpus: {len(subset):,} files, "
                    f"{sum(lines[f] for f in subset):,} lines", results, same)
        report["fractions"][str(frac)] = [
            dict(asdict(r), lines_per_s=r.lines_per_s, files_per_s=r.files_per_s,
                 lines_per_cpu_s=r.lines_per_cpu_s) for r in results
        ]
        for peer, r in same.items():
            report["fractions"][str(frac)].append(
                dict(asdict(r), tool=f"nnlint (files {peer} finished)", lines_per_s=r.lines_per_s,
                     files_per_s=r.files_per_s, lines_per_cpu_s=r.lines_per_cpu_s))

    if len(fractions) > 1:
        print("\ngrowth with corpus size (lines/s, peak tree RSS MB):")
        for tool in tools:
            cells = []
            for frac in fractions:
                r = next(r for r in all_results[frac] if r.tool == tool.name)
                cells.append(f"{frac:.0%}: {r.lines_per_s:,.0f} l/s {_mb(r.maxrss_tree)} MB")
            print(f"  {tool.name:<16} " + " | ".join(cells))

    pc = None
    if not args.no_precommit and args.precommit_file.exists():
        target = str(args.precommit_file)
        cmds: Dict[str, List[str]] = {}
        if nnlint_ok:
            # As a pre-commit hook runs it: one file, no -j.
            cmds["nnlint"] = [str(args.nnlint), "check", "--exit-zero", "--format", "concise",
                              *(extra if args.nnlint_args is None else shlex.split(args.nnlint_args)),
                              target]
        if bindir is not None:
            if "torchfix" in tools_wanted:
                cmds["torchfix"] = [str(bindir / "torchfix"), target]
            if "torch-preflight" in tools_wanted:
                cmds["torch-preflight"] = [str(bindir / "torch-preflight"), "check", "-f", "json", target]
        if cmds:
            n_lines = corpus.count_lines(args.precommit_file)
            py = str(args.nnlint.parent / "python")
            if os.path.exists(py):
                cmds["(python -c pass)"] = [py, "-c", "pass"]
            pc = precommit(cmds, args.precommit_runs)
            rel = os.path.relpath(target, corpus.CORPUS_DIR)
            print(f"\npre-commit case: {rel} ({n_lines} lines), fresh process, start-up included, "
                  f"median of {args.precommit_runs} (after 1 warm-up)")
            print(f"{'tool':<18} {'median s':>9} {'min s':>7} {'max s':>7} {'cpu s':>7} {'RSS MB':>7}  exit")
            for name, d in pc.items():
                print(f"{name:<18} {d['median_s']:>9.3f} {d['min_s']:>7.3f} {d['max_s']:>7.3f} "
                      f"{d['median_cpu_s']:>7.3f} "
                      f"{_mb(d['maxrss_proc']):>7}  {d['rcs']} {d['stderr']}")
            if nnlint_ok:
                it = imports_torch(cmds["nnlint"])
                pc["nnlint"]["imports_torch"] = it
                said = "unknown" if it is None else ("YES (it must not)" if it else "no")
                print(f"nnlint imports torch: {said}")
            report["precommit"] = dict(pc, file=rel, lines=n_lines)

    # Targets, judged on the largest fraction.
    print("\ntargets:")
    last = all_results[fractions[-1]] if fractions else []
    nn = next((r for r in last if r.tool == "nnlint" and r.wall and not r.crashed_batches), None)
    tp = next((r for r in last if r.tool == "torch-preflight" and r.lines_per_s), None)
    got = ratio(nn, tp, same_by_frac.get(fractions[-1], {})) if tp else None
    if got:
        print(f"  lines/s >= {TARGET_RATIO:.0f}x torch-preflight ({args.jobs} jobs): {got[0]:.1f}x "
              f"({got[1]}) {'PASS' if got[0] >= TARGET_RATIO else 'FAIL'}")
    else:
        print("  lines/s vs torch-preflight: not measured")
    if pc and "nnlint" in pc:
        m = pc["nnlint"]["median_s"]
        print(f"  300-line file < {TARGET_PRECOMMIT_S} s: {m:.3f} s "
              f"{'PASS' if m < TARGET_PRECOMMIT_S else 'FAIL'}")
    else:
        print("  300-line file: not measured")
    if nn:
        peak = max(nn.maxrss_tree, nn.maxrss_proc) / MB
        print(f"  peak memory < {TARGET_PEAK_MB:.0f} MB: {peak:,.0f} MB (tree sum) "
              f"{'PASS' if peak < TARGET_PEAK_MB else 'FAIL'}")
    else:
        print("  peak memory: not measured")

    report["loadavg_after"] = os.getloadavg()
    busy = max(report["loadavg_before"][0], report["loadavg_after"][0]) > (os.cpu_count() or 1)
    print(f"\nload average before / after: {report['loadavg_before'][0]:.2f} / "
          f"{report['loadavg_after'][0]:.2f} on {os.cpu_count()} cores"
          + (": WARNING, other work was running; wall figures (pre-commit included) are "
             "inflated, cpu s and l/cpu-s much less" if busy else ""))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
