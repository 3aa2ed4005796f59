"""A copy-on-write view of the file system: changes land in a scratch folder, the real files stay as they were.

The shadow of ``/a/b`` is ``ROOT/a/b``. A path resolves, in order, to its shadow
when that exists, to nothing when it (or a folder above it) was deleted or
replaced during the run, else to the real path. Writing a path makes its shadow
(copying the real file first unless the write truncates), deleting hides it,
renaming moves a complete copy. The overlay itself never writes outside ROOT:
every operation here uses the functions as they were before any sandbox
(``sandbox.py`` redirects the script's calls into this class).

Forked processes (DataLoader workers) share the shadows on disk, so what one
writes the others read; what was deleted is remembered by each process alone.
Paths are absolute and normalised by the caller; symbolic links are not
resolved (a file written through a link and read through its target is two
files in the overlay).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import stat
import threading
import weakref
from typing import Literal

State = Literal["overlay", "real", "missing"]

# The functions as they were when nnlint imported this module, before any sandbox replaced them.
_open, _lstat, _stat, _mkdir, _rename, _remove, _rmdir, _listdir, _readlink, _symlink, _chmod, _utime = (
    io.open, os.lstat, os.stat, os.mkdir, os.rename, os.remove, os.rmdir, os.listdir, os.readlink, os.symlink, os.chmod, os.utime)
_rmtree, _link = shutil.rmtree, os.link


_overlays: weakref.WeakSet[Overlay] = weakref.WeakSet()


def _after_fork() -> None:
    for overlay in _overlays:
        overlay._after_fork()


os.register_at_fork(after_in_child=_after_fork)


def absolute_path(path: object, dir_fd: int | None = None) -> str | None:
    """The absolute, normalised text of a path argument (relative to ``dir_fd`` when given); None for a file descriptor."""
    if isinstance(path, int) or path is None:
        return None
    try:
        text = os.fsdecode(os.fspath(path))  # type: ignore[call-overload]
        if dir_fd is not None and dir_fd >= 0 and not os.path.isabs(text):
            text = os.path.join(_readlink(f"/proc/self/fd/{dir_fd}"), text)
        return os.path.abspath(text)
    except (TypeError, ValueError, OSError):
        return None


def _error(kind: type[OSError], code: int, path: str) -> OSError:
    return kind(code, os.strerror(code), path)


def _lexists(path: str) -> bool:
    try:
        _lstat(path)
    except OSError:
        return False
    return True


def _is_dir(path: str) -> bool:
    try:
        return stat.S_ISDIR(_stat(path).st_mode)
    except OSError:
        return False


class Overlay:
    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self.hidden: set[str] = set()  # deleted during the run (or renamed away)
        self.opaque: set[str] = set()  # recreated or fully copied: nothing real below them shows through
        self.lock = threading.RLock()
        _overlays.add(self)

    def _after_fork(self) -> None:
        """A fork copies the lock as another thread may hold it; the copy's only thread must not wait for that thread."""
        self.lock = threading.RLock()

    def shadow(self, path: str) -> str:
        return self.root + path

    def owns(self, path: str) -> bool:
        return path == self.root or path.startswith(self.root + os.sep)

    def unshadow(self, path: str) -> str:
        """The user's path of a shadow (inside ROOT)."""
        return path[len(self.root):] or os.sep

    def state(self, path: str) -> State:
        if _lexists(self.shadow(path)):
            return "overlay"
        return "real" if not self._gone(path) and _lexists(path) else "missing"

    def _gone(self, path: str) -> bool:
        if not self.hidden and not self.opaque:
            return False
        if path in self.hidden:
            return True
        folder = os.path.dirname(path)
        while True:
            if folder in self.hidden or folder in self.opaque:
                return True
            parent = os.path.dirname(folder)
            if parent == folder:
                return False
            folder = parent

    def _implicit(self, path: str) -> bool:
        """A shadow folder made only to hold a written file: the real folder is still the one to stat."""
        return path not in self.opaque and _is_dir(self.shadow(path)) and not self._gone(path) and _is_dir(path)

    def lookup(self, path: str) -> str:
        """The file to read for ``path``: its shadow, or the real path; a deleted path raises FileNotFoundError."""
        with self.lock:
            state = self.state(path)
            if state == "missing":
                raise _error(FileNotFoundError, errno.ENOENT, path)
            return path if state == "real" or self._implicit(path) else self.shadow(path)

    def listdir(self, path: str) -> list[str]:
        """The names in a folder as the script sees it: its shadow's, then the real ones not deleted or shadowed."""
        with self.lock:
            state = self.state(path)
            if state == "missing":
                raise _error(FileNotFoundError, errno.ENOENT, path)
            names = _listdir(self.shadow(path)) if state == "overlay" else []
            if state == "real" or self._implicit(path):
                seen = set(names)
                names += [name for name in _listdir(path) if name not in seen and not self._gone(os.path.join(path, name))]
            elif not _is_dir(self.shadow(path)):
                raise _error(NotADirectoryError, errno.ENOTDIR, path)
            return names

    def prepare_write(self, path: str, *, truncate: bool, create: bool, exclusive: bool = False) -> str:
        """The shadow to write instead of ``path``; a write that keeps content copies the real file there first."""
        with self.lock:
            state = self.state(path)
            if exclusive and state != "missing":
                raise _error(FileExistsError, errno.EEXIST, path)
            if state == "missing" and not create:
                raise _error(FileNotFoundError, errno.ENOENT, path)
            shadow = self.shadow(path)
            if state == "overlay":
                return shadow
            if state == "missing":
                self._check_parent(path)
            self._make_parents(shadow)
            if state == "real" and not truncate:
                self._copy(path, shadow)
            self._replaced(path)
            return shadow

    def mkdir(self, path: str, mode: int = 0o777) -> None:
        with self.lock:
            if self.state(path) != "missing":
                raise _error(FileExistsError, errno.EEXIST, path)
            self._check_parent(path)
            self._make_parents(self.shadow(path))
            _mkdir(self.shadow(path), mode)
            self._replaced(path)

    def remove(self, path: str) -> None:
        with self.lock:
            state = self.state(path)
            if state == "missing":
                raise _error(FileNotFoundError, errno.ENOENT, path)
            if state == "overlay":
                _remove(self.shadow(path))
            elif stat.S_ISDIR(_lstat(path).st_mode):
                raise _error(IsADirectoryError, errno.EISDIR, path)
            self._hide(path)

    def rmdir(self, path: str) -> None:
        with self.lock:
            if self.listdir(path):
                raise _error(OSError, errno.ENOTEMPTY, path)
            if self.state(path) == "overlay":
                _rmtree(self.shadow(path))  # empty as the script sees it; an implicit shadow may hold hidden leftovers
            self._hide(path)

    def rmtree(self, path: str) -> None:
        with self.lock:
            state = self.state(path)
            if state == "missing":
                raise _error(FileNotFoundError, errno.ENOENT, path)
            where = self.shadow(path) if state == "overlay" else path
            if stat.S_ISLNK(_lstat(where).st_mode):
                raise OSError("Cannot call rmtree on a symbolic link")
            if not stat.S_ISDIR(_lstat(where).st_mode):
                raise _error(NotADirectoryError, errno.ENOTDIR, path)
            if state == "overlay":
                _rmtree(self.shadow(path))
            self._hide(path)

    def rename(self, source: str, target: str) -> None:
        """``os.rename``/``os.replace``: the source is copied whole into the overlay, then moved there."""
        with self.lock:
            if self.state(source) == "missing":
                raise _error(FileNotFoundError, errno.ENOENT, source)
            target_state = self.state(target)
            if target_state == "missing":
                self._check_parent(target)
            elif _is_dir(self.shadow(target) if target_state == "overlay" else target):
                if self.listdir(target):
                    raise _error(OSError, errno.ENOTEMPTY, target)
                if target_state == "overlay":
                    _rmtree(self.shadow(target))
            moved = self.materialize(source)
            self._make_parents(self.shadow(target))
            _rename(moved, self.shadow(target))
            self._hide(source)
            self._replaced(target)
            if _is_dir(self.shadow(target)):
                self.opaque.add(target)  # a complete copy: the real folder of that name no longer shows through

    def materialize(self, path: str) -> str:
        """Make the shadow of ``path`` a complete copy of what the script sees there (folders recursively)."""
        with self.lock:
            shadow = self.shadow(path)
            if self.state(path) == "real":
                self._make_parents(shadow)
                self._copy(path, shadow)
            if _is_dir(shadow) and not os.path.islink(shadow) and path not in self.opaque:
                for name in self.listdir(path):
                    self.materialize(os.path.join(path, name))
                self.opaque.add(path)
            return shadow

    def _copy(self, path: str, shadow: str) -> None:
        """Copy one real entry (file, link or empty folder) to its shadow, keeping its mode and times.

        DataLoader workers are forks with overlays of their own over the same
        folder: a copy is made aside and linked into place, so that a worker
        never truncates a shadow another one has already written to.
        """
        info = _lstat(path)
        with contextlib.suppress(FileExistsError):
            if stat.S_ISLNK(info.st_mode):
                _symlink(_readlink(path), shadow)
            elif stat.S_ISDIR(info.st_mode):
                _mkdir(shadow)
                _chmod(shadow, stat.S_IMODE(info.st_mode))
            else:
                aside = os.path.join(self.root, f".copy-{os.getpid()}-{threading.get_ident()}")
                try:
                    with _open(path, "rb") as source, _open(aside, "wb") as copy:
                        shutil.copyfileobj(source, copy)
                    _chmod(aside, stat.S_IMODE(info.st_mode))
                    _utime(aside, ns=(info.st_atime_ns, info.st_mtime_ns))
                    _link(aside, shadow)
                finally:
                    _remove(aside)

    def _check_parent(self, path: str) -> None:
        parent = os.path.dirname(path)
        state = self.state(parent)
        if state == "missing":
            raise _error(FileNotFoundError, errno.ENOENT, path)
        if not _is_dir(self.shadow(parent) if state == "overlay" else parent):
            raise _error(NotADirectoryError, errno.ENOTDIR, path)

    def _make_parents(self, shadow: str) -> None:
        missing = []
        folder = os.path.dirname(shadow)
        while not _lexists(folder):
            missing.append(folder)
            folder = os.path.dirname(folder)
        for folder in reversed(missing):
            with contextlib.suppress(FileExistsError):  # made by a forked worker meanwhile
                _mkdir(folder)

    def _hide(self, path: str) -> None:
        self.hidden.add(path)

    def _replaced(self, path: str) -> None:
        """``path`` now lives in the overlay; if it had been deleted, what was below the deleted one stays hidden."""
        if path in self.hidden:
            self.hidden.discard(path)
            self.opaque.add(path)
