"""Writing the graph: GraphML, DOT, node-link JSON or a self-contained HTML page.

The format follows the file extension. DOT is written here (networkx's writer
needs pydot or pygraphviz); node attributes whose names Graphviz reserves
(``shape`` is the box's outline, ``target`` an SVG link target) are renamed so
that no DOT consumer misreads them. Files are written whole or not at all, with
the mode the umask gives (``nnlint.output_file``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any, TextIO

import networkx

from nnlint.output_file import write_output
from nnlint.trace.errors import TraceUsageError
from nnlint.trace.formats import GRAPH_FORMATS as FORMATS
from nnlint.trace.html import fill, render_html

#: Graph attributes whose names are Graphviz attributes with another meaning -> their names in DOT files.
DOT_RENAMES = {"shape": "tensor_shape", "target": "fx_target"}


def _quote(value: Any) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_dot(graph: networkx.DiGraph, out: TextIO) -> None:
    out.write("digraph model {\n  node [shape=box, style=filled, fillcolor=white, fontname=monospace];\n")
    for name, data in graph.nodes(data=True):
        label = "\n".join(str(part) for part in (name, data.get("kind", ""), data.get("dims", "")) if part)
        attributes = {DOT_RENAMES.get(key, key): value for key, value in data.items() if value not in ("", None)}
        attributes.update(label=label, fillcolor=fill(data))
        if not data.get("live", True):
            attributes["style"] = "filled,dashed"
        out.write(f"  {_quote(name)} [" + ", ".join(f"{key}={_quote(value)}" for key, value in attributes.items()) + "];\n")
    out.writelines(f"  {_quote(source)} -> {_quote(target)};\n" for source, target in graph.edges)
    out.write("}\n")


def _json(graph: networkx.DiGraph, out: TextIO) -> None:
    json.dump(networkx.node_link_data(graph, edges="edges"), out, indent=1)
    out.write("\n")


def _graphml(graph: networkx.DiGraph, out: TextIO) -> None:
    out.write("\n".join(networkx.generate_graphml(graph)) + "\n")


def write_graph(graph: networkx.DiGraph, path: str, title: str = "model") -> None:
    """Write ``graph`` to ``path`` in the format its extension names."""

    def html(graph: networkx.DiGraph, out: TextIO) -> None:
        out.write(render_html(graph, title))

    extension = os.path.splitext(path)[1].lower()
    writers: dict[str, Callable[[networkx.DiGraph, TextIO], None]] = {
        ".graphml": _graphml, ".dot": write_dot, ".gv": write_dot, ".json": _json, ".html": html, ".htm": html,
    }
    if extension not in writers:
        raise TraceUsageError(f"--graph {path}: unknown format {extension or '(none)'} (use {', '.join(FORMATS)})")
    try:
        write_output(path, lambda out: writers[extension](graph, out))
    except OSError as error:
        raise TraceUsageError(f"--graph {path}: {error.strerror or error}") from error
