"""Bad input never ends in a traceback: every problem is one line, and the run goes on."""

from __future__ import annotations

import os
import time

import pytest
from cli_support import SUMMED_SCRIPT, run_console_script, run_main

import lossscale_lint.pipeline.engine as engine
from lossscale_lint.config.settings import Settings
from lossscale_lint.rules import ALL_RULES
from lossscale_lint.rules.base import Rule
from lossscale_lint.diagnostics import Severity
from lossscale_lint.pipeline.runner import lint_paths
from lossscale_lint.pipeline.sources import SourceError, decode_source


def write_bytes(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_bytes(tmp_path / "broken.py", b"def f(:\n    pass\n")
    return tmp_path


def assert_one_error_line(stderr: str, *parts: str) -> None:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if all(part in line for part in parts)]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("lossscale-lint: error: ")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("latin.py", b'name = "caf\xe9"\n', "not valid UTF-8: byte 0xe9 on line 1"),
        ("later.py", b"x = 1\ny = 2\nz = '\xff'\n", "not valid UTF-8: byte 0xff on line 3"),
        ("blob.py", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("cookie.py", b"# -*- coding: klingon -*-\nx = 1\n", "bad encoding declaration: unknown encoding: klingon"),
    ],
)
def test_unreadable_source_is_one_line_and_the_run_goes_on(project, capsys, name, data, reason):
    write_bytes(project / name, data)
    code, out, err = run_main(["check", "."], capsys)
    assert code == 2
    assert_one_error_line(err, name, reason)
    assert "broken.py:1:7: LSL000" in out  # the other file was still checked
    assert "1 file could not be checked" in out


def test_a_coding_cookie_is_honoured(project, capsys):
    write_bytes(project / "latin.py", b'# -*- coding: latin-1 -*-\nname = "caf\xe9"\nx = (\n')
    code, out, err = run_main(["check", "latin.py"], capsys)
    assert (code, err) == (1, "")
    assert "latin.py:3:5: LSL000" in out


def test_a_bom_is_not_part_of_the_text():
    assert decode_source(b"\xef\xbb\xbfx = 1\r\n") == "x = 1\r\n"  # line endings kept as they are
    with pytest.raises(SourceError, match="binary"):
        decode_source(b"x = 1\x00")


def test_dangling_link_and_unreadable_file_are_reported(project, capsys):
    os.symlink(project / "nowhere.py", project / "dangling.py")
    code, out, err = run_main(["check", "dangling.py", "broken.py"], capsys)
    assert code == 2
    assert_one_error_line(err, "dangling.py", "cannot read: No such file or directory")
    assert "broken.py:1:7: LSL000" in out


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied(project, capsys):
    secret = write_bytes(project / "secret.py", b"x = 1\n")
    secret.chmod(0)
    code, _, err = run_main(["check", "."], capsys)
    assert code == 2
    assert_one_error_line(err, "secret.py", "Permission denied")


@pytest.mark.slow
def test_missing_path_gives_2_but_the_other_paths_are_checked(project):
    result = run_console_script(["check", "nope.py", "broken.py", "gone/"], project)
    assert result.returncode == 2
    assert_one_error_line(result.stderr, "nope.py: no such file or directory")
    assert_one_error_line(result.stderr, "gone/: no such file or directory")
    assert "broken.py:1:7: LSL000" in result.stdout


SUMMED_LOSS = SUMMED_SCRIPT.encode()


def test_a_crashing_rule_is_its_own_diagnostic_and_the_other_rules_and_files_still_run(project, capsys, monkeypatch):
    def explode(ctx):
        if ctx.path.endswith("boom.py"):
            raise ValueError("rule bug")
        return []

    monkeypatch.setitem(ALL_RULES, "LSL998", Rule("LSL998", "exploding", Severity.ERROR, "test", explode))
    write_bytes(project / "boom.py", SUMMED_LOSS)
    code, out, err = run_main(["check", "--output-format", "concise", "."], capsys)
    assert (code, err) == (1, "")
    assert "boom.py:1:1: LSL999 internal error in rule LSL998 (exploding): ValueError: rule bug (at " in out
    assert "; the other rules still ran" in out
    assert "boom.py:5:" in out and "LSL101" in out  # the other rules ran on the same file
    assert "broken.py:1:7: LSL000" in out  # and the other files were checked


