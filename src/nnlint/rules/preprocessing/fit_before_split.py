from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.bindings import Arms, ScopeIndex, scope_index
from nnlint.analysis.torch_api import (
    CHUNK_FUNCTIONS, DATA_CARRYING_CALLS, SKLEARN_FITTED_TRANSFORMERS, SKLEARN_SPLITTERS, SPLIT_FUNCTIONS, SPLIT_HELD_OUT_WORDS,
    SPLIT_TRAIN_WORDS, SUBSET_CLASSES,
)
from nnlint.analysis.values import Instance
from nnlint.diagnostic import Severity
from nnlint.rule import Invalid, Rule, Valid

if TYPE_CHECKING:
    from nnlint.analysis.context import FileContext

_DATA_ATTRS = frozenset(("values", "T", "mT", "data", "iloc", "loc", "array"))
_DATA_METHODS = frozenset((
    "astype", "to", "float", "double", "half", "long", "type", "reshape", "view", "to_numpy", "numpy", "copy", "clone",
    "cpu", "cuda", "detach", "contiguous", "squeeze", "unsqueeze", "flatten", "ravel", "transpose", "permute",
    "fillna", "drop", "dropna", "select_dtypes", "tolist", "sample", "reset_index",
))
_MOMENTS = frozenset(("mean", "std", "var", "median", "nanmean", "nanstd", "nanvar", "nanmedian"))
_EXTREMES = frozenset(("min", "max", "amin", "amax", "nanmin", "nanmax"))
_ARITHMETIC = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide,
               cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign, cst.DivideAssign, cst.FloorDivideAssign)
_NORMALISING = (cst.Subtract, cst.Divide, cst.SubtractAssign, cst.DivideAssign)  # data - statistic, data / statistic
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")



@dataclass
class _Fit:
    """Statistics learned from ``data`` at ``node``, and what became of the data afterwards."""

    node: cst.Call
    fit: str
    data: str
    path: Arms
    tainted: set[str]  # names holding the fitted data, or data derived from it
    results: set[int] = field(default_factory=set)  # ids of fit_transform calls: their value is fitted data
    applied: int | None = None  # id of the step that first uses the statistic on the data (sklearn fits: their own call)
    split: tuple[cst.CSTNode, str] | None = None


@dataclass
class _Step:
    statement: cst.BaseStatement  # the statement the interpreter knows (for env_before)
    node: cst.CSTNode  # a small statement, an expression, or a For (its iter and target)
    path: Arms
    loop_names: frozenset[str]
    calls: list[cst.Call] = field(default_factory=list)  # inner calls first, gathered by the visit
    operations: list[tuple[cst.BaseExpression, cst.CSTNode, cst.BaseExpression]] = field(default_factory=list)  # left, operator, right


