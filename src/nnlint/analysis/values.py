"""The abstract values the interpreter follows, and what torch's names produce.

A value is known or ``UNKNOWN``; rules only speak about known values. A tensor
carries its ``Kind`` (raw logits, probabilities, log-probabilities) and a short
``origin`` that messages quote. An object (``Instance``) remembers the
constructor call it came from, so a rule can point at ``nn.NLLLoss()`` or at the
``DataLoader(...)`` line itself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

import libcst as cst

from nnlint.analysis.torch_api import Kind

if TYPE_CHECKING:
    from nnlint.analysis.project import ClassInfo, FunctionInfo


class Mode(enum.Enum):
    TRAIN = "train"
    EVAL = "eval"


class _Unknown:
    _instance = None

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Tensor:
    kind: Kind
    origin: str  # e.g. "the output of nn.Linear" — quoted in messages

    def __eq__(self, other: object) -> bool:  # the origin is commentary, the kind is the value
        return isinstance(other, Tensor) and other.kind is self.kind

    def __hash__(self) -> int:
        return hash(self.kind)


@dataclass(frozen=True, eq=False)
class Instance:
    """An object built by a call; equal only to itself (one per constructor call site)."""

    qualname: str  # "torch.nn.NLLLoss", or "<module>.Net" for a project class
    call: cst.Call | None
    module_key: str  # which file the constructor call is in (project.ModuleInfo.key)
    cls: "ClassInfo | None" = None
    layers: tuple["Value", ...] = field(default=())  # nn.Sequential's layers, evaluated

    def __repr__(self) -> str:
        return f"Instance({self.qualname})"


@dataclass(frozen=True, eq=False)
class FunctionRef:
    info: "FunctionInfo"


Value = Union[Tensor, Instance, FunctionRef, _Unknown]


def join(left: Value, right: Value) -> Value:
    """The value on both paths, or UNKNOWN where they differ."""
    return left if left == right else UNKNOWN


_NON_CLASSIFIER_PREFIXES = ("torchvision.models.detection", "torchvision.models.segmentation", "torchvision.models.optical_flow", "torchvision.models.video")


def is_classifier_factory(qualname: str) -> bool:
    return (qualname.startswith("torchvision.models.") and not qualname.startswith(_NON_CLASSIFIER_PREFIXES)) or qualname == "timm.create_model"


def short(qualname: str) -> str:
    """``torch.nn.Linear`` -> ``nn.Linear`` for messages."""
    for prefix, replacement in (("torch.nn.functional.", "F."), ("torch.nn.", "nn."), ("torch.utils.data.", "")):
        if qualname.startswith(prefix):
            return replacement + qualname[len(prefix):]
    return qualname.rsplit(".", 1)[-1] if "." in qualname and not qualname.startswith("torch.") else qualname
