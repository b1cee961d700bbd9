"""The cache never writes or deletes outside the project, whatever the repository holds.

A repository may commit `.lossscale_lint_cache` - or the version folder inside it, or one entry, or
its `.gitignore` - as a symlink pointing anywhere. Each test plants such a link to a folder outside
the project holding old, precious files (old enough for the week-long pruning to delete them), runs
the real console script, and checks that the outside folder is byte-for-byte what it was: same
names, same bytes, same kinds, nothing new. The run itself still reports its findings (without a
cache where the cache cannot be trusted).
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from pathlib import Path

import pytest
from cli_support import run_console_script

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.pipeline.cache import CACHE_DIR_NAME, DiagnosticsCache, prune_other_versions, tool_fingerprint

EXAMPLES = Path(__file__).parent.parent / "examples"
MONTH_AGO = time.time() - 30 * 24 * 3600

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")


def age(path: Path) -> None:
    os.utime(path, (MONTH_AGO, MONTH_AGO), follow_symlinks=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project (config file: its root) with one script that has a finding (LSL401)."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "lossscale-lint.toml").write_text("")
    shutil.copyfile(EXAMPLES / "legacy_size_average.py", root / "train.py")
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the project with a month-old file and a month-old subfolder in it: what a
    cache writing or pruning through a link would overwrite or delete."""
    folder = tmp_path / "outside"
    (folder / "0123456789abcdef").mkdir(parents=True)
    (folder / "0123456789abcdef" / "thesis.tex").write_bytes(b"\\chapter{Five years of work}\n")
    (folder / "precious.json").write_bytes(b'{"format": 3, "key": "not yours"}\n')
    (folder / ".gitignore").write_bytes(b"# the outside folder's own\n")
    for path in (*folder.rglob("*"), folder):
        age(path)
    return folder


def snapshot(folder: Path) -> dict[str, tuple[str, bytes | str | None, float]]:
    """Every name under `folder` (links not followed): its kind, content (bytes or link target) and
    modification time."""
    found = {}
    for path in sorted(folder.rglob("*")):
        status = os.lstat(path)
        if stat.S_ISLNK(status.st_mode):
            found[path.relative_to(folder).as_posix()] = ("link", os.readlink(path), status.st_mtime)
        elif stat.S_ISDIR(status.st_mode):
            found[path.relative_to(folder).as_posix()] = ("dir", None, status.st_mtime)
        else:
            found[path.relative_to(folder).as_posix()] = ("file", path.read_bytes(), status.st_mtime)
    return found


def check(project: Path, *args: str):
    result = run_console_script(["check", "--output-format", "concise", *args, "."], cwd=project)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    return result


def version_folder_name(project: Path) -> str:
    """The version folder the console script uses, learnt from a run (not assumed equal to this
    process's fingerprint), then the cache it made is removed again."""
    check(project)
    [folder] = [p for p in (project / CACHE_DIR_NAME).iterdir() if p.is_dir()]
    shutil.rmtree(project / CACHE_DIR_NAME)
    return folder.name


@pytest.mark.slow
@pytest.mark.parametrize("args", [(), ("--fix",), ("--fix", "--unsafe-fixes")], ids=["check", "fix", "unsafe-fix"])
def test_a_symlinked_cache_folder_is_not_used(project, outside, args):
    (project / CACHE_DIR_NAME).symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    for _ in range(2):  # the second run would be the one reading what the first wrote
        result = check(project, *args)
        assert snapshot(outside) == before
    assert (project / CACHE_DIR_NAME).is_symlink()
    if not args:
        assert "LSL401" in result.stdout and result.returncode == 1  # linted all the same
    else:
        assert 'reduction="sum"' in (project / "train.py").read_text()  # and fixed all the same


@pytest.mark.slow
def test_a_symlinked_version_folder_is_not_used(project, outside):
    name = version_folder_name(project)
    top = project / CACHE_DIR_NAME
    top.mkdir()
    (top / name).symlink_to(outside, target_is_directory=True)
    stale = top / "fedcba9876543210"  # another version's folder, due for pruning
    stale.mkdir()
    age(stale)
    before = snapshot(outside)
    for _ in range(2):
        result = check(project)
        assert "LSL401" in result.stdout
        assert snapshot(outside) == before
    assert (top / name).is_symlink()
    assert stale.exists()  # a cache that is not used prunes nothing either


