"""The write sandbox in this process: every change reads back as written, no real file changes, and it all comes off again."""

from __future__ import annotations

import builtins
import io
import logging
import os
import pathlib
import pickle
import shutil
import tarfile
import tempfile
from pathlib import Path

import pytest
from doctor_support import snapshot

from nnlint.doctor.sandbox import Sandbox


@pytest.fixture
def user(tmp_path: Path) -> Path:
    """A user's folder with a few files, all of them old (a change to a modification time shows)."""
    folder = tmp_path / "user"
    (folder / "old").mkdir(parents=True)
    (folder / "notes.txt").write_text("hello\n")
    (folder / "ckpt.pt").write_bytes(b"25 bytes of a checkpoint.")
    (folder / "old" / "a.txt").write_text("a")
    for path in folder.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    return folder


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with Sandbox(scratch, exempt=[tmp_path / "doctor"]) as installed:
        yield installed


def test_changes_read_back_as_written_and_no_real_file_changes(tmp_path, user) -> None:
    before = snapshot(user)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with Sandbox(scratch) as sandbox:
        notes = user / "notes.txt"
        with open(notes, "a") as f:
            f.write("more\n")
        assert notes.read_text() == "hello\nmore\n"
        with open(notes, "wb"):
            pass
        assert os.path.getsize(notes) == 0 and notes.read_bytes() == b""
        os.makedirs(user / "runs" / "exp1")
        pathlib.Path(user / "runs" / "exp1" / "events").write_text("e")
        assert sorted(os.listdir(user)) == ["ckpt.pt", "notes.txt", "old", "runs"]
        os.rename(user / "runs", user / "runs2")
        assert not (user / "runs").exists() and (user / "runs2" / "exp1" / "events").read_text() == "e"
        shutil.copy2(user / "old" / "a.txt", user / "copy.txt")
        shutil.move(user / "copy.txt", user / "moved.txt")
        os.remove(user / "ckpt.pt")
        shutil.rmtree(user / "old")
        assert sorted(os.listdir(user)) == ["moved.txt", "notes.txt", "runs2"]
        assert sorted(entry.name for entry in os.scandir(user)) == ["moved.txt", "notes.txt", "runs2"]
        assert [(Path(top).name, sorted(files)) for top, _, files in os.walk(user / "runs2")] == [("runs2", []), ("exp1", ["events"])]
        os.mkdir(user / "old")  # recreated: what was in the deleted one stays gone
        assert os.listdir(user / "old") == [] and not (user / "old" / "a.txt").exists()
        os.utime(user / "moved.txt", (0, 0))
        assert os.stat(user / "moved.txt").st_mtime == 0
        with tempfile.NamedTemporaryFile(dir=user) as temporary:  # deletes itself with a captured os.unlink
            temporary.write(b"t")
        handle, name = tempfile.mkstemp(dir=user)
        os.close(handle)
        assert Path(name).exists() and not Path(temporary.name).exists()
    assert snapshot(user) == before
    assert {"notes.txt", "ckpt.pt", "old", "runs", "moved.txt"} <= {Path(path).name for path in sandbox.changes}
    assert not any(Path(path).is_relative_to(scratch) for path in sandbox.changes)


def test_checkpoints_in_every_common_way_land_in_the_overlay_and_load_back(user, sandbox) -> None:
    torch = pytest.importorskip("torch")
    numpy = pytest.importorskip("numpy")
    before = snapshot(user)
    model = torch.nn.Linear(3, 2)
    with open(user / "ckpt.pt", "wb") as f:  # the idiom that emptied a real checkpoint
        torch.save(model.state_dict(), f)
    assert set(torch.load(user / "ckpt.pt")) == {"weight", "bias"}
    torch.save(model.state_dict(), user / "state.pt")
    torch.save(model.state_dict(), str(user / "state2.pt"))
    assert set(torch.load(str(user / "state2.pt"))) == {"weight", "bias"}
    scripted = torch.jit.script(model)
    torch.jit.save(scripted, user / "scripted.pt")
    scripted.save(str(user / "scripted2.pt"))
    assert torch.jit.load(user / "scripted2.pt")(torch.ones(1, 3)).shape == (1, 2)
    with open(user / "obj.pkl", "wb") as f:
        pickle.dump({"lr": 0.1}, f)
    with open(user / "obj.pkl", "rb") as f:
        assert pickle.load(f) == {"lr": 0.1}
    numpy.save(user / "array.npy", numpy.arange(3))
    assert numpy.load(user / "array.npy").tolist() == [0, 1, 2]
    handler = logging.FileHandler(user / "train.log")
    logger = logging.getLogger("test_doctor_sandbox")
    logger.addHandler(handler)
    logger.warning("epoch 1")
    handler.close()
    logger.removeHandler(handler)
    assert (user / "train.log").read_text() == "epoch 1\n"
    sandbox.uninstall()
    assert snapshot(user) == before
    changed = {Path(path).name for path in sandbox.changes}
    assert {"ckpt.pt", "state.pt", "state2.pt", "scripted.pt", "scripted2.pt", "obj.pkl", "array.npy", "train.log"} <= changed


