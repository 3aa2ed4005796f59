"""A small abstract interpreter: statements in order, values followed through names and calls.

It answers "what is this expression?" at a given statement: ``criterion`` is the
``nn.NLLLoss()`` built four lines up; ``model(x)`` is the logits that
``Net.forward`` returns; ``model`` is in train mode because ``evaluate(model)``
was never preceded by ``model.eval()``. Branches join (a value that differs
between paths becomes unknown), loop bodies are walked twice so that what the
end of one iteration leaves is seen by the next, project functions are entered
with the caller's arguments (to a small depth), and a function's parameters take
the values its call sites in the same file agree on. Values also travel through
object attributes (``self.model = model``, see ``objects.py``), containers and
keyword dicts (``containers.py``) and configuration (``config.py``): parameters
are bound at each call site with positional, keyword, default, ``*args`` and
``**kwargs`` parameters. Unknown stays unknown: rules report only on known values.
"""

from __future__ import annotations

import libcst as cst

from nnlint.analysis import config, syntax
from nnlint.analysis.callers import foreign_sites, importers
from nnlint.analysis.closures import calls_of, closure, remember_call
from nnlint.analysis.containers import (
    NAMESPACES,
    builtin_call,
    call_arguments,
    literal,
    mapping_method,
    module_dict_entry,
    named_constant,
    reference,
    subscript,
)
from nnlint.analysis.env import Env
from nnlint.analysis.frameworks import accelerate, hf
from nnlint.analysis.objects import base_method, bind_parameters, find_method, is_record_class, joined_arguments, record_fields
from nnlint.analysis.project import ClassInfo, FunctionInfo, ModuleInfo
from nnlint.analysis.sites import CallIndex, Site
from nnlint.analysis.statements import Frame, StatementWalker
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
from nnlint.analysis.wrappers import unwrap_iteration
from nnlint.analysis.values import (
    UNKNOWN,
    Arguments,
    Choice,
    Constant,
    ClassRef,
    FunctionRef,
    Instance,
    Kind,
    LambdaRef,
    Mapping,
    Mode,
    Sequence,
    Tensor,
    Value,
    is_classifier_factory,
    join,
    short,
)

MAX_CALL_DEPTH = 3
_ENVIRON_GETTERS = frozenset(("os.environ.get", "os.getenv"))
_LIST_MUTATORS = frozenset(("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"))
Scope = cst.Module | cst.FunctionDef


