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


def known_code_or_prefix(selector: str) -> bool:
    """True when ``selector`` names at least one code nnlint has (all halves), or is ``ALL``."""
    from nnlint.catalog import all_docs

    return selector == "ALL" or any(doc.code.startswith(selector) for doc in all_docs())


def select_codes(
    codes: Iterable[str], select: Iterable[str] | None, extend_select: Iterable[str], ignore: Iterable[str], default: Iterable[str]
) -> frozenset[str]:
    """The enabled codes: ``select`` (or the defaults) plus ``extend_select``, minus ``ignore``.

    A more specific selector wins over a shorter one, so ``select=["ALL"], ignore=["NN3"],
    extend_select=["NN301"]`` enables NN301 but no other NN3xx (ruff's rule).
    """
    chosen = {}
    for code in codes:
        best = (-1, False)
        base = list(select) if select is not None else None
        for selector in base if base is not None else []:
            best = max(best, (_specificity(selector, code), True))
        if base is None and code in set(default):
            best = (0, True)
        for selector in extend_select:
            best = max(best, (_specificity(selector, code), True))
        for selector in ignore:
            specificity = _specificity(selector, code)
            if specificity >= 0 and specificity >= best[0]:
                best = (specificity, False)
        chosen[code] = best[1]
    return frozenset(code for code, on in chosen.items() if on)


def _specificity(selector: str, code: str) -> int:
    if selector == "ALL":
        return 0
    return len(selector) if code.startswith(selector) else -1
