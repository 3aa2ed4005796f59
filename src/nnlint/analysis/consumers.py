"""Where an object built in this file is used in other files: the loops that iterate it.

``make_loaders()`` in data.py builds the training ``DataLoader``; train.py unpacks it and
hands it to ``Trainer``, whose ``_run_epoch`` in trainer.py loops over ``self.train_data``.
The fix for an unshuffled loader goes on the ``DataLoader(...)`` line of data.py, so the
check of data.py must know about that loop. The files importing data.py (``callers.importers``)
are walked, which runs what they call with the real arguments; every loop over an object
built in another file is remembered by the project index as it is walked, and read back here.

A file parsed again (each checked file is parsed for its own check) holds new nodes for the
same code, so an object is matched by its constructor call's code when it is not the same
object: only a call that is unique in its file is matched that way.
"""

from __future__ import annotations

import libcst as cst

from nnlint.analysis.interpreter import interpreter_for
from nnlint.analysis.project import ModuleInfo
from nnlint.analysis.values import Instance


def loops_over(module: ModuleInfo, instance: Instance) -> list[tuple[ModuleInfo, cst.For]]:
    """The loops of other project files that iterate ``instance``, an object whose constructor call is in ``module``."""
    if instance.call is None or instance.module_key != module.key:
        return []
    interpreter_for(module).walk_importers()
    remembered = module.project.iterations.get(module.key, [])
    found = [(where, loop) for known, where, loop in remembered if known is instance]
    if found or not remembered:
        return found
    same = [(where, loop) for known, where, loop in remembered if _same_call(known, instance)]
    return same if same and _unique(module, instance.call) else []


def _same_call(known: Instance, instance: Instance) -> bool:
    return known.qualname == instance.qualname and known.call is not None and instance.call is not None and known.call.deep_equals(instance.call)


def _unique(module: ModuleInfo, call: cst.Call) -> bool:
    code = module.module.code_for_node(call)
    return sum(1 for _, _, other in module.calls.by_call.values() if module.module.code_for_node(other) == code) == 1
