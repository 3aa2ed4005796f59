"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines, test-report actions).

One ``testsuite`` per file with findings, one failing ``testcase`` per finding
(``classname`` the path, ``name`` the code and rule name, ``file``/``line``
attributes for the consumers that link them); files that could not be checked
are ``error`` test cases of an ``nnlint`` suite. A clean run is one passing test
case, so that a report never reads "0 tests". XML 1.0 cannot carry most control
characters, so they are replaced rather than producing a file no parser accepts.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from nnlint.diagnostic import Diagnostic
from nnlint.reporters.details import message_with_details
from nnlint.reporters.report import ALL_PASSED, Report

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def write(report: Report, out: TextIO, *, color: bool) -> None:
    """Write ``report`` as a JUnit XML document; ``color`` is accepted for a uniform signature and unused."""
    root = ET.Element("testsuites", name="nnlint")
    if report.errors:
        suite = _suite(root, "nnlint")
        for error in report.errors:
            ET.SubElement(ET.SubElement(suite, "testcase", classname="nnlint", name="file could not be checked"), "error", message=_xml(error))
    for path, diagnostics in report.by_file():
        suite = _suite(root, path)
        for diagnostic in diagnostics:
            _failure(suite, diagnostic)
    if not report.diagnostics and not report.errors:
        ET.SubElement(_suite(root, "nnlint"), "testcase", classname="nnlint", name=ALL_PASSED)
    _count(root)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")


def _suite(root: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=_xml(name))


def _failure(suite: ET.Element, diagnostic: Diagnostic) -> None:
    start = diagnostic.range.start
    case = ET.SubElement(
        suite, "testcase", classname=_xml(diagnostic.path), name=f"{diagnostic.code} {diagnostic.name}",
        file=_xml(diagnostic.path), line=str(start.line + 1),
    )
    failure = ET.SubElement(case, "failure", message=_xml(diagnostic.message), type=diagnostic.code)
    failure.text = _xml(f"{diagnostic.path}:{start.line + 1}:{start.character + 1}: {diagnostic.code} {message_with_details(diagnostic)}")


def _count(root: ET.Element) -> None:
    """The ``tests``/``failures``/``errors`` attributes of every suite and of the root."""
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root:
        counts = {"tests": len(suite), "failures": len(suite.findall("testcase/failure")), "errors": len(suite.findall("testcase/error"))}
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
