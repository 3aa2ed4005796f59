"""The result cache: same answers as a fresh run, invalidated by the file, by the project
files it read, and by settings; never trusted when corrupt."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nnlint.cache import DEFAULT_DIRECTORY
from nnlint.cli import main

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("model.py", "train.py"):
        shutil.copy(DEMO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["check", "--format", "concise", "-j", "1", *args, "."])
    return code, capsys.readouterr().out


def test_second_run_reads_the_cache_and_gives_the_same_report(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys)
    entries = list((project / DEFAULT_DIRECTORY).glob("*.json"))
    assert first[0] == 1 and len(entries) == 2  # one entry per checked file
    assert (project / DEFAULT_DIRECTORY / ".gitignore").read_text().strip().endswith("*")
    assert run(capsys) == first


def test_changing_an_imported_module_rechecks_the_importer(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "NN301" in run(capsys)[1]
    model = project / "model.py"
    model.write_text(
        model.read_text().replace("import torch.nn as nn", "import torch.nn as nn\nimport torch.nn.functional as F").replace(
            "return self.classifier(self.dropout(h))", "return F.log_softmax(self.classifier(self.dropout(h)), dim=1)"
        )
    )
    assert "NN301" not in run(capsys)[1]


def test_settings_are_part_of_the_key(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys)
    code, out = run(capsys, "--ignore", "NN301")
    assert "NN301" not in out and "NN101" in out


def test_corrupt_entries_are_ignored(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys)
    for entry in (project / DEFAULT_DIRECTORY).glob("*.json"):
        entry.write_text("{not json")
    assert run(capsys) == first


def test_no_cache_writes_nothing_and_clean_removes_it(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "--no-cache")
    assert not (project / DEFAULT_DIRECTORY).exists()
    run(capsys)
    assert (project / DEFAULT_DIRECTORY).is_dir()
    assert main(["clean"]) == 0
    assert not (project / DEFAULT_DIRECTORY).exists()