class FitBeforeSplit(Rule):
    """Preprocessing statistics are fitted on data that is split into train/test afterwards, or on test data.

    ## What it does
    Follows, in statement order within a module or function, the data that a
    preprocessing statistic is fitted on: an sklearn scaler / imputer / PCA /
    vectorizer `fit` or `fit_transform` (the object is followed to its
    constructor), or a `mean`/`std`/`min`/`max` over the samples that is used to
    normalise the data (`(X - X.mean(0)) / X.std(0)`, directly or through
    variables). It reports the fit when that data — or a tensor, dataset or frame
    made from it — is split afterwards: `train_test_split`, `random_split`, a
    cross-validation splitter, `cross_val_score`, or a slice assigned to a name
    such as `X_train` / `val_df`. A `fit` / `fit_transform` on data named as
    validation or test data (`X_test`, `val_df`) is reported on its own.

    ## Why is this bad?
    The means, ranges, vocabularies or components are then computed partly from
    the validation/test samples. The model sees information from the held-out
    data through its preprocessing, so validation and test scores are optimistic
    and stop predicting how the model does on new data; fitting on the test set
    itself also makes train and test preprocessed differently (checklist item 15).

    ## Example
    ```python
    scaler = StandardScaler()
    X = scaler.fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
    ```

    ## Use instead
    ```python
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
    scaler = StandardScaler()
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)   # transform only: the training statistics
    ```
    or put the transformer in a `Pipeline` fitted on the training split, so that
    cross-validation refits it inside every fold.

    ## Limitations
    The fit and the split must be in the same function (or both at module
    level). Statistics over another axis (`X.mean(axis=1)`, per sample) are not
    fits; a statistic only printed or logged is not used. A fit on the full data
    *after* a split, and fits on row subsets whose role is not named
    (`scaler.fit(X[:800])`), are not reported.
    """

    code = "NN201"
    name = "fit-before-split"
    checklist = (15,)
    message = "{fit} learns statistics from `{data}` {problem}"
    help = "fit scalers, imputers, vectorizers and normalisation statistics on the training split only, then transform every split with them (or use a Pipeline)"
    severity = Severity.WARNING
    requires_text = ("fit", "mean", "std", "max", "median")

    valid = [
        Valid("""
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            scaler = StandardScaler()
            X_train = scaler.fit_transform(X_train)
            X_test = scaler.transform(X_test)
        """, why="fitted on the training split after splitting; the test split is only transformed"),
        Valid("""
            import pandas as pd
            from sklearn.preprocessing import MinMaxScaler
            X = pd.read_csv("train.csv").drop(columns="label").values
            scaler = MinMaxScaler().fit(X)
            X = scaler.transform(X)
            X_test = scaler.transform(pd.read_csv("test.csv").drop(columns="label").values)
        """, why="the test set is a separate file: nothing fitted on is split afterwards"),
        Valid("""
            import numpy as np
            from sklearn.model_selection import train_test_split
            print("feature means", X.mean(0), "max", X.max())
            X_train, X_test, y_train, y_test = train_test_split(X, y)
            mu, sd = X_train.mean(0), X_train.std(0)
            X_train, X_test = (X_train - mu) / sd, (X_test - mu) / sd
        """, why="statistics of the full data are only printed; the ones used come from the training split"),
        Valid("""
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler
            from sklearn.linear_model import LogisticRegression
            from sklearn.model_selection import train_test_split
            X_train, X_test, y_train, y_test = train_test_split(X, y)
            clf = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)
            print(clf.score(X_test, y_test))
        """, why="a pipeline fitted on the training split"),
        Valid("""
            import torch
            from torch.utils.data import TensorDataset, random_split
            X = (X - X.mean(dim=1, keepdim=True)) / X.std(dim=1, keepdim=True)
            y = y - y.min()
            train_ds, val_ds = random_split(TensorDataset(torch.tensor(X), torch.tensor(y)), [0.8, 0.2])
        """, why="per-sample normalisation (over dim 1) and a label shift learn nothing across samples"),
        Valid("""
            from sklearn.model_selection import KFold
            from sklearn.preprocessing import StandardScaler
            for train_idx, val_idx in KFold(5).split(X):
                scaler = StandardScaler().fit(X[train_idx])
                X_val = scaler.transform(X[val_idx])
        """, why="fitted on each fold's training rows"),
        Valid("""
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler
            if args.full:
                X = StandardScaler().fit_transform(X)
            else:
                X_train, X_test = train_test_split(X)
        """, why="the fit and the split are on different branches"),
        Valid("""
            from sklearn.preprocessing import StandardScaler
            scaler = StandardScaler()
            df[feature_cols] = scaler.fit_transform(df[feature_cols])
            X_train = df[feature_cols].values
        """, why="selecting columns into a training array is not a split"),
    ]
    invalid = [
        Invalid("""
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler
            scaler = StandardScaler()
            X = scaler.fit_transform(X)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
        """, line=4),
        Invalid("""
            import torch
            from torch.utils.data import TensorDataset, random_split
            mean = features.mean(0)
            std = features.std(0)
            features = (features - mean) / std
            X_t = torch.tensor(features, dtype=torch.float32)
            ds = TensorDataset(X_t, torch.tensor(labels))
            train_ds, val_ds = random_split(ds, [0.8, 0.2])
        """, line=3),
        Invalid("""
            from sklearn.preprocessing import StandardScaler
            scaler = StandardScaler()
            X_train = scaler.fit_transform(X_train)
            X_test = scaler.fit_transform(X_test)
        """, line=4),
        Invalid("""
            import numpy as np
            X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
            n = int(0.8 * len(X))
            X_train, X_val = X[:n], X[n:]
        """, line=2),
        Invalid("""
            import sklearn.preprocessing as pre
            from sklearn.model_selection import train_test_split
            imputer = pre.MinMaxScaler()
            imputer.fit(X)
            X_train, X_test = train_test_split(X)
            X_train = imputer.transform(X_train)
        """, line=4),
        Invalid("""
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.model_selection import cross_val_score
            def evaluate(texts, labels, clf):
                vec = TfidfVectorizer(min_df=2)
                X = vec.fit_transform(texts)
                return cross_val_score(clf, X, labels, cv=5)
        """, line=5),
        Invalid("""
            from sklearn.model_selection import train_test_split
            mu, sigma = X.mean(axis=0), X.std(axis=0)
            X_train, X_test, y_train, y_test = train_test_split(X, y)
            X_train = (X_train - mu) / sigma
        """, line=2),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._found: list[tuple[cst.Call, tuple[str, str, str], cst.CSTNode | None]] = []  # fit, (fields), split
        self._scope_steps: dict[int, list[_Step]] = {}  # id(scope) -> its steps in order
        self._step_of: dict[int, _Step] = {}  # id(step node) -> step

    # --- the visit gathers, per step, the calls and arithmetic it makes; scopes are judged on leaving

    def visit_Module(self, node: cst.Module) -> None:
        self._enter_scope(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._enter_scope(node)

    def leave_Call(self, node: cst.Call) -> None:
        step = self._current_step()
        if step is not None:
            step.calls.append(node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        step = self._current_step()
        if step is not None and isinstance(node.operator, _ARITHMETIC):
            step.operations.append((node.left, node.operator, node.right))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        step = self._current_step()
        if step is not None and isinstance(node.operator, _ARITHMETIC):
            step.operations.append((node.target, node.operator, node.value))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._check_scope(node)

    def leave_Module(self, node: cst.Module) -> None:
        self._check_scope(node)
        for call, (fit, data, problem), split in self._found:
            line = self.context.line_of(split) if split is not None else None
            self.report(call, fit=fit, data=data, problem=problem + (f" on line {line}" if line is not None else ""))

    # --- one scope, statements in order ------------------------------------------------------

    def _enter_scope(self, scope: cst.Module | cst.FunctionDef) -> None:
        steps = list(_steps(scope_index(self.context.info, scope)))
        self._scope_steps[id(scope)] = steps
        self._step_of.update((id(step.node), step) for step in steps)

    def _current_step(self) -> _Step | None:
        """The step the visited node belongs to; None inside a lambda, class body, decorator or default."""
        below: cst.CSTNode | None = None
        for node in reversed(self.context.ancestors):
            step = self._step_of.get(id(node))
            if step is not None:
                return step if not isinstance(node, cst.For) or below is node.iter else None
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return None
            below = node
        return None

    def _check_scope(self, scope: cst.Module | cst.FunctionDef) -> None:
        self._scope = scope
        self._columns: set[str] = set()  # names holding column labels (df[cols] selects columns, not rows)
        self._stat_names: dict[str, list[_Fit]] = {}  # mu = X.mean(0)
        fits: list[_Fit] = []
        for step in self._scope_steps.pop(id(scope), []):
            fits.extend(self._new_fits(step))
            for fit in fits:
                if fit.applied is None:
                    self._check_applied(step, fit)
                if fit.split is None and fit.tainted and not _exclusive(fit.path, step.path):
                    fit.split = self._split(step, fit)
                if fit.split is None or fit.applied is None:
                    self._bind(step, fit)
            self._bind_names(step, fits)
        seen: set[tuple[object, ...]] = set()
        for fit in fits:
            if fit.split is None or fit.applied is None:
                continue
            key = (fit.applied, fit.data, id(fit.split[0]))
            if key not in seen:  # (X - X.mean(0)) / X.std(0): one finding, at the first statistic
                seen.add(key)
                self._found.append((fit.node, (fit.fit, fit.data, f"before it is {fit.split[1]}"), fit.split[0]))

    def _new_fits(self, step: _Step) -> Iterator[_Fit]:
        for call in step.calls:
            data = self._sklearn_fit_data(step, call)
            if data is not None:
                words = _data_words(data)
                if words & SPLIT_HELD_OUT_WORDS and not words & SPLIT_TRAIN_WORDS:
                    problem = "(validation/test data): fit on the training split and only transform this"
                    self._found.append((call, (f"`{_short_code(call)}`", _code(data), problem), None))
                root = self._fit_root(data)
                if root is not None and not words & (SPLIT_TRAIN_WORDS | SPLIT_HELD_OUT_WORDS):
                    results = {id(call)} if _method(call) == "fit_transform" else set()
                    yield _Fit(call, f"`{_short_code(call)}`", _code(data), step.path, {root}, results, applied=id(call))
                continue
            stat = self._statistic(call)
            if stat is not None:
                data, root = stat
                yield _Fit(call, f"`{_short_code(call)}`", _code(data), step.path, {root})

    def _sklearn_fit_data(self, step: _Step, call: cst.Call) -> cst.BaseExpression | None:
        if _method(call) not in ("fit", "fit_transform"):
            return None
        data = syntax.argument(call, 0, "X") or syntax.argument(call, 0, "raw_documents")
        receiver = _receiver(call)
        if data is None or receiver is None or not _is_sklearn(self._type_of(step, receiver), SKLEARN_FITTED_TRANSFORMERS):
            return None
        return data

    def _statistic(self, call: cst.Call) -> tuple[cst.BaseExpression, str] | None:
        """(data, its name) for a mean/std/min/max over the samples (axis 0 or all of them)."""
        method = _method(call)
        qualname = self.context.qualify(call.func)
        if qualname is not None and qualname.startswith(("numpy.", "torch.")) and qualname.count(".") == 1:
            name, data, axis = qualname.split(".")[1], syntax.argument(call, 0, "a"), syntax.argument(call, 1, "axis")
            axis = axis or syntax.argument(call, 1, "dim")
        elif method is not None and qualname is None:
            name, data, axis = method, _receiver(call), syntax.argument(call, 0, "axis")
            axis = axis or syntax.argument(call, 0, "dim")
        else:
            return None
        if name not in _MOMENTS | _EXTREMES or data is None or not _over_samples(axis):
            return None
        root = self._fit_root(data)
        return (data, root) if root is not None and not _data_words(data) & (SPLIT_TRAIN_WORDS | SPLIT_HELD_OUT_WORDS) else None

    def _check_applied(self, step: _Step, fit: _Fit) -> None:
        """The statistic normalises the data: ``X - mu``, ``X / sd``, ``X -= X.mean(0)``; a min or max only
        in a step that divides by one (``X / X.max(0)``, min-max scaling; ``y - y.min()`` is a shift)."""
        if not any(isinstance(operator, _NORMALISING) and self._mentions(left, fit.tainted) and self._holds_stat(right, fit)
                   for left, operator, right in step.operations):
            return
        if _method(fit.node) in _EXTREMES and not any(
            isinstance(operator, (cst.Divide, cst.DivideAssign)) and self._holds_extreme(right) for _, operator, right in step.operations
        ):
            return
        fit.applied = id(step.node)

    def _holds_extreme(self, node: cst.CSTNode) -> bool:
        return any(_method(call) in _EXTREMES and self._statistic(call) for call in syntax.calls_in(node)) or any(
            _method(stat.node) in _EXTREMES for name in syntax.names_in(node) for stat in self._stat_names.get(name, ())
        )

    def _holds_stat(self, node: cst.CSTNode, fit: _Fit) -> bool:
        return any(call is fit.node for call in syntax.calls_in(node)) or any(fit in self._stat_names.get(name, ()) for name in syntax.names_in(node))

    def _mentions(self, node: cst.BaseExpression, names: set[str]) -> bool:
        """``node`` computes with the data itself (not a statistic of it, nor its shape)."""
        if isinstance(node, cst.Call) and self._statistic(node) is not None:
            return False
        root = _chain_root(node, any_subscript=True)
        if root is not None and root in names:
            return True
        if isinstance(node, cst.BinaryOperation):
            return self._mentions(node.left, names) or self._mentions(node.right, names)
        if isinstance(node, cst.UnaryOperation):
            return self._mentions(node.expression, names)
        if isinstance(node, cst.Call) and (self.context.qualify(node.func) or "").startswith(("numpy.", "torch.")):
            return any(self._mentions(arg.value, names) for arg in node.args)
        return False

    # --- splits ----------------------------------------------------------------------------

    def _split(self, step: _Step, fit: _Fit) -> tuple[cst.CSTNode, str] | None:
        for call in step.calls:
            qualname = self.context.qualify(call.func)
            if qualname in SPLIT_FUNCTIONS and self._any_derived(call, fit):
                return call, f"split by {SPLIT_FUNCTIONS[qualname]}"
            receiver = _receiver(call)
            if _method(call) == "split" and receiver is not None and self._any_derived(call, fit):
                splitter = self._type_of(step, receiver)
                if splitter is not None and _is_sklearn(splitter, SKLEARN_SPLITTERS):
                    return call, f"split by {splitter.rsplit('.', 1)[-1]}.split"
        for target, value in _assignments(step.node):
            if value is None:
                continue
            if isinstance(target, cst.Name) and _words_of(target) & (SPLIT_TRAIN_WORDS | SPLIT_HELD_OUT_WORDS) and self._row_subset(value, fit, step):
                return value, f"sliced into `{target.value}`"
            if isinstance(target, (cst.Tuple, cst.List)) and _words_of(target) & (SPLIT_TRAIN_WORDS | SPLIT_HELD_OUT_WORDS) and isinstance(value, cst.Call):
                first = syntax.argument(value, 0)
                if self.context.qualify(value.func) in CHUNK_FUNCTIONS and first is not None and self._derived(first, fit):
                    return value, f"split by {_code(value.func)}"
        return None

    def _row_subset(self, value: cst.BaseExpression, fit: _Fit, step: _Step) -> bool:
        """``X[:n]``, ``df[df.fold != k]``, ``X[train_idx]``, ``Subset(ds, idx)``, ``df.sample(frac=0.8)`` of fitted data."""
        if isinstance(value, cst.Subscript) and self._derived(value.value, fit) and not _data_words(value.value) & (SPLIT_TRAIN_WORDS | SPLIT_HELD_OUT_WORDS):
            index = value.slice[0].slice
            if set(syntax.names_in(index)) & step.loop_names:
                return False  # a batch of a loop, not a split
            if isinstance(index, cst.Slice):
                return index.lower is not None or index.upper is not None
            inner = index.value if isinstance(index, cst.Index) else index
            return (isinstance(inner, (cst.Comparison, cst.BooleanOperation, cst.UnaryOperation))
                    or any(isinstance(n, cst.Slice) for n in _walk(inner)) or bool(_words_of(inner) & (SPLIT_TRAIN_WORDS | SPLIT_HELD_OUT_WORDS)))
        if isinstance(value, cst.Call):
            first = syntax.argument(value, 0, "dataset")
            if self.context.qualify(value.func) in SUBSET_CLASSES and first is not None and self._derived(first, fit):
                return True
            receiver = _receiver(value)
            return _method(value) == "sample" and receiver is not None and self._derived(receiver, fit)
        return False

    # --- what holds the fitted data --------------------------------------------------------

    def _derived(self, node: cst.BaseExpression, fit: _Fit) -> bool:
        if isinstance(node, cst.Name):
            return node.value in fit.tainted
        if isinstance(node, cst.Attribute):
            return node.attr.value in _DATA_ATTRS and self._derived(node.value, fit)
        if isinstance(node, cst.Subscript):
            return self._derived(node.value, fit)
        if isinstance(node, cst.BinaryOperation):
            return self._derived(node.left, fit) or self._derived(node.right, fit)
        if isinstance(node, cst.UnaryOperation):
            return self._derived(node.expression, fit)
        if isinstance(node, (cst.List, cst.Tuple)):
            return any(self._derived(element.value, fit) for element in node.elements)
        if not isinstance(node, cst.Call):
            return False
        if id(node) in fit.results:
            return True
        method, receiver = _method(node), _receiver(node)
        if method in _DATA_METHODS and receiver is not None and self._derived(receiver, fit):
            return True
        return self._any_derived(node, fit) and (method in ("transform", "fit_transform") or self._carries_data(node))

    def _carries_data(self, call: cst.Call) -> bool:
        qualname = self.context.qualify(call.func)
        if qualname is None:
            return False
        info = self.context.info
        return qualname in DATA_CARRYING_CALLS or info.project.find_class(qualname, info) is not None

    def _any_derived(self, call: cst.Call, fit: _Fit) -> bool:
        return any(self._derived(arg.value, fit) for arg in call.args if not arg.star)

    def _bind(self, step: _Step, fit: _Fit) -> None:
        """After ``step``: names assigned the fitted data (or made from it) hold it; other assignments drop it."""
        for target, value in _assignments(step.node):
            derived = value is not None and self._derived(value, fit)
            for name in _bound_names(target):
                (fit.tainted.add if derived else fit.tainted.discard)(name)
        if isinstance(step.node, cst.For):
            fit.tainted.difference_update(_bound_names(step.node.target))

    def _bind_names(self, step: _Step, fits: list[_Fit]) -> None:
        """Which names hold column labels or statistics after ``step``."""
        stats = [fit for fit in fits if fit.applied is None]
        for target, value in _assignments(step.node):
            for name in _bound_names(target):
                self._columns.discard(name)
                self._stat_names.pop(name, None)
            if not isinstance(target, cst.Name) or value is None:
                continue
            if _is_columns(value, self._columns):
                self._columns.add(target.value)
            held = [fit for fit in stats if self._holds_stat(value, fit) and not self._mentions(value, fit.tainted)]
            if held:
                self._stat_names[target.value] = held
        if isinstance(step.node, cst.For) and _is_columns(step.node.iter, self._columns):
            self._columns.update(_bound_names(step.node.target))

    def _fit_root(self, data: cst.BaseExpression) -> str | None:
        """``X`` for ``X``, ``X.values``, ``df[cols]``, ``X[:, :5].reshape(-1, 1)`` — all rows of one name."""
        return _chain_root(data, columns=self._columns)

    def _type_of(self, step: _Step, node: cst.BaseExpression) -> str | None:
        """The constructor of the object ``node`` holds: ``StandardScaler()`` itself, or followed through names."""
        if isinstance(node, cst.Call):
            return self.context.qualify(node.func)
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        interpreter = self.context.interpreter
        value = interpreter.value(node, interpreter.env_before(step.statement, self._scope))
        return value.qualname if isinstance(value, Instance) else None


# --- helpers -------------------------------------------------------------------------------


def _steps(index: ScopeIndex) -> Iterator[_Step]:
    """The parts of a scope that run, in statement order, with the branch arms and loops they are in
    (the model's bindings know both): each small statement, an ``if`` / ``while`` test, a ``for`` (its
    iterable and target), each ``with`` item, a ``match`` subject."""
    for statement in index.statements:
        path, loops = index.arms[id(statement)], index.loop_targets[id(statement)]
        if isinstance(statement, cst.SimpleStatementLine):
            yield from (_Step(statement, small, path, loops) for small in statement.body)
        elif isinstance(statement, (cst.If, cst.While)):
            yield _Step(statement, statement.test, path, loops)
        elif isinstance(statement, cst.For):
            yield _Step(statement, statement, path, loops)
        elif isinstance(statement, cst.With):
            yield from (_Step(statement, item.item, path, loops) for item in statement.items)
        elif isinstance(statement, cst.Match):
            yield _Step(statement, statement.subject, path, loops)


def _exclusive(left: Arms, right: Arms) -> bool:
    """On different branches of one if / try / match: never both in one run."""
    branches = dict(left)
    return any(key in branches and branches[key] != branch for key, branch in right)


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        yield current
        stack.extend(reversed(list(syntax.children(current))))


def _assignments(node: cst.CSTNode) -> list[tuple[cst.BaseExpression, cst.BaseExpression | None]]:
    """(target, value) pairs; ``a, b = x, y`` pairs up, other unpacking gives the whole value to the tuple."""
    if isinstance(node, cst.Assign):
        pairs: list[tuple[cst.BaseExpression, cst.BaseExpression | None]] = []
        for assign_target in node.targets:
            target, value = assign_target.target, node.value
            if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)) and len(target.elements) == len(value.elements):
                pairs.extend((t.value, v.value) for t, v in zip(target.elements, value.elements))
            else:
                pairs.append((target, value))
        return pairs
    if isinstance(node, cst.AnnAssign):
        return [(node.target, node.value)]
    if isinstance(node, cst.Del):
        return [(node.target, None)]
    return []


def _bound_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _bound_names(element.value)]
    if isinstance(target, cst.StarredElement):
        return _bound_names(target.value)
    return []


