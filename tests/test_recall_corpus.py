"""The recall corpus (benchmarks/recall/) is well-formed, and recall.py sorts findings right.

Only the corpus's shape is asserted here: labels parse, every buggy project has a fixed
twin with the same files, the twin differs and carries no label. What nnlint finds in it
is measured by ``python benchmarks/recall.py``, never asserted.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))  # the scripts there import each other by name

import recall  # noqa: E402
import recall_corpus  # noqa: E402

PROJECTS = recall_corpus.load_corpus()


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in recall_corpus.python_files(folder)}


def test_the_corpus_is_not_empty() -> None:
    assert len(PROJECTS) >= 10
    assert sum(len(recall_corpus.parse_labels(p.name, p.path / "buggy")) for p in PROJECTS) >= 25


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_project_is_well_formed(project) -> None:
    buggy, fixed = _files(project.path / "buggy"), _files(project.path / "fixed")
    assert buggy, "buggy/ holds no .py file"
    assert sorted(buggy) == sorted(fixed), "buggy/ and fixed/ must hold the same files"
    labels = recall_corpus.parse_labels(project.name, project.path / "buggy")
    assert labels, "a buggy project needs at least one '# expect:' label"
    for label in labels:
        assert (ROOT / "rules" / f"{label.code}.md").is_file(), f"{label.file}:{label.line}: no rule {label.code}"
        code_part = buggy[label.file].splitlines()[label.line - 1].split("#", 1)[0]
        assert code_part.strip(), f"{label.file}:{label.line}: a label must sit on a line of code"
    assert not any("# expect" in text for text in fixed.values()), "the fixed twin must carry no label"
    strip = recall_corpus.LABEL.sub
    assert any(strip("", buggy[name]).rstrip() != strip("", fixed[name]).rstrip() for name in buggy), (
        "the fixed twin must differ from buggy/ by more than its labels"
    )
    for folder, files in (("buggy", buggy), ("fixed", fixed)):
        for name, text in files.items():
            ast.parse(text, filename=f"{project.name}/{folder}/{name}")


def test_malformed_labels_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1  # expect: NN101\n")
    with pytest.raises(recall_corpus.CorpusError, match="malformed"):
        recall_corpus.parse_labels("p", tmp_path)
    (tmp_path / "a.py").write_text("x = 1  # expect: NN101 construct=made-up\n")
    with pytest.raises(recall_corpus.CorpusError, match="unknown construct made-up"):
        recall_corpus.parse_labels("p", tmp_path)


def test_labels_parse_with_several_constructs(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.py").write_text("\n\nloader = make()  # expect: NN101 construct=tuple-return,cross-file\n")
    assert recall_corpus.parse_labels("p", tmp_path) == [
        recall_corpus.Label("p", "sub/b.py", 3, "NN101", ("tuple-return", "cross-file"))
    ]


def test_findings_are_sorted_into_hits_elsewhere_missed_and_alarms() -> None:
    project = recall_corpus.Project("p", ROOT, "plain-local", "")
    hit = recall_corpus.Label("p", "t.py", 5, "NN101", ("local-variable",))
    moved = recall_corpus.Label("p", "t.py", 9, "NN401", ("self-attribute",))
    missed = recall_corpus.Label("p", "t.py", 12, "NN402", ("local-variable",))
    covering = recall.Finding("t.py", 4, 6, "NN101", "spans the label's line")
    other_line = recall.Finding("t.py", 20, 20, "NN401", "reported at the call site")
    wrong_code = recall.Finding("t.py", 12, 12, "NN409", "not the labelled code")
    alarm = recall.Finding("t.py", 3, 3, "NN101", "on the twin")
    outcome = recall.match(project, [hit, moved, missed], [covering, other_line, wrong_code], [alarm])
    assert outcome.hits == [hit]
    assert outcome.elsewhere == [(moved, other_line)]
    assert outcome.missed == [missed]
    assert outcome.unlabelled == [wrong_code]
    assert outcome.false_alarms == [alarm]


def test_a_checker_that_prints_no_json_is_one_error_line(tmp_path: Path) -> None:
    checker = recall.Checker((sys.executable, "-c", "import sys; print('Traceback: boom'); sys.exit(3)"))
    findings, errors = recall.run_nnlint(checker, tmp_path)
    assert findings == []
    assert errors == [f"{tmp_path}: nnlint exited 3: Traceback: boom"]


def test_one_finding_elsewhere_counts_for_one_label_only() -> None:
    """Two containers labelled NN308, one finding between them: the nearer label takes it."""
    project = recall_corpus.Project("p", ROOT, "plain-local", "")
    first = recall_corpus.Label("p", "m.py", 10, "NN308", ("local-variable",))
    second = recall_corpus.Label("p", "m.py", 15, "NN308", ("list-concat",))
    between = recall.Finding("m.py", 13, 13, "NN308", "reported at the append")
    outcome = recall.match(project, [first, second], [between], [])
    assert outcome.elsewhere == [(second, between)]
    assert outcome.missed == [first]


def test_a_project_without_style_or_twin_is_refused(tmp_path: Path) -> None:
    (tmp_path / "buggy").mkdir()
    (tmp_path / "project.toml").write_text('style = "made-up"\n')
    with pytest.raises(recall_corpus.CorpusError, match="style must be one of"):
        recall_corpus.load_project(tmp_path)
    (tmp_path / "project.toml").write_text('style = "plain-local"\n')
    with pytest.raises(recall_corpus.CorpusError, match="has no fixed/ folder"):
        recall_corpus.load_project(tmp_path)
    (tmp_path / "project.toml").write_text("style = \n")
    with pytest.raises(recall_corpus.CorpusError, match="project.toml"):
        recall_corpus.load_project(tmp_path)
