"""Turn individual calls into typed sites: losses, optimizers, data loaders, accelerators, clips."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from lossscale_lint.facts import catalog
from lossscale_lint.facts.index import CallSite
from lossscale_lint.facts.model import (
    AcceleratorSite,
    DataParallelSite,
    ClipSite,
    DataLoaderSite,
    LegacyReductionArg,
    LossSite,
    OptimizerSite,
    Reduction,
    Value,
)
from lossscale_lint.facts.resolve import Resolver, Where


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional(call: cst.Call) -> list[cst.BaseExpression]:
    return [a.value for a in call.args if a.keyword is None and not a.star]


def argument(call: cst.Call, name: str, position: int | None) -> cst.BaseExpression | None:
    found = keyword(call, name)
    if found is not None:
        return found.value
    args = positional(call)
    if position is not None and position < len(args):
        return args[position]
    return None


class SiteBuilder:
    def __init__(self, resolver: Resolver, scales=None) -> None:
        self.resolver = resolver
        self.index = resolver.index
        # Tells whether an expression divides or multiplies by the batch size or the world size
        # (`batch_scaling` / `world_scaling` of the FlowTracer); None: never.
        self.scales = scales

    def _value(self, expr: cst.BaseExpression, call: CallSite) -> Value:
        return self.value_at(Where(expr, call.scope, call.position))

    def value_at(self, where: Where) -> Value:
        """The expression's value, marked when it scales with the batch size (`lr * batch_size`)."""
        value = self.resolver.value(where)
        if self.scales is None:
            return value
        scaling, world = self.scales.batch_scaling(where), self.scales.world_scaling(where)
        return replace(value, batch_scaling=scaling, world_scaling=world) if scaling or world else value

    def _args_end(self, call: cst.Call):
        """An empty span just before the closing parenthesis, where a new argument goes."""
        span = self.index.span(call)
        return replace(span, line=span.end_line, column=span.end_column - 1, end_column=span.end_column - 1)

    @staticmethod
    def _args_separator(call: cst.Call) -> str:
        if not call.args:
            return ""
        return " " if isinstance(call.args[-1].comma, cst.Comma) else ", "

    def loss(self, call: CallSite, qualified: str) -> LossSite | None:
        record = catalog.loss_record(qualified)
        if record is None:
            return None
        words = record.keywords
        node = call.node
        legacy = tuple(
            LegacyReductionArg(keyword=word, value=self._value(arg.value, call), span=self.index.span(arg))
            for word in words.legacy
            if (arg := keyword(node, word)) is not None
        )
        reduction_arg = keyword(node, words.reduction)
        reduction = Reduction.MEAN
        reduction_value = None
        if reduction_arg is not None:
            reduction_value = self._value(reduction_arg.value, call)
            text = reduction_value.value
            reduction = catalog.REDUCTION_STRINGS.get(text, Reduction.UNKNOWN) if isinstance(text, str) else Reduction.UNKNOWN
        if legacy:
            values = {arg.keyword: arg.value.value for arg in legacy}
            if all(isinstance(v, bool) for v in values.values()):
                reduction = catalog.legacy_reduction(*(values.get(word) for word in words.legacy))
            else:
                reduction = Reduction.UNKNOWN
        kept = reduction_arg or (keyword(node, legacy[0].keyword) if legacy else None)
        removal = self._removal_spans(node, [a for a in node.args if a.keyword is not None
                                             and a.keyword.value in words.legacy and a is not kept])
        if len(positional(node)) > record.max_positional or any(a.star for a in node.args):
            reduction = Reduction.UNKNOWN  # legacy flags may hide in positional or **kwargs
        ignore_index = class_weights = default_ignore = None
        if (targets := record.ignored_targets) is not None:
            default_ignore = targets.default_ignore_index
            ignore_arg = keyword(node, targets.ignore_keyword)
            ignore_index = self._value(ignore_arg.value, call) if ignore_arg is not None else None
            weight = argument(node, targets.weight_keyword, targets.weight_position)
            if weight is not None and not (isinstance(weight, cst.Name) and weight.value == "None"):
                class_weights = self._value(weight, call)
        return LossSite(
            kind=record.kind.value,
            name=record.name,
            call_span=self.index.span(node),
            reduction=reduction,
            reduction_arg_span=self.index.span(reduction_arg) if reduction_arg is not None else None,
            legacy_args=legacy,
            legacy_removal=removal,
            args_end=self._args_end(node),
            args_separator=self._args_separator(node),
            reduction_value=reduction_value,
            mean_divides_by=record.mean_divisor,
            per_sample_reduction=record.per_sample_reduction,
            ignore_index=ignore_index,
            class_weights=class_weights,
            default_ignore_index=default_ignore,
        )

    def _removal_spans(self, call: cst.Call, removed: list[cst.Arg]):
        """Spans that delete `removed` from the call's arguments, separators included."""
        args = list(call.args)
        keep = [i for i, a in enumerate(args) if not any(a is r for r in removed)]
        if not removed or not keep:
            return ()
        last_kept = keep[-1]
        spans = []
        for i, arg in enumerate(args):
            if i in keep or i > last_kept:
                continue
            start, end = self.index.span(arg), self.index.span(args[i + 1])
            spans.append(replace(start, end_line=end.line, end_column=end.column))
        if last_kept < len(args) - 1:  # a trailing run: delete from the last kept argument's end
            start, end = self.index.span(args[last_kept]), self.index.span(args[-1])
            spans.append(replace(end, line=start.end_line, column=start.end_column))
        return tuple(spans)

    def optimizer(self, call: CallSite, qualified: str) -> OptimizerSite | None:
        record = catalog.optimizer_record(qualified)
        if record is None:
            return None
        words = record.keywords
        node = call.node
        lr = argument(node, words.lr, record.lr_position)
        decay_arg = keyword(node, words.weight_decay)
        decay_expr = decay_arg.value if decay_arg is not None else self._group_weight_decay(call, record)
        decoupled = record.decoupled_by_default
        flag = keyword(node, words.decoupled_flag) if words.decoupled_flag else None
        if flag is not None:
            decoupled = self._value(flag.value, call).value is True
        momentum = keyword(node, words.momentum) if words.momentum else None
        return OptimizerSite(
            qualified_name=qualified,
            name=record.name,
            family=record.scaling_family,
            span=self.index.span(node),
            lr=self._value(lr, call) if lr is not None else None,
            weight_decay=self._value(decay_expr, call) if decay_expr is not None else None,
            weight_decay_span=self.index.span(decay_arg) if decay_arg is not None else None,
            decoupled=decoupled,
            momentum=self._value(momentum.value, call) if momentum is not None else None,
            args_end=self._args_end(node),
            args_separator=self._args_separator(node),
            coupled_decay_normalised=record.coupled_decay_normalised,
            decoupled_flag=words.decoupled_flag,
            decoupled_counterpart=record.decoupled_counterpart,
            callee_name_span=self.index.span(node.func.attr) if isinstance(node.func, cst.Attribute) else None,
        )

    def _group_weight_decay(self, call: CallSite, record) -> cst.BaseExpression | None:
        """`weight_decay` set per parameter group: the first group that sets a non-zero one."""
        params = argument(call.node, record.keywords.params, 0)
        if params is None:
            return None
        found = self.resolver.origin(Where(params, call.scope, call.position))
        if found is None or not isinstance(found.expr, (cst.List, cst.Tuple)) or self.resolver.owner(found) is not self.resolver:
            return None  # groups built in another module: their expressions are not this file's
        for element in found.expr.elements:
            for decay in self._group_entries(element.value, record.keywords.weight_decay):
                value = self.resolver.value(Where(decay, found.scope, found.position))
                if value.value != 0:
                    return decay
        return None

    def _group_entries(self, group: cst.BaseExpression, key: str) -> list[cst.BaseExpression]:
        """The values under `key` in a parameter group written `{"key": v}` or `dict(key=v)`."""
        if isinstance(group, cst.Dict):
            return [item.value for item in group.elements
                    if isinstance(item, cst.DictElement) and isinstance(item.key, cst.SimpleString)
                    and item.key.evaluated_value == key]
        if isinstance(group, cst.Call) and self.resolver.qualified(group.func) in ("dict", "builtins.dict"):
            return [arg.value for arg in group.args if arg.keyword is not None and arg.keyword.value == key]
        return []

    def data_parallel(self, call: CallSite, record) -> DataParallelSite:
        """A data-parallel wrapper, with how it reduces gradients when its op is written (`op=hvd.Sum`)."""
        reduction = record.reduction.value
        op = keyword(call.node, record.op_keyword) if record.op_keyword else None
        if op is not None:
            written = op.value.attr.value if isinstance(op.value, cst.Attribute) else None
            reduction = dict(record.op_reductions).get(written, catalog.GradientReduction.OTHER).value
        return DataParallelSite(who=record.who, span=self.index.span(call.node), reduction=reduction)

    def dataloader(self, call: CallSite, qualified: str | None = None) -> DataLoaderSite:
        record = catalog.dataloader_record(qualified) if qualified else None
        record = record or catalog.DATALOADERS[0]
        node = call.node
        batch = argument(node, record.batch_size_keyword, record.batch_size_position)
        drop_last = keyword(node, record.drop_last_keyword)
        return DataLoaderSite(
            span=self.index.span(node),
            batch_size=self._value(batch, call) if batch is not None else None,
            drop_last=self._value(drop_last.value, call) if drop_last is not None else None,
        )

    def accelerator(self, call: CallSite, qualified: str | None = None) -> AcceleratorSite:
        record = catalog.accelerator_record(qualified) if qualified else None
        record = record or catalog.ACCELERATORS[0]
        steps = keyword(call.node, record.accumulation_keyword)
        return AcceleratorSite(
            span=self.index.span(call.node),
            gradient_accumulation_steps=self._value(steps.value, call) if steps is not None else None,
        )

    def clip(self, call: CallSite, function: str) -> ClipSite:
        record = catalog.clip_record(function)
        threshold = argument(call.node, record.threshold_keyword, record.threshold_position) if record else None
        callee = call.node.func
        written = callee.attr.value if isinstance(callee, cst.Attribute) else getattr(callee, "value", "")
        return ClipSite(
            function=function,
            threshold=self._value(threshold, call) if threshold is not None else None,
            span=self.index.span(call.node),
            written=written if isinstance(written, str) else "",
        )
