"""`check --base REV` in real git repositories: commit a base, change the file, read the LSL5xx.

Every test builds a throwaway repository with the real `git` command, commits a training script,
edits it in the working tree and runs the command in process (`cli.main`), parsing the JSON output.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from lossscale_lint.cli.main import main
from lossscale_lint.pipeline.engine import lint_source

GIT_IDENTITY = ["-c", "user.name=lossscale-lint tests", "-c", "user.email=tests@invalid"]

SCRIPT = """\
import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--lr", type=float, default=0.1)
args = parser.parse_args()

data = TensorDataset(torch.randn(256, 8), torch.randint(0, 3, (256,)))
loader = DataLoader(data, batch_size=args.batch_size, shuffle=True)
model = nn.Linear(8, 3)
criterion = nn.CrossEntropyLoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)

for inputs, targets in loader:
    optimizer.zero_grad()
    loss = criterion(model(inputs), targets)
    loss.backward()
    optimizer.step()
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *GIT_IDENTITY, *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    return tmp_path


def commit(repo: Path, files: dict[str, str], message: str = "base") -> None:
    for name, text in files.items():
        (repo / name).write_text(text, encoding="utf-8")
        git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)


def check_against_base(repo: Path, capsys, *extra: str, base: str = "HEAD") -> tuple[int, list[dict], str]:
    code = main(["check", "--base", base, "--output-format", "json", *extra, str(repo)])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else []), err


def change_findings(repo: Path, capsys, new_text: str, base_text: str = SCRIPT) -> list[dict]:
    commit(repo, {"train.py": base_text})
    (repo / "train.py").write_text(new_text, encoding="utf-8")
    _, diagnostics, err = check_against_base(repo, capsys)
    assert not err
    return [d for d in diagnostics if d["code"].startswith("LSL5")]


def edited(*replacements: tuple[str, str], text: str = SCRIPT) -> str:
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


BATCH_128 = ("default=32", "default=128")


# --- LSL501 --------------------------------------------------------------------------------------

def test_batch_size_change_with_summed_loss_and_sgd_gives_factor_and_compensating_lr(repo, capsys):
    [finding] = change_findings(repo, capsys, edited(BATCH_128))
    assert finding["code"] == "LSL501" and finding["severity"] == "error"
    assert finding["line"] == 8  # the argparse default that changed
    assert "from 32 to 128" in finding["message"]
    assert "every step is now x4" in finding["message"]
    assert "lr 0.1 -> 0.025" in finding["message"]
    assert finding["factor"].startswith("step x4")


def test_lr_that_does_not_fully_compensate_reports_the_remaining_factor(repo, capsys):
    [finding] = change_findings(repo, capsys, edited(BATCH_128, ("default=0.1", "default=0.05")))
    assert finding["code"] == "LSL501"
    assert "every step is now x2" in finding["message"]  # x4 from B, x0.5 from lr
    assert "lr 0.1 -> 0.025" in finding["message"]  # always computed from the base lr


def test_lr_already_compensated_is_silent(repo, capsys):
    assert change_findings(repo, capsys, edited(BATCH_128, ("default=0.1", "default=0.025"))) == []


def test_values_are_compared_as_numbers(repo, capsys):
    same_values = edited(("default=32", "default=2 ** 5"), ("default=0.1", "default=1e-1"))
    assert change_findings(repo, capsys, same_values) == []


def test_compensation_written_as_an_expression_counts(repo, capsys):
    new = edited(BATCH_128, ("default=0.1", "default=0.1 * 32 / 128"))
    assert change_findings(repo, capsys, new) == []


def test_comment_only_change_is_silent(repo, capsys):
    new = edited(("default=32)", "default=32)  # tuned on one GPU"), ("for inputs", "# train\nfor inputs"))
    assert change_findings(repo, capsys, new) == []


def test_renamed_variables_and_reformatting_are_silent(repo, capsys):
    new = edited(
        ("criterion", "loss_fn"),  # every occurrence
        ("optimizer", "opt"),
        ("lr=args.lr, momentum=0.9", "lr = args.lr,\n    momentum = 0.9,\n"),
    )
    assert change_findings(repo, capsys, new) == []


def test_change_unrelated_to_the_update_is_silent(repo, capsys):
    new = edited(("nn.Linear(8, 3)", "nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))"))
    assert change_findings(repo, capsys, new) == []


