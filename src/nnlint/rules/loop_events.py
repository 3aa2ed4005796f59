"""Where the loop rules report an event that happens inside a helper: on the event itself.

A ``step()`` inside ``Trainer._run_batch()`` is fixed in ``_run_batch()``, not at the call of
``_run_batch()`` in the loop; the call in the loop is the related location ("because") that says
which loop reaches it. An event in a helper of another file stays on the call in the loop.
"""

from __future__ import annotations

from nnlint.analysis.optim import Event
from nnlint.rule import Because


def because(event: Event) -> tuple[Because, ...]:
    """The call in the loop that reaches ``event``, when the event is reported inside a helper."""
    if event.inner is None:
        return ()
    return (Because(event.node, f"{event.helper}() is called here, in the loop"),)