def _chain_root(node: cst.BaseExpression, *, any_subscript: bool = False, columns: set[str] | None = None) -> str | None:
    """The name at the bottom of ``X.values``, ``X.reshape(-1, 1)``, ``df[cols]`` (rows kept), else None."""
    while True:
        if isinstance(node, cst.Name):
            return node.value
        if isinstance(node, cst.Attribute) and node.attr.value in _DATA_ATTRS:
            node = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _DATA_METHODS - {"sample"}:
            node = node.func.value
        elif isinstance(node, cst.Subscript) and (any_subscript or _selects_columns(node, columns or set())):
            node = node.value
        else:
            return None


def _selects_columns(node: cst.Subscript, columns: set[str]) -> bool:
    """``X[:, :5]``, ``X[..., 0]``, ``df["age"]``, ``df[["a", "b"]]``, ``df[cols]`` with known column names."""
    first = node.slice[0].slice
    if isinstance(first, cst.Slice):
        return first.lower is None and first.upper is None and first.step is None and len(node.slice) > 1
    if not isinstance(first, cst.Index):
        return False
    value = first.value
    if isinstance(value, cst.Ellipsis):
        return True
    return len(node.slice) == 1 and _is_columns(value, columns)


def _is_columns(node: cst.BaseExpression, columns: set[str]) -> bool:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    if isinstance(node, cst.Name):
        return node.value in columns
    if isinstance(node, (cst.List, cst.Tuple)):
        return bool(node.elements) and all(_is_columns(element.value, columns) for element in node.elements)
    return _from_columns(node)


