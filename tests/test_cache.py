"""The result cache: same answers as a fresh run, invalidated by the file, by the project
files it read, by where its imports resolve and by settings; never trusted when corrupt,
ill-typed, altered or out of range, and never a crash."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nnlint.cache import DEFAULT_DIRECTORY, ResultCache, entry_digest
from nnlint.cli import main
from nnlint.diagnostic import Diagnostic, Range

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


# --- the cache is only a cache: whatever an entry holds, a bad one is a miss -------------------

def entries(project: Path) -> list[Path]:
    return sorted((project / DEFAULT_DIRECTORY).glob("*.json"))


def entry_of(project: Path, name: str) -> Path:
    """The entry of ``name`` (shown as ``./name``: the run checks ``.``)."""
    [found] = [entry for entry in entries(project) if body_of(entry)["path"] == f"./{name}"]
    return found


def body_of(entry: Path) -> dict[str, Any]:
    return json.loads(entry.read_text(encoding="utf-8").partition("\n")[2])


def seal(entry: Path, body: str) -> None:
    """Write ``body`` with the digest the cache expects: what a forger (or a bug of ours) would write."""
    entry.write_text(f"{entry_digest(entry.name, body)}\n{body}", encoding="utf-8")


ILL_TYPED = {
    "empty list": "[]",
    "null": "null",
    "number": "42",
    "format only": '{"format": 1}',
    "format 2 only": '{"format": 2}',
    "list for dict": '{"format": 1, "path": "train.py", "dependencies": [], "diagnostics": {}}',
    "list for dict 2": '{"format": 2, "path": "train.py", "imports": {}, "dependencies": [], "diagnostics": [[1]]}',
    "deeply nested": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("name", sorted(ILL_TYPED))
def test_an_ill_typed_entry_is_a_miss(project: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    first = run(capsys)
    for entry in entries(project):
        entry.write_text(ILL_TYPED[name], encoding="utf-8")
    assert run(capsys) == first
    for entry in entries(project):
        seal(entry, ILL_TYPED[name])
    assert run(capsys) == first


def test_an_entry_whose_findings_were_emptied_is_a_miss(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys)
    entry = entry_of(project, "train.py")
    digest, _, text = entry.read_text(encoding="utf-8").partition("\n")
    body = json.loads(text)
    assert body["diagnostics"]
    body["diagnostics"] = []
    entry.write_text(f"{digest}\n{json.dumps(body, sort_keys=True)}", encoding="utf-8")
    assert run(capsys) == first


def test_an_entry_copied_over_another_is_a_miss(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "clean.py").write_text("import torch\n", encoding="utf-8")
    first = run(capsys)
    clean, train = entry_of(project, "clean.py"), entry_of(project, "train.py")
    body = body_of(clean)
    body["path"] = body_of(train)["path"]  # even with the path made to match
    train.write_text(clean.read_text(encoding="utf-8").partition("\n")[0] + "\n" + json.dumps(body, sort_keys=True), encoding="utf-8")
    assert run(capsys) == first


@pytest.mark.parametrize("where", [[10_000, 0, 10_000, 1], [0, 500, 0, 501], [-1, 0, 0, 1], [3, 4, 2, 0], [0, 0, 0]])
def test_a_sealed_entry_whose_positions_do_not_fit_the_file_is_a_miss(
    project: Path, capsys: pytest.CaptureFixture[str], where: list[int]
) -> None:
    first = run(capsys)
    entry = entry_of(project, "train.py")
    body = body_of(entry)
    body["diagnostics"][0]["range"] = where
    seal(entry, json.dumps(body, sort_keys=True))
    assert run(capsys) == first


def test_a_sealed_entry_with_a_wrong_type_inside_is_a_miss(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys)
    for field, value in (("code", 301), ("severity", True), ("notes", "a note"), ("checklist", ["19"]), ("fix", [])):
        entry = entry_of(project, "train.py")
        body = body_of(entry)
        body["diagnostics"][0][field] = value
        seal(entry, json.dumps(body, sort_keys=True))
        assert run(capsys) == first, field


def test_a_sealed_entry_is_read_when_it_is_right(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The other side of the tests above: a re-sealed entry with a changed message is believed (so they test the checks)."""
    run(capsys)
    entry = entry_of(project, "train.py")
    body = body_of(entry)
    body["diagnostics"][0]["message"] = "from the cache"
    seal(entry, json.dumps(body, sort_keys=True))
    assert "from the cache" in run(capsys)[1]