def test_a_crash_in_the_fact_extraction_is_one_diagnostic(project, capsys, monkeypatch):
    def explode(*args, **kwargs):
        raise KeyError("no such site")

    monkeypatch.setattr(engine, "extract_facts", explode)
    write_bytes(project / "boom.py", SUMMED_LOSS)
    code, out, err = run_main(["check", "--output-format", "concise", "--no-cache", "boom.py"], capsys)
    assert (code, err) == (1, "")
    [line] = [line for line in out.splitlines() if line.startswith("boom.py:")]  # nothing else on the file
    assert line.startswith("boom.py:1:1: LSL999 internal error in the fact extraction: KeyError: 'no such site' (at ")
    assert line.endswith("; no rule could run on this file")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (b"x = " + b"(" * 3000 + b"1" + b")" * 3000 + b"\n", "too many nested parentheses"),
        (b"x = " + b"-" * 100_000 + b"1\n", "too deeply nested or too complex"),
        (b"x = (1\n" + b"     + 1\n" * 60_000 + b")\n", "too deeply nested or too complex"),
    ],
    ids=["3000-brackets", "100000-unary-minus", "60000-term-sum"],  # short ids: pytest puts them in the environment
)
def test_pathologically_nested_code_is_a_syntax_error_not_a_crash(project, source, reason):
    # LibCST's native parser would crash the process (SIGSEGV) on each of these.
    write_bytes(project / "deep.py", source)
    result = run_console_script(["check", "--output-format", "concise", "deep.py"], project)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.startswith("deep.py:1:") and f"LSL000 cannot parse this file: {reason}" in result.stdout


def test_moderately_nested_code_is_still_analysed(project, capsys):
    write_bytes(project / "nested.py", b"x = " + b"(" * 150 + b"1" + b")" * 150 + b"\n")
    assert run_main(["check", "nested.py"], capsys) == (0, "Checked 1 file: no problems found.\n", "")


def test_empty_and_whitespace_files_are_fine(project, capsys):
    write_bytes(project / "empty.py", b"")
    write_bytes(project / "blank.py", b"\n\n   \n")
    code, out, err = run_main(["check", "empty.py", "blank.py"], capsys)
    assert (code, err) == (0, "")
    assert out == "Checked 2 files: no problems found.\n"


def make_unrelated_tree(root, count: int) -> None:
    for i in range(count):
        folder = root / f"pkg{i % 40}"
        folder.mkdir(exist_ok=True)
        (folder / f"mod{i}.py").write_text(
            f"import os\n\n\ndef helper_{i}(path):\n    return os.path.join(path, 'x{i}')\n", encoding="utf-8"
        )


@pytest.mark.slow
def test_three_thousand_unrelated_files_finish_in_seconds(tmp_path, monkeypatch):
    make_unrelated_tree(tmp_path, 3000)
    settings = Settings(root=tmp_path)
    started = time.perf_counter()
    result = lint_paths([str(tmp_path)], settings)
    elapsed = time.perf_counter() - started
    assert result.files_checked == 3000 and result.diagnostics == [] and result.errors == []
    assert elapsed < 60, f"3000 small files took {elapsed:.1f}s"
    # Everything around the analysis (walk, read, suppression scan) must be a small part of it.
    monkeypatch.setattr(engine, "lint_source", lambda source, path, options, base_source=None: [])
    started = time.perf_counter()
    assert lint_paths([str(tmp_path)], settings).files_checked == 3000
    assert time.perf_counter() - started < 5


def test_a_very_long_line_is_shown_as_a_window_around_the_carets(tmp_path):
    long_line = "x = [" + ", ".join(["1"] * 3000) + ", (]\n"  # the parser stops near the end
    (tmp_path / "minified.py").write_text(long_line, encoding="utf-8")
    result = run_console_script(["check", "--no-cache", "minified.py"], tmp_path)
    assert result.returncode == 1 and "LSL000" in result.stdout
    [source, carets] = [line for line in result.stdout.splitlines() if line.lstrip().startswith(("1 |", "|"))][1:3]
    assert len(source) < 140 and source.startswith("1 | ...")
    column = int(result.stdout.split("minified.py:1:")[1].split(":")[0])
    # The caret still sits under the character the diagnostic names.
    assert source[carets.index("^")] == long_line[column - 1]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_or_a_device_named_on_the_command_line_is_refused_without_reading(project, capsys):
    # Reading either would never end: a pipe waits for a writer, /dev/zero has no end.
    os.mkfifo(project / "pipe.py")
    os.symlink("/dev/zero", project / "zero.py")
    code, out, err = run_main(["check", "pipe.py", "zero.py", "broken.py"], capsys)
    assert code == 2
    assert_one_error_line(err, "pipe.py", "not a regular file (a pipe, socket or device), not read")
    assert_one_error_line(err, "zero.py", "not a regular file")
    assert "broken.py:1:7: LSL000" in out


def test_a_file_too_large_to_read_is_refused_unread(project, capsys, monkeypatch):
    import lossscale_lint.pipeline.sources as sources

    monkeypatch.setattr(sources, "MAX_READ", 1024)
    write_bytes(project / "big.py", b"x = 1\n" * 400)
    code, _, err = run_main(["check", "big.py"], capsys)
    assert code == 2
    assert_one_error_line(err, "big.py", "not read: 2 KiB is more than any source file this tool reads (1 KiB)")


def refusing(monkeypatch, function_name: str, refused: str) -> None:
    """Make `os.<function_name>` fail with EACCES on one path, as it does for a non-root user on a
    file or folder without read permission (root reads whatever the mode, so chmod cannot show it)."""
    real = getattr(os, function_name)

    def guarded(path, *args, **kwargs):
        if os.path.basename(os.fspath(path)) == refused:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, function_name, guarded)


