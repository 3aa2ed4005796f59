"""The rule catalogue: every code is well described, and ``rules/`` is what the generator writes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from nnlint import catalog_pages
from nnlint.catalog import REQUIRED_HEADINGS, RuleDoc, all_docs
from nnlint.reporters.checklist_titles import TITLES

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
DOCS = all_docs()


def test_rules_directory_is_up_to_date() -> None:
    problems = catalog_pages.differences(RULES_DIR)
    assert not problems, "rules/ is out of date; run python -m nnlint.catalog_pages\n" + "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=[doc.code for doc in DOCS])
def test_every_doc_is_well_formed(doc: RuleDoc) -> None:
    assert doc.problems() == []
    assert doc.source in {"check", "trace", "doctor"}
    assert doc.code[1] == {"check": "N", "trace": "T", "doctor": "D"}[doc.source], "the code's letter names its half"


def test_codes_are_unique() -> None:
    codes = [doc.code for doc in DOCS]
    assert len(codes) == len(set(codes)), sorted({code for code in codes if codes.count(code) > 1})


def test_names_are_unique() -> None:
    """``nnlint rule NAME`` finds a rule by name, so a name shared by two codes would show only one of them."""
    shared = {doc.name: [other.code for other in DOCS if other.name == doc.name] for doc in DOCS}
    assert {name: codes for name, codes in shared.items() if len(codes) > 1} == {}


def test_all_docs_is_sorted_by_code() -> None:
    assert [doc.code for doc in DOCS] == sorted(doc.code for doc in DOCS)


def test_every_item_is_covered_or_says_why_not() -> None:
    covered = catalog_pages.coverage(DOCS)
    assert sorted(covered) == list(range(1, 38))
    missing = [item for item, halves in covered.items() if not any(halves.values()) and not catalog_pages.NOT_COVERED.get(item)]
    assert missing == [], "items with no code and no reason in catalog_pages.NOT_COVERED"
    assert set(catalog_pages.NOT_COVERED) <= set(TITLES)


def test_one_page_per_code_plus_readme() -> None:
    files = catalog_pages.generate(DOCS)
    assert set(files) == {f"{doc.code}.md" for doc in DOCS} | {"README.md"}
    for doc in DOCS:
        assert files[f"{doc.code}.md"].startswith(f"# {doc.code} {doc.name}\n")


@pytest.mark.parametrize("doc", DOCS, ids=[doc.code for doc in DOCS])
def test_every_rendered_page_has_the_required_headings(doc: RuleDoc) -> None:
    """Pages of every half (static, trace, doctor) keep all of their docs' headings, "## What it does" included."""
    page = catalog_pages.generate([doc])[f"{doc.code}.md"]
    assert all(f"\n{heading}\n" in page for heading in REQUIRED_HEADINGS), doc.code


def _doc(code: str, checklist: tuple[int, ...], source: str) -> RuleDoc:
    body = "Summary line.\n\n## What it does\nx\n\n## Why is this bad?\nx\n\n## Example\nx\n\n## Use instead\nx\n"
    return RuleDoc(code=code, name=f"rule-{code.lower()}", checklist=checklist, summary="Summary | with a pipe", docs=body, source=source)


def test_readme_tables_list_codes_by_half_and_reasons_only_where_uncovered() -> None:
    docs = [_doc("NN999", (19, 7), "check"), _doc("NT999", (19,), "trace"), _doc("ND999", (19,), "doctor")]
    readme = catalog_pages.render_readme(docs)
    row_19 = next(line for line in readme.splitlines() if line.startswith("| 19 |"))
    cells = [cell.strip() for cell in row_19.strip("|").split(" | ")]
    assert cells == ["19", TITLES[19], "[NN999](NN999.md)", "[NT999](NT999.md)", "[ND999](ND999.md)", ""]
    row_5 = next(line for line in readme.splitlines() if line.startswith("| 5 |"))
    assert "cannot be read from code" in row_5
    assert "| [NN999](NN999.md) | rule-nn999 | 19, 7 | check | no | on |" in readme
    assert "2 of 37 items are covered" in readme
    for item in range(1, 38):
        assert sum(1 for line in readme.splitlines() if line.startswith(f"| {item} | ")) == 1


def test_check_reports_stale_missing_and_extra_files(tmp_path: Path) -> None:
    docs = [_doc("NN998", (1,), "check"), _doc("NN999", (2,), "check")]
    files = catalog_pages.generate(docs)
    assert catalog_pages.differences(tmp_path, files) == [f"missing: {tmp_path / name}" for name in files]
    catalog_pages.write(tmp_path, files)
    assert catalog_pages.differences(tmp_path, files) == []
    (tmp_path / "NN998.md").write_text("edited by hand\n", encoding="utf-8")
    (tmp_path / "NN000.md").write_text("a page of a removed rule\n", encoding="utf-8")
    assert catalog_pages.differences(tmp_path, files) == [f"stale: {tmp_path / 'NN998.md'}", f"extra: {tmp_path / 'NN000.md'}"]
    catalog_pages.write(tmp_path, files)  # regenerating repairs both
    assert catalog_pages.differences(tmp_path, files) == []
    assert not (tmp_path / "NN000.md").exists()


def test_main_check_exits_1_on_a_stale_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert catalog_pages.main(["--check", "--output", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert f"missing: {tmp_path / 'README.md'}" in out
    assert "python -m nnlint.catalog_pages" in err
    assert catalog_pages.main(["--output", str(tmp_path)]) == 0
    capsys.readouterr()
    assert catalog_pages.main(["--check", "--output", str(tmp_path)]) == 0
    assert capsys.readouterr().out == ""


def test_generation_is_deterministic() -> None:
    shuffled = list(reversed(DOCS))
    assert catalog_pages.generate(DOCS) == catalog_pages.generate(sorted(shuffled, key=lambda d: d.code))
    assert catalog_pages.generate() == catalog_pages.generate()


def test_rule_doc_problems_catches_malformed_entries() -> None:
    good = _doc("NN999", (19,), "check")
    assert good.problems() == []
    assert replace(good, code="NX999").problems()
    assert replace(good, name="Not_Kebab").problems()
    assert replace(good, checklist=(38,)).problems()
    assert replace(good, checklist=()).problems()
    assert replace(good, docs="## Example\n## What it does\n## Why is this bad?\n## Use instead").problems()