def test_batch_size_change_with_adam_is_not_a_rescaled_step(repo, capsys):
    adam = edited(("torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)",
                   "torch.optim.Adam(model.parameters(), lr=args.lr)"))
    codes = [f["code"] for f in change_findings(repo, capsys, edited(BATCH_128, text=adam), base_text=adam)]
    assert "LSL501" not in codes and codes == ["LSL505"]


# --- LSL502 --------------------------------------------------------------------------------------

def test_sum_to_mean_with_lr_unchanged_shrinks_every_step_by_b(repo, capsys):
    [finding] = change_findings(repo, capsys, edited(('reduction="sum"', 'reduction="mean"')))
    assert finding["code"] == "LSL502" and finding["severity"] == "error"
    assert finding["line"] == 15
    assert "from sum to mean" in finding["message"]
    assert "x0.03125" in finding["message"]  # 1/32
    assert "lr 0.1 -> 3.2" in finding["message"]


def test_mean_to_sum_grows_every_step_by_b(repo, capsys):
    mean = edited(('reduction="sum"', 'reduction="mean"'))
    [finding] = change_findings(repo, capsys, SCRIPT, base_text=mean)
    assert finding["code"] == "LSL502"
    assert "every step is now x32" in finding["message"]
    assert "lr 0.1 -> 0.003125" in finding["message"]


def test_reduction_change_with_compensated_lr_is_silent(repo, capsys):
    new = edited(('reduction="sum"', 'reduction="mean"'), ("default=0.1", "default=3.2"))
    assert change_findings(repo, capsys, new) == []


def test_dividing_by_the_batch_length_is_a_reduction_change(repo, capsys):
    new = edited(("loss = criterion(model(inputs), targets)", "loss = criterion(model(inputs), targets) / inputs.size(0)"))
    [finding] = change_findings(repo, capsys, new)
    assert finding["code"] == "LSL502" and "x0.03125" in finding["message"]


# --- LSL503 --------------------------------------------------------------------------------------

DECAYED = edited(("momentum=0.9)", "momentum=0.9, weight_decay=5e-4)"))


def test_coupled_decay_with_summed_loss_weakens_relative_to_the_data(repo, capsys):
    # The example: B 32 -> 64 with lr halved keeps the step, but not the regularization.
    new = edited(("default=32", "default=64"), ("default=0.1", "default=0.05"), text=DECAYED)
    [finding] = change_findings(repo, capsys, new, base_text=DECAYED)
    assert finding["code"] == "LSL503" and finding["severity"] == "warning"
    assert "x0.5" in finding["message"]
    assert "weight_decay 0.0005 -> 0.001" in finding["message"]
    assert finding["line"] == 16  # the weight_decay argument


def test_coupled_decay_scaled_with_the_batch_is_silent(repo, capsys):
    new = edited(("default=32", "default=64"), ("default=0.1", "default=0.05"), ("5e-4", "1e-3"), text=DECAYED)
    assert change_findings(repo, capsys, new, base_text=DECAYED) == []


ADAMW = edited(("reduction=\"sum\"", "reduction=\"mean\""),
               ("torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)",
                "torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)"))


def test_decoupled_decay_per_epoch_follows_b_and_lr(repo, capsys):
    findings = change_findings(repo, capsys, edited(("default=32", "default=64"), text=ADAMW), base_text=ADAMW)
    [shift] = [f for f in findings if f["code"] == "LSL503"]
    assert "per epoch" in shift["message"] and "x0.5" in shift["message"]
    assert "weight_decay 0.01 -> 0.02" in shift["message"]


def test_decoupled_decay_with_lr_scaled_like_the_batch_is_silent(repo, capsys):
    new = edited(("default=32", "default=64"), ("default=0.1", "default=0.2"), text=ADAMW)
    assert change_findings(repo, capsys, new, base_text=ADAMW) == []


# --- LSL505 --------------------------------------------------------------------------------------

def test_mean_loss_with_sgd_gets_the_linear_scaling_heuristic(repo, capsys):
    mean = edited(('reduction="sum"', 'reduction="mean"'))
    [finding] = change_findings(repo, capsys, edited(BATCH_128, text=mean), base_text=mean)
    assert finding["code"] == "LSL505" and finding["severity"] == "info"
    assert "lr 0.1 -> 0.4" in finding["message"] and "Goyal et al. 2017" in finding["message"]


def test_adaptive_optimizer_gets_the_square_root_heuristic(repo, capsys):
    findings = change_findings(repo, capsys, edited(BATCH_128, text=ADAMW), base_text=ADAMW)
    [finding] = [f for f in findings if f["code"] == "LSL505"]
    assert "lr 0.1 -> 0.2" in finding["message"] and "Malladi et al. 2022" in finding["message"]


