"""Facts about model code that several rules share: which class and method a node is in,
what a layer object is (a module, one with parameters), literal numbers,
and which classes of a file are moved to a GPU.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.env import Env
from nnlint.analysis.interpreter import interpreter_for
from nnlint.analysis.project import ClassInfo, ModuleInfo
from nnlint.analysis.training import is_model, is_module_class
from nnlint.analysis.torch_api import (
    MODULE_CONTAINERS,
    PARAMETER_CLASSES,
    PARAMETERLESS_LAYERS,
    SHAPE_ONLY_ATTRIBUTES,
    SHAPE_ONLY_FUNCTIONS,
)
from nnlint.analysis.values import Instance, Value, is_classifier_factory

_GPU_PREFIXES = ("cuda", "mps", "xpu")
_REGISTERING = frozenset(("add_module", "register_module", "register_parameter", "register_buffer"))


# --- where the visit is ----------------------------------------------------------------------------


def class_info(node: cst.ClassDef, module: ModuleInfo) -> ClassInfo:
    """The project index's summary of ``node`` (classes nested in functions get one of their own, cached)."""
    known = module.classes.get(node.name.value)
    if known is not None and known.node is node:
        return known
    cache: dict[int, ClassInfo] = module.__dict__.setdefault("_nested_classes", {})
    return cache.setdefault(id(node), ClassInfo(node, module))


def enclosing_method(context: FileContext) -> tuple[ClassInfo, cst.FunctionDef] | None:
    """The innermost class whose method the visit is in (code in a function nested in the method counts), and that method."""
    ancestors = context.ancestors
    for index in range(len(ancestors) - 3, -1, -1):
        node, method = ancestors[index], ancestors[index + 2]
        if isinstance(node, cst.ClassDef) and isinstance(method, cst.FunctionDef):
            return class_info(node, context.info), method
    return None


def enclosing_module_method(context: FileContext, *names: str) -> tuple[ClassInfo, cst.FunctionDef] | None:
    """Like ``enclosing_method``, only for ``nn.Module`` subclasses (and only methods in ``names``, when given)."""
    found = enclosing_method(context)
    if found is None or (names and found[1].name.value not in names) or not is_module_class(found[0]):
        return None
    return found


def first_param(method: cst.FunctionDef) -> str | None:
    """``self`` (whatever it is called) of a plain method; None for static methods and methods without parameters."""
    if any(syntax.dotted_name(d.decorator) in ("staticmethod", "classmethod") for d in method.decorators):
        return None
    params = [*method.params.posonly_params, *method.params.params]
    return params[0].name.value if params else None


# --- names and literals ----------------------------------------------------------------------------


def self_attribute(node: cst.BaseExpression, owner: str = "self") -> str | None:
    """``X`` for ``self.X``."""
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == owner:
        return node.attr.value
    return None


def root_name(node: cst.BaseExpression) -> str | None:
    """``m`` for ``m.a.b``, ``m.a[3].b``, ``m``."""
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def literal_number(node: cst.BaseExpression | None) -> float | None:
    """The value of ``3``, ``-0.5``, ``1e-3``; None for anything else."""
    if isinstance(node, (cst.Integer, cst.Float)):
        return float(node.evaluated_value)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        inner = literal_number(node.expression)
        return None if inner is None else (-inner if isinstance(node.operator, cst.Minus) else inner)
    return None