class Interpreter(StatementWalker):
    def __init__(self, module: ModuleInfo) -> None:
        self.module = module
        self.module_env = Env()  # globals as the module-level walk has them so far
        self._instances: dict[object, Instance] = {}
        self._snapshots: dict[int, Env] = {}
        self._walked: set[int] = set()
        self._in_progress: set[int] = set()
        self._call_memo: dict[tuple[object, ...], tuple[Value, dict[Instance, frozenset[Mode]]]] = {}
        self._depth = 0
        self._loop_depth = 0
        self._fields: dict[int, dict[str, Value]] = {}  # id(instance) -> attributes as its constructor left them
        self._owners: list[tuple[Instance, ClassInfo] | None] = []  # self and its class, for super(), innermost last
        self._importers_walked = False

    # --- queries used by rules -------------------------------------------------------------

    def env_before(self, statement: cst.BaseStatement, scope: Scope) -> Env:
        """The state just before ``statement`` (which lies directly in ``scope``'s statements)."""
        self._walk_scope(scope)
        return self._snapshots.get(id(statement), Env())

    def walk(self, scope: Scope) -> None:
        """Walk ``scope`` (once): the functions it calls run, and what they loop over is remembered."""
        self._walk_scope(scope)

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
        if instance.cls is not None and (forward := find_method(instance.cls, "forward")) is not None:
            value, _, _ = interpreter_for(forward.module).call(forward, Arguments((instance,), Mapping(())), Env())
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

    def _modes_at_sites(self, sites: list[tuple["Interpreter", Site]]) -> dict[Instance, frozenset[Mode]]:
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

    def _sites_of(self, name: str, exported: bool) -> list[tuple["Interpreter", Site]]:
        """Calls of ``name`` in this file and, for a top-level name (``exported``), in the project files
        that import it (``Trainer(model, loader, opt)`` in train.py for ``Trainer`` of trainer.py)."""
        found = [(self, site) for site in self.calls.by_name.get(name, [])]
        if exported:
            found.extend((interpreter_for(module), site) for module, site in foreign_sites(self.module, name))
        return found

    def _arguments_at(self, site: Site) -> Arguments:
        scope, statement, call = site
        env = self.env_before(statement, scope).copy()
        return call_arguments(call, lambda expression: self.evaluate(expression, env))

    def iterated(self, loop: cst.For, env: Env) -> Value:
        """What ``loop`` iterates; an object built in another file is remembered with the loop (``callers.loops_over``)."""
        source = self.iterated_expression(loop.iter, env)
        if isinstance(source, Instance) and source.call is not None and source.module_key != self.module.key:
            self.module.project.remember_iteration(source, self.module, loop)
        return source

    def iterated_expression(self, expression: cst.BaseExpression, env: Env) -> Value:
        """The value whose elements a loop over ``expression`` receives: through ``enumerate``/``tqdm``/... wrappers."""
        return self.evaluate(unwrap_iteration(self.module, expression), env)

    def evaluate(self, node: cst.BaseExpression, env: Env) -> Value:
        """The value of ``node``; calls may change ``env.modes`` (``model.eval()``)."""
        if isinstance(node, cst.Name):
            found = env.names.get(node.value, self.module_env.names.get(node.value))
            return found if found is not None else named_constant(node.value) or reference(self.module.qualify(node)) or UNKNOWN
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
        if isinstance(node, cst.Subscript):
            key = self._index(node, env)
            entry = module_dict_entry(node, key, self.module.qualify)
            return entry if entry is not None else subscript(self.evaluate(node.value, env), key)
        if isinstance(node, cst.Lambda):
            return LambdaRef(node, self.module, dict(env.names))
        found = literal(node, lambda inner: self.evaluate(inner, env))
        return UNKNOWN if found is None else found

    def _attribute(self, node: cst.Attribute, env: Env) -> Value:
        owner = self.evaluate(node.value, env) if not isinstance(node.value, cst.Call) else UNKNOWN
        if owner is UNKNOWN and (named := reference(self.module.qualify(node))) is not None:
            return named
        return self.member(owner, node.attr.value, env)

    def member(self, owner: Value, name: str, env: Env) -> Value:
        """``owner.name``: assigned on this path, else as the constructor left it (a namespace: its option)."""
        if not isinstance(owner, Instance):
            return UNKNOWN
        if (owner, name) in env.fields:
            return env.fields[(owner, name)]
        if owner.qualname in NAMESPACES and owner.arguments is not None:
            return owner.arguments.keywords.get(name) or UNKNOWN
        if owner.cls is not None:
            return self.initial_fields(owner).get(name, UNKNOWN)
        return UNKNOWN

    def initial_fields(self, instance: Instance) -> dict[str, Value]:
        """What ``__init__`` stores on ``instance`` (run with its constructor's arguments; the generic
        ``self`` of a method gets what this file's construction sites of the class agree on)."""
        cls = instance.cls
        if cls is None:
            return {}
        if id(instance) not in self._fields:
            self._fields[id(instance)] = {}  # a constructor that reads its own fields sees none
            arguments = instance.arguments if instance.call is not None else self._construction_arguments(cls)
            init = find_method(cls, "__init__")
            if init is None:
                found = record_fields(cls, arguments, interpreter_for(cls.module)) if is_record_class(cls) else {}
            else:
                passed = Arguments((instance, *arguments.positional), arguments.keywords, arguments.exact) if arguments else None
                _, _, fields = interpreter_for(init.module).call(init, passed or Arguments((instance,), Mapping((), False), False), Env(),
                                                                 owner=(instance, init.owner or cls))
                found = {name: value for (owner, name), value in fields.items() if owner is instance}
            self._fields[id(instance)] = found
        return self._fields[id(instance)]

    def made_by(self, factory: cst.BaseExpression, site: cst.Call) -> Value:
        """What calling ``factory`` with no arguments makes (``field(default_factory=...)`` at ``site``): a lambda's
        body, or an object of the class named; one object per site, built with no arguments."""
        if isinstance(factory, cst.Lambda):
            parameters = factory.params
            takes = (*parameters.posonly_params, *parameters.params, *parameters.kwonly_params)
            return UNKNOWN if any(param.default is None for param in takes) else self.value(factory.body, Env())
        made = self.value(factory, Env())
        if not isinstance(made, ClassRef):
            return UNKNOWN
        key = (id(site), made.qualname)
        if key not in self._instances:
            cls = self.module.project.find_class(made.qualname, self.module)
            self._instances[key] = Instance(made.qualname, site, self.module.key, cls, (), Arguments((), Mapping(())))
        return self._instances[key]

    def _construction_arguments(self, cls: ClassInfo) -> Arguments | None:
        if cls.module is not self.module:
            return interpreter_for(cls.module)._construction_arguments(cls)
        sites = self._sites_of(cls.name, self.module.classes.get(cls.name) is cls)
        return joined_arguments([where._arguments_at(site) for where, site in sites])

    def _call(self, node: cst.Call, env: Env) -> Value:
        qualname = self.module.qualify(node.func)
        if qualname is not None:
            return self._qualified_call(qualname, node, env)
        if isinstance(node.func, cst.Name) and node.func.value not in env.names and node.func.value not in self.module_env.names:
            builtin = builtin_call(node.func.value, node, lambda inner: self.evaluate(inner, env), lambda owner, name: self.member(owner, name, env), self.module.qualify)
            if builtin is not None:
                return builtin
        if isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Call) and syntax.dotted_name(node.func.value.func) == "super":
            return self._super_call(node.func.attr.value, node, env)
        if isinstance(node.func, cst.Attribute):
            submodule = self._attribute(node.func, env)
            if isinstance(submodule, Instance):
                return self.output_of(submodule)
            receiver = self.evaluate(node.func.value, env)
            return self._method_call(receiver, node.func.attr.value, node, env)
        return self._call_value(self.evaluate(node.func, env), node, env)

    def _call_value(self, callee: Value, node: cst.Call, env: Env) -> Value:
        """Calling a value: a module object, a project function, a named class, each option of a registry."""
        if isinstance(callee, Instance):
            return self.output_of(callee)
        if isinstance(callee, FunctionRef):
            return self._enter(callee.info, node, env, closure_names=callee.closure, through_value=True)
        if isinstance(callee, LambdaRef):
            return interpreter_for(callee.module).call_lambda(callee, call_arguments(node, lambda inner: self.evaluate(inner, env)))
        if isinstance(callee, ClassRef):
            return self._qualified_call(callee.qualname, node, env)
        if isinstance(callee, Choice):
            results = tuple(self._call_value(option, node, env) for option in callee.options)
            return UNKNOWN if any(result is UNKNOWN for result in results) else Choice(results)
        return UNKNOWN

    def _super_call(self, method: str, node: cst.Call, env: Env) -> Value:
        """``super().method(...)``: the base class's method, run on the same ``self``."""
        owner = self._owners[-1] if self._owners else None
        function = base_method(owner[1], method) if owner is not None else None
        return UNKNOWN if function is None or owner is None else self._enter(function, node, env, receiver=owner[0])

    def _qualified_call(self, qualname: str, node: cst.Call, env: Env) -> Value:
        first = syntax.argument(node, 0, "input")
        if qualname in _ENVIRON_GETTERS:
            return config.environ_default(call_arguments(node, lambda inner: self.evaluate(inner, env)))
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
        if (built := hf.built_class(qualname)) is not None:
            return self._instance(built, node, None, env)
        cls = self.module.project.find_class(qualname, self.module)
        last = qualname.rsplit(".", 1)[-1]
        if cls is None and not (last[:1].isupper() or is_classifier_factory(qualname)):
            return UNKNOWN
        instance = self._instance(qualname, node, cls, env)
        env.modes[instance] = frozenset({Mode.TRAIN})
        return instance

    def _instance(self, qualname: str, node: cst.Call, cls: ClassInfo | None, env: Env) -> Instance:
        key = (id(node), qualname)  # one object per call site and class: a registry's call builds one of each option
        if key not in self._instances:
            layers: tuple[Value, ...] = ()
            if qualname == "torch.nn.Sequential" and not syntax.has_star_args(node):
                layers = tuple(self.evaluate(arg.value, env.copy()) for arg in node.args)
            elif qualname == "torch.nn.ModuleList" and isinstance(items := syntax.argument(node, 0, "modules"), (cst.List, cst.Tuple)):
                layers = tuple(self.evaluate(element.value, env.copy()) for element in items.elements)
            arguments = call_arguments(node, lambda inner: self.evaluate(inner, env.copy()))
            self._instances[key] = Instance(qualname, node, self.module.key, cls, layers, arguments)
        return self._instances[key]

    def _method_call(self, receiver: Value, method: str, node: cst.Call, env: Env) -> Value:
        if isinstance(receiver, Instance):
            if method in MODE_METHODS:
                flag = self._flag(syntax.argument(node, 0, "mode"), env)
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
            if receiver.qualname in config.PARSERS:
                return config.parser_call(receiver, method, node, env, lambda inner: self.evaluate(inner, env), self._instances, self.module.key)
            if accelerate.is_accelerator(receiver):
                return accelerate.method_result(method, call_arguments(node, lambda inner: self.evaluate(inner, env)))
            function = find_method(receiver.cls, method) if receiver.cls is not None else None
            return UNKNOWN if function is None else self._enter(function, node, env, receiver=receiver)
        if isinstance(receiver, Sequence) and method in _LIST_MUTATORS and isinstance(node.func, cst.Attribute):
            self._bind(node.func.value, Sequence((), False, receiver.origin), env)  # still a plain list, of unknown length
            return UNKNOWN
        if isinstance(receiver, Mapping):
            value, changed = mapping_method(receiver, method, call_arguments(node, lambda inner: self.evaluate(inner, env)))
            if changed is not None and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name):
                env.names[node.func.value.value] = changed
            return value
        if isinstance(receiver, Tensor):
            if method in METHOD_KINDS:
                return Tensor(METHOD_KINDS[method], f".{method}()")
            if method == "log" and receiver.kind in (Kind.PROBS, Kind.SIGMOID):
                return Tensor(Kind.LOG_PROBS, f"the log of {receiver.origin}")
            if method in KIND_PRESERVING_METHODS:
                return receiver
        return UNKNOWN

    def _flag(self, node: cst.BaseExpression | None, env: Env) -> bool | None:
        """A boolean argument known on this path (``model.train(is_train)`` with ``is_train = split == "train"``)."""
        value = self.evaluate(node, env) if node is not None else UNKNOWN
        return value.value if isinstance(value, Constant) and isinstance(value.value, bool) and not value.overridable else None

    def _enter(self, function: FunctionInfo, node: cst.Call, env: Env, receiver: Instance | None = None,
               closure_names: dict[str, Value] | None = None, through_value: bool = False) -> Value:
        arguments = call_arguments(node, lambda inner: self.evaluate(inner, env))
        if receiver is not None:
            arguments = Arguments((receiver, *arguments.positional), arguments.keywords, arguments.exact)
        if through_value:
            remember_call(function.module, function.node, arguments)
        owner = (receiver, function.owner) if receiver is not None and function.owner is not None else None
        value, modes, fields = interpreter_for(function.module).call(function, arguments, env, owner, closure_names)
        env.modes.update(modes)
        env.fields.update(fields)
        return value

    def call(self, function: FunctionInfo, arguments: Arguments, caller: Env,
             owner: tuple[Instance, ClassInfo] | None = None,
             closure_names: dict[str, Value] | None = None) -> tuple[Value, dict[Instance, frozenset[Mode]], dict[tuple[Instance, str], Value]]:
        """Run ``function`` on these arguments (a nested function: with the names it closes over): its return value,
        and the modes and attributes it leaves its arguments with."""
        instances = [v for v in (*arguments.positional, *(value for _, value in arguments.keywords.entries)) if isinstance(v, Instance)]
        passed_fields = caller.fields_of(instances)
        try:
            key: object = (id(function.node), arguments, tuple(caller.modes.get(i) for i in instances), frozenset(passed_fields.items()))
            hash(key)
        except TypeError:
            key = None
        if closure_names is not None:
            key = None  # a closure is one object: not memoised by identity
        if key is not None and key in self._call_memo:
            return self._call_memo[key]
        if self._depth >= MAX_CALL_DEPTH:
            return UNKNOWN, {}, {}
        env = Env(dict(self.module_env.names), {i: caller.modes[i] for i in instances if i in caller.modes}, passed_fields)
        env.names.update(closure_names or {})
        bind_parameters(function.node.params, arguments, env, self._default)
        frame = Frame()
        self._depth += 1
        self._owners.append(owner)
        try:
            end = self._walk_block(syntax.body_statements(function.node.body), env, frame)
        finally:
            self._depth -= 1
            self._owners.pop()
        results = frame.yields or frame.returns  # a generator is what it loops over (its batches come from there)
        value: Value = results[0] if results else UNKNOWN
        for other in results[1:]:
            value = join(value, other)
        result = (value, {i: end.modes[i] for i in instances if i in end.modes}, end.fields_of(instances))
        if key is not None:
            self._call_memo[key] = result
        return result

    def call_lambda(self, function: LambdaRef, arguments: Arguments) -> Value:
        """Call a lambda of this module: its body, with the names it closes over and its parameters bound."""
        remember_call(self.module, function.node, arguments)
        if self._depth >= MAX_CALL_DEPTH:
            return UNKNOWN
        env = Env({**self.module_env.names, **function.closure})
        bind_parameters(function.node.params, arguments, env, self._default)
        self._depth += 1
        try:
            return self.evaluate(function.node.body, env)
        finally:
            self._depth -= 1

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
            other = interpreter_for(importer)
            other.walk(importer.module)
            for function in importer.functions.values():
                other.walk(function.node)

    def _default(self, expression: cst.BaseExpression) -> Value:
        """A parameter's default, evaluated in the function's module."""
        return self.value(expression, Env())



def interpreter_for(module: ModuleInfo) -> Interpreter:
    """One interpreter per module, shared by every file that reads it during a run."""
    found = module.__dict__.get("_interpreter")
    if found is None:
        found = module.__dict__["_interpreter"] = Interpreter(module)
    return found
