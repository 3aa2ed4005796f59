from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.bindings import reaching_value, root_name, scope_index
from nnlint.analysis.sites import Scope, own_parts
from nnlint.analysis.torch_api import (
    ARRAY_CONVERTERS, COPYING_SHUFFLES, IN_PLACE_SHUFFLES, PAIRING_CALLS, PERMUTATION_FUNCTIONS, RNG_MAKERS, RNG_RESETS,
    ROW_KEEPING_TRANSFORMS,
)
from nnlint.analysis.values import Instance
from nnlint.rule import Invalid, Rule, Valid

_PAIRING_METHODS = frozenset(("fit", "partial_fit", "train_on_batch"))
_SAME_ROWS = frozenset(("float", "long", "double", "to", "cuda", "astype", "copy", "clone", "to_numpy", "numpy", "tolist"))
UNKNOWN: tuple[object, ...] = ("?",)
Key = tuple[object, ...]
Where = tuple[Scope, cst.BaseStatement]


@dataclass
class _State:
    order: dict[str, Key] = field(default_factory=dict)  # name -> which permutation its rows are in (absent or (): stored order)
    shuffled_at: dict[str, tuple[int, cst.CSTNode]] = field(default_factory=dict)  # where that permutation was applied
    last_in_place: Key | None = None
    reset: bool = False
    batches: dict[tuple[object, ...], list[str]] = field(default_factory=dict)  # the same batch slice -> names sliced with it

    def shuffle(self, name: str, key: Key, node: cst.CSTNode) -> None:
        self.order[name] = key
        self.shuffled_at[name] = (len(self.shuffled_at) + 1, node)


