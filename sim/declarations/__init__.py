"""Declarations of the channel, schedule and policy parameters, read back.

A parameter is declared once, as a dataclass field: numbers with
:func:`sim.validation.param` (default, range, unit, one-line meaning), the
other keys (mappings, lists, choices, flags) with :func:`declare`. This
module reads those declarations back: the registries of kinds that
``Channel`` and ``Policy`` subclasses join when they are created, and the
parameter tables of docs/model.md, which ``python -m sim.declarations``
prints (``__main__``; tests/test_declarations.py checks the docs against them).
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from typing import ClassVar, NamedTuple

from ..validation import LARGEST, param


class Kinded:
    """Base of a family of kinds (``Channel``, ``Policy``): ``class X(Base, kind="x")`` sets
    ``X.kind`` and adds X to the family's ``KINDS`` registry; a kind another class holds is a TypeError.

    The family's base sets ``KINDS`` (its registry) and ``FAMILY`` (its name, for the error).
    """

    KINDS: ClassVar[dict]
    FAMILY: ClassVar[str]
    kind: ClassVar[str] = ""

    def __init_subclass__(cls, kind: str = "", **kwargs):
        super().__init_subclass__(**kwargs)
        if not kind:
            return
        if kind in cls.KINDS:
            held = cls.KINDS[kind]
            raise TypeError(f"{cls.FAMILY} kind {kind!r} of {cls.__module__}.{cls.__qualname__} is already "
                            f"registered by {held.__module__}.{held.__qualname__}")
        cls.kind = kind
        cls.KINDS[kind] = cls


def declare(default=dataclasses.MISSING, *, default_factory=dataclasses.MISSING, unit: str, doc: str,
            shown: str = ""):
    """Declare a dataclass field that is not a number: its default, unit and
    one-line meaning; ``shown`` is the default as the docs state it, where
    the value alone does not say it (a default computed per kind)."""
    metadata = {"unit": unit, "doc": doc, **({"shown": shown} if shown else {})}
    return dataclasses.field(default=default, default_factory=default_factory, metadata=metadata)


def redeclare(cls: type, name: str, default, **changes):
    """The declaration of ``cls``'s field ``name`` with another ``default`` (and
    the given ``unit``, ``doc`` or range ``changes``): a kind's own default
    for a parameter it shares."""
    metadata = {**_field(cls, name).metadata, **changes}
    if "low" in metadata:
        return param(default, **metadata)
    return declare(default_factory=lambda: default, **metadata)


class Row(NamedTuple):
    """One parameter as the docs' tables show it."""

    name: str
    unit: str
    default: str
    range: str
    doc: str

    def cells(self) -> tuple[str, str, str, str]:
        """The ``| key | unit | default | meaning |`` cells."""
        return (f"`{self.name}`", ", ".join(part for part in (self.unit, self.range) if part),
                self.default, self.doc)


def config_keys(cls: type) -> tuple[str, ...]:
    """The keys a config of ``cls`` may set (``cls.config_keys()`` where it says)."""
    if hasattr(cls, "config_keys"):
        return tuple(cls.config_keys())
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


def parameter_rows(cls: type) -> Iterator[Row]:
    """Name, unit, default, range text and meaning of each config key of dataclass ``cls``, in order."""
    for name in config_keys(cls):
        declared = _field(cls, name)
        metadata = declared.metadata
        default = (declared.default if declared.default_factory is dataclasses.MISSING
                   else declared.default_factory())
        yield Row(name, metadata.get("unit", ""), metadata.get("shown") or shown(default),
                  range_text(metadata), metadata.get("doc", ""))


def record(obj) -> dict:
    """The config keys of dataclass ``obj`` as plain data (numbers, strings,
    lists, mappings), defaults included; an infinite number (no cap) is left
    out, since leaving it out is how a config says it."""
    data = {}
    for key in config_keys(type(obj)):
        value = _plain(getattr(obj, key))
        if not (isinstance(value, float) and math.isinf(value)):
            data[key] = value
    return data


def _plain(value):
    if dataclasses.is_dataclass(value):
        return record(value)
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def own_rows(cls: type, base: type) -> list[Row]:
    """The rows of kind ``cls`` that its section lists: those that differ from
    the shared ones of ``base``; all of them if it does not take every shared
    number (a ``cohort`` channel takes none)."""
    rows, shared = list(parameter_rows(cls)), {row.name: row for row in parameter_rows(base)}
    if not {row.name for row in shared.values() if row.range} <= {row.name for row in rows}:
        return rows
    return [row for row in rows if shared.get(row.name) != row]


def shown(value) -> str:
    """A default as the docs show it."""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and math.isinf(value):
        return "none (no cap)"
    if isinstance(value, (int, float, str)):
        return f"`{value}`"
    if isinstance(value, (tuple, list)):
        return f"`{list(value)}`"
    if isinstance(value, dict):
        return f"`{value}`" if value else "`{}`"
    if dataclasses.is_dataclass(value):      # a nested declaration: its kind and the keys off their defaults
        given = [f"{f.name}: {getattr(value, f.name)}" for f in dataclasses.fields(value)
                 if f.name == "kind" or getattr(value, f.name) != f.default]
        return f"`{{{', '.join(given)}}}`"
    return f"`{value!r}`"


def range_text(metadata) -> str:
    """The allowed range of a :func:`~sim.validation.param` declaration, as the docs write it."""
    if "low" not in metadata:
        return ""
    low, high, integer = metadata["low"], metadata["high"], metadata["integer"]
    prefix = "integer " if integer else ""
    if high is not None and high != LARGEST:
        return f"{prefix}in {'(' if metadata['low_open'] else '['}{_number(low)}, {_number(high)}]"
    if low is not None:
        return f"{prefix}{'>' if metadata['low_open'] else '≥'} {_number(low)}"
    return prefix.strip()


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e7 else f"{x:g}"


def _field(cls: type, name: str) -> dataclasses.Field:
    return next(f for f in dataclasses.fields(cls) if f.name == name)


def sections() -> dict[str, dict[str, list[tuple[str, ...]]]]:
    """The parameter tables of docs/model.md: chapter -> section heading -> rows of cells."""
    from ..channels import Channel, Schedule
    from ..channels import KINDS as CHANNELS
    from ..policies import KINDS as POLICIES
    from ..policies import Policy

    channels = package_kinds(CHANNELS)
    kind = ("`kind`", "—", "required", _or(channels))
    return {
        "Channels": {
            "Shared parameters": [kind, *(row.cells() for row in parameter_rows(Channel))],
            **{f"`{name}`": [row.cells() for row in own_rows(cls, Channel)] for name, cls in channels.items()},
            "Budget schedules": [row.cells() for row in parameter_rows(Schedule)],
        },
        "Policies": {
            "Targeting: `target_tiers`": [row.cells() for row in parameter_rows(Policy)],
            **{f"`{name}`": [row.cells() for row in own_rows(cls, Policy)]
               for name, cls in package_kinds(POLICIES).items()},
        },
    }


def package_kinds(registry: dict[str, type]) -> dict[str, type]:
    """The kinds of a registry defined in this package (a test or a notebook may register more)."""
    return {kind: cls for kind, cls in registry.items() if cls.__module__.split(".")[0] == "sim"}


def _or(names) -> str:
    quoted = [f"`{name}`" for name in names]
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}" if len(quoted) > 1 else "".join(quoted)


def markdown(rows) -> str:
    """A ``| key | unit | default | meaning |`` table."""
    lines = ["| key | unit | default | meaning |", "|---|---|---|---|"]
    return "\n".join(lines + [f"| {' | '.join(cells)} |" for cells in rows])
