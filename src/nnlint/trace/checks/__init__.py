"""The tracer's checks: plain functions over the annotated graph, one pass each.

Every check reads ``node.meta["nnlint"]`` (see ``facts``), yields ``Finding``
objects and marks the nodes it blames in ``facts.flags`` (the graph export
colours them). Checks are cheap by construction (a few microseconds per node
together): all the expensive analysis is done once, in ``facts`` and ``ranges``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from nnlint.trace.facts import Context
from nnlint.trace.findings import Finding

Check = Callable[[Context], Iterable[Finding]]


def run_checks(ctx: Context, ignore: Collection[str] = ()) -> list[Finding]:
    """All findings of all checks whose codes are not in ``ignore``."""
    from nnlint.trace.checks import dims, nan, params, reuse

    checks: tuple[Check, ...] = (
        dims.view_reorders_dims,
        dims.batch_merged_into_features,
        dims.output_not_batch_first,
        dims.reduction_over_batch,
        dims.broadcast_grows_both,
        params.frozen_parameters,
        params.unreachable,
        nan.nan_prone,
        reuse.norm_module_reused,
    )
    found = [finding for check in checks for finding in check(ctx) if finding.code not in ignore]
    for _, facts in ctx.nodes():
        for code in ignore:
            facts.flags.pop(code, None)
    return found
