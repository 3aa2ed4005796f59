"""``[tool.nnlint]`` in the nearest pyproject.toml (or ``--config``) -> frozen ``Settings``.

Unknown keys are an error naming the key and the file: a typo in ``ignore``
must not silently turn the linter's noise back on. Command-line flags override
the file.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nnlint.diagnostic import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(Exception):
    """A configuration problem, shown to the user as one line (exit code 2)."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None  # None: the default rule set
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)  # glob -> codes
    exclude: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)  # code -> severity
    root: Path | None = None  # directory of the config file: globs are relative to it
    source: Path | None = None

    def overridden(self, **changes: Any) -> "Settings":
        return replace(self, **{key: value for key, value in changes.items() if value is not None})


_LIST_KEYS = {"select", "extend-select", "ignore", "exclude"}
_KNOWN_KEYS = _LIST_KEYS | {"per-file-ignores", "severity"}


def _upper(codes: list[str]) -> tuple[str, ...]:
    """Codes are case-insensitive, as on the command line."""
    return tuple(code.strip().upper() for code in codes)


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml with a ``[tool.nnlint]`` table, from ``start`` upwards."""
    directory = start.resolve()
    if directory.is_file():
        directory = directory.parent
    for candidate_dir in (directory, *directory.parents):
        candidate = candidate_dir / "pyproject.toml"
        if candidate.is_file() and _has_nnlint_table(candidate):
            return candidate
    return None


def _has_nnlint_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return "[tool.nnlint" in text


def load_settings(path: Path | None) -> Settings:
    if path is None:
        return Settings()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the config: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    table = document.get("tool", {}).get("nnlint", {}) if path.name == "pyproject.toml" or "tool" in document else document
    return settings_from_table(table, path)


def settings_from_table(table: dict[str, Any], path: Path) -> Settings:
    where = f"{path}: [tool.nnlint]"
    for key in table:
        if key not in _KNOWN_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(_KNOWN_KEYS))})")
    for key in _LIST_KEYS & table.keys():
        if not isinstance(table[key], list) or not all(isinstance(item, str) for item in table[key]):
            raise ConfigError(f"{where}: {key!r} must be a list of strings")
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict) or not all(isinstance(v, list) and all(isinstance(c, str) for c in v) for v in per_file.values()):
        raise ConfigError(f"{where}: 'per-file-ignores' must map globs to lists of codes")
    severities = table.get("severity", {})
    if not isinstance(severities, dict):
        raise ConfigError(f"{where}: 'severity' must map codes to error/warning/info/hint")
    try:
        severity = {code.upper(): Severity.parse(str(level)) for code, level in severities.items()}
    except ValueError as error:
        raise ConfigError(f"{where}: severity: {error}") from None
    return Settings(
        select=_upper(table["select"]) if "select" in table else None,
        extend_select=_upper(table.get("extend-select", ())),
        ignore=_upper(table.get("ignore", ())),
        per_file_ignores={glob: _upper(codes) for glob, codes in per_file.items()},
        exclude=tuple(table.get("exclude", ())),
        severity=severity,
        root=path.parent.resolve(),
        source=path,
    )
