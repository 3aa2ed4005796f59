"""A small abstract interpreter: statements in order, values followed through names and calls.

It answers "what is this expression?" at a given statement: ``criterion`` is the
``nn.NLLLoss()`` built four lines up; ``model(x)`` is the logits that
``Net.forward`` returns; ``model`` is in train mode because ``evaluate(model)``
was never preceded by ``model.eval()``. Branches join (a value that differs
between paths becomes unknown), loop bodies are walked twice so that what the
end of one iteration leaves is seen by the next, project functions are entered
with the caller's arguments (to a small depth), and a function's parameters take
the values its call sites in the same file agree on. Unknown stays unknown:
rules report only on known values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.env import Env
from nnlint.analysis.project import ClassInfo, FunctionInfo, ModuleInfo
from nnlint.analysis.sites import CallIndex, Site
from nnlint.analysis.torch_api import (
    FUNCTION_KINDS,
    KIND_PRESERVING_METHODS,
    LAYER_KINDS,
    LOG_FUNCTIONS,
    LOGIT_LAYERS,
    METHOD_KINDS,
    MODE_METHODS,
    MODEL_WRAPPERS,
    PASSTHROUGH_LAYERS,
    SELF_RETURNING_METHODS,
)
from nnlint.analysis.values import (
    UNKNOWN,
    FunctionRef,
    Instance,
    Kind,
    Mode,
    Tensor,
    Value,
    is_classifier_factory,
    join,
    short,
)

MAX_CALL_DEPTH = 3
MAX_REWALKED_LOOP_DEPTH = 4
Scope = cst.Module | cst.FunctionDef


@dataclass
class _Frame:
    returns: list[Value] = field(default_factory=list)
    record: dict[int, Env] | None = None  # statement id -> env before it (reporting walks only)


class Interpreter:
    def __init__(self, module: ModuleInfo) -> None:
        self.module = module
        self.module_env = Env()  # globals as the module-level walk has them so far
        self._instances: dict[int, Instance] = {}
        self._snapshots: dict[int, Env] = {}
        self._walked: set[int] = set()
        self._in_progress: set[int] = set()
        self._call_memo: dict[tuple[object, ...], tuple[Value, dict[Instance, frozenset[Mode]]]] = {}
        self._depth = 0
        self._loop_depth = 0

    # --- queries used by rules -------------------------------------------------------------

    def env_before(self, statement: cst.BaseStatement, scope: Scope) -> Env:
        """The state just before ``statement`` (which lies directly in ``scope``'s statements)."""
        self._walk_scope(scope)
        return self._snapshots.get(id(statement), Env())

    def value(self, expression: cst.BaseExpression, env: Env) -> Value:
        return self.evaluate(expression, env.copy())

    def function(self, node: cst.FunctionDef) -> FunctionInfo:
        known = self.module.functions.get(node.name.value)
        return known if known is not None and known.node is node else FunctionInfo(node, self.module)

    def output_of(self, instance: Instance) -> Value:
        """What calling a module object returns."""
        if instance.qualname in LOGIT_LAYERS:
            return Tensor(Kind.LOGITS, f"the output of {short(instance.qualname)}")
        if instance.qualname in LAYER_KINDS:
            return Tensor(LAYER_KINDS[instance.qualname], f"the output of {short(instance.qualname)}")
        if instance.qualname == "torch.nn.Sequential":
            layers = [layer for layer in instance.layers if not (isinstance(layer, Instance) and layer.qualname in PASSTHROUGH_LAYERS)]
            last = layers[-1] if layers else UNKNOWN
            return self.output_of(last) if isinstance(last, Instance) else UNKNOWN
        if instance.cls is not None and (forward := instance.cls.methods.get("forward")) is not None:
            value, _ = interpreter_for(instance.cls.module).call(forward, [instance], {}, Env())
            if isinstance(value, Tensor):
                return Tensor(value.kind, f"{instance.cls.name}.forward, which returns {value.origin}")
            return value
        if is_classifier_factory(instance.qualname):
            return Tensor(Kind.LOGITS, f"the output of {instance.qualname.rsplit('.', 1)[-1]}")
        return UNKNOWN

    # --- walking scopes --------------------------------------------------------------------

    def _walk_scope(self, scope: Scope) -> None:
        if id(scope) in self._walked or id(scope) in self._in_progress:
            return
        self._in_progress.add(id(scope))
        frame = _Frame(record=self._snapshots)
        if isinstance(scope, cst.Module):
            self.module_env = self._walk_block(list(scope.body), Env(), frame, is_module=True)
        else:
            self._walk_scope(self.module.module)
            self._walk_block(syntax.body_statements(scope.body), self._entry_env(scope), frame)
        self._in_progress.discard(id(scope))
        self._walked.add(id(scope))

    def _entry_env(self, function: cst.FunctionDef) -> Env:
        """Globals, plus parameters bound to what every call site in this file passes."""
        env = Env(dict(self.module_env.names), {})
        info = self.function(function)
        owner = self._owner_class(function)
        params = info.params
        env.names.update((name, UNKNOWN) for name in info.local_names)
        if owner is not None and params:
            env.names[params[0]] = self._self_instance(owner)
            return env
        sites = [site for site in self._call_sites(function.name.value) if site[0] is not function]
        for index, name in enumerate(params):
            values = [self._argument_at(site, index, name) for site in sites]
            merged = values[0] if values else UNKNOWN
            for other in values[1:]:
                merged = join(merged, other)
            env.names[name] = merged
        if sites:
            env.modes = self._modes_at_sites(sites)
        return env

    def _modes_at_sites(self, sites: list[Site]) -> dict[Instance, frozenset[Mode]]:
        """The modes every call site agrees are known (their union: a callee sees any of them)."""
        envs = [self.env_before(statement, scope) for scope, statement, _ in sites]
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

    @cached_property
    def calls(self) -> CallIndex:
        return CallIndex.of(self.module.module)

    def _call_sites(self, name: str) -> list[Site]:
        return self.calls.by_name.get(name, [])

    def _argument_at(self, site: Site, index: int, name: str) -> Value:
        scope, statement, call = site
        if syntax.has_star_args(call):
            return UNKNOWN
        expression = syntax.argument(call, index, name)
        return UNKNOWN if expression is None else self.value(expression, self.env_before(statement, scope))

    def _mode_at(self, site: Site, instance: Instance) -> frozenset[Mode] | None:
        scope, statement, _ = site
        return self.env_before(statement, scope).modes.get(instance)

    def _walk_block(self, statements: list[cst.BaseStatement], env: Env, frame: _Frame, is_module: bool = False) -> Env:
        for statement in statements:
            if frame.record is not None:
                frame.record[id(statement)] = env
            env = self._step(statement, env.copy(), frame)
            if is_module:
                self.module_env = env
        return env

    def _step(self, statement: cst.BaseStatement, env: Env, frame: _Frame) -> Env:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self._small(small, env, frame)
            return env
        if isinstance(statement, cst.If):
            self.evaluate(statement.test, env)
            taken = self._walk_block(syntax.body_statements(statement), env.copy(), frame)
            orelse = statement.orelse
            other = env if orelse is None else self._walk_block([orelse] if isinstance(orelse, cst.If) else syntax.body_statements(orelse), env.copy(), frame)
            return taken.join(other)
        if isinstance(statement, (cst.For, cst.While)):
            return self._loop(statement, env, frame)
        if isinstance(statement, cst.With):
            for item in statement.items:
                value = self.evaluate(item.item, env)
                if item.asname is not None:
                    self._bind(item.asname.name, UNKNOWN if value is not UNKNOWN else value, env)
            return self._walk_block(syntax.body_statements(statement), env, frame)
        if isinstance(statement, (cst.Try, cst.TryStar)):
            end = self._walk_block(syntax.body_statements(statement), env.copy(), frame)
            if statement.orelse is not None:
                end = self._walk_block(syntax.body_statements(statement.orelse), end, frame)
            for handler in statement.handlers:
                end = end.join(self._walk_block(syntax.body_statements(handler), env.join(end), frame))
            if statement.finalbody is not None:
                end = self._walk_block(syntax.body_statements(statement.finalbody), end, frame)
            return end
        if isinstance(statement, cst.FunctionDef):
            env.names[statement.name.value] = FunctionRef(self.function(statement))
            return env
        if isinstance(statement, cst.ClassDef):
            env.names.pop(statement.name.value, None)
            return env
        if isinstance(statement, cst.Match):
            self.evaluate(statement.subject, env)
            end = env
            for case in statement.cases:
                end = end.join(self._walk_block(syntax.body_statements(case), env.copy(), frame))
            return end
        return env

    def _loop(self, statement: cst.For | cst.While, env: Env, frame: _Frame) -> Env:
        entry = env
        # A second pass sees what one iteration leaves for the next; it is skipped when the first
        # changed nothing, and deep inside other loops (each nesting level would double the work).
        passes = 2 if self._loop_depth < MAX_REWALKED_LOOP_DEPTH else 1
        self._loop_depth += 1
        try:
            for _ in range(passes):
                if isinstance(statement, cst.For):
                    self.evaluate(statement.iter, entry)
                    self._bind(statement.target, UNKNOWN, entry)
                else:
                    self.evaluate(statement.test, entry)
                end = self._walk_block(syntax.body_statements(statement), entry.copy(), frame)
                joined = env.join(end)
                if joined == entry:
                    break
                entry = joined
        finally:
            self._loop_depth -= 1
        if statement.orelse is not None:
            entry = self._walk_block(syntax.body_statements(statement.orelse), entry, frame)
        return entry

    def _small(self, small: cst.BaseSmallStatement, env: Env, frame: _Frame) -> None:
        if isinstance(small, cst.Assign):
            value = self.evaluate(small.value, env)
            for target in small.targets:
                self._bind(target.target, value, env)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self._bind(small.target, self.evaluate(small.value, env), env)
        elif isinstance(small, cst.AugAssign):
            self.evaluate(small.value, env)
            self._bind(small.target, UNKNOWN, env)
        elif isinstance(small, cst.Expr):
            self.evaluate(small.value, env)
        elif isinstance(small, cst.Return):
            frame.returns.append(UNKNOWN if small.value is None else self.evaluate(small.value, env))
        elif isinstance(small, cst.Del):
            for name in syntax.names_in(small.target):
                env.names[name] = UNKNOWN

    def _bind(self, target: cst.BaseExpression, value: Value, env: Env) -> None:
        if isinstance(target, cst.Name):
            env.names[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value, UNKNOWN, env)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, UNKNOWN, env)

    # --- expressions -----------------------------------------------------------------------

    def evaluate(self, node: cst.BaseExpression, env: Env) -> Value:
        """The value of ``node``; calls may change ``env.modes`` (``model.eval()``)."""
        if isinstance(node, cst.Name):
            return env.names.get(node.value, self.module_env.names.get(node.value, UNKNOWN))
        if isinstance(node, cst.Attribute):
            return self._attribute(node, env)
        if isinstance(node, cst.Call):
            for arg in node.args:  # calls inside arguments may have effects: print(f"{evaluate(model)}")
                for inner in [arg.value] if isinstance(arg.value, cst.Call) else syntax.calls_in(arg.value):
                    self.evaluate(inner, env)
            return self._call(node, env)
        if isinstance(node, cst.NamedExpr):
            value = self.evaluate(node.value, env)
            self._bind(node.target, value, env)
            return value
        return UNKNOWN

    def _attribute(self, node: cst.Attribute, env: Env) -> Value:
        owner = self.evaluate(node.value, env) if not isinstance(node.value, cst.Call) else UNKNOWN
        if isinstance(owner, Instance) and owner.cls is not None:
            expression = owner.cls.attributes.get(node.attr.value)
            if expression is not None:
                return interpreter_for(owner.cls.module).evaluate(expression, Env())
        return UNKNOWN

    def _call(self, node: cst.Call, env: Env) -> Value:
        qualname = self.module.qualify(node.func)
        if qualname is not None:
            return self._qualified_call(qualname, node, env)
        if isinstance(node.func, cst.Attribute):
            submodule = self._attribute(node.func, env)
            if isinstance(submodule, Instance):
                return self.output_of(submodule)
            receiver = self.evaluate(node.func.value, env)
            return self._method_call(receiver, node.func.attr.value, node, env)
        callee = self.evaluate(node.func, env)
        if isinstance(callee, Instance):
            return self.output_of(callee)
        if isinstance(callee, FunctionRef):
            return self._enter(callee.info, node, env)
        return UNKNOWN

    def _qualified_call(self, qualname: str, node: cst.Call, env: Env) -> Value:
        first = syntax.argument(node, 0, "input")
        if qualname in FUNCTION_KINDS:
            return Tensor(FUNCTION_KINDS[qualname], f"{short(qualname)}(...)")
        if qualname in LOG_FUNCTIONS and first is not None:
            inner = self.evaluate(first, env)
            if isinstance(inner, Tensor) and inner.kind in (Kind.PROBS, Kind.SIGMOID):
                return Tensor(Kind.LOG_PROBS, f"the log of {inner.origin}")
            return UNKNOWN
        if qualname in MODEL_WRAPPERS and first is not None:
            return self.evaluate(first, env)
        function = self.module.project.find_function(qualname, self.module)
        if function is not None:
            return self._enter(function, node, env)
        cls = self.module.project.find_class(qualname, self.module)
        last = qualname.rsplit(".", 1)[-1]
        if cls is None and not (last[:1].isupper() or is_classifier_factory(qualname)):
            return UNKNOWN
        instance = self._instance(qualname, node, cls, env)
        env.modes[instance] = frozenset({Mode.TRAIN})
        return instance

    def _instance(self, qualname: str, node: cst.Call, cls: ClassInfo | None, env: Env) -> Instance:
        if id(node) not in self._instances:
            layers: tuple[Value, ...] = ()
            if qualname == "torch.nn.Sequential" and not syntax.has_star_args(node):
                layers = tuple(self.evaluate(arg.value, env.copy()) for arg in node.args)
            elif qualname == "torch.nn.ModuleList" and isinstance(items := syntax.argument(node, 0, "modules"), (cst.List, cst.Tuple)):
                layers = tuple(self.evaluate(element.value, env.copy()) for element in items.elements)
            self._instances[id(node)] = Instance(qualname, node, self.module.key, cls, layers)
        return self._instances[id(node)]

    def _method_call(self, receiver: Value, method: str, node: cst.Call, env: Env) -> Value:
        if isinstance(receiver, Instance):
            if method in MODE_METHODS:
                flag = syntax.literal_bool(syntax.argument(node, 0, "mode"))
                training = method == "train" and flag is not False
                if method == "train" and flag is None and node.args:
                    env.modes.pop(receiver, None)  # model.train(some_flag): unknown
                else:
                    env.modes[receiver] = frozenset({Mode.TRAIN if training else Mode.EVAL})
                return receiver
            if method in SELF_RETURNING_METHODS:
                return receiver
            if method == "forward":
                return self.output_of(receiver)
            return UNKNOWN
        if isinstance(receiver, Tensor):
            if method in METHOD_KINDS:
                return Tensor(METHOD_KINDS[method], f".{method}()")
            if method == "log" and receiver.kind in (Kind.PROBS, Kind.SIGMOID):
                return Tensor(Kind.LOG_PROBS, f"the log of {receiver.origin}")
            if method in KIND_PRESERVING_METHODS:
                return receiver
        return UNKNOWN

    def _enter(self, function: FunctionInfo, node: cst.Call, env: Env) -> Value:
        if syntax.has_star_args(node):
            return UNKNOWN
        arguments = [self.evaluate(arg.value, env) for arg in node.args if arg.keyword is None]
        keywords = {arg.keyword.value: self.evaluate(arg.value, env) for arg in node.args if arg.keyword is not None}
        value, modes = interpreter_for(function.module).call(function, arguments, keywords, env)
        env.modes.update(modes)
        return value

    def call(self, function: FunctionInfo, arguments: list[Value], keywords: dict[str, Value], caller: Env) -> tuple[Value, dict[Instance, frozenset[Mode]]]:
        """Run ``function`` on these arguments: its return value and the modes it leaves its arguments in."""
        passed = [*arguments, *keywords.values()]
        instances = [value for value in passed if isinstance(value, Instance)]
        key = (id(function.node), tuple(id(v) for v in arguments), tuple(sorted((k, id(v)) for k, v in keywords.items())),
               tuple(caller.modes.get(i) for i in instances))
        if key in self._call_memo:
            return self._call_memo[key]
        if self._depth >= MAX_CALL_DEPTH:
            return UNKNOWN, {}
        env = Env(dict(self.module_env.names), {i: caller.modes[i] for i in instances if i in caller.modes})
        env.names.update((name, UNKNOWN) for name in function.local_names)
        for index, name in enumerate(function.params):
            env.names[name] = arguments[index] if index < len(arguments) else keywords.get(name, UNKNOWN)
        frame = _Frame()
        self._depth += 1
        try:
            end = self._walk_block(syntax.body_statements(function.node.body), env, frame)
        finally:
            self._depth -= 1
        value: Value = frame.returns[0] if frame.returns else UNKNOWN
        for other in frame.returns[1:]:
            value = join(value, other)
        result = (value, {i: end.modes[i] for i in instances if i in end.modes})
        self._call_memo[key] = result
        return result


def interpreter_for(module: ModuleInfo) -> Interpreter:
    """One interpreter per module, shared by every file that reads it during a run."""
    found = module.__dict__.get("_interpreter")
    if found is None:
        found = module.__dict__["_interpreter"] = Interpreter(module)
    return found
