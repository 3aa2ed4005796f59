"""Findings, and how they become ``Diagnostic`` objects that point at the user's source.

A check says *what* (code, message) and *where* in the graph (a node or a module
path). This module turns "where" into a file and line: the node's user frame;
for a module, the line that calls it, else the ``self.name = ...`` line that
built it; failing all that, the line that defines the model, with the module
path in the message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from nnlint.diagnostic import Diagnostic, Range
from nnlint.trace.codes import BY_CODE
from nnlint.trace.facts import Context
from nnlint.trace.frames import Location, display_path
from nnlint.trace.source import attribute_location


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    node: str | None = None  # fx node name: located at its source line
    module: str | None = None  # module path: located where it is first called
    attribute: str | None = None  # module or parameter path: located where it is assigned
    help: str = ""
    notes: tuple[str, ...] = ()


def call_location(ctx: Context, path: str) -> Location | None:
    """Where module ``path`` is first called."""
    prefix = path + "."
    for _, facts in ctx.nodes():
        if facts.loc and (facts.module == path or facts.module.startswith(prefix)):
            return facts.loc
    return None


def assignment_location(ctx: Context, path: str) -> Location | None:
    """Where the module or parameter ``path`` is assigned in its owner's class."""
    if not path:
        return None  # the model itself: reported at its definition
    parent, _, attribute = path.rpartition(".")
    owner = ctx.modules.get(parent)
    return attribute_location(owner, attribute) if owner is not None else None


@lru_cache(maxsize=256)
def _source_lines(path: str) -> tuple[str, ...]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return tuple(handle.read().splitlines())
    except OSError:
        return ()


def _range(location: Location) -> Range:
    """The whole statement text of a 1-based source line, as a 0-based range."""
    line = location[1] - 1
    lines = _source_lines(location[0])
    text = lines[line] if 0 <= line < len(lines) else ""
    start = len(text) - len(text.lstrip())
    return Range.of(line, start, line, max(len(text.rstrip()), start))


def to_diagnostics(findings: Iterable[Finding], ctx: Context, origin: Location | None) -> list[Diagnostic]:
    """Sorted, de-duplicated diagnostics for ``findings``."""
    by_node = {node.name: facts for node, facts in ctx.nodes()}
    made: dict[tuple[object, ...], Diagnostic] = {}
    for finding in findings:
        doc = BY_CODE[finding.code]
        location = None
        if finding.node is not None:
            location = by_node[finding.node].loc
        if location is None and finding.module is not None:
            location = call_location(ctx, finding.module)
        if location is None and finding.attribute is not None:
            location = assignment_location(ctx, finding.attribute)
        location = location or origin
        diagnostic = Diagnostic(
            code=doc.code,
            name=doc.name,
            message=finding.message,
            path=display_path(location[0]) if location else "<model>",
            range=_range(location) if location else Range.of(0, 0),
            severity=doc.severity,
            checklist=doc.checklist,
            source="trace",
            help=finding.help,
            notes=finding.notes,
        )
        made.setdefault((diagnostic.path, diagnostic.line, diagnostic.code, diagnostic.message), diagnostic)
    return sorted(made.values(), key=Diagnostic.sort_key)
