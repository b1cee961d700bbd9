"""The real console script on fuzzed projects (issue 14, fuzzing): a few examples, end to end.

Each example is a folder of mutated corpus scripts (text and byte mutations, so some files cannot
be decoded and some cannot be parsed) and a notebook. `lossscale-lint check` runs on it once per
output format, then `--fix --unsafe-fixes` twice, then `check -` with the text on stdin. Every run
exits 0, 1 or 2, writes no traceback, puts one `lossscale-lint: ...` line per problem on stderr,
and prints output its format's consumers can read; the fixed files parse where the originals did,
and the second fix run changes nothing. The library-level tests beside this one do the volume;
this one checks that the console script adds no crash of its own (argument handling, output
encoding, exit codes).
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from lossscale_lint.reporters.json_format import diagnostic_from_object

from .checks import GITHUB_ANNOTATION, decoded, lint_or_defined_error, sarif_validator
from .corpus import SYNTAX_ERROR, as_notebook, mutated_bytes, mutated_scripts
from .profiles import examples

pytestmark = pytest.mark.slow

FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab", "junit")
HEADLINE = re.compile(r".+:\d+:\d+: LSL\d{3} .*")


def run(args: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The console script; with `check - --fix`, stderr carries the remaining diagnostics, else only
    `lossscale-lint: ` lines (errors and warnings)."""
    done = subprocess.run(["lossscale-lint", *args], cwd=cwd, input=stdin, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    assert done.returncode in (0, 1, 2), (args, done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
    for line in done.stderr.splitlines() if stdin is None else ():
        assert line.startswith("lossscale-lint: "), done.stderr
        assert "internal error" not in line, line
    return done


def assert_format(name: str, output: str) -> None:
    if name == "json":
        for obj in json.loads(output):
            diagnostic_from_object(obj)
    elif name == "sarif":
        document = json.loads(output)
        assert [e.message for e in sarif_validator().iter_errors(document)] == []
    elif name == "gitlab":
        assert isinstance(json.loads(output), list)
    elif name == "junit":
        assert ET.fromstring(output).tag == "testsuites"
    elif name == "github":
        lines = output.splitlines()
        annotations = [line for line in lines if line.startswith("::")]
        assert all(GITHUB_ANNOTATION.fullmatch(line) for line in annotations), output
        assert lines[len(annotations)].startswith("lossscale-lint: "), output
    elif name == "concise":
        lines = output.splitlines()
        found = [line for line in lines if HEADLINE.fullmatch(line)]
        assert lines[: len(found)] == found, output


@st.composite
def projects(draw) -> dict[str, bytes]:
    files = {}
    for n in range(draw(st.integers(1, 3))):
        files[f"train_{n}.py"] = draw(mutated_scripts())[1].encode("utf-8")
    files["broken.py"] = draw(mutated_bytes())[1]
    files["nb.ipynb"] = as_notebook(draw(mutated_scripts())[1], draw(st.lists(st.integers(0, 99), max_size=2)))
    return files


# No shrinking: each example costs a dozen processes, and a failure prints the whole project anyway.
@settings(max_examples=examples(2), phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(projects())
def test_console_script_on_a_fuzzed_project(files):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, data in files.items():
            (root / name).write_bytes(data)
        base = ["check", "--no-cache", "--extend-select", "LSL900"]

        counts = set()
        for name in FORMATS:
            done = run([*base, "--output-format", name, "."], root)
            assert_format(name, done.stdout)
            counts.add(done.returncode)
        assert len(counts) == 1  # the format does not change the verdict

        parsed_before = {
            name for name, data in files.items()
            if name.endswith(".py") and (text := decoded(data)) is not None
            and (found := lint_or_defined_error(text, name, always_report_syntax_errors=True)) is not None
            and not any(d.code == SYNTAX_ERROR for d in found)
        }
        run([*base, "--fix", "--unsafe-fixes", "."], root)
        fixed = {name: (root / name).read_bytes() for name in files}
        for name in parsed_before:
            found = lint_or_defined_error(fixed[name].decode("utf-8"), name, always_report_syntax_errors=True)
            assert found is not None and not any(d.code == SYNTAX_ERROR for d in found), name
        run([*base, "--fix", "--unsafe-fixes", "."], root)
        assert {name: (root / name).read_bytes() for name in files} == fixed

        # stdin: the fixed text on stdout, the same as the fixer wrote to the file.
        text = files["train_0.py"].decode("utf-8")
        done = run([*base, "--fix", "--unsafe-fixes", "-", "--stdin-filename", "again.py"], root, stdin=text)
        assert "internal error" not in done.stderr
        if done.returncode != 2:
            assert done.stdout == fixed["train_0.py"].decode("utf-8")
