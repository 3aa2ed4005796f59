// Draws the model graph of an nnlint trace page (data in NNLINT_GRAPH, built by nnlint/trace/html.py).
// Layout: dagre (layered, Sugiyama-style; long edges such as skip connections get their own lane
// between the boxes they pass). Modules are clusters; a collapsed module is one box that opens on click.
(function () {
  "use strict";
  var DATA = NNLINT_GRAPH, NS = "http://www.w3.org/2000/svg";
  var CONTAINERS = { Sequential: 1, ModuleList: 1, ModuleDict: 1, "": 1 };
  var BOX_H = 42;
  var svg = document.getElementById("graph");
  var byId = {}, collapsed = {}, query = "";
  DATA.nodes.forEach(function (node) { byId[node.id] = node; });

  function ancestors(path) {  // "a.b.c" -> ["a", "a.b", "a.b.c"]
    if (!path) { return []; }
    var parts = path.split("."), out = [];
    for (var i = 1; i <= parts.length; i++) { out.push(parts.slice(0, i).join(".")); }
    return out;
  }
  function representative(node) {  // the visible box a node is drawn in: itself or its outermost collapsed module
    var chain = ancestors(node.scope);
    for (var i = 0; i < chain.length; i++) { if (collapsed[chain[i]]) { return "module:" + chain[i]; } }
    return node.id;
  }
  function el(name, attributes, parent) {
    var element = document.createElementNS(NS, name);
    Object.keys(attributes).forEach(function (key) { element.setAttribute(key, attributes[key]); });
    if (parent) { parent.appendChild(element); }
    return element;
  }
  var ruler = el("text", { x: -1000, y: -1000 }, svg);
  function measure(text, bold) {
    ruler.setAttribute("class", bold ? "name" : "");
    ruler.textContent = text;
    return ruler.getComputedTextLength();
  }

  function boxes() {  // the visible boxes: nodes outside collapsed modules, one box per outermost collapsed module
    var visible = {}, order = [];
    DATA.nodes.forEach(function (node) {
      var id = representative(node);
      if (!visible[id]) {
        var path = id.indexOf("module:") === 0 ? id.slice(7) : null;
        visible[id] = path === null ? { id: id, title: node.title, detail: node.detail, scope: node.scope, fill: node.fill,
                                        live: node.live, flagged: node.flagged, members: [] }
          : { id: id, title: path + " · " + (DATA.groups[path] || "module"), detail: "", scope: path.split(".").slice(0, -1).join("."),
              fill: "#eef2ff", live: true, flagged: false, module: path, members: [] };
        order.push(id);
      }
      visible[id].members.push(node);
      visible[id].flagged = visible[id].flagged || node.flagged;
    });
    order.forEach(function (id) {
      var box = visible[id];
      if (box.module) { box.detail = box.members.length + " ops ▸ click to open"; }
    });
    return order.map(function (id) { return visible[id]; });
  }

  function layout(shown) {
    var g = new dagre.graphlib.Graph({ compound: true, multigraph: false });
    g.setGraph({ rankdir: "TB", nodesep: 26, ranksep: 30, edgesep: 16, marginx: 16, marginy: 28 });
    g.setDefaultEdgeLabel(function () { return {}; });
    var clusters = {};
    shown.forEach(function (box) {
      var width = Math.max(measure(box.title, true), measure(box.detail, false)) + 16;
      g.setNode(box.id, { box: box, width: Math.max(90, Math.ceil(width)), height: BOX_H });
      var chain = ancestors(box.scope);
      chain.forEach(function (path, i) {
        if (!clusters[path]) {
          clusters[path] = true;
          g.setNode("cluster:" + path, { cluster: path });
          if (i > 0) { g.setParent("cluster:" + path, "cluster:" + chain[i - 1]); }
        }
      });
      if (chain.length) { g.setParent(box.id, "cluster:" + chain[chain.length - 1]); }
    });
    var seen = {};
    DATA.edges.forEach(function (edge) {
      var source = representative(byId[edge.source]), target = representative(byId[edge.target]);
      var key = source + "\u0000" + target;
      if (source === target || seen[key]) { return; }
      seen[key] = true;
      g.setEdge(source, target, { edge: edge, label: edge.label, width: Math.ceil(measure(edge.label, false) * 10 / 11) + 6,
                                  height: 14, labelpos: "c" });
    });
    dagre.layout(g);
    return g;
  }

  function draw() {
    while (svg.lastChild) { svg.removeChild(svg.lastChild); }
    svg.appendChild(ruler);
    var defs = el("defs", {}, svg);
    var marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" }, defs);
    el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#888" }, marker);
    var g = layout(boxes()), size = g.graph();
    svg.setAttribute("width", Math.ceil(size.width || 0));
    svg.setAttribute("height", Math.ceil(size.height || 0));
    var layers = { clusters: el("g", {}, svg), edges: el("g", {}, svg), nodes: el("g", {}, svg), labels: el("g", {}, svg) };
    g.nodes().filter(function (id) { return g.node(id).cluster; })
      .sort(function (a, b) { return a.split(".").length - b.split(".").length; })
      .forEach(function (id) { drawCluster(layers.clusters, g.node(id)); });
    var routes = route(g);
    g.edges().forEach(function (e, i) { drawEdge(layers, e, g.edge(e), routes[i]); });
    g.nodes().forEach(function (id) { if (!g.node(id).cluster) { drawBox(layers.nodes, g.node(id)); } });
    search(query);
  }

  function drawCluster(parent, spec) {
    var group = el("g", { "class": "cluster", "data-module": spec.cluster }, parent);
    el("rect", { x: spec.x - spec.width / 2, y: spec.y - spec.height / 2, width: spec.width, height: spec.height, rx: 8 }, group);
    var label = el("text", { x: spec.x - spec.width / 2 + 6, y: spec.y - spec.height / 2 + 11 }, group);
    label.textContent = "▾ " + spec.cluster + (DATA.groups[spec.cluster] ? " · " + DATA.groups[spec.cluster] : "");
    el("title", {}, label).textContent = "click to collapse " + spec.cluster;
    label.addEventListener("click", function () { collapsed[spec.cluster] = true; draw(); });
  }

  // Every box is BOX_H high and a rank's boxes share its centre line, so between two ranks there is a band with no
  // box in it. An edge leaves its source's bottom and enters its target's top (ports spread over the side, in the
  // order of where the edges go), runs diagonally only inside those bands, and crosses a rank vertically through
  // the slot dagre reserved for it: it can never pass under a box.
  function route(g) {
    var ranks = {};
    g.nodes().forEach(function (id) { var n = g.node(id); if (!n.cluster) { ranks[Math.round(n.y)] = true; } });
    var inner = g.edges().map(function (e) {
      var out = [];
      g.edge(e).points.slice(1, -1).forEach(function (p) {
        if (ranks[Math.round(p.y)]) { out.push({ x: p.x, y: p.y - BOX_H / 2 }, { x: p.x, y: p.y + BOX_H / 2 }); } else { out.push(p); }
      });
      return out;
    });
    var starts = ports(g, "v", function (i) { return inner[i].length ? inner[i][0].x : g.node(g.edges()[i].w).x; });
    var ends = ports(g, "w", function (i) { return inner[i].length ? inner[i][inner[i].length - 1].x : g.node(g.edges()[i].v).x; });
    return g.edges().map(function (e, i) {
      var from = g.node(e.v), to = g.node(e.w);
      return [{ x: starts[i], y: from.y + from.height / 2 }].concat(inner[i], [{ x: ends[i], y: to.y - to.height / 2 }]);
    });
  }

  function ports(g, end, towards) {  // x of each edge's port on its source ("v") or target ("w") box
    var byBox = {}, x = [];
    g.edges().forEach(function (e, i) { (byBox[e[end]] = byBox[e[end]] || []).push(i); });
    Object.keys(byBox).forEach(function (id) {
      var box = g.node(id), edges = byBox[id].sort(function (a, b) { return towards(a) - towards(b); });
      edges.forEach(function (i, k) { x[i] = box.x - box.width / 2 + box.width * (k + 1) / (edges.length + 1); });
    });
    return x;
  }

  function drawEdge(layers, e, spec, points) {
    var d = points.map(function (p, i) { return (i ? "L" : "M") + p.x.toFixed(1) + "," + p.y.toFixed(1); }).join(" ");
    var path = el("path", { d: d, "class": "edge", "data-source": e.v, "data-target": e.w }, layers.edges);
    el("title", {}, path).textContent = spec.edge.tooltip;
    if (spec.label) {
      var text = el("text", { x: spec.x, y: spec.y + 4, "class": "edge-label", "text-anchor": "middle" }, layers.labels);
      text.textContent = spec.label;
      el("title", {}, text).textContent = spec.edge.tooltip;
    }
  }

  function drawBox(parent, spec) {
    var box = spec.box, x = spec.x - spec.width / 2, y = spec.y - spec.height / 2;
    var classes = "node" + (box.flagged ? " flagged" : "") + (box.module ? " collapsed" : "");
    var group = el("g", { "class": classes, "data-id": box.id, id: "node-" + box.id }, parent);
    el("title", {}, group).textContent = box.module ? "click to open " + box.module
      : box.members[0].tooltip;
    var rect = el("rect", { x: x, y: y, width: spec.width, height: spec.height, rx: 6, fill: box.fill }, group);
    if (!box.live) { rect.setAttribute("stroke-dasharray", "4 3"); }
    el("text", { x: x + 8, y: y + 16, "class": "name" }, group).textContent = box.title;
    if (box.detail) { el("text", { x: x + 8, y: y + 33 }, group).textContent = box.detail; }
    if (box.module) { group.addEventListener("click", function () { delete collapsed[box.module]; draw(); }); }
    group.__members = box.members;
  }

  function search(text) {
    query = text.toLowerCase();
    var hits = 0;
    svg.querySelectorAll("g.node").forEach(function (group) {
      var matched = query.length > 0 ? group.__members.filter(function (node) { return node.search.toLowerCase().indexOf(query) >= 0; }).length : 0;
      hits += matched;
      group.classList.toggle("hit", matched > 0);
    });
    document.getElementById("hits").textContent = query ? hits + " match" + (hits === 1 ? "" : "es") : "";
  }

  function reveal(id) {  // open the modules around a node, draw, and bring it into view
    ancestors(byId[id].scope).forEach(function (path) { delete collapsed[path]; });
    draw();
    var group = document.getElementById("node-" + id);
    group.classList.add("focus");
    group.scrollIntoView({ block: "center", inline: "center" });
  }

  function collapseBlocks() {  // every outermost module whose class repeats (a Bottleneck, a transformer Block)
    var count = {};
    Object.keys(DATA.groups).forEach(function (path) { count[DATA.groups[path]] = (count[DATA.groups[path]] || 0) + 1; });
    collapsed = {};
    Object.keys(DATA.groups).sort().forEach(function (path) {
      var type = DATA.groups[path];
      var inside = ancestors(path).slice(0, -1).some(function (outer) { return collapsed[outer]; });
      if (!inside && !CONTAINERS[type] && count[type] > 1) { collapsed[path] = true; }
    });
  }

  var list = document.getElementById("findings");
  DATA.findings.forEach(function (finding) {
    var link = document.createElement("a");
    link.href = "#node-" + finding.node;
    link.textContent = finding.code + " at " + finding.node + (finding.summary ? ": " + finding.summary : "");
    link.addEventListener("click", function (event) { event.preventDefault(); reveal(finding.node); });
    var item = document.createElement("li");
    item.appendChild(link);
    list.appendChild(item);
  });
  document.getElementById("q").addEventListener("input", function (event) { search(event.target.value); });
  document.getElementById("collapse").addEventListener("click", function () { collapseBlocks(); draw(); });
  document.getElementById("expand").addEventListener("click", function () { collapsed = {}; draw(); });
  if (DATA.nodes.length > 150) { collapseBlocks(); }
  draw();
  window.nnlintGraph = {  // for the browser tests and the screenshot script
    collapseBlocks: function () { collapseBlocks(); draw(); },
    expandAll: function () { collapsed = {}; draw(); },
    search: function (text) { document.getElementById("q").value = text; search(text); return document.getElementById("hits").textContent; },
    reveal: reveal
  };
}());
