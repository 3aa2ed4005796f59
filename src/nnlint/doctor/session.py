"""Installing the doctor's hooks for the duration of a with-block, and removing them whatever happens.

Global module forward hooks, optimizer step hooks and a torch-function mode are
torch's own hooks. ``DataLoader.__iter__`` has none (it counts batches and
passes), so it is patched for the run and restored after it. Keeping the
script's files (checkpoints included) unchanged is the sandbox's job
(``sandbox.py``), not the session's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from torch.nn.modules import module as module_hooks
from torch.optim import optimizer as optimizer_hooks
from torch.utils.data import DataLoader

from nnlint.doctor.functions import FunctionWatch
from nnlint.doctor.recorder import Recorder


class Session:
    def __init__(self, recorder: Recorder, on_batch: Callable[[Any], None] | None = None) -> None:
        self.recorder = recorder
        self.on_batch = on_batch  # also shown every DataLoader batch (a distributed rank's ``RankWatch``)
        self._exit = contextlib.ExitStack()

    def __enter__(self) -> Session:
        recorder = self.recorder
        for handle in (
            module_hooks.register_module_forward_pre_hook(recorder.forward_pre),
            module_hooks.register_module_forward_hook(recorder.forward, with_kwargs=True, always_call=True),
            optimizer_hooks.register_optimizer_step_pre_hook(recorder.step_pre),
            optimizer_hooks.register_optimizer_step_post_hook(recorder.step_post),
        ):
            self._exit.callback(handle.remove)
        self._exit.enter_context(FunctionWatch(recorder))
        self._exit.enter_context(_replaced(DataLoader, "__iter__", _counting_iter(DataLoader.__iter__, recorder, self.on_batch)))
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None) -> None:
        self._exit.close()


def _counting_iter(original: Callable[[DataLoader[Any]], Iterator[Any]], recorder: Recorder,
                   on_batch: Callable[[Any], None] | None) -> Callable[[DataLoader[Any]], Iterator[Any]]:
    def iterate(loader: DataLoader[Any]) -> Iterator[Any]:
        recorder.loader_pass()
        for batch in original(loader):
            recorder.loader_batch()
            if on_batch is not None:
                on_batch(batch)
            yield batch

    return iterate


@contextlib.contextmanager
def _replaced(owner: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)
