"""The fact kinds a rule can declare in `Rule.reads`, and the evidence each one needs.

A fact kind's evidence is what a file must show before the fact can exist in it, so that the text
pre-check (`pipeline/precheck.py`) can skip a file when no selected rule reads a fact whose evidence
is present:

- `TextEvidence`: for every group, one of its clues appears in the source text;
- `BaseVersion`: the run compares the file with a version at a git base (`check --base`);
- `ParseFailure`: the file does not parse (checked last: it costs a parse with `ast`);
- `PipelineReport`: never in the text (the pipeline's own reports: LSL001, LSL002, LSL999).

A kind whose evidence is None (nothing declared yet) turns the pre-check off for every run that
selects a rule reading it, as does a kind this table does not know.
"""

from __future__ import annotations

from dataclasses import dataclass

from lossscale_lint.facts.catalog import evidence as names


@dataclass(frozen=True)
class Call:
    """`name` as a whole identifier followed by a call's `(` (whitespace, comments, line
    continuations and the `)` of a parenthesised callee may sit in between)."""

    name: str


@dataclass(frozen=True)
class Keyword:
    """`name` as a whole identifier followed by `=` (a keyword argument)."""

    name: str


@dataclass(frozen=True)
class Text:
    """`text` anywhere in the source."""

    text: str


Clue = Call | Keyword | Text


@dataclass(frozen=True)
class TextEvidence:
    all_of: tuple[tuple[Clue, ...], ...]  # every group needs one of its clues


@dataclass(frozen=True)
class BaseVersion:
    pass


@dataclass(frozen=True)
class ParseFailure:
    pass


@dataclass(frozen=True)
class PipelineReport:
    """Reported by the pipeline around an analysis that ran (a time limit, a crash) or before it
    (the size limit): nothing in the text calls for running the engine."""


Evidence = TextEvidence | BaseVersion | ParseFailure | PipelineReport


@dataclass(frozen=True)
class FactKind:
    name: str
    meaning: str
    evidence: Evidence | None


FACT_KINDS: dict[str, FactKind] = {
    kind.name: kind
    for kind in (
        FactKind(
            "updates",
            "the update sites (`ModuleFacts.updates`) with their loss flow, step, guard and clips",
            TextEvidence((
                (*(Call(method) for method in names.BACKWARD_METHODS), *(Text(hook) for hook in names.BACKWARD_HOOKS)),
            )),
        ),
        FactKind(
            "legacy_args",
            "loss sites with deprecated reduction keywords (`LossSite.legacy_args`)",
            TextEvidence((
                tuple(Keyword(keyword) for keyword in names.LEGACY_REDUCTION_KEYWORDS),
                tuple(Text(loss) for loss in names.LOSS_NAMES),
            )),
        ),
        FactKind(
            "per_sample_reductions",
            "loss sites whose \"mean\" is not per sample while another reduction is (`LossSite.per_sample_reduction`)",
            TextEvidence((tuple(Text(loss) for loss in names.PER_SAMPLE_REDUCTION_LOSSES),)),
        ),
        FactKind(
            "coupled_decay",
            "optimizers whose coupled weight decay is normalised (`OptimizerSite.coupled_decay_normalised`)",
            TextEvidence((tuple(Text(keyword) for keyword in names.COUPLED_DECAY_KEYWORDS),
                          tuple(Text(name) for name in names.COUPLED_DECAY_OPTIMIZERS))),
        ),
        FactKind(
            "data_parallel",
            "the data-parallel wrappers (`ModuleFacts.data_parallel`) with the update sites and optimizers they reduce",
            TextEvidence((tuple(Call(name) for name in names.DATA_PARALLEL_NAMES),)),
        ),
        FactKind(
            "removed_uses",
            "framework keywords and members the imported version removed (`ModuleFacts.removed_uses`)",
            TextEvidence((
                (*(Keyword(keyword) for keyword in names.REMOVED_KEYWORDS),
                 *(Text(f".{member}") for member in names.REMOVED_MEMBERS)),
                tuple(Text(package) for package in names.REMOVED_USE_PACKAGES),
            )),
        ),
        FactKind("base", "the same module's facts at the git base (`RuleContext.base`)", BaseVersion()),
        # Judged after the other rules, from the comments (`pipeline/linting.py`), not by the engine.
        FactKind("noqa_comments", "the file's `# noqa` comments (`pipeline.noqa.NoqaDirective`)",
                 TextEvidence(((Text("noqa"),),))),
        FactKind("limits", "the file was not (completely) analysed: too large, too slow, or a rule crashed",
                 PipelineReport()),
        FactKind("parse_failure", "the module does not parse (reported by the engine, before any facts)", ParseFailure()),
    )
}

# Kinds whose findings no `Rule.check` makes: the pipeline around the rules reports them (LSL900
# from the comments and the other findings, LSL001/LSL002/LSL999 when the analysis did not finish).
REPORTED_BY_THE_PIPELINE = frozenset({"noqa_comments", "limits"})