def test_a_write_the_redirection_misses_is_refused_and_listed(user, sandbox) -> None:
    with pytest.raises(PermissionError):
        io.FileIO(user / "raw.bin", "w")
    with pytest.raises(PermissionError):
        tarfile.open(user / "archive.tar", "w")  # tarfile keeps the original open as bltn_open
    assert not (user / "raw.bin").exists() and not (user / "archive.tar").exists()
    assert sandbox.changes[str(user / "raw.bin")].refused
    assert "raw.bin (refused open" in sandbox.notes()[0]


def test_the_doctors_own_folder_and_devices_are_written_for_real(tmp_path, sandbox) -> None:
    own = tmp_path / "doctor"
    own.mkdir()
    with open(own / "report.json.tmp", "w") as f:
        f.write("{}")
    os.replace(own / "report.json.tmp", own / "report.json")
    with open(os.devnull, "w") as f:
        f.write("nothing")
    assert sandbox.changes == {}
    sandbox.uninstall()
    assert (own / "report.json").read_text() == "{}"


def test_errors_name_the_users_path_not_its_shadow(user, sandbox) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        open(user / "no" / "such.txt", "w")
    assert missing.value.filename == str(user / "no" / "such.txt")
    os.remove(user / "notes.txt")
    with pytest.raises(FileNotFoundError) as removed:
        open(user / "notes.txt")
    assert removed.value.filename == str(user / "notes.txt")
    with pytest.raises(FileExistsError):
        os.mkdir(user / "old")
    with pytest.raises(OSError):
        os.rmdir(user / "old")  # not empty


def test_uninstall_puts_back_every_function_and_the_audit_hook_goes_quiet(tmp_path, user) -> None:
    originals = (builtins.open, io.open, os.open, os.remove, os.rename, os.stat, os.listdir, os.scandir, shutil.rmtree)
    (tmp_path / "scratch").mkdir()
    with Sandbox(tmp_path / "scratch"):
        assert builtins.open is not originals[0] and os.remove is not originals[3]
    assert (builtins.open, io.open, os.open, os.remove, os.rename, os.stat, os.listdir, os.scandir, shutil.rmtree) == originals
    with io.FileIO(user / "raw.bin", "w") as raw:  # refused inside a sandbox, allowed after it
        raw.write(b"x")
    assert (user / "raw.bin").read_bytes() == b"x"



def test_a_folder_the_script_made_is_its_working_directory_under_its_own_name(user, sandbox) -> None:
    os.mkdir(user / "runs")
    here = os.getcwd()
    try:
        os.chdir(user / "runs")
        with open("relative.txt", "w") as f:
            f.write("r")
        assert os.getcwd() == str(user / "runs")  # not the shadow's path in the scratch folder
        assert os.path.abspath("relative.txt") == str(user / "runs" / "relative.txt")
        assert os.access(user / "runs" / "relative.txt", os.R_OK)
        with pytest.raises(IsADirectoryError) as folder:
            os.remove(user / "runs")
        assert folder.value.filename == str(user / "runs")
    finally:
        os.chdir(here)
    sandbox.uninstall()
    assert not (user / "runs").exists()


def test_numpy_text_files_are_redirected_and_sqlite_files_refused(user, sandbox) -> None:
    numpy = pytest.importorskip("numpy")
    import sqlite3

    numpy.savetxt(user / "losses.txt", numpy.arange(3))  # numpy keeps io.open in a table of openers
    assert numpy.loadtxt(user / "losses.txt").tolist() == [0, 1, 2]
    with pytest.raises(PermissionError):
        sqlite3.connect(user / "metrics.db")  # SQLite writes natively: nothing to redirect, so it is refused
    sqlite3.connect(":memory:").execute("create table t(x)")
    sandbox.uninstall()
    assert not (user / "losses.txt").exists() and not (user / "metrics.db").exists()
