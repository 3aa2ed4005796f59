from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.bindings import Where, here, reaching_value
from nnlint.analysis.pipelines import number
from nnlint.analysis.torch_api import ARRAY_CONVERTERS, PER_CLASS_COUNTERS, UNIQUE_FUNCTIONS, WEIGHTED_SAMPLERS
from nnlint.rule import Invalid, Rule, Valid

_SAME_ELEMENTS = frozenset(("float", "double", "to", "numpy", "tolist", "astype", "cpu"))


class SamplerWeightsPerClass(Rule):
    """`WeightedRandomSampler` is given one weight per class instead of one weight per sample.

    ## What it does
    Follows the `weights` of a `WeightedRandomSampler` back through names, arithmetic and
    conversions, and reports when they are per-class: class counts (`np.bincount`,
    `torch.bincount`, `np.unique(..., return_counts=True)[1]`, `.value_counts()`),
    `compute_class_weight(...)`, their inverses (`1.0 / counts`), or a short literal
    list. Weights indexed by the labels (`class_weights[labels]`,
    `[w[t] for t in targets]`) are per sample and fine.

    ## Why is this bad?
    The sampler draws *indices* with probability proportional to `weights[i]`. Given C
    class weights it only ever returns the indices 0..C-1: every epoch is made of the
    first few samples of the dataset, repeated, and the class balance it was meant to
    fix is not fixed at all (checklist item 8).

    ## Example
    ```python
    counts = np.bincount(labels)
    sampler = WeightedRandomSampler(1.0 / counts, num_samples=len(labels))
    ```

    ## Use instead
    ```python
    class_weights = 1.0 / np.bincount(labels)
    sampler = WeightedRandomSampler(class_weights[labels], num_samples=len(labels))
    ```
    """

    code = "NN320"
    name = "sampler-weights-per-class"
    checklist = (8,)
    message = "WeightedRandomSampler gets one weight per class ({source}): it only ever draws the first few sample indices"
    help = "index the class weights by each sample's label: weights = class_weights[labels]"
    requires_text = ("WeightedRandomSampler",)

    valid = [
        Valid("""
            import numpy as np
            from torch.utils.data import WeightedRandomSampler
            class_counts = np.bincount(y)
            class_weights = 1.0 / class_counts
            sample_weights = class_weights[y]
            sampler = WeightedRandomSampler(sample_weights, num_samples=len(sample_weights))
        """, why="class weights indexed by every sample's label"),
        Valid("""
            import torch
            from torch.utils.data import WeightedRandomSampler
            class_weights = 1.0 / torch.bincount(targets)
            weights = [class_weights[t] for t in dataset.targets]
            sampler = WeightedRandomSampler(weights, len(weights), replacement=True)
        """, why="one weight per sample, built in a comprehension"),
        Valid("""
            from torch.utils.data import WeightedRandomSampler
            def make_sampler(sample_weights):
                return WeightedRandomSampler(sample_weights, num_samples=len(sample_weights))
        """, why="weights from a parameter are not known"),
        Valid("""
            import numpy as np
            import torch
            from torch.utils.data import WeightedRandomSampler
            counts = np.bincount(labels)
            weights = torch.tensor(1.0 / counts)[torch.tensor(labels)]
            sampler = WeightedRandomSampler(weights, len(labels))
        """, why="indexed by the labels after conversion"),
    ]
    invalid = [
        Invalid("""
            import numpy as np
            from torch.utils.data import DataLoader, WeightedRandomSampler
            counts = np.bincount(train_labels)
            weights = 1.0 / counts
            sampler = WeightedRandomSampler(weights, num_samples=len(train_labels))
            loader = DataLoader(train_set, batch_size=64, sampler=sampler)
        """, line=5),
        Invalid("""
            import numpy as np
            import torch
            from sklearn.utils.class_weight import compute_class_weight
            class_weights = compute_class_weight("balanced", classes=np.unique(y), y=y)
            sampler = torch.utils.data.WeightedRandomSampler(torch.tensor(class_weights, dtype=torch.double), num_samples=len(y))
        """, line=5),
        Invalid("""
            from torch.utils.data import WeightedRandomSampler
            sampler = WeightedRandomSampler([0.1, 0.9], num_samples=10000, replacement=True)
        """, line=2),
        Invalid("""
            from torch.utils.data import WeightedRandomSampler
            def balanced_sampler(df):
                counts = df["label"].value_counts()
                return WeightedRandomSampler((counts.sum() / counts).values, num_samples=len(df))
        """, line=4),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.qualify(node.func) not in WEIGHTED_SAMPLERS:
            return
        weights = syntax.argument(node, 0, "weights")
        source = self._per_class(weights, here(self.context), 4) if weights is not None else None
        if weights is not None and source is not None:
            self.report(weights, source=source)

    def _per_class(self, node: cst.BaseExpression, where: Where | None, depth: int) -> str | None:
        """What makes ``node`` one value per class; None when it may be per sample."""
        if depth == 0:
            return None
        if isinstance(node, cst.Name):
            found = reaching_value(self.context.info, node.value, where)
            return self._per_class(found[0], found[1], depth - 1) if found is not None else None
        if isinstance(node, (cst.List, cst.Tuple)):
            known = node.elements and all(number(self.context, e.value) is not None for e in node.elements)
            return f"a literal list of {len(node.elements)} weights" if known else None
        if isinstance(node, cst.BinaryOperation):
            left, right = self._per_class(node.left, where, depth - 1), self._per_class(node.right, where, depth - 1)
            return left or right
        if isinstance(node, cst.Attribute) and node.attr.value == "values":
            return self._per_class(node.value, where, depth - 1)
        if isinstance(node, cst.Subscript):
            return self._unique_counts(node)
        if isinstance(node, cst.ListComp) and isinstance(node.elt, cst.BinaryOperation):
            return self._per_class(node.for_in.iter, where, depth - 1)
        if not isinstance(node, cst.Call):
            return None
        qualname = self.context.qualify(node.func)
        if qualname in PER_CLASS_COUNTERS:
            return f"{PER_CLASS_COUNTERS[qualname]}(...) gives one value per class"
        if qualname in ARRAY_CONVERTERS and node.args:
            return self._per_class(node.args[0].value, where, depth - 1)
        method = syntax.method_name(node) if qualname is None else None
        if method == "value_counts":
            return ".value_counts() gives one value per class"
        if method in _SAME_ELEMENTS:
            return self._per_class(node.func.value, where, depth - 1)  # type: ignore[attr-defined]
        return None

    def _unique_counts(self, node: cst.Subscript) -> str | None:
        """``np.unique(y, return_counts=True)[1]``."""
        call = node.value
        if not isinstance(call, cst.Call) or self.context.qualify(call.func) not in UNIQUE_FUNCTIONS:
            return None
        counts = syntax.literal_bool(getattr(syntax.keyword(call, "return_counts"), "value", None))
        index = node.slice[0].slice
        if counts and isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and index.value.value == "1":
            return "the class counts of np.unique(..., return_counts=True)"
        return None