def test_an_unreadable_file_is_one_error_line_whoever_runs_the_check(project, capsys, monkeypatch):
    write_bytes(project / "secret.py", b"x = 1\n")
    refusing(monkeypatch, "open", "secret.py")
    code, out, err = run_main(["check", "--no-cache", "."], capsys)
    assert code == 2
    assert_one_error_line(err, "secret.py: cannot read: Permission denied")
    assert "broken.py:1:7: LSL000" in out


def test_an_unreadable_folder_is_one_error_line_and_the_rest_is_checked(project, capsys, monkeypatch):
    write_bytes(project / "private" / "train.py", b"x = 1\n")
    refusing(monkeypatch, "scandir", "private")
    code, out, err = run_main(["check", "--no-cache", "."], capsys)
    assert code == 2
    assert_one_error_line(err, "private: cannot list this folder (Permission denied); nothing in it was checked")
    assert "broken.py:1:7: LSL000" in out


@pytest.mark.parametrize("source", [
    "x = 1if True else 2\ndef f(:\n",  # LibCST fails, the standard parser places the error
    'import re\nPATTERN = "\\d+"\nx = (\n',  # an invalid escape: a DeprecationWarning, a SyntaxWarning from 3.12
    "x = 1if True else 2\n" + "y = [" + "0, " * 20_000 + "]\n",  # large: the depth pre-check parses it
])
def test_the_standard_parser_s_warnings_about_the_code_are_not_printed(source):
    import warnings

    from lossscale_lint.config.options import AnalysisOptions
    from lossscale_lint.pipeline.linting import lint_text

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lint_text(source, "t.py", AnalysisOptions())
    assert [str(w.message) for w in caught] == []


# (file name, bytes) -> what the concise output must say about it (a substring), and the exit code.
# Each input on its own, beside broken.py, which must be reported whatever the other file does.
ODD_INPUTS = {
    "only-comments": ("notes.py", b"# just a comment\n# and another\n", "in 1 of 2 files", 1),
    "bom": ("bom.py", b"\xef\xbb\xbf" + SUMMED_LOSS, "bom.py:5:33: LSL101", 1),
    "crlf": ("crlf.py", SUMMED_LOSS.replace(b"\n", b"\r\n"), "crlf.py:5:33: LSL101", 1),
    "cr": ("cr.py", SUMMED_LOSS.replace(b"\n", b"\r"), "cr.py:5:33: LSL101", 1),
    "tabs": ("tabs.py", SUMMED_LOSS.replace(b"\n    ", b"\n\t"), "tabs.py:5:33: LSL101", 1),
    "python-2": ("py2.py", b'print "loss", loss\nexec "x = 1"\n', "py2.py:1:1: LSL000 cannot parse this file: Missing parentheses in call to 'print'", 1),
    "newer-python": ("new.py", b"type Batch = list[int]\ndef first[T](xs: list[T]) -> T:\n    return xs[0]\n"
                     + SUMMED_LOSS, "new.py:8:33: LSL101", 1),
    "1000-brackets": ("deep.py", b"x = " + b"[" * 1000 + b"]" * 1000 + b"\n", "deep.py:1:205: LSL000 cannot parse this file: too many nested parentheses", 1),
    "long-line": ("long.py", b"x = [" + b"1, " * 50_000 + b"]\n" + SUMMED_LOSS, "long.py:6:33: LSL101", 1),
}


@pytest.mark.parametrize("case", sorted(ODD_INPUTS))
def test_each_odd_input_gets_a_defined_result_and_the_run_goes_on(project, capsys, case):
    name, data, expected, exit_code = ODD_INPUTS[case]
    write_bytes(project / name, data)
    # The time limit is tests/test_limits.py's subject; here the 50,000-item line alone takes 5-9 s
    # to parse and index on a 2-core machine, too close to the default 10 s.
    code, out, err = run_main(["check", "--no-cache", "--file-timeout", "120", "--output-format", "concise", name,
                               "broken.py"], capsys)
    assert (code, err) == (exit_code, "")
    assert expected in out and "broken.py:1:7: LSL000" in out


def test_a_symlink_loop_named_on_the_command_line_is_one_error_line(project, capsys):
    os.symlink(project / "b.py", project / "a.py")
    os.symlink(project / "a.py", project / "b.py")
    code, out, err = run_main(["check", "--no-cache", "a.py", "broken.py"], capsys)
    assert code == 2
    assert_one_error_line(err, "a.py: cannot read: Too many levels of symbolic links")
    assert "broken.py:1:7: LSL000" in out


def test_a_path_given_twice_is_checked_once(project, capsys):
    code, out, _ = run_main(["check", "--no-cache", "--output-format", "concise", "broken.py", "./broken.py", "."],
                            capsys)
    assert code == 1 and out.count("LSL000") == 1


def test_a_folder_named_like_a_python_file_is_walked_not_read(project, capsys):
    write_bytes(project / "x.py" / "train.py", b"def f(:\n")
    code, out, err = run_main(["check", "--no-cache", "--output-format", "concise", "x.py"], capsys)
    assert (code, err) == (1, "") and "train.py:1:7: LSL000" in out
