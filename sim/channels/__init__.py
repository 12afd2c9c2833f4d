"""Acquisition channels: spend -> leads -> customers.

One module per kind of channel, configured under ``channels.<name>`` with
a ``kind``; ``base`` holds what they share and ``schedule`` their budget
calendars. A kind is a subclass of :class:`Channel` that sets ``kind``: it
registers itself in :data:`KINDS` when its module is imported below. Every
channel draws its prospects from the same finite market, so channels
cannibalise each other as it is used up.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..validation import ConfigError, build, check_choice, check_keys
from .base import KINDS, QUALITY_KEYS, Channel, build_quality
# each kind's module, imported so that its kind registers itself (in the order error messages list them)
from .paid import ContentChannel, PaidChannel
from .livestream import LiveStreamChannel
from .partner import PartnerChannel
from .offline import OfflineChannel
from .cohort import CohortChannel
from .baseline import BaselineChannel
from .schedule import Schedule, build_schedule

__all__ = ["Channel", "KINDS", "QUALITY_KEYS", "Schedule", "build_channel", "build_quality",
           "build_schedule", *(c.__name__ for c in KINDS.values())]


def build_channel(name: str, spec: object, source: int) -> Channel:
    """Check ``channels.<name>`` and build the channel."""
    path = f"channels.{name}"
    if not isinstance(spec, Mapping):
        raise ConfigError(path, spec, f"must be a mapping with a kind ({', '.join(KINDS)}) "
                          "and its parameters")
    cls = KINDS[check_choice(f"{path}.kind", spec.get("kind"), KINDS)]
    check_keys(path, spec, ["kind", *cls.config_keys()])
    given = cls.structured(path, spec)
    parameters = {k: v for k, v in spec.items() if k != "kind" and k not in given}
    return build(cls, path, parameters, name=name, source=source, **given)
