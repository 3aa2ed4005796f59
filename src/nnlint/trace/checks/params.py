"""Parameters that cannot learn: frozen (NT106/NT107) or cut off from the output (NT108/NT109).

NT108 also reports a module without parameters (a Dropout, an activation)
that forward never calls: it trains nothing, but the author believes the
regularisation or the non-linearity is there.

Checklist item 23 (frozen layers) and 24 (a layer that is not used is capacity
the author thinks the model has). Findings are collapsed to the highest module
they cover, so a frozen backbone is one line, not one per layer.
"""

from __future__ import annotations

from collections.abc import Iterable

from torch import nn

from nnlint.trace.facts import Context
from nnlint.trace.findings import Finding
from nnlint.trace.source import used_in_methods


def _names(ctx: Context, module: nn.Module) -> list[str]:
    return [ctx.param_names[id(p)] for p in module.parameters() if id(p) in ctx.param_names]


def _size(ctx: Context, names: Iterable[str]) -> int:
    params = dict(ctx.model.named_parameters())
    return sum(params[name].numel() for name in names if name in params)


def _covering(ctx: Context, chosen: set[str]) -> Iterable[tuple[str, nn.Module, list[str]]]:
    """The highest modules whose parameters are all in ``chosen`` (never the model itself)."""
    covered: list[str] = []
    for path, module in ctx.modules.items():
        if not path or any(path.startswith(prefix) for prefix in covered):
            continue
        names = _names(ctx, module)
        if names and all(name in chosen for name in names):
            covered.append(path + ".")
            yield path, module, names


def _owner(names: Iterable[str]) -> str:
    """The deepest module path that contains every parameter in ``names``."""
    paths = [name.rpartition(".")[0].split(".") for name in names]
    common: list[str] = []
    for parts in zip(*paths):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return ".".join(common)


def _head(ctx: Context) -> set[str]:
    """Parameters of the last operation with parameters on the way to the output."""
    for node in reversed(list(ctx.graph.nodes)):
        facts = node.meta["nnlint"]
        if not facts.live or node.op not in ("call_function", "call_method", "call_module"):
            continue
        used = set(facts.params)
        for source in node.all_input_nodes:
            used.update(source.meta["nnlint"].params)
        if used:
            return used
    return set()


def frozen_parameters(ctx: Context) -> Iterable[Finding]:
    """NT106 per frozen module, NT107 when the head or the whole model is frozen."""
    params = dict(ctx.model.named_parameters())
    frozen = {name for name, p in params.items() if not p.requires_grad}
    if not frozen:
        return
    if len(frozen) == len(params):
        yield Finding("NT107", f"no parameter requires grad: all {_size(ctx, frozen):,} parameter values of the "
                      "model are frozen, so training cannot change it",
                      help="call requires_grad_(True) on the parts you mean to train")
        return
    head = _head(ctx)
    if head and head <= frozen:
        owner = _owner(head)
        kind = type(ctx.modules[owner]).__name__ if owner in ctx.modules else "module"
        yield Finding("NT107", f"the output layer `{owner}` ({kind}) is frozen: the layer that produces the "
                      "output keeps its initial weights", attribute=owner,
                      help=f"unfreeze it: model.{owner}.requires_grad_(True)" if owner else "")
        frozen = frozen - head  # said once, as the warning
    listed: set[str] = set()
    for path, module, names in _covering(ctx, frozen):
        listed.update(names)
        yield Finding("NT106", f"`{path}` ({type(module).__name__}) is frozen: {len(names)} parameters, "
                      f"{_size(ctx, names):,} values with requires_grad=False", attribute=path)
    by_owner: dict[str, list[str]] = {}
    for name in sorted(frozen - listed):
        by_owner.setdefault(name.rpartition(".")[0], []).append(name.rpartition(".")[2])
    for owner, short in by_owner.items():
        yield Finding("NT106", f"{'`' + owner + '`' if owner else 'the model'} has frozen parameters: "
                      f"{', '.join(short)} (requires_grad=False)", attribute=owner)


def _called(ctx: Context, path: str) -> bool:
    prefix = path + "."
    return any(f.module == path or f.module.startswith(prefix) for _, f in ctx.nodes())


def _on_untraced_path(ctx: Context, path: str) -> bool:
    """fx traces every path of forward; the other tiers follow one, chosen by the traced sizes.

    Outside fx, a module that a method mentions may be used on the other side
    of an ``if``: silence, rather than a finding that may be false.
    """
    if ctx.captured.tier == "fx":
        return False
    parent, _, attribute = path.rpartition(".")
    owner = ctx.modules.get(parent)
    return owner is not None and used_in_methods(owner, attribute)


def _never_called(ctx: Context, skipped: list[str]) -> Iterable[tuple[str, nn.Module]]:
    """The highest modules without parameters that the trace never calls and no method of their owner mentions.

    Only attributes of the user's own classes (a container's children are
    called by torch's code, which the source cannot vouch for), and only modules
    registered once (an alias may be called under its other name).
    """
    counts: dict[int, int] = {}
    for _, module in ctx.model.named_modules(remove_duplicate=False):
        counts[id(module)] = counts.get(id(module), 0) + 1
    for path, module in ctx.modules.items():
        if not path or any(path.startswith(prefix) for prefix in skipped):
            continue
        parent, _, attribute = path.rpartition(".")
        owner = ctx.modules.get(parent)
        if (owner is None or type(owner).__module__.startswith("torch.") or counts[id(module)] > 1
                or next(module.parameters(), None) is not None or _called(ctx, path)
                or used_in_methods(owner, attribute)):
            continue
        skipped.append(path + ".")
        yield path, module


def unreachable(ctx: Context) -> Iterable[Finding]:
    """NT108 per module, NT109 per parameter, whose parameters no path to the output uses; NT108 per uncalled module."""
    if ctx.captured.branched:
        return  # part of the forward pass was chosen by a stand-in value: an unused layer may live there
    live = {name for _, facts in ctx.nodes() if facts.live for name in facts.params}
    dead = set(ctx.param_names.values()) - live
    listed: set[str] = set()
    covered: list[str] = []
    for path, module, names in _covering(ctx, dead):
        listed.update(names)
        covered.append(path + ".")
        if _on_untraced_path(ctx, path):
            continue
        called = _called(ctx, path)
        reason = "its result is never used" if called else "forward never calls it"
        yield Finding("NT108", f"`{path}` ({type(module).__name__}, {_size(ctx, names):,} parameters) never "
                      f"reaches the output: {reason}, so it gets no gradient", module=path if called else None,
                      attribute=path, help="use it in forward or delete it")
    for path, module in _never_called(ctx, covered):
        yield Finding("NT108", f"`{path}` ({type(module).__name__}, no parameters) is built and never called: "
                      "forward never uses it, so what it does never happens", attribute=path,
                      help="call it in forward or delete it")
    shapes = {name: tuple(p.shape) for name, p in ctx.model.named_parameters()}
    for name in sorted(dead - listed):
        if _on_untraced_path(ctx, name):
            continue
        yield Finding("NT109", f"parameter `{name}` {list(shapes.get(name, ()))} never reaches the output, so it "
                      "gets no gradient", attribute=name,
                      help="use it in forward or delete it")
