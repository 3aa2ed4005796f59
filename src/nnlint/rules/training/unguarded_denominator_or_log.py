from __future__ import annotations

import re

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.bindings import Where, here, reaching_value
from nnlint.analysis.torch_api import (
    COUNT_NONZERO_FUNCTIONS, LOGARITHMS, NORM_FUNCTIONS, SPREAD_FUNCTIONS, SPREAD_METHODS, SQUARE_ROOTS, SUM_FUNCTIONS,
)
from nnlint.rule import Invalid, Rule, Valid

_CASTS = frozenset(("float", "double", "long", "int", "half", "to", "type", "sum"))
_WHEN = {
    "a standard deviation": "the values are constant",
    "a variance": "the values are constant",
    "the norm of a difference": "the two sides are equal",
    "a sum of squared differences": "the two sides are equal",
    "a count of matches": "nothing matches (an empty mask)",
    "a count of non-zeros": "everything is zero",
}
_HAS_GRADIENT_AT_ZERO_PROBLEM = frozenset(("a sum of squared differences",))


class UnguardedDenominatorOrLog(Rule):
    """Division by, or log / sqrt of, a computed statistic that can be 0, with no eps or clamp.

    ## What it does
    Reports `a / s`, `a.div(s)`, `torch.log(s)` (and `np.log`, `math.log`, `.log()`)
    where `s` is — directly or through a name assigned once in the same function — a
    standard deviation or variance (`x.std()`, `np.var(x)`), the norm of a difference
    (`(a - b).norm()`), a count of matches (`mask.sum()` with `mask = y != pad`,
    `count_nonzero`), or a sum of squared differences; and `torch.sqrt` / `rsqrt` of a
    sum of squared differences (a distance, whose gradient is infinite at 0). Values that can only reach 0 in degenerate
    cases (the norm of an embedding, a softmax denominator) are not reported, nor are
    guarded ones: `s + eps`, `s.clamp(min=eps)`, `max(s, 1)`, `s[s == 0] = 1`, an
    `if s > 0:` around it, or a check in the function (`if s <= 0: raise`, `assert w.sum() > 0`).
    Nor are a spread over several dims that include the sample dim (`images.std(dim=(0, 2, 3))`,
    per channel over every pixel of every image: real data is never constant there) and a count
    of matches over the object's own state (`(self.weights > 0).sum()`, checked where it is set).
    A spread over one sample or one dim stays reported: a blank image, a constant column.

    ## Why is this bad?
    A constant input column (or a blank image) has standard deviation 0, a batch with
    only padding has an empty mask, two identical samples have distance 0. Divided by 0
    or passed to `log`, the value is inf/NaN; `sqrt` is finite at 0 but its gradient is
    not. One NaN in one batch spreads to every weight in the next step (checklist
    item 37).

    ## Example
    ```python
    x = (x - x.mean()) / x.std()
    loss = (token_loss * mask).sum() / mask.sum()
    ```

    ## Use instead
    ```python
    x = (x - x.mean()) / (x.std() + 1e-8)
    loss = (token_loss * mask).sum() / mask.sum().clamp(min=1)
    ```
    """

    code = "NN413"
    name = "unguarded-denominator-or-log"
    checklist = (37,)
    message = "{operation} {what} with no eps or clamp: it is 0 when {when}, which gives {result}"
    help = "add an eps (s + 1e-8), clamp (s.clamp(min=eps)), or replace zeros before dividing"
    requires_text = ("std", "var", "norm", "sum", "count_nonzero")

    valid = [
        Valid("""
            import torch
            import torch.nn.functional as F
            x = (x - x.mean()) / (x.std() + 1e-8)
            unit = F.normalize(v, dim=1)
            loss = (token_loss * mask).sum() / mask.sum().clamp(min=1)
            dist = torch.sqrt(((a - b) ** 2).sum(dim=1) + 1e-12)
        """, why="each statistic is guarded by an eps or a clamp"),
        Valid("""
            import numpy as np
            mean, std = X.mean(axis=0), X.std(axis=0)
            std = X.std(axis=0)
            std[std == 0] = 1.0
            X = (X - mean) / std
        """, why="zero deviations are replaced before dividing"),
        Valid("""
            image_features = image_features / image_features.norm(dim=-1, keepdim=True)
            probs = counts / counts.sum()
            x = (x - self.mean) / self.std
        """, why="the CLIP idiom (features are never all zero), sums of counts, stored statistics"),
        Valid("""
            std = values.std()
            if std > 0:
                values = (values - values.mean()) / std
            scale = torch.log(x.std() + 1e-6)
        """, why="checked before dividing; guarded log"),
        Valid("""
            import numpy as np
            import torch
            images = torch.stack([image for image, _ in train_set])
            mean = images.mean(dim=(0, 2, 3), keepdim=True)
            std = images.std(dim=(0, 2, 3), keepdim=True)
            x = (x - mean) / std
            pixels = np.stack(train_images)
            y = (y - pixels.mean(axis=(0, 1, 2))) / np.std(pixels, axis=(0, 1, 2))
        """, why="per-channel statistics over every pixel of every image (issue 16: a false alarm)"),
        Valid("""
            import torch
            class ScheduledSampler:
                def __init__(self, choice_weights):
                    weights = torch.tensor(choice_weights, dtype=torch.float64)
                    if weights.sum() <= 0:
                        raise ValueError("choice_weights must have a positive sum")
                    self.choice_weights = weights / weights.sum()

                def weights_for_epoch(self):
                    random_weights = (self.choice_weights > 0).to(torch.float64)
                    random_weights /= random_weights.sum()
                    return random_weights
        """, why="timm's scheduled sampler: the constructor raises unless the weights sum to a positive number"),
        Valid("""
            def normalize(weights):
                assert (weights > 0).sum() > 0
                return weights / (weights > 0).sum()
            def mean_of_valid(total, valid):
                n = (valid != 0).sum()
                if n <= 0:
                    raise ValueError("no valid entries")
                return total / n
        """, why="an assert or a raise on the path"),
    ]
    invalid = [
        Invalid("""
            import torch
            def standardize(img):
                return (img - img.mean()) / img.std()
        """, line=3),
        Invalid("""
            mask = targets != pad_id
            per_token = criterion(logits, targets)
            loss = (per_token * mask).sum() / mask.float().sum()
        """, line=3),
        Invalid("""
            import torch
            def contrastive(a, b):
                dist = torch.sqrt(((a - b) ** 2).sum(dim=1))
                return dist.mean()
        """, line=3),
        Invalid("""
            import numpy as np
            mean = X_train.mean(axis=0)
            std = np.std(X_train, axis=0)
            X_train = (X_train - mean) / std
        """, line=4),
        Invalid("""
            import torch
            log_var = torch.log(z.var(dim=0))
        """, line=2),
        Invalid("""
            import torch
            def standardize(batch):
                return (batch - batch.mean(dim=(1, 2, 3), keepdim=True)) / batch.std(dim=(1, 2, 3), keepdim=True)
        """, line=3),
        Invalid("""
            import torch
            digits = train_images.float()
            x = (x - digits.mean(0)) / digits.std(0)
        """, line=3),
    ]

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Divide):
            self._check(node.right, node, "dividing by", divides=True)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.DivideAssign):
            self._check(node.value, node, "dividing by", divides=True)

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.context.qualify(node.func)
        method = syntax.method_name(node) if qualname is None else None
        operand = syntax.argument(node, 0, "input") if qualname else (node.func.value if method else None)  # type: ignore[attr-defined]
        if operand is None:
            return
        if qualname in LOGARITHMS or method in ("log", "log2", "log10"):
            self._check(operand, node, "the log of", divides=False)
        elif qualname in SQUARE_ROOTS or method in ("sqrt", "rsqrt"):
            self._check(operand, node, "the square root of", divides=False, sqrt=True)
        elif qualname == "torch.div" or method in ("div", "true_divide"):
            divisor = syntax.argument(node, 1, "other") if qualname else syntax.argument(node, 0, "other")
            if divisor is not None:
                self._check(divisor, node, "dividing by", divides=True)

    def _check(self, operand: cst.BaseExpression, node: cst.CSTNode, operation: str, divides: bool, sqrt: bool = False) -> None:
        where = here(self.context)
        what = self._statistic(operand, where, 3)
        if what is None or (sqrt and what not in _HAS_GRADIENT_AT_ZERO_PROBLEM) or self._checked(operand):
            return
        result = "an infinite gradient (NaN after the update)" if sqrt else ("inf or NaN" if divides else "-inf (NaN in the gradient)")
        self.report(node, operation=operation, what=f"{what} (`{self.context.module.code_for_node(operand)}`)", when=_WHEN[what], result=result)

    def _statistic(self, node: cst.BaseExpression, where: Where | None, depth: int) -> str | None:
        """What ``node`` is, if a statistic that can be 0: a deviation, a count, a distance."""
        if isinstance(node, cst.Name) and depth > 0:
            found = reaching_value(self.context.info, node.value, where)
            return self._statistic(found[0], found[1], depth - 1) if found is not None else None
        if not isinstance(node, cst.Call):
            return None
        qualname = self.context.qualify(node.func)
        method = syntax.method_name(node) if qualname is None else None
        operand = syntax.argument(node, 0, "input") if qualname else (node.func.value if method else None)  # type: ignore[attr-defined]
        if qualname in SPREAD_FUNCTIONS or method in SPREAD_METHODS:
            if _over_samples_and_more(node, 0 if method else 1):  # x.std(dims) or torch.std(x, dims)
                return None
            return SPREAD_FUNCTIONS[qualname] if qualname else SPREAD_METHODS[method]  # type: ignore[index]
        if qualname in COUNT_NONZERO_FUNCTIONS or method == "count_nonzero":
            return "a count of non-zeros"
        if operand is None:
            return None
        if qualname in NORM_FUNCTIONS or method == "norm":
            return "the norm of a difference" if _is_difference(self._source(operand, where)) else None
        if qualname in SUM_FUNCTIONS or method == "sum":
            summed = self._source(_uncast(operand), where)
            if isinstance(summed, cst.Comparison) and not _compares_object_state(summed):
                return "a count of matches"
            if _is_squared_difference(summed):
                return "a sum of squared differences"
        return None

    def _source(self, node: cst.BaseExpression, where: Where | None) -> cst.BaseExpression:
        found = reaching_value(self.context.info, node.value, where) if isinstance(node, cst.Name) else None
        return _uncast(found[0]) if found is not None else node

    def _checked(self, operand: cst.BaseExpression) -> bool:
        """An ``if``/``while`` around the division compares it, or anywhere in the function a comparison
        does (``if s <= 0: raise``, ``assert w.sum() > 0``: the author knows it and decided)."""
        code = self.context.module.code_for_node(operand)
        for ancestor in self.context.ancestors:
            if isinstance(ancestor, (cst.If, cst.While)) and code in self.context.module.code_for_node(ancestor.test):
                return True
        if isinstance(operand, (cst.Name, cst.Call)):
            scope = self.context.module.code_for_node(self.context.scope())
            name = re.escape(code)
            return re.search(rf"(?<![\w.]){name}\s*(==|!=|<=|>=|<|>)|(==|!=|<=|>=|<|>)\s*{name}(?![\w(])|where\([^)]*(?<![\w.]){name}(?![\w(])",
                             scope) is not None
        return False