def string_value(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


# --- what an object is -----------------------------------------------------------------------------


def is_module_value(value: Value) -> bool:
    """An ``nn.Module`` object: a torch.nn layer, a project module class, a zoo model."""
    if not isinstance(value, Instance):
        return False
    if value.cls is not None:
        return is_module_class(value.cls)
    return _torch_layer(value.qualname) or is_classifier_factory(value.qualname)


def _torch_layer(qualname: str) -> bool:
    head, _, last = qualname.rpartition(".")
    return head in ("torch.nn", "torch.nn.modules") and last[:1].isupper() and qualname not in PARAMETER_CLASSES


def has_parameters(value: Value, depth: int = 0) -> bool:
    """Known to own trainable parameters: an ``nn.Parameter``, a layer that has weights, a module holding one."""
    if not isinstance(value, Instance) or depth > 5:
        return False
    if value.qualname in PARAMETER_CLASSES or is_classifier_factory(value.qualname):
        return True
    if value.qualname in MODULE_CONTAINERS:
        return any(has_parameters(layer, depth + 1) for layer in value.layers)
    if value.cls is not None:
        return is_module_class(value.cls) and any(has_parameters(attribute, depth + 1) for attribute in attribute_values(value.cls).values())
    return _torch_layer(value.qualname) and value.qualname not in PARAMETERLESS_LAYERS


def attribute_values(cls: ClassInfo) -> dict[str, Value]:
    """What each ``self.x = ...`` of ``__init__`` holds, evaluated in the class's own module."""
    evaluate = interpreter_for(cls.module).evaluate
    return {name: evaluate(expression, Env()) for name, expression in cls.attributes.items()}


def derives_from(cls: ClassInfo, bases: frozenset[str], depth: int = 0) -> bool:
    """Whether ``cls`` subclasses one of ``bases`` (qualified names), through project classes too."""
    for base in cls.base_names:
        if base in bases:
            return True
        parent = cls.module.project.find_class(base, cls.module) if base and depth < 5 else None
        if parent is not None and derives_from(parent, bases, depth + 1):
            return True
    return False


def attribute_registered_elsewhere(cls: ClassInfo, name: str) -> bool:
    """Whether ``cls`` may register ``self.<name>`` (or its elements) after all: ``__init__`` hands it to a
    call (``nn.ModuleList(self.x)``, ``nn.Sequential(*self.x)``, ``register_parameter("x", self.x)``), or a
    method registers under computed names (``self.add_module(f"layer{i}", layer)``, ``setattr(self, name, m)``)."""
    init = cls.methods.get("__init__")
    owner = first_param(init.node) if init is not None else None
    if init is None or owner is None:
        return True
    for method in cls.methods.values():
        for call in syntax.calls_in(method.node):
            registering = syntax.method_name(call) in _REGISTERING or syntax.dotted_name(call.func) == "setattr"
            key = call.args[1 if syntax.dotted_name(call.func) == "setattr" else 0].value if len(call.args) >= 2 else None
            if registering and key is not None and not isinstance(key, cst.SimpleString):
                return True
            if (method is init or registering) and any(self_attribute(arg.value, owner) == name for arg in call.args):
                return True
    return False


def isinstance_types(test: cst.BaseExpression, name: str, module: ModuleInfo) -> list[str] | None:
    """The qualified classes of ``isinstance(<name>, X)`` / ``isinstance(<name>, (X, Y))``; None for any other test."""
    if not (isinstance(test, cst.Call) and syntax.dotted_name(test.func) == "isinstance" and len(test.args) == 2):
        return None
    subject, classes = test.args[0].value, test.args[1].value
    if not isinstance(subject, cst.Name) or subject.value != name:
        return None
    elements = [element.value for element in classes.elements] if isinstance(classes, cst.Tuple) else [classes]
    return [module.qualify(element) or "" for element in elements]


def functions_applied_to_models(module: ModuleInfo) -> set[str]:
    """Names of the functions this file passes to ``model.apply(fn)`` / ``self.apply(self.fn)`` on a whole model
    (not ``model.head.apply(fn)``)."""
    cached = module.__dict__.get("_applied_functions")
    if cached is None:
        cached = module.__dict__["_applied_functions"] = set()
        interpreter = interpreter_for(module)
        for scope, statement, call in list(interpreter.calls.by_call.values()):
            if syntax.method_name(call) != "apply" or len(call.args) != 1 or not isinstance(call.func, cst.Attribute):
                continue
            receiver, function = call.func.value, syntax.dotted_name(call.args[0].value)
            if function and isinstance(receiver, cst.Name) and is_model(interpreter.value(receiver, interpreter.env_before(statement, scope))):
                cached.add(function.rsplit(".", 1)[-1])
    return cached


# --- where models run ------------------------------------------------------------------------------


def gpu_moves(module: ModuleInfo) -> dict[int, cst.Call]:
    """id(ClassDef) -> the ``.cuda()`` / ``.to("cuda")`` call of this file that moves an object of that class (or one holding it) to a GPU."""
    cached = module.__dict__.get("_gpu_moves")
    if cached is not None:
        return cached
    interpreter = interpreter_for(module)
    found: dict[int, cst.Call] = {}
    devices = _DeviceNames(module)
    for scope, statement, call in list(interpreter.calls.by_call.values()):
        method = syntax.method_name(call)
        if method not in ("cuda", "to") or not isinstance(call.func, cst.Attribute):
            continue
        if method == "to" and not devices.is_gpu(syntax.argument(call, 0, "device"), scope):
            continue
        receiver = interpreter.value(call.func.value, interpreter.env_before(statement, scope))
        for cls in _classes_within(receiver):
            found.setdefault(id(cls.node), call)
    module.__dict__["_gpu_moves"] = found
    return found


def _classes_within(value: Value, depth: int = 0) -> Iterator[ClassInfo]:
    """The project module classes of ``value`` and of every submodule it holds."""
    if not isinstance(value, Instance) or depth > 5:
        return
    if value.cls is not None and is_module_class(value.cls):
        yield value.cls
        for attribute in attribute_values(value.cls).values():
            yield from _classes_within(attribute, depth + 1)
    for layer in value.layers:
        yield from _classes_within(layer, depth + 1)


class _DeviceNames:
    """Whether a device expression may name a GPU: ``"cuda"``, ``torch.device("cuda:0")``, or a name assigned one of those
    (``device = torch.device("cuda" if torch.cuda.is_available() else "cpu")``) in the same scope or at module level."""

    def __init__(self, module: ModuleInfo) -> None:
        self.module = module
        self._assigned: dict[int, dict[str, list[cst.BaseExpression]]] = {}

    def is_gpu(self, node: cst.BaseExpression | None, scope: cst.CSTNode, depth: int = 0) -> bool:
        if node is None or depth > 3:
            return False
        text = string_value(node)
        if text is not None:
            return text.startswith(_GPU_PREFIXES)
        if isinstance(node, cst.IfExp):
            return self.is_gpu(node.body, scope, depth + 1) or self.is_gpu(node.orelse, scope, depth + 1)
        if isinstance(node, cst.Call) and self.module.qualify(node.func) == "torch.device":
            return self.is_gpu(syntax.argument(node, 0, "type"), scope, depth + 1)
        if isinstance(node, cst.Name):
            values = [*self._names(scope).get(node.value, []), *self._names(self.module.module).get(node.value, [])]
            return any(self.is_gpu(value, scope, depth + 1) for value in values)
        return False

    def _names(self, scope: cst.CSTNode) -> dict[str, list[cst.BaseExpression]]:
        if id(scope) not in self._assigned:
            found: dict[str, list[cst.BaseExpression]] = {}
            statements: list[cst.BaseStatement] = list(scope.body) if isinstance(scope, cst.Module) else syntax.body_statements(scope)
            for statement in syntax.walk_statements(statements):
                for small in syntax.small_statements(statement):
                    if isinstance(small, cst.Assign):
                        for target in small.targets:
                            if isinstance(target.target, cst.Name):
                                found.setdefault(target.target.value, []).append(small.value)
            self._assigned[id(scope)] = found
        return self._assigned[id(scope)]


# --- where values come from ------------------------------------------------------------------------



def value_names(node: cst.CSTNode, module: ModuleInfo) -> set[str]:
    """Names whose values ``node`` computes with, leaving out those it only takes the shape, dtype or
    device of (``torch.ones_like(g)``, ``g.new_zeros(n)``, ``g.shape``)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            found.add(current.value)
        elif isinstance(current, cst.Attribute):
            if current.attr.value not in SHAPE_ONLY_ATTRIBUTES:
                stack.append(current.value)
        elif isinstance(current, cst.Call) and module.qualify(current.func) in SHAPE_ONLY_FUNCTIONS:
            stack.extend(arg.value for arg in current.args[1:])  # full_like(g, value): the value counts
        else:
            stack.extend(syntax.children(current))
    return found


def result_sources(function: cst.FunctionDef, module: ModuleInfo) -> set[str] | None:
    """Every name the values ``function`` returns may be computed from, followed back through its
    assignments, in-place calls (``grad.mul_(g)``) and calls that may fill their arguments
    (``kernel(g, out)``); order and branches are ignored (an over-approximation). None when it
    returns nothing but ``None``."""
    deps: dict[str, set[str]] = {}

    def flow(targets: list[cst.BaseExpression], source: cst.CSTNode) -> None:
        read = value_names(source, module)
        for target in targets:
            for element in [e.value for e in target.elements] if isinstance(target, (cst.Tuple, cst.List)) else [target]:
                element = element.value if isinstance(element, cst.StarredElement) else element
                if (root := root_name(element)) is not None:
                    deps.setdefault(root, set()).update(read, value_names(element, module))

    returned: set[str] = set()
    returns_something = False
    for statement in syntax.walk_statements(syntax.body_statements(function)):
        if isinstance(statement, cst.FunctionDef):
            flow([statement.name], statement)
        elif isinstance(statement, cst.For):
            flow([statement.target], statement.iter)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                if item.asname is not None:
                    flow([item.asname.name], item.item)  # type: ignore[list-item]
        for small in syntax.small_statements(statement):
            if isinstance(small, cst.Assign):
                flow([t.target for t in small.targets], small.value)
            elif isinstance(small, (cst.AugAssign, cst.AnnAssign)) and small.value is not None:
                flow([small.target], small.value)
            elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                call = small.value
                flow([*([call.func.value] if isinstance(call.func, cst.Attribute) else []), *(arg.value for arg in call.args)], call)
            elif isinstance(small, cst.Return) and small.value is not None and not _only_none(small.value):
                returns_something = True
                returned |= value_names(small.value, module)
    if not returns_something:
        return None
    pending = list(returned)
    while pending:
        for source in deps.get(pending.pop(), ()):
            if source not in returned:
                returned.add(source)
                pending.append(source)
    return returned


def _only_none(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Tuple):
        return all(_only_none(element.value) for element in node.elements)
    return isinstance(node, cst.Name) and node.value == "None"


# --- tensor sizes ----------------------------------------------------------------------------------

SizeNames = dict[str, int]  # a name holding a size -> which dim of the tensor it was read from


def shape_source(value: cst.BaseExpression) -> str | None:
    """``x`` for ``x.shape`` and ``x.size()``."""
    if isinstance(value, cst.Call) and syntax.method_name(value) == "size" and not value.args:
        value = value.func  # type: ignore[assignment]
    elif not (isinstance(value, cst.Attribute) and value.attr.value == "shape"):
        return None
    assert isinstance(value, cst.Attribute)
    return value.value.value if isinstance(value.value, cst.Name) else None


def size_source(value: cst.BaseExpression) -> tuple[str, int] | None:
    """(``x``, k) for ``x.size(k)`` and ``x.shape[k]`` with a literal k."""
    tensor: str | None = None
    if isinstance(value, cst.Call) and syntax.method_name(value) == "size" and len(value.args) == 1:
        receiver = value.func.value  # type: ignore[attr-defined]
        tensor, index = (receiver.value if isinstance(receiver, cst.Name) else None), literal_number(value.args[0].value)
    elif isinstance(value, cst.Subscript) and len(value.slice) == 1 and isinstance(value.slice[0].slice, cst.Index):
        tensor, index = shape_source(value.value), literal_number(value.slice[0].slice.value)
    else:
        return None
    return (tensor, int(index)) if tensor is not None and index is not None and index.is_integer() else None


def unpacked_sizes(target: cst.BaseExpression, value: cst.BaseExpression) -> tuple[str, SizeNames, int | None] | None:
    """(``x``, {"b": 0, "c": 1, ...}, rank) for ``b, c, h, w = x.shape``; the rank is unknown with a starred name."""
    tensor = shape_source(value) if isinstance(target, (cst.Tuple, cst.List)) else None
    if tensor is None:
        return None
    names = [element.value for element in target.elements]  # type: ignore[attr-defined]
    star = next((i for i, name in enumerate(names) if isinstance(name, cst.StarredElement)), None)
    sizes = {name.value: i for i, name in enumerate(names[:star]) if isinstance(name, cst.Name) and name.value != "_"}
    return tensor, sizes, None if star is not None else len(names)


def requested_sizes(args: list[cst.Arg]) -> list[cst.BaseExpression] | None:
    """The sizes a ``view``/``reshape`` asks for: ``view(a, b)`` or ``view((a, b))``; None with starred arguments."""
    if any(arg.star or arg.keyword is not None for arg in args):
        return None
    if len(args) == 1 and isinstance(args[0].value, (cst.Tuple, cst.List)):
        elements = args[0].value.elements
        return None if any(isinstance(e, cst.StarredElement) for e in elements) else [e.value for e in elements]
    return [arg.value for arg in args]


def sizes_out_of_order(sizes: list[cst.BaseExpression], names: SizeNames, rank: int | None) -> bool:
    """Whether the dims the requested sizes were read from appear out of order; a ``-1`` counts as
    the dims no other size uses, when that is certain (every other size is a product of named sizes)."""
    groups = [None if literal_number(size) == -1 else {names[n] for n in syntax.names_in(size) if n in names} for size in sizes]
    if groups.count(None) == 1 and rank is not None and all(_product_of(size, names) for size, g in zip(sizes, groups) if g is not None):
        used = [index for group in groups if group is not None for index in group]
        if len(used) == len(set(used)):
            groups = [set(range(rank)) - set(used) if group is None else group for group in groups]
    highest = -1
    for group in groups:
        if group and min(group) < highest:
            return True
        highest = max(highest, *group) if group else highest
    return False


def _product_of(size: cst.BaseExpression, names: SizeNames) -> bool:
    if isinstance(size, cst.Name):
        return size.value in names
    if isinstance(size, cst.BinaryOperation) and isinstance(size.operator, cst.Multiply):
        return _product_of(size.left, names) and _product_of(size.right, names)
    return literal_number(size) == 1
