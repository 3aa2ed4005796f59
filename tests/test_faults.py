"""The fault matrix: bad files, bad trees, bad disks and interruptions give one line, never damage.

Each row of the matrix in issue 7 is a test here, except the rows already covered
elsewhere (not repeated):

- empty file: test_cli.py::test_empty_file_is_clean
- BOM and CRLF positions: test_cli.py::test_bom_and_crlf_keep_positions
- NUL byte, latin-1 without a cookie, unknown cookie: test_cli.py::test_undecodable_files_exit_2_with_one_line
  (latin-1 with a cookie: test_latin_1_with_a_coding_cookie_is_checked)
- tabs, lone CR, deep nesting, no traceback: test_cli.py::test_no_traceback_for_bad_input
- a path given twice (also through a directory and a glob): test_cli.py::test_each_file_is_reported_once
- an unreadable file (simulated and, as non-root, real): test_cli.py::test_unreadable_file_*
- TOML error / unknown key: test_config.py::test_invalid_toml_is_one_line_exit_2,
  test_unknown_key_via_the_command_line_is_one_line_exit_2, test_bad_config_is_a_config_error_naming_the_file
- ``--select`` with an unknown code: test_cli.py::test_unknown_codes_are_one_line_usage_errors
- a fixture whose import writes a file: test_cli.py::test_checking_never_imports_the_checked_code
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nnlint import engine, file_write
from nnlint.cache import entry_digest
from nnlint.cli import main
from nnlint.commands import check_run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "check"

BUGGY = """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
criterion = nn.NLLLoss()
loss = criterion(model(x), y)
"""
BUGGY_FIXED = BUGGY.replace("nn.NLLLoss()", "nn.CrossEntropyLoss()")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


def nnlint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--format", "concise", "--no-cache", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def errors(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("error:")]


def findings(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": NN" in line]


def leftovers(directory: Path) -> list[str]:
    """Temporary files a write could leave behind."""
    return sorted(p.name for p in directory.rglob("*") if p.name.endswith((".nnlint-tmp", ".tmp")))


# --- odd but valid files -------------------------------------------------------------------------

def test_only_comments_is_clean_even_when_they_name_torch(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "a.py").write_text("# import torch\n# criterion = nn.NLLLoss()\n#!/usr/bin/env python\n", encoding="utf-8")
    assert nnlint(capsys, "a.py") == (0, "All checks passed!\n", "")


def test_mixed_newlines_keep_positions_and_every_line_ending_through_a_fix(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = BUGGY.splitlines()
    mixed = lines[0] + "\r\n" + lines[1] + "\n" + lines[2] + "\r" + lines[3] + "\r\n"
    path = work / "a.py"
    path.write_bytes(mixed.encode())
    _, out, _ = nnlint(capsys, "a.py")
    assert findings(out)[0].startswith("a.py:4:8: NN301 ")
    nnlint(capsys, "--fix", "--unsafe-fixes", "a.py")
    assert path.read_bytes() == mixed.replace("nn.NLLLoss()", "nn.CrossEntropyLoss()").encode()


def test_a_suppression_comment_works_with_cr_only_line_endings(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "a.py").write_bytes(BUGGY.replace("criterion(model(x), y)\n", "criterion(model(x), y)  # noqa: NN301\n").replace("\n", "\r").encode())
    assert nnlint(capsys, "a.py") == (0, "All checks passed!\n", "")


def test_tabs_count_one_column_and_survive_a_fix(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "import torch.nn as nn\n\n\ndef step(model, x, y):\n\tcriterion = nn.NLLLoss()\n\tout = nn.Linear(4, 2)(x)\n\treturn criterion(out, y)\n"
    path = work / "a.py"
    path.write_text(text, encoding="utf-8")
    _, out, _ = nnlint(capsys, "a.py")
    assert [line.split(" ")[0] for line in findings(out)] == ["a.py:7:9:"]
    nnlint(capsys, "--fix", "--unsafe-fixes", "a.py")
    assert path.read_text(encoding="utf-8") == text.replace("nn.NLLLoss()", "nn.CrossEntropyLoss()")


def test_a_fix_keeps_the_bom_the_encoding_and_every_byte_outside_the_edit(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "# -*- coding: latin-1 -*-\n# données: café\r\n" + BUGGY
    path = work / "a.py"
    path.write_bytes(text.encode("latin-1"))
    code, _, _ = nnlint(capsys, "--fix", "--unsafe-fixes", "a.py")
    assert code == 0
    assert path.read_bytes() == text.replace("nn.NLLLoss()", "nn.CrossEntropyLoss()").encode("latin-1")
    bom = work / "b.py"
    bom.write_bytes(b"\xef\xbb\xbf" + BUGGY.encode())
    nnlint(capsys, "--fix", "--unsafe-fixes", "b.py")
    assert bom.read_bytes() == b"\xef\xbb\xbf" + BUGGY_FIXED.encode()


# --- size and time caps --------------------------------------------------------------------------

def test_a_5_mb_file_is_skipped_with_one_line_without_being_read(work: Path, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    big = work / "generated.py"
    row = "x_{} = torch.nn.functional.nll_loss(model(data), target)\n"
    with big.open("w", encoding="utf-8") as stream:
        stream.write("import torch\n")
        while stream.tell() < 5 * 1024 * 1024:
            stream.write("".join(row.format(k) for k in range(1000)))
    (work / "small.py").write_text(BUGGY, encoding="utf-8")
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        assert self.name != big.name, "the oversized file was read"
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    code, out, _ = nnlint(capsys, "-j", "1", "generated.py", "small.py")
    assert code == 2
    assert errors(out) == ["error: generated.py: skipped: too large (5.0 MB, the limit is 1.0 MB; raise it with --max-file-size)"]
    assert [line.split(" ")[0] for line in findings(out)] == ["small.py:4:8:"]


def test_max_file_size_sets_the_limit(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "a.py").write_text(BUGGY + "#" * 3000 + "\n", encoding="utf-8")
    code, out, _ = nnlint(capsys, "--max-file-size", "0.001", "a.py")
    assert code == 2 and "skipped: too large (3 KB, the limit is 1 KB" in errors(out)[0]
    assert nnlint(capsys, "--max-file-size", "0", "a.py")[0] == 1  # 0: no limit


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "lots"])
@pytest.mark.parametrize("flag", ["--max-file-size", "--max-file-time"])
def test_limit_flags_refuse_what_is_not_a_number_from_zero_up(work: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([flag, value, "a.py"])
    assert exit_info.value.code == 2
    assert "expected a number >= 0" in capsys.readouterr().err


def test_a_huge_time_limit_is_no_limit_not_an_overflow(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "a.py").write_text(BUGGY, encoding="utf-8")
    code, out, _ = nnlint(capsys, "-j", "1", "--max-file-time", "1e300", "a.py")
    assert (code, errors(out)) == (1, [])


def test_a_file_past_the_time_limit_is_one_line_and_the_next_file_is_checked(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stands for any analysis that blows up on some shape of code (see test_fuzz.py's deep loops)."""
    original = engine.check_text

    def check_text(text: str, shown_as: str, *args: object, **kwargs: object) -> engine.FileResult:
        if shown_as.endswith("slow.py"):
            time.sleep(60)
        return original(text, shown_as, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "check_text", check_text)
    (work / "slow.py").write_text(BUGGY, encoding="utf-8")
    (work / "z.py").write_text(BUGGY, encoding="utf-8")
    code, out, _ = nnlint(capsys, "-j", "1", "--max-file-time", "0.5", "slow.py", "z.py")
    assert code == 2
    assert errors(out) == ["error: slow.py: took longer than 0.5 s to check; not checked "
                           "(raise the limit with --max-file-time; please report the file)"]
    assert [line.split(" ")[0] for line in findings(out)] == ["z.py:4:8:"]


