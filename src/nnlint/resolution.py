"""Where ``from model import Net`` leads: the project file a module name resolves to.

Path logic only (no LibCST, no parsing), shared by the project index, which
loads what it finds, and the result cache, which on a hit re-resolves every
import the cached check looked up: a module that has appeared since (an import
that did not resolve now does) or one that now shadows another (``sub/model.py``
before ``../model.py``) makes the entry stale, not only a changed file.
"""

from __future__ import annotations

from pathlib import Path

# Libraries, not project modules: never looked for among the user's files.
EXTERNAL = frozenset(("torch", "torchvision", "numpy", "sklearn", "timm", "transformers", "lightning", "pytorch_lightning", "os", "sys"))
_ROOT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg")


def resolve(module_name: str, near: Path | None) -> Path | None:
    """The absolute path of the file ``module_name`` names for code in the file ``near`` (None: standard input)."""
    if not module_name or module_name.split(".", 1)[0] in EXTERNAL:
        return None
    relative = module_name.replace(".", "/")
    for root in _roots(near):
        for candidate in (root / f"{relative}.py", root / relative / "__init__.py"):
            if candidate.is_file():
                return candidate.resolve()
    return None


def _roots(path: Path | None) -> list[Path]:
    """Directories a module may be imported from: the file's package root and its parents up to the project root."""
    if path is None:
        return [Path.cwd()]
    found: list[Path] = []
    directory = path.resolve().parent
    for candidate in (directory, *directory.parents):
        found.append(candidate)
        if (candidate / "src").is_dir():
            found.append(candidate / "src")
        if any((candidate / marker).exists() for marker in _ROOT_MARKERS):
            break
    return found


def module_name_for(path: Path) -> tuple[str, str | None]:
    """(dotted module name, package) of a file, walking up through ``__init__.py`` packages."""
    resolved = path.resolve()
    parts = [resolved.stem] if resolved.stem != "__init__" else []
    directory = resolved.parent
    while (directory / "__init__.py").is_file():
        parts.insert(0, directory.name)
        directory = directory.parent
    name = ".".join(parts) or resolved.parent.name
    package = ".".join(parts if resolved.stem == "__init__" else parts[:-1])
    return name, package
