"""A strict check that a tree of frozen dataclasses holds the types its annotations declare.

Facts and diagnostics are plain dataclasses, which check nothing when they are built; pydantic
does not re-validate dataclass instances either. This walks the values against the annotations:
a list where a tuple is declared, a plain string where an enum is, a bool for a line number fail.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from enum import Enum
from functools import cache
from typing import Any, Literal


@cache
def hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def problems(value: Any, declared: Any, where: str = "value") -> list[str]:
    origin, args = typing.get_origin(declared), typing.get_args(declared)
    if origin in (typing.Union, types.UnionType):
        options = [problems(value, option, where) for option in args]
        return [] if any(not found for found in options) else [f"{where}: {value!r} is not {declared}"]
    if origin is Literal:
        return [] if value in args and type(value) in {type(a) for a in args} else [f"{where}: {value!r} not in {args}"]
    if origin is tuple:
        if type(value) is not tuple:
            return [f"{where}: {type(value).__name__} where a tuple is declared"]
        return [p for i, item in enumerate(value) for p in problems(item, args[0], f"{where}[{i}]")]
    if declared is type(None):
        return [] if value is None else [f"{where}: {value!r} is not None"]
    if dataclasses.is_dataclass(declared):
        if type(value) is not declared:
            return [f"{where}: {type(value).__name__} where {declared.__name__} is declared"]
        return [p for f in dataclasses.fields(declared)
                for p in problems(getattr(value, f.name), hints(declared)[f.name], f"{where}.{f.name}")]
    if isinstance(declared, type) and issubclass(declared, Enum):
        return [] if type(value) is declared else [f"{where}: {value!r} is not a {declared.__name__}"]
    if declared in (int, float, str, bool):
        return [] if type(value) is declared else [f"{where}: {value!r} is not {declared.__name__}"]
    raise TypeError(f"{where}: the checker does not know {declared!r}")
