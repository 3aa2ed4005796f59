"""Which files a command line means: files, directories (recursively, ``*.py``) and globs.

Directories skip the usual non-source folders and the configured ``exclude``
globs; a file named explicitly is always checked (as ruff does), unless
excluded by config. Symlink loops are not followed; each file appears once.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SKIPPED_DIRECTORIES = frozenset(
    (".git", ".hg", ".svn", ".venv", "venv", "env", ".env", "build", "dist", "__pycache__", "node_modules",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox", ".nnlint_cache", ".eggs", "site-packages",
     ".ipynb_checkpoints")
)
SOURCE_SUFFIXES = (".py", ".ipynb")  # a notebook's code cells are checked as one program (nnlint.notebooks)


@dataclass
class Discovery:
    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each: a path that gave nothing to check
    excluded: int = 0  # files named or matched but excluded by configuration


def discover(arguments: Sequence[str], exclude: Iterable[str] = (), root: Path | None = None) -> Discovery:
    found = Discovery()
    seen: set[str] = set()
    patterns = tuple(exclude)

    def add(path: str) -> None:
        key = os.path.realpath(path)
        if _excluded(path, patterns, root):
            found.excluded += 1
        elif key not in seen:
            seen.add(key)
            found.files.append(path)

    for argument in arguments:
        if os.path.isdir(argument):
            before, errors_before = len(found.files), len(found.errors)
            for path in _walk(argument, patterns, root, found.errors):
                add(path)
            if len(found.files) == before and len(found.errors) == errors_before:
                found.errors.append(f"{argument}: no Python files found")
        elif os.path.isfile(argument):
            add(argument)
        elif glob.has_magic(argument):
            matches = sorted(
                p for p in glob.glob(argument, recursive=True)
                if os.path.isfile(p) and p.endswith(SOURCE_SUFFIXES) and not _in_skipped_directory(p)
            )
            for path in matches:
                add(path)
            if not matches:
                found.errors.append(f"{argument}: no Python files match")
        elif os.path.exists(argument):
            found.errors.append(f"{argument}: not a regular file or directory")
        else:
            found.errors.append(f"{argument}: no such file or directory")
    return found


def _walk(directory: str, patterns: tuple[str, ...], root: Path | None, errors: list[str]) -> Iterable[str]:
    visited: set[tuple[int, int]] = set()

    def unreadable(error: OSError) -> None:  # a folder we cannot list must not pass as checked
        errors.append(f"{error.filename or directory}: cannot read the directory ({error.strerror or error}); not checked")

    for current, subdirectories, files in os.walk(directory, followlinks=True, onerror=unreadable):
        try:
            stat = os.stat(current)
        except OSError:
            subdirectories[:] = []
            continue
        identity = (stat.st_dev, stat.st_ino)
        if identity in visited:  # a symlink loop, or the same tree reached twice
            subdirectories[:] = []
            continue
        visited.add(identity)
        subdirectories[:] = sorted(
            name for name in subdirectories if not _skipped(name) and not _excluded(os.path.join(current, name), patterns, root)
        )
        for name in sorted(files):
            path = os.path.join(current, name)
            dangling = os.path.islink(path) and not os.path.exists(path)  # reported as unreadable, not skipped
            if name.endswith(SOURCE_SUFFIXES) and (os.path.isfile(path) or dangling):  # never a pipe or socket
                yield path


def _skipped(directory_name: str) -> bool:
    return directory_name in SKIPPED_DIRECTORIES or directory_name.endswith(".egg-info")


def _in_skipped_directory(path: str) -> bool:
    return any(_skipped(part) for part in os.path.normpath(os.path.dirname(path)).split(os.sep))


def _excluded(path: str, patterns: tuple[str, ...], root: Path | None) -> bool:
    if not patterns:
        return False
    candidates = {path, os.path.basename(path), os.path.normpath(path)}
    if root is not None:
        try:
            candidates.add(Path(path).resolve().relative_to(root).as_posix())
        except ValueError:
            pass
    return any(fnmatch.fnmatch(candidate, pattern) or fnmatch.fnmatch(candidate, pattern.rstrip("/") + "/*") for candidate in candidates for pattern in patterns)
