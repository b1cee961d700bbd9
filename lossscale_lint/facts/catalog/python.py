"""The Python standard library and builtins the analysis reads: argparse settings, counting and
iteration helpers. Not a framework, but named here for the same reason: no analysis module
spells a callable or keyword name itself."""

from __future__ import annotations

from lossscale_lint.facts.catalog.records import PythonBuiltins, SettingReader

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
    adder="sum",
    list_append="append",
)
