"""``[tool.nnlint]`` configuration: discovery, every key, errors, and how the command line overrides it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnlint.cli import main
from nnlint.config import ConfigError, Settings, find_config, load_settings
from nnlint.diagnostic import Severity
from nnlint.registry import select_codes

BUGGY = """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
criterion = nn.NLLLoss()
loss = criterion(model(x), y)
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def pyproject(directory: Path, body: str) -> Path:
    return write(directory / "pyproject.toml", "[project]\nname = 'demo'\n\n" + body)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["-j", "1", "--format", "concise", *args] if args[:1] not in (["rules"], ["rule"]) else list(args))
    out, err = capsys.readouterr()
    return code, out, err


def reported(out: str) -> list[str]:
    """``path:line CODE`` of each finding in concise output."""
    return [f"{line.split(':')[0]}:{line.split(':')[1]} {line.split(': ')[1].split()[0]}" for line in out.splitlines() if ": NN" in line]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- finding the file ----------------------------------------------------------------------------

def test_find_config_takes_the_nearest_pyproject_with_a_tool_nnlint_table(tmp_path: Path) -> None:
    outer = pyproject(tmp_path, "[tool.nnlint]\nignore = ['NN3']\n")
    pyproject(tmp_path / "pkg", "[tool.black]\nline-length = 100\n")  # no [tool.nnlint]: not ours
    inner = pyproject(tmp_path / "pkg" / "sub", "[tool.nnlint.severity]\nNN301 = 'hint'\n")
    script = write(tmp_path / "pkg" / "sub" / "deep" / "train.py", BUGGY)
    assert find_config(script) == inner.resolve()
    assert find_config(script.parent) == inner.resolve()
    assert find_config(tmp_path / "pkg" / "x.py") == outer.resolve()
    assert find_config(tmp_path / "pkg") == outer.resolve()


def test_no_config_means_defaults(tmp_path: Path) -> None:
    assert load_settings(None) == Settings()
    pyproject(tmp_path, "[tool.black]\nline-length = 100\n")
    found = find_config(tmp_path / "train.py")
    assert found is None or tmp_path.resolve() not in found.parents  # a pyproject.toml without [tool.nnlint] is not ours


def test_every_key_is_read(tmp_path: Path) -> None:
    path = pyproject(tmp_path, """
[tool.nnlint]
select = ["NN3", "NN101"]
extend-select = ["NN402"]
ignore = ["NN301"]
exclude = ["generated/", "*_pb2.py"]

[tool.nnlint.per-file-ignores]
"tests/*.py" = ["NN3", "NN101"]

[tool.nnlint.severity]
NN301 = "warning"
nn402 = "Info"
""")
    settings = load_settings(path)
    assert settings == Settings(
        select=("NN3", "NN101"),
        extend_select=("NN402",),
        ignore=("NN301",),
        per_file_ignores={"tests/*.py": ("NN3", "NN101")},
        exclude=("generated/", "*_pb2.py"),
        severity={"NN301": Severity.WARNING, "NN402": Severity.INFO},
        root=tmp_path.resolve(),
        source=path,
    )


def test_an_empty_table_is_the_defaults_with_a_root(tmp_path: Path) -> None:
    settings = load_settings(pyproject(tmp_path, "[tool.nnlint]\n"))
    assert (settings.select, settings.ignore, settings.root) == (None, (), tmp_path.resolve())


def test_a_standalone_file_has_the_keys_at_the_top(tmp_path: Path) -> None:
    path = write(tmp_path / "nnlint.toml", 'ignore = ["NN301"]\n')
    assert load_settings(path).ignore == ("NN301",)


# --- errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("[tool.nnlint]\nselct = ['NN301']\n", "unknown key 'selct'"),
        ("[tool.nnlint]\nextend_select = ['NN301']\n", "unknown key 'extend_select'"),
        ("[tool.nnlint.lint]\nselect = ['NN301']\n", "unknown key 'lint'"),
        ("[tool.nnlint]\nselect = 'NN301'\n", "'select' must be a list of strings"),
        ("[tool.nnlint]\nignore = [301]\n", "'ignore' must be a list of strings"),
        ("[tool.nnlint]\nper-file-ignores = ['x.py']\n", "'per-file-ignores' must map globs to lists of codes"),
        ("[tool.nnlint.severity]\nNN301 = 'fatal'\n", "unknown severity 'fatal'"),
        ("[tool.nnlint]\nseverity = 'error'\n", "'severity' must map codes"),
    ],
)
def test_bad_config_is_a_config_error_naming_the_file(tmp_path: Path, body: str, says: str) -> None:
    path = pyproject(tmp_path, body)
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    message = str(error.value)
    assert says in message and str(path) in message
    assert "\n" not in message


