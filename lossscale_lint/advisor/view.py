"""How `advise` shows its result: rich tables for people, plain data for `--output-format json`."""

from __future__ import annotations

import math
from dataclasses import asdict

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from lossscale_lint.advisor.advice import Advice, LoopAdvice
from lossscale_lint.facts.scaling import format_factor, format_number


def _number(value: float | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return "never" if math.isinf(value) else format_number(value)


def _setup_line(advice: Advice) -> str:
    before, after = advice.change.before, advice.change.after
    line = (f"batch size {_number(before.batch)} -> {_number(after.batch)} "
            f"(current value from {advice.change.batch_source})")
    if (before.accumulation, after.accumulation) != (1, 1):
        line += f", accumulation {_number(before.accumulation)} -> {_number(after.accumulation)}"
    if (before.world_size, after.world_size) != (1, 1):
        line += f", processes {_number(before.world_size)} -> {_number(after.world_size)}"
    if (before.accumulation, after.accumulation, before.world_size, after.world_size) != (1, 1, 1, 1):
        line += (f"; examples per optimizer step {_number(before.examples_per_step)} -> "
                 f"{_number(after.examples_per_step)}")
    if advice.change.dataset_size:
        line += f"; dataset size {advice.change.dataset_size}"
    return line


def understood(loop: LoopAdvice) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("loss", f"{loop.loss}, reduction: {loop.reduction or 'unknown'}"),
        ("optimizer", f"{loop.optimizer} ({loop.family or 'unknown family'})"),
        ("lr", loop.lr or "optimizer default"),
        ("weight decay", f"{loop.weight_decay} ({loop.decay})" if loop.decay else "none"),
        ("clipping", loop.clip_threshold or "none"),
        ("accumulation", f"every {loop.accumulation} micro-batches" if loop.accumulation else "none"),
        ("data parallel", f"{loop.data_parallel} (averages the processes' gradients)" if loop.data_parallel else "none found"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def effects(loop: LoopAdvice) -> Table:
    table = Table(title="What the change does (lr and weight decay unchanged)", title_justify="left")
    for column in ("Quantity", "Change", "Why"):
        table.add_column(column)
    if loop.step_factor is not None:
        table.add_row("update per step", format_factor(loop.step_factor),
                      "a summed loss with SGD steps lr*B*g" if loop.step_factor != 1 else "independent of B here")
    if loop.world_size_factor is not None:
        table.add_row("update per step (world size)", format_factor(loop.world_size_factor),
                      f"the update carries W^{loop.world_size_power} (a world-size factor on the loss or lr, "
                      "see LSL303/LSL304)")
    if loop.regularization_factor is not None:
        why = "wd/B against the summed data term" if loop.decay == "coupled" else "(N/E)*lr*wd per epoch"
        table.add_row("regularization", format_factor(loop.regularization_factor), why)
    if loop.clipping_pressure is not None:
        table.add_row("clipping pressure", format_factor(loop.clipping_pressure), "pre-clip gradient norm vs the fixed threshold")
    if loop.decay_timescale_epochs is not None:
        t = loop.decay_timescale_epochs
        table.add_row("decay timescale", f"{_number(t.before)} -> {_number(t.after)} epochs", "E/(lr*wd*N)")
    if loop.steps_per_epoch is not None:
        s = loop.steps_per_epoch
        table.add_row("steps per epoch", f"{_number(s.before)} -> {_number(s.after)}", "ceil(N/E)")
    return table


def suggestions(loop: LoopAdvice) -> Table:
    table = Table(title="Suggested values", title_justify="left")
    for column in ("Parameter", "Current", "Suggested", "Rule"):
        table.add_column(column)
    for s in loop.suggestions:
        table.add_row(s.parameter, _number(s.current), _number(s.suggested), s.rule)
    return table


def reasons(loop: LoopAdvice) -> Table:
    # One line of why per suggestion, under the table: too long for a column.
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for s in loop.suggestions:
        table.add_row(f"{s.parameter}:", s.why)
    return table


def render_text(advice: Advice, console: Console) -> None:
    console.print(f"[bold]{advice.path}[/bold]: {_setup_line(advice)}")
    for loop in advice.loops:
        parts = [understood(loop)]
        if loop.step_factor is not None:
            parts.append(effects(loop))
        if loop.suggestions:
            parts.extend((suggestions(loop), reasons(loop)))
        parts.extend(f"note: {note}" for note in loop.notes)
        title = f"training loop in {loop.function} (backward on line {loop.line})"
        console.print(Panel(Group(*parts), title=title, title_align="left"))


def as_data(advice: Advice) -> dict:
    """The JSON shape: the change, then per training loop its readings, factors and suggestions."""
    change = advice.change
    return {
        "path": advice.path,
        "batch_size": {"from": change.before.batch, "to": change.after.batch, "source": change.batch_source},
        "accumulation": {"from": change.before.accumulation, "to": change.after.accumulation},
        "world_size": {"from": change.before.world_size, "to": change.after.world_size},
        "dataset_size": change.dataset_size,
        "loops": [
            {**asdict(loop), "decay_timescale_epochs": _finite(loop.decay_timescale_epochs)}
            for loop in advice.loops
        ],
    }


def _finite(pair) -> dict | None:
    # JSON has no infinity: a loop without decay never forgets, which reads as null.
    if pair is None:
        return None
    return {k: (None if math.isinf(v) else v) for k, v in asdict(pair).items()}
