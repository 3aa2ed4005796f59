"""The pre-commit hook, run by the real ``pre-commit`` against a repository that uses it.

pre-commit installs a hook from a commit of a git repository, and the working
tree under test may have uncommitted changes: so the test commits a copy of the
package (what ``pip install`` needs: pyproject, README, hook manifest, ``src/``)
to a temporary repository and points ``repo:`` at it, with ``rev`` its HEAD.
The hook's environment is built from that commit alone, which also proves the
static half installs and runs without torch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pre_commit", reason="pre-commit is not installed (it is in the dev extra)")
if shutil.which("git") is None:
    pytest.skip("git is not installed", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml")
BUGGY = """\
import torch.nn as nn
model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
criterion = nn.NLLLoss()
loss = criterion(model(x), y)
"""
FIXED = BUGGY.replace("nn.NLLLoss()", "nn.CrossEntropyLoss()")
TIMEOUT = 300


def git(directory: Path, *args: str) -> str:
    identity = ("-c", "user.name=nnlint tests", "-c", "user.email=tests@nnlint.invalid", "-c", "commit.gpgsign=false")
    done = subprocess.run(["git", *identity, *args], cwd=directory, capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.strip()


def hook_repository(directory: Path) -> str:
    """A git repository holding this working tree's package, committed; returns the commit."""
    for name in PACKAGE_FILES:
        shutil.copy2(ROOT / name, directory / name)
    shutil.copytree(ROOT / "src", directory / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", ".nnlint_cache"))
    git(directory, "init", "-q")
    git(directory, "add", "-A")
    git(directory, "commit", "-q", "-m", "nnlint under test")
    return git(directory, "rev-parse", "HEAD")


def pre_commit(project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(home), NO_COLOR="1", PRE_COMMIT_COLOR="never")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=project, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )


def test_the_hook_fails_on_the_bug_and_passes_after_the_fix(tmp_path: Path):
    hooks, project, home = tmp_path / "hooks", tmp_path / "project", tmp_path / "cache"
    for directory in (hooks, project):
        directory.mkdir()
    revision = hook_repository(hooks)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks.as_posix()}\n    rev: {revision}\n    hooks:\n      - id: nnlint\n", encoding="utf-8"
    )
    (project / "train.py").write_text(BUGGY, encoding="utf-8")
    git(project, "init", "-q")
    git(project, "add", "-A")

    failed = pre_commit(project, home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "train.py:4:8: NN301 error NLLLoss gets raw logits" in failed.stdout

    (environment,) = home.glob("repo*/py_env-*")
    python = environment / "bin" / "python"
    probe = subprocess.run([str(python), "-c", "import importlib.util as u; print(u.find_spec('torch') is None, u.find_spec('libcst') is not None)"],
                           capture_output=True, text=True, timeout=60, check=True)
    assert probe.stdout.split() == ["True", "True"], "the hook's environment has nnlint's dependencies and no torch"

    (project / "train.py").write_text(FIXED, encoding="utf-8")
    passed = pre_commit(project, home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "nnlint" in passed.stdout and "Passed" in passed.stdout
