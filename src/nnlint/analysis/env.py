"""The interpreter's state at one point of a program: what names hold, what mode models are in."""

from __future__ import annotations

from dataclasses import dataclass, field

from nnlint.analysis.values import UNKNOWN, Instance, Mode, Value, join


@dataclass
class Env:
    names: dict[str, Value] = field(default_factory=dict)
    modes: dict[Instance, frozenset[Mode]] = field(default_factory=dict)  # absent: unknown

    def copy(self) -> "Env":
        return Env(dict(self.names), dict(self.modes))

    def join(self, other: "Env") -> "Env":
        """The state after either path: values that differ, or exist on one path only, become unknown."""
        names = {key: join(self.names.get(key, UNKNOWN), other.names.get(key, UNKNOWN)) for key in self.names.keys() | other.names.keys()}
        modes = {key: self.modes[key] | other.modes[key] for key in self.modes.keys() & other.modes.keys()}
        return Env(names, modes)
