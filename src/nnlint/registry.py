"""Code -> rule, and selecting rules by code prefix (``NN3``, ``ALL``) as ruff does.

Rules register by living in ``nnlint/rules/<family>/<rule>.py``; the registry
imports those modules and collects the ``Rule`` subclasses, so adding a rule is
adding one file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from functools import cache

from nnlint.rule import Rule


@cache
def all_rules() -> tuple[type[Rule], ...]:
    import nnlint.rules as package

    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
    found = {rule.code: rule for rule in _subclasses(Rule)}
    return tuple(found[code] for code in sorted(found))


def _subclasses(cls: type[Rule]) -> Iterable[type[Rule]]:
    for sub in cls.__subclasses__():
        if sub.__module__.startswith("nnlint.rules."):
            yield sub
        yield from _subclasses(sub)


def select_codes(
    codes: Iterable[str], select: Iterable[str] | None, extend_select: Iterable[str], ignore: Iterable[str], default: Iterable[str]
) -> frozenset[str]:
    """The enabled codes: ``select`` (or the defaults) plus ``extend_select``, minus ``ignore``.

    The most specific matching selector decides, an ignore winning a tie, so
    ``select=["ALL"], ignore=["NN3"], extend_select=["NN301"]`` enables NN301 but
    no other NN3xx (ruff's rule).
    """
    defaults = set(default)
    enabling = list(extend_select) + (list(select) if select is not None else [])
    chosen = set()
    for code in codes:
        enabled = max((_specificity(s, code) for s in enabling), default=-1)
        if select is None and code in defaults:
            enabled = max(enabled, 0)
        disabled = max((_specificity(s, code) for s in ignore), default=-1)
        if enabled >= 0 and enabled > disabled:
            chosen.add(code)
    return frozenset(chosen)


def _specificity(selector: str, code: str) -> int:
    if selector == "ALL":
        return 0
    return len(selector) if code.startswith(selector) else -1
