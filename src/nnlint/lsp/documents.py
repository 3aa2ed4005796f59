"""Checking one open document: the editor's text, the settings of the pyproject above it.

This runs in the server's checking process (``nnlint.lsp.worker``), never in
the server itself: it imports the whole engine.

The text checked is the one the editor holds (unsaved changes included); the
file on disk is only used to find the configuration and, as on the command
line, sibling modules are read as text and never imported. Settings come from
the nearest ``pyproject.toml`` with ``[tool.nnlint]`` and are cached by the
config file's modification time, so an edited pyproject applies at the next
check without a restart. A broken config, like on the command line, checks
nothing and says why; the config's ``exclude`` silences excluded files.
"""

from __future__ import annotations

from pathlib import Path

from pygls.uris import to_fs_path

from nnlint.config import ConfigError, Settings, find_config, load_settings
from nnlint.discovery import discover
from nnlint.engine import check_text
from nnlint.lsp.messages import CheckedDocument


class DocumentChecker:
    def __init__(self, workspace_root: Path | None = None) -> None:
        self.workspace_root = workspace_root
        self._settings: dict[Path, tuple[int, Settings]] = {}

    def check(self, uri: str, text: str, version: int | None) -> CheckedDocument:
        """The diagnostics of ``text`` as the document ``uri``; any failure becomes an error line, never an exception."""
        path = _file_path(uri)
        try:
            settings = self.settings_for(path)
        except ConfigError as error:
            return CheckedDocument(uri, version, text, errors=(str(error),))
        if path is not None and path.exists() and discover([str(path)], settings.exclude, settings.root).excluded:
            return CheckedDocument(uri, version, text)
        shown_as = str(path) if path is not None else uri
        try:
            result = check_text(text, shown_as, settings, path=path)
        except MemoryError:
            raise  # the checking process's memory cap: it says so and starts afresh (see nnlint.lsp.worker)
        except Exception as error:  # noqa: BLE001 - the document boundary: a rule's bug must not stop the server
            return CheckedDocument(uri, version, text, errors=(f"{shown_as}: internal error ({type(error).__name__}: {error}); please report it",))
        return CheckedDocument(uri, version, text, tuple(result.diagnostics), tuple(result.errors))

    def settings_for(self, path: Path | None) -> Settings:
        """The settings of the nearest config above ``path`` (or the workspace root), re-read when it changes."""
        config = find_config(path if path is not None else self.workspace_root or Path.cwd())
        if config is None:
            return Settings()
        stamp = config.stat().st_mtime_ns
        cached = self._settings.get(config)
        if cached is None or cached[0] != stamp:
            cached = self._settings[config] = (stamp, load_settings(config))
        return cached[1]


def _file_path(uri: str) -> Path | None:
    """The file a ``file:`` URI names; None for unsaved (``untitled:``) and other documents."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(path) if path else None
