"""Acquisition channels: spend -> leads -> customers.

One module per kind of channel, configured under ``channels.<name>`` with
a ``kind``; ``base`` holds what they share and ``schedule`` their budget
calendars. Every channel draws its prospects from the same finite market,
so channels cannibalise each other as it is used up.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ..population import TRAITS
from ..validation import ConfigError, build, check_choice, check_keys, check_number
from .base import Channel
from .cohort import CohortChannel
from .livestream import LiveStreamChannel
from .offline import OfflineChannel
from .paid import ContentChannel, PaidChannel
from .partner import PartnerChannel
from .schedule import Schedule, build_schedule

#: Quality multipliers a source may set: the population traits, and the
#: propensity to join the private pool.
QUALITY_KEYS = (*TRAITS, "pool_join")

#: Channel kinds accepted in ``channels.<name>.kind``.
KINDS = {cls.kind: cls for cls in (PaidChannel, ContentChannel, LiveStreamChannel,
                                   PartnerChannel, OfflineChannel, CohortChannel)}

__all__ = ["Channel", "KINDS", "Schedule", "build_channel", "build_quality", *(c.__name__ for c in KINDS.values())]


def build_quality(path: str, spec: object) -> dict:
    """Check a ``quality`` mapping (trait -> multiplier >= 0)."""
    if spec is None:
        return {}
    if not isinstance(spec, Mapping):
        raise ConfigError(path, spec, f"must map {', '.join(QUALITY_KEYS)} to multipliers")
    check_keys(path, spec, QUALITY_KEYS)
    return {trait: check_number(f"{path}.{trait}", value, low=0) for trait, value in spec.items()}


def build_channel(name: str, spec: object, source: int) -> Channel:
    """Check ``channels.<name>`` and build the channel."""
    path = f"channels.{name}"
    if not isinstance(spec, Mapping):
        raise ConfigError(path, spec, f"must be a mapping with a kind ({', '.join(KINDS)}) "
                          "and its parameters")
    cls = KINDS[check_choice(f"{path}.kind", spec.get("kind"), KINDS)]
    allowed = [f.name for f in dataclasses.fields(cls) if f.init and f.name not in ("name", "source")]
    if cls is CohortChannel:      # given customers: no leads, no costs to configure
        allowed = ["arrivals", "quality"]
    check_keys(path, spec, ["kind", *(k for k in allowed if cls.budgeted or k != "schedule")])
    given = dict(name=name, source=source, quality=build_quality(f"{path}.quality", spec.get("quality")))
    if "schedule" in spec:
        default = next(f for f in dataclasses.fields(cls) if f.name == "schedule").default_factory()
        given["schedule"] = build_schedule(f"{path}.schedule", spec["schedule"], default)
    if cls is CohortChannel:
        given["arrivals"] = _arrivals(f"{path}.arrivals", spec.get("arrivals", ()))
    parameters = {k: v for k, v in spec.items() if k not in ("kind", "quality", "schedule", "arrivals")}
    return build(cls, path, parameters, **given)


def _arrivals(path: str, spec) -> tuple:
    if not isinstance(spec, (list, tuple)) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in spec):
        raise ConfigError(path, spec, "must be a list of customer counts >= 0, one per day from day 0")
    return tuple(spec)
