"""One walk over the tree per file, shared by all enabled rules (Fixit's batched visitor).

LibCST's own ``visit`` rebuilds and re-validates every node as it goes (its
visitors double as transformers); a read-only walk over each node type's child
fields, skipping whitespace and punctuation, visits the same nodes in source
order at a fraction of the cost and keeps node identity for positions. Every rule's ``visit_<Node>``/``leave_<Node>`` methods are gathered once into a
dispatch table keyed by node type name; the visit keeps the ancestor stack the
rules' context reads. A rule that raises is switched off for the rest of this
file and its error recorded: one broken rule never hides the others' findings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import libcst as cst

from nnlint.analysis.context import FileContext
from nnlint.analysis.syntax import children
from nnlint.rule import Rule

Handler = Callable[[cst.CSTNode], object]


class BatchedVisitor:
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

    def walk(self, node: cst.CSTNode) -> None:
        """Visit ``node`` and everything below it, in source order."""
        name = type(node).__name__
        self.context.ancestors.append(node)
        self._dispatch(self._visit.get(name), node)
        for child in children(node):
            self.walk(child)
        self._dispatch(self._leave.get(name), node)
        self.context.ancestors.pop()

    def _dispatch(self, handlers: list[tuple[Rule, Handler]] | None, node: cst.CSTNode) -> None:
        for rule, handler in handlers or ():
            if rule.code in self.failures:
                continue
            try:
                handler(node)
            except Exception as error:  # noqa: BLE001 - the file boundary: one rule's bug stays one rule's
                self.failures[rule.code] = error
