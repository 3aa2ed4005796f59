"""The bottom of the semantic model: the statements of a scope in order and what binds each name.

``ScopeIndex`` lists a scope's statements in source order with the compound statements around
each, every definition of every name, and the names changed in place (``x[i] = ...``,
``x.attr = ...``, ``x.clamp_(...)``), so that "the one assignment that reaches this use"
(``reaching_value``) and "was it changed in place since" are look-ups. Built once per scope, on
first use. The interpreter answers what a value *is*; this answers which expression made it, for
rules that read the expression itself (``std = x.std(0)`` ... ``/ std``; what a loss's input went
through last, ``losses.final_steps``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.project import ModuleInfo
from nnlint.analysis.sites import Scope, own_parts
from nnlint.analysis.torch_api import IN_PLACE_WITHOUT_VALUE_CHANGE

Where = tuple[Scope, cst.BaseStatement]
Arms = tuple[tuple[int, int], ...]  # (id of an if / try / match, which of its arms) from the scope down to a statement


@dataclass
class _Def:
    index: int
    statement: cst.BaseStatement
    value: cst.BaseExpression | None  # set for ``name = value`` only


@dataclass
class ScopeIndex:
    """The statements of a scope in source order, where each sits, and what assigns each name."""

    statements: list[cst.BaseStatement] = field(default_factory=list)
    position: dict[int, int] = field(default_factory=dict)  # id(statement) -> index
    chains: dict[int, tuple[cst.BaseStatement, ...]] = field(default_factory=dict)  # enclosing compound statements
    arms: dict[int, Arms] = field(default_factory=dict)  # id(statement) -> the branch arms it lies in
    loop_targets: dict[int, frozenset[str]] = field(default_factory=dict)  # names the ``for`` loops around it bind
    defs: dict[str, list[_Def]] = field(default_factory=dict)
    mutations: dict[str, list[int]] = field(default_factory=dict)  # x[i] = ..., x.attr = ..., x.clamp_(...)
    escaped: set[str] = field(default_factory=set)  # global / nonlocal
    in_place: dict[str, set[str]] = field(default_factory=dict)  # name -> in-place methods called on it ("[]" for x[i] = ...)

    @classmethod
    def of(cls, scope: Scope) -> ScopeIndex:
        index = cls()
        if isinstance(scope, cst.FunctionDef):
            parameters = scope.params
            for param in (*parameters.posonly_params, *parameters.params, *parameters.kwonly_params):
                index._define(param.name.value, -1, scope, None)
            for star in (parameters.star_arg, parameters.star_kwarg):
                if isinstance(star, cst.Param):
                    index._define(star.name.value, -1, scope, None)
            index._walk(syntax.body_statements(scope.body), ())
        else:
            index._walk(list(scope.body), ())
        return index

    def _define(self, name: str, at: int, statement: cst.BaseStatement, value: cst.BaseExpression | None) -> None:
        self.defs.setdefault(name, []).append(_Def(at, statement, value))

    def _walk(self, statements: list[cst.BaseStatement], chain: tuple[cst.BaseStatement, ...], arms: Arms = (),
              loops: frozenset[str] = frozenset()) -> None:
        for statement in statements:
            at = len(self.statements)
            self.statements.append(statement)
            self.position[id(statement)] = at
            self.chains[id(statement)] = chain
            self.arms[id(statement)] = arms
            self.loop_targets[id(statement)] = loops
            self._record(statement, at)
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                continue
            for block, arm, in_loop in _arm_blocks(statement):
                inner = loops | set(syntax.names_in(statement.target)) if in_loop and isinstance(statement, cst.For) else loops
                self._walk(block, (*chain, statement), arms if arm is None else (*arms, (id(statement), arm)), inner)

    def _record(self, statement: cst.BaseStatement, at: int) -> None:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            self._define(statement.name.value, at, statement, None)
        elif isinstance(statement, cst.For):
            self._bind_all(statement.target, at, statement)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                if item.asname is not None:
                    self._bind_all(item.asname.name, at, statement)
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            for handler in statement.handlers:
                if handler.name is not None:
                    self._bind_all(handler.name.name, at, statement)
        for small in syntax.small_statements(statement):
            self._record_small(small, at, statement)
        if not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            self._record_in_place(statement)

    def _record_in_place(self, statement: cst.BaseStatement) -> None:
        """``x.clamp_(...)`` anywhere in the statement's own expressions; ``x[i] = ...`` written to it."""
        for part in own_parts(statement):
            for call in syntax.calls_in(part):
                func = call.func
                if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value.endswith("_") \
                        and not func.attr.value.startswith("_"):
                    self.in_place.setdefault(func.value.value, set()).add(func.attr.value)
        for small in syntax.small_statements(statement):
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [getattr(small, "target", None)]
            for target in targets:
                if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
                    self.in_place.setdefault(target.value.value, set()).add("[]")

    def _record_small(self, small: cst.BaseSmallStatement, at: int, statement: cst.BaseStatement) -> None:
        if isinstance(small, cst.Assign):
            for target in small.targets:
                if isinstance(target.target, cst.Name):
                    self._define(target.target.value, at, statement, small.value)
                else:
                    self._bind_all(target.target, at, statement)
        elif isinstance(small, cst.AnnAssign):
            if isinstance(small.target, cst.Name):
                self._define(small.target.value, at, statement, small.value)
            else:
                self._bind_all(small.target, at, statement)
        elif isinstance(small, (cst.AugAssign, cst.Del)):
            self._bind_all(small.target, at, statement)
        elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
            for alias in small.names:
                bound = alias.asname.name if alias.asname is not None else alias.name
                name = syntax.dotted_name(bound) if isinstance(bound, (cst.Name, cst.Attribute)) else None
                if name:
                    self._define(name.split(".", 1)[0], at, statement, None)
        elif isinstance(small, (cst.Global, cst.Nonlocal)):
            self.escaped.update(item.name.value for item in small.names)
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            func = small.value.func
            if isinstance(func, cst.Attribute) and func.attr.value.endswith("_") and (root := root_name(func.value)):
                self.mutations.setdefault(root, []).append(at)

    def _bind_all(self, target: cst.BaseExpression, at: int, statement: cst.BaseStatement) -> None:
        """Every name a target binds becomes unknown; ``x[i] = ...`` / ``x.a = ...`` mutate ``x``."""
        if isinstance(target, cst.Name):
            self._define(target.value, at, statement, None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_all(element.value, at, statement)
        elif isinstance(target, cst.StarredElement):
            self._bind_all(target.value, at, statement)
        elif isinstance(target, (cst.Subscript, cst.Attribute)) and (root := root_name(target)):
            self.mutations.setdefault(root, []).append(at)

    def reaching(self, name: str, statement: cst.BaseStatement) -> _Def | None:
        """The one definition of ``name`` that every path reaching ``statement`` last passes, if there is one."""
        at = self.position.get(id(statement))
        if at is None or name in self.escaped:
            return None
        defs = self.defs.get(name, [])
        before = [d for d in defs if d.index < at]
        if not before:
            return None
        found = before[-1]
        chain = _branching(self.chains.get(id(statement), ()))
        def_chain = _branching(self.chains.get(id(found.statement), ())) if found.index >= 0 else ()
        if chain[: len(def_chain)] != def_chain:
            return None  # the definition sits in a branch or loop the use is not in
        for loop in chain[len(def_chain):]:
            if isinstance(loop, (cst.For, cst.While)) and any(d.index > at and self._inside(d.index, loop) for d in defs):
                return None  # a later assignment in the loop reaches the use on the next iteration
        return found

    def mutated_between(self, name: str, start: int, end: int) -> bool:
        return any(start < at < end for at in self.mutations.get(name, []))

    def changed_in_place(self, name: str) -> bool:
        """Some statement of the scope changes the values ``name`` holds in place (``p.clamp_(1e-6)``,
        ``p[p == 0] = eps``; not ``p.requires_grad_()``): the interpreter does not follow that."""
        return any(method not in IN_PLACE_WITHOUT_VALUE_CHANGE for method in self.in_place.get(name, ()))

    def _inside(self, index: int, compound: cst.BaseStatement) -> bool:
        return compound in self.chains.get(id(self.statements[index]), ())


def _arm_blocks(statement: cst.BaseStatement) -> Iterator[tuple[list[cst.BaseStatement], int | None, bool]]:
    """The blocks of a compound statement in source order: (statements, which arm they are (None: not a
    branch of their own), whether they are a loop's body). ``try``'s body and ``else`` are one arm."""
    if isinstance(statement, cst.If):
        yield syntax.body_statements(statement), 0, False
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            yield [orelse], 1, False
        elif orelse is not None:
            yield syntax.body_statements(orelse), 1, False
    elif isinstance(statement, (cst.For, cst.While)):
        yield syntax.body_statements(statement), None, True
        if statement.orelse is not None:
            yield syntax.body_statements(statement.orelse), None, False
    elif isinstance(statement, cst.With):
        yield syntax.body_statements(statement), None, False
    elif isinstance(statement, (cst.Try, cst.TryStar)):
        yield syntax.body_statements(statement), 0, False
        for index, handler in enumerate(statement.handlers, 1):
            yield syntax.body_statements(handler), index, False
        if statement.orelse is not None:
            yield syntax.body_statements(statement.orelse), 0, False
        if statement.finalbody is not None:
            yield syntax.body_statements(statement.finalbody), None, False
    elif isinstance(statement, cst.Match):
        for index, case in enumerate(statement.cases):
            yield syntax.body_statements(case), index, False


def _branching(chain: tuple[cst.BaseStatement, ...]) -> tuple[cst.BaseStatement, ...]:
    """The compound statements that may skip or repeat their body (``with`` always runs it once)."""
    return tuple(compound for compound in chain if not isinstance(compound, cst.With))


def scope_index(module: ModuleInfo, scope: Scope) -> ScopeIndex:
    """The index of ``scope`` (a function or module of ``module``), built on first use."""
    cache: dict[int, ScopeIndex] = module.__dict__.setdefault("_scope_indexes", {})
    found = cache.get(id(scope))
    if found is None:
        found = cache[id(scope)] = ScopeIndex.of(scope)
    return found


def here(context: FileContext) -> Where | None:
    """The scope and statement the visit is at."""
    statement = context.enclosing(cst.BaseStatement)
    return (context.scope(), statement) if isinstance(statement, cst.BaseStatement) else None


def reaching_value(module: ModuleInfo, name: str, where: Where | None) -> tuple[cst.BaseExpression, Where] | None:
    """``value`` of the single ``name = value`` that reaches ``where`` (and where it is), when nothing changed it since."""
    if where is None:
        return None
    scope, statement = where
    index = scope_index(module, scope)
    found = index.reaching(name, statement)
    if found is None or found.value is None:
        return None
    if index.mutated_between(name, found.index, index.position[id(statement)]):
        return None
    return found.value, (scope, found.statement)


def root_name(node: cst.BaseExpression) -> str | None:
    """``x`` for ``x``, ``x.a.b``, ``x[i]``, ``x.m()``."""
    while True:
        if isinstance(node, cst.Name):
            return node.value
        if isinstance(node, (cst.Attribute, cst.Subscript)):
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        else:
            return None
