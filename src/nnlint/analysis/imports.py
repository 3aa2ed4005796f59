"""Resolve local names to the qualified names they were imported as.

``import torch.nn as nn`` makes ``nn.NLLLoss`` mean ``torch.nn.NLLLoss``;
``from torch.nn import NLLLoss as L`` makes ``L`` mean it too. Rules compare
qualified names, never spellings. Relative imports resolve against the file's
own package (``project.module_name_for``).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from nnlint.analysis.syntax import body_statements, dotted_name, small_statements, walk_statements


@dataclass(frozen=True)
class ImportMap:
    aliases: dict[str, str]  # local name -> qualified name

    @classmethod
    def of(cls, module: cst.Module, package: str | None) -> "ImportMap":
        aliases: dict[str, str] = {}
        for statement in _all_statements(module):
            for small in small_statements(statement):
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        full = dotted_name(alias.name) or ""
                        if alias.asname is not None:
                            aliases[_as_name(alias)] = full
                        else:
                            head = full.split(".", 1)[0]
                            aliases[head] = head
                elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    base = _from_module(small, package)
                    if base is None:
                        continue
                    for alias in small.names:
                        name = dotted_name(alias.name) or ""
                        local = _as_name(alias) if alias.asname is not None else name
                        aliases[local] = f"{base}.{name}" if base else name
        return cls(aliases)

    def qualify(self, node: cst.BaseExpression) -> str | None:
        """The qualified name of a Name/Attribute chain whose head was imported, else None."""
        name = dotted_name(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        base = self.aliases.get(head)
        if base is None:
            return None
        return f"{base}.{rest}" if rest else base


def _as_name(alias: cst.ImportAlias) -> str:
    assert alias.asname is not None
    return dotted_name(alias.asname.name) or ""  # type: ignore[arg-type]


def _from_module(node: cst.ImportFrom, package: str | None) -> str | None:
    module = dotted_name(node.module) if node.module is not None else ""
    dots = len(node.relative)
    if dots == 0:
        return module
    if package is None:
        return None
    parts = package.split(".") if package else []
    if dots - 1 > len(parts):
        return None
    base = parts[: len(parts) - (dots - 1)]
    return ".".join([*base, module] if module else base)


def _all_statements(module: cst.Module) -> list[cst.BaseStatement]:
    """All statements including those inside functions and classes (imports live anywhere)."""
    found: list[cst.BaseStatement] = []
    pending: list[cst.BaseStatement] = list(module.body)
    while pending:
        batch = list(walk_statements(pending))
        found.extend(batch)
        pending = [inner for statement in batch if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) for inner in body_statements(statement)]
    return found
