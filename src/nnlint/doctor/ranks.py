"""The parent's side of a distributed doctor run: each rank's report merged into one (no torch here).

Every rank under ``torch.distributed.run`` writes its own report (``child.py
--distributed``). One report comes back to the user: a finding every rank made
is shown once, with the other ranks' numbers as notes where they differ;
how each rank ended is said once when all agree and per rank when not; and the
comparisons only several ranks allow (``checks/distributed.py``) are added.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from nnlint.diagnostic import Diagnostic
from nnlint.doctor.checks.distributed import check_ranks
from nnlint.doctor.report import DoctorReport

NEEDS_LAUNCHER_EXIT = 64  # the child's exit code for a distributed script run without --nproc-per-node


def rank_result(result: str, rank: str) -> str:
    """Where one rank writes its report, beside the run's ``result`` path."""
    return f"{result}.rank{rank}"


def rank_token(token: str, rank: str) -> str:
    """The reaper's token for one rank's processes: ending one rank's tree must not end the others."""
    return f"{token}-rank{rank}"


def gather(result: Path, world: int, *, waited: float | None = None) -> DoctorReport | None:
    """The merged report of the ranks that wrote one; None when none did. ``waited``: the run was killed after that many seconds."""
    reports = {}
    for rank in range(world):
        path = Path(rank_result(str(result), str(rank)))
        if path.exists():
            reports[rank] = DoctorReport.from_json(path.read_text(encoding="utf-8"))
    if not reports:
        return None
    report = merge(reports)
    missing = [rank for rank in range(world) if rank not in reports]
    if missing:
        names = ", ".join(map(str, missing))
        why = f"still running after {waited:g} s and killed (waiting in a collective?)" if waited is not None else "ended without a report"
        report.notes.append(f"rank {names}: {why}")
        report.error = report.error or f"rank {names} {why}"
    return report


def merge(reports: dict[int, DoctorReport]) -> DoctorReport:
    """One report for all ranks (keys are ranks); findings once, per-rank numbers where they differ."""
    ranks = sorted(reports)
    first = reports[ranks[0]]
    errors = [f"rank {rank}: {reports[rank].error}" for rank in ranks if reports[rank].error]
    metrics = {key: value for key, value in first.metrics.items() if key != "rank"}
    metrics["ranks"] = {str(rank): {"steps": reports[rank].steps, "loss": reports[rank].metrics.get("loss", [])} for rank in ranks}
    data = [reports[rank].metrics["rank"] for rank in ranks if "rank" in reports[rank].metrics]
    return DoctorReport(
        diagnostics=sorted([*_merged_findings(reports), *check_ranks(data)], key=Diagnostic.sort_key),
        metrics=metrics,
        steps=min(reports[rank].steps for rank in ranks),
        stopped=_per_rank({rank: reports[rank].stopped for rank in ranks}),
        error=errors[0] if errors else None,
        notes=_merged_notes(reports),
        seconds=max(reports[rank].seconds for rank in ranks),
    )


def _per_rank(values: dict[int, str]) -> str:
    """One value when every rank agrees, else each rank's."""
    if len(set(values.values())) == 1:
        return next(iter(values.values()))
    return "; ".join(f"rank {rank}: {value}" for rank, value in values.items())


def _merged_findings(reports: dict[int, DoctorReport]) -> list[Diagnostic]:
    """Each finding once (same code at the same line); the other ranks' messages as notes where they differ."""
    groups: dict[tuple[Any, ...], dict[int, Diagnostic]] = {}
    for rank in sorted(reports):
        for diagnostic in reports[rank].diagnostics:
            groups.setdefault((diagnostic.code, diagnostic.path, diagnostic.line), {}).setdefault(rank, diagnostic)
    merged = []
    for by_rank in groups.values():
        rank, kept = next(iter(by_rank.items()))
        notes = [f"rank {other}: {diagnostic.message}" for other, diagnostic in by_rank.items() if diagnostic.message != kept.message]
        if len(by_rank) < len(reports):
            notes.insert(0, f"seen on rank {', '.join(map(str, by_rank))} of {len(reports)}")
        elif notes:
            notes.insert(0, f"rank {rank}: {kept.message}")
        merged.append(replace(kept, notes=(*kept.notes, *notes)))
    return merged


def _merged_notes(reports: dict[int, DoctorReport]) -> list[str]:
    """Notes every rank made, once; the others with their rank."""
    ranks = sorted(reports)
    notes: list[str] = []
    for rank in ranks:
        for note in reports[rank].notes:
            shared = all(note in reports[other].notes for other in ranks)
            text = note if shared else f"rank {rank}: {note}"
            if text not in notes:
                notes.append(text)
    return notes
