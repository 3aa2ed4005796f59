"""The doctor's write sandbox: in this process, every change the script makes to a file goes to a scratch overlay.

``Sandbox(scratch).install()`` replaces, for the whole process, the functions
every higher-level write goes through — ``open``/``io.open``, ``os.open``,
the path-changing ``os`` functions and ``shutil.rmtree`` — with ones that map
the path into an ``Overlay`` (copy-on-write: the script reads back what it
wrote, so it keeps working). pathlib, shutil's copies and moves, tempfile,
``numpy.save``, ``pickle.dump`` to an opened file and ``logging.FileHandler`` go
through those (tests/doctor checks each); so does TensorBoard's event writer,
which writes with ``io.open`` (not tested: tensorboard is not a test
dependency). Libraries that open a path in native code are redirected by name
(``sandbox_targets.py``), and an audit hook refuses what is left (``audit.py``),
SQLite files included. ``sandbox.changes`` is what the script tried to change.

What it does not cover: other processes the script starts (``subprocess``,
``multiprocessing`` with spawn) run without it — ``reaper.py`` makes sure they
end with the run — and native code that writes paths not named in
``sandbox_targets.NATIVE_PATHS`` (safetensors, h5py). The sandbox is meant to
stay installed until the process exits (threads the script left may still
write); ``uninstall`` exists for tests.
"""

from __future__ import annotations

import builtins
import functools
import io
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from nnlint.doctor import audit
from nnlint.doctor.frames import display_path, user_location
from nnlint.doctor.overlay import Overlay, absolute_path
from nnlint.doctor.sandbox_targets import CAPTURED_ORIGINALS, NATIVE_PATHS, NOT_USER_FILES, holders, owners

LISTED = 8  # paths named in the report's note; the rest are counted


@dataclass
class Change:
    """A path the script tried to change, what it did to it, and where in its code (the first time)."""

    path: str
    actions: list[str]
    where: str | None

    @property
    def refused(self) -> bool:
        return any(action.startswith("refused") for action in self.actions)

    def __str__(self) -> str:
        text = f"{display_path(self.path)} ({', '.join(self.actions)}"
        return text + (f" at {self.where})" if self.where else ")")


