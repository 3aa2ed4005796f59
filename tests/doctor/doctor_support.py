"""Paths and helpers shared by the doctor's tests (a uniquely named module: every test folder has its own conftest)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "doctor"


def snapshot(*roots: Path) -> dict[str, tuple[object, ...]]:
    """Every file and folder under ``roots``: kind, bytes, mode and modification time (what "unchanged" means)."""
    seen: dict[str, tuple[object, ...]] = {}
    for root in roots:
        for path in [root, *sorted(root.rglob("*"))]:
            info = path.lstat()
            content = None if path.is_dir() else path.read_bytes()
            seen[str(path)] = (path.is_dir(), content, info.st_mode, info.st_mtime_ns)
    return seen
