"""JUnit XML: one test suite per file, one failing test case per diagnostic.

There is no formal JUnit standard; this follows what CI test-report widgets (GitLab, Jenkins, Azure)
read: `testsuites > testsuite > testcase > failure`. A clean run is a single passing test case, so the
report shows that the check ran instead of looking empty.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.reporters.base import ReportContext
from lossscale_lint.reporters.cells import cell_phrase, place, span_in_file
from lossscale_lint.reporters.locations import repository_relative

SUITE_NAME = "lossscale-lint"
# XML 1.0 cannot carry most control characters, not even escaped; a stray one would break the report.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _failure_text(d: Diagnostic, path: str) -> str:
    lines = [f"{path}:{place(d.span)}: {d.code} {d.message}"]
    lines += [f"{r.path or path}:{place(r.span)}: note: {r.message}" for r in d.related]
    if d.factor:
        lines.append(f"Effect on the update: {d.factor}")
    if d.suggestion:
        lines.append(f"Fix: {d.suggestion}")
    return "\n".join(lines)


def report_junit(diagnostics: Sequence[Diagnostic], ctx: ReportContext) -> str:
    by_file: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in sorted(diagnostics, key=lambda d: d.sort_key):
        by_file[_xml_safe(repository_relative(d.path, Path(ctx.cwd)))].append(d)
    total = sum(len(found) for found in by_file.values())
    errors = 1 if ctx.files_failed else 0
    root = ET.Element(
        "testsuites", name=SUITE_NAME, tests=str(max(total + errors, 1)), failures=str(total), errors=str(errors)
    )
    for path, found in by_file.items():
        suite = ET.SubElement(
            root, "testsuite", name=path, tests=str(len(found)), failures=str(len(found)), errors="0"
        )
        for d in found:
            where = cell_phrase(d.span) if d.span.cell is not None else f"line {d.span.line}, column {d.span.column}"
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{d.code} {d.name} at {where}",
                classname=path,
                file=path,
                # The line in the file itself (for a notebook, in its JSON text), which widgets link to.
                line=str(span_in_file(d.path, d.span, Path(ctx.cwd), ctx.sources).line),
            )
            failure = ET.SubElement(case, "failure", message=_xml_safe(f"{d.code} {d.message}"), type=d.severity.value)
            failure.text = _xml_safe(_failure_text(d, path))
    if ctx.files_failed:
        # Which files failed, and why, went to stderr; the report still must not look clean.
        suite = ET.SubElement(root, "testsuite", name=SUITE_NAME, tests="1", failures="0", errors="1")
        case = ET.SubElement(suite, "testcase", name="files that could not be checked", classname=SUITE_NAME)
        failed = f"{ctx.files_failed} file{'s' if ctx.files_failed != 1 else ''}"
        ET.SubElement(case, "error", message=f"{failed} could not be read or analysed (see the log)")
    elif not by_file:
        suite = ET.SubElement(root, "testsuite", name=SUITE_NAME, tests="1", failures="0", errors="0")
        checked = f"{ctx.files_checked} file{'s' if ctx.files_checked != 1 else ''}"
        ET.SubElement(suite, "testcase", name=f"no diagnostics in {checked}", classname=SUITE_NAME)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
