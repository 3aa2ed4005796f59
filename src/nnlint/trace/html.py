"""A self-contained HTML page that draws the graph, so a person can look instead of read.

No network and no JavaScript library: the layout is computed here (layers by
longest path from the inputs; parameters sit just above their first user) and
drawn as inline SVG. Frozen, NaN-prone, dim-mixing and unknown nodes are
coloured; values that never reach the output are dashed; hovering shows every
attribute, and a search box highlights nodes by name, module or source line.
"""

from __future__ import annotations

from html import escape
from typing import Any

import networkx

BOX_W, BOX_H, GAP_X, GAP_Y = 170, 46, 20, 34
COLOURS = (  # (attribute test, fill, legend)
    ("nan", "#ffb3b3", "NaN-prone"),
    ("dim_mixing", "#ffd27f", "dims mixed"),
    ("frozen", "#cfe3ff", "frozen parameters"),
    ("unknown", "#dddddd", "unknown (data-dependent)"),
)
_SOURCES = ("placeholder", "get_attr")


def _fill(data: dict[str, Any]) -> str:
    for attribute, colour, _ in COLOURS:
        if data.get(attribute):
            return colour
    return "#ffffff"


def layout(graph: networkx.DiGraph) -> dict[str, tuple[int, int]]:
    """(x, y) per node: layer = longest path from an input; parameters sit right above their first user."""
    layer: dict[str, int] = {}
    for name in graph.nodes:  # graph order is topological
        preds = [layer[p] for p in graph.predecessors(name) if graph.nodes[p]["op"] not in _SOURCES]
        layer[name] = 1 + max(preds, default=0)
    for name, data in graph.nodes(data=True):
        if data["op"] in _SOURCES:
            users = [layer[s] for s in graph.successors(name)]
            layer[name] = max(min(users, default=1) - 1, 0) if data["op"] == "get_attr" or data["params"] else 0
    rows: dict[int, int] = {}
    position = {}
    for name in graph.nodes:
        column = rows.get(layer[name], 0)
        rows[layer[name]] = column + 1
        position[name] = (GAP_X + column * (BOX_W + GAP_X), GAP_Y + layer[name] * (BOX_H + GAP_Y))
    return position


def _tooltip(name: str, data: dict[str, Any]) -> str:
    keys = ("op", "target", "module", "module_type", "source", "shape", "dims", "dtype", "params", "trainable", "flags", "nan")
    return "\n".join([name] + [f"{key}: {data[key]}" for key in keys if data.get(key) not in ("", None, 0)])


def render_html(graph: networkx.DiGraph, title: str) -> str:
    """The whole page as a string."""
    position = layout(graph)
    width = max((x for x, _ in position.values()), default=0) + BOX_W + GAP_X
    height = max((y for _, y in position.values()), default=0) + BOX_H + GAP_Y
    parts = []
    for source, target in graph.edges:
        (x1, y1), (x2, y2) = position[source], position[target]
        parts.append(f'<path d="M{x1 + BOX_W // 2},{y1 + BOX_H} C{x1 + BOX_W // 2},{y1 + BOX_H + GAP_Y} '
                     f'{x2 + BOX_W // 2},{y2 - GAP_Y} {x2 + BOX_W // 2},{y2}" class="edge"/>')
    for name, data in graph.nodes(data=True):
        x, y = position[name]
        dashed = "" if data.get("live", True) else ' stroke-dasharray="4 3"'
        search = escape(" ".join(str(data.get(k, "")) for k in ("module", "source", "kind", "flags")) + " " + name)
        parts.append(
            f'<g class="node" data-search="{search}"><title>{escape(_tooltip(name, data))}</title>'
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{_fill(data)}"{dashed}/>'
            f'<text x="{x + 6}" y="{y + 16}" class="name">{escape(_clip(name + " · " + str(data.get("kind", ""))))}</text>'
            f'<text x="{x + 6}" y="{y + 34}">{escape(_clip(str(data.get("dims") or data.get("module") or "")))}</text></g>'
        )
    legend = "".join(f'<span class="key" style="background:{colour}">{text}</span>' for _, colour, text in COLOURS)
    return _PAGE.format(title=escape(title), legend=legend, width=width, height=height, body="\n".join(parts),
                        tier=escape(str(graph.graph.get("tier", ""))), primes=escape(str(graph.graph.get("primes", ""))))


def _clip(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font: 13px system-ui, sans-serif; margin: 0; }}
header {{ position: sticky; top: 0; background: #fafafa; border-bottom: 1px solid #ccc; padding: 8px 12px; }}
.key {{ display: inline-block; padding: 2px 8px; margin-right: 6px; border: 1px solid #999; border-radius: 4px; }}
rect {{ stroke: #555; stroke-width: 1; }}
.edge {{ fill: none; stroke: #999; stroke-width: 1; marker-end: url(#arrow); }}
text {{ font: 11px ui-monospace, monospace; }}
text.name {{ font-weight: bold; }}
.hit rect {{ stroke: #0057d9; stroke-width: 3; }}
</style></head><body>
<header><strong>{title}</strong> · captured by {tier} · {primes}<br>{legend}
<span class="key" style="border-style:dashed">never reaches the output</span>
<input id="q" placeholder="search module, line, op…" size="30"></header>
<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">
<path d="M0,0 L10,5 L0,10 z" fill="#999"/></marker></defs>
{body}
</svg>
<script>
document.getElementById("q").addEventListener("input", function (event) {{
  var q = event.target.value.toLowerCase();
  document.querySelectorAll("g.node").forEach(function (node) {{
    node.classList.toggle("hit", q.length > 0 && node.dataset.search.toLowerCase().indexOf(q) >= 0);
  }});
}});
</script></body></html>
"""
