"""``nnlint doctor`` changes no file of the user's (issue 10): every write goes to the sandbox's overlay.

Each test runs the doctor's child process on a tiny script: they are the slow
ones, so each covers many ways of writing at once.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from doctor_support import FIXTURES, snapshot
from test_doctor_command import doctor

pytest.importorskip("torch")

OLD = (1_000_000_000, 1_000_000_000)  # every pre-existing file is this old, so a touched modification time shows


def populate(folder: Path) -> None:
    """The files ``changes_files.py`` expects in each folder it changes."""
    (folder / "old").mkdir(parents=True)
    (folder / "notes.txt").write_text("original notes\n")
    (folder / "log.txt").write_text("log line\n")
    (folder / "ckpt.pt").write_bytes(b"25 bytes of a checkpoint.")
    (folder / "old" / "a.txt").write_text("a")


def test_a_doctor_run_changes_no_file_and_the_script_still_reaches_its_step_cap(capsys, tmp_path, monkeypatch) -> None:
    project, cwd, temporary, runner = (tmp_path / name for name in ("project", "cwd", "tmp", "runner"))
    for folder in (project, cwd, temporary):
        populate(folder)
    runner.mkdir()
    shutil.copy(FIXTURES / "changes_files.py", project)
    (project / "settings.py").write_text("LEARNING_RATE = 0.1\n")
    for path in tmp_path.rglob("*"):
        os.utime(path, OLD)
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("TMPDIR", str(temporary))  # the script's temporary folder
    monkeypatch.setattr(tempfile, "tempdir", str(runner))  # the doctor's own: its report and the overlay
    before = snapshot(project, cwd, temporary)
    code, out, _ = doctor(capsys, "--quiet", "--steps", "3", str(project / "changes_files.py"))
    assert "error: " not in out and code in (0, 1), out
    assert "3 optimizer steps" in out and "stopped after 3 steps" in out
    assert snapshot(project, cwd, temporary) == before
    assert list(runner.iterdir()) == []  # the overlay went with the run
    assert "raw.bin (refused open at" in out and "notes.txt (written at" in out  # the refusals first


def test_the_checkpoint_idiom_keeps_the_checkpoint_and_the_script_reloads_what_it_saved(capsys, tmp_path) -> None:
    checkpoint = tmp_path / "ckpt.pt"
    checkpoint.write_bytes(b"25 bytes of a checkpoint.")
    os.utime(checkpoint, OLD)
    before = snapshot(tmp_path)
    code, out, _ = doctor(capsys, "--quiet", str(FIXTURES / "reloads_checkpoint.py"), "--", str(checkpoint))
    assert code == 0 and "error: " not in out, out  # the script's torch.load read back its own save (was: EOFError)
    assert "30 optimizer steps" in out
    assert snapshot(tmp_path) == before  # was: truncated to 0 bytes
    assert "ckpt.pt (written at" in out and "reloads_checkpoint.py:22" in out


def test_dataloader_workers_write_into_the_same_overlay_and_nothing_hangs(capsys, tmp_path) -> None:
    log = tmp_path / "samples.log"
    log.write_text("before the run\n")
    os.utime(log, OLD)
    before = snapshot(tmp_path)
    code, out, _ = doctor(capsys, "--quiet", "--steps", "20", str(FIXTURES / "workers_write.py"), "--", str(log))
    assert "error: " not in out and code in (0, 1), out  # was: the workers could not pass batches (multiprocessing's socket folder)
    assert "20 optimizer steps" in out
    assert snapshot(tmp_path) == before
