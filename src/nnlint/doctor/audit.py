"""The sandbox's second line: an audit hook (PEP 578) that refuses the writes the redirection did not catch.

Code that kept a reference to the original ``open`` before the sandbox was
installed (``tarfile``'s ``bltn_open``), ``io.FileIO`` or the ``posix`` module
used directly, all raise CPython's audit events; a write event for a path the
sandbox does not allow raises ``PermissionError`` before it happens. Writes made
by native code (a C++ ``fopen``) raise no event: those are redirected by name in
``sandbox.NATIVE_PATHS``. An audit hook cannot be removed, so one hook is added
per process and asks whichever guard is active.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from typing import Any

from nnlint.doctor.overlay import absolute_path

# event -> ((index of a path it changes, index of that path's dir_fd or None), ...), as CPython documents them
CHANGING_EVENTS: dict[str, tuple[tuple[int, int | None], ...]] = {
    "open": ((0, None),),  # only with a write mode or write flags, see _writes
    "os.remove": ((0, 1),),
    "os.rmdir": ((0, 1),),
    "os.mkdir": ((0, 2),),
    "os.rename": ((0, 2), (1, 3)),
    "os.link": ((1, 3),),
    "os.symlink": ((1, 2),),
    "os.truncate": ((0, None),),
    "os.utime": ((0, 3),),
    "os.chmod": ((0, 2),),
    "os.chown": ((0, 3),),
    "os.chflags": ((0, None),),
    "os.setxattr": ((0, None),),
    "os.removexattr": ((0, None),),
    "sqlite3.connect": ((0, None),),  # SQLite opens its file natively: refused (an in-memory database is not a file)
}
_IN_MEMORY = ("", ":memory:", b"", b":memory:")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

Allowed = Callable[[str], bool]
Refused = Callable[[str, str], None]
_guard: tuple[Allowed, Refused] | None = None
_hooked = False


def guard(allowed: Allowed, refused: Refused) -> Callable[[], None]:
    """Refuse every audited change to a path that ``allowed(path)`` rejects, telling ``refused(path, event)``; returns the release."""
    global _guard, _hooked
    if _guard is not None:
        raise RuntimeError("an audit guard is already active in this process")
    if not _hooked:
        sys.addaudithook(_hook)
        _hooked = True
    _guard = (allowed, refused)

    def release() -> None:
        global _guard
        _guard = None

    return release


def _hook(event: str, args: tuple[Any, ...]) -> None:
    current = _guard
    places = CHANGING_EVENTS.get(event)
    if current is None or places is None or (event == "open" and not _writes(args)):
        return
    allowed, refused = current
    for index, dir_fd in places:
        if event == "sqlite3.connect" and args[index] in _IN_MEMORY:
            continue
        path = absolute_path(args[index], args[dir_fd] if dir_fd is not None else None)
        if path is not None and not allowed(path):
            refused(path, event)
            raise PermissionError(errno.EACCES, "nnlint doctor refused a write outside its scratch folder", path)


def _writes(args: tuple[Any, ...]) -> bool:
    mode, flags = args[1], args[2]
    if isinstance(mode, str):
        return any(letter in mode for letter in "wax+")
    return bool(isinstance(flags, int) and flags & WRITE_FLAGS)
