"""``check_source`` and ``check_paths``: the static half from Python (editors, notebooks, tests).

Both return ``Diagnostics``, a list of ``Diagnostic`` that Jupyter and rich show as a table;
its ``errors`` says which files could not be checked and why (never an exception).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nnlint.config import Settings, find_config, load_settings
from nnlint.discovery import discover
from nnlint.engine import check_files, check_text
from nnlint.results import Diagnostics


def check_source(text: str, path: str = "<string>", *, settings: Settings | None = None) -> Diagnostics:
    """Check one program given as text; ``path`` names it in diagnostics and finds sibling modules."""
    real = Path(path) if Path(path).exists() else None
    result = check_text(text, path, settings or Settings(), path=real)
    return Diagnostics(result.diagnostics, result.errors)


def check_paths(paths: Sequence[str], *, config: str | Path | None = None, jobs: int | None = 1) -> Diagnostics:
    """Check files, directories or globs; ``config`` is a pyproject.toml (default: the nearest one)."""
    settings = load_settings(Path(config) if config else find_config(Path(paths[0]) if paths else Path(".")))
    found = discover(paths, settings.exclude, settings.root)
    results = check_files(found.files, settings, jobs)
    return Diagnostics((d for result in results for d in result.diagnostics), (e for result in results for e in result.errors))
