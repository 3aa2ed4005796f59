"""A script that raises: the report shows the user's traceback (their frames, outermost first), not only one line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("torch")

from nnlint.doctor.child import run_in_this_process


def error_of(script: str) -> str:
    """The report's error line for a script run under the doctor (the doctor's own frames are library frames)."""
    report = run_in_this_process(script, [], steps=3, timeout=60)
    assert report.error is not None and report.exit_code == 2
    return report.error


def test_an_error_deep_in_user_code_names_the_user_frames_that_led_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "net.py").write_text("def forward(x):\n    return x.undefined_method()\n")
    (tmp_path / "train.py").write_text("import net\n\n\ndef step(x):\n    return net.forward(x)\n\n\nstep(3)\n")
    monkeypatch.chdir(tmp_path)
    text = error_of("train.py")
    assert text.startswith("AttributeError: 'int' object has no attribute 'undefined_method' (net.py:2)")
    assert text.endswith("your traceback: train.py:8 in <module> > train.py:5 in step > net.py:2 in forward")
    assert "\n" not in text and os.sep + "nnlint" not in text  # one line; the doctor's own frames are not the user's


def test_an_error_in_the_script_itself_stays_one_short_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "train.py").write_text("raise ValueError('bad config')\n")
    monkeypatch.chdir(tmp_path)
    assert error_of("train.py") == "ValueError: bad config (train.py:1)"
