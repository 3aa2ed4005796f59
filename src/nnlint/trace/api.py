"""``trace()``: the tracer from Python, and the pipeline the CLI runs.

load/build on meta -> choose primes -> capture (fx, export, make_fx, hooks)
-> facts -> ranges -> checks -> diagnostics + networkx graph + summary rows.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from nnlint.limits import FileTooSlow, time_limit
from nnlint.trace import checks, ranges, summary
from nnlint.trace.capture import capture
from nnlint.trace.errors import TraceUsageError
from nnlint.trace.facts import Context, analyse
from nnlint.trace.findings import to_diagnostics
from nnlint.trace.frames import Location
from nnlint.trace.loader import build, user_error, user_line
from nnlint.trace.primes import Assignment, choose_assignments
from nnlint.trace.report import CaptureInfo, TraceReport
from nnlint.trace.source import definition
from nnlint.trace.spec import (
    InputSpec,
    batch_symbol,
    check_size,
    fixed_sizes,
    free_symbols,
    parse_dtype,
    parse_input,
)

if TYPE_CHECKING:
    import networkx

Input = str | InputSpec | torch.Tensor
Inputs = Input | Sequence[Input]


def _specs(inputs: Inputs) -> list[InputSpec | torch.Tensor]:
    items = [inputs] if isinstance(inputs, (str, InputSpec, torch.Tensor)) else list(inputs)
    if not items:
        raise TraceUsageError("give at least one input: a spec such as 'B,3,32,32' or an example tensor")
    return [parse_input(item) if isinstance(item, str) else item for item in items]


def check_arity(model: nn.Module, count: int) -> None:
    """One input per positional parameter of ``forward`` without a default."""
    try:
        parameters = list(inspect.signature(model.forward).parameters.values())
    except (TypeError, ValueError):
        return
    if any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    if len(required) <= count <= len(positional):
        return
    names = ", ".join(p.name for p in positional)
    wanted = f"{len(required)}" if len(required) == len(positional) else f"{len(required)} to {len(positional)}"
    raise TraceUsageError(
        f"{type(model).__name__}.forward({names}) takes {wanted} inputs but {count} were given (one --input per input)"
    )


def model_sizes(model: nn.Module) -> set[int]:
    """Sizes the model was built with: parameter/buffer dims and integer attributes of its modules."""
    sizes = {size for t in [*model.parameters(), *model.buffers()] for size in t.shape}
    for module in model.modules():
        sizes.update(v for v in vars(module).values() if type(v) is int and 1 < v < 1_000_000)
    return sizes


def _tensor(item: InputSpec | torch.Tensor, primes: Assignment, default_dtype: str) -> torch.Tensor:
    if isinstance(item, torch.Tensor):
        return torch.empty(item.shape, dtype=item.dtype, device="meta")
    check_size(item, primes.primes)
    shape = [dim.size if dim.size is not None else primes.primes[dim.name] for dim in item.dims]  # type: ignore[index]
    return torch.empty(shape, dtype=getattr(torch, item.dtype or default_dtype), device="meta")


def trace(
    model_or_factory: Any,
    inputs: Inputs,
    *,
    dtype: str = "float32",
    kwargs: Mapping[str, Any] | None = None,
    ignore: Collection[str] = (),
    depth: int = 2,
    origin: Location | None = None,
    timeout: float | None = None,
) -> TraceReport:
    """Trace a model on the meta device and check it.

    ``model_or_factory`` is an ``nn.Module`` (copied to meta, never changed), an
    ``nn.Module`` class or a function returning one (called with ``kwargs``
    under ``torch.device("meta")``). ``inputs`` is one spec (``"B,3,32,32"``,
    ``"B,T:long"``), a list of specs (one per positional input of
    ``forward``), or example tensors (only their shapes and dtypes are used).
    Raises ``TraceUsageError`` with a one-line reason when it cannot trace.

    The model's code runs in the caller's process (it may be a live object).
    ``sys.exit`` in it is a ``TraceUsageError`` that says where; ``timeout``
    seconds (default: none) stop a hang in Python code with SIGALRM, in the main
    thread only (elsewhere it is not enforced), and cannot interrupt a call that
    blocks in C. ``nnlint trace`` runs the model in a child process that it kills
    at ``--timeout`` whatever it is doing.
    """
    name = getattr(model_or_factory, "__name__", type(model_or_factory).__name__)
    try:
        with time_limit(timeout):
            return _trace(model_or_factory, inputs, dtype, kwargs, ignore, depth, origin)
    except FileTooSlow as error:
        where = user_line(error)
        raise TraceUsageError(
            f"tracing {name} timed out after {timeout:g} s" + (f" at {where}" if where else "") + " (pass a larger timeout)"
        ) from None
    except SystemExit as error:
        raise user_error(f"tracing {name} failed", error) from error


def _trace(
    model_or_factory: Any,
    inputs: Inputs,
    dtype: str,
    kwargs: Mapping[str, Any] | None,
    ignore: Collection[str],
    depth: int,
    origin: Location | None,
) -> TraceReport:
    started = time.perf_counter()
    items = _specs(inputs)
    default_dtype = parse_dtype(dtype)
    model = build(model_or_factory, kwargs, getattr(model_or_factory, "__name__", "the model"))
    check_arity(model, len(items))
    specs = [item for item in items if isinstance(item, InputSpec)]
    fixed = fixed_sizes(specs) | model_sizes(model) | {s for item in items if isinstance(item, torch.Tensor) for s in item.shape}
    first, second = choose_assignments(free_symbols(specs), fixed)
    captured = capture(model, [_tensor(i, first, default_dtype) for i in items], [_tensor(i, second, default_dtype) for i in items])
    batch = batch_symbol(specs) if len(specs) == len(items) else None
    axis = next((k for k, dim in enumerate(specs[0].dims) if dim.name == batch), None) if batch and specs else None
    ctx = analyse(model, captured, first, second, batch, axis)
    ranges.annotate(ctx)
    findings = checks.run_checks(ctx, {code.upper() for code in ignore})
    origin = origin or definition(model_or_factory if not isinstance(model_or_factory, nn.Module) else type(model))
    info = CaptureInfo(captured.tier, tuple(captured.failures), tuple(captured.notes), dict(first.primes),
                       len(captured.graph.nodes), time.perf_counter() - started)
    return TraceReport(to_diagnostics(findings, ctx, origin), info, summary.rows(ctx, findings, depth), lambda: _graph(ctx))


def _graph(ctx: Context) -> networkx.DiGraph:
    """Built on first use: networkx is imported only when the graph is wanted."""
    from nnlint.trace.graph import build_graph

    return build_graph(ctx)
