"""Reading source files exactly and writing fixed files atomically, on the real file system."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from lossscale_lint.fixes.atomic import FileWriteError, write_atomically
from lossscale_lint.pipeline.kinds import load_file
from lossscale_lint.pipeline.engine import lint_source
from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.fixes.runner import fix_file
from lossscale_lint.pipeline.sources import SourceError


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".lsl-fix"))


def test_round_trip_keeps_bytes_encoding_and_mode(tmp_path):
    cases = {
        "crlf.py": b"x = 1\r\ny = 2\r\n",
        "bom.py": b"\xef\xbb\xbfname = '\xc3\xbc'\n",
        "latin.py": b"# -*- coding: latin-1 -*-\nname = '\xfc'\n",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        path.chmod(0o640)
        source = load_file(path)
        assert "\ufeff" not in source.text and "ü" in source.text or name == "crlf.py"
        write_atomically(source, source.text.replace("1", "3").replace("ü", "ö"))
        encoding = source.encoding.removesuffix("-sig")  # the BOM itself is not part of the text
        expected = data.replace(b"1", b"3").replace("ü".encode(encoding), "ö".encode(encoding))
        assert path.read_bytes() == expected, name
        assert path.stat().st_mode & 0o777 == 0o640
    assert leftovers(tmp_path) == []


def test_a_symlink_stays_a_link_and_its_target_is_fixed(tmp_path):
    target = tmp_path / "real.py"
    target.write_text("a = 1\n")
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_atomically(load_file(link), "a = 2\n")
    assert link.is_symlink() and target.read_text() == "a = 2\n"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.unlink(), "the file vanished before the fixes could be written"),
        (lambda p: (p.unlink(), p.mkdir()), "is no longer a regular file; fixes not written"),
        (lambda p: p.write_text("a = 1  # edited meanwhile\n"), "changed on disk while it was being fixed"),
    ],
    ids=["vanished", "replaced-by-folder", "edited-meanwhile"],
)
def test_a_file_that_changed_after_reading_is_not_overwritten(tmp_path, change, message):
    path = tmp_path / "t.py"
    path.write_text("a = 1\n")
    source = load_file(path)
    change(path)
    with pytest.raises(FileWriteError, match=message):
        write_atomically(source, "a = 2\n")
    assert leftovers(tmp_path) == []


@pytest.fixture
def immutable(tmp_path):
    """A file that even root cannot replace (chattr +i); skipped where the attribute is refused."""
    path = tmp_path / "locked.py"
    path.write_text("a = 1\n")
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode:
        pytest.skip("chattr +i is not available here")
    yield path
    subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_read_only_file_gets_a_clear_error_and_stays_as_it_was(immutable):
    source = load_file(immutable)
    with pytest.raises(FileWriteError) as caught:
        write_atomically(source, "a = 2\n")
    assert str(caught.value) == f"{immutable}: the file is read-only; fixes not written"
    assert immutable.read_text() == "a = 1\n" and leftovers(immutable.parent) == []


def test_a_failing_rename_leaves_the_original_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "t.py"
    path.write_text("a = 1\n")
    source = load_file(path)

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(FileWriteError, match=r"t\.py: cannot write: Permission denied$"):
        write_atomically(source, "a = 2\n")
    assert path.read_text() == "a = 1\n" and leftovers(tmp_path) == []


def test_an_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "t.py"
    path.write_text("a = 1\n")
    source = load_file(path)

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(source, "a = 2\n")
    assert path.read_text() == "a = 1\n" and leftovers(tmp_path) == []


def test_text_the_file_encoding_cannot_hold_is_refused(tmp_path):
    path = tmp_path / "latin.py"
    path.write_bytes(b"# coding: latin-1\nx = 1\n")
    with pytest.raises(FileWriteError, match="cannot be encoded as iso-8859-1"):
        write_atomically(load_file(path), "# coding: latin-1\nx = '🙂'\n")
    assert path.read_bytes() == b"# coding: latin-1\nx = 1\n"


def test_unreadable_paths_give_one_line_errors(tmp_path):
    with pytest.raises(SourceError, match=r"^cannot read: No such file or directory$"):
        load_file(tmp_path / "gone.py")
    with pytest.raises(SourceError, match=r"^is a directory, not a file$"):
        load_file(tmp_path)


def test_fix_file_does_not_overwrite_a_file_edited_after_it_was_read(tmp_path):
    path = tmp_path / "t.py"
    path.write_text("import torch.nn as nn\ncrit = nn.MSELoss(size_average=False)\n")
    source = load_file(path)
    diagnostics = lint_source(source.text, str(path))
    path.write_text("import torch.nn as nn\ncrit = nn.MSELoss(size_average=False)  # edited\n")
    result = fix_file(source, str(path), diagnostics, unsafe=False, write=True, options=AnalysisOptions())
    assert result.outcome.applied and not result.written
    assert result.error == f"{path}: changed on disk while it was being fixed; fixes not written"
    assert result.diagnostics == diagnostics and path.read_text().endswith("# edited\n")