def test_no_advice_when_lr_was_changed_with_the_batch(repo, capsys):
    mean = edited(('reduction="sum"', 'reduction="mean"'))
    new = edited(BATCH_128, ("default=0.1", "default=0.3"), text=mean)
    assert change_findings(repo, capsys, new, base_text=mean) == []


# --- the command around the rules ----------------------------------------------------------------

def test_new_and_unchanged_files_have_nothing_to_compare(repo, capsys):
    commit(repo, {"train.py": SCRIPT})
    (repo / "other.py").write_text(edited(BATCH_128), encoding="utf-8")  # not in HEAD
    code, diagnostics, err = check_against_base(repo, capsys)
    assert code == 1 and not err
    assert {d["code"] for d in diagnostics} == {"LSL101"}  # the ordinary rules still run, twice
    assert {Path(d["path"]).name for d in diagnostics} == {"train.py", "other.py"}


def test_without_base_the_change_rules_do_not_run(repo, capsys):
    commit(repo, {"train.py": SCRIPT})
    (repo / "train.py").write_text(edited(BATCH_128), encoding="utf-8")
    main(["check", "--output-format", "json", str(repo)])
    assert not any(d["code"].startswith("LSL5") for d in json.loads(capsys.readouterr().out))


def test_base_can_be_an_older_commit(repo, capsys):
    commit(repo, {"train.py": SCRIPT}, "first")
    commit(repo, {"train.py": edited(("default=0.1", "default=0.2"))}, "second")
    (repo / "train.py").write_text(edited(BATCH_128, ("default=0.1", "default=0.2")), encoding="utf-8")
    _, at_head, _ = check_against_base(repo, capsys, base="HEAD")
    _, at_first, _ = check_against_base(repo, capsys, base="HEAD~1")
    assert "lr 0.2 -> 0.05" in [d for d in at_head if d["code"] == "LSL501"][0]["message"]
    assert "lr 0.1 -> 0.025" in [d for d in at_first if d["code"] == "LSL501"][0]["message"]


def test_select_and_ignore_apply_to_the_change_rules(repo, capsys):
    commit(repo, {"train.py": SCRIPT})
    (repo / "train.py").write_text(edited(BATCH_128), encoding="utf-8")
    _, diagnostics, _ = check_against_base(repo, capsys, "--ignore", "LSL501")
    assert not any(d["code"] == "LSL501" for d in diagnostics)
    _, diagnostics, _ = check_against_base(repo, capsys, "--select", "LSL5")
    assert [d["code"] for d in diagnostics] == ["LSL501"]


def test_unknown_revision_is_one_clear_line_and_exit_2(repo, capsys):
    commit(repo, {"train.py": SCRIPT})
    code, diagnostics, err = check_against_base(repo, capsys, base="no-such-branch")
    assert code == 2 and diagnostics == []
    assert err.strip().splitlines() == [
        f"lossscale-lint: error: --base no-such-branch: unknown revision in the repository at {repo.resolve()}"
    ]


def test_outside_a_git_repository_is_one_clear_line_and_exit_2(tmp_path, capsys, monkeypatch):
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "train.py").write_text(SCRIPT, encoding="utf-8")
    # Keep git from finding a repository above the temporary folder.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    code, _, err = check_against_base(outside, capsys)
    assert code == 2
    assert err.strip().splitlines() == [
        f"lossscale-lint: error: --base HEAD: {outside.resolve()} is not inside a git repository"
    ]


def test_a_revision_that_looks_like_an_option_is_refused(repo, capsys):
    commit(repo, {"train.py": SCRIPT})
    assert main(["check", "--base=--output=x", str(repo)]) == 2
    assert capsys.readouterr().err == "lossscale-lint: error: '--output=x' is not a git revision\n"


def test_base_cannot_be_combined_with_fix(repo, capsys):
    commit(repo, {"train.py": SCRIPT})
    assert main(["check", "--base", "HEAD", "--fix", str(repo)]) == 2
    assert "cannot be combined with --fix" in capsys.readouterr().err


def test_a_base_that_does_not_parse_compares_nothing(repo, capsys):
    commit(repo, {"train.py": SCRIPT.replace("import argparse", "import argparse(")})
    (repo / "train.py").write_text(edited(BATCH_128), encoding="utf-8")
    _, diagnostics, err = check_against_base(repo, capsys)
    assert not err and not any(d["code"].startswith("LSL5") for d in diagnostics)



