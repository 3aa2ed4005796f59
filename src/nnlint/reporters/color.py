"""Whether the terminal report is coloured.

An explicit choice (``--color``/``--no-color``) wins; otherwise the conventions
users set once for all their tools: ``NO_COLOR`` (https://no-color.org) turns
colour off, ``FORCE_COLOR`` (https://force-color.org) turns it on for pipes and
CI logs, and without either only a TTY gets colour.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO


def use_color(out: TextIO, color: bool | None, environ: Mapping[str, str] | None = None) -> bool:
    if color is not None:
        return color
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    isatty = getattr(out, "isatty", None)
    return bool(isatty is not None and isatty())
