"""What calling a method or a module object returns.

``model.eval()`` switches the object's mode (``model.train(is_train)`` with a known flag too);
``model(x)`` is what the model's ``forward`` returns (a layer's own output kind for torch
layers: logits from ``nn.Linear``); argparse parsers collect options; dict methods read and
change the dict; tensor methods keep or change the tensor's kind (``.softmax()``, ``.log()``).
"""

from __future__ import annotations

import libcst as cst

from nnlint.analysis import config, syntax
from nnlint.analysis.containers import call_arguments, mapping_method
from nnlint.analysis.env import Env
from nnlint.analysis.fields import ObjectFields
from nnlint.analysis.frameworks import accelerate, lightning
from nnlint.analysis.objects import find_method
from nnlint.analysis.torch_api import (
    KIND_PRESERVING_METHODS,
    LAYER_KINDS,
    LOGIT_LAYERS,
    METHOD_KINDS,
    MODE_METHODS,
    PASSTHROUGH_LAYERS,
    SELF_RETURNING_METHODS,
)
from nnlint.analysis.values import UNKNOWN, Arguments, Constant, Instance, Kind, Mapping, Mode, Sequence, Tensor, Value, is_classifier_factory, short

_LIST_MUTATORS = frozenset(("append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"))


class MethodCalls(ObjectFields):
    """Method calls on known values, and calls of module objects."""

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
            value, _, _ = self.for_module(forward.module).call(forward, Arguments((instance,), Mapping(())), Env())
            if isinstance(value, Tensor):
                return Tensor(value.kind, f"{instance.cls.name}.forward, which returns {value.origin}")
            return value
        if is_classifier_factory(instance.qualname):
            return Tensor(Kind.LOGITS, f"the output of {instance.qualname.rsplit('.', 1)[-1]}")
        return UNKNOWN

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
            if function is None and lightning.is_optimizers_call(receiver, method):
                return self._lightning_optimizers(receiver)
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

    def _lightning_optimizers(self, module: Instance) -> Value:
        """``self.optimizers()`` in a LightningModule: the optimizers its ``configure_optimizers`` returns."""
        configure = lightning.configure_optimizers(module.cls) if module.cls is not None else None
        if configure is None:
            return UNKNOWN
        returned, _, _ = self.for_module(configure.module).call(configure, Arguments((module,), Mapping(())), Env())
        return lightning.optimizers(returned)

    def _flag(self, node: cst.BaseExpression | None, env: Env) -> bool | None:
        """A boolean argument known on this path (``model.train(is_train)`` with ``is_train = split == "train"``)."""
        value = self.evaluate(node, env) if node is not None else UNKNOWN
        return value.value if isinstance(value, Constant) and isinstance(value.value, bool) and not value.overridable else None
