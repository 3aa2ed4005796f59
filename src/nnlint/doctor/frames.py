"""Where in the user's code something happened.

A hook runs deep inside torch; the line worth showing is the innermost frame
that belongs to the user: not torch, not nnlint, not the standard library or
an installed package. Paths are shown relative to the working directory when
they are under it, the way the user typed the script's path.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import sysconfig
from types import FrameType, TracebackType

from nnlint.doctor.findings import Location, first_line

_TRACEBACK_LINE = re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+)')


@functools.cache
def _library_dirs() -> tuple[str, ...]:
    import torch

    import nnlint

    paths = sysconfig.get_paths()
    dirs = {os.path.dirname(torch.__file__), os.path.dirname(nnlint.__file__), paths["stdlib"], paths["purelib"], paths["platlib"]}
    return tuple(os.path.realpath(directory) + os.sep for directory in dirs)


@functools.lru_cache(maxsize=4096)
def is_user_file(filename: str) -> bool:
    """Not torch, nnlint, the standard library or an installed package (cached: hooks ask for every frame)."""
    if filename.startswith("<"):
        return False
    return not os.path.realpath(filename).startswith(_library_dirs())


def display_path(filename: str) -> str:
    absolute = os.path.abspath(filename)
    relative = os.path.relpath(absolute)
    return absolute if relative.startswith(os.pardir) else relative


def user_frame(frame: FrameType | None = None) -> FrameType | None:
    """The innermost user frame, starting at ``frame`` (default: the caller's)."""
    current: FrameType | None = frame if frame is not None else sys._getframe(1)
    while current is not None and not is_user_file(current.f_code.co_filename):
        current = current.f_back
    return current


def user_location(frame: FrameType | None = None) -> Location | None:
    """The innermost user frame's line, starting at ``frame`` (default: the caller's)."""
    found = user_frame(frame if frame is not None else sys._getframe(1))
    return Location(display_path(found.f_code.co_filename), found.f_lineno - 1) if found is not None else None


def traceback_location(traceback: TracebackType | None) -> Location | None:
    """The innermost user frame of an exception's traceback."""
    found = None
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if is_user_file(filename):
            found = Location(display_path(filename), traceback.tb_lineno - 1)
        traceback = traceback.tb_next
    return found


def text_location(text: str) -> Location | None:
    """The innermost user frame of a formatted traceback (autograd's anomaly warning prints one)."""
    found = None
    for match in _TRACEBACK_LINE.finditer(text):
        if is_user_file(match["path"]):
            found = Location(display_path(match["path"]), int(match["line"]) - 1)
    return found


def user_frames(traceback: TracebackType | None) -> list[str]:
    """The user's frames of a traceback, outermost first, as ``path:line in function`` (the doctor's own runner frames left out)."""
    frames = []
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if is_user_file(code.co_filename):
            frames.append(f"{display_path(code.co_filename)}:{traceback.tb_lineno} in {code.co_name}")
        traceback = traceback.tb_next
    return frames


def describe_error(error: BaseException) -> str:
    """The script's exception in one line, with the user line that raised it and, when it is deeper, how the user's code got there.

    The innermost user frame is where the fix usually goes; the outer ones
    (the training loop's call of the model) say which call led there, so they
    follow it, outermost first, the way Python prints a traceback.
    """
    where = traceback_location(error.__traceback__)
    if isinstance(error, SyntaxError) and error.filename and error.lineno:  # raised while compiling: no frame of its own
        where = Location(display_path(error.filename), error.lineno - 1)
    if where is None:
        return first_line(error)
    chain = user_frames(error.__traceback__)
    via = f"; your traceback: {' > '.join(chain)}" if len(chain) > 1 else ""
    return f"{first_line(error)} ({where}){via}"
