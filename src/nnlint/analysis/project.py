"""The project index: other files of the user's project, read (never imported) on demand.

``from model import Net`` in train.py is followed to model.py next to it (or
up the directory tree to the project root), parsed once per process, and
summarised: its classes (bases, the ``self.x = ...`` assignments of
``__init__``, ``forward``) and functions. The interpreter evaluates those with
the module's own imports, so ``Net.forward`` returning ``self.fc(h)`` is known
to return logits in train.py.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst

from nnlint.analysis.imports import ImportMap
from nnlint.analysis.sites import CallIndex, enclosing_functions
from nnlint.parsing import parse_checked
from nnlint.analysis.syntax import body_statements, small_statements, walk_statements
from nnlint.resolution import module_name_for, resolve

if TYPE_CHECKING:
    from nnlint.analysis.values import Arguments, Instance

MAX_CACHED_MODULES = 48
MAX_REMEMBERED_LOOPS = 32  # per file whose objects other files loop over (and calls per function value)
MAX_REMEMBERED_FUNCTIONS = 256  # functions whose calls through values are kept


@dataclass(eq=False)
class FunctionInfo:
    node: cst.FunctionDef
    module: "ModuleInfo"
    owner: "ClassInfo | None" = None

    @property
    def name(self) -> str:
        return self.node.name.value

    @cached_property
    def params(self) -> list[str]:
        parameters = self.node.params
        return [param.name.value for param in (*parameters.posonly_params, *parameters.params)]

    @cached_property
    def local_names(self) -> list[str]:
        """Every parameter name (they shadow globals of the same name)."""
        parameters = self.node.params
        stars = [p for p in (parameters.star_arg, parameters.star_kwarg) if isinstance(p, cst.Param)]
        return [*self.params, *(p.name.value for p in (*parameters.kwonly_params, *stars))]


@dataclass(eq=False)
class ClassInfo:
    node: cst.ClassDef
    module: "ModuleInfo"

    @property
    def name(self) -> str:
        return self.node.name.value

    @property
    def qualname(self) -> str:
        return f"{self.module.key}.{self.name}"

    @cached_property
    def base_names(self) -> list[str]:
        """Qualified names of the bases (project bases as ``<module key>.<Name>``)."""
        return [self.module.qualify(base.value) or "" for base in self.node.bases]

    @cached_property
    def methods(self) -> dict[str, FunctionInfo]:
        return {
            statement.name.value: FunctionInfo(statement, self.module, self)
            for statement in body_statements(self.node.body)
            if isinstance(statement, cst.FunctionDef)
        }

    @cached_property
    def attributes(self) -> dict[str, cst.BaseExpression]:
        """``self.NAME = expr`` anywhere in ``__init__`` (the last one wins)."""
        found: dict[str, cst.BaseExpression] = {}
        init = self.methods.get("__init__")
        for statement in _all_simple(init.node) if init else []:
            for small in small_statements(statement):
                value, targets = _assignment(small)
                for target in targets:
                    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
                        found[target.attr.value] = value  # type: ignore[assignment]
        return found


def _assignment(small: cst.BaseSmallStatement) -> tuple[cst.BaseExpression | None, list[cst.BaseExpression]]:
    """(assigned value, targets) of an assignment statement; (None, []) for anything else."""
    if isinstance(small, cst.Assign):
        return small.value, [target.target for target in small.targets]
    if isinstance(small, cst.AnnAssign) and small.value is not None:
        return small.value, [small.target]
    return None, []


def _all_simple(function: cst.FunctionDef) -> list[cst.BaseStatement]:
    return list(walk_statements(body_statements(function.body)))


@dataclass(eq=False)
class ModuleInfo:
    key: str  # dotted module name relative to its root ("model", "pkg.models"), or the path
    path: Path | None
    module: cst.Module
    package: str | None
    project: "Project"
    codes: dict[int, str] = field(default_factory=dict)  # id(node of this tree) -> its code (``closures.py``)

    @cached_property
    def enclosing(self) -> dict[int, cst.FunctionDef]:
        """id(nested function) -> the function whose body defines it."""
        return enclosing_functions(self.module)

    @cached_property
    def imports(self) -> ImportMap:
        return ImportMap.of(self.module, self.package)

    @cached_property
    def calls(self) -> CallIndex:
        """Where each call of the module is (who calls ``train()``, and from which statement)."""
        return CallIndex.of(self.module)

    @cached_property
    def classes(self) -> dict[str, ClassInfo]:
        return {s.name.value: ClassInfo(s, self) for s in self.module.body if isinstance(s, cst.ClassDef)}

    @cached_property
    def functions(self) -> dict[str, FunctionInfo]:
        return {s.name.value: FunctionInfo(s, self) for s in self.module.body if isinstance(s, cst.FunctionDef)}

    @cached_property
    def definitions(self) -> dict[str, list[FunctionInfo]]:
        """Every function and method of the module, at any depth, by name (what a call by name may run)."""
        found: dict[str, list[FunctionInfo]] = {}
        pending: list[cst.BaseStatement] = list(self.module.body)
        while pending:
            nested: list[cst.BaseStatement] = []
            for statement in walk_statements(pending):
                if isinstance(statement, cst.FunctionDef):
                    found.setdefault(statement.name.value, []).append(FunctionInfo(statement, self))
                if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                    nested.extend(body_statements(statement))
            pending = nested
        return found

    @cached_property
    def imported_classes(self) -> list[ClassInfo]:
        """The project classes this module imports by name (``from trainer import Trainer``)."""
        found = (self.project.find_class(qualname, self) for qualname in self.imports.aliases.values() if "." in qualname)
        return [cls for cls in found if cls is not None]

    def qualify(self, node: cst.BaseExpression) -> str | None:
        """Imported names resolve through imports; names defined here become ``<key>.<name>``."""
        qualified = self.imports.qualify(node)
        if qualified is not None:
            return qualified
        if isinstance(node, cst.Name) and (node.value in self.classes or node.value in self.functions):
            return f"{self.key}.{node.value}"
        return None


@dataclass(frozen=True)
class ImportWords:
    """The words of a file's import statements, read from its text without parsing it (``callers.py``)."""

    from_lines: frozenset[bytes]  # ``from data import make_loaders``: data, make_loaders
    import_lines: frozenset[bytes]  # ``import data``: data


