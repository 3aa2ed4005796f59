"""The NT codes: complete docs, unique, and readable without torch."""

from __future__ import annotations

import subprocess
import sys

from nnlint.catalog import REQUIRED_HEADINGS
from nnlint.trace.codes import BY_CODE, CODES


def test_every_code_is_well_formed() -> None:
    assert CODES, "the tracer declares its codes"
    for doc in CODES:
        assert doc.problems() == [], doc.code
        assert doc.code.startswith("NT1") and doc.source == "trace"


def test_codes_and_names_are_unique_and_sorted() -> None:
    codes = [doc.code for doc in CODES]
    assert codes == sorted(set(codes))
    assert len({doc.name for doc in CODES}) == len(CODES)
    assert set(BY_CODE) == set(codes)


def test_docs_have_the_headings_in_order_and_code_examples() -> None:
    for doc in CODES:
        positions = [doc.docs.index(heading) for heading in REQUIRED_HEADINGS]
        assert positions == sorted(positions)
        assert doc.docs.count("```python") >= 2, doc.code


def test_catalogue_and_cli_parser_do_not_import_torch() -> None:
    code = (
        "import sys, argparse\n"
        "import nnlint.trace, nnlint.trace.codes, nnlint.trace.command\n"
        "parser = argparse.ArgumentParser(); nnlint.trace.command.add_parser(parser.add_subparsers())\n"
        "print(sorted(name for name in ('torch', 'networkx') if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