# --- bad trees -----------------------------------------------------------------------------------

def test_symlink_loops_in_a_directory_end_and_each_file_is_checked_once(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "src" / "pkg").mkdir(parents=True)
    (work / "src" / "pkg" / "a.py").write_text(BUGGY, encoding="utf-8")
    os.symlink(work / "src", work / "src" / "pkg" / "back_to_src")
    os.symlink("..", work / "src" / "pkg" / "parent")
    os.symlink(work / "src" / "self", work / "src" / "self")  # a link to itself
    code, out, _ = nnlint(capsys, "-j", "1", "src")
    assert [line.split(" ")[0] for line in findings(out)] == [f"{os.path.join('src', 'pkg', 'a.py')}:4:8:"]
    assert code == 1


def _deny_listing(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        if os.path.realpath(os.fspath(path)) == os.path.realpath(denied):  # type: ignore[arg-type]
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))  # type: ignore[arg-type]
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)


def test_a_directory_without_read_permission_is_one_line_and_the_rest_is_checked(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated (root reads everything); before, the folder was skipped silently and the run passed."""
    (work / "src" / "secret").mkdir(parents=True)
    (work / "src" / "secret" / "hidden.py").write_text(BUGGY, encoding="utf-8")
    (work / "src" / "a.py").write_text(BUGGY, encoding="utf-8")
    _deny_listing(monkeypatch, work / "src" / "secret")
    code, out, _ = nnlint(capsys, "-j", "1", "src")
    assert code == 2
    assert errors(out) == [f"error: {os.path.join('src', 'secret')}: cannot read the directory (Permission denied); not checked"]
    assert [line.split(" ")[0] for line in findings(out)] == [f"{os.path.join('src', 'a.py')}:4:8:"]


def test_an_unreadable_directory_given_directly_is_one_line(work: Path, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (work / "src").mkdir()
    (work / "src" / "a.py").write_text(BUGGY, encoding="utf-8")
    _deny_listing(monkeypatch, work / "src")
    code, out, _ = nnlint(capsys, "src")
    assert (code, errors(out)) == (2, ["error: src: cannot read the directory (Permission denied); not checked"])


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can list a chmod 000 directory")
def test_a_directory_without_read_permission_on_disk(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = work / "src" / "secret"
    secret.mkdir(parents=True)
    (secret / "hidden.py").write_text(BUGGY, encoding="utf-8")
    secret.chmod(0)
    try:
        code, out, _ = nnlint(capsys, "src")
    finally:
        secret.chmod(0o755)
    assert code == 2 and "cannot read the directory" in errors(out)[0]


def test_a_file_deleted_between_discovery_and_reading(work: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (work / "src").mkdir()
    for name in ("a.py", "gone.py"):
        (work / "src" / name).write_text(BUGGY, encoding="utf-8")
    real_discover = check_run.discover

    def discover_then_delete(*args: object, **kwargs: object) -> object:
        found = real_discover(*args, **kwargs)  # type: ignore[arg-type]
        (work / "src" / "gone.py").unlink()
        return found

    monkeypatch.setattr(check_run, "discover", discover_then_delete)
    code, out, _ = nnlint(capsys, "-j", "2", "src")
    assert code == 2
    assert errors(out) == [f"error: {os.path.join('src', 'gone.py')}: no such file"]
    assert [line.split(" ")[0] for line in findings(out)] == [f"{os.path.join('src', 'a.py')}:4:8:"]


# --- --fix when the disk says no -----------------------------------------------------------------

def test_fix_on_a_read_only_file_says_so_and_leaves_it_untouched(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Works as root too: the rename that makes a write atomic would replace a read-only file."""
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    path.chmod(0o444)
    code, out, _ = nnlint(capsys, "--fix", "--unsafe-fixes", "a.py")
    assert code == 2
    assert errors(out) == ["error: a.py: cannot write the fixes (the file is read-only); the file is unchanged"]
    assert path.read_text(encoding="utf-8") == BUGGY
    assert (path.stat().st_mode & 0o777, leftovers(work)) == (0o444, [])


@pytest.mark.parametrize("failing", ["write", "replace"])
def test_fix_when_the_disk_write_fails_leaves_the_file_untouched(work: Path, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    path = work / "a.py"
    path.write_text(BUGGY, encoding="utf-8")
    if failing == "write":
        real_fdopen = os.fdopen

        def fdopen(fd: int, *args: object, **kwargs: object) -> object:
            stream = real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]

            def full(data: bytes) -> int:
                stream.raw.write(data[: len(data) // 2])  # half of it reaches the temporary file
                raise OSError(errno.ENOSPC, "No space left on device")

            stream.write = full
            return stream

        monkeypatch.setattr(file_write.os, "fdopen", fdopen)
        says = "No space left on device"
    else:
        def replace(source: object, target: object) -> None:
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(file_write.os, "replace", replace)
        says = "Input/output error"
    code, out, _ = nnlint(capsys, "--fix", "--unsafe-fixes", "a.py")
    assert code == 2
    assert errors(out) == [f"error: a.py: cannot write the fixes ({says}); the file is unchanged"]
    assert path.read_text(encoding="utf-8") == BUGGY
    assert leftovers(work) == []


# --- never running the checked code --------------------------------------------------------------

HOSTILE = """\
import os, sys
open("MARKER_WRITTEN_ON_IMPORT", "w").write("imported")
sys.exit(3)
os._exit(4)
import torch.nn as nn
criterion = nn.NLLLoss()
loss = criterion(nn.Linear(3, 2)(x), y)
"""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_script_that_writes_and_exits_on_import_is_only_read(tmp_path: Path, jobs: str) -> None:
    """Checked as a process, with fixes: still exit 1 with its finding, no marker, nothing fixed in the exit."""
    (tmp_path / "hostile.py").write_text(HOSTILE, encoding="utf-8")
    (tmp_path / "train.py").write_text("import hostile\nfrom hostile import criterion\n" + BUGGY, encoding="utf-8")
    for extra in ([], ["--diff", "--unsafe-fixes"]):
        result = _process(["-j", jobs, "--format", "concise", "--no-cache", *extra, "hostile.py", "train.py"], tmp_path)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert not (tmp_path / "MARKER_WRITTEN_ON_IMPORT").exists()
    assert "hostile.py:7:8: NN301" in _process(["--format", "concise", "--no-cache", "hostile.py"], tmp_path).stdout


# --- Ctrl-C during a parallel run ----------------------------------------------------------------

def _process(args: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "PYTHONPATH")}
    env["NO_COLOR"] = "1"
    return subprocess.run([sys.executable, "-m", "nnlint.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300, check=False, **kwargs)  # type: ignore[call-overload]


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as stream:
            return [int(child) for child in stream.read().split()]
    except OSError:
        return []


def _interrupt_when_workers_run(args: list[str], cwd: Path) -> tuple[int, str, str, list[int]]:
    """Start nnlint, wait until its pool workers exist, press Ctrl-C (SIGINT to the process group)."""
    env = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "PYTHONPATH")}
    process = subprocess.Popen([sys.executable, "-m", "nnlint.cli", *args], cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    workers: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        workers = _children(process.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    time.sleep(1.0)  # let them get into the files
    assert process.poll() is None, "the run ended before it could be interrupted: give it more files"
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err, workers


def _many_scripts(directory: Path, count: int) -> list[Path]:
    directory.mkdir()
    sources = sorted(p for p in FIXTURES.glob("*_bug.py"))
    paths = []
    for k in range(count):
        path = directory / f"s{k:03d}_{sources[k % len(sources)].name}"
        shutil.copy(sources[k % len(sources)], path)
        paths.append(path)
    return paths


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree from /proc")
def test_ctrl_c_during_a_parallel_run_stops_the_workers_and_leaves_no_partial_cache_entry(tmp_path: Path) -> None:
    _many_scripts(tmp_path / "src", 400)
    code, out, err, workers = _interrupt_when_workers_run(
        ["-j", "2", "--format", "concise", "--cache-dir", str(tmp_path / "cache"), "src"], tmp_path)
    assert (code, err, out) == (130, "nnlint: interrupted\n", "")
    assert workers and not [pid for pid in workers if os.path.exists(f"/proc/{pid}") and _is_running(pid)]
    entries = list((tmp_path / "cache").glob("*.json")) if (tmp_path / "cache").exists() else []
    for entry in entries:
        digest, _, body = entry.read_text(encoding="utf-8").partition("\n")
        assert digest == entry_digest(entry.name, body)  # every entry whole
        json.loads(body)
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree from /proc")
def test_ctrl_c_during_fix_leaves_every_file_either_untouched_or_wholly_fixed(tmp_path: Path) -> None:
    paths = _many_scripts(tmp_path / "src", 400)
    before = {path: path.read_bytes() for path in paths}
    code, _, err, _ = _interrupt_when_workers_run(["-j", "2", "--format", "concise", "--fix", "--unsafe-fixes", "src"], tmp_path)
    assert (code, err) == (130, "nnlint: interrupted\n")
    assert leftovers(tmp_path) == []
    for path in paths:
        now = path.read_bytes()
        if now != before[path]:
            compile(now, str(path), "exec")  # a fixed file is a whole, parseable file


def _is_running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stream:
            return stream.read().split(") ", 1)[1][0] not in "ZX"
    except OSError:
        return False


def test_python_s_warnings_about_the_checked_code_are_not_printed(tmp_path: Path) -> None:
    """``"\\d"`` and ``1(2)`` make the compiler warn with ``<unknown>`` as the file: noise, or with -W error a false NN000."""
    (tmp_path / "a.py").write_text('import torch\npattern = "\\d+"\ny = 1(2) if False else 0\n', encoding="utf-8")
    for flag in ("default", "error::SyntaxWarning", "error::DeprecationWarning"):
        env = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "PYTHONPATH")}
        env.update(NO_COLOR="1", PYTHONWARNINGS=flag)
        result = subprocess.run([sys.executable, "-m", "nnlint.cli", "--no-cache", "a.py"], cwd=tmp_path, capture_output=True,
                                text=True, env=env, timeout=120, check=False)
        assert (result.returncode, result.stdout, result.stderr) == (0, "All checks passed!\n", ""), flag
