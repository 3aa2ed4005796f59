"""Where a scope's walk starts, and the walks rules ask for.

A function is walked on its own (for the rules that visit its statements) from an entry
state: the module's globals, a nested function's closure, and parameters bound to what every
call site passes, in this file and in the project files that import it (``callers.py``), or,
for a function only ever called through a value, what those calls passed (``closures.py``).
A method's ``self`` is the generic object of its class. The state before each statement is
kept (``env_before``), so rules read values at the statement they visit.
"""

from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.callers import foreign_method_sites, foreign_sites, importers
from nnlint.analysis.closures import calls_of, closure
from nnlint.analysis.containers import call_arguments
from nnlint.analysis.env import Env
from nnlint.analysis.objects import bind_parameters, joined_arguments
from nnlint.analysis.project import ClassInfo, ModuleInfo
from nnlint.analysis.sites import CallIndex, Site
from nnlint.analysis.statements import Frame, StatementWalker
from nnlint.analysis.values import UNKNOWN, Arguments, Instance, Mode, Value

Scope = cst.Module | cst.FunctionDef


class ScopeWalker(StatementWalker):
    """The walks of whole scopes, and the state each starts from."""

    _instances: dict[object, Instance]
    _snapshots: dict[int, Env]
    _walked: set[int]
    _in_progress: set[int]
    _owners: list[tuple[Instance, ClassInfo] | None]
    _importers_walked: bool

    def env_before(self, statement: cst.BaseStatement, scope: Scope) -> Env:
        """The state just before ``statement`` (which lies directly in ``scope``'s statements)."""
        self._walk_scope(scope)
        return self._snapshots.get(id(statement), Env())

    def walk(self, scope: Scope) -> None:
        """Walk ``scope`` (once): the functions it calls run, and what they loop over is remembered."""
        self._walk_scope(scope)

    def value(self, expression: cst.BaseExpression, env: Env) -> Value:
        return self.evaluate(expression, env.copy())

    def _walk_scope(self, scope: Scope) -> None:
        if id(scope) in self._walked or id(scope) in self._in_progress:
            return
        self._in_progress.add(id(scope))
        frame = Frame(record=self._snapshots)
        if isinstance(scope, cst.Module):
            self._owners.append(None)
            self.module_env = self._walk_block(list(scope.body), Env(), frame, is_module=True)
        else:
            self._walk_scope(self.module.module)
            owner = self._owner_class(scope)
            entry = self._entry_env(scope)
            self._owners.append(None if owner is None else (self._self_instance(owner), owner))
            self._walk_block(syntax.body_statements(scope.body), entry, frame)
        self._owners.pop()
        self._in_progress.discard(id(scope))
        self._walked.add(id(scope))

    def _entry_env(self, function: cst.FunctionDef) -> Env:
        """Globals (and a nested function's closure), plus parameters bound to what every call site passes: in this
        file and the files importing it, or, for a nested function called only through a value, those calls."""
        env = Env(dict(self.module_env.names), {})
        info = self.function(function)
        owner = self._owner_class(function)
        params = info.params
        env.names.update((name, UNKNOWN) for name in info.local_names)
        if owner is not None and params:
            env.names[params[0]] = self._self_instance(owner)
            sites = [(where, site) for where, site in self._method_sites(owner, function.name.value) if site[0] is not function]
            if sites:
                env.modes = self._modes_at_sites(sites)
            return env
        enclosing = self.module.enclosing.get(id(function))
        if enclosing is not None:  # a nested function: the enclosing function's names at its def
            env.names.update(closure(enclosing, self.env_before(function, enclosing)))
            env.names.update((name, UNKNOWN) for name in info.local_names)
        exported = self.module.functions.get(function.name.value) is info
        sites = [(where, site) for where, site in self._sites_of(function.name.value, exported) if site[0] is not function]
        through_values = self._value_calls(function) if enclosing is not None and not sites else []  # returned, called elsewhere
        joined = joined_arguments([where._arguments_at(site) for where, site in sites] + through_values)
        if joined is not None:
            bind_parameters(function.params, joined, env, self._default)
        if sites:
            env.modes = self._modes_at_sites(sites)
        return env

    def _modes_at_sites(self, sites: list[tuple["ScopeWalker", Site]]) -> dict[Instance, frozenset[Mode]]:
        """The modes every call site agrees are known (their union: a callee sees any of them)."""
        envs = [where.env_before(statement, scope) for where, (scope, statement, _) in sites]
        shared = set(envs[0].modes).intersection(*(env.modes for env in envs[1:]))
        return {instance: frozenset().union(*(env.modes[instance] for env in envs)) for instance in shared}

    def _owner_class(self, function: cst.FunctionDef) -> ClassInfo | None:
        for cls in self.module.classes.values():
            if cls.methods.get(function.name.value) is not None and cls.methods[function.name.value].node is function:
                return cls
        return None

    def _self_instance(self, cls: ClassInfo) -> Instance:
        key = id(cls.node)
        if key not in self._instances:
            self._instances[key] = Instance(cls.qualname, None, self.module.key, cls)
        return self._instances[key]

    @property
    def calls(self) -> CallIndex:
        return self.module.calls

    def _sites_of(self, name: str, exported: bool) -> list[tuple["ScopeWalker", Site]]:
        """Calls of ``name`` in this file and, for a top-level name (``exported``), in the project files
        that import it (``Trainer(model, loader, opt)`` in train.py for ``Trainer`` of trainer.py)."""
        found = [(self, site) for site in self.calls.by_name.get(name, [])]
        if exported:
            found.extend((self.for_module(module), site) for module, site in foreign_sites(self.module, name))
        return found

    def _method_sites(self, owner: ClassInfo, name: str) -> list[tuple["ScopeWalker", Site]]:
        """Calls ``x.name(...)`` whose ``x`` is an object of ``owner``: in this file (``self._validate()``) and in the
        files importing the class (``evaluator.run()`` in train.py)."""
        candidates = [(self, site) for site in self.calls.by_attribute.get(name, [])]
        if self.module.classes.get(owner.name) is owner:
            candidates.extend((self.for_module(module), site) for module, site in foreign_method_sites(self.module, owner.name, name))
        found = []
        for where, (scope, statement, call) in candidates:
            assert isinstance(call.func, cst.Attribute)
            receiver = where.value(call.func.value, where.env_before(statement, scope))
            if isinstance(receiver, Instance) and receiver.cls is not None and receiver.cls.qualname == owner.qualname:  # by name:
                # an importer walked before this file's check holds objects of the class as parsed then
                found.append((where, (scope, statement, call)))
        return found

    def _arguments_at(self, site: Site) -> Arguments:
        scope, statement, call = site
        env = self.env_before(statement, scope).copy()
        return call_arguments(call, lambda expression: self.evaluate(expression, env))

    def lambda_env(self, node: cst.Lambda, env: Env) -> Env:
        """``env`` (where the lambda is written) with its parameters bound to what every call through a value agrees on."""
        inner = env.copy()
        parameters = node.params
        inner.names.update((param.name.value, UNKNOWN) for param in (*parameters.posonly_params, *parameters.params, *parameters.kwonly_params,
                                                                     parameters.star_arg, parameters.star_kwarg) if isinstance(param, cst.Param))
        joined = joined_arguments(self._value_calls(node))
        if joined is not None:
            bind_parameters(parameters, joined, inner, self._default)
        return inner

    def closure_at(self, definition: cst.FunctionDef, env: Env) -> dict[str, Value] | None:
        enclosing = self.module.enclosing.get(id(definition))
        return closure(enclosing, env) if enclosing is not None else None

    def _value_calls(self, function: cst.FunctionDef | cst.Lambda) -> list[Arguments]:
        """The arguments of the calls through a value of ``function``: the files importing this one are walked first."""
        self.walk_importers()
        return calls_of(self.module, function)

    def walk_importers(self) -> None:
        """Walk the project files importing this one (once): what they run with this file's objects is remembered."""
        if self._importers_walked:
            return
        self._importers_walked = True
        for importer in importers(self.module, None):
            other = self.for_module(importer)
            other.walk(importer.module)
            for function in importer.functions.values():
                other.walk(function.node)

    def _default(self, expression: cst.BaseExpression) -> Value:
        """A parameter's default, evaluated in the function's module."""
        return self.value(expression, Env())
