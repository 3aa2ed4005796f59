"""The graph files ``nnlint trace --graph`` writes, by extension.

A leaf module: the command checks a ``--graph`` path before tracing, without importing the exporter
(and networkx) that writes it; the exporter reads the same list.
"""

GRAPH_FORMATS = (".graphml", ".dot", ".gv", ".json", ".html", ".htm")
