"""Declarations of the channel, schedule and policy parameters, read back.

A parameter is declared once, as a dataclass field (``sim.validation.param``
for numbers): name, default, allowed range, unit and one-line meaning.
This module reads those declarations: the registries of kinds that
``Channel`` and ``Policy`` subclasses join when they are created.
"""
from __future__ import annotations


def register(registry: dict[str, type], cls: type, what: str) -> None:
    """Add ``cls`` to ``registry`` under its ``kind`` if its own body sets a non-empty one.

    A subclass that inherits its parent's kind is not registered again.
    Raise TypeError if another class already holds the kind.
    """
    kind = cls.__dict__.get("kind", "")
    if not kind:
        return
    if kind in registry:
        held = registry[kind]
        raise TypeError(f"{what} kind {kind!r} of {cls.__module__}.{cls.__qualname__} is already "
                        f"registered by {held.__module__}.{held.__qualname__}")
    registry[kind] = cls
