"""A self-contained HTML page that draws the graph, so a person can look instead of read.

The layout is dagre's (vendored in ``vendor/``: a layered, Sugiyama-style
layout like Graphviz ``dot``, which routes long edges such as residual
connections around the boxes of the layers they skip); ``graph.js`` draws it as
SVG in the browser. Both are embedded with the graph's data, so the page opens
offline. Modules are clusters that collapse into one box and open again; every
edge is labelled with the dims it carries; frozen, NaN-prone, dim-mixing and
unknown nodes are coloured, flagged nodes are outlined and listed with links to
them, and the search box matches op, kind and module names (not file paths).
"""

from __future__ import annotations

import json
from html import escape
from importlib.resources import files
from typing import Any

import networkx

from nnlint.trace.codes import BY_CODE

COLOURS = (  # (attribute test, fill, legend)
    ("nan", "#ffb3b3", "NaN-prone"),
    ("dim_mixing", "#ffd27f", "dims mixed"),
    ("frozen", "#cfe3ff", "frozen parameters"),
    ("unknown", "#dddddd", "unknown (data-dependent)"),
)
_TOOLTIP_KEYS = ("op", "target", "module", "module_type", "source", "shape", "dims", "dtype", "params", "trainable", "flags", "nan")
_DAGRE_NOTICE = "/* @dagrejs/dagre 3.1.3 (MIT, Copyright (c) 2012-2014 Chris Pettitt): see nnlint/trace/vendor/dagre.LICENSE */\n"


def fill(data: dict[str, Any]) -> str:
    """The colour of a node: the first of ``COLOURS`` whose attribute is set, else white."""
    for attribute, colour, _ in COLOURS:
        if data.get(attribute):
            return colour
    return "#ffffff"


def scope(data: dict[str, Any]) -> str:
    """The module a node belongs to: a module call's parent, the enclosing module of any other op ('' at the top)."""
    module = str(data.get("module") or "")
    if data.get("op") == "call_module":
        return module.rpartition(".")[0]
    return module


def _is_parameter(data: dict[str, Any]) -> bool:
    """A parameter fed into the graph (fx ``get_attr``, or a ``torch.export`` placeholder holding parameters)."""
    return data.get("op") == "get_attr" or (data.get("op") == "placeholder" and bool(data.get("params")))


def scopes(graph: networkx.DiGraph) -> dict[str, str]:
    """``scope`` of every node; a parameter joins the innermost module holding all its users, so it is drawn
    beside them (and folds away with their block) instead of in one row of inputs at the top."""
    found = {name: scope(data) for name, data in graph.nodes(data=True)}
    for name, data in graph.nodes(data=True):
        users = [found[user].split(".") for user in graph.successors(name)]
        if _is_parameter(data) and users:
            common = users[0]
            for other in users[1:]:
                length = 0
                while length < min(len(common), len(other)) and common[length] == other[length]:
                    length += 1
                common = common[:length]
            found[name] = ".".join(part for part in common if part)
    return found


def groups(graph: networkx.DiGraph) -> dict[str, str]:
    """Every module that holds nodes (and all its ancestors) -> its class name, for the collapsible boxes."""
    types: dict[str, str] = {}
    for _, data in graph.nodes(data=True):
        if data.get("op") == "call_module" or not data.get("module"):
            continue
        types.setdefault(str(data["module"]), str(data.get("module_type") or ""))
    found: dict[str, str] = {}
    for path in scopes(graph).values():
        while path:
            found.setdefault(path, types.get(path, ""))
            path = path.rpartition(".")[0]
    return found


