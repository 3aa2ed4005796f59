"""Recall and false alarms of the static checker on a corpus it was not written against.

``benchmarks/recall/<project>/`` holds a small training project in one of the styles
people really write (a Trainer class, argparse, a config dataclass, engine/model/data/
train modules, a notebook-style script, ...). ``buggy/`` has bugs seeded in it, each
labelled on the line where the finding must land::

    train_loader = DataLoader(train_set, batch_size=64)  # expect: NN101 construct=tuple-return,cross-file

and ``fixed/`` is its twin: the same project with every seeded bug fixed, and no labels.
``project.toml`` names the project's style. The corpus is written from the public rule
docs (``nnlint rule NNxxx``: what each rule promises), never from the rules' own
examples or fixtures, so that it measures what the rules find in code they were not
tuned to.

    python benchmarks/recall.py                    # the tables and a summary line
    python benchmarks/recall.py --only cross-file  # only the labels of one construct
    python benchmarks/recall.py --json /tmp/recall.json
    python benchmarks/recall.py --real             # also every finding on real code

A label is *hit* when a finding of its code in its file starts on its line, or covers
it; *elsewhere* when a finding of its code that no other label took is on another line
of the project (the nearest one is paired with it, and listed: the rule saw something,
not where the fix goes); otherwise *missed*. Every
finding in a ``fixed/`` twin is a false alarm; findings in ``buggy/`` that match no
label are listed for a person to judge. Recall is measured here, never asserted.

Standard library only; nnlint is ``.venv/bin/nnlint`` (``--nnlint`` to change), run with
``--format json --no-cache`` and the empty configuration ``recall/nnlint.toml`` (the
default rule set, whatever the repository's own settings say).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import corpus
from recall_corpus import CONSTRUCTS, CORPUS, CorpusError, Label, Project, load_corpus, parse_labels

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CONFIG = CORPUS / "nnlint.toml"
REAL_OUT = HERE / ".cache" / "recall-real.txt"


@dataclass(frozen=True)
class Finding:
    """One diagnostic, reduced to what matching needs (lines 1-based, like the labels)."""

    file: str  # relative to the checked folder, with /
    line: int  # 1-based start line
    end_line: int
    code: str
    message: str

    def covers(self, line: int) -> bool:
        return self.line <= line <= self.end_line


@dataclass
class Outcome:
    """Everything measured on one project."""

    project: Project
    labels: List[Label]
    hits: List[Label] = field(default_factory=list)
    elsewhere: List[Tuple[Label, Finding]] = field(default_factory=list)
    missed: List[Label] = field(default_factory=list)
    unlabelled: List[Finding] = field(default_factory=list)
    false_alarms: List[Finding] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)


# --- running nnlint -------------------------------------------------------------------


@dataclass(frozen=True)
class Checker:
    """How nnlint is started: an executable, or the venv's Python on another source tree
    (``--src``: a ``git archive`` of an older commit, to measure a baseline while the
    working tree moves on)."""

    command: Tuple[str, ...]
    pythonpath: Optional[str] = None

    @classmethod
    def from_args(cls, nnlint: str, src: Optional[Path]) -> "Checker":
        if src is None:
            return cls((nnlint,))
        python = str(Path(nnlint).with_name("python"))
        return cls((python, "-c", "import sys; from nnlint.cli import main; sys.exit(main())"), str(src.resolve()))

    def describe(self) -> str:
        return f"nnlint from {self.pythonpath}" if self.pythonpath else self.command[0]


def run_nnlint(
    checker: Checker, folder: Path, paths: Optional[Sequence[Path]] = None, jobs: int = 1
) -> Tuple[List[Finding], List[str]]:
    """nnlint's findings on ``folder`` (or on ``paths`` inside it), paths relative to it."""
    targets = [str(p) for p in paths] if paths else [str(folder)]
    cmd = [*checker.command, "check", "--format", "json", "--no-cache", "--exit-zero", "-j", str(jobs),
           "--config", str(CONFIG), *targets]
    env = dict(os.environ, PYTHONPATH=checker.pythonpath) if checker.pythonpath else None
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=folder, env=env)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return [], [f"{folder}: nnlint exited {proc.returncode}: {tail[0]}"]
    findings = []
    for entry in report.get("files", []):
        rel = _relative(Path(entry["path"]), folder)
        for diag in entry.get("diagnostics", []):
            start, end = diag["range"]["start"], diag["range"]["end"]
            findings.append(Finding(rel, start["line"] + 1, end["line"] + 1, diag["code"], diag["message"]))
    errors = [f"{e.get('path', '?')}: {e.get('message', e)}" if isinstance(e, dict) else str(e)
              for e in report.get("errors", [])]
    return findings, errors


