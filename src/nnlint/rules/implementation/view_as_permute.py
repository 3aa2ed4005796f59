from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.modules import (
    SizeNames,
    requested_sizes,
    size_source,
    sizes_out_of_order,
    unpacked_sizes,
)
from nnlint.rule import Invalid, Rule, Valid

_RESHAPES = frozenset(("view", "reshape"))
_ROUND_TRIP = _RESHAPES | frozenset(("view_as", "reshape_as"))
_LAYOUT_KEEPING = frozenset(("contiguous",))
_IN_PLACE_LAYOUT = frozenset(("transpose_", "t_", "swapdims_", "swapaxes_", "resize_", "set_", "as_strided_", "squeeze_", "unsqueeze_"))
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


@dataclass
class _Candidate:
    node: cst.Call
    fields: dict[str, str]
    sliced: bool = False  # the result was assigned, then sliced: a second reshape makes it the relative-shift trick


@dataclass
class _Scope:
    shapes: dict[str, tuple[SizeNames, int | None]] = field(default_factory=dict)  # tensor name -> (sizes, rank if all were read)
    candidates: dict[str, list[_Candidate]] = field(default_factory=dict)  # findings assigned to a name, reported at the scope's end


class ViewAsPermute(Rule):
    """`view`/`reshape` lists a tensor's sizes in another order, as if it could swap dims.

    ## What it does
    Remembers the names a tensor's sizes were read into — `b, c, h, w = x.shape`,
    `x.size()`, `n = x.size(0)`, `c = x.shape[1]` — and reports a later
    `x.view(...)` / `x.reshape(...)` / `torch.reshape(x, ...)` (also after
    `.contiguous()`) that uses those names in a different order: `x.view(b, h, w, c)`,
    `x.reshape(b, h * w, c)`, or `x.view(-1, c)` where the `-1` stands for sizes
    read from before `c`. It stops following a tensor or a size name as soon as it
    is assigned again (`x = x.permute(0, 2, 3, 1)` first is correct), and only
    compares sizes of the same tensor. A reinterpretation that is undone — the
    result reshaped again straight away, or sliced and then reshaped again, as in
    Transformer-XL's relative shift — is deliberate and stays silent.

    ## Why is this bad?
    `view` and `reshape` never move data: they reinterpret the same memory in
    row-major order. `x.view(b, h, w, c)` on an `(b, c, h, w)` tensor does not
    move channels last; it cuts the buffer into pieces of size `c` that mix
    values of different channels and pixels. The shapes are right, so nothing
    fails; the network just sees scrambled inputs, which a square image or
    `(64, 64, 64)` test tensor never reveals (checklist item 25).

    ## Example
    ```python
    b, c, h, w = x.shape
    tokens = x.reshape(b, h * w, c)
    ```

    ## Use instead
    ```python
    tokens = x.permute(0, 2, 3, 1).reshape(b, h * w, c)   # or x.flatten(2).transpose(1, 2)
    ```
    """

    code = "NN307"
    name = "view-as-permute"
    checklist = (25,)
    message = "{call} lists the sizes of {tensor} ({order}) in another order: view/reshape do not move data, so values of different dims get mixed"
    help = "reorder the dims with permute/transpose first, then view/reshape (or use flatten/unflatten in the same order)"
    requires_text = ("view", "reshape")

    valid = [
        Valid("""
            b, c, h, w = x.shape
            flat = x.view(b, c, h * w)
            pooled = x.reshape(b, -1)
            tokens = x.permute(0, 2, 3, 1).reshape(b, h * w, c)
            x = x.permute(0, 2, 3, 1)
            x = x.reshape(b, h * w, c)
        """, why="the order is kept, or the dims are permuted before the reshape"),
        Valid("""
            def channel_shuffle(x, groups):
                b, c, h, w = x.size()
                x = x.view(b, groups, c // groups, h, w)
                x = x.transpose(1, 2).contiguous()
                return x.view(b, -1, h, w)
        """, why="ShuffleNet's channel shuffle: split, transpose, merge"),
        Valid("""
            def attention(self, x):
                bsz, seq, dim = x.shape
                q = self.q(x).view(bsz, seq, self.heads, dim // self.heads).transpose(1, 2)
                out = q.reshape(bsz, seq, dim)
                b, c, h, w = images.shape
                return features.view(b, h, w, c)
        """, why="heads split in order; other tensors' layouts are not known"),
        Valid("""
            import torch
            def relative_shift(scores, shift):
                batch, heads, q_len, r_len = scores.shape
                scores = torch.reshape(scores, [batch, heads, r_len, q_len])
                scores = scores[:, :, shift:, :]
                scores = torch.reshape(scores, [batch, heads, q_len, r_len - shift])
                padded = scores.view(batch, heads, r_len, q_len)[:, :, 1:].view_as(scores)
                return padded
        """, why="Transformer-XL's relative shift: reinterpret, slice, reshape back (on purpose)"),
    ]
    invalid = [
        Invalid("""
            import torch.nn as nn
            class Head(nn.Module):
                def forward(self, x):
                    b, c, h, w = x.shape
                    x = x.view(b, h, w, c)
                    return self.fc(x)
        """, line=5),
        Invalid("""
            def to_tokens(feat):
                B, C, H, W = feat.size()
                return feat.reshape(B, H * W, C)
        """, line=3),
        Invalid("""
            import torch
            def per_channel(x):
                b, c, h, w = x.shape
                return torch.reshape(x, (-1, c))
        """, line=4),
        Invalid("""
            def run(rnn, x):
                batch = x.size(0)
                steps = x.size(1)
                return rnn(x.contiguous().view(steps, batch, -1))
        """, line=4),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._scopes: list[_Scope] = [_Scope()]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.append(_Scope())

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._report(self._scopes.pop())

    def leave_Module(self, node: cst.Module) -> None:
        self._report(self._scopes[0])

    def leave_Assign(self, node: cst.Assign) -> None:
        for assigned in node.targets:
            self._forget(assigned.target)
        if len(node.targets) == 1:
            target = node.targets[0].target
            self._remember(target, node.value)
            sliced = isinstance(node.value, cst.Subscript) and isinstance(node.value.value, cst.Name)
            if isinstance(target, cst.Name) and sliced and node.value.value.value == target.value:  # type: ignore[attr-defined]
                for candidate in self._scopes[-1].candidates.get(target.value, []):
                    candidate.sliced = True

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        self._forget(node.target)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._forget(node.target)

    def leave_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._forget(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._forget(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._forget(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._forget(node.asname.name)

    def visit_Call(self, node: cst.Call) -> None:
        method = syntax.method_name(node)
        scope = self._scopes[-1]
        if method in _IN_PLACE_LAYOUT and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name):
            scope.shapes.pop(node.func.value.value, None)
            return
        if method not in _ROUND_TRIP or not isinstance(node.func, cst.Attribute):
            return
        if self.context.qualify(node.func) == "torch.reshape":
            if len(node.args) != 2:
                return
            tensor, sizes = node.args[0].value, requested_sizes([node.args[1]])
        else:
            tensor, sizes = node.func.value, requested_sizes(list(node.args)) if method in _RESHAPES else None
        while isinstance(tensor, cst.Call) and syntax.method_name(tensor) in _LAYOUT_KEEPING and isinstance(tensor.func, cst.Attribute):
            tensor = tensor.func.value
        self._round_trip(tensor)
        if not isinstance(tensor, cst.Name) or tensor.value not in scope.shapes or sizes is None:
            return
        shape, rank = scope.shapes[tensor.value]
        if not sizes_out_of_order(sizes, shape, rank) or self.context.enclosing(cst.Lambda, *_COMPREHENSIONS) is not None:  # their names are their own
            return
        fields = {"call": self.context.module.code_for_node(node), "tensor": tensor.value, "order": ", ".join(sorted(shape, key=shape.__getitem__))}
        assigned = self._reshaped_again_or_assigned()
        if assigned is None:
            self._emit(node, fields)
        elif assigned:
            scope.candidates.setdefault(assigned, []).append(_Candidate(node, fields))

    def _round_trip(self, tensor: cst.BaseExpression) -> None:
        """``v = v.view(...)``, ``v = v[:, :, 1:]``, ``v.view(...)`` again: the relative-shift trick reinterprets on purpose."""
        candidates = self._scopes[-1].candidates
        if isinstance(tensor, cst.Subscript) and isinstance(tensor.value, cst.Name):
            candidates.pop(tensor.value.value, None)
        elif isinstance(tensor, cst.Name) and any(c.sliced for c in candidates.get(tensor.value, [])):
            del candidates[tensor.value]

    def _reshaped_again_or_assigned(self) -> str | None:
        """The name the result is assigned to; "" when it is reshaped again in the same expression; None otherwise."""
        path = self.context.ancestors
        for index in range(len(path) - 2, -1, -1):
            ancestor = path[index]
            if isinstance(ancestor, cst.Attribute) and ancestor.attr.value in _ROUND_TRIP:
                return ""
            if isinstance(ancestor, cst.Assign):
                targets = [t.target for t in ancestor.targets]
                return targets[0].value if len(targets) == 1 and isinstance(targets[0], cst.Name) else None
            if isinstance(ancestor, cst.BaseStatement):
                return None
        return None

    def _emit(self, node: cst.Call, fields: dict[str, str]) -> None:
        self.report(node, call=fields["call"], tensor=fields["tensor"], order=fields["order"])

    def _report(self, scope: _Scope) -> None:
        for candidates in scope.candidates.values():
            for candidate in candidates:
                self._emit(candidate.node, candidate.fields)

    def _forget(self, target: cst.BaseExpression) -> None:
        names = set(syntax.names_in(target)) if isinstance(target, (cst.Name, cst.Tuple, cst.List, cst.StarredElement)) else set()
        shapes = self._scopes[-1].shapes
        for tensor in [tensor for tensor in shapes if tensor in names]:
            del shapes[tensor]
        for shape, _ in shapes.values():
            for name in names & shape.keys():
                del shape[name]

    def _remember(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """``b, c, h, w = x.shape`` / ``x.size()``, or ``n = x.size(0)`` / ``x.shape[0]``."""
        shapes = self._scopes[-1].shapes
        if (unpacked := unpacked_sizes(target, value)) is not None:
            shapes[unpacked[0]] = unpacked[1:]
        elif isinstance(target, cst.Name) and (found := size_source(value)) is not None:
            tensor, index = found
            shape, rank = shapes.setdefault(tensor, ({}, None))
            if index < 0 and rank is not None:
                index += rank
            if index >= 0:
                shape[target.value] = index
