"""The doctor's catalogue entries: well formed, documented, and importable without torch."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from nnlint.catalog import REQUIRED_HEADINGS
from nnlint.doctor import checks
from nnlint.doctor.codes import BY_CODE, CODES
from nnlint.doctor.findings import Location, finding


@pytest.mark.parametrize("doc", CODES, ids=lambda doc: doc.code)
def test_every_code_is_well_formed(doc) -> None:
    assert doc.problems() == []
    assert doc.source == "doctor"
    assert re.fullmatch(r"ND1\d\d", doc.code)
    assert [doc.docs.find(heading) >= 0 for heading in REQUIRED_HEADINGS] == [True] * 4


def test_codes_and_names_are_unique() -> None:
    assert len({doc.code for doc in CODES}) == len(CODES)
    assert len({doc.name for doc in CODES}) == len(CODES)


def test_every_code_the_checks_can_report_is_catalogued() -> None:
    source = "\n".join(path.read_text() for path in Path(checks.__file__).parent.glob("*.py"))
    reported = set(re.findall(r'"(ND\d{3})"', source))
    assert reported - set(BY_CODE) == set()
    assert set(BY_CODE) - reported == set(), "a catalogued code that no check reports"


def test_a_finding_takes_name_severity_and_checklist_from_the_catalogue(tmp_path) -> None:
    script = tmp_path / "train.py"
    script.write_text("import torch\n    optimizer.step()   \n")
    diagnostic = finding("ND161", "ratio 3.2", Location(str(script), 1), "lower the lr")
    assert (diagnostic.name, diagnostic.source, diagnostic.checklist) == ("update-ratio", "doctor", BY_CODE["ND161"].checklist)
    assert (diagnostic.range.start.character, diagnostic.range.end.character) == (4, 20)  # the code on the line, not its indent
    with pytest.raises(KeyError):
        finding("ND999", "no such code", Location("x.py"), "")


def test_the_catalogue_and_the_command_import_no_torch() -> None:
    code = "import sys, nnlint.doctor, nnlint.doctor.codes, nnlint.doctor.command; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_the_catalogue_lists_the_doctor_codes() -> None:
    from nnlint.catalog import find_doc

    assert find_doc("ND171") is BY_CODE["ND171"]
    assert find_doc("non-finite-origin") is BY_CODE["ND171"]