@pytest.mark.slow
def test_a_symlinked_entry_is_replaced_not_written_through(project, outside):
    check(project)
    [entry] = (project / CACHE_DIR_NAME).glob("*/*.json")
    entry.unlink()
    entry.symlink_to(outside / "precious.json")
    before = snapshot(outside)
    result = check(project)
    assert "LSL401" in result.stdout
    assert snapshot(outside) == before
    assert not entry.is_symlink() and b"LSL401" in entry.read_bytes()  # the link itself was replaced
    assert "LSL401" in check(project).stdout  # and the new entry is a working one


@pytest.mark.slow
def test_a_dangling_entry_link_creates_nothing_outside(project, outside):
    check(project)
    [entry] = (project / CACHE_DIR_NAME).glob("*/*.json")
    (project / "train.py").write_text((project / "train.py").read_text() + "\n# edited\n")  # a miss
    entry.unlink()
    entry.symlink_to(outside / "created_by_the_cache.json")
    before = snapshot(outside)
    assert "LSL401" in check(project).stdout
    assert snapshot(outside) == before
    assert not entry.is_symlink()


@pytest.mark.slow
def test_a_gitignore_link_is_never_written_through(project, outside):
    top = project / CACHE_DIR_NAME
    top.mkdir()
    (top / ".gitignore").symlink_to(outside / "new_file")  # dangling: `exists()` says False
    before = snapshot(outside)
    assert "LSL401" in check(project).stdout
    assert snapshot(outside) == before
    assert (top / ".gitignore").is_symlink()


@pytest.mark.slow
def test_pruning_unlinks_a_stale_link_and_keeps_its_target(project, outside):
    top = project / CACHE_DIR_NAME
    top.mkdir()
    (top / "0123456789abcdef").symlink_to(outside, target_is_directory=True)
    (top / "0000000000000000.json").symlink_to(outside / "precious.json")
    for link in top.iterdir():
        age(link)
    before = snapshot(outside)
    assert "LSL401" in check(project).stdout
    assert snapshot(outside) == before
    assert not os.path.lexists(top / "0123456789abcdef") and not os.path.lexists(top / "0000000000000000.json")


# -- the same, in process, on `DiagnosticsCache` itself ------------------------------------------


def test_open_refuses_a_cache_folder_that_is_a_link(tmp_path, outside):
    root = tmp_path / "root"
    root.mkdir()
    (root / CACHE_DIR_NAME).symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    assert DiagnosticsCache.open(root) is None
    assert DiagnosticsCache.open(root, create=False) is None
    assert snapshot(outside) == before


def test_open_refuses_a_version_folder_that_is_a_link(tmp_path, outside):
    top = tmp_path / "root" / CACHE_DIR_NAME
    top.mkdir(parents=True)
    (top / tool_fingerprint()[:16]).symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    assert DiagnosticsCache.open(tmp_path / "root") is None
    assert snapshot(outside) == before


def test_open_refuses_a_dangling_cache_link(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / CACHE_DIR_NAME).symlink_to(tmp_path / "not_yet")
    assert DiagnosticsCache.open(root) is None
    assert not os.path.lexists(tmp_path / "not_yet")


def test_prune_does_nothing_through_a_linked_top(tmp_path, outside):
    link = tmp_path / "link"
    link.symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    prune_other_versions(link, link / "current")
    assert snapshot(outside) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_an_entry_that_is_a_fifo_or_a_link_is_a_miss_without_blocking(tmp_path, outside):
    cache = DiagnosticsCache.open(tmp_path)
    assert cache is not None
    options = AnalysisOptions()
    fifo_key = cache.key("a.py", "x = 1\n", options)
    os.mkfifo(cache._entry(fifo_key))  # a reader opening it without O_NONBLOCK waits forever
    assert cache.load(fifo_key) is None
    link_key = cache.key("b.py", "x = 1\n", options)
    cache._entry(link_key).symlink_to(outside / "precious.json")
    assert cache.load(link_key) is None
    cache.store(link_key, ())
    assert not cache._entry(link_key).is_symlink() and cache.load(link_key) == ()
    assert (outside / "precious.json").read_bytes() == b'{"format": 3, "key": "not yours"}\n'