class InputsLabelsShuffledApart(Rule):
    """Inputs and labels are shuffled separately, or only one of them is shuffled.

    ## What it does
    Follows the row order of arrays through one function (or the module): in-place
    `np.random.shuffle` / `random.shuffle` / `rng.shuffle`, indexing with a random
    permutation (`X[perm]` with `perm = np.random.permutation(n)` or `torch.randperm(n)`)
    and `sklearn.utils.shuffle`. When two arrays are then used as a pair — passed
    together to `TensorDataset`, `train_test_split` or `.fit()`, or sliced with the same
    batch slice (`X[i:i + bs]`, `y[i:i + bs]`) — it reports if their rows are in
    different orders: shuffled by two independent calls, or one shuffled and the other
    not. Resetting the RNG between two shuffles (`np.random.seed`, `set_state`) gives the
    same permutation and is fine.

    ## Why is this bad?
    Every input must keep its own label (checklist item 4). Shuffled apart, the labels
    are random with respect to the inputs: the loss goes down a little (the network
    memorises) and accuracy stays at chance, while nothing crashes.

    ## Example
    ```python
    np.random.shuffle(X)
    np.random.shuffle(y)
    dataset = TensorDataset(torch.tensor(X), torch.tensor(y))
    ```

    ## Use instead
    ```python
    perm = np.random.permutation(len(X))
    X, y = X[perm], y[perm]
    ```
    or `X, y = sklearn.utils.shuffle(X, y)`, or let `DataLoader(shuffle=True)` do it.
    """

    code = "NN102"
    name = "inputs-labels-shuffled-apart"
    checklist = (4,)
    message = "{problem}: inputs no longer line up with their labels"
    help = "shuffle inputs and labels with one permutation: perm = np.random.permutation(len(X)); X, y = X[perm], y[perm]"
    requires_text = ("shuffle", "permutation", "randperm")

    valid = [
        Valid("""
            import numpy as np
            from torch.utils.data import TensorDataset
            perm = np.random.permutation(len(X))
            X, y = X[perm], y[perm]
            ds = TensorDataset(X, y)
        """, why="one permutation for both"),
        Valid("""
            import numpy as np
            state = np.random.get_state()
            np.random.shuffle(X)
            np.random.set_state(state)
            np.random.shuffle(y)
            model.fit(X, y)
        """, why="the RNG state is restored between the shuffles: the same permutation"),
        Valid("""
            import random
            samples = list(zip(paths, labels))
            random.shuffle(samples)
            idx = np.arange(len(X))
            np.random.shuffle(idx)
            for start in range(0, len(idx), 32):
                xb, yb = X[idx[start:start + 32]], y[idx[start:start + 32]]
        """, why="pairs shuffled as one list; an index array shuffled and applied to both"),
        Valid("""
            import numpy as np
            from sklearn.utils import shuffle
            from sklearn.model_selection import train_test_split
            X, y = shuffle(X, y, random_state=0)
            np.random.shuffle(noise)
            X_train, X_test, y_train, y_test = train_test_split(X, y)
        """, why="sklearn's shuffle permutes both together; the shuffled array is not paired"),
    ]
    invalid = [
        Invalid("""
            import numpy as np
            import torch
            from torch.utils.data import TensorDataset
            X = np.load("x.npy")
            y = np.load("y.npy")
            np.random.shuffle(X)
            np.random.shuffle(y)
            train_set = TensorDataset(torch.tensor(X), torch.tensor(y))
        """, line=7),
        Invalid("""
            import torch
            from torch.utils.data import TensorDataset
            def make_dataset(features, targets):
                perm = torch.randperm(len(features))
                features = features[perm]
                return TensorDataset(features, targets)
        """, line=5),
        Invalid("""
            import random
            def batches(images, labels, bs):
                random.shuffle(images)
                for i in range(0, len(images), bs):
                    yield images[i:i + bs], labels[i:i + bs]
        """, line=3),
        Invalid("""
            import numpy as np
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler
            table = np.loadtxt("houses.csv", delimiter=",")
            features, prices = table[:, :-1], table[:, -1]
            rng = np.random.default_rng(0)
            rng.shuffle(features)
            features = StandardScaler().fit_transform(features)
            x_train, x_test, y_train, y_test = train_test_split(features, prices, test_size=0.2)
        """, line=7),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        self._scope(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scope(node)

    def _scope(self, scope: Scope) -> None:
        index = scope_index(self.context.info, scope)
        state = _State()
        for statement in index.statements:
            where = (scope, statement)
            for part in own_parts(statement):
                for call in syntax.calls_in(part):
                    self._call(call, state, where)
                self._batches(part, state, index.chains.get(id(statement), ()))
            for small in syntax.small_statements(statement):
                if isinstance(small, cst.Assign):
                    self._assign(small, state, where)

    def _call(self, call: cst.Call, state: _State, where: Where) -> None:
        qualname = self.context.qualify(call.func)
        method = syntax.method_name(call)
        if qualname in RNG_RESETS or (method in ("seed", "set_state", "setstate") and qualname is None):
            state.reset = True
        elif qualname in IN_PLACE_SHUFFLES or (method == "shuffle" and qualname is None and self._rng(call.func.value, where)):  # type: ignore[attr-defined]
            target = syntax.argument(call, 0, "x")
            if isinstance(target, cst.Name):
                key = state.last_in_place if state.reset and state.last_in_place else ("in-place", id(call))
                state.last_in_place, state.reset = key, False
                state.shuffle(target.value, key, call)
        elif qualname in PAIRING_CALLS or (method in _PAIRING_METHODS and qualname is None):
            arguments = [arg.value for arg in call.args if not arg.star and (arg.keyword is None or arg.keyword.value == "y")]
            names = [name for name in (self._data_name(value) for value in arguments) if name]
            for first, second in pairwise(names):
                self._pair(first, second, state)

    def _batches(self, part: cst.CSTNode, state: _State, chain: tuple[cst.BaseStatement, ...]) -> None:
        """``X[i:i + bs]`` and ``y[i:i + bs]`` in one block: a pair."""
        stack = [part]
        while stack:
            current = stack.pop()
            if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            stack.extend(syntax.children(current))
            if not isinstance(current, cst.Subscript) or not isinstance(current.value, cst.Name):
                continue
            code = self.context.module.code_for_node(current)
            if ":" not in code[len(current.value.value):]:
                continue
            key = (tuple(id(c) for c in chain), code[len(current.value.value):])
            names = state.batches.setdefault(key, [])
            for other in names:
                if other != current.value.value:
                    self._pair(other, current.value.value, state)
            names.append(current.value.value)

    def _assign(self, small: cst.Assign, state: _State, where: Where) -> None:
        if isinstance(small.value, cst.Call) and self.context.qualify(small.value.func) in COPYING_SHUFFLES:
            key: Key = ("copy", id(small.value))
            for assign_target in small.targets:
                for name in syntax.names_in(assign_target.target):
                    state.shuffle(name, key, small.value)
            return
        for target, value in _pairs(small):
            if not isinstance(target, cst.Name) or value is None:
                for name in syntax.names_in(target):
                    state.order[name] = UNKNOWN
                continue
            self._bind(target.value, value, state, where)

    def _bind(self, name: str, value: cst.BaseExpression, state: _State, where: Where) -> None:
        """The rows of ``name`` are now in ``value``'s order: its source's, a random permutation's, unknown, or stored order."""
        if isinstance(value, cst.Subscript) and len(value.slice) == 1 and isinstance(value.slice[0].slice, cst.Index):
            inner = value.value
            source = self._data_name(inner.value if isinstance(inner, cst.Attribute) and inner.attr.value in ("iloc", "loc") else inner)
            index = value.slice[0].slice.value
            permutation = self._permutation(index, state, where)
            if source is not None and permutation is not None and not state.order.get(source):
                state.shuffle(name, (*permutation, self.context.module.code_for_node(index)), value)
            else:
                state.order[name] = UNKNOWN
            return
        source = self._data_name(value)
        if source is not None:
            state.order[name] = state.order.get(source, ())
            if source in state.shuffled_at:
                state.shuffled_at[name] = state.shuffled_at[source]
        else:
            state.order[name] = UNKNOWN if any(state.order.get(n) for n in syntax.names_in(value)) else ()

    def _permutation(self, index: cst.BaseExpression, state: _State, where: Where) -> Key | None:
        if isinstance(index, cst.Call):
            return ("call", id(index)) if self._random_permutation(index, where) else None
        name = root_name(index) if isinstance(index, (cst.Name, cst.Subscript)) else None
        if name is None:
            return None
        if state.order.get(name):
            return None if state.order[name] == UNKNOWN else state.order[name]
        found = reaching_value(self.context.info, name, where)
        if found is not None and isinstance(found[0], cst.Call) and self._random_permutation(found[0], found[1]):
            return ("def", id(found[0]))
        return None

    def _random_permutation(self, call: cst.Call, where: Where) -> bool:
        if self.context.qualify(call.func) in PERMUTATION_FUNCTIONS:
            return True
        return syntax.method_name(call) == "permutation" and self._rng(call.func.value, where)  # type: ignore[attr-defined]

    def _rng(self, receiver: cst.BaseExpression, where: Where) -> bool:
        value = self.context.value(receiver) if where[1] is self.context.enclosing(cst.BaseStatement) else None
        if isinstance(value, Instance):
            return value.qualname in RNG_MAKERS
        found = reaching_value(self.context.info, receiver.value, where) if isinstance(receiver, cst.Name) else None
        return found is not None and isinstance(found[0], cst.Call) and self.context.qualify(found[0].func) in RNG_MAKERS

    def _pair(self, first: str, second: str, state: _State) -> None:
        a, b = state.order.get(first, ()), state.order.get(second, ())
        if a == b or UNKNOWN in (a, b):
            return
        if a and b:
            node = max(state.shuffled_at[first], state.shuffled_at[second], key=lambda found: found[0])[1]
            self._once(node, f"`{first}` and `{second}` are shuffled by separate random permutations")
        else:
            shuffled, other = (first, second) if a else (second, first)
            self._once(state.shuffled_at[shuffled][1], f"`{shuffled}` is shuffled but `{other}`, used with it as a pair, is not")
        state.order[first] = state.order[second] = UNKNOWN  # one report per pair

    def _once(self, node: cst.CSTNode, problem: str) -> None:
        if all(report.node is not node for report in self.reports):
            self.report(node, problem=problem)

    def _data_name(self, node: cst.BaseExpression) -> str | None:
        """``X`` for ``X``, ``X.values``, ``X.float()``, ``torch.tensor(X)``, ``np.asarray(X, dtype=...)``: same rows, same order."""
        while True:
            if isinstance(node, cst.Name):
                return node.value
            if isinstance(node, cst.Attribute) and node.attr.value == "values":
                node = node.value
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _SAME_ROWS:
                node = node.func.value
            elif isinstance(node, cst.Call) and node.args and self.context.qualify(node.func) in ARRAY_CONVERTERS:
                node = node.args[0].value
            elif isinstance(node, cst.Call) and node.args and syntax.method_name(node) in ROW_KEEPING_TRANSFORMS:
                node = node.args[0].value  # StandardScaler().fit_transform(X): X's rows, scaled
            else:
                return None


def _pairs(small: cst.Assign) -> list[tuple[cst.BaseExpression, cst.BaseExpression | None]]:
    """(target, value) pairs; ``a, b = x, y`` pairs up, other unpacking leaves the targets unknown."""
    found: list[tuple[cst.BaseExpression, cst.BaseExpression | None]] = []
    for assign_target in small.targets:
        target, value = assign_target.target, small.value
        if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)) and len(target.elements) == len(value.elements):
            found.extend((t.value, v.value) for t, v in zip(target.elements, value.elements))
        else:
            found.append((target, value if isinstance(target, cst.Name) else None))
    return found
