"""Keep the model's tensors on the meta device, whatever ``device=`` its code names.

``torch.device("meta")`` is a TorchFunctionMode that only fills in a *default*
device: ``torch.zeros(100_000, 100_000, device="cpu")`` in ``__init__`` or
``forward`` would still allocate 40 GB. ``StayOnMeta`` (a hook, not a patch of
torch) rewrites every ``device=`` to meta while the model is built (loader) and
while the fx and eager tiers run its forward (the export and make_fx tiers run
on fake tensors, which never allocate). On meta there is nothing to initialise,
so in-place random initialisers are no-ops (some, like ``orthogonal_``, cannot
run on meta at all).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

#: In-place initialisers that only write values (nothing to write on meta).
_INITIALISERS = frozenset({
    "normal_", "uniform_", "trunc_normal_", "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_",
    "xavier_normal_", "orthogonal_", "sparse_", "random_", "exponential_", "geometric_", "log_normal_",
    "cauchy_", "bernoulli_", "dirac_", "eye_",
})


class StayOnMeta(TorchFunctionMode):
    """``device=`` of any call becomes meta; initialisers are no-ops on meta tensors."""

    def __torch_function__(self, func: Callable[..., Any], types: Any, args: Sequence[Any] = (), kwargs: Mapping[str, Any] | None = None) -> Any:
        kwargs = dict(kwargs or {})
        if kwargs.get("device") is not None:
            kwargs["device"] = "meta"
        target = args[0] if args else kwargs.get("tensor")
        if getattr(func, "__name__", "") in _INITIALISERS and isinstance(target, torch.Tensor) and target.is_meta:
            return target
        return func(*args, **kwargs)
