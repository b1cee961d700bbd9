"""Cross-file resolution: helpers, criteria, optimizer factories and constants imported from
other modules of the checked project are followed like same-file ones (facts/project.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lossscale_lint.config.options import AnalysisOptions
from lossscale_lint.diagnostics import Related, Span
from lossscale_lint.facts.project import ProjectLink
from lossscale_lint.pipeline.engine import lint_source, lint_source_with_dependencies, module_facts
from lossscale_lint.reporters.json_format import diagnostic_from_object, diagnostic_object

WORKTREE = Path(__file__).resolve().parents[1]

TRAIN_WITH_HELPER = """\
import torch
from losses import vae_loss

model = torch.nn.Linear(2, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in data:
    recon, mu, logvar = model(x)
    loss = vae_loss(recon, x, mu, logvar)
    loss.backward()
    opt.step()
"""

SUMMED_HELPER = """\
import torch.nn.functional as F

def vae_loss(recon, x, mu, logvar):
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    return bce
"""


def project(root: Path, files: dict[str, str]) -> Path:
    """Write a project (a pyproject.toml marks its root) and return its root."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def lint(path: Path) -> list:
    return lint_source(path.read_text(), str(path), AnalysisOptions())


def codes(path: Path) -> list[str]:
    return [d.code for d in lint(path)]


def test_summed_loss_helper_in_another_module_fires_in_the_training_script(tmp_path):
    root = project(tmp_path, {"train.py": TRAIN_WITH_HELPER, "losses.py": SUMMED_HELPER})
    [found] = lint(root / "train.py")
    assert found.code == "LSL101"
    assert found.path == str(root / "train.py")
    assert (found.span.line, found.span.path) == (8, None)  # the helper call in train.py
    note = found.related[0]
    assert note.path == str(root / "losses.py")
    assert (note.span.line, note.span.column) == (4, 44)  # reduction="sum" in the helper
    assert note.span.path is None  # the file is named once, by Related.path
    assert [r.path for r in found.related[1:]] == [None, None]


def test_mean_loss_helper_in_another_module_is_silent(tmp_path):
    root = project(tmp_path, {"train.py": TRAIN_WITH_HELPER,
                              "losses.py": SUMMED_HELPER.replace('"sum"', '"mean"')})
    assert codes(root / "train.py") == []


def test_criterion_built_in_losses_module(tmp_path):
    root = project(tmp_path, {
        "losses.py": "from torch import nn\n\ndef make_criterion():\n    return nn.CrossEntropyLoss(reduction='sum')\n",
        "train.py": (
            "import torch\nfrom losses import make_criterion\n\n"
            "model = torch.nn.Linear(2, 2)\ncriterion = make_criterion()\n"
            "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
            "for x, y in data:\n    loss = criterion(model(x), y)\n    loss.backward()\n    opt.step()\n"
        ),
    })
    [found] = lint(root / "train.py")
    assert found.code == "LSL101" and found.span.line == 8
    assert found.related[0].path == str(root / "losses.py")
    assert found.fix is None  # its edit would be in losses.py: never offered from train.py


def test_module_level_criterion_imported_from_another_module(tmp_path):
    root = project(tmp_path, {
        "losses.py": "import torch.nn as nn\ncriterion = nn.MSELoss(reduction='sum')\n",
        "train.py": (
            "import torch\nfrom losses import criterion\n\nmodel = torch.nn.Linear(2, 2)\n"
            "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
            "for x, y in data:\n    loss = criterion(model(x), y)\n    loss.backward()\n    opt.step()\n"
        ),
    })
    assert codes(root / "train.py") == ["LSL101"]


FACTORY_TRAIN = """\
import torch
from utils.optim import build_optimizer

model = torch.nn.Linear(2, 2)
criterion = torch.nn.CrossEntropyLoss(reduction="sum")
opt = build_optimizer(model)
for x, y in data:
    loss = criterion(model(x), y)
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize(("optimizer", "expected"), [("SGD", ["LSL101"]), ("AdamW", [])])
def test_optimizer_factory_in_another_module(tmp_path, optimizer, expected):
    root = project(tmp_path, {
        "train.py": FACTORY_TRAIN,
        "utils/__init__.py": "",
        "utils/optim.py": f"import torch\n\ndef build_optimizer(model, lr=0.1):\n"
                          f"    opt = torch.optim.{optimizer}(model.parameters(), lr=lr)\n    return opt\n",
    })
    found = lint(root / "train.py")
    assert [d.code for d in found] == expected
    if expected:
        created = next(r for r in found[0].related if "optimizer created here" in r.message)
        assert created.path == str(root / "utils" / "optim.py") and created.span.line == 4


def test_package_init_reexport_is_followed(tmp_path):
    root = project(tmp_path, {
        "train.py": FACTORY_TRAIN.replace("from utils.optim import", "from utils import"),
        "utils/__init__.py": "from .optim import build_optimizer\n",
        "utils/optim.py": "import torch\n\ndef build_optimizer(model):\n    return torch.optim.SGD(model.parameters(), lr=0.1)\n",
    })
    assert codes(root / "train.py") == ["LSL101"]


@pytest.mark.parametrize("spelling", ["from config import BATCH_SIZE", "import config"])
def test_batch_size_constant_from_config_module(tmp_path, spelling):
    name = "BATCH_SIZE" if spelling.startswith("from") else "config.BATCH_SIZE"
    train = TRAIN_WITH_HELPER.replace(
        "from losses import vae_loss",
        f"from losses import vae_loss\n{spelling}\nfrom torch.utils.data import DataLoader\n"
        f"data = DataLoader(dataset, batch_size={name})",
    )
    root = project(tmp_path, {"train.py": train, "losses.py": SUMMED_HELPER, "config.py": "BATCH_SIZE = 64\n"})
    [found] = lint(root / "train.py")
    assert "at B=64 it is 64x" in found.factor
    facts = module_facts(train, str(root / "train.py"), AnalysisOptions(),
                         ProjectLink.for_file(str(root / "train.py")))
    source = facts.training_batch_size()
    assert source.value.number == 64
    assert source.value.origin.endswith(f"in {root / 'config.py'}")


def test_batch_size_constant_without_the_config_module_is_unknown(tmp_path):
    train = "from config import BATCH_SIZE\n" + TRAIN_WITH_HELPER
    root = project(tmp_path, {"train.py": train, "losses.py": SUMMED_HELPER})
    [found] = lint(root / "train.py")
    assert "B -> 2B doubles it" in found.factor


def test_relative_import_inside_a_package(tmp_path):
    root = project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/train.py": TRAIN_WITH_HELPER.replace("from losses import", "from .losses import"),
        "pkg/losses.py": SUMMED_HELPER,
    })
    [found] = lint(root / "pkg" / "train.py")
    assert found.code == "LSL101" and found.related[0].path == str(root / "pkg" / "losses.py")


def test_relative_import_of_a_sibling_module_object(tmp_path):
    root = project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/train.py": TRAIN_WITH_HELPER.replace("from losses import vae_loss", "from . import losses")
                                          .replace("= vae_loss(", "= losses.vae_loss("),
        "pkg/losses.py": SUMMED_HELPER,
    })
    assert codes(root / "pkg" / "train.py") == ["LSL101"]


def test_import_cycle_terminates(tmp_path):
    root = project(tmp_path, {
        "train.py": "from losses import vae_loss\n" + TRAIN_WITH_HELPER,
        # losses imports train back, and its helper calls a helper of train that calls it again
        "losses.py": "from train import ping\n\ndef vae_loss(a, b, c, d):\n    return ping(a)\n",
    })
    (root / "train.py").write_text((root / "train.py").read_text() + "\ndef ping(a):\n    return vae_loss(a, a, a, a)\n")
    assert codes(root / "train.py") == []


def test_missing_module_and_unparsable_module_stay_silent(tmp_path):
    root = project(tmp_path, {"train.py": TRAIN_WITH_HELPER})
    assert codes(root / "train.py") == []
    (root / "losses.py").write_text("def vae_loss(:\n")
    assert codes(root / "train.py") == []  # no LSL000 for another file either
    (root / "losses.py").write_bytes(b"\xff\xfe not text")
    assert codes(root / "train.py") == []


def test_third_party_import_stays_unresolved(tmp_path):
    root = project(tmp_path, {"train.py": TRAIN_WITH_HELPER.replace("from losses import", "from torchvision.losses import")})
    assert codes(root / "train.py") == []


def test_same_named_module_outside_the_project_is_not_followed(tmp_path):
    (tmp_path / "losses.py").write_text(SUMMED_HELPER)  # next to the project, not in it
    root = project(tmp_path / "proj", {"train.py": TRAIN_WITH_HELPER})
    assert codes(root / "train.py") == []
    (root / "losses.py").write_text(SUMMED_HELPER)
    assert codes(root / "train.py") == ["LSL101"]


def test_src_layout(tmp_path):
    root = project(tmp_path, {"scripts/train.py": TRAIN_WITH_HELPER.replace("from losses", "from mypkg.losses"),
                              "src/mypkg/__init__.py": "", "src/mypkg/losses.py": SUMMED_HELPER})
    assert codes(root / "scripts" / "train.py") == ["LSL101"]


def test_a_local_definition_wins_over_nothing_imported(tmp_path):
    # Same text as a file that imports nothing from the project: the same result with and without a project.
    text = TRAIN_WITH_HELPER.replace("from losses import vae_loss\n", "") + "\n" + SUMMED_HELPER
    root = project(tmp_path, {"train.py": text})
    in_project = lint_source_with_dependencies(text, str(root / "train.py"))
    alone = lint_source(text, "not/a/file/train.py")
    assert in_project.diagnostics == [type(d)(**{**_fields(d), "path": str(root / "train.py")}) for d in alone]
    assert in_project.dependencies == ()


def _fields(diagnostic) -> dict:
    return {name: getattr(diagnostic, name) for name in diagnostic.__slots__}


def test_dependencies_name_the_modules_read(tmp_path):
    root = project(tmp_path, {"train.py": TRAIN_WITH_HELPER, "losses.py": SUMMED_HELPER})
    outcome = lint_source_with_dependencies((root / "train.py").read_text(), str(root / "train.py"))
    assert [path for path, _ in outcome.dependencies] == [str((root / "losses.py").resolve())]


def test_related_path_survives_the_json_round_trip():
    from lossscale_lint.diagnostics import Diagnostic, Severity

    span = Span(line=1, column=1, end_line=1, end_column=2)
    diagnostic = Diagnostic(code="LSL101", name="n", severity=Severity.ERROR, message="m", span=span, path="train.py",
                            related=(Related(span=span, message="here", path="losses.py"), Related(span=span, message="x")))
    obj = diagnostic_object(diagnostic)
    assert [r["path"] for r in obj["related"]] == ["losses.py", "train.py"]
    assert diagnostic_from_object(json.loads(json.dumps(obj))) == diagnostic


def _check(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(WORKTREE)}
    return subprocess.run([sys.executable, "-m", "lossscale_lint", "check", "--output-format", "json", "train.py"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_cache_sees_a_change_in_the_imported_module(tmp_path):
    root = project(tmp_path, {"train.py": TRAIN_WITH_HELPER, "losses.py": SUMMED_HELPER})
    first = _check(root)
    assert first.returncode == 1 and json.loads(first.stdout)[0]["related"][0]["path"] == "losses.py"
    assert any((root / ".lossscale_lint_cache").rglob("*.json"))
    assert _check(root).stdout == first.stdout  # answered by the cache
    (root / "losses.py").write_text(SUMMED_HELPER.replace('"sum"', '"mean"'))
    second = _check(root)
    assert (second.returncode, json.loads(second.stdout)) == (0, [])
    (root / "losses.py").write_text(SUMMED_HELPER)
    assert _check(root).stdout == first.stdout


def test_cache_entry_with_a_changed_or_missing_dependency_is_a_miss(tmp_path):
    from lossscale_lint.pipeline.cache import DiagnosticsCache
    from lossscale_lint.facts.project import text_digest

    helper = tmp_path / "losses.py"
    helper.write_text(SUMMED_HELPER)
    cache = DiagnosticsCache.open(tmp_path)
    key = cache.key("train.py", TRAIN_WITH_HELPER, AnalysisOptions())
    cache.store(key, (), ((str(helper), text_digest(helper.read_bytes())),))
    assert cache.load(key) == ()
    helper.write_text(SUMMED_HELPER + "\n")
    assert cache.load(key) is None
    helper.unlink()
    assert cache.load(key) is None
    cache.store(key, ())  # no dependencies: a plain entry as before
    assert cache.load(key) == ()


def test_a_finding_placed_in_another_module_is_left_to_that_module(tmp_path):
    # The helper divides its summed loss by the configured batch size: LSL104 would point at the
    # division, which is in losses.py, so train.py does not report it (losses.py has no backward).
    helper = ("import torch.nn.functional as F\nBATCH_SIZE = 64\n\ndef vae_loss(recon, x, mu, logvar):\n"
              "    return F.mse_loss(recon, x, reduction='sum') / BATCH_SIZE\n")
    train = TRAIN_WITH_HELPER.replace("for x, y in data:", "from torch.utils.data import DataLoader\n"
                                      "data = DataLoader(ds, batch_size=64)\nfor x, y in data:")
    root = project(tmp_path, {"train.py": train, "losses.py": helper})
    assert codes(root / "train.py") == []
    (root / "losses.py").write_text(helper.replace(" / BATCH_SIZE", ""))
    assert codes(root / "train.py") == ["LSL101"]


def test_language_server_points_related_sites_into_the_other_file(tmp_path):
    from lsprotocol import types
    from pygls.workspace import PositionCodec

    from lossscale_lint.integrations.lsp.convert import ClientPositions, to_lsp

    root = project(tmp_path, {"train.py": TRAIN_WITH_HELPER, "losses.py": SUMMED_HELPER})
    [found] = lint(root / "train.py")
    text = (root / "train.py").read_text()
    converted = to_lsp(found, ClientPositions(text, PositionCodec(types.PositionEncodingKind.Utf16)), (root / "train.py").as_uri())
    note = converted.related_information[0]
    assert note.location.uri == (root / "losses.py").resolve().as_uri()
    assert (note.location.range.start.line, note.location.range.start.character) == (3, 43)
    assert converted.related_information[1].location.uri == (root / "train.py").as_uri()


def test_text_report_names_the_other_file_and_shows_its_line_when_known(tmp_path):
    from lossscale_lint.reporters.base import ReportContext
    from lossscale_lint.reporters.text import report_text

    root = project(tmp_path, {"train.py": TRAIN_WITH_HELPER, "losses.py": SUMMED_HELPER})
    [found] = lint(root / "train.py")
    train, losses = str(root / "train.py"), str(root / "losses.py")
    alone = report_text([found], ReportContext(sources={train: TRAIN_WITH_HELPER}))
    assert f"{losses}:4:44: note: the loss is summed here\n{train}:5:7: note: SGD" in alone
    both = report_text([found], ReportContext(sources={train: TRAIN_WITH_HELPER, losses: SUMMED_HELPER}))
    assert f'{losses}:4:44: note: the loss is summed here\n  |\n4 |     bce = F.binary_cross_entropy' in both