def _relative(path: Path, folder: Path) -> str:
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


# --- matching -------------------------------------------------------------------------


def match(project: Project, labels: List[Label], buggy: List[Finding], fixed: List[Finding]) -> Outcome:
    """Sort the labels into hit / elsewhere / missed, the rest of the findings into
    unlabelled (buggy) and false alarms (fixed)."""
    outcome = Outcome(project, labels, false_alarms=list(fixed))
    used = set()
    for label in labels:
        exact = [f for f in buggy if f.code == label.code and f.file == label.file and f.covers(label.line)]
        if exact:
            outcome.hits.append(label)
            used.update(exact)
    # Each label without a hit is paired with the nearest finding of its code that no
    # other label took, nearest pairs first: one finding never counts for two labels.
    unhit = [label for label in labels if label not in outcome.hits]
    spare = [f for f in buggy if f not in used]
    pairs = sorted((lb.file != f.file, abs(lb.line - f.line), i, j)
                   for i, lb in enumerate(unhit) for j, f in enumerate(spare) if lb.code == f.code)
    paired: Dict[int, int] = {}
    for _, _, i, j in pairs:
        if i not in paired and j not in set(paired.values()):
            paired[i] = j
    for i, label in enumerate(unhit):
        if i in paired:
            outcome.elsewhere.append((label, spare[paired[i]]))
        else:
            outcome.missed.append(label)
    taken = {spare[j] for j in paired.values()}
    outcome.unlabelled = [f for f in spare if f not in taken]
    return outcome


def measure(project: Project, checker: Checker, only: Optional[str]) -> Outcome:
    """Match every label (so that findings of the other labels are not "unlabelled"),
    then keep only the labels of construct ``only`` when one is given."""
    labels = parse_labels(project.name, project.path / "buggy")
    buggy, errors_b = run_nnlint(checker, project.path / "buggy")
    fixed, errors_f = run_nnlint(checker, project.path / "fixed")
    outcome = match(project, labels, buggy, fixed)
    outcome.errors = errors_b + errors_f
    if only:
        def keep(label: Label) -> bool:
            return only in label.constructs
        outcome.labels = [lb for lb in outcome.labels if keep(lb)]
        outcome.hits = [lb for lb in outcome.hits if keep(lb)]
        outcome.elsewhere = [(lb, f) for lb, f in outcome.elsewhere if keep(lb)]
        outcome.missed = [lb for lb in outcome.missed if keep(lb)]
    return outcome


# --- reporting ------------------------------------------------------------------------


def _ratio(hit: int, total: int) -> str:
    return f"{hit}/{total} ({100 * hit / total:.0f}%)" if total else "-"


def tally(outcomes: Iterable[Outcome], keys) -> Dict[str, List[int]]:
    """key -> [labels, hits, elsewhere] where ``keys(outcome, label)`` lists a label's keys."""
    table: Dict[str, List[int]] = defaultdict(lambda: [0, 0, 0])
    for outcome in outcomes:
        elsewhere = {label for label, _ in outcome.elsewhere}
        for label in outcome.labels:
            for key in keys(outcome, label):
                row = table[key]
                row[0] += 1
                row[1] += label in outcome.hits
                row[2] += label in elsewhere
    return dict(sorted(table.items()))


