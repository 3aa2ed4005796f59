"""Objects' attributes: what ``__init__`` stores, and what is assigned on the way.

``Trainer(model, loader, optimizer)`` keeps its arguments in ``self.model``; each object built
by a constructor call runs its ``__init__`` with the arguments of that call (object-sensitive:
two trainers keep their own models), a dataclass / NamedTuple binds its fields to the call's
arguments or the fields' defaults (``field(default_factory=...)`` included), and a namespace
(``argparse.Namespace``, ``SimpleNamespace``) has its keywords as attributes.
"""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.calling import Calling
from nnlint.analysis.containers import NAMESPACES
from nnlint.analysis.env import Env
from nnlint.analysis.objects import find_method, is_record_class, joined_arguments, record_fields
from nnlint.analysis.project import ClassInfo
from nnlint.analysis.values import UNKNOWN, Arguments, ClassRef, Instance, Mapping, Value


class ObjectFields(Calling):
    """Attributes of objects, as their constructors left them or as assigned on this path."""

    _fields: dict[int, dict[str, Value]]

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
                found = record_fields(cls, arguments, self.for_module(cls.module)) if is_record_class(cls) else {}
            else:
                passed = Arguments((instance, *arguments.positional), arguments.keywords, arguments.exact) if arguments else None
                _, _, fields = self.for_module(init.module).call(init, passed or Arguments((instance,), Mapping((), False), False), Env(),
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
            return self.for_module(cls.module)._construction_arguments(cls)
        sites = self._sites_of(cls.name, self.module.classes.get(cls.name) is cls)
        return joined_arguments([where._arguments_at(site) for where, site in sites])