def _from_columns(node: cst.BaseExpression) -> bool:
    """``df.columns``, ``df.select_dtypes("number").columns.tolist()``, ``list(df.columns[1:])``, ``[c for c in df.columns if ...]``."""
    while True:
        if isinstance(node, cst.Attribute):
            if node.attr.value == "columns":
                return True
            node = node.value
        elif isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Call):
            if isinstance(node.func, cst.Attribute):
                node = node.func
            elif node.args:
                node = node.args[0].value
            else:
                return False
        elif isinstance(node, (cst.ListComp, cst.GeneratorExp)):
            node = node.for_in.iter
        else:
            return False


def _over_samples(axis: cst.BaseExpression | None) -> bool:
    """The reduction includes the sample axis: none given, 0, None, a tuple with 0, "index"."""
    if axis is None or (isinstance(axis, cst.Name) and axis.value == "None"):
        return True
    if isinstance(axis, cst.Integer):
        return axis.evaluated_value == 0
    if isinstance(axis, cst.SimpleString):
        return axis.evaluated_value in ("index", "rows")
    if isinstance(axis, (cst.Tuple, cst.List)):
        return any(isinstance(e.value, cst.Integer) and e.value.evaluated_value == 0 for e in axis.elements)
    return False


def _is_sklearn(qualname: str | None, names: frozenset[str]) -> bool:
    return qualname is not None and qualname.startswith("sklearn.") and qualname.rsplit(".", 1)[-1] in names


