"""Who calls a module's functions and classes from the project's other files (reverse flow).

``Trainer`` is defined in trainer.py and built in train.py (``Trainer(model, loader, opt)``);
``make_loaders()`` is defined in data.py and its tuple unpacked in train.py. Checking
trainer.py, ``self.model`` is only known from train.py's call. Forward flow (train.py
reading trainer.py) is the project index's job; this module answers the other way:
the files next to a module (its directory and the package directories above it) that
import one of its names, and the calls of that name there.

Finding them must stay cheap, because it runs while checking every file: each directory
is listed once per process and each file's text is searched for an import line naming
the module before anything is parsed; only files that pass are parsed (through the
project's bounded cache). Each importer found is recorded as a lookup of the checked
file, so the result cache re-checks data.py when train.py changes. A new importer
appearing later is not seen by a cached result (the cache knows files, not directories).
"""

from __future__ import annotations

import re
from pathlib import Path

import libcst as cst

from nnlint.analysis.project import ImportWords, ModuleInfo, Project
from nnlint.analysis.sites import Site

MAX_IMPORTERS = 8  # project files whose calls are read for one module
MAX_LISTED_FILES = 200  # files of one directory that are searched at all
MAX_FILE_BYTES = 512_000
MAX_PACKAGE_LEVELS = 4
_FROM_IMPORT = re.compile(rb"^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]*(\([^)]*\)|[^\n]*)", re.MULTILINE)
_IMPORT = re.compile(rb"^[ \t]*import[ \t]+([^\n]*)", re.MULTILINE)
_WORD = re.compile(rb"\w+")


def foreign_sites(module: ModuleInfo, name: str) -> list[tuple[ModuleInfo, Site]]:
    """Calls of ``module``'s top-level ``name`` in the other project files that import it by name
    (``from data import make_loaders``) or through the module (``import data``; ``data.make_loaders()``)."""
    qualname = f"{module.key}.{name}"
    found: list[tuple[ModuleInfo, Site]] = []
    for importer in importers(module, name):
        calls = importer.calls
        for alias, target in importer.imports.aliases.items():
            if target == qualname:
                found.extend((importer, site) for site in calls.by_name.get(alias, []))
            elif target == module.key:
                found.extend((importer, site) for site in calls.by_attribute.get(name, [])
                             if isinstance(site[2].func, cst.Attribute) and importer.qualify(site[2].func) == qualname)
    return found


def foreign_method_sites(module: ModuleInfo, class_name: str, method: str) -> list[tuple[ModuleInfo, Site]]:
    """Calls ``x.method(...)`` in the project files that import ``class_name`` from ``module`` (the caller checks ``x``)."""
    return [(importer, site) for importer in importers(module, class_name) for site in importer.calls.by_attribute.get(method, [])]


def importers(module: ModuleInfo, name: str | None) -> list[ModuleInfo]:
    """The project modules (at most ``MAX_IMPORTERS``, in path order) that import ``name`` from ``module``, or ``module``
    itself; with ``name`` None, any of its names."""
    project = module.project
    if module.path is None:
        return []
    here = module.path.resolve()
    if (here, name) not in project.importers:
        project.importers[(here, name)] = _importing_paths(module, name, here)
    for key, path in project.importers[(here, name)]:
        project.lookups.setdefault(here, {})[key] = path  # the result cache: data.py's findings depend on train.py
    loaded = (project.load(path) for _, path in project.importers[(here, name)])
    return [found for found in loaded if found is not None]


def _importing_paths(module: ModuleInfo, name: str | None, here: Path) -> list[tuple[str, Path]]:
    """(module key, path) of the importers; paths, not modules, are kept: the parsed modules stay in the bounded cache."""
    project = module.project
    leaf = module.key.rsplit(".", 1)[-1].encode()
    wanted = name.encode() if name is not None else leaf
    found: list[tuple[str, Path]] = []
    for path in _candidates(project, here):
        words = project.import_words.get(path)
        if words is None or not ((leaf in words.from_lines and wanted in words.from_lines) or leaf in words.import_lines):
            continue  # the text alone rules it out: not parsed
        loaded = project.load(path)
        if loaded is not None and any(_names(target, module.key, name) for target in loaded.imports.aliases.values()):
            found.append((loaded.key, path))
            if len(found) >= MAX_IMPORTERS:
                break
    return found


def _names(target: str, key: str, name: str | None) -> bool:
    """An import of ``target`` brings in the module ``key`` itself, or its ``name`` (any name when None)."""
    return target == key or (target == f"{key}.{name}" if name is not None else target.startswith(f"{key}."))


def _candidates(project: Project, here: Path) -> list[Path]:
    """Python files of ``here``'s directory and of the package directories above it, except ``here``."""
    directories = [here.parent]
    while (directories[-1] / "__init__.py").is_file() and len(directories) <= MAX_PACKAGE_LEVELS:
        directories.append(directories[-1].parent)
    found: list[Path] = []
    for directory in directories:
        found.extend(path for path in _listed(project, directory) if path != here)
    return found


def _listed(project: Project, directory: Path) -> list[Path]:
    """The directory's ``.py`` files, each with the words of its import statements (read once per process)."""
    if directory not in project.listed:
        try:
            paths = sorted(path.resolve() for path in directory.glob("*.py") if path.is_file())[:MAX_LISTED_FILES]
        except OSError:
            paths = []
        for path in paths:
            project.import_words[path] = _import_words(path)
        project.listed[directory] = paths
    return project.listed[directory]


def _import_words(path: Path) -> ImportWords:
    """The words of the file's ``from ... import ...`` statements (parenthesised ones across lines) and ``import ...`` lines."""
    try:
        data = path.read_bytes() if path.stat().st_size <= MAX_FILE_BYTES else b""
    except OSError:
        data = b""
    from_lines = {word for match in _FROM_IMPORT.finditer(data) for group in match.groups() for word in _WORD.findall(group)}
    import_lines = {word for match in _IMPORT.finditer(data) for word in _WORD.findall(match.group(1))}
    return ImportWords(frozenset(from_lines), frozenset(import_lines))
