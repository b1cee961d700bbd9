"""File kinds: the one way files are read (`kinds.load_file`), and the seam a new kind plugs into.

A toy kind (`.lsltxt`: a header line, then Python) stands in for the notebook kind: discovery
collects its suffix, the engine lints its Python text, diagnostics are reported in the file's own
lines through `locate`, and `--fix` writes it back through `write`.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from cli_support import run_main

from lossscale_lint.diagnostics import Diagnostic
from lossscale_lint.fixes.atomic import FileWriteError, write_atomically
from lossscale_lint.pipeline import kinds
from lossscale_lint.pipeline.cache import CACHE_DIR_NAME
from lossscale_lint.pipeline.kinds import PYTHON, collected_suffixes, kind_for, load_file
from lossscale_lint.pipeline.sources import FileKind, LoadedFile, SourceError, decode_source

LEGACY = "import torch.nn as nn\ncrit = nn.MSELoss(size_average=False)\n"
HEADER = "toy header: not Python\n"


def test_a_python_file_keeps_its_bytes_encoding_and_stamp(tmp_path):
    cases = {
        "crlf.py": (b"x = 1\r\ny = 2\r\n", "x = 1\r\ny = 2\r\n", "utf-8"),
        "bom.py": (b"\xef\xbb\xbfname = '\xc3\xbc'\n", "name = 'ü'\n", "utf-8-sig"),
        "latin.py": (b"# -*- coding: latin-1 -*-\nname = '\xfc'\n", "# -*- coding: latin-1 -*-\nname = 'ü'\n",
                     "iso-8859-1"),
    }
    for name, (data, text, encoding) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        loaded = load_file(str(path))
        status = path.stat()
        assert (loaded.path, loaded.text, loaded.kind, loaded.encoding) == (str(path), text, PYTHON, encoding)
        assert loaded.stamp == (status.st_mtime_ns, status.st_size) and loaded.layout is None


def test_reading_errors_are_one_line(tmp_path):
    (tmp_path / "nul.py").write_bytes(b"x = 1\x00\n")
    with pytest.raises(SourceError, match=r"^binary file \(contains NUL bytes\), not Python source$"):
        load_file(tmp_path / "nul.py")
    with pytest.raises(SourceError, match=r"^is a directory, not a file$"):
        load_file(tmp_path)


def test_the_suffix_picks_the_kind_and_anything_else_is_python():
    assert collected_suffixes() == (".py", ".pyi", ".ipynb")  # issue 11: notebooks are collected too
    assert kind_for("pkg/train.py") is kind_for("stubs/x.pyi") is kind_for("bin/train") is PYTHON


def test_a_text_not_read_from_disk_is_never_written(tmp_path):
    (tmp_path / "t.py").write_text("a = 1\n")
    from_git = PYTHON.decode(str(tmp_path / "t.py"), b"a = 0\n", None)
    with pytest.raises(FileWriteError, match="was not read from this file on disk"):
        PYTHON.write(from_git, "a = 2\n")
    assert (tmp_path / "t.py").read_text() == "a = 1\n"


class ToyKind(FileKind):
    """A header line, then Python: the engine sees the Python, reports count the header."""

    name = "toy"
    suffixes = (".lsltxt",)

    def decode(self, path: str, data: bytes, stamp: tuple[int, int] | None) -> LoadedFile:
        header, _, code = decode_source(data).partition("\n")
        return LoadedFile(path, code, self, "utf-8", stamp, layout=header + "\n")

    def write(self, loaded: LoadedFile, new_text: str) -> None:
        write_atomically(loaded, loaded.layout + new_text)

    def locate(self, loaded: LoadedFile, diagnostic: Diagnostic) -> Diagnostic:
        span = diagnostic.span
        moved = dataclasses.replace(span, line=span.line + 1, end_line=span.end_line + 1)
        return dataclasses.replace(diagnostic, span=moved)


@pytest.fixture
def toy_project(tmp_path, monkeypatch):
    monkeypatch.setattr(kinds, "KINDS", (PYTHON, ToyKind()))
    (tmp_path / "legacy.lsltxt").write_text(HEADER + LEGACY)
    (tmp_path / "legacy.py").write_text(LEGACY)
    (tmp_path / "notes.txt").write_text(HEADER + LEGACY)  # no kind reads .txt: not collected
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_discovery_collects_every_kind_and_reports_in_the_file_own_lines(toy_project, capsys):
    code, out, err = run_main(["check", "--no-cache", "--output-format", "concise", "."], capsys)
    assert err == "" and code == 1
    lines = out.splitlines()
    assert [line.split(" ")[0] for line in lines if " LSL" in line] == ["legacy.lsltxt:3:19:", "legacy.py:2:19:"]


def test_the_cache_keeps_engine_positions_and_reports_located_ones(toy_project, capsys):
    first = run_main(["check", "--output-format", "concise", "."], capsys)
    assert run_main(["check", "--output-format", "concise", "."], capsys) == first
    assert "legacy.lsltxt:3:19:" in first[1]
    entries = [json.loads(p.read_text()) for p in (toy_project / CACHE_DIR_NAME).glob("*/*.json")]
    assert len(entries) == 2 and all(d["line"] == 2 for e in entries for d in e["diagnostics"])


def test_fix_writes_back_through_the_kind(toy_project, capsys):
    code, out, err = run_main(["check", "--no-cache", "--fix", "."], capsys)
    assert err == "" and code == 0
    fixed = LEGACY.replace("size_average=False", 'reduction="sum"')
    assert (toy_project / "legacy.lsltxt").read_text() == HEADER + fixed
    assert (toy_project / "legacy.py").read_text() == fixed
    assert (toy_project / "notes.txt").read_text() == HEADER + LEGACY
