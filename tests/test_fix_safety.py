"""``--fix`` never loses an edit or a link (issue 10), nor a comment of the code it rewrites.

Writing: an edit saved while the file was checked wins; a symbolic link stays a link and its
target is fixed; owner, group and mode stay; hard links stay linked; read-only stays refused.
Comments: the fixes of NN302, NN304 and NN311 keep every comment of the code they rewrite on
the line it was on (see fixes.py, "cuts").
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nnlint import file_write
from nnlint.cli import main
from nnlint.commands import check_run
from nnlint.file_write import ChangedOnDisk, write_fixed

BUGGY = """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
criterion = nn.NLLLoss()
loss = criterion(model(x), y)
"""
BUGGY_FIXED = BUGGY.replace("nn.NLLLoss()", "nn.CrossEntropyLoss()")
AS_ROOT = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file to another user")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


def nnlint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--format", "concise", "--no-cache", "--fix", "--unsafe-fixes", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out


def errors(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("error:")]


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if ".nnlint-tmp" in p.name or "backup" in p.name)


# --- an edit saved while --fix was checking the file ---------------------------------------------

SAVED_MEANWHILE = BUGGY + "print('saved by the editor while nnlint was checking')\n"


def test_an_edit_saved_while_the_file_was_checked_is_kept_and_the_file_not_fixed(
        work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The editor saves between the check and the write: deterministic, no race with a timer."""
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    real_check_files = check_run.check_files

    def check_then_the_user_saves(*args: object, **kwargs: object) -> object:
        results = real_check_files(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text(SAVED_MEANWHILE, encoding="utf-8")
        return results

    monkeypatch.setattr(check_run, "check_files", check_then_the_user_saves)
    code, out = nnlint(capsys, "a.py")
    assert path.read_text(encoding="utf-8") == SAVED_MEANWHILE
    assert errors(out) == ["error: a.py: changed on disk while nnlint was checking it; not fixed, the new text is kept (run nnlint again)"]
    assert code == 2
    assert "Fixed" not in out
    assert leftovers(work) == []


@pytest.mark.parametrize("linked", [False, True], ids=["plain", "hard-linked"])
def test_the_writer_compares_with_the_checked_text_before_it_replaces(tmp_path: Path, linked: bool) -> None:
    path = tmp_path / "a.py"
    path.write_text(SAVED_MEANWHILE, encoding="utf-8")
    if linked:
        os.link(path, tmp_path / "b.py")
    with pytest.raises(ChangedOnDisk):
        write_fixed(path, BUGGY, BUGGY_FIXED, "utf-8")
    assert path.read_text(encoding="utf-8") == SAVED_MEANWHILE
    assert leftovers(tmp_path) == []


def test_a_save_after_the_temporary_file_is_written_is_still_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison is the last step before the rename, after the slow part (writing the new text)."""
    path = tmp_path / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    real_chmod = os.chmod

    def chmod_then_the_user_saves(target: str, mode: int) -> None:
        real_chmod(target, mode)
        path.write_text(SAVED_MEANWHILE, encoding="utf-8")

    monkeypatch.setattr(file_write.os, "chmod", chmod_then_the_user_saves)
    with pytest.raises(ChangedOnDisk):
        write_fixed(path, BUGGY, BUGGY_FIXED, "utf-8")
    assert path.read_text(encoding="utf-8") == SAVED_MEANWHILE
    assert leftovers(tmp_path) == []


def test_a_file_deleted_meanwhile_is_not_recreated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    real_chmod = os.chmod

    def chmod_then_the_user_deletes(target: str, mode: int) -> None:
        real_chmod(target, mode)
        path.unlink()

    monkeypatch.setattr(file_write.os, "chmod", chmod_then_the_user_deletes)
    with pytest.raises(ChangedOnDisk):
        write_fixed(path, BUGGY, BUGGY_FIXED, "utf-8")
    assert list(tmp_path.iterdir()) == []


# --- links, owner, group, mode -------------------------------------------------------------------

def test_a_symlink_stays_a_link_and_its_target_is_fixed(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "real").mkdir()
    target = work / "real" / "model.py"
    target.write_text(BUGGY, encoding="utf-8")
    link = work / "a.py"
    link.symlink_to(os.path.join("real", "model.py"))
    code, out = nnlint(capsys, "a.py")
    assert (code, errors(out)) == (0, [])
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "model.py")
    assert target.read_text(encoding="utf-8") == BUGGY_FIXED
    assert leftovers(work) == []


def test_a_chain_of_symlinks_fixes_the_last_target(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = work / "model.py"
    target.write_text(BUGGY, encoding="utf-8")
    (work / "b.py").symlink_to("model.py")
    (work / "a.py").symlink_to("b.py")
    assert nnlint(capsys, "a.py")[0] == 0
    assert (work / "a.py").is_symlink() and (work / "b.py").is_symlink()
    assert target.read_text(encoding="utf-8") == BUGGY_FIXED


def test_a_symlink_to_a_read_only_file_is_refused(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = work / "model.py"
    target.write_text(BUGGY, encoding="utf-8")
    target.chmod(0o444)
    (work / "a.py").symlink_to("model.py")
    code, out = nnlint(capsys, "a.py")
    assert code == 2
    assert errors(out) == ["error: a.py: cannot write the fixes (the file is read-only); the file is unchanged"]
    assert target.read_text(encoding="utf-8") == BUGGY and (work / "a.py").is_symlink()


def test_the_mode_is_kept(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    path.chmod(0o751)
    assert nnlint(capsys, "a.py")[0] == 0
    assert (path.read_text(encoding="utf-8"), path.stat().st_mode & 0o7777) == (BUGGY_FIXED, 0o751)


@AS_ROOT
def test_owner_and_group_are_kept(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    os.chown(path, 4321, 8765)
    path.chmod(0o640)
    assert nnlint(capsys, "a.py")[0] == 0
    status = path.stat()
    assert (path.read_text(encoding="utf-8"), status.st_uid, status.st_gid, status.st_mode & 0o7777) == (BUGGY_FIXED, 4321, 8765, 0o640)
    assert leftovers(work) == []


def test_without_the_right_to_give_the_file_away_it_is_rewritten_in_place(work: Path, capsys: pytest.CaptureFixture[str],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """What a non-root user gets on a group-writable file of someone else: the rename would make it theirs."""
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    inode = path.stat().st_ino
    made = os.stat

    def stat(target: object, *args: object, **kwargs: object) -> os.stat_result:
        result = made(target, *args, **kwargs)  # type: ignore[arg-type]
        if str(target).endswith(".nnlint-tmp"):  # the temporary file belongs to someone else than a.py
            fields = list(result)
            fields[4] += 1
            return os.stat_result(fields)
        return result

    def chown(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(file_write.os, "stat", stat)
    monkeypatch.setattr(file_write.os, "chown", chown)
    assert nnlint(capsys, "a.py")[0] == 0
    assert (path.read_text(encoding="utf-8"), path.stat().st_ino) == (BUGGY_FIXED, inode)
    assert leftovers(work) == []


def test_hard_links_stay_linked(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    (work / "elsewhere").mkdir()
    other = work / "elsewhere" / "same.py"
    os.link(path, other)
    assert nnlint(capsys, "a.py")[0] == 0
    assert path.read_text(encoding="utf-8") == other.read_text(encoding="utf-8") == BUGGY_FIXED
    assert path.stat().st_ino == other.stat().st_ino and path.stat().st_nlink == 2
    assert leftovers(work) == []


def test_a_hard_linked_read_only_file_is_refused(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    os.link(path, work / "b.txt")
    path.chmod(0o444)
    code, out = nnlint(capsys, "a.py")
    assert (code, errors(out)) == (2, ["error: a.py: cannot write the fixes (the file is read-only); the file is unchanged"])
    assert path.read_text(encoding="utf-8") == BUGGY


def test_an_in_place_write_that_fails_half_way_puts_the_original_back(work: Path, capsys: pytest.CaptureFixture[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    os.link(path, work / "b.txt")
    real_overwrite = file_write._overwrite
    calls = []

    def disk_full_the_first_time(target: Path, data: bytes) -> None:
        calls.append(data)
        if len(calls) == 1:
            with open(target, "r+b") as stream:
                stream.write(data[: len(data) // 2])
            raise OSError(28, "No space left on device")
        real_overwrite(target, data)

    monkeypatch.setattr(file_write, "_overwrite", disk_full_the_first_time)
    code, out = nnlint(capsys, "a.py")
    assert (code, errors(out)) == (2, ["error: a.py: cannot write the fixes (No space left on device); the file is unchanged"])
    assert path.read_text(encoding="utf-8") == (work / "b.txt").read_text(encoding="utf-8") == BUGGY
    assert leftovers(work) == []


def test_when_the_original_cannot_be_put_back_the_backup_is_kept_and_named(work: Path, capsys: pytest.CaptureFixture[str],
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    os.link(path, work / "b.txt")

    def broken_disk(target: Path, data: bytes) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(file_write, "_overwrite", broken_disk)
    code, out = nnlint(capsys, "a.py")
    [backup] = leftovers(work)
    assert code == 2
    assert errors(out) == [f"error: a.py: the fixes were written half-way and the original could not be put back; "
                           f"it is kept in {work / backup}"]
    assert (work / backup).read_text(encoding="utf-8") == BUGGY
