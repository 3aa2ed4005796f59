"""Checks only a distributed run allows: the ranks compared with each other (no torch).

Each rank's data is what ``distributed.RankWatch.data()`` wrote: digests of
its first DataLoader batches and each parameter's (sum, sum of squares) after
its first optimizer steps. Two ranks that received the same batches train on
the same samples; two ranks whose parameters differ after a step train
different models. Fewer than two ranks, or too few batches or steps to
compare, is silent.
"""

from __future__ import annotations

import math
from typing import Any

from nnlint.diagnostic import Diagnostic
from nnlint.doctor.codes import PARAMETER_TOLERANCE, SAME_BATCHES_MIN
from nnlint.doctor.findings import Location, finding


def check_ranks(ranks: list[dict[str, Any]]) -> list[Diagnostic]:
    if len(ranks) < 2:
        return []
    return [*_same_samples(ranks), *_diverging_parameters(ranks)]


def _where(at: list[Any] | tuple[Any, ...] | None) -> Location | None:
    return Location(at[0], at[1]) if at else None


def _same_samples(ranks: list[dict[str, Any]]) -> list[Diagnostic]:
    compared = min(len(rank["batches"]) for rank in ranks)
    where = _where(ranks[0]["loader_at"])
    if compared < SAME_BATCHES_MIN or where is None:
        return []
    if any(rank["batches"][:compared] != ranks[0]["batches"][:compared] for rank in ranks[1:]):
        return []
    return [finding("ND191", f"all {len(ranks)} ranks received the same {compared} batches from this DataLoader: every rank trains on the same samples",
                    where, "give the DataLoader a DistributedSampler(dataset) (and call sampler.set_epoch(epoch) every epoch), "
                    "or shard the dataset by rank")]


def _diverging_parameters(ranks: list[dict[str, Any]]) -> list[Diagnostic]:
    where = _where(ranks[0]["step_at"])
    if where is None or any(rank.get("sharded") for rank in ranks):
        return []
    steps = min(len(rank["params"]) for rank in ranks)
    for step in range(steps):
        reference = ranks[0]["params"][step]
        for rank in ranks[1:]:
            if len(rank["params"][step]) != len(reference):
                return []
            if any(not _close(a, b) for ours, theirs in zip(reference, rank["params"][step]) for a, b in zip(ours, theirs)):
                return [finding("ND192", f"rank {rank['rank']}'s parameters differ from rank {ranks[0]['rank']}'s after step {step + 1}: "
                                "the ranks train different models", where,
                                "wrap the model in DistributedDataParallel (and train through the wrapper, not model.module), "
                                "or synchronise the gradients before the step")]
    return []


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=PARAMETER_TOLERANCE, abs_tol=PARAMETER_TOLERANCE)
