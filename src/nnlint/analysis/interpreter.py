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
from nnlint.analysis.containers import builtin_call, call_arguments, literal, module_dict_entry, named_constant, reference, subscript
from nnlint.analysis.calling import Effects
from nnlint.analysis.env import Env
from nnlint.analysis.frameworks import hf
from nnlint.analysis.methods import MethodCalls
from nnlint.analysis.project import ClassInfo, FunctionInfo, ModuleInfo
from nnlint.analysis.torch_api import FUNCTION_KINDS, LOG_FUNCTIONS, MODEL_WRAPPERS
from nnlint.analysis.values import (
    UNKNOWN,
    Choice,
    ClassRef,
    FunctionRef,
    Instance,
    Kind,
    LambdaRef,
    Mode,
    Tensor,
    Value,
    is_classifier_factory,
    short,
)
from nnlint.analysis.wrappers import unwrap_iteration

_ENVIRON_GETTERS = frozenset(("os.environ.get", "os.getenv"))


class Interpreter(MethodCalls):
    """Expressions: names, attributes, calls, subscripts and literals; the layers below walk
    statements (``statements.py``), scopes (``scopes.py``), calls (``calling.py``), objects'
    attributes (``fields.py``) and method calls (``methods.py``)."""

    def __init__(self, module: ModuleInfo) -> None:
        self.module = module
        self.module_env = Env()  # globals as the module-level walk has them so far
        self._instances: dict[object, Instance] = {}
        self._snapshots: dict[int, Env] = {}
        self._walked: set[int] = set()
        self._in_progress: set[int] = set()
        self._call_memo: dict[object, Effects] = {}
        self._depth = 0
        self._loop_depth = 0
        self._fields: dict[int, dict[str, Value]] = {}  # id(instance) -> attributes as its constructor left them
        self._owners: list[tuple[Instance, ClassInfo] | None] = []  # self and its class, for super(), innermost last
        self._importers_walked = False

    def function(self, node: cst.FunctionDef) -> FunctionInfo:
        known = self.module.functions.get(node.name.value)
        return known if known is not None and known.node is node else FunctionInfo(node, self.module)

    def for_module(self, module: ModuleInfo) -> "Interpreter":
        return interpreter_for(module)

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
            return self.for_module(callee.module).call_lambda(callee, call_arguments(node, lambda inner: self.evaluate(inner, env)))
        if isinstance(callee, ClassRef):
            return self._qualified_call(callee.qualname, node, env)
        if isinstance(callee, Choice):
            results = tuple(self._call_value(option, node, env) for option in callee.options)
            return UNKNOWN if any(result is UNKNOWN for result in results) else Choice(results)
        return UNKNOWN

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


def interpreter_for(module: ModuleInfo) -> Interpreter:
    """One interpreter per module, shared by every file that reads it during a run."""
    found = module.__dict__.get("_interpreter")
    if found is None:
        found = module.__dict__["_interpreter"] = Interpreter(module)
    return found
