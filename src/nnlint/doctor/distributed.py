"""A rank's side of ``nnlint doctor --nproc-per-node N``: what the ranks are compared on, and the launcher check.

Each rank of a run under ``torch.distributed.run`` is an ordinary doctor child
(hooks, sandbox, step cap, timeout) that also keeps, in ``RankWatch``, what
only a comparison across ranks can judge: a digest of each of its first
DataLoader batches and of its parameters after each of its first optimizer
steps. The parent (``ranks.py``) compares them. Digests, not tensors: the
report is JSON and a rank's batches never leave its process.

``launcher_guard`` is for the single-process doctor: a script that calls
``init_process_group`` expecting torchrun's environment stops there with one
line saying how to run it, instead of PyTorch's "RANK expected, but not set".
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import replace
from collections.abc import Iterator
from typing import Any

import torch
import torch.distributed
from torch.nn.modules import module as module_hooks
from torch.nn.parallel import DistributedDataParallel
from torch.optim import optimizer as optimizer_hooks

from nnlint.doctor.frames import user_location
from nnlint.doctor.replay import Replay
from nnlint.doctor.summaries import fingerprint, first_tensor

COMPARED_BATCHES = 8  # the first batches whose digests the ranks compare
COMPARED_STEPS = 4  # the first optimizer steps after which parameters are compared


class NeedsLauncher(BaseException):
    """The script asked for torchrun's environment (``init_process_group`` via ``env://``) and there is none."""


class RankWatch:
    """Digests of one rank's first training batches and of its parameters after its first steps, for ``ranks.py`` to compare.

    Only the batches of the loop that trains count: an evaluation loader run
    before training gives every rank the same validation set on purpose.
    """

    def __init__(self) -> None:
        self._batches: dict[tuple[str, int] | None, list[str]] = {}  # per line iterating a DataLoader
        self._last: tuple[str, int] | None = None  # the line of the latest batch
        self._trained: list[tuple[str, int]] = []  # lines whose batches fed an optimizer step (an evaluation loop's do not)
        self.params: list[list[tuple[float, float]]] = []
        self.step_at: tuple[str, int] | None = None
        self.sharded = False  # FSDP or DTensor parameters: each rank holds a different shard, so parameters are not compared
        self._optimizer: int | None = None
        self._sharded_module: type = type(None)
        self._sharded_tensor: type = type(None)

    def forward(self, module: torch.nn.Module, args: Any) -> None:
        if not self.sharded and isinstance(module, self._sharded_module):
            self.sharded = True

    def batch(self, batch: Any) -> None:
        """A DataLoader batch, as the script receives it; kept by the line that iterates the loader."""
        where = user_location()
        self._last = (where.path, where.line) if where else None
        digests = self._batches.setdefault(self._last, [])
        tensor = first_tensor(batch)
        if tensor is not None and len(digests) < COMPARED_BATCHES:
            digests.append(hashlib.sha1(repr(fingerprint(tensor)).encode()).hexdigest())

    def step(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        """After ``optimizer.step()`` (the first optimizer's): each parameter's sum and sum of squares."""
        if self._last is not None and self._last not in self._trained:
            self._trained.append(self._last)
        if self._optimizer is None:
            self._optimizer = id(optimizer)
            where = user_location()
            self.step_at = (where.path, where.line) if where else None
        if id(optimizer) != self._optimizer or len(self.params) >= COMPARED_STEPS:
            return
        self.sharded = self.sharded or any(isinstance(p, self._sharded_tensor) for group in optimizer.param_groups for p in group["params"])
        with torch.no_grad():
            self.params.append([(float(p.detach().double().sum()), float(p.detach().double().square().sum()))
                                for group in optimizer.param_groups for p in group["params"]])

    def data(self) -> dict[str, Any]:
        """What the parent compares (``ranks.RankData``), as JSON-ready values."""
        loader_at = self._trained[0] if self._trained else None
        return {"rank": int(os.environ.get("RANK", "0")), "world": int(os.environ.get("WORLD_SIZE", "1")),
                "batches": self._batches.get(loader_at, []), "loader_at": loader_at, "params": self.params, "step_at": self.step_at, "sharded": self.sharded}

    @contextlib.contextmanager
    def installed(self) -> Iterator[RankWatch]:
        """The watch's hooks for a with-block (imported here: only a rank under torchrun, where torch.distributed exists, needs them)."""
        from torch.distributed.fsdp import FullyShardedDataParallel
        from torch.distributed.tensor import DTensor

        self._sharded_module, self._sharded_tensor = FullyShardedDataParallel, DTensor
        handles = [optimizer_hooks.register_optimizer_step_post_hook(self.step),
                   module_hooks.register_module_forward_pre_hook(self.forward)]
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()


def local_replay(recipe: Replay | None) -> Replay | None:
    """``recipe`` on the module inside a ``DistributedDataParallel``, so that the experiments on its copy run no collectives.

    Each rank runs its experiments on its own, for as many steps as its own batch
    needs: through the wrapper, one rank's extra backward would wait forever for
    the others' gradients.
    """
    if recipe is not None and isinstance(recipe.model, DistributedDataParallel):
        return replace(recipe, model=recipe.model.module)
    return recipe


@contextlib.contextmanager
def launcher_guard() -> Iterator[None]:
    """Outside torchrun, make ``init_process_group`` through ``env://`` raise ``NeedsLauncher``; restored afterwards.

    Only the call PyTorch would refuse is stopped: an explicit ``rank`` or an
    ``init_method`` other than ``env://`` (``tcp://``, ``file://``) runs as the
    script wrote it. torch has no hook for this call, so it is replaced for the run.
    """
    if "RANK" in os.environ or not torch.distributed.is_available():
        yield
        return
    original = torch.distributed.init_process_group

    def guarded(*args: Any, **kwargs: Any) -> Any:
        init_method = kwargs.get("init_method", args[1] if len(args) > 1 else None)
        if init_method in (None, "env://") and kwargs.get("rank", -1) in (-1, None) and "store" not in kwargs:
            raise NeedsLauncher()
        return original(*args, **kwargs)

    torch.distributed.init_process_group = guarded
    try:
        yield
    finally:
        torch.distributed.init_process_group = original
