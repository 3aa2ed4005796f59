"""Reading a file's text the way Python would, or saying in one line why it cannot be read."""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

from nnlint.limits import describe_size


class UnreadableSource(Exception):
    """The file is not Python text we can check; the message is the one line the user sees."""


@dataclass(frozen=True)
class SourceText:
    text: str  # decoded, BOM removed
    encoding: str  # as declared (PEP 263) or detected; "utf-8-sig" when there was a BOM
    data: bytes = b""  # the bytes as read (the cache hashes them)


def decode(data: bytes, path: str) -> SourceText:
    if b"\x00" in data:
        raise UnreadableSource(f"{path}: binary file (contains NUL bytes); not checked")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return SourceText(data.decode(encoding), encoding, data)
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        reason = error.reason if isinstance(error, UnicodeDecodeError) else str(error)
        raise UnreadableSource(f"{path}: cannot decode the file ({reason}); not checked") from None


def read_source(path: Path, shown_as: str, max_bytes: int | None = None) -> SourceText:
    """The file's text; over ``max_bytes`` it is refused before it is read (see nnlint.limits)."""
    try:
        if max_bytes and (size := path.stat().st_size) > max_bytes:
            raise UnreadableSource(
                f"{shown_as}: skipped: too large ({describe_size(size)}, the limit is {describe_size(max_bytes)}; "
                "raise it with --max-file-size)"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableSource(f"{shown_as}: no such file") from None
    except IsADirectoryError:
        raise UnreadableSource(f"{shown_as}: is a directory") from None
    except OSError as error:
        raise UnreadableSource(f"{shown_as}: cannot read ({error.strerror or error})") from None
    return decode(data, shown_as)
