"""Validated parameters: the config checked once and turned into typed objects.

:func:`validate` is the gate between configuration and simulation: it
checks every value (types, ranges, references, cross-field rules) and
raises one :class:`~sim.validation.ConfigError` naming the first bad key,
before any simulation work. Model code reads :class:`Params`, never Hydra.
"""
from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from . import distributions
from .campaigns import build_sale_days, demand_by_day
from .channels import build_channel, build_quality
from .policies import build_policy, check_policies
from .config import (OPEN_MAPPINGS, EconomicsConfig, HorizonConfig, MarketConfig, PopulationConfig,
                     ReferralConfig, RetentionConfig, SimConfig)
from .distributions import Distribution
from .limits import Estimate, check_horizon, check_resources, estimate
from .population import PROBABILITY_TRAITS, TRAITS
from .uncertainty import entries
from .validation import ConfigError, bounds, build, check_choice, check_currency, check_date, check_number

#: Sources of customers besides the channels, in this order after them.
OTHER_SOURCES = ("organic", "referral", "initial")


@dataclass(frozen=True)
class Params:
    """Everything a simulation needs, checked."""

    seed: int
    replications: int
    workers: int            # processes the replications run on, 0 for one per core (sim.parallel)
    acquisition_days: int
    ltv_days: int
    gross_margin: float
    discount_rate: float
    market_size: int
    innovation: float
    imitation: float
    member_influence: float  # how many ordinary customers' word of mouth a paying member's is worth
    loyal_influence: float   # ... and a loyal non-member's (at least loyal_purchases purchases)
    loyal_purchases: int
    initial_customers: int
    traits: dict            # trait name -> Distribution, in drawing order
    period_days: int
    repeats_from_first_decision: bool
    referral_conversion_prob: float
    channels: tuple         # channel objects, in config order
    quality: tuple          # per source index: trait -> multiplier on the population's draws
    sale_days: tuple        # campaign sale events
    start_date: datetime.date  # the date of day 0
    currency: str           # the code amounts are read in
    demand: np.ndarray      # campaign demand multiplier of each day (campaigns.demand_by_day)
    policies: tuple         # loyalty policy objects, in config order
    uncertainty: tuple      # uncertain inputs (sim.uncertainty.Uncertain), drawn per replication pair
    config: dict            # the checked config as plain data, for the record

    @cached_property
    def estimate(self) -> Estimate:
        """The up-front estimate of customers, memory and time (``sim.limits.estimate``), made once."""
        return estimate(self)

    @property
    def n_days(self) -> int:
        """Length of the run: every customer is followed ltv_days after the last acquisition day."""
        return self.acquisition_days + self.ltv_days

    @property
    def sources(self) -> list[str]:
        """Names of acquisition sources; a customer's ``source`` indexes this list."""
        return [channel.name for channel in self.channels] + list(OTHER_SOURCES)

    def source_index(self, name: str) -> int:
        return self.sources.index(name)


