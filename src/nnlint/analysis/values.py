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

from nnlint.analysis.torch_api import CLASSIFIER_FACTORIES, CLASSIFIER_ZOO_PREFIX, NON_CLASSIFIER_ZOO_PREFIXES, Kind

if TYPE_CHECKING:
    from nnlint.analysis.project import ClassInfo, FunctionInfo, ModuleInfo


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
    arguments: "Arguments | None" = field(default=None, compare=False)  # the constructor's arguments, evaluated where it ran

    def __repr__(self) -> str:
        return f"Instance({self.qualname})"


@dataclass(frozen=True, eq=False)
class FunctionRef:
    info: "FunctionInfo"
    closure: "dict[str, Value] | None" = None  # a nested function: the enclosing function's names (``closures.py``)


@dataclass(frozen=True, eq=False)
class LambdaRef:
    """A lambda as a value (``loss_fn = lambda out, y: F.nll_loss(out, y)``), with the names it closes over."""

    node: cst.Lambda
    module: "ModuleInfo"
    closure: "dict[str, Value]"


@dataclass(frozen=True)
class Constant:
    """A Python literal (number, string, bool, None), followed through names, containers and configuration."""

    value: object
    overridable: bool = field(default=False, compare=False)  # a command-line default: the script may be told otherwise
    origin: cst.CSTNode | None = field(default=None, compare=False)  # the literal that wrote it (where a fix goes)

    def __eq__(self, other: object) -> bool:  # 1 == 1.0 == True in Python; here a value is also its type
        return isinstance(other, Constant) and type(other.value) is type(self.value) and other.value == self.value

    def __hash__(self) -> int:
        return hash((type(self.value), self.value))


@dataclass(frozen=True)
class Sequence:
    """A tuple or list whose elements are known one by one (an element may be UNKNOWN); ``complete``
    False: a plain tuple or list whose length (and so its elements) is not known."""

    items: tuple["Value", ...]
    complete: bool = True
    origin: cst.CSTNode | None = field(default=None, compare=False)  # the display that made the list (``[]``)


@dataclass(frozen=True)
class Mapping:
    """A dict (or keyword arguments) with constant keys; ``complete``: no key other than these can be in it."""

    entries: tuple[tuple[object, "Value"], ...]
    complete: bool = True

    def get(self, key: object) -> "Value | None":
        """The value under ``key``; None when the key is known to be absent; UNKNOWN when it may be there."""
        for name, value in self.entries:
            if name == key:
                return value
        return None if self.complete else UNKNOWN

    def merged(self, other: "Mapping") -> "Mapping":
        """``{**self, **other}``: ``other``'s entries win."""
        keys = {key for key, _ in other.entries}
        kept = tuple((key, value) for key, value in self.entries if key not in keys) if other.complete else tuple(
            (key, UNKNOWN if key not in keys else value) for key, value in self.entries if key not in keys)
        return Mapping((*kept, *other.entries), self.complete and other.complete)


@dataclass(frozen=True)
class ClassRef:
    """A class (or model factory) named but not called: ``nn.NLLLoss`` in ``LOSSES = {"nll": nn.NLLLoss}``."""

    qualname: str


@dataclass(frozen=True)
class Choice:
    """One of several known values: a registry entry picked by a key whose value is not known.
    Rules judge every option: they report when all of them are wrong."""

    options: tuple["Value", ...]


def candidates(value: "Value") -> tuple["Value", ...]:
    """The values ``value`` may be: the options of a choice, else itself."""
    return value.options if isinstance(value, Choice) else (value,)


@dataclass(frozen=True)
class Arguments:
    """What a call was given, evaluated: positional values and keywords (``**kwargs`` expanded where known)."""

    positional: tuple["Value", ...]
    keywords: Mapping
    exact: bool = True  # False when a ``*args`` of unknown length hides which positions are filled

    def get(self, position: int | None, name: str) -> "Value | None":
        """The argument for a parameter, by position or keyword; None when it is known not to be passed."""
        if position is not None and position < len(self.positional):  # the positions before an unknown *args are known
            return self.positional[position]
        found = self.keywords.get(name)
        if found is not None:
            return found
        if not self.exact:
            return UNKNOWN
        return None


Value = Union[Tensor, Instance, FunctionRef, LambdaRef, Constant, Sequence, Mapping, ClassRef, Choice, _Unknown]


def join(left: Value, right: Value) -> Value:
    """The value on both paths, or UNKNOWN where they differ; dicts join key by key."""
    if left == right:
        return left
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        keys = [key for key, _ in left.entries] + [key for key, _ in right.entries if left.get(key) is None]
        entries = []
        for key in keys:
            one, other = left.get(key), right.get(key)
            entries.append((key, join(one, other) if one is not None and other is not None else UNKNOWN))
        return Mapping(tuple(entries), left.complete and right.complete)
    if isinstance(left, Sequence) and isinstance(right, Sequence):
        origin = left.origin if left.origin is right.origin else None
        if len(left.items) == len(right.items) and left.complete and right.complete:
            return Sequence(tuple(join(a, b) for a, b in zip(left.items, right.items)), origin=origin)
        return Sequence((), complete=False, origin=origin)
    return UNKNOWN


def is_classifier_factory(qualname: str) -> bool:
    return (qualname.startswith(CLASSIFIER_ZOO_PREFIX) and not qualname.startswith(NON_CLASSIFIER_ZOO_PREFIXES)) or qualname in CLASSIFIER_FACTORIES


def short(qualname: str) -> str:
    """``torch.nn.Linear`` -> ``nn.Linear`` for messages."""
    for prefix, replacement in (("torch.nn.functional.", "F."), ("torch.nn.", "nn."), ("torch.utils.data.", "")):
        if qualname.startswith(prefix):
            return replacement + qualname[len(prefix):]
    return qualname.rsplit(".", 1)[-1] if "." in qualname and not qualname.startswith("torch.") else qualname
