"""LibCST nodes -> ``Range``, resolved once per file and only for files with findings.

PositionProvider costs more than the parse itself (see design.md, "Speed is
architecture"), so the engine asks for it only after a rule has reported.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from nnlint.diagnostic import Position, Range


class NodePositions:
    def __init__(self, module: cst.Module) -> None:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self._positions = wrapper.resolve(PositionProvider)

    def range_of(self, node: cst.CSTNode) -> Range | None:
        code_range = self._positions.get(node)
        if code_range is None:
            return None
        return Range(
            Position(code_range.start.line - 1, code_range.start.column),
            Position(code_range.end.line - 1, code_range.end.column),
        )
