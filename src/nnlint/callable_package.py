"""``nnlint.trace`` and ``nnlint.doctor`` are both a public function and a subpackage.

Importing a subpackage (the CLI does, to register its command) sets the
attribute ``nnlint.<name>`` to the module, replacing the function that
``nnlint/__init__.py`` defines. Making the module itself callable keeps
``nnlint.trace(model, "B,3,32,32")`` and ``nnlint.doctor(model, ...)`` working
whichever was imported first, without importing torch up front.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any


def make_callable(module_name: str, function: Callable[..., Any]) -> None:
    """Let ``sys.modules[module_name](...)`` call ``function``."""

    class CallablePackage(types.ModuleType):
        __doc__ = sys.modules[module_name].__doc__

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return function(*args, **kwargs)

    sys.modules[module_name].__class__ = CallablePackage
