"""Parsing with Python's own parser as the gatekeeper.

``ast.parse`` costs a tenth of LibCST's parse, gives exact syntax-error
columns, and refuses nesting deep enough to crash LibCST's native parser (a
segfault there would take the whole run, or a worker pool, down). Every file
goes through it, even one the rules' text prefilter would skip, so a broken file
never passes as clean.
"""

from __future__ import annotations

import ast
import warnings

import libcst as cst

from nnlint.diagnostic import Diagnostic, Range, Severity

SYNTAX_ERROR_CODE = "NN000"


def python_syntax_problem(text: str, shown_as: str) -> Diagnostic | str | None:
    """None when Python parses ``text``; an NN000 diagnostic for a syntax error; a one-line error otherwise."""
    try:
        parse_quietly(text)
    except SyntaxError as error:
        line, column = error.lineno or 1, max((error.offset or 1) - 1, 0)
        return syntax_error(shown_as, f"{type(error).__name__}: {error.msg}", line, column)
    except (RecursionError, MemoryError, ValueError) as error:
        return f"{shown_as}: cannot parse ({type(error).__name__}: {str(error) or 'too deeply nested'}); not checked"
    return None


def parse_quietly(text: str) -> ast.Module:
    """``ast.parse`` without the compiler's warnings about the user's code.

    ``"\\d"`` or ``1(2)`` make ``ast.parse`` warn (a SyntaxWarning, shown by default
    from Python 3.12) with ``<unknown>`` as the file: noise on nnlint's stderr that
    names no file. nnlint reports problems as diagnostics, not as warnings.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def parse_checked(text: str) -> cst.Module | None:
    """The LibCST tree of ``text``, or None when it does not parse (used for modules read for context)."""
    if python_syntax_problem(text, "") is not None:
        return None
    try:
        return cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        return None


def syntax_error(shown_as: str, message: str, line: int, column: int) -> Diagnostic:
    """An NN000 diagnostic at a 1-based ``line`` and 0-based ``column``."""
    line = max(line - 1, 0)
    return Diagnostic(
        code=SYNTAX_ERROR_CODE,
        name="syntax-error",
        message=message,
        path=shown_as,
        range=Range.of(line, column, line, column + 1),
        severity=Severity.ERROR,
        help="nnlint checks only files Python can parse; fix the syntax first",
    )
