"""NT112: one normalisation module with running statistics, called at several places (item 32).

Each call updates the same running mean and variance, so in ``eval()`` mode the
module normalises with statistics that mix distributions from different places.
Calls are counted per module *call* (fx and export number them ``bn``, ``bn@1``, ...).
"""

from __future__ import annotations

from collections.abc import Iterable

from nnlint.trace.facts import Context
from nnlint.trace.findings import Finding
from nnlint.trace.frames import Location, describe


def norm_module_reused(ctx: Context) -> Iterable[Finding]:
    tracked = {path for path, module in ctx.modules.items() if path and getattr(module, "running_mean", None) is not None}
    if not tracked:
        return
    calls: dict[str, dict[str, Location | None]] = {}
    first_node: dict[str, dict[str, str]] = {}
    for node, facts in ctx.nodes():
        if facts.module not in tracked:
            continue
        seen = calls.setdefault(facts.module, {})
        if facts.call not in seen:
            seen[facts.call] = facts.loc
            first_node.setdefault(facts.module, {})[facts.call] = node.name
    for path, seen in calls.items():
        if len(seen) < 2:
            continue
        places = ", ".join(describe(loc) or "?" for loc in seen.values())
        second = list(first_node[path].values())[1]
        yield Finding(
            "NT112",
            f"`{path}` ({type(ctx.modules[path]).__name__}) is called {len(seen)} times ({places}): its running "
            "statistics average all call sites, so eval() mode normalises each with the wrong ones",
            node=second,
            help="give every call site its own normalisation module",
        )