def validate(cfg: DictConfig | Mapping) -> Params:
    """Check ``cfg`` and return :class:`Params`; raise ConfigError on the first problem."""
    data = _typed(cfg)
    # Each section's numbers checked against their declarations (sim.config).
    horizon = build(HorizonConfig, "horizon", data["horizon"])
    economics = build(EconomicsConfig, "economics", data["economics"])
    market = build(MarketConfig, "market", data["market"])
    retention = build(RetentionConfig, "retention", data["retention"])
    referral = build(ReferralConfig, "referral", data["referral"])
    population = data["population"]
    acquisition_days, ltv_days, period_days = horizon.acquisition_days, horizon.ltv_days, retention.period_days
    check_horizon(acquisition_days, ltv_days)
    if ltv_days < period_days:
        raise ConfigError("horizon.ltv_days", ltv_days,
                          f"must be >= retention.period_days ({period_days}) so churn is ever decided")
    market_size, innovation, imitation = market.size, market.innovation, market.imitation
    if innovation + imitation > 365:
        raise ConfigError("market.imitation", imitation, f"market.innovation + market.imitation must be "
                          f"<= 365 per year (a daily adoption probability <= 1); innovation is {innovation}")
    initial = check_number("population.initial_customers", population["initial_customers"],
                           **bounds(_declared(PopulationConfig, "initial_customers")))
    if initial > market_size:
        raise ConfigError("population.initial_customers", initial,
                          f"must be <= market.size ({market_size}): the base comes from the market")

    traits: dict[str, Distribution] = {
        name: distributions.from_spec(f"population.{name}", population[name],
                                      probability=name in PROBABILITY_TRAITS)
        for name in TRAITS
    }
    _allocate(data)
    channel_names = list(data["channels"])
    for name in channel_names:
        if name in OTHER_SOURCES:
            raise ConfigError(f"channels.{name}", data["channels"][name],
                              f"a channel may not be named {', '.join(OTHER_SOURCES)} (reserved sources)")
    channels = tuple(build_channel(name, spec, source)
                     for source, (name, spec) in enumerate(data["channels"].items()))
    for channel in channels:
        if len(getattr(channel, "arrivals", ())) > acquisition_days:
            raise ConfigError(f"channels.{channel.name}.arrivals", f"{len(channel.arrivals)} days",
                              f"must not run past horizon.acquisition_days ({acquisition_days})")
        if channel.budgeted and channel.schedule.kind == "flights":
            late = next((f for f in channel.schedule.flights if f[0] >= acquisition_days), None)
            if late is not None:
                raise ConfigError(f"channels.{channel.name}.schedule.flights", list(late),
                                  f"starts after the last acquisition day ({acquisition_days - 1}), "
                                  "so it would never spend")
    quality = (*(channel.quality for channel in channels),
               build_quality("market.organic_quality", market.organic_quality),
               build_quality("referral.quality", referral.quality),
               {})   # the initial base is the population itself
    start_date = check_date("calendar.start_date", data["calendar"]["start_date"])
    currency = check_currency("economics.currency", economics.currency)
    sale_days = build_sale_days(data["campaigns"]["sale_days"], acquisition_days + ltv_days, start_date)
    policies = tuple(build_policy(name, spec) for name, spec in data["policies"].items())
    check_policies(policies)

    # The record of the run: every parameter of every enabled channel and policy, defaults included.
    data["population"].update({name: {"dist": d.family, **d.params} for name, d in traits.items()})
    data["channels"] = {channel.name: channel.record() for channel in channels}
    data["policies"] = {policy.name: policy.record() for policy in policies}
    params = Params(
        seed=check_number("seed", data["seed"], **bounds(_declared(SimConfig, "seed"))),
        replications=check_number("replications", data["replications"],
                                  **bounds(_declared(SimConfig, "replications"))),
        workers=check_number("workers", data["workers"], **bounds(_declared(SimConfig, "workers"))),
        acquisition_days=acquisition_days,
        ltv_days=ltv_days,
        gross_margin=economics.gross_margin,
        discount_rate=economics.discount_rate,
        market_size=market_size,
        innovation=innovation,
        imitation=imitation,
        member_influence=market.member_influence,
        loyal_influence=market.loyal_influence,
        loyal_purchases=market.loyal_purchases,
        initial_customers=initial,
        traits=traits,
        period_days=period_days,
        repeats_from_first_decision=bool(retention.repeats_from_first_decision),
        referral_conversion_prob=referral.conversion_prob,
        channels=channels,
        quality=quality,
        sale_days=sale_days,
        start_date=start_date,
        currency=currency,
        demand=demand_by_day(sale_days, acquisition_days + ltv_days),
        policies=policies,
        uncertainty=entries(data),
        config=data,
    )
    check_resources(params)
    return params


def _declared(cls, name: str) -> dict:
    """The declaration (metadata) of field ``name`` of config dataclass ``cls``."""
    return next(f.metadata for f in dataclasses.fields(cls) if f.name == name)


