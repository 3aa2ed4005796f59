"""The interpreter's state at one point of a program: what names hold, what mode models are in,
and what attributes objects were given (``self.model = model``, ``model.fc = nn.Linear(...)``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nnlint.analysis.values import UNKNOWN, Instance, Mode, Value, join

Field = tuple[Instance, str]


@dataclass
class Env:
    names: dict[str, Value] = field(default_factory=dict)
    modes: dict[Instance, frozenset[Mode]] = field(default_factory=dict)  # absent: unknown
    fields: dict[Field, Value] = field(default_factory=dict)  # attributes assigned on this path (absent: as built)

    def copy(self) -> "Env":
        return Env(dict(self.names), dict(self.modes), dict(self.fields))

    def join(self, other: "Env") -> "Env":
        """The state after either path: values that differ, or exist on one path only, become unknown."""
        names = {key: join(self.names.get(key, UNKNOWN), other.names.get(key, UNKNOWN)) for key in self.names.keys() | other.names.keys()}
        modes = {key: self.modes[key] | other.modes[key] for key in self.modes.keys() & other.modes.keys()}
        fields = {key: join(self.fields.get(key, UNKNOWN), other.fields.get(key, UNKNOWN)) for key in self.fields.keys() | other.fields.keys()}
        return Env(names, modes, fields)

    def fields_of(self, instances: list[Instance]) -> dict[Field, Value]:
        wanted = set(map(id, instances))
        return {key: value for key, value in self.fields.items() if id(key[0]) in wanted}
