"""The framework uses that the version a script imports no longer has (catalog: RemovedUses): the
removed keywords of a constructor call, and the removed members called on the instance it made
(`trainer.tune(model)`, `trainer.tuner.lr_find(model)`), the instance followed back to its
constructor through the resolver. A receiver whose maker is not known, or a class reached through a
package both versions used, gives nothing."""

from __future__ import annotations

import libcst as cst

from lossscale_lint.facts import catalog
from lossscale_lint.facts.index import CallSite, CodeIndex
from lossscale_lint.facts.model import RemovedUse
from lossscale_lint.facts.resolve import Resolver, Where


def _members(call: cst.Call) -> list[tuple[cst.BaseExpression, str]]:
    """(receiver, member) for `receiver.member(...)` and for `receiver.member.method(...)`."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return []
    shapes = [(func.value, func.attr.value)]
    if isinstance(func.value, cst.Attribute):
        shapes.append((func.value.value, func.value.attr.value))
    return shapes


def removed_uses(index: CodeIndex, resolver: Resolver, qualified: dict[int, str]) -> tuple[RemovedUse, ...]:
    found: list[RemovedUse] = []
    for call in index.calls:
        record = catalog.removed_uses_record(qualified[id(call.node)])
        if record is not None:
            removed = dict(record.keywords)
            for arg in call.node.args:
                if arg.keyword is not None and arg.keyword.value in removed:
                    found.append(_use(record, "keyword", arg.keyword.value, qualified[id(call.node)],
                                      removed[arg.keyword.value], index.span(arg)))
        found += _member_uses(call, index, resolver)
    return tuple(found)


def _member_uses(call: CallSite, index: CodeIndex, resolver: Resolver) -> list[RemovedUse]:
    for receiver, member in _members(call.node):
        if not any(member == name for record in catalog.REMOVED_USES for name, _ in record.members):
            continue
        _, made_by = resolver.origin_call(Where(receiver, call.scope, call.position))
        record = catalog.removed_uses_record(made_by or "")
        if record is not None and member in dict(record.members):
            return [_use(record, "member", member, made_by or "", dict(record.members)[member], index.span(call.node))]
    return []


def _use(record, kind, name, owner, replacement, span) -> RemovedUse:
    version = ".".join(str(part) for part in record.removed_in)
    return RemovedUse(kind=kind, name=name, owner=owner, framework=f"{record.framework} {version}", replacement=replacement,
                      what_it_did=record.what_it_did, span=span)