@dataclass
class Project:
    """Loads project modules by dotted name, relative to the directories of checked files."""

    cache: OrderedDict[Path, ModuleInfo | None] = field(default_factory=OrderedDict)  # least recently used first
    # module name -> the file it resolved to (None: none), per importing file (the result cache's dependencies)
    lookups: dict[Path, dict[str, Path | None]] = field(default_factory=dict)
    # reverse flow (``callers.py``): (file, name) -> (key, path) of the project files importing it; a directory -> its
    # .py files; a file -> the words of its import statements. Names and paths only: modules stay in ``cache``.
    importers: dict[tuple[Path, str | None], list[tuple[str, Path]]] = field(default_factory=dict)
    listed: dict[Path, list[Path]] = field(default_factory=dict)
    import_words: dict[Path, "ImportWords"] = field(default_factory=dict)
    # loops over objects built in another file, by that file's key: (object, the loop's module, the loop)
    iterations: OrderedDict[str, list[tuple["Instance", ModuleInfo, cst.For]]] = field(default_factory=OrderedDict)

    # calls through a value of a function or lambda, by (file key, its code): the arguments (``closures.py``)
    value_calls: OrderedDict[tuple[str, str], list["Arguments"]] = field(default_factory=OrderedDict)

    def remember_value_call(self, key: tuple[str, str], arguments: "Arguments") -> None:
        found = self.value_calls.setdefault(key, [])
        self.value_calls.move_to_end(key)
        if len(found) < MAX_REMEMBERED_LOOPS and arguments not in found:
            found.append(arguments)
        while len(self.value_calls) > MAX_REMEMBERED_FUNCTIONS:
            self.value_calls.popitem(last=False)

    def remember_iteration(self, source: "Instance", module: ModuleInfo, loop: cst.For) -> None:
        """A loop of ``module`` iterates ``source``, which another file built (read back by ``callers.loops_over``)."""
        found = self.iterations.setdefault(source.module_key, [])
        self.iterations.move_to_end(source.module_key)
        if len(found) < MAX_REMEMBERED_LOOPS and not any(known is source and where is loop for known, _, where in found):
            found.append((source, module, loop))
        while len(self.iterations) > MAX_CACHED_MODULES:
            self.iterations.popitem(last=False)

    def module_for(self, path: Path | None, module: cst.Module) -> ModuleInfo:
        key, package = module_name_for(path) if path is not None else ("<stdin>", None)
        info = ModuleInfo(key, path, module, package, self)
        if path is not None:
            self._remember(path.resolve(), info)
            self.lookups[path.resolve()] = {}  # a new tree, a new interpreter: its lookups start again
        return info

    def find_class(self, qualname: str, near: ModuleInfo) -> ClassInfo | None:
        found = self._find(qualname, near)
        return found.classes.get(qualname.rsplit(".", 1)[-1]) if found else None

    def find_function(self, qualname: str, near: ModuleInfo) -> FunctionInfo | None:
        found = self._find(qualname, near)
        return found.functions.get(qualname.rsplit(".", 1)[-1]) if found else None

    def imports_read(self, path: Path) -> set[tuple[Path, str, Path | None]]:
        """(importing file, module name, resolved file) for every lookup a check of ``path`` relied on.

        Transitively: model.py's lookups count for train.py, even those made while
        checking another file (its interpreter, and what it learnt, is shared).
        """
        found: set[tuple[Path, str, Path | None]] = set()
        pending, seen = [path.resolve()], set()
        while pending:
            near = pending.pop()
            if near not in seen:
                seen.add(near)
                for name, target in self.lookups.get(near, {}).items():
                    found.add((near, name, target))
                    if target is not None:
                        pending.append(target)
        return found

    def _find(self, qualname: str, near: ModuleInfo) -> ModuleInfo | None:
        module_name, _, _ = qualname.rpartition(".")
        if module_name == near.key:
            return near
        target = resolve(module_name, near.path)
        if near.path is not None:
            self.lookups.setdefault(near.path.resolve(), {})[module_name] = target
        return self.load(target) if target is not None else None

    def load(self, path: Path) -> ModuleInfo | None:
        """The project file at ``path``, parsed once while it stays in the bounded cache; None when unreadable."""
        resolved = path.resolve()
        if resolved in self.cache:
            self.cache.move_to_end(resolved)
        else:
            try:
                text = resolved.read_bytes().decode("utf-8-sig")
            except (OSError, UnicodeDecodeError):
                text = None
            tree = parse_checked(text) if text is not None else None
            if tree is None:
                self._remember(resolved, None)
            else:
                self.module_for(resolved, tree)
        return self.cache.get(resolved)

    def _remember(self, path: Path, info: ModuleInfo | None) -> None:
        """Keep a bounded number of parsed modules: a worker that checks thousands of files must not hold them all."""
        self.cache[path] = info
        self.cache.move_to_end(path)
        while len(self.cache) > MAX_CACHED_MODULES:
            evicted, _ = self.cache.popitem(last=False)
            self.lookups.pop(evicted, None)  # loaded again, it looks up again
