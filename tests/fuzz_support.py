"""Inputs and properties shared by ``tests/test_fuzz.py`` (bounded, in CI) and ``benchmarks/fuzz.py`` (10,000 cases).

Two sources of programs: hypothesmith (valid Python from the grammar, or from
LibCST's node types) behind a header that names every word the rules' text
prefilter looks for, so that every rule really walks the generated code; and
mutations of real training scripts (``fixtures/check``) and of the rules' own
examples: deleted lines, swapped statements, truncation, inserted Unicode
(line separators, BOM, emoji, form feeds), deep nesting, spliced generated code.

The properties are plain functions that raise ``AssertionError`` with what went
wrong, so the pytest suite and the long-running script report the same thing.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import hypothesmith
from hypothesis import strategies as st

from nnlint.autofix import fixed_text
from nnlint.config import Settings
from nnlint.diagnostic import Applicability, Diagnostic, Edit, Position
from nnlint.engine import FileResult, check_text
from nnlint.parsing import SYNTAX_ERROR_CODE
from nnlint.registry import all_rules
from nnlint.rule import Rule

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "check"
ALL = Settings(select=("ALL",))
SHOWN_AS = "fuzz.py"

#: One-line errors that say "not checked" for a legitimate reason (not a bug in nnlint).
NOT_CHECKED = (f"{SHOWN_AS}: too deeply nested to check; not checked", f"{SHOWN_AS}: cannot parse (",
               f"{SHOWN_AS}: could not be checked: LibCST, the parser nnlint uses, rejects this valid Python (")

#: Python's own line breaks (what LibCST and the Diagnostic positions count); ``str.splitlines``
#: also breaks at form feeds, \x85 and U+2028, so it must not be used to place an edit.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

#: Characters that break naive tools: line/paragraph separators, NEL, form feed, vertical tab,
#: BOM, zero-width and bidi controls, a combining accent, non-BMP emoji, a lone surrogate, NUL.
ODD_CHARACTERS = ("\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\x1c", "\ufeff", "\u200b", "\u202e", "e\u0301", "é",
                  "\U0001f600", "\U0001d54f", "\udc80", "\x00", "\t", "\r", "\r\n")


# --- seeds -------------------------------------------------------------------------------------

@cache
def script_seeds() -> tuple[str, ...]:
    """Every fixture script: whole training scripts, buggy and clean."""
    return tuple(path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.py")))


@cache
def example_seeds() -> tuple[str, ...]:
    """Every rule example, the tricky valid ones included."""
    return tuple(_dedent(example.code) for rule in all_rules() for example in [*rule.invalid, *rule.valid])


def seeds() -> tuple[str, ...]:
    return script_seeds() + example_seeds()


@cache
def fixable_examples() -> tuple[tuple[type[Rule], str, bool], ...]:
    """(rule, snippet, whether the example shows a fix) for every invalid example of every fixable rule."""
    return tuple((rule, _dedent(example.code), example.expected_fix is not None)
                 for rule in all_rules() if rule.fixable for example in rule.invalid)


@cache
def prefilter_header() -> str:
    """Imports plus a comment naming every word some rule's text prefilter wants, so no rule is skipped."""
    words = sorted({word for rule in all_rules() for word in rule.requires_text})
    return "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n# " + " ".join(words) + "\n"


