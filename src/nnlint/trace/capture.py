"""The capture chain: fx, then torch.export, then make_fx, then eager recording.

Each tier turns the model into an fx graph plus, per node, the shape it has
under two prime assignments (see ``primes``). The first tier that succeeds wins;
the report says which one, and why each earlier one failed, in one line each.
Only when every tier fails does tracing fail, with the clearest reason: an
operation that rejected the input shapes if one did, else every tier's reason.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import fx, nn

from nnlint.trace import adapter, fxtier, recorder
from nnlint.trace.errors import SpecMismatch, TraceUsageError, describe_exception

Shape = tuple[int, ...]


@dataclass
class Captured:
    """One captured forward pass; node names key every per-node table."""

    tier: str
    graph: fx.Graph
    shapes: dict[str, Shape]  # run 1, tensor-valued nodes only
    shapes2: dict[str, Shape]  # run 2 (other primes); empty when it could not run
    dtypes: dict[str, str]
    unknown: set[str]  # nodes whose value depends on data meta tensors do not have
    params: dict[str, str]  # placeholder/get_attr node -> parameter FQN
    inputs: list[str]  # placeholders of the user's inputs, in order
    notes: list[str] = field(default_factory=list)
    branched: bool = False  # part of the forward pass was chosen by a stand-in value
    failures: list[tuple[str, str]] = field(default_factory=list)  # (tier, one-line reason)


def input_names(model: nn.Module, count: int) -> list[str]:
    """Names of the first ``count`` parameters of ``forward``, for placeholders."""
    try:
        names = [p.name for p in inspect.signature(model.forward).parameters.values() if p.kind != p.VAR_KEYWORD]
    except (TypeError, ValueError):
        names = []
    return [names[i] if i < len(names) else f"input{i}" for i in range(count)]


def _fx(model: nn.Module, first: Sequence[torch.Tensor], second: Sequence[torch.Tensor]) -> Captured:
    module = fxtier.trace_fx(model, len(first))
    run = fxtier.propagate(module, first)
    try:
        shapes2 = fxtier.propagate(module, second).shapes
    except TraceUsageError:
        shapes2 = {}  # the model only accepts the first sizes: labels stay unverified
    params = {}
    for node in module.graph.nodes:
        if node.op == "get_attr":
            try:
                module.get_parameter(node.target)
            except AttributeError:
                continue
            params[node.name] = node.target
    inputs = [node.name for node in module.graph.nodes if node.op == "placeholder"][: len(first)]
    return Captured("fx", module.graph, run.shapes, shapes2, run.dtypes, run.unknown, params, inputs)


def _aten(build: Callable[[nn.Module, Sequence[torch.Tensor]], adapter.AtenGraph], tier: str) -> Callable[..., Captured]:
    def capture(model: nn.Module, first: Sequence[torch.Tensor], second: Sequence[torch.Tensor]) -> Captured:
        aten = build(model, first)
        shapes, dtypes, unknown = {}, {}, set()
        for node in aten.graph.nodes:
            value = node.meta.get("val")
            if adapter.has_symbolic_size(value):
                unknown.add(node.name)
            shape = adapter.shape_of(value)
            if shape is not None:
                shapes[node.name] = shape
                dtypes[node.name] = str(value.dtype).removeprefix("torch.")
        try:
            again = build(model, second)
            shapes2 = {n.name: s for n in again.graph.nodes if (s := adapter.shape_of(n.meta.get("val"))) is not None}
        except Exception:  # noqa: BLE001 - a second capture is a bonus, never a reason to fail
            shapes2 = {}
        return Captured(tier, aten.graph, shapes, shapes2, dtypes, unknown, aten.params, aten.inputs)

    return capture


def _hooks(model: nn.Module, first: Sequence[torch.Tensor], second: Sequence[torch.Tensor]) -> Captured:
    names = input_names(model, len(first))
    recording = recorder.record(model, first, names)
    try:
        shapes2 = recorder.record(model, second, names).shapes
    except Exception:  # noqa: BLE001 - as above
        shapes2 = {}
    return Captured(
        "hooks", recording.graph, recording.shapes, shapes2, recording.dtypes, recording.unknown,
        recording.params, recording.inputs, recording.notes, recording.branched,
    )


TIERS: tuple[tuple[str, Callable[..., Captured]], ...] = (
    ("fx", _fx),
    ("export", _aten(adapter.export_graph, "export")),
    ("make_fx", _aten(adapter.make_fx_graph, "make_fx")),
    ("hooks", _hooks),
)


def capture(model: nn.Module, first: Sequence[torch.Tensor], second: Sequence[torch.Tensor]) -> Captured:
    """Run the chain; ``first``/``second`` are the meta inputs of the two prime assignments."""
    failures: list[tuple[str, str]] = []
    mismatch: SpecMismatch | None = None
    for tier, run in TIERS:
        try:
            with adapter.quiet():
                captured = run(model, first, second)
        except SpecMismatch as error:
            mismatch = mismatch or error
            failures.append((tier, str(error)))
        except Exception as error:  # noqa: BLE001 - every failure is one line of the report
            failures.append((tier, describe_exception(error)))
        else:
            captured.failures = failures
            return captured
    if mismatch is not None:
        raise mismatch
    raise TraceUsageError("could not trace the model: " + "; ".join(f"{tier}: {reason}" for tier, reason in failures))
