"""Writing a file nnlint produces (a graph, a report): whole or not at all, with the mode the umask gives.

The text goes to a temporary file in the target's directory first and is then
moved into place, so a failed export never leaves half a file. ``mkstemp``
creates that file with mode 0600 whatever the umask; it is set to what
``open()`` would have given (0666 less the umask) before the move, so a graph
or report can be shared like any other file the user writes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import TextIO


def current_umask() -> int:
    """The process's umask (reading it means setting it: it is put back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_output(path: str, write: Callable[[TextIO], None]) -> None:
    """Write ``path`` with ``write(out)``; raises ``OSError`` when the directory cannot take the file."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".nnlint-tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            write(out)
        os.chmod(temporary, 0o666 & ~current_umask())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