def print_table(title: str, table: Dict[str, List[int]]) -> None:
    width = max([len(title)] + [len(k) for k in table])
    print(f"\n{title:<{width}}  {'labels':>6}  {'hit':>4}  {'elsewhere':>9}  {'recall':>12}")
    for key, (total, hit, elsewhere) in table.items():
        print(f"{key:<{width}}  {total:>6}  {hit:>4}  {elsewhere:>9}  {_ratio(hit, total):>12}")


def report(outcomes: List[Outcome]) -> Dict[str, object]:
    """Print the tables and lists; return the summary figures."""
    print_table("rule", tally(outcomes, lambda o, label: [label.code]))
    print_table("construct", tally(outcomes, lambda o, label: label.constructs))
    print_table("style", tally(outcomes, lambda o, label: [o.project.style]))

    def listing(title: str, rows: List[str]) -> None:
        print(f"\n{title}: {len(rows)}")
        for row in rows:
            print(f"  {row}")

    listing("missed (no finding of the code in the project)",
            [f"{o.project.name}/buggy/{lb.file}:{lb.line} {lb.code} [{','.join(lb.constructs)}]"
             for o in outcomes for lb in o.missed])
    listing("elsewhere (the code was reported, on another line)",
            [f"{o.project.name}/buggy/{lb.file}:{lb.line} {lb.code} -> {f.file}:{f.line}"
             for o in outcomes for lb, f in o.elsewhere])
    listing("false alarms on fixed twins",
            [f"{o.project.name}/fixed/{f.file}:{f.line} {f.code} {f.message}" for o in outcomes for f in o.false_alarms])
    listing("unlabelled findings in buggy projects (a person decides)",
            [f"{o.project.name}/buggy/{f.file}:{f.line} {f.code} {f.message}" for o in outcomes for f in o.unlabelled])
    errors = [e for o in outcomes for e in o.errors]
    if errors:
        listing("errors (files nnlint could not check)", errors)

    labels = sum(len(o.labels) for o in outcomes)
    hits = sum(len(o.hits) for o in outcomes)
    elsewhere = sum(len(o.elsewhere) for o in outcomes)
    alarms = sum(len(o.false_alarms) for o in outcomes)
    twins_alarmed = sum(bool(o.false_alarms) for o in outcomes)
    unlabelled = sum(len(o.unlabelled) for o in outcomes)
    print(f"\nrecall {_ratio(hits, labels)} exact line, {_ratio(hits + elsewhere, labels)} counting other lines; "
          f"{alarms} false alarms on {twins_alarmed}/{len(outcomes)} fixed twins; "
          f"{unlabelled} unlabelled findings in buggy projects; {len(errors)} errors")
    return {"labels": labels, "hits": hits, "elsewhere": elsewhere, "false_alarms": alarms,
            "twins_with_false_alarms": twins_alarmed, "projects": len(outcomes),
            "unlabelled": unlabelled, "errors": len(errors)}


# --- the real corpus ------------------------------------------------------------------

#: The documented subset of the real corpus: files that hold training code, where the
#: rules apply (``--real-all`` checks every file instead).
TRAINING_CODE = re.compile(rb"\.backward\(|DataLoader\(|optimizer\.step\(")


def real_files(all_files: bool) -> Dict[Path, List[Path]]:
    """Project folder -> the files to check, from the fetched corpus (see corpus.py)."""
    roots = corpus.ensure_corpus(quiet=False)
    chosen = {}
    for root in roots:
        files = corpus.project_files(root)
        if not all_files:
            files = [f for f in files if TRAINING_CODE.search(f.read_bytes())]
        if files:
            chosen[root] = files
    return chosen