class Sandbox:
    def __init__(self, scratch: str | os.PathLike[str], *, exempt: Iterable[str | os.PathLike[str]] = ()) -> None:
        """``scratch``: an existing folder for the overlay; ``exempt``: folders the caller itself writes (the report)."""
        self.overlay = Overlay(os.fspath(scratch))
        folders = [os.path.abspath(os.fspath(folder)) for folder in exempt]
        self._exempt = tuple(folder + os.sep for folder in folders) + NOT_USER_FILES
        self._exempt_exact = frozenset([*folders, *(folder.rstrip(os.sep) for folder in NOT_USER_FILES)])
        self.changes: dict[str, Change] = {}
        self._restore: list[Callable[[], None]] = []

    # installing

    def install(self) -> Sandbox:
        if self._restore:
            raise RuntimeError("this sandbox is installed already")
        self._restore.append(audit.guard(self.allows, lambda path, event: self._record(path, f"refused {event}")))
        replaced = {}
        for owner, name, replacement in self._replacements():
            original = getattr(owner, name)
            replaced[id(original)] = self._replace(owner, name, replacement)
        for holder in holders(CAPTURED_ORIGINALS):
            self._swap_captured(holder, replaced)
        self._private_multiprocessing_folder()
        dont_write_bytecode = sys.dont_write_bytecode
        sys.dont_write_bytecode = True  # importing the script's own modules would write __pycache__ next to them
        self._restore.append(lambda: setattr(sys, "dont_write_bytecode", dont_write_bytecode))
        return self

    def _private_multiprocessing_folder(self) -> None:
        """multiprocessing binds sockets (DataLoader workers pass tensors through one) in a folder it makes with
        tempfile.mkdtemp: native code cannot see a folder that exists only in the overlay, so give it a real one there."""
        multiprocessing = sys.modules.get("multiprocessing")
        if multiprocessing is None:
            return
        config = multiprocessing.current_process()._config  # no public setter for multiprocessing.util.get_temp_dir()
        if config.get("tempdir") is None:
            folder = os.path.join(self.overlay.root, ".multiprocessing")
            os.makedirs(folder, exist_ok=True)
            config["tempdir"] = folder
            self._restore.append(lambda: config.pop("tempdir", None))

    def uninstall(self) -> None:
        while self._restore:
            self._restore.pop()()

    def __enter__(self) -> Sandbox:
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    def _replace(self, owner: Any, name: str, replacement: Callable[..., Any]) -> Callable[..., Any]:
        original = getattr(owner, name)
        setattr(owner, name, functools.wraps(original)(replacement))
        self._restore.append(lambda: setattr(owner, name, original))
        return getattr(owner, name)

    def _swap_captured(self, holder: Any, replaced: dict[int, Callable[..., Any]]) -> None:
        if isinstance(holder, dict):
            originals = dict(holder)
            holder.update({key: replaced.get(id(value), value) for key, value in originals.items()})
            self._restore.append(lambda: holder.update(originals))
        elif getattr(holder, "__defaults__", None):
            defaults = holder.__defaults__
            holder.__defaults__ = tuple(replaced.get(id(value), value) for value in defaults)
            self._restore.append(lambda: setattr(holder, "__defaults__", defaults))

    def _replacements(self) -> Iterator[tuple[Any, str, Callable[..., Any]]]:
        yield from ((builtins, "open", self._open(io.open)), (io, "open", self._open(io.open)), (os, "open", self._os_open(os.open)))
        yield from ((os, name, self._removing(getattr(os, name), method)) for name, method in
                    (("remove", self.overlay.remove), ("unlink", self.overlay.remove), ("rmdir", self.overlay.rmdir)))
        yield from ((os, name, self._renaming(getattr(os, name))) for name in ("rename", "replace"))
        yield os, "mkdir", self._mkdir(os.mkdir)
        yield shutil, "rmtree", self._rmtree(shutil.rmtree)
        yield from ((os, name, self._changing(getattr(os, name))) for name in ("truncate", "utime", "chmod", "setxattr", "removexattr")
                    if hasattr(os, name))
        yield from ((os, name, self._reading(getattr(os, name))) for name in
                    ("stat", "lstat", "access", "chdir", "readlink", "listxattr", "getxattr") if hasattr(os, name))
        yield os, "getcwd", self._getcwd(os.getcwd)
        yield os, "listdir", self._listdir(os.listdir)
        yield os, "scandir", self._scandir(os.scandir)
        for (module_name, attribute, position, keyword, writes), (owner, name) in zip(NATIVE_PATHS, owners(NATIVE_PATHS)):
            if owner is not None:
                yield owner, name, self._native(getattr(owner, name), position, keyword, writes)

    # what is the user's

    def allows(self, path: str) -> bool:
        """May the process change ``path`` as it is? Only inside the overlay and the exempt folders."""
        return self.overlay.owns(path) or self._passes(path)

    def _passes(self, path: str) -> bool:
        return path.startswith(self._exempt) or path in self._exempt_exact

    def _user_path(self, path: Any, dir_fd: int | None = None) -> str | None:
        """The user's path a call names; None when the call passes unchanged (a file descriptor, the overlay's own files)."""
        absolute = absolute_path(path, dir_fd)
        return None if absolute is None or self.allows(absolute) else absolute

    def _record(self, path: str, action: str) -> None:
        change = self.changes.get(path)
        if change is None:
            where = user_location(sys._getframe(1))
            self.changes[path] = Change(path, [action], str(where) if where else None)
        elif action not in change.actions:
            change.actions.append(action)

    def notes(self) -> list[str]:
        """One line for the report: the paths the script tried to change (none of which changed)."""
        if not self.changes:
            return []
        changes = sorted(self.changes.values(), key=lambda change: not change.refused)  # a refusal changed what the script did
        listed = "; ".join(str(change) for change in changes[:LISTED])
        more = f"; and {len(changes) - LISTED} more" if len(changes) > LISTED else ""
        return [f"the script tried to change {len(changes)} path(s) and none changed (writes went to a scratch copy, deleted at the end; "
                f"what could not be redirected was refused): {listed}{more}"]

    # the replacements

    def _as_user(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call ``function``; an error names the user's path, never its shadow."""
        try:
            return function(*args, **kwargs)
        except OSError as error:
            for attribute in ("filename", "filename2"):
                name = getattr(error, attribute)
                if name is not None and self.overlay.owns(absolute_path(name) or ""):
                    setattr(error, attribute, self.overlay.unshadow(os.fsdecode(name)))
            raise

    def _getcwd(self, real: Callable[[], str]) -> Callable[[], str]:
        """After ``os.chdir`` into a folder the script made, the working directory is its shadow: the script sees its own path."""

        def getcwd() -> str:
            folder = real()
            return self.overlay.unshadow(folder) if self.overlay.owns(folder) else folder

        return getcwd

    def _write(self, path: str, action: str, **how: bool) -> str:
        self._record(path, action)
        return self.overlay.prepare_write(path, **how)

    def _open(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            path = self._user_path(file) if isinstance(mode, str) else None
            if path is None:
                return real(file, mode, *args, **kwargs)
            if any(letter in mode for letter in "wax+"):
                target = self._write(path, "written", truncate="w" in mode, create=any(letter in mode for letter in "wax"), exclusive="x" in mode)
            else:
                target = self.overlay.lookup(path)
            return self._as_user(real, target, mode, *args, **kwargs)

        return open

    def _os_open(self, real: Callable[..., int]) -> Callable[..., int]:
        def open(path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
            user = self._user_path(path, dir_fd)
            if user is None:
                return real(path, flags, mode, **_fd(dir_fd))
            if flags & audit.WRITE_FLAGS:
                target = self._write(user, "written", truncate=bool(flags & os.O_TRUNC), create=bool(flags & os.O_CREAT),
                                     exclusive=bool(flags & os.O_CREAT and flags & os.O_EXCL))
            else:
                target = self.overlay.lookup(user)
            return self._as_user(real, target, flags, mode)

        return open

    def _removing(self, real: Callable[..., None], remove: Callable[[str], None]) -> Callable[..., None]:
        def removing(path: Any, *, dir_fd: int | None = None) -> None:
            user = self._user_path(path, dir_fd)
            if user is None:
                return real(path, **_fd(dir_fd))
            self._record(user, "removed")
            return self._as_user(remove, user)

        return removing

    def _renaming(self, real: Callable[..., None]) -> Callable[..., None]:
        def renaming(source: Any, target: Any, *, src_dir_fd: int | None = None, dst_dir_fd: int | None = None) -> None:
            user_source, user_target = self._user_path(source, src_dir_fd), self._user_path(target, dst_dir_fd)
            if user_source is None or user_target is None:  # into or out of an exempt folder: the audit hook judges it
                return real(source, target, **_fd(src_dir_fd, "src_dir_fd"), **_fd(dst_dir_fd, "dst_dir_fd"))
            self._record(user_source, "renamed")
            self._record(user_target, "written")
            return self._as_user(self.overlay.rename, user_source, user_target)

        return renaming

    def _mkdir(self, real: Callable[..., None]) -> Callable[..., None]:
        def mkdir(path: Any, mode: int = 0o777, *, dir_fd: int | None = None) -> None:
            user = self._user_path(path, dir_fd)
            if user is None:
                return real(path, mode, **_fd(dir_fd))
            self._record(user, "created")
            return self._as_user(self.overlay.mkdir, user, mode)

        return mkdir

    def _rmtree(self, real: Callable[..., None]) -> Callable[..., None]:
        def rmtree(path: Any, ignore_errors: bool = False, onerror: Callable[..., Any] | None = None, **options: Any) -> None:
            user = self._user_path(path, options.get("dir_fd"))
            if user is None:
                return real(path, ignore_errors, onerror, **options)
            self._record(user, "removed")
            try:
                self._as_user(self.overlay.rmtree, user)
            except OSError:
                if ignore_errors:
                    return None
                if onerror is None:
                    raise
                onerror(os.rmdir, path, sys.exc_info())
            return None

        rmtree.avoids_symlink_attacks = real.avoids_symlink_attacks  # type: ignore[attr-defined]
        return rmtree

    def _changing(self, real: Callable[..., Any]) -> Callable[..., Any]:
        """Metadata and truncation (utime, chmod, xattrs, truncate): applied to a copy of the file."""

        def changing(path: Any, *args: Any, dir_fd: int | None = None, **kwargs: Any) -> Any:
            user = self._user_path(path, dir_fd)
            if user is None:
                return real(path, *args, **_fd(dir_fd), **kwargs)
            target = self._write(user, "changed", truncate=False, create=False)
            return self._as_user(real, target, *args, **kwargs)

        return changing

    def _reading(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def reading(path: Any = None, *args: Any, dir_fd: int | None = None, **kwargs: Any) -> Any:
            user = self._user_path(path, dir_fd)
            if user is None:
                return real(*(() if path is None else (path,)), *args, **_fd(dir_fd), **kwargs)
            target = self.overlay.lookup(user)
            return self._as_user(real, _like(path, target), *args, **kwargs)

        return reading

    def _listdir(self, real: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
        def listdir(path: Any = ".") -> list[Any]:
            user = self._user_path(path)
            if user is None:
                return real(path)
            names = self.overlay.listdir(user)
            return [os.fsencode(name) for name in names] if isinstance(path, bytes) else names

        return listdir

    def _scandir(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def scandir(path: Any = ".") -> Any:
            user = self._user_path(path)
            if user is None:
                return real(path)
            with self.overlay.lock:
                names = self.overlay.listdir(user)
                entries: dict[str, os.DirEntry[Any]] = {}
                for folder in (user, self.overlay.shadow(user)):  # the shadow's entries win
                    try:
                        with real(_like(path, folder)) as found:
                            entries.update((os.fsdecode(entry.name), entry) for entry in found if os.fsdecode(entry.name) in names)
                    except OSError:
                        continue
            return _Entries([entries[name] for name in names if name in entries])

        return scandir

    def _native(self, real: Callable[..., Any], position: int, keyword: str, writes: bool) -> Callable[..., Any]:
        def native(*args: Any, **kwargs: Any) -> Any:
            arguments = list(args)
            value = arguments[position] if len(arguments) > position else kwargs.get(keyword)
            user = self._user_path(value) if isinstance(value, (str, bytes, os.PathLike)) else None
            if user is not None:
                target = self._write(user, "written", truncate=True, create=True) if writes else self.overlay.lookup(user)
                if len(arguments) > position:
                    arguments[position] = target
                else:
                    kwargs[keyword] = target
            return real(*arguments, **kwargs)

        return native


class _Entries:
    """What ``os.scandir`` returns: an iterator of DirEntry that is also a context manager."""

    def __init__(self, entries: list[os.DirEntry[Any]]) -> None:
        self._entries = iter(entries)

    def __iter__(self) -> _Entries:
        return self

    def __next__(self) -> os.DirEntry[Any]:
        return next(self._entries)

    def __enter__(self) -> _Entries:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._entries = iter(())


def _fd(value: int | None, keyword: str = "dir_fd") -> dict[str, int]:
    """A dir_fd argument, passed on only when given (not every function takes one)."""
    return {} if value is None else {keyword: value}


def _like(original: Any, path: str) -> Any:
    """``path`` as bytes when the caller gave bytes (os.listdir and readlink answer in the type they were asked in)."""
    return os.fsencode(path) if isinstance(original, bytes) else path
