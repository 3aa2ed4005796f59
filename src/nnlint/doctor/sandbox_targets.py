"""What the sandbox knows about libraries, as data: which functions bypass Python's open, and where originals hide.

Each row names a module and an attribute path; a row whose module is not
imported when the sandbox is installed is skipped (the sandbox imports no
library itself, and the doctor's child has torch and numpy imported by then).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any

# Functions that open a path in native code, not through Python's open: (module, attribute, position of the path, its keyword, writes)
NATIVE_PATHS = (
    ("torch", "save", 1, "f", True),  # the zip writer is C++ (PyTorchFileWriter)
    ("torch.serialization", "save", 1, "f", True),
    ("torch.jit", "RecursiveScriptModule.save", 1, "f", True),  # torch.jit.save and scripted.save(path)
    ("torch.jit", "load", 0, "f", False),
    ("torch", "load", 0, "f", False),  # mmap=True maps the path natively
    ("torch.serialization", "load", 0, "f", False),
)
# Places that keep an original from before the sandbox: a function's default arguments (``unlink=_os.unlink``) or a
# dict's values; each original found there is swapped for its replacement while the sandbox is installed
CAPTURED_ORIGINALS = (
    ("tempfile", "_TemporaryFileCloser.close"),  # Python 3.11: NamedTemporaryFile deletes its file with it
    ("tempfile", "_TemporaryFileCloser.cleanup"),  # Python 3.12+
    ("numpy.lib._datasource", "_file_openers._file_openers"),  # numpy.savetxt/loadtxt open through {None: io.open}
)
NOT_USER_FILES = ("/dev/", "/proc/", "/sys/")  # devices and kernel views: /dev/null, /dev/shm are not the user's files


def owners(table: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, str]]:
    """For each (module, "Class.attribute", ...) row: (the object holding the attribute, its name), or (None, name)."""
    for module_name, attribute, *_ in table:
        *path, name = attribute.split(".")
        owner = sys.modules.get(module_name)
        for step in path:
            owner = getattr(owner, step, None)
        yield (owner, name) if owner is not None and hasattr(owner, name) else (None, name)


def holders(table: Iterable[tuple[str, str]]) -> Iterator[Any]:
    """The objects the rows name (functions, dicts), for the rows whose module is imported."""
    for owner, name in owners(table):
        if owner is not None:
            yield getattr(owner, name)
