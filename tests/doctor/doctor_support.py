"""Paths and helpers shared by the doctor's tests (a uniquely named module: every test folder has its own conftest)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "doctor"