def page_data(graph: networkx.DiGraph) -> dict[str, Any]:
    """What ``graph.js`` draws: nodes, edges (with the dims they carry), module groups and findings."""
    nodes: list[dict[str, Any]] = []
    findings: list[dict[str, str]] = []
    placed = scopes(graph)
    for name, data in graph.nodes(data=True):
        codes = [code for code in str(data.get("flags") or "").split(",") if code]
        nodes.append({
            "id": name,
            "title": f"{name} · {data.get('kind', '')}",
            "detail": str(data.get("dims") or data.get("module") or ""),
            "scope": placed[name],
            "fill": fill(data),
            "live": bool(data.get("live", True)),
            "flagged": bool(codes or data.get("nan")),
            "search": " ".join(str(data.get(key) or "") for key in ("op", "target", "kind", "module", "module_type")) + " " + name,
            "tooltip": "\n".join([name] + [f"{key}: {data[key]}" for key in _TOOLTIP_KEYS if data.get(key) not in ("", None, 0)]),
        })
        findings.extend({"code": code, "node": name, "summary": BY_CODE[code].summary if code in BY_CODE else ""} for code in codes)
    edges = []
    for source, target in graph.edges:
        produced = graph.nodes[source]
        carried = str(produced.get("dims") or produced.get("shape") or "")
        origin = f", made at {produced['source']}" if produced.get("source") else ""
        edges.append({"source": source, "target": target, "label": carried,
                      "tooltip": f"{source} -> {target}: {carried} {produced.get('dtype', '')}{origin}".strip()})
    return {"nodes": nodes, "edges": edges, "groups": groups(graph), "findings": findings,
            "primes": str(graph.graph.get("primes", ""))}


def _asset(name: str) -> str:
    return files("nnlint.trace").joinpath(name).read_text(encoding="utf-8")


def _script(text: str) -> str:
    """Text that can sit inside ``<script>``: no ``</`` that could close it early."""
    return text.replace("</", "<\\/")


def render_html(graph: networkx.DiGraph, title: str) -> str:
    """The whole page as a string."""
    legend = "".join(f'<span class="key" style="background:{colour}">{text}</span>' for _, colour, text in COLOURS)
    data = _script(json.dumps(page_data(graph), separators=(",", ":")))
    return _PAGE.format(title=escape(title), legend=legend, tier=escape(str(graph.graph.get("tier", ""))),
                        primes=escape(str(graph.graph.get("primes", ""))), data=data,
                        dagre=_DAGRE_NOTICE + _script(_asset("vendor/dagre.min.js")), draw=_script(_asset("graph.js")))


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font: 13px system-ui, sans-serif; margin: 0; }}
header {{ position: sticky; top: 0; z-index: 2; background: #fafafa; border-bottom: 1px solid #ccc; padding: 8px 12px; }}
.key {{ display: inline-block; padding: 2px 8px; margin-right: 6px; border: 1px solid #999; border-radius: 4px; }}
#findings {{ margin: 6px 0 0; padding-left: 18px; }} #findings a {{ color: #b00; }}
main {{ display: block; overflow: auto; }}
.node rect {{ stroke: #555; stroke-width: 1; }}
.node.flagged rect {{ stroke: #d00; stroke-width: 2.5; }}
.node.hit rect {{ stroke: #0057d9; stroke-width: 3; }}
.node.focus rect {{ stroke: #0057d9; stroke-width: 4; }}
.node.collapsed rect {{ stroke-width: 2; stroke-dasharray: none; }}
.cluster rect {{ fill: #f3f6fb; stroke: #9ab; stroke-dasharray: 3 2; }}
.cluster text {{ fill: #467; cursor: pointer; }}
.edge {{ fill: none; stroke: #888; stroke-width: 1.2; marker-end: url(#arrow); }}
.edge-label {{ font: 10px ui-monospace, monospace; fill: #357; paint-order: stroke; stroke: #fff; stroke-width: 4px; }}
text {{ font: 11px ui-monospace, monospace; }}
text.name {{ font-weight: bold; }}
.node {{ cursor: default; }} .node.collapsed {{ cursor: pointer; }}
</style></head><body>
<header><strong>{title}</strong> · captured by {tier} · {primes}<br>{legend}
<span class="key" style="border-style:dashed">never reaches the output</span>
<input id="q" placeholder="search op or module…" size="26"> <span id="hits"></span>
<button id="collapse">collapse blocks</button> <button id="expand">expand all</button>
<ol id="findings"></ol></header>
<main><svg id="graph" xmlns="http://www.w3.org/2000/svg"></svg></main>
<script>{dagre}</script>
<script>var NNLINT_GRAPH = {data};</script>
<script>{draw}</script>
</body></html>
"""
