"""Which files a run checks, in which order and under which names."""

from __future__ import annotations

import os
from pathlib import Path

from lossscale_lint.config.settings import Settings, load_settings
from lossscale_lint.pipeline.discovery import discover


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n", encoding="utf-8")


def test_python_files_below_a_folder_in_sorted_order_skipping_the_usual_folders(tmp_path, monkeypatch):
    touch(
        tmp_path,
        "b.py", "a.pyi", "notes.txt", "pkg/z.py", "pkg/sub/y.py", "pkg/__pycache__/c.py",
        ".git/hooks/h.py", ".venv/lib/v.py", "venv/lib/v.py", "build/lib/b.py", "dist/d.py",
        "node_modules/n.py", ".lossscale_lint_cache/k.py", "myenv/pyvenv.cfg", "myenv/lib/site.py",
    )
    monkeypatch.chdir(tmp_path)
    found = discover(["."], Settings(root=tmp_path))
    assert found.files == ["a.pyi", "b.py", "pkg/sub/y.py", "pkg/z.py"]
    assert found.missing == []


def test_paths_keep_the_form_the_user_gave(tmp_path, monkeypatch):
    touch(tmp_path, "proj/src/train.py")
    monkeypatch.chdir(tmp_path / "proj")
    settings = Settings(root=tmp_path / "proj")
    assert discover(["src"], settings).files == [os.path.join("src", "train.py")]
    assert discover(["./src/"], settings).files == [os.path.join("src", "train.py")]
    absolute = str(tmp_path / "proj" / "src")
    assert discover([absolute], settings).files == [os.path.join(absolute, "train.py")]
    monkeypatch.chdir(tmp_path / "proj" / "src")
    assert discover(["../src/train.py"], settings).files == ["../src/train.py"]


def test_an_explicit_file_is_always_checked_unless_force_exclude(tmp_path, monkeypatch):
    touch(tmp_path, "build/gen.py", "script")
    (tmp_path / "lossscale-lint.toml").write_text('extend-exclude = ["script"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = load_settings(tmp_path)
    assert discover(["build/gen.py", "script"], settings).files == ["build/gen.py", "script"]
    assert discover(["build/gen.py", "script"], settings, force_exclude=True).files == []


def test_config_excludes_apply_during_the_walk(tmp_path, monkeypatch):
    touch(tmp_path, "src/keep.py", "src/generated/g.py", "src/model_pb2.py", "legacy/old.py")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lossscale-lint]\nextend-exclude = ["src/generated", "*_pb2.py", "legacy"]\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert discover(["."], load_settings(tmp_path)).files == ["src/keep.py"]


def test_missing_paths_are_reported_and_the_others_still_found(tmp_path, monkeypatch):
    touch(tmp_path, "ok.py")
    monkeypatch.chdir(tmp_path)
    found = discover(["nope", "ok.py", "gone/x.py"], Settings(root=tmp_path))
    assert found.files == ["ok.py"]
    assert found.missing == ["nope", "gone/x.py"]


def test_a_file_reached_twice_is_checked_once(tmp_path, monkeypatch):
    touch(tmp_path, "pkg/a.py")
    monkeypatch.chdir(tmp_path)
    assert discover(["pkg", "pkg/a.py", "."], Settings(root=tmp_path)).files == ["pkg/a.py"]


def test_folder_symlinks_are_not_followed_so_cycles_end(tmp_path, monkeypatch):
    touch(tmp_path, "pkg/a.py")
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "loop")
    monkeypatch.chdir(tmp_path)
    assert discover(["."], Settings(root=tmp_path)).files == ["pkg/a.py"]


def test_a_folder_tree_deeper_than_the_recursion_limit(tmp_path, monkeypatch):
    import sys

    deep = tmp_path.joinpath(*["d"] * 300)
    deep.mkdir(parents=True)
    (deep / "x.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(150)  # a recursive walk would need one frame per folder level
    try:
        found = discover(["."], Settings(root=tmp_path)).files
    finally:
        sys.setrecursionlimit(limit)
    assert found == ["/".join(["d"] * 300 + ["x.py"])]


def test_a_folder_a_nested_configuration_excludes_is_never_listed(tmp_path, monkeypatch):
    from lossscale_lint.config.settings import SettingsForFiles
    from lossscale_lint.pipeline import discovery

    (tmp_path / "sub" / "data" / "deep").mkdir(parents=True)
    (tmp_path / "sub" / "data" / "deep" / "copy.py").write_text("x = 1\n")
    (tmp_path / "sub" / "train.py").write_text("x = 1\n")
    (tmp_path / "sub" / "pyproject.toml").write_text('[tool.lossscale-lint]\nextend-exclude = ["data"]\n')
    monkeypatch.chdir(tmp_path)
    listed = []
    real_scandir = os.scandir

    def recording(folder):
        listed.append(os.path.normpath(folder))
        return real_scandir(folder)

    monkeypatch.setattr(discovery.os, "scandir", recording)
    settings = load_settings(tmp_path)
    found = discover(["."], settings, settings_for=SettingsForFiles(settings, {}))
    assert found.files == [os.path.join("sub", "train.py")]
    # Pruned on the way down, not filtered afterwards: the excluded tree is never read.
    assert os.path.join("sub", "data") not in listed and os.path.join("sub", "data", "deep") not in listed
    assert "sub" in listed
