"""The Python standard library and builtins the analysis reads: argparse settings, counting and
iteration helpers. Not a framework, but named here for the same reason: no analysis module
spells a callable or keyword name itself."""

from __future__ import annotations

from lossscale_lint.facts.catalog.records import PythonBuiltins, RuntimeSettingReaders, SettingReader

# parser.add_argument("--batch-size", type=int, default=32, dest="batch_size"); args = parser.parse_args()
ARGPARSE = SettingReader(
    declare_method="add_argument",
    parse_methods=frozenset({"parse_args", "parse_known_args"}),
    default_keyword="default",
    dest_keyword="dest",
)

BUILTINS = PythonBuiltins(
    length="len",
    number_casts=frozenset({"int", "float"}),
    counter="range",
    # `for i, batch in enumerate(tqdm(loader))` iterates the loader (tqdm is not stdlib, but plays
    # the same part).
    iteration_wrappers=frozenset({"enumerate", "iter", "tqdm"}),
    zipper="zip",
    adder="sum",
    list_append="append",
    enumerator="enumerate",
)

# Values chosen when the script runs, other than argparse options (see RuntimeSettingReaders).
SETTING_READERS = RuntimeSettingReaders(
    environment_getters=frozenset({"os.environ.get", "os.getenv"}),
    environment_mapping="os.environ",
    option_decorators={"click": frozenset({"click.option", "click.argument"})},
    option_defaults={"typer": frozenset({"typer.Option", "typer.Argument"})},
    default_keyword="default",
    command_runners={"fire": frozenset({"fire.Fire"}), "typer": frozenset({"typer.run"})},
    namespaces=frozenset({"types.SimpleNamespace", "argparse.Namespace"}),
    dataclass_decorators=frozenset({"dataclasses.dataclass", "dataclass"}),
    dataclass_fields=frozenset({"dataclasses.field", "field"}),
    config_loaders=frozenset({
        "omegaconf.OmegaConf.load", "omegaconf.OmegaConf.from_cli", "hydra.compose",
        "yaml.safe_load", "yaml.load", "json.load", "toml.load", "tomllib.load",
    }),
    dataclass_parse_methods=frozenset({"parse_args_into_dataclasses", "parse_json_file", "parse_yaml_file"}),
)
