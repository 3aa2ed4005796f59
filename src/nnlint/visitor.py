"""One LibCST visit per file, shared by all enabled rules (Fixit's batched visitor).

Every rule's ``visit_<Node>``/``leave_<Node>`` methods are gathered once into a
dispatch table keyed by node type name; the visit keeps the ancestor stack the
rules' context reads. A rule that raises is switched off for the rest of this
file and its error recorded: one broken rule never hides the others' findings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import libcst as cst

from nnlint.analysis.context import FileContext
from nnlint.rule import Rule

Handler = Callable[[cst.CSTNode], object]


class BatchedVisitor(cst.CSTVisitor):
    def __init__(self, context: FileContext, rules: list[Rule]) -> None:
        self.context = context
        self.failures: dict[str, BaseException] = {}
        self._visit: dict[str, list[tuple[Rule, Handler]]] = defaultdict(list)
        self._leave: dict[str, list[tuple[Rule, Handler]]] = defaultdict(list)
        for rule in rules:
            for attribute in dir(rule):
                prefix, _, node_type = attribute.partition("_")
                if prefix in ("visit", "leave") and node_type and node_type[0].isupper():
                    table = self._visit if prefix == "visit" else self._leave
                    table[node_type].append((rule, getattr(rule, attribute)))

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.context.ancestors.append(node)
        self._dispatch(self._visit.get(type(node).__name__), node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._dispatch(self._leave.get(type(original_node).__name__), original_node)
        self.context.ancestors.pop()

    def _dispatch(self, handlers: list[tuple[Rule, Handler]] | None, node: cst.CSTNode) -> None:
        for rule, handler in handlers or ():
            if rule.code in self.failures:
                continue
            try:
                handler(node)
            except Exception as error:  # noqa: BLE001 - the file boundary: one rule's bug stays one rule's
                self.failures[rule.code] = error
