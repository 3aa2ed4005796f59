"""A content-hash cache of per-file results, so an unchanged tree is not parsed again.

An entry is keyed by the file's bytes, its path, the settings, the enabled
rules and nnlint's own code; it also records the project files the check read
(``from model import Net``) with their hashes, so changing ``model.py``
re-checks ``train.py``. Entries are written atomically (temp file + rename):
parallel workers may race, never corrupt. Errors are never cached.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from nnlint.diagnostic import Applicability, Diagnostic, Edit, Fix, Position, Range, Severity

DEFAULT_DIRECTORY = ".nnlint_cache"
_FORMAT = 1


class ResultCache:
    def __init__(self, directory: Path, settings_key: str) -> None:
        self.directory = directory
        self.settings_key = settings_key

    def load(self, path: str, data: bytes) -> list[Diagnostic] | None:
        entry_path = self._entry(path, data)
        try:
            entry = json.loads(entry_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if entry.get("format") != _FORMAT or any(_file_hash(Path(dep)) != digest for dep, digest in entry["dependencies"].items()):
            return None
        try:
            return [_decode(item) for item in entry["diagnostics"]]
        except (KeyError, TypeError, ValueError):
            return None

    def store(self, path: str, data: bytes, diagnostics: list[Diagnostic], dependencies: set[Path]) -> None:
        entry = {
            "format": _FORMAT,
            "path": path,
            "dependencies": {str(dep): _file_hash(dep) for dep in sorted(dependencies)},
            "diagnostics": [_encode(d) for d in diagnostics],
        }
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _mark_ignored(self.directory)
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        except OSError:
            return  # a cache that cannot be written only costs speed
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(entry, stream)
            os.replace(temporary, self._entry(path, data))
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
        "fix": None if d.fix is None else {
            "title": d.fix.title, "applicability": d.fix.applicability.value,
            "edits": [{"range": _range_out(e.range), "text": e.new_text} for e in d.fix.edits],
        },
    }


def _decode(item: dict[str, Any]) -> Diagnostic:
    fix = item["fix"]
    return Diagnostic(
        code=item["code"], name=item["name"], message=item["message"], path=item["path"], range=_range_in(item["range"]),
        severity=Severity(item["severity"]), checklist=tuple(item["checklist"]), source=item["source"], help=item["help"],
        notes=tuple(item["notes"]),
        fix=None if fix is None else Fix(fix["title"], tuple(Edit(_range_in(e["range"]), e["text"]) for e in fix["edits"]),
                                         Applicability(fix["applicability"])),
    )


def _range_out(r: Range) -> list[int]:
    return [r.start.line, r.start.character, r.end.line, r.end.character]


def _range_in(values: list[int]) -> Range:
    return Range(Position(values[0], values[1]), Position(values[2], values[3]))