def test_unknown_key_via_the_command_line_is_one_line_exit_2(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = pyproject(work, "[tool.nnlint]\nignroe = ['NN301']\n")
    write(work / "a.py", BUGGY)
    code, out, err = run(capsys, "a.py")
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert "'ignroe'" in line and str(path.resolve()) in line


def test_invalid_toml_is_one_line_exit_2(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "pyproject.toml", "[tool.nnlint\nselect = [\n")
    write(work / "a.py", BUGGY)
    code, out, err = run(capsys, "a.py")
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert "invalid TOML" in line and "pyproject.toml" in line


def test_unknown_code_in_config_select_is_an_error_naming_the_file(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint]\nextend-select = ['NN999']\n")
    write(work / "a.py", BUGGY)
    code, _, err = run(capsys, "a.py")
    assert code == 2
    [line] = err.splitlines()
    assert "NN999" in line and "pyproject.toml" in line


def test_a_missing_config_flag_file_is_one_line_exit_2(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(work / "a.py", BUGGY)
    code, _, err = run(capsys, "--config", "nope.toml", "a.py")
    assert code == 2
    assert err.splitlines() == ["nnlint: nope.toml: config file not found"]


def test_per_file_ignores_must_be_lists_of_strings(tmp_path: Path) -> None:
    path = pyproject(tmp_path, "[tool.nnlint.per-file-ignores]\n'a.py' = [1]\n")
    with pytest.raises(ConfigError, match="per-file-ignores"):
        load_settings(path)


def test_unknown_code_in_per_file_ignores_is_an_error(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint.per-file-ignores]\n'a.py' = ['NN30l']\n")
    write(work / "a.py", BUGGY)
    code, _, err = run(capsys, "a.py")
    assert code == 2 and "NN30L" in err.upper()


# --- each key, end to end ------------------------------------------------------------------------

def test_config_ignore(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint]\nignore = ['NN3']\n")
    write(work / "a.py", BUGGY)
    assert run(capsys, "a.py")[0] == 0


def test_config_select_all_minus_ignore_plus_extend_select(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint]\nselect = ['ALL']\nignore = ['NN3']\nextend-select = ['NN301']\n")
    write(work / "a.py", BUGGY)
    assert reported(run(capsys, "a.py")[1]) == ["a.py:4 NN301"]


def test_config_select_of_another_family_disables_nn301(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint]\nselect = ['NN4']\n")
    write(work / "a.py", BUGGY)
    assert run(capsys, "a.py")[0] == 0


def test_select_codes_enables_only_what_is_selected() -> None:
    codes = ["NN101", "NN301", "NN402", "NN901"]  # NN901: a default-off rule
    defaults = ["NN101", "NN301", "NN402"]
    assert select_codes(codes, None, ["NN301"], [], defaults) == frozenset(defaults)
    assert select_codes(codes, ["NN3"], [], [], defaults) == frozenset({"NN301"})
    assert select_codes(codes, ["NN4", "NN101"], [], [], defaults) == frozenset({"NN402", "NN101"})
    assert select_codes(codes, ["NN301"], [], ["NN301"], defaults) == frozenset()


def test_select_codes_specificity() -> None:
    codes = ["NN101", "NN301", "NN302", "NN402", "NN901"]
    defaults = ["NN101", "NN301", "NN302", "NN402"]
    assert select_codes(codes, None, [], [], defaults) == frozenset(defaults)
    assert select_codes(codes, ["ALL"], [], [], defaults) == frozenset(codes)
    assert select_codes(codes, None, [], ["NN3"], defaults) == frozenset({"NN101", "NN402"})
    assert select_codes(codes, ["ALL"], ["NN301"], ["NN3"], defaults) == frozenset({"NN101", "NN301", "NN402", "NN901"})
    assert select_codes(codes, None, ["NN9"], ["ALL"], defaults) == frozenset({"NN901"})


def test_config_codes_are_case_insensitive_like_the_flags(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint]\nignore = ['nn301']\n")
    write(work / "a.py", BUGGY)
    assert run(capsys, "a.py")[0] == 0


def test_per_file_ignores_globs_are_relative_to_the_config(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint.per-file-ignores]\n'scripts/*.py' = ['NN3']\n'legacy.py' = ['ALL']\n")
    for name in ("scripts/a.py", "other/a.py", "legacy.py", "other/legacy.py"):
        write(work / name, BUGGY)
    assert reported(run(capsys, ".")[1]) == ["./other/a.py:4 NN301"]
    _, out, _ = run(capsys, str(work / "scripts" / "a.py"), str(work / "other" / "a.py"))  # absolute paths
    assert reported(out) == [f"{work / 'other' / 'a.py'}:4 NN301"]


def test_per_file_ignores_apply_when_run_from_a_subdirectory(work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    pyproject(work, "[tool.nnlint.per-file-ignores]\n'scripts/*.py' = ['NN301']\n")
    write(work / "scripts" / "a.py", BUGGY)
    monkeypatch.chdir(work / "scripts")
    assert run(capsys, "a.py")[0] == 0


def test_exclude_skips_paths_in_directory_walks(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint]\nexclude = ['generated', '*_pb2.py', 'src/old/*']\n")
    for name in ("src/train.py", "generated/a.py", "src/model_pb2.py", "src/old/x.py", "src/older/x.py"):
        write(work / name, BUGGY)
    assert reported(run(capsys, ".")[1]) == ["./src/older/x.py:4 NN301", "./src/train.py:4 NN301"]


def test_exclude_on_the_command_line_adds_to_the_config(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint]\nexclude = ['generated']\n")
    for name in ("src/train.py", "generated/a.py", "scratch/b.py"):
        write(work / name, BUGGY)
    assert reported(run(capsys, "--exclude", "scratch", ".")[1]) == ["./src/train.py:4 NN301"]


def test_an_excluded_file_named_explicitly_is_skipped_quietly(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint]\nexclude = ['generated']\n")
    write(work / "generated" / "a.py", BUGGY)
    assert run(capsys, "generated/a.py")[0] == 0


def test_severity_override_shows_in_json(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint.severity]\nNN301 = 'hint'\n")
    write(work / "a.py", BUGGY)
    code = main(["--format", "json", "a.py"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1  # a hint is still a finding
    assert report["files"][0]["diagnostics"][0]["severity"] == Severity.HINT.value == 4


# --- the command line over the file ------------------------------------------------------------

def test_cli_select_replaces_config_select(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint]\nselect = ['NN101']\n")
    write(work / "a.py", BUGGY)
    assert reported(run(capsys, "--select", "NN301", "a.py")[1]) == ["a.py:4 NN301"]


def test_cli_ignore_adds_to_config(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint]\nselect = ['NN301']\n")
    write(work / "a.py", BUGGY)
    assert run(capsys, "a.py")[0] == 1
    assert run(capsys, "--ignore", "NN301", "a.py")[0] == 0


def test_cli_extend_select_beats_a_config_prefix_ignore(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint]\nignore = ['NN3']\n")
    write(work / "a.py", BUGGY)
    assert reported(run(capsys, "--extend-select", "NN301", "a.py")[1]) == ["a.py:4 NN301"]


def test_config_flag_replaces_the_nearest_file(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work, "[tool.nnlint]\nignore = ['NN301']\n")
    write(work / "ci" / "nnlint.toml", "select = ['ALL']\n")
    write(work / "a.py", BUGGY)
    assert run(capsys, "a.py")[0] == 0
    assert run(capsys, "--config", "ci/nnlint.toml", "a.py")[0] == 1


def test_config_is_found_from_the_checked_path_not_the_working_directory(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject(work / "proj", "[tool.nnlint]\nignore = ['NN301']\n")
    write(work / "proj" / "a.py", BUGGY)
    assert run(capsys, "proj/a.py")[0] == 0
    assert run(capsys, "proj")[0] == 0


def test_settings_overridden_keeps_what_is_not_given() -> None:
    base = Settings(select=("NN3",), ignore=("NN301",))
    assert base.overridden(select=None, ignore=("NN4",)) == Settings(select=("NN3",), ignore=("NN4",))
    with pytest.raises(AttributeError):
        base.select = ("ALL",)  # type: ignore[misc]
