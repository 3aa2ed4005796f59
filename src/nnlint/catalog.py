"""What every finding code means, whichever half of nnlint produces it.

Static rules describe themselves through their class (see ``rule.py``); the
tracer and the doctor declare their codes as ``RuleDoc`` values in
``nnlint/trace/codes.py`` and ``nnlint/doctor/codes.py`` (modules that must not
import torch, so that ``nnlint rule NT101`` and the generated ``rules/``
catalogue work without it). ``all_docs()`` gathers the three. ``RuleDoc`` itself
lives in ``rule_doc.py``, below the rules, so that nothing here imports in a circle.
"""

from __future__ import annotations

from nnlint.rule_doc import CODE_PATTERN, OWN_CODES, REQUIRED_HEADINGS, RuleDoc

__all__ = ["CODE_PATTERN", "OWN_CODES", "REQUIRED_HEADINGS", "RuleDoc", "all_docs", "find_doc", "known_code_or_prefix"]


def all_docs() -> list[RuleDoc]:
    """Every code nnlint can report, sorted by code. Imports no torch."""
    from nnlint.registry import all_rules

    docs = [rule.doc() for rule in all_rules()]
    from nnlint.doctor.codes import CODES as DOCTOR_CODES  # both import no torch
    from nnlint.trace.codes import CODES as TRACE_CODES

    docs.extend((*TRACE_CODES, *DOCTOR_CODES))
    return sorted(docs, key=lambda doc: doc.code)


def known_code_or_prefix(selector: str) -> bool:
    """True when ``selector`` names at least one code nnlint has (all halves), or is ``ALL``."""
    return selector == "ALL" or any(doc.code.startswith(selector) for doc in all_docs())


def find_doc(code: str) -> RuleDoc | None:
    wanted = code.strip().upper()
    for doc in all_docs():
        if doc.code == wanted or doc.name == code.strip().lower():
            return doc
    return None