def _over_samples_and_more(call: cst.Call, position: int) -> bool:
    """A spread over several dims that include dim 0 (``images.std(dim=(0, 2, 3))``: per channel, over every
    pixel of every sample): thousands of values of real data, never all equal in practice. One dim
    (a tabular column, one pixel position across images) or no dim (one sample) can really be constant."""
    dims = syntax.argument(call, position, "dim") or syntax.argument(call, position, "axis")
    if not isinstance(dims, (cst.Tuple, cst.List)):
        return False
    values = [element.value for element in dims.elements]
    integers = [int(value.value) for value in values if isinstance(value, cst.Integer)]
    return len(integers) == len(values) >= 2 and 0 in integers


def _compares_object_state(comparison: cst.Comparison) -> bool:
    """``self.choice_weights > 0``: a mask of the object's own state, not of a batch. It is fixed where the
    object is built (where a constructor checks it: timm's scheduled sampler raises unless the weights sum
    to a positive number) and the same on every call, so an empty one fails the first call, not one rare batch."""
    sides = [comparison.left, *(target.comparator for target in comparison.comparisons)]
    compared = [side for side in sides if not isinstance(side, (cst.Integer, cst.Float, cst.UnaryOperation))]
    return bool(compared) and all(_is_self_attribute(side) for side in compared)


def _is_self_attribute(node: cst.BaseExpression) -> bool:
    while isinstance(node, cst.Attribute):
        node = node.value
        if isinstance(node, cst.Name):
            return node.value == "self"
    return False


def _uncast(node: cst.BaseExpression) -> cst.BaseExpression:
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _CASTS - {"sum"}:
        node = node.func.value
    return node


def _is_difference(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Subtract)


def _is_squared_difference(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Power):
        return _is_difference(node.left) and isinstance(node.right, cst.Integer) and node.right.value == "2"
    if isinstance(node, cst.Call) and syntax.method_name(node) in ("pow", "square"):
        exponent = syntax.argument(node, 0, "exponent")
        squared = syntax.method_name(node) == "square" or (isinstance(exponent, cst.Integer) and exponent.value == "2")
        return squared and _is_difference(node.func.value)  # type: ignore[attr-defined]
    return False