def _method(call: cst.Call) -> str | None:
    return syntax.method_name(call)


def _receiver(call: cst.Call) -> cst.BaseExpression | None:
    """``obj`` for ``obj.m(...)``."""
    return call.func.value if isinstance(call.func, cst.Attribute) else None


def _words_of(node: cst.CSTNode) -> set[str]:
    """Lower-case words of the identifiers in ``node``: ``X_train`` -> {x, train}; ``xtrain``/``trainX`` count as train."""
    identifiers = [n.value for n in _walk(node) if isinstance(n, cst.Name)]
    words: set[str] = set()
    for identifier in identifiers:
        for word in (w.lower() for w in _WORD.findall(identifier)):
            words.add(word)
            if len(word) > 3 and word[0] in "xy":
                words.add(word[1:])
            if len(word) > 3 and word[-1] in "xy":
                words.add(word[:-1])
    return words


def _data_words(node: cst.BaseExpression) -> set[str]:
    """Words naming the data itself: ``X_test.to(dev)`` -> {x, test}; ``X[train_idx]`` -> {x, train, idx}."""
    while True:
        if isinstance(node, cst.Attribute):
            return _words_of(node.attr) | _data_words(node.value)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            node = node.func.value
        elif isinstance(node, cst.Subscript):
            return _data_words(node.value).union(*(_words_of(element.slice) for element in node.slice))
        else:
            return _words_of(node)


def _code(node: cst.CSTNode, limit: int = 40) -> str:
    text = " ".join(cst.Module([]).code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short_code(call: cst.Call) -> str:
    text = _code(call, limit=60)
    return text if not text.endswith("...") else _code(call.func) + "(...)"