def report_real(checker: Checker, all_files: bool, out: Path, jobs: int) -> Dict[str, object]:
    chosen = real_files(all_files)
    counts: Dict[str, int] = defaultdict(int)
    rows, errors = [], []
    for root, files in chosen.items():
        findings, errs = run_nnlint(checker, root, files, jobs)
        errors += errs
        for f in sorted(findings, key=lambda f: (f.file, f.line, f.code)):
            counts[f.code] += 1
            rows.append(f"{root.name}/{f.file}:{f.line} {f.code} {f.message}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(rows + [f"error: {e}" for e in errors]) + "\n", encoding="utf-8")
    nfiles = sum(len(f) for f in chosen.values())
    print(f"\nreal corpus ({'every file' if all_files else 'training-code subset'}): {nfiles} files, "
          f"{len(rows)} findings, {len(errors)} errors; every finding listed in {out}")
    for code, n in sorted(counts.items()):
        print(f"  {code}  {n}")
    return {"files": nfiles, "findings": len(rows), "per_code": dict(counts), "errors": errors, "list": str(out)}


# --- main -----------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nnlint", default=str(REPO / ".venv" / "bin" / "nnlint"), help="the nnlint executable")
    parser.add_argument("--src", type=Path, metavar="DIR",
                        help="measure the nnlint package under DIR (e.g. a git archive of a commit's src/) "
                             "with the venv's Python, instead of the installed one")
    parser.add_argument("--project", metavar="GLOB", help="only the projects whose folder name matches GLOB")
    parser.add_argument("--only", metavar="CONSTRUCT", choices=sorted(CONSTRUCTS),
                        help="only the labels of this construct (and the projects that have one)")
    parser.add_argument("--json", metavar="OUT", type=Path, help="write every figure and list to this file")
    parser.add_argument("--real", action="store_true", help="also run nnlint on the real corpus and list its findings")
    parser.add_argument("--real-all", action="store_true", help="with --real: every file, not the training-code subset")
    parser.add_argument("--real-out", type=Path, default=REAL_OUT, help=f"where --real lists findings ({REAL_OUT})")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="nnlint processes at a time (default 2)")
    args = parser.parse_args(argv)

    if args.src is not None and not (args.src / "nnlint" / "cli.py").is_file():
        print(f"recall.py: --src {args.src}: no nnlint package there (want DIR/nnlint/cli.py)", file=sys.stderr)
        return 2
    checker = Checker.from_args(args.nnlint, args.src)
    try:
        projects = load_corpus()
        if args.project:
            projects = [p for p in projects if fnmatch.fnmatchcase(p.name, args.project)]
        if args.only:
            projects = [p for p in projects
                        if any(args.only in lb.constructs for lb in parse_labels(p.name, p.path / "buggy"))]
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            outcomes = list(pool.map(lambda p: measure(p, checker, args.only), projects))
    except CorpusError as exc:
        print(f"recall.py: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"recall.py: cannot run nnlint: {exc}", file=sys.stderr)
        return 2

    print(f"measured: {checker.describe()}")
    summary = report(outcomes)
    result: Dict[str, object] = {"nnlint": checker.describe(), "summary": summary,
                                 "projects": [_outcome_json(o) for o in outcomes]}
    if args.real:
        try:
            result["real"] = report_real(checker, args.real_all, args.real_out, args.jobs)
        except RuntimeError as exc:  # corpus.py could not fetch the corpus
            print(f"recall.py: real corpus: {exc}", file=sys.stderr)
            return 2
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def _outcome_json(outcome: Outcome) -> Dict[str, object]:
    return {
        "project": outcome.project.name,
        "style": outcome.project.style,
        "labels": [asdict(lb) for lb in outcome.labels],
        "hits": [asdict(lb) for lb in outcome.hits],
        "elsewhere": [{"label": asdict(lb), "finding": asdict(f)} for lb, f in outcome.elsewhere],
        "missed": [asdict(lb) for lb in outcome.missed],
        "false_alarms": [asdict(f) for f in outcome.false_alarms],
        "unlabelled": [asdict(f) for f in outcome.unlabelled],
        "errors": outcome.errors,
    }


if __name__ == "__main__":
    sys.exit(main())
