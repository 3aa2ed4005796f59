"""nnlint: the "37 reasons your neural network is not working" checklist, as a tool.

The public API. ``check_source``/``check_paths`` (static half) need no torch;
``trace`` and ``doctor`` import torch when called. Nothing heavy is imported up
front (PEP 562 ``__getattr__``): ``nnlint trace`` should not pay for LibCST.
"""

from __future__ import annotations

from typing import Any

from nnlint.diagnostic import Applicability, Diagnostic, Fix, Position, Range, Severity

__version__ = "0.1.0"
__all__ = ["Applicability", "Diagnostic", "Fix", "Position", "Range", "Severity", "check_paths", "check_source", "doctor", "trace"]


def trace(*args: Any, **kwargs: Any) -> Any:
    """Trace a model with prime-dimension shapes (see ``nnlint.trace.trace``); needs ``nnlint[trace]``."""
    from nnlint.trace import trace as run_trace

    return run_trace(*args, **kwargs)


def doctor(*args: Any, **kwargs: Any) -> Any:
    """Run the first training steps with checks (see ``nnlint.doctor.doctor``); needs ``nnlint[trace]``."""
    from nnlint.doctor import doctor as run_doctor

    return run_doctor(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name in ("check_source", "check_paths"):
        from nnlint import api

        return getattr(api, name)
    raise AttributeError(f"module 'nnlint' has no attribute {name!r}")