def _dedent(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


# --- generated programs ------------------------------------------------------------------------

@cache
def _grammar_programs() -> st.SearchStrategy[str]:
    """Built once: hypothesmith compiles the whole grammar for each new strategy (~1 s)."""
    return hypothesmith.from_grammar(auto_target=False)


@cache
def generated_programs() -> st.SearchStrategy[str]:
    """hypothesmith programs (grammar and LibCST-node based) that every rule gets to see."""
    program = st.one_of(_grammar_programs(), hypothesmith.from_node(auto_target=False))
    return program.map(lambda code: prefilter_header() + code)


@st.composite
def spliced_programs(draw: st.DrawFn) -> str:
    """A generated program pasted between two top-level statements of a real script."""
    seed = draw(st.sampled_from(script_seeds()) | st.sampled_from(example_seeds()))
    generated = draw(_grammar_programs())
    lines = seed.splitlines(keepends=True)
    cut = draw(st.sampled_from(_top_level_boundaries(seed)))
    return "".join(lines[:cut]) + generated + ("\n" if generated and not generated.endswith("\n") else "") + "".join(lines[cut:])


def _top_level_boundaries(text: str) -> list[int]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return [0]
    return sorted({0, *(statement.lineno - 1 for statement in tree.body)})


# --- mutations ---------------------------------------------------------------------------------

Mutation = Callable[[st.DrawFn, str], str]


def delete_lines(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    start = draw(st.integers(0, len(lines) - 1))
    count = draw(st.integers(1, 3))
    return "".join(lines[:start] + lines[start + count:])


def swap_lines(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines(keepends=True)
    if len(lines) < 2:
        return text
    first, second = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    lines[first], lines[second] = lines[second], lines[first]
    return "".join(lines)


def swap_statements(draw: st.DrawFn, text: str) -> str:
    """Swap two sibling statements of one block (the program usually still parses: a reordering bug)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return swap_lines(draw, text)
    bodies = [body for node in ast.walk(tree) for body in _bodies(node) if len(body) >= 2]
    if not bodies:
        return text
    body = draw(st.sampled_from(bodies))
    i = draw(st.integers(0, len(body) - 2))
    j = draw(st.integers(i + 1, len(body) - 1))
    a, b = body[i], body[j]
    lines = python_lines(text)  # ast's line numbers: only \n, \r\n and \r break lines
    a_lines, b_lines = (a.lineno - 1, a.end_lineno or a.lineno), (b.lineno - 1, b.end_lineno or b.lineno)
    if a_lines[1] > b_lines[0]:  # both on one line (``x = 1; y = 2``)
        return text
    return "".join(lines[: a_lines[0]] + lines[b_lines[0]: b_lines[1]] + lines[a_lines[1]: b_lines[0]]
                   + lines[a_lines[0]: a_lines[1]] + lines[b_lines[1]:])


def _bodies(node: ast.AST) -> list[list[ast.stmt]]:
    return [value for field in ("body", "orelse", "finalbody") if isinstance(value := getattr(node, field, None), list)
            and value and isinstance(value[0], ast.stmt)]


def truncate(draw: st.DrawFn, text: str) -> str:
    return text[: draw(st.integers(0, len(text)))]


def insert_unicode(draw: st.DrawFn, text: str) -> str:
    """An odd character anywhere (often a syntax error), or in a comment at a line end (still valid)."""
    character = draw(st.sampled_from(ODD_CHARACTERS) | st.characters(codec="utf-8"))
    if draw(st.booleans()):
        where = draw(st.integers(0, len(text)))
        return text[:where] + character + text[where:]
    lines = text.splitlines(keepends=True) or [""]
    k = draw(st.integers(0, len(lines) - 1))
    body = lines[k].rstrip("\r\n")
    lines[k] = body + f"  # {character}" + lines[k][len(body):]
    return "".join(lines)


def deep_nesting(draw: st.DrawFn, text: str) -> str:
    """Wrap a run of lines in many nested blocks, or an expression in many brackets."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    if draw(st.booleans()):
        opener = draw(st.sampled_from(["if True:", "for _ in range(1):", "while x:", "with ctx:", "def f():", "class C:", "try:"]))
        # Past 100 levels Python itself refuses (an NN000); loops included since the analysis stopped
        # costing 2**depth walks on them (see test_fuzz.py::test_deeply_nested_loops_are_checked_in_time).
        depth = draw(st.integers(2, 120))
        start = draw(st.integers(0, len(lines) - 1))
        stop = draw(st.integers(start + 1, len(lines)))
        head = "".join("    " * level + opener + "\n" for level in range(depth))
        closers = "".join("    " * level + "except Exception:\n" + "    " * (level + 1) + "pass\n"
                          for level in reversed(range(depth))) if opener == "try:" else ""
        body = "".join("    " * depth + line if line.strip() else line for line in lines[start:stop])
        return "".join(lines[:start]) + head + body + ("\n" if not body.endswith("\n") else "") + closers + "".join(lines[stop:])
    depth = draw(st.integers(10, 400))
    bracket = draw(st.sampled_from(["()", "[]", "{}", "f()", "-"]))
    expression = bracket[:-1] * depth + "x" + bracket[-1:] * depth if bracket != "-" else "-" * depth + "x"
    return text + f"y = {expression}\n"


def duplicate_line(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    k = draw(st.integers(0, len(lines) - 1))
    return "".join(lines[: k + 1] + [lines[k]] + lines[k + 1:])


def rename(draw: st.DrawFn, text: str) -> str:
    """Replace every occurrence of one identifier of the text by another one of it (a plausible edit)."""
    names = sorted(set(re.findall(r"\b[A-Za-z_]\w*\b", text)))
    if len(names) < 2:
        return text
    old, new = draw(st.sampled_from(names)), draw(st.sampled_from(names))
    return re.sub(rf"\b{re.escape(old)}\b", new, text)


def newline_style(draw: st.DrawFn, text: str) -> str:
    """CRLF, lone CR, or a mix of line endings."""
    style = draw(st.sampled_from(["\r\n", "\r", "mixed"]))
    if style != "mixed":
        return text.replace("\n", style)
    return "".join(line.rstrip("\n") + draw(st.sampled_from(["\n", "\r\n"])) if line.endswith("\n") else line
                   for line in text.splitlines(keepends=True))


MUTATIONS: tuple[Mutation, ...] = (delete_lines, swap_lines, swap_statements, truncate, insert_unicode, deep_nesting,
                                   duplicate_line, rename, newline_style)


@st.composite
def mutated_scripts(draw: st.DrawFn, sources: Sequence[str] | None = None, max_mutations: int = 3) -> str:
    """A seed (half the time a whole script, else a rule example) with 1 to ``max_mutations`` mutations."""
    if sources is None:
        text = draw(st.sampled_from(script_seeds()) | st.sampled_from(example_seeds()))
    else:
        text = draw(st.sampled_from(tuple(sources)))
    for _ in range(draw(st.integers(1, max_mutations))):
        text = draw(st.sampled_from(MUTATIONS))(draw, text)
    return text


# --- properties --------------------------------------------------------------------------------

def assert_checks_cleanly(text: str, rules: Sequence[type[Rule]] | None = None) -> FileResult:
    """``check_text`` with every rule: no exception, no internal error, and each result well formed.

    A file that does not parse gives exactly one NN000 and nothing else; every
    range lies inside the text, so reporters and editors can show it.
    """
    result = check_text(text, SHOWN_AS, ALL, rules=rules)
    unexpected = [error for error in result.errors if not error.startswith(NOT_CHECKED)]
    assert not unexpected, f"internal errors: {unexpected}"
    assert all("\n" not in error for error in result.errors), result.errors
    syntax = [d for d in result.diagnostics if d.code == SYNTAX_ERROR_CODE]
    assert not syntax or len(result.diagnostics) == 1, f"NN000 together with findings: {result.diagnostics}"
    assert not (result.errors and result.diagnostics), "a file both not checked and reported"
    lines = python_lines(text)
    for diagnostic in result.diagnostics:
        if diagnostic.code == SYNTAX_ERROR_CODE:
            continue
        assert diagnostic.range.start <= diagnostic.range.end, diagnostic
        for position in (diagnostic.range.start, diagnostic.range.end):
            assert inside(lines, position), f"{diagnostic.code} at {position} is outside the text"
        for edit in diagnostic.fix.edits if diagnostic.fix else ():
            assert edit.range.start <= edit.range.end and inside(lines, edit.range.start) and inside(lines, edit.range.end), (
                f"{diagnostic.code}'s fix edits {edit.range}, outside the text")
    return result


def assert_fixes_are_sound(text: str, rules: Sequence[type[Rule]] | None = None) -> int:
    """Every fix alone, then all together: parses, is not reported again, changes only its range, converges.

    Returns how many fixes were tried (so a test can insist the examples had some).
    """
    result = assert_checks_cleanly(text, rules)
    fixable = [d for d in result.diagnostics if d.fix is not None and d.fix.applicability is not Applicability.DISPLAY_ONLY]
    if not fixable:
        return 0
    parses_before = _parses(text)
    for diagnostic in fixable:
        assert diagnostic.fix is not None
        edits = diagnostic.fix.edits
        fixed = fixed_text(text, [diagnostic], unsafe=True)
        assert fixed == splice(text, edits), (
            f"{diagnostic.code}'s fix changed text outside its edit ranges {[e.range for e in edits]}")
        if parses_before:
            assert _parses(fixed), f"{diagnostic.code}'s fix does not parse:\n{fixed}"
        again = check_text(fixed, SHOWN_AS, ALL, rules=rules).diagnostics
        moved = map_position(text, edits, diagnostic.range.start)
        assert not [d for d in again if d.code == diagnostic.code and d.range.start == moved], (
            f"{diagnostic.code} reported again at {moved} after its fix:\n{fixed}")
    together = fixed_text(text, fixable, unsafe=True)
    if parses_before:
        assert _parses(together), f"the fixes together do not parse:\n{together}"
    twice = fixed_text(together, assert_checks_cleanly(together, rules).diagnostics, unsafe=True)
    if rules is not None and len(rules) == 1:
        assert twice == together, f"fixing twice changed the text:\n{together}\n---\n{twice}"
    else:  # with every rule a fix may reveal another rule's finding; it must still converge
        _assert_converges(twice, rules)
    return len(fixable)


def _assert_converges(text: str, rules: Sequence[type[Rule]] | None, rounds: int = 5) -> None:
    for _ in range(rounds):
        again = fixed_text(text, check_text(text, SHOWN_AS, ALL, rules=rules).diagnostics, unsafe=True)
        if again == text:
            return
        text = again
    raise AssertionError(f"fixes did not converge in {rounds} rounds:\n{text}")


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


# --- positions, computed independently of nnlint.fixes -----------------------------------------

def python_lines(text: str) -> list[str]:
    """The text's lines as Python counts them, line breaks kept (the last one may be empty)."""
    parts = _LINE_BREAK.split(text)
    breaks = _LINE_BREAK.findall(text)
    return [part + brk for part, brk in zip(parts, [*breaks, ""])]


def inside(lines: list[str], position: Position) -> bool:
    """A position on a line of the text, at most at that line's end (or at the very end of the text)."""
    if position.line == len(lines):
        return position.character == 0
    if not 0 <= position.line < len(lines):
        return False
    return 0 <= position.character <= len(lines[position.line].rstrip("\r\n"))


def offset(text: str, position: Position) -> int:
    lines = python_lines(text)
    return sum(len(line) for line in lines[: position.line]) + position.character


def splice(text: str, edits: Sequence[Edit]) -> str:
    """The text with ``edits`` (non-overlapping) applied, offsets from Python's line breaks."""
    for edit in sorted(edits, key=lambda e: e.range.start, reverse=True):
        text = text[: offset(text, edit.range.start)] + edit.new_text + text[offset(text, edit.range.end):]
    return text


def map_position(text: str, edits: Sequence[Edit], position: Position) -> Position:
    """Where ``position`` of ``text`` is once ``edits`` are applied (inside an edit: at its start)."""
    where = offset(text, position)
    shift = 0
    moved_to: int | None = None
    for edit in edits:
        start, end = offset(text, edit.range.start), offset(text, edit.range.end)
        if where >= end:  # after the edit (an insertion exactly here pushes it on too)
            shift += len(edit.new_text) - (end - start)
        elif start <= where:  # inside the replaced text: where the replacement starts
            moved_to = start
    target = (moved_to if moved_to is not None else where) + shift
    fixed = splice(text, edits)
    line_starts = [0]
    for line in python_lines(fixed)[:-1]:
        line_starts.append(line_starts[-1] + len(line))
    line = max(k for k, start in enumerate(line_starts) if start <= target)
    return Position(line, target - line_starts[line])


def diagnostics_summary(diagnostics: Sequence[Diagnostic]) -> list[str]:
    return [f"{d.line + 1}:{d.column + 1} {d.code}" for d in diagnostics]
