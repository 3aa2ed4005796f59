"""Paths and helpers shared by the doctor's tests (a uniquely named module: every test folder has its own conftest)."""

from __future__ import annotations

import subprocess
import time
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


def survivors(marker: str, seconds: float = 15.0) -> list[str]:
    """Processes whose command line holds ``marker``, as ``ps`` shows them, once they had ``seconds`` to go away."""
    deadline = time.monotonic() + seconds
    while True:
        listing = subprocess.run(["ps", "-ww", "-eo", "pid=,stat=,args="], capture_output=True, text=True, check=True).stdout
        found = [line for line in listing.splitlines() if marker in line]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)