def test_the_rule_pages_need_their_base():
    # test_rule_docs.py lints each page against the base its diff block describes; without that
    # base the same example must stay silent, or the page would not show a change-aware finding.
    from test_rule_docs import PAGES, parse_page

    for code in ("LSL501", "LSL502", "LSL503", "LSL505"):
        page = parse_page(PAGES[code])
        assert page.base is not None and page.base != page.example
        assert code not in {d.code for d in lint_source(page.example, "train.py")}
        assert code in {d.code for d in lint_source(page.example, "train.py", base_source=page.base)}


def test_head_before_the_first_commit_treats_every_file_as_new(repo, capsys):
    (repo / "train.py").write_text(SCRIPT, encoding="utf-8")
    git(repo, "add", "train.py")
    code, diagnostics, err = check_against_base(repo, capsys)
    assert not err and [d["code"] for d in diagnostics] == ["LSL101"]
    assert code == 1


def test_element_wise_mean_gives_the_factor_with_the_model_width(repo, capsys):
    mse = edited(("nn.CrossEntropyLoss(reduction=\"sum\")", "nn.MSELoss(reduction=\"sum\")"),
                 ("torch.randint(0, 3, (256,))", "torch.randn(256, 3)"))
    [finding] = change_findings(repo, capsys, edited(('reduction="sum"', 'reduction="mean"'), text=mse), base_text=mse)
    assert finding["code"] == "LSL502"
    # The model's last layer says D = 3, and the loader B = 32: the factor is a number.
    assert "every step is x1/(B*D) = x1/96 at B=32 (D=3: the model outputs 3 values" in finding["message"]


def test_a_new_symlink_to_a_file_outside_the_repository_has_no_base(repo, tmp_path_factory, capsys):
    outside = tmp_path_factory.mktemp("elsewhere") / "train.py"
    outside.write_text(edited(BATCH_128), encoding="utf-8")
    commit(repo, {"readme.txt": "x"})
    (repo / "train.py").symlink_to(outside)  # new in the working tree, so nothing to compare
    code, diagnostics, err = check_against_base(repo, capsys, str(repo / "train.py"))
    assert not err and code == 1
    assert [d["code"] for d in diagnostics] == ["LSL101"]


# --- where the batch size is set -----------------------------------------------------------------

def test_a_dataloader_literal_is_the_batch_size(repo, capsys):
    literal = edited(("batch_size=args.batch_size", "batch_size=32"))
    [step, *_] = change_findings(repo, capsys, edited(("batch_size=32", "batch_size=128"), text=literal), base_text=literal)
    assert step["code"] == "LSL501" and step["line"] == 13 and "from 32 to 128" in step["message"]


def test_a_config_dict_value_is_the_batch_size(repo, capsys):
    config = edited(('parser.add_argument("--batch-size", type=int, default=32)\n', ""),
                    ("batch_size=args.batch_size", 'batch_size=config["batch_size"]'),
                    ("import argparse\n", 'import argparse\n\nconfig = {"batch_size": 32}\n'))
    [step] = change_findings(repo, capsys, edited(('"batch_size": 32', '"batch_size": 128'), text=config), base_text=config)
    assert step["code"] == "LSL501" and "lr 0.1 -> 0.025" in step["message"]


EVAL_LOADER = edited(("model = nn.Linear", "held_out = DataLoader(data, batch_size=256)\nmodel = nn.Linear"))


def test_the_training_loader_decides_when_an_evaluation_loader_has_another_size(repo, capsys):
    [step] = change_findings(repo, capsys, edited(("default=32", "default=64"), text=EVAL_LOADER), base_text=EVAL_LOADER)
    assert step["code"] == "LSL501" and "from 32 to 64" in step["message"] and "x2" in step["message"]


def test_changing_only_the_evaluation_loader_is_silent(repo, capsys):
    new = edited(("batch_size=256", "batch_size=1024"), text=EVAL_LOADER)
    assert change_findings(repo, capsys, new, base_text=EVAL_LOADER) == []


def test_an_explicit_penalty_on_a_summed_loss_shifts_like_coupled_decay(repo, capsys):
    penalized = edited(("loss = criterion(model(inputs), targets)",
                        "loss = criterion(model(inputs), targets) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())"))
    new = edited(("default=32", "default=64"), ("default=0.1", "default=0.05"), text=penalized)
    [shift] = change_findings(repo, capsys, new, base_text=penalized)
    assert shift["code"] == "LSL503" and shift["line"] == 20
    assert "x0.5" in shift["message"] and "the penalty coefficient x2" in shift["message"]