def _allocate(data: dict) -> None:
    """Split ``allocation.total_daily_budget`` over the weighted items' daily budgets.

    An item is a channel or a policy with a ``daily_budget`` (the ``pool``),
    named as under ``channels`` or ``policies``. Without bounds item ``i``
    gets ``total * w_i / sum(w)``; with ``allocation.bounds`` it gets
    ``clip(lam * w_i, low_i, high_i)``, ``lam`` chosen so the budgets add up
    to the total (:func:`_split`). Raise ConfigError naming the field when
    the allocation is malformed or infeasible.
    """
    allocation = data["allocation"]
    total, weights, limits = allocation["total_daily_budget"], allocation["weights"], allocation["bounds"]
    if total is None:
        for key, value in (("weights", weights), ("bounds", limits)):
            if value:
                raise ConfigError("allocation.total_daily_budget", None, f"needed when allocation.{key} is set")
        return
    total = check_number("allocation.total_daily_budget", total, low=0)
    if not weights:
        raise ConfigError("allocation.weights", {}, "name at least one channel or policy and its weight")
    specs = {name: _item(data, name, weight) for name, weight in weights.items()}
    norm = sum(weights.values())
    if norm <= 0:
        raise ConfigError("allocation.weights", weights, "at least one weight must be > 0")
    unit = check_choice("allocation.bounds_unit", allocation.get("bounds_unit", "currency"), BOUNDS_UNITS)
    if limits:
        today = {name: _today(data, name, spec) for name, spec in specs.items()} if unit == "today" else {}
        checked = _bounds(limits, weights, total, today, unit)
        budgets = _split(total, weights, checked)
        # the checked config holds the bounds in currency: rerun, it must not scale them by the new budgets
        allocation["bounds"] = {name: list(checked[name]) for name in limits}
        allocation["bounds_unit"] = "currency"
    else:
        budgets = {name: total * weight / norm for name, weight in weights.items()}
    for name, spec in specs.items():
        if spec is not None:
            spec["daily_budget"] = float(budgets[name])


def _item(data: dict, name: str, weight) -> dict | None:
    """The spec of allocation item ``name`` (a channel's or a policy's), to receive its budget.

    None when the spec is not a mapping: the item's own check reports it.
    """
    path = f"allocation.weights.{name}"
    channels, policies = data["channels"], data["policies"]
    if name in channels and name in policies:
        raise ConfigError(path, weight, f"{name!r} names both a channel and a policy; rename one")
    check_choice(path, name, [*channels, *policies], what="must be a channel or a policy:")
    check_number(path, weight, low=0)
    if name in channels:
        spec = channels[name]
        if not isinstance(spec, Mapping) or spec.get("kind") not in _kinds():
            return None
        if "daily_budget" not in _budget_keys(spec):
            raise ConfigError(path, weight, "the channel has no daily budget")
        return spec
    from .policies import KINDS as POLICY_KINDS
    if policies[name] is None:
        policies[name] = {}
    spec = policies[name]
    if not isinstance(spec, Mapping):
        return None
    cls = POLICY_KINDS.get(spec.get("kind", name))
    if cls is None:
        return None
    if "daily_budget" not in cls.config_keys():
        raise ConfigError(path, weight, f"the policy (kind {cls.kind}) has no daily budget")
    return spec


def _today(data: dict, name: str, spec: Mapping | None) -> float | None:
    """Item ``name``'s own ``daily_budget`` before the allocation sets it (its kind's default if not
    given); None when the spec is malformed (its own check reports it)."""
    if spec is None:
        return None
    section = "channels" if name in data["channels"] else "policies"
    if "daily_budget" in spec:
        return check_number(f"{section}.{name}.daily_budget", spec["daily_budget"], low=0)
    from .policies import KINDS as POLICY_KINDS
    cls = _kinds()[spec["kind"]] if section == "channels" else POLICY_KINDS[spec.get("kind", name)]
    return next(f.default for f in dataclasses.fields(cls) if f.name == "daily_budget")


