"""Configuration: where it is found, how it is validated, and what it does to one file's options."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from lossscale_lint.config.settings import (
    ConfigError,
    RuleSelection,
    Settings,
    glob_matches,
    load_settings,
)
from lossscale_lint.config.model import Config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_closest_config_wins_and_pyproject_without_table_is_skipped(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.lossscale-lint]\nignore = ["LSL1"]\n')
    write(tmp_path / "a" / "pyproject.toml", '[project]\nname = "a"\n')  # no table: skipped
    write(tmp_path / "a" / "b" / "lossscale-lint.toml", 'ignore = ["LSL2"]\n')
    (tmp_path / "a" / "b" / "c").mkdir()

    deep = load_settings(tmp_path / "a" / "b" / "c")
    assert deep.config_path == tmp_path / "a" / "b" / "lossscale-lint.toml"
    assert deep.ignore == ("LSL2",)  # closest wins, no merging with the root's ignore
    middle = load_settings(tmp_path / "a")
    assert middle.config_path == tmp_path / "pyproject.toml"
    assert middle.ignore == ("LSL1",)


def test_dedicated_file_beats_pyproject_in_the_same_folder(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.lossscale-lint]\nignore = ["LSL1"]\n')
    write(tmp_path / "lossscale-lint.toml", 'ignore = ["LSL4"]\n')
    assert load_settings(tmp_path).ignore == ("LSL4",)


def test_start_can_be_a_file_and_no_config_gives_defaults(tmp_path):
    script = write(tmp_path / "train.py", "x = 1\n")
    settings = load_settings(script)
    assert settings.root == tmp_path
    if settings.config_path is None:  # no config above tmp_path on this machine
        assert settings.select == ("LSL",) and settings.ignore == ()


def test_explicit_config_file_overrides_the_search(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.lossscale-lint]\nignore = ["LSL1"]\n')
    other = write(tmp_path / "elsewhere" / "custom.toml", 'select = ["LSL401"]\n')
    settings = load_settings(tmp_path, config_file=other)
    assert settings.select == ("LSL401",) and settings.ignore == ()
    assert settings.root == other.parent


@pytest.mark.parametrize(
    ("file_name", "text", "expected_parts"),
    [
        ("pyproject.toml", '[tool.lossscale-lint]\nselct = ["LSL1"]\n',
         ["pyproject.toml", "unknown key 'tool.lossscale-lint.selct'", "did you mean 'select'"]),
        ("lossscale-lint.toml", "foo = 1\n", ["unknown key 'foo'", "allowed keys: accumulation-names, batch-size-names"]),
        ("lossscale-lint.toml", 'select = "LSL101"\n', ["lossscale-lint.toml", "key 'select': expected a list of strings, got str 'LSL101'"]),
        ("lossscale-lint.toml", "batch-size-names = [3]\n", ["key 'batch-size-names.0': expected a string, got int 3"]),
        ("lossscale-lint.toml", 'per-file-ignores = { "tests/*" = "LSL1" }\n', ["key 'per-file-ignores.tests/*': expected a list of rule codes"]),
        ("lossscale-lint.toml", 'ignore = ["E501"]\n', ["key 'ignore'", "'E501' is not a rule code"]),
        ("lossscale-lint.toml", 'accumulation-names = ["accum steps"]\n', ["'accum steps' is not an identifier"]),
        ("lossscale-lint.toml", 'extend-select = ["LSL1"]\nextend_select = ["LSL2"]\n',
         ["key 'extend_select': given twice (also as 'extend-select')"]),
        ("lossscale-lint.toml", "per-file-ignores = 3\n", ["key 'per-file-ignores': expected a table of glob = [rule codes]"]),
        ("lossscale-lint.toml", "select = [\n", ["lossscale-lint.toml", "invalid TOML"]),
        ("pyproject.toml", '[tool]\nlossscale-lint = 3\n', ["'tool.lossscale-lint' must be a table"]),
    ],
)
def test_bad_configuration_is_one_line_naming_file_key_and_expectation(tmp_path, file_name, text, expected_parts):
    write(tmp_path / file_name, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(tmp_path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(str(tmp_path / file_name))
    for part in expected_parts:
        assert part in message


def test_missing_explicit_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_settings(tmp_path, config_file=tmp_path / "nope.toml")


def test_explicit_pyproject_without_table_is_an_error(tmp_path):
    path = write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"no \[tool.lossscale-lint\] table"):
        load_settings(tmp_path, config_file=path)


@pytest.mark.parametrize(
    ("select", "ignore", "code", "expected"),
    [
        (("LSL",), (), "LSL101", True),
        (("LSL",), ("LSL1",), "LSL101", False),
        (("LSL",), ("LSL1",), "LSL401", True),
        (("LSL101",), ("LSL1",), "LSL101", True),  # the more specific selector wins
        (("LSL101",), ("LSL1",), "LSL102", False),
        (("LSL1",), ("LSL1",), "LSL101", False),  # a tie goes to ignore
        (("LSL4",), (), "LSL101", False),
    ],
)
def test_rule_selection_by_specificity(select, ignore, code, expected):
    assert RuleSelection(select, ignore)(code) is expected


def test_command_line_selectors_layer_over_the_config(tmp_path):
    write(tmp_path / "lossscale-lint.toml", 'select = ["LSL1"]\nextend-select = ["LSL4"]\nignore = ["LSL101"]\n')
    settings = load_settings(tmp_path)
    assert settings.selection("LSL401") and settings.selection("LSL102") and not settings.selection("LSL101")
    assert not settings.selection("LSL201")
    # --select replaces the file's selection including its ignores; --ignore adds to it.
    replaced = settings.with_overrides(select=["LSL2"])
    assert replaced.selection("LSL201") and not replaced.selection("LSL102")
    added = settings.with_overrides(ignore=["LSL4"], extend_select=["LSL2"])
    assert not added.selection("LSL401") and added.selection("LSL202") and not added.selection("LSL101")


def test_per_file_ignores_and_names_reach_the_analysis_options(tmp_path):
    write(
        tmp_path / "pyproject.toml",
        '[tool.lossscale-lint]\nbatch-size-names = ["bs", "cfg.train.bs"]\naccumulation-names = ["k"]\n'
        '[tool.lossscale-lint.per-file-ignores]\n"tests/*.py" = ["LSL1"]\n"legacy_*.py" = ["LSL401"]\n',
    )
    settings = load_settings(tmp_path)
    in_tests = settings.analysis_options(tmp_path / "tests" / "test_train.py")
    assert not in_tests.is_selected("LSL101") and in_tests.is_selected("LSL401")
    legacy = settings.analysis_options(tmp_path / "pkg" / "legacy_train.py")
    assert legacy.is_selected("LSL101") and not legacy.is_selected("LSL401")
    plain = settings.analysis_options(tmp_path / "train.py")
    assert plain.is_selected("LSL101") and plain.is_selected("LSL401")
    assert plain.batch_size_names == ("bs", "cfg.train.bs")
    assert plain.accumulation_names == ("k",)


def test_analysis_options_pickle_for_worker_processes(tmp_path):
    import pickle

    write(tmp_path / "lossscale-lint.toml", 'ignore = ["LSL2"]\n')
    options = load_settings(tmp_path).analysis_options(tmp_path / "a.py")
    restored = pickle.loads(pickle.dumps(options.is_selected))
    assert restored == options.is_selected and not restored("LSL201")


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("build", "build", True),
        ("build", "src/build/x.py", True),
        ("*_pb2.py", "api/model_pb2.py", True),
        ("*_pb2.py", "api/model.py", False),
        ("src/generated", "src/generated/deep/x.py", True),
        ("./src/generated/", "src/generated", True),
        ("src/generated", "other/src/generated/x.py", False),
        ("tests/*.py", "tests/test_a.py", True),
        ("", "anything.py", False),
    ],
)
def test_glob_semantics(pattern, path, expected):
    assert glob_matches(pattern, PurePosixPath(path)) is expected


def test_exclude_replaces_defaults_and_extend_exclude_adds(tmp_path):
    defaults = Settings(root=tmp_path)
    assert defaults.is_excluded(tmp_path / "build") and defaults.is_excluded(tmp_path / "node_modules")
    assert not defaults.is_excluded(tmp_path / "src")
    write(tmp_path / "lossscale-lint.toml", 'exclude = ["old"]\nextend-exclude = ["gen/*.py"]\n')
    custom = load_settings(tmp_path)
    assert custom.is_excluded(tmp_path / "old") and custom.is_excluded(tmp_path / "gen" / "a.py")
    assert not custom.is_excluded(tmp_path / "build")


def test_schema_uses_the_config_keys_and_forbids_unknown_ones():
    schema = Config.model_json_schema()
    assert schema["additionalProperties"] is False
    assert {"select", "extend-select", "ignore", "per-file-ignores", "exclude", "extend-exclude",
            "batch-size-names", "accumulation-names", "respect-gitignore", "output-format", "max-file-size",
            "file-timeout"} == set(schema["properties"])
