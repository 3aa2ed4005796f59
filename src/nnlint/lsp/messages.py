"""What the server and its checking process send each other, and how: pickled objects, each after its length.

The server sends a ``CheckRequest`` (the editor's text, not the file on disk)
and gets a ``CheckedDocument`` back; the process says ``READY`` once it has
imported the engine, so a slow start never counts against a check's time cap.
Both sides are this package, one the parent of the other, so pickle is safe
here; this module imports nothing heavy, so the server's start-up stays light.
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from dataclasses import dataclass
from typing import Any, BinaryIO

from nnlint.diagnostic import Diagnostic

READY = "ready"
_LENGTH = struct.Struct(">Q")


@dataclass(frozen=True)
class CheckRequest:
    uri: str
    version: int | None
    text: str
    workspace_root: str | None = None


@dataclass(frozen=True)
class CheckedDocument:
    uri: str
    version: int | None
    text: str
    diagnostics: tuple[Diagnostic, ...] = ()
    errors: tuple[str, ...] = ()  # one line each: why the document was not (fully) checked
    skipped: str | None = None  # one line: why nothing was checked (a cap), shown as the document's only diagnostic


def skipped(request: CheckRequest, reason: str) -> CheckedDocument:
    return CheckedDocument(request.uri, request.version, request.text, skipped=reason)


def encode(value: Any) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


def write_message(stream: BinaryIO, value: Any) -> None:
    stream.write(encode(value))
    stream.flush()


def read_message(stream: BinaryIO) -> Any:
    """The next message; ``EOFError`` when the other side has gone."""
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        raise EOFError
    (length,) = _LENGTH.unpack(header)
    data = stream.read(length)
    if len(data) < length:
        raise EOFError
    return pickle.loads(data)


async def receive(reader: asyncio.StreamReader) -> Any:
    """The next message (``asyncio.IncompleteReadError`` when the other side has gone)."""
    (length,) = _LENGTH.unpack(await reader.readexactly(_LENGTH.size))
    return pickle.loads(await reader.readexactly(length))