def _bounds(limits: Mapping, weights: Mapping, total: float, today: Mapping, unit: str) -> dict:
    """``allocation.bounds`` checked: item -> (low, high) in currency per day, every item of
    ``weights`` (default ``(0, inf)``); with ``unit`` ``today`` the pairs are multiples of ``today``."""
    checked = {name: (0.0, float("inf")) for name in weights}
    for name, pair in limits.items():
        path = f"allocation.bounds.{name}"
        check_choice(path, name, weights, what="must be an item of allocation.weights:")
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)
                or not 0 <= pair[0] <= pair[1] < float("inf")):
            raise ConfigError(path, pair, "must be [low, high], " + BOUNDS_UNITS[unit] + ", with 0 <= low <= high")
        scale = today.get(name) if unit == "today" else 1.0
        if scale is not None:
            checked[name] = (scale * float(pair[0]), scale * float(pair[1]))
    lows = sum(low for low, _ in checked.values())
    highs = sum(high for _, high in checked.values())
    if lows > total:
        raise ConfigError("allocation.bounds", dict(limits), f"infeasible: the lows add up to {lows:g}, "
                          f"more than allocation.total_daily_budget ({total:g})")
    if highs < total:
        raise ConfigError("allocation.bounds", dict(limits), f"infeasible: the highs add up to {highs:g}, "
                          f"less than allocation.total_daily_budget ({total:g})")
    return checked


#: ``allocation.bounds_unit`` -> what a bound's pair is in.
BOUNDS_UNITS = {"currency": "currency per day", "today": "multiples of the item's own daily_budget"}


def _split(total: float, weights: Mapping, limits: Mapping) -> dict:
    """Budgets ``clip(lam * w_i, low_i, high_i)`` adding up to ``total``.

    The sum grows piecewise linearly with ``lam``; ``lam`` is found exactly on
    the segment between two kinks. A zero weight gets its low. Raise
    ConfigError when the items of weight > 0 cannot take the total.
    """
    names = list(weights)
    w = np.array([float(weights[n]) for n in names])
    low = np.array([limits[n][0] for n in names])
    high = np.array([limits[n][1] for n in names])
    positive = w > 0
    kinks = np.concatenate([[0.0], low[positive] / w[positive], high[positive] / w[positive],
                            [total / w[positive].min()]])
    kinks = np.unique(kinks[np.isfinite(kinks)])
    spent = np.array([np.clip(k * w, low, high).sum() for k in kinks])
    if spent[-1] < total * (1 - 1e-12):
        raise ConfigError("allocation.weights", dict(weights), "infeasible with allocation.bounds: the items "
                          f"of weight > 0 take at most {spent[-1]:g} of {total:g}")
    k = int(np.searchsorted(spent, total))
    if k == 0:
        lam = kinks[0]
    else:
        a, b = kinks[k - 1], kinks[k]
        lam = a + (total - spent[k - 1]) * (b - a) / (spent[k] - spent[k - 1])
    return dict(zip(names, np.clip(lam * w, low, high)))


def _kinds() -> dict:
    from .channels import KINDS
    return KINDS


def _budget_keys(spec) -> list[str]:
    cls = _kinds().get(spec.get("kind"))
    return ["daily_budget"] if cls is not None and cls.budgeted else []


def _typed(cfg) -> dict:
    """Merge ``cfg`` into the schema (type checks, unknown keys) and return plain data.

    Open mappings given in ``cfg`` (distribution specs, quality maps)
    replace the schema's whole, so a parameter left out is reported missing
    rather than taken from the default.
    """
    try:
        given = cfg if isinstance(cfg, DictConfig) else OmegaConf.create(_plain(cfg))
        merged = OmegaConf.merge(_schema(), given)
        for path in OPEN_MAPPINGS:
            value = OmegaConf.select(given, path, default=None)
            if value is not None:
                OmegaConf.update(merged, path, value, merge=False)
        return OmegaConf.to_container(merged, resolve=True)
    except OmegaConfBaseException as error:
        key = getattr(error, "full_key", None) or "config"
        message = str(error).strip().splitlines()[0]
        raise ConfigError(key, getattr(error, "value", None), message) from None


@cache
def _schema() -> DictConfig:
    """The config schema as OmegaConf's structured config, built once: ``OmegaConf.merge`` copies
    its first argument, so it is never changed, and building it costs a third of a validation."""
    return OmegaConf.structured(SimConfig)


def _plain(value):
    """``value`` with numpy scalars turned into the Python numbers they hold (OmegaConf takes only those)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value.item() if isinstance(value, np.generic) else value
