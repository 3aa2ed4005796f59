"""From ``model.py:Net`` or ``pkg.module:build_model`` to a model on the ``meta`` device.

The user's module is imported (its directory first on ``sys.path``, so sibling
imports work) and the class or factory is called under ``torch.device("meta")``:
parameters get shapes but no memory, so a 7-billion-parameter model costs
nothing; an explicit ``device="cpu"`` stays on meta too and random initialisers
are skipped (``nnlint.trace.meta``).
A model that already exists (the Python API) is copied to meta the same way,
without touching the user's object.

Every failure is a ``TraceUsageError`` with one line that says what to fix.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import os
import sys
import traceback
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import torch
from torch import nn

from nnlint.trace.errors import TraceUsageError, describe_exception
from nnlint.trace.frames import describe, is_library
from nnlint.trace.meta import StayOnMeta

def user_line(error: BaseException) -> str:
    """``model.py:12`` for the innermost frame of user code in a traceback."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not is_library(f.filename)]
    return describe((os.path.abspath(frames[-1].filename), frames[-1].lineno or 0)) if frames else ""


def user_error(what: str, error: BaseException) -> TraceUsageError:
    """``what: Type: message (model.py:12)``: a failure of the user's code, and where it happened."""
    where = user_line(error)
    return TraceUsageError(f"{what}: {describe_exception(error)}" + (f" ({where})" if where else ""))


def _import_file(path: str) -> ModuleType:
    if not os.path.isfile(path):
        raise TraceUsageError(f"{path}: no such file")
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    name = os.path.splitext(os.path.basename(path))[0]
    if name in sys.modules:  # e.g. a file named like a module already loaded: never shadow it
        name = f"nnlint_target_{name}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TraceUsageError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:
        sys.modules.pop(name, None)
        raise user_error(f"importing {path} failed", error) from error
    return module


def _import_name(name: str) -> ModuleType:
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and name.startswith(error.name):
            raise TraceUsageError(f"no module named {name!r} (give a file path like model.py:Net or an importable module)") from error
        raise user_error(f"importing {name} failed", error) from error
    except (Exception, SystemExit) as error:
        raise user_error(f"importing {name} failed", error) from error


def _modules_defined_in(module: ModuleType) -> list[str]:
    return sorted(
        name for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, nn.Module) and value.__module__ == module.__name__
    )


def load_target(target: str) -> Any:
    """The object named by ``file.py:Name``, ``pkg.module:Name`` or ``file.py`` (its only nn.Module class)."""
    location, colon, attribute = target.rpartition(":") if ":" in target else (target, "", "")
    if location.endswith(".py") or os.sep in location or location.startswith("."):
        module = _import_file(location)
    else:
        module = _import_name(location)
    if not colon:
        candidates = _modules_defined_in(module)
        if len(candidates) != 1:
            found = ", ".join(candidates) or "none"
            raise TraceUsageError(f"{target}: name the model as {location}:NAME (nn.Module classes found: {found})")
        attribute = candidates[0]
    value: Any = module
    for part in attribute.split("."):
        if not hasattr(value, part):
            found = ", ".join(_modules_defined_in(module)) or "none"
            raise TraceUsageError(f"{location} has no attribute {attribute!r} (nn.Module classes found: {found})")
        value = getattr(value, part)
    return value


def build(obj: Any, kwargs: Mapping[str, Any] | None = None, name: str = "the model") -> nn.Module:
    """An ``nn.Module`` on meta from a class, a factory or an instance."""
    if isinstance(obj, nn.Module):
        if kwargs:
            raise TraceUsageError(f"{name} is already a model; --kwargs only apply to a class or factory")
        return to_meta(obj)
    if not callable(obj):
        raise TraceUsageError(f"{name} is a {type(obj).__name__}, not an nn.Module class or a function returning one")
    if isinstance(obj, type) and not issubclass(obj, nn.Module):
        raise TraceUsageError(f"{name} is a class but not an nn.Module subclass")
    try:
        with torch.device("meta"), StayOnMeta():
            model = obj(**dict(kwargs or {}))
    except TypeError as error:
        raise user_error(f"building {name} failed (check --kwargs)", error) from error
    except (Exception, SystemExit) as error:
        raise user_error(f"building {name} failed", error) from error
    if not isinstance(model, nn.Module):
        raise TraceUsageError(f"{name} returned a {type(model).__name__}, not an nn.Module")
    return to_meta(model)


def to_meta(model: nn.Module) -> nn.Module:
    """``model`` itself when it is already on meta, else a meta copy that shares no memory with it."""
    tensors = list(model.parameters()) + list(model.buffers())
    if all(t.is_meta for t in tensors):
        return model
    memo: dict[int, Any] = {}
    for t in tensors:
        meta = torch.empty_like(t, device="meta")
        memo[id(t)] = nn.Parameter(meta, requires_grad=t.requires_grad) if isinstance(t, nn.Parameter) else meta
    try:
        return copy.deepcopy(model, memo)
    except Exception as error:
        raise TraceUsageError(f"could not copy the model to the meta device: {describe_exception(error)}") from error
