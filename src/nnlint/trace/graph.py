"""The captured model as a ``networkx.DiGraph``: one node per fx node, edges from inputs.

Attributes are plain strings, ints and bools so that every exporter (GraphML
above all) can write them without conversion.
"""

from __future__ import annotations

import networkx

from nnlint.trace.facts import Context
from nnlint.trace.frames import describe

#: Codes that colour a node as "dims mixed" in the pictures.
DIM_CODES = frozenset({"NT101", "NT102", "NT103", "NT104", "NT105"})
NAN_CODES = frozenset({"NT110", "NT111"})
#: The model's inputs and its output are no line of the user's code: the frame fx sees for them is the caller's
#: (nnlint's own launcher), so they carry no source.
_NO_SOURCE = frozenset({"placeholder", "output"})


def build_graph(ctx: Context) -> networkx.DiGraph:
    """One node per fx node (in graph order), with the facts checks and reporters use."""
    graph = networkx.DiGraph(tier=ctx.captured.tier, primes=",".join(f"{k}={v}" for k, v in ctx.first.primes.items()))
    parameters = dict(ctx.model.named_parameters())
    for node, facts in ctx.nodes():
        used = [parameters[name] for name in facts.params if name in parameters]
        size = sum(p.numel() for p in used)
        trainable = sum(p.numel() for p in used if p.requires_grad)
        graph.add_node(
            node.name,
            op=node.op,
            target=str(node.target) if node.op in ("call_module", "call_method", "get_attr") else facts.kind,
            kind=facts.kind,
            module=facts.module,
            module_type=facts.module_type,
            source="" if node.op in _NO_SOURCE else describe(facts.loc),
            shape=str(list(facts.shape)) if facts.shape is not None else "",
            dtype=facts.dtype,
            dims=facts.text,
            params=size,
            trainable=trainable,
            frozen=bool(size) and not trainable,
            nan=" ".join(facts.flags[code] for code in sorted(NAN_CODES & facts.flags.keys())),
            dim_mixing=bool(DIM_CODES & facts.flags.keys()),
            flags=",".join(sorted(facts.flags)),
            unknown=facts.unknown,
            live=facts.live,
        )
        for source in node.all_input_nodes:
            graph.add_edge(source.name, node.name)
    return graph
