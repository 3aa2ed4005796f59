"""A content-hash cache of per-file results, so an unchanged tree is not parsed again.

An entry is keyed by the file's bytes, its path, the settings, the enabled
rules and nnlint's own code. It also records every import the check looked up
(``from model import Net``: what it resolved to, or that it did not) and the
hashes of the files found, so a changed ``model.py``, a ``model.py`` that
appears, or a ``sub/model.py`` that now shadows ``../model.py`` re-checks
``train.py``. Entries are written atomically (temp file + rename): parallel
workers may race, never corrupt. Errors are never cached.

The cache is only a cache: an entry that is unreadable, ill-typed, altered
(each carries a digest of its contents and its name) or whose positions do not
fit the file is a miss, never a crash and never a belief. A hit reads JSON and
stats files; it imports neither LibCST nor any rule.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from nnlint.diagnostic import Applicability, Diagnostic, Edit, Fix, Position, Range, Related, Severity
from nnlint.resolution import resolve

DEFAULT_DIRECTORY = ".nnlint_cache"
_FORMAT = 3
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # Python's line breaks, as the diagnostics count lines

Lookup = tuple[Path, str, Path | None]  # (importing file, module name, the file it resolved to or None)


class InvalidEntry(ValueError):
    """An entry that is not what ``store`` writes: a miss."""


class ResultCache:
    def __init__(self, directory: Path, settings_key: str) -> None:
        self.directory = directory
        self.settings_key = settings_key

    def load(self, path: str, data: bytes, text: str) -> list[Diagnostic] | None:
        """The findings stored for this file (decoded as ``text``), or None: absent, unreadable, altered or stale."""
        entry_path = self._entry(path, data)
        try:
            digest, _, body = entry_path.read_text(encoding="utf-8").partition("\n")
        except (OSError, ValueError):
            return None
        if digest != entry_digest(entry_path.name, body):
            return None
        try:  # anything unexpected is a miss: InvalidEntry, JSON too deep to read, a path the system refuses, a symlink loop
            entry = json.loads(body)
            diagnostics = _decoded(entry, path, text)
            current = _still_current(entry)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError, OSError, RuntimeError):
            return None
        return diagnostics if current else None

    def store(self, path: str, data: bytes, diagnostics: list[Diagnostic], lookups: Iterable[Lookup]) -> None:
        imports = sorted(([str(near), name, None if found is None else str(found)] for near, name, found in lookups),
                         key=lambda lookup: (lookup[0], lookup[1]))
        entry = {
            "format": _FORMAT,
            "path": path,
            "imports": imports,
            "dependencies": {found: _file_hash(Path(found)) for _, _, found in imports if found is not None},
            "diagnostics": [_encode(d) for d in diagnostics],
        }
        entry_path = self._entry(path, data)
        body = json.dumps(entry, sort_keys=True)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _mark_ignored(self.directory)
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        except OSError:
            return  # a cache that cannot be written only costs speed
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(f"{entry_digest(entry_path.name, body)}\n{body}")
            os.replace(temporary, entry_path)
        except BaseException as error:  # also Ctrl-C: no half-written temp file is left behind
            try:
                os.unlink(temporary)
            except OSError:
                pass
            if not isinstance(error, OSError):
                raise

    def _entry(self, path: str, data: bytes) -> Path:
        digest = hashlib.sha256()
        for part in (self.settings_key, code_fingerprint(), path, os.path.realpath(path)):  # the shown path is in the diagnostics
            digest.update(part.encode() + b"\0")
        digest.update(data)
        return self.directory / f"{digest.hexdigest()}.json"


def entry_digest(entry_name: str, body: str) -> str:
    """The digest an entry file starts with: of its name (so an entry copied over another is a miss) and its body."""
    return hashlib.sha256(entry_name.encode() + b"\0" + body.encode()).hexdigest()


def settings_key(settings: object, codes: list[str]) -> str:
    return hashlib.sha256(f"{settings!r}|{','.join(sorted(codes))}".encode()).hexdigest()


def clean(directory: Path) -> bool:
    """Remove the cache directory; True when there was one."""
    if not directory.is_dir():
        return False
    shutil.rmtree(directory, ignore_errors=True)
    return True


@cache
def code_fingerprint() -> str:
    """nnlint's own source (paths, sizes, mtimes): a changed rule invalidates every entry."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for file in sorted(package.rglob("*.py")):
        stat = file.stat()
        digest.update(f"{file.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _mark_ignored(directory: Path) -> None:
    marker = directory / ".gitignore"
    if not marker.exists():
        marker.write_text("# created by nnlint\n*\n", encoding="utf-8")


def _encode(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code, "name": d.name, "message": d.message, "path": d.path, "range": _range_out(d.range),
        "severity": int(d.severity), "checklist": list(d.checklist), "source": d.source, "help": d.help, "notes": list(d.notes),
        "related": [{"range": _range_out(r.range), "message": r.message} for r in d.related],  # the check relates places of the same file
        "fix": None if d.fix is None else {
            "title": d.fix.title, "applicability": d.fix.applicability.value,
            "edits": [{"range": _range_out(e.range), "text": e.new_text} for e in d.fix.edits],
        },
    }


def _range_out(r: Range) -> list[int]:
    return [r.start.line, r.start.character, r.end.line, r.end.character]


def _still_current(entry: dict[str, Any]) -> bool:
    """Every import still resolves where it did, and every file it found still has the same bytes."""
    for lookup in _typed(entry["imports"], list):
        near, name, found = _typed(lookup, list)
        now = resolve(_typed(name, str), Path(_typed(near, str)))
        if (None if now is None else str(now)) != (None if found is None else _typed(found, str)):
            return False
    return all(_file_hash(Path(_typed(dependency, str))) == digest for dependency, digest in _typed(entry["dependencies"], dict).items())


def _decoded(entry: object, path: str, text: str) -> list[Diagnostic]:
    """The entry's diagnostics, checked field by field against what ``store`` writes and against the file."""
    fields: dict[str, Any] = _typed(entry, dict)
    if fields.get("format") != _FORMAT or fields.get("path") != path:
        raise InvalidEntry("another format or another file")
    line_lengths = [len(line) for line in _LINE_BREAK.split(text)]
    return [_decode(_typed(item, dict), path, line_lengths) for item in _typed(fields["diagnostics"], list)]


def _decode(item: dict[str, Any], path: str, line_lengths: list[int]) -> Diagnostic:
    if item["path"] != path:
        raise InvalidEntry("a diagnostic of another file")
    fix = item["fix"]
    return Diagnostic(
        code=_typed(item["code"], str), name=_typed(item["name"], str), message=_typed(item["message"], str), path=path,
        range=_range_in(item["range"], line_lengths), severity=Severity(_typed(item["severity"], int)),
        checklist=tuple(_typed(number, int) for number in _typed(item["checklist"], list)), source=_typed(item["source"], str),
        help=_typed(item["help"], str), notes=tuple(_typed(note, str) for note in _typed(item["notes"], list)),
        related=tuple(Related(path, _range_in(_typed(r, dict)["range"], line_lengths), _typed(r["message"], str))
                      for r in _typed(item["related"], list)),
        fix=None if fix is None else Fix(
            _typed(fix["title"], str),
            tuple(Edit(_range_in(e["range"], line_lengths), _typed(e["text"], str)) for e in _typed(fix["edits"], list)),
            Applicability(fix["applicability"]),
        ),
    )


def _range_in(values: object, line_lengths: list[int]) -> Range:
    """A range that fits the file: on its lines, at most one past a line's end (a syntax error's caret may sit there)."""
    numbers = [_typed(value, int) for value in _typed(values, list)]
    if len(numbers) != 4:
        raise InvalidEntry("a range is four numbers")
    start, end = Position(numbers[0], numbers[1]), Position(numbers[2], numbers[3])
    for position in (start, end):
        if not (0 <= position.line < len(line_lengths) and 0 <= position.character <= line_lengths[position.line] + 1):
            raise InvalidEntry("a position outside the file")
    if end < start:
        raise InvalidEntry("a range that ends before it starts")
    return Range(start, end)


def _typed(value: Any, kind: type) -> Any:
    """``value`` when it is a ``kind`` (an int must be an int, not a bool); InvalidEntry otherwise."""
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidEntry(f"expected {kind.__name__}, got {type(value).__name__}")
    return value
