"""The summary table: module, type, output shape with provenance, params, trainable, flags.

Rows are modules up to a depth (``--depth``), in definition order; a module's
output is the last value computed inside it, so containers show what they hand
on, and a tuple (an LSTM's ``(out, (h, c))``, a model's ``return logits, hidden``)
shows each element. Building rows is one pass over the nodes; rendering uses rich.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any, TextIO

from torch import fx

from nnlint.trace.facts import Context
from nnlint.trace.findings import Finding
from nnlint.trace.report import SummaryRow


def _ancestors(path: str) -> Iterable[str]:
    yield ""
    parts = path.split(".") if path else []
    for end in range(1, len(parts) + 1):
        yield ".".join(parts[:end])


def _shown(node: fx.Node) -> str | None:
    """A tensor's shape, or a tuple's elements read from the ``getitem``s that unpack it; None when unknown."""
    facts = node.meta["nnlint"]
    if facts.labels is not None:
        return facts.text
    parts = {user.args[1]: _shown(user) for user in node.users
             if user.op == "call_function" and user.target is operator.getitem and isinstance(user.args[1], int)}
    if not parts:
        return None
    return "(" + ", ".join(parts.get(i) or "?" for i in range(max(parts) + 1)) + ")"  # type: ignore[call-overload]


def _returned(value: Any) -> str | None:
    """What forward returns, a tuple or list of tensors included."""
    if isinstance(value, fx.Node):
        return _shown(value)
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_returned(v) or "?" for v in value) + ")"
    return None


def rows(ctx: Context, findings: Iterable[Finding], depth: int) -> list[SummaryRow]:
    """One row per module at most ``depth`` levels deep (the model itself is level 0)."""
    output: dict[str, str] = {}
    flags: dict[str, set[str]] = {}
    for node, facts in ctx.nodes():
        if node.op == "output":
            returned = _returned(node.args[0])
            if returned is not None and isinstance(node.args[0], (tuple, list)) and len(node.args[0]) > 1:
                output[""] = returned
            continue
        shown = _shown(node) if facts.live else None
        for path in _ancestors(facts.module):
            if shown is not None:
                output[path] = shown
            if facts.flags:
                flags.setdefault(path, set()).update(facts.flags)
    for finding in findings:
        owner = finding.attribute if finding.attribute in ctx.modules else finding.module
        if owner is not None and finding.node is None:
            flags.setdefault(owner, set()).add(finding.code)
    table = []
    for path, module in ctx.modules.items():
        if path and path.count(".") >= depth:
            continue
        params = list(module.parameters())
        total = sum(p.numel() for p in params)
        trainable = sum(p.numel() for p in params if p.requires_grad)
        marks = set(flags.get(path, ()))
        if total and not trainable:
            marks.add("frozen")
        if path not in output and not total:
            continue  # a parameter-free module that the trace never saw: nothing to tell
        table.append(SummaryRow(path or "(model)", type(module).__name__, output.get(path, "-"), total, trainable, tuple(sorted(marks))))
    return table


def render(table: list[SummaryRow], out: TextIO) -> None:
    """Print the table with rich (plain text when ``out`` is not a terminal)."""
    from rich.console import Console
    from rich.table import Table

    view = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    for column, justify in (("module", "left"), ("type", "left"), ("output", "left"), ("params", "right"),
                            ("trainable", "right"), ("flags", "left")):
        view.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in table:
        view.add_row(row.path, row.type, row.shape, f"{row.params:,}", f"{row.trainable:,}", " ".join(row.flags))
    Console(file=out, width=max(100, Console().width), highlight=False).print(view)