# --- stale results: an import that resolves elsewhere now -----------------------------------------

def test_a_module_that_appears_later_rechecks_the_importer(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = (project / "model.py").read_text(encoding="utf-8")
    (project / "model.py").unlink()
    code, out = run(capsys)
    assert "NN301" not in out  # DigitNet is unknown: silent
    (project / "model.py").write_text(model, encoding="utf-8")
    assert "train.py:57:20: NN301" in run(capsys)[1]


def test_a_module_that_shadows_another_rechecks_the_importer(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """sub/train.py's ``from model import DigitNet`` finds ../model.py until sub/model.py appears."""
    (project / ".git").mkdir()  # the project root: imports are looked for up to here
    model = (project / "model.py").read_text(encoding="utf-8")
    (project / "model.py").write_text(model.replace("return self.classifier(self.dropout(h))",
                                                    "return self.classifier(self.dropout(h)).log_softmax(dim=1)"), encoding="utf-8")
    (project / "sub").mkdir()
    (project / "train.py").rename(project / "sub" / "train.py")
    assert "NN301" not in run(capsys)[1]
    (project / "sub" / "model.py").write_text(model, encoding="utf-8")
    assert "sub/train.py:57:20: NN301" in run(capsys)[1]


def test_a_module_that_disappears_rechecks_the_importer(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "NN301" in run(capsys)[1]
    (project / "model.py").rename(project / "model_v2.py")
    assert "NN301" not in run(capsys)[1]


def test_a_cache_hit_imports_no_libcst(project: Path) -> None:
    """A later issue wants a hit to import neither LibCST nor any rule: the cache itself must not stand in the way."""
    data = (project / "train.py").read_bytes()
    finding = Diagnostic("NN301", "nll-loss-without-log-softmax", "message", "train.py", Range.of(56, 19, 56, 45))
    ResultCache(project / DEFAULT_DIRECTORY, "key").store("train.py", data, [finding], {(project / "train.py", "model", project / "model.py")})
    script = (
        "import sys\nfrom pathlib import Path\nfrom nnlint.cache import ResultCache\n"
        "path = Path('train.py')\n"
        "found = ResultCache(Path(sys.argv[1]), 'key').load('train.py', path.read_bytes(), path.read_text())\n"
        "assert found is not None and [d.code for d in found] == ['NN301'], found\n"
        "assert not [m for m in sys.modules if m.startswith(('libcst', 'nnlint.rules'))], sorted(sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(project / DEFAULT_DIRECTORY)], capture_output=True, text=True,
                            check=False, timeout=120, cwd=project)
    assert result.returncode == 0, result.stderr


def test_a_change_two_imports_away_rechecks_every_importer(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """train.py -> model.py -> layers.py, for two importers: the second reuses what the first learnt about model.py."""
    (project / ".git").mkdir()
    model = project / "model.py"
    model.write_text(model.read_text(encoding="utf-8").replace("import torch.nn as nn", "import torch.nn as nn\nfrom layers import finish")
                     .replace("return self.classifier(self.dropout(h))", "return finish(self.classifier(self.dropout(h)))"), encoding="utf-8")
    (project / "layers.py").write_text("def finish(x):\n    return x\n", encoding="utf-8")
    shutil.copy(project / "train.py", project / "train_b.py")

    def nn301_count() -> int:
        main(["check", "--format", "concise", "-j", "1", "train.py", "train_b.py"])
        return capsys.readouterr().out.count(": NN301 ")

    assert nn301_count() == 2
    (project / "layers.py").write_text("import torch.nn.functional as F\n\ndef finish(x):\n    return F.log_softmax(x, dim=1)\n", encoding="utf-8")
    assert nn301_count() == 0
