"""Which source line an operation came from: the innermost frame that is not torch's.

A finding is only useful if it points at the user's code (``x = x.view(...)`` in
``model.py``), not at ``torch/nn/functional.py``. All three capture tiers ask
the same question: from a live stack (fx tracing, the eager recorder) or from
the ``stack_trace`` text that ``torch.export`` keeps on every node.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import sysconfig
from functools import lru_cache
from types import FrameType

Location = tuple[str, int]  # absolute file path, 1-based line

_FRAME_LINE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


def _package_dir(name: str) -> str:
    spec = importlib.util.find_spec(name)
    origin = spec.origin if spec and spec.origin else ""
    return os.path.dirname(os.path.abspath(origin)) + os.sep


_LIBRARY_DIRS = (_package_dir("torch"), _package_dir("nnlint"))
_STDLIB = os.path.abspath(sysconfig.get_paths()["stdlib"]) + os.sep


@lru_cache(maxsize=4096)
def is_library(filename: str) -> bool:
    """torch, nnlint, the standard library and frozen/generated code are never "the user's line"."""
    if filename.startswith("<"):
        return True
    path = os.path.abspath(filename)
    if path.startswith(_LIBRARY_DIRS):
        return True
    return path.startswith(_STDLIB) and "-packages" + os.sep not in path


def user_frame(frame: FrameType | None = None) -> Location | None:
    """The innermost caller outside torch/nnlint/stdlib, starting at ``frame`` (default: the caller)."""
    current: FrameType | None = frame if frame is not None else sys._getframe(1)
    while current is not None:
        filename = current.f_code.co_filename
        if not is_library(filename):
            return os.path.abspath(filename), current.f_lineno
        current = current.f_back
    return None


def from_stack_trace(text: str | None) -> Location | None:
    """The innermost user frame of a ``node.meta["stack_trace"]`` (frames are outermost first)."""
    if not text:
        return None
    for match in reversed(list(_FRAME_LINE.finditer(text))):
        if not is_library(match["file"]):
            return os.path.abspath(match["file"]), int(match["line"])
    return None


def display_path(path: str) -> str:
    """``path`` relative to the working directory when it is inside it (as the other halves print paths)."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative


def describe(location: Location | None) -> str:
    """``model.py:12`` or the empty string."""
    return f"{display_path(location[0])}:{location[1]}" if location else ""
