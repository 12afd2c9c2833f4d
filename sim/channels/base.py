"""What every acquisition channel shares.

A channel is a dataclass of parameters plus a little per-replication state
(an adstock, a catchment). Each acquisition day its ``step``:

1. spends today's budget (set by its schedule's SimPy process);
2. draws leads: Poisson around ``expected_leads`` times today's campaign
   demand times the share of the market not yet acquired, by inverse CDF
   from one uniform so a slightly different market barely moves the count;
3. keeps the valid ones (``precision``) and activates some of those
   (``activation_prob``), with the channel's ``quality`` multipliers on the
   new customers' traits;
4. pays ``cost_per_customer`` for each new customer and ``commission_rate``
   on their first purchase; ``on_purchases`` pays commission on repeat
   purchases made within ``commission_days`` of activation.

All of it is acquisition spend of the channel (counted in CAC).

A new kind is one module with ``@dataclass class X(Channel, kind="x")``
(imported in ``sim/channels/__init__.py`` so that it registers): it
declares its parameters with ``param(..., unit=, doc=)`` (``redeclare`` for
a shared one it gives another default), overrides ``expected_leads`` and
``most_leads`` (or ``step`` and ``most_customers``, as ``cohort`` does),
and, for keys that are not numbers, ``config_keys`` and ``structured``.
Its docs table is printed by ``python -m sim.declarations``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import ClassVar, TYPE_CHECKING

import numpy as np

from ..declarations import Kinded, declare, record
from ..population import TRAITS
from ..quantiles import poisson_quantile
from ..stages.activation import activate
from ..validation import ConfigError, check_keys, check_number, param
from .schedule import Schedule, build_schedule

if TYPE_CHECKING:
    from ..state import State

#: Quality multipliers a source may set: the population traits, and the
#: propensity to join the private pool.
QUALITY_KEYS = (*TRAITS, "pool_join")

KINDS: dict[str, type[Channel]] = {}
"""Channel kinds accepted in ``channels.<name>.kind``: every subclass that
sets a ``kind`` registers itself here when it is created."""


def build_quality(path: str, spec: object) -> dict:
    """Check a ``quality`` mapping (trait -> multiplier >= 0)."""
    if spec is None:
        return {}
    if not isinstance(spec, Mapping):
        raise ConfigError(path, spec, f"must map {', '.join(QUALITY_KEYS)} to multipliers")
    check_keys(path, spec, QUALITY_KEYS)
    return {trait: check_number(f"{path}.{trait}", value, low=0) for trait, value in spec.items()}


@dataclass
class Channel(Kinded):
    name: str
    source: int
    """Index among acquisition sources (``Params.sources``)."""
    activation_prob: float = param(0.2, low=0, high=1, unit="probability per valid lead",
                                   doc="share of valid leads who make a first purchase")
    precision: float = param(1.0, low=0, high=1, unit="share of leads", doc="share of leads that are valid prospects")
    cost_per_customer: float = param(0.0, low=0, unit="currency per new customer",
                                     doc="paid for each customer acquired (CPA payout, first-order subsidy)")
    commission_rate: float = param(0.0, low=0, high=1, unit="share of purchase revenue",
                                   doc="paid on the first purchase of each of the channel's customers, and on its "
                                       "repeat purchases within `commission_days`")
    commission_days: int = param(0, low=0, integer=True, unit="days",
                                 doc="repeat purchases at age `t − ti_activated ≤ commission_days` earn the "
                                     "commission; `0` = first purchase only")
    quality: dict = declare(default_factory=dict, unit="mapping trait or `pool_join` → multiplier ≥ 0",
                            shown="the kind's `DEFAULT_QUALITY`",
                            doc="multipliers on the population's draws for the channel's customers, and on their "
                                "pool join probability (*Quality*)")
    schedule: Schedule = declare(default_factory=Schedule, unit="mapping",
                                 doc="budget calendar (*Budget schedules*); an error for `partner` and `cohort`, "
                                     "which have no budget")

    KINDS: ClassVar[dict] = KINDS
    FAMILY: ClassVar[str] = "channel"
    kind: ClassVar[str] = ""
    """The kind's name in ``channels.<name>.kind``, set by ``class X(Channel, kind="x")``."""
    budgeted: ClassVar[bool] = True
    """Whether the channel spends a daily budget set by its schedule."""
    DEFAULT_QUALITY: ClassVar[dict] = {}
    """Trait multipliers of the kind, before the ones given in config."""
    linear_cost: ClassVar[bool] = False
    """Whether cost grows in step with customers (per-customer or per-event pricing)."""
    marginal_from_curve: ClassVar[bool] = False
    """Whether :meth:`marginal_cac` is read off the expected response curve rather than counted
    from the run's customers (so simulation noise hardly moves it)."""

    @classmethod
    def config_keys(cls) -> tuple[str, ...]:
        """The keys ``channels.<name>`` may set besides ``kind``."""
        return tuple(f.name for f in fields(cls) if f.init and f.name not in ("name", "source")
                     and (cls.budgeted or f.name != "schedule"))

    @classmethod
    def structured(cls, path: str, spec: Mapping) -> dict:
        """Check and build the keys of ``spec`` that are not numbers: ``quality``
        always, ``schedule`` if given (its omitted keys keep the kind's default).
        On a ``plan`` schedule an omitted ``daily_budget`` is the plan's mean, so
        the plan is spent as written."""
        given = {"quality": build_quality(f"{path}.quality", spec.get("quality"))}
        if "schedule" in spec:
            default = next(f for f in fields(cls) if f.name == "schedule").default_factory()
            given["schedule"] = build_schedule(f"{path}.schedule", spec["schedule"], default)
            if given["schedule"].kind == "plan" and "daily_budget" not in spec and cls.budgeted:
                given["daily_budget"] = float(np.mean(given["schedule"].plan))
        return given

    def record(self) -> dict:
        """The channel's config as plain data, every parameter given (defaults,
        the kind's quality and schedule included): ``build_channel(name,
        channel.record(), source)`` builds an equal channel."""
        return {"kind": self.kind, **record(self)}

    def __post_init__(self):
        self.quality = {**self.DEFAULT_QUALITY, **self.quality}
        self.reset()

    def reset(self) -> None:
        """Clear per-replication state."""

    def expected_leads(self, state: State, budget: float) -> float:
        """Mean leads today before demand and market depletion."""
        raise NotImplementedError

    def most_leads(self) -> float:
        """Largest expected leads a day before demand and market depletion (for the up-front estimate)."""
        raise NotImplementedError

    def most_customers(self, acquisition_days: int, demand: float) -> float:
        """Largest expected customers over the acquisition days at a campaign demand of at most ``demand``."""
        return self.most_leads() * demand * self.precision * self.activation_prob * acquisition_days

    def calendar(self, env, state: State):
        """SimPy process setting today's budget (none for unbudgeted channels)."""
        if self.budgeted:
            yield from self.schedule.process(env, state, self)

    def step(self, state: State, rng: np.random.Generator) -> np.ndarray:
        """Spend, draw leads, activate; return the new customers' ids."""
        ledger, day = state.ledger, state.day
        budget = state.budgets.get(self.name, 0.0)
        if budget:
            ledger.spend(day, self.name, budget)
            ledger.record("budget." + self.name, day, budget)
        reach = state.demand * state.market_left / state.params.market_size
        ledger.record("reach." + self.name, day, reach)
        mean = self.expected_leads(state, budget) * reach
        leads = int(min(max(poisson_quantile(rng.random(), mean), 0.0), state.market_left)) if mean > 0 else 0
        valid = rng.binomial(leads, self.precision)
        ledger.record("leads." + self.name, day, leads)
        ledger.record("valid_leads." + self.name, day, valid)
        ids = activate(state, rng.binomial(valid, self.activation_prob), self.source)
        cost = self.cost_per_customer * ids.size + self.commission_rate * float(state.people.spend[ids].sum())
        if cost:
            ledger.spend(day, self.name, cost)
        return ids

    def on_purchases(self, state: State, buyers: np.ndarray, amounts: np.ndarray) -> None:
        """Pay commission on today's repeat purchases (``amounts`` paid) by this channel's customers."""
        if not (self.commission_rate and self.commission_days):
            return
        people = state.people
        mine = (people.source[buyers] == self.source) & (
            state.day - people.ti_activated[buyers] <= self.commission_days)
        if mine.any():
            state.ledger.spend(state.day, self.name, self.commission_rate * float(amounts[mine].sum()))

    def marginal_cac(self, state: State) -> float:
        """Cost of one more customer at the current plan.

        Where cost grows in step with customers it is the average cost per
        customer; where cost does not buy reach (a fixed running cost) it is NaN.
        """
        daily = state.ledger.daily
        customers = daily["new." + self.name].sum()
        if not (self.linear_cost and customers):
            return float("nan")
        return float(daily["spend." + self.name].sum() / customers)
