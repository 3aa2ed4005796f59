"""The package's import structure: no cycles, and no layer importing one above it.

A cycle or an upward import is how a small package turns into one that only its authors can
change: moving a rule breaks the catalog, the tracer cannot be imported without the doctor.
The graph is read from the import statements themselves (deferred imports inside functions
count too; only ``if TYPE_CHECKING:`` blocks are left out), so no import of nnlint is needed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"

# Layers from the bottom up: a module may import its own layer and those listed before it.
# The static half (analysis, rules) sits below everything that runs it; the tracer and the
# doctor sit beside it and never import the commands that drive them.
LAYERS = (
    ("core", ()),
    ("analysis", ("nnlint.analysis",)),
    ("rule declarations", ("nnlint.rule_doc", "nnlint.rule", "nnlint.registry", "nnlint.catalog", "nnlint.visitor",
                           "nnlint.rules", "nnlint.trace.codes", "nnlint.doctor.codes")),
    ("reports", ("nnlint.results", "nnlint.reporters")),
    ("runtime halves", ("nnlint.trace", "nnlint.doctor", "nnlint.pictures", "nnlint.notebooks")),
    ("checking", ("nnlint.engine", "nnlint.cache", "nnlint.fixes", "nnlint.autofix", "nnlint.catalog_pages", "nnlint.api")),
    ("front ends", ("nnlint.commands", "nnlint.lsp", "nnlint.lsp_command", "nnlint.cli", "nnlint.__main__",
                    "nnlint.trace.command", "nnlint.doctor.command", "nnlint.testing")),
    ("the public package", ("nnlint.__init__",)),
)


def module_files() -> dict[str, Path]:
    modules = {}
    for path in SOURCE.rglob("*.py"):
        parts = path.relative_to(SOURCE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = module_files()


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def imported_modules(name: str, path: Path) -> set[str]:
    """The nnlint modules ``name`` imports, each import resolved to the module it loads."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _nodes_outside_type_checking(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
    # every submodule's import runs the root package first: ``from nnlint import __version__`` adds nothing
    return {module for module in found if module in MODULES and module not in (name, "nnlint")}


def _nodes_outside_type_checking(tree: ast.AST):
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


GRAPH = {name: imported_modules(name, path) for name, path in MODULES.items()}


def layer_of(module: str) -> int:
    if module == "nnlint":
        return len(LAYERS) - 1
    best, best_length = 0, 0
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = rank, len(prefix)
    return best


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_packages_import_graph_has_no_cycles() -> None:
    assert cycles(GRAPH) == []


@pytest.mark.parametrize("importer", sorted(GRAPH))
def test_no_module_imports_a_layer_above_its_own(importer: str) -> None:
    upward = sorted(m for m in GRAPH[importer] if layer_of(m) > layer_of(importer))
    assert upward == [], f"{importer} ({LAYERS[layer_of(importer)][0]}) imports a higher layer: {upward}"


def test_the_graph_reads_deferred_imports() -> None:
    """The test sees an import inside a function (how the server defers LibCST's code actions)."""
    assert "nnlint.lsp.actions" in GRAPH["nnlint.lsp.server"]
