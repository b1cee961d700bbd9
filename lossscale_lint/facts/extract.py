"""Build a module's `ModuleFacts` from one walk over its LibCST tree."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from lossscale_lint.facts import catalog
from lossscale_lint.facts.batchers import batcher_sites
from lossscale_lint.facts.flow import FlowTracer
from lossscale_lint.facts.index import CallSite, CodeIndex, build_index, dotted_name
from lossscale_lint.facts.model import (
    BatchSizeSource,
    IgnoredTargetClue,
    LossSite,
    ModuleFacts,
    OptimizerSite,
    ScaleRole,
    WorldScaledName,
)
from lossscale_lint.facts.removed_uses import removed_uses
from lossscale_lint.facts.resolve import Resolver, Where
from lossscale_lint.facts.sites import SiteBuilder
from lossscale_lint.facts.updates import UpdateBuilder


class Extractor:
    def __init__(self, index: CodeIndex, path: str, batch_size_names, accumulation_names, project=None) -> None:
        self.index = index
        self.path = path
        # The other modules of the project (`facts.project.ProjectLink`); None: this file alone.
        self.project = project
        self.resolver = Resolver(index, project)
        self.batch_size_names = catalog.BATCH_SIZE_NAMES | frozenset(batch_size_names)
        self.accumulation_names = catalog.ACCUMULATION_NAMES | frozenset(accumulation_names)
        self.losses: dict[int, LossSite] = {}  # filled below; the tracer reads it when tracing
        self.tracer = FlowTracer(self.resolver, self.losses, self.batch_size_names, self.accumulation_names)
        self.sites = SiteBuilder(self.resolver, self.tracer)
        self.qualified = {id(c.node): self.resolver.qualified(c.node.func) or "" for c in index.calls}
        self.optimizers: dict[int, OptimizerSite] = {}
        self.loaders = {}
        self.accelerators = {}
        for call in index.calls:
            name = self.qualified[id(call.node)]
            if (loss := self.sites.loss(call, name)) is not None:
                self.losses[id(call.node)] = loss
            elif (optimizer := self.sites.optimizer(call, name)) is not None:
                self.optimizers[id(call.node)] = optimizer
            elif name in catalog.DATALOADER_NAMES:
                self.loaders[id(call.node)] = self.sites.dataloader(call)
            elif name in catalog.ACCELERATOR_NAMES:
                self.accelerators[id(call.node)] = self.sites.accelerator(call)
        self.loaders.update(batcher_sites(index, self.resolver.value))
        self.data_parallel = []
        self.gathers = []
        for call in index.calls:
            name = self.qualified[id(call.node)]
            record = catalog.data_parallel_record(name)
            if record is not None and (not record.multi_process_attributes
                                       or record.multi_process_attributes & index.attribute_names):
                self.data_parallel.append(self.sites.data_parallel(call, record))
            if catalog.is_gather(dotted_name(call.node.func) or "", name):
                self.gathers.append(index.span(call.node))

    def site_of(self, table: str, node: cst.Call):
        """The site `node` made, from this module's `table` ("optimizers", "loaders", ...) or,
        for a call in another module of the project (a factory), from that module's."""
        found = getattr(self, table).get(id(node))
        if found is None and self.project is not None:
            found = next((getattr(a, table)[id(node)] for a in self.project.analyses()
                          if id(node) in getattr(a, table)), None)
        return found

    def dataloader_of(self, call: CallSite):
        """The DataLoader iterated by the loops around `call` (through enumerate/tqdm wrappers)."""
        for loop in reversed(call.loops):
            if not isinstance(loop, cst.For):
                continue
            if id(loop) in self.loaders:  # a hand-written batcher around the call
                return self.loaders[id(loop)]
            iterator = loop.iter
            while (isinstance(iterator, cst.Call) and iterator.args
                   and (self.resolver.qualified(iterator.func) or "").split(".")[-1] in catalog.LOADER_WRAPPERS):
                iterator = iterator.args[0].value
            site, _ = self.resolver.origin_call(Where(iterator, call.scope, call.position))
            if site is not None and self.site_of("loaders", site.node) is not None:
                return self.site_of("loaders", site.node)
        return None

    def batch_sizes(self) -> list[BatchSizeSource]:
        sources = []
        for dest, (flag, where, _line) in self.resolver.argparse_defaults.items():
            if dest in self.batch_size_names:
                sources.append(BatchSizeSource(kind="argparse", name=flag, value=self.resolver.value(where)))
        for (scope, name), bindings in self.index.bindings.items():
            if scope == 0 and name in self.batch_size_names and len(bindings) == 1 and bindings[0].kind == "assign":
                value = self.resolver.value(Where(bindings[0].value, 0, bindings[0].position))
                if value.known:
                    sources.append(BatchSizeSource(kind="constant", name=name, value=value))
        sources += self._imported_batch_sizes()
        sources += [loader.batch_size_source for loader in self.loaders.values() if loader.batch_size_source]
        return sources

    def _imported_batch_sizes(self) -> list[BatchSizeSource]:
        """`from config import BATCH_SIZE`: a batch size constant of another project module."""
        if self.project is None:
            return []
        sources = []
        names = [*self.index.imports, *self.index.relative_imports]
        for name in names:
            found = self.resolver.imported(cst.Name(name), 0) if name in self.batch_size_names else None
            bound = found[0].resolver.module_binding(found[1]) if found else None
            if bound is None:
                continue
            other = found[0]
            value = other.resolver.value(bound[1])
            if value.known:
                origin = f"{value.origin or f'{found[1]} = {value.source} (line {bound[0].position[0]})'} in {other.index.path}"
                sources.append(BatchSizeSource(kind="constant", name=name, value=replace(value, origin=origin)))
        return sources

    def world_scaled_names(self) -> list[WorldScaledName]:
        """Names given a value divided or multiplied by the world size: `args.bs = args.bs // W`
        (an attribute the bindings do not track), `lr *= hvd.size()`, `batch_size //= world_size`."""
        found = []
        for target, value, scope, position in self.index.attribute_assignments:
            node = Where(value, scope, position)
            if (scaling := self.tracer.world_scaling(node)) is not None:
                found.append((target, scaling, value))
        for statement in self.index.augmented:
            node = statement.node
            where = Where(node.value, statement.scope, statement.position)
            if self.tracer.role(where) is not ScaleRole.WORLD_SIZE and self.tracer.world_scaling(where) != "mul":
                continue
            scaling = {cst.MultiplyAssign: "mul", cst.DivideAssign: "div", cst.FloorDivideAssign: "div"}.get(type(node.operator))
            if scaling and (target := dotted_name(node.target)):
                found.append((target, scaling, node.target))
        return [WorldScaledName(name=name, scaling=scaling, span=self.index.span(at)) for name, scaling, at in found]

    def facts(self) -> ModuleFacts:
        return ModuleFacts(
            path=self.path,
            losses=tuple(self.losses.values()),
            updates=tuple(UpdateBuilder(self).updates()),
            optimizers=tuple(self.optimizers.values()),
            dataloaders=tuple(self.loaders.values()),
            accelerators=tuple(self.accelerators.values()),
            batch_sizes=tuple(self.batch_sizes()),
            data_parallel=tuple(self.data_parallel),
            gathers=tuple(self.gathers),
            world_scaled_names=tuple(self.world_scaled_names()),
            ignored_target_clues=tuple(IgnoredTargetClue(kind=kind, source=self.index.code(node), span=self.index.span(node))
                                       for kind, node in self.index.ignored_target_clues),
            removed_uses=removed_uses(self.index, self.resolver, self.qualified),
        )


def extract_facts(module: cst.Module, path: str, *, batch_size_names=(), accumulation_names=(), project=None) -> ModuleFacts:
    """`project`: a `facts.project.ProjectLink` for this file, to follow imports of its modules."""
    index = build_index(module)
    if project is not None:
        project.register(index, project.importer)
    return Extractor(index, path, batch_size_names, accumulation_names, project).facts()
