"""Writing the graph: GraphML, DOT, node-link JSON or a self-contained HTML page.

The format follows the file extension. DOT is written here (networkx's writer
needs pydot or pygraphviz); everything is written to a temporary file first and
then moved into place, so a failed export never leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from typing import Any, TextIO

import networkx

from nnlint.trace.command import GRAPH_FORMATS as FORMATS
from nnlint.trace.errors import TraceUsageError
from nnlint.trace.html import COLOURS, render_html


def _quote(value: Any) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_dot(graph: networkx.DiGraph, out: TextIO) -> None:
    out.write("digraph model {\n  node [shape=box, style=filled, fillcolor=white, fontname=monospace];\n")
    for name, data in graph.nodes(data=True):
        fill = next((colour for attribute, colour, _ in COLOURS if data.get(attribute)), "white")
        label = "\n".join(str(part) for part in (name, data.get("kind", ""), data.get("dims", "")) if part)
        attributes = {key: value for key, value in data.items() if value not in ("", None)}
        attributes.update(label=label, fillcolor=fill)
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
    directory = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=extension)
    except OSError as error:
        raise TraceUsageError(f"--graph {path}: {error.strerror or error}") from error
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            writers[extension](graph, out)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
