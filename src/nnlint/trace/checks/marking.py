"""What the tracer's checks share: how an op is named in a message, and how a blamed node is marked.

Its own module so that the checks (``dims``, ``nan``, ...) do not import the package that runs them.
"""

from __future__ import annotations

from torch import fx

from nnlint.trace.facts import NodeFacts
from nnlint.trace.findings import Finding


def describe_op(node: fx.Node, facts: NodeFacts) -> str:
    """``Linear `fc` `` for a module call, `` `view` `` for an operation; with its module."""
    if node.op == "call_module":
        return f"{facts.module_type} `{node.target}`"
    inside = f" in `{facts.module}`" if facts.module else ""
    return f"`{facts.kind}`{inside}"


def flag(facts: NodeFacts, finding: Finding) -> Finding:
    """Mark the node blamed by ``finding`` and return the finding."""
    facts.flags[finding.code] = finding.message
    return finding
