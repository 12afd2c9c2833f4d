"""Paid membership: turning repeat buyers into "super users"."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import ClassVar, TYPE_CHECKING

import numpy as np

from ..declarations import declare
from ..metrics import mean_where, ratio
from ..population import CHURNED
from ..validation import ConfigError, bounds, check_keys, check_number, param
from .base import Policy

if TYPE_CHECKING:
    from ..state import State

#: Benefit parameters that programme phases may change.
BENEFITS = ("price_discount", "exclusive_spend_uplift", "priority_churn_multiplier",
            "rebate_rate", "custom_offer_purchase_lift", "benefit_cost_per_term")


@dataclass
class Membership(Policy, kind="membership"):
    """A paid membership with benefits along the six dimensions of the brief.

    * **Eligibility and offer**: a customer becomes eligible at its
      ``min_purchases``-th purchase inside its LTV window (and only if a pool
      member, with ``pool_members_only``) and is offered membership once.
      It accepts with probability ``offer_accept_prob * (p / p_mean)^frequency_elasticity``
      (capped at 1), where ``p`` is its daily purchase probability and
      ``p_mean`` the population's mean: frequent buyers join more.
    * **Fee and term**: ``fee`` is paid on joining and on each renewal and
      covers ``term_days``; at a term's end a still-active member renews with
      ``renewal_prob``, otherwise the membership lapses (the renewal rate
      counts only members still customers at their term's end).
    * **Benefits while a member** (exclusive price and discounts, exclusive
      products, priority service, rebates, customised offers):
      ``price_discount`` of each purchase is given up (cost),
      ``exclusive_spend_uplift`` multiplies spend, ``priority_churn_multiplier``
      churn, ``rebate_rate`` of spend is returned (cost),
      ``custom_offer_purchase_lift`` multiplies the purchase probability, and
      running the benefits costs ``benefit_cost_per_term`` per member and term.
    * **Phases** (start-up, growth, stable): ``phases`` is a list of
      ``{start: day, <benefit>: value, ...}``; from each start day the given
      benefits replace the current ones.
    """

    fee: float = param(99.0, low=0, unit="currency per term", doc="paid on joining and on each renewal")
    term_days: int = param(365, low=1, integer=True, unit="days", doc="length of a term")
    min_purchases: int = param(2, low=1, integer=True, unit="purchases",
                               doc="purchases inside the LTV window that make a buyer eligible")
    pool_members_only: bool = declare(False, unit="`true` or `false`",
                                      doc="offer only to customers with `pool_member`; needs the `pool` policy "
                                          "(checked by validation, *Policies*)")
    offer_accept_prob: float = param(0.1, low=0, high=1, unit="probability per offer",
                                     doc="acceptance at the population's mean purchase probability")
    frequency_elasticity: float = param(1.0, low=0, unit="dimensionless",
                                        doc="how acceptance grows with the buyer's purchase probability")
    renewal_prob: float = param(0.6, low=0, high=1, unit="probability per term end",
                                doc="chance that a member still a customer at its term's end renews")
    price_discount: float = param(0.05, low=0, high=1, unit="share of the amount paid",
                                  doc="member price: given up on each member purchase (cost)")
    exclusive_spend_uplift: float = param(1.1, low=0, unit="multiplier",
                                          doc="members' spend factor (exclusive products)")
    priority_churn_multiplier: float = param(0.7, low=0, unit="multiplier",
                                             doc="members' churn-probability factor (priority service)")
    rebate_rate: float = param(0.02, low=0, high=1, unit="share of the amount paid",
                               doc="returned on each member purchase (cost)")
    custom_offer_purchase_lift: float = param(1.2, low=0, unit="multiplier",
                                              doc="members' purchase-probability factor (customised offers)")
    benefit_cost_per_term: float = param(10.0, low=0, unit="currency per member and term",
                                         doc="cost of running the benefits")
    phases: tuple = declare((), unit="list of mappings", doc="programme phases (below)")

    ACCOUNTS: ClassVar[dict] = {"membership_fee": +1.0, "membership_discount": -1.0,
                                "membership_rebate": -1.0, "membership_benefit_cost": -1.0}
    COUNTS: ClassVar[tuple] = ("members", "membership_offers", "membership_joins",
                               "membership_renewals", "membership_lapses")

    def init(self, state: State) -> None:
        super().init(state)
        state.people.add_field("ti_member_until", np.int32, -1)    # last day covered; -1 never a member
        state.people.add_field("ti_member_joined", np.int32, -1)
        state.people.add_field("membership_offered", np.bool_, False)
        self.benefits = {name: getattr(self, name) for name in BENEFITS}
        self.term_ends = defaultdict(list)         # day -> ids whose term ends that day
        self.mean_purchase_prob = state.params.traits["daily_purchase_prob"].mean

    @classmethod
    def structured(cls, path: str, spec: Mapping) -> dict:
        return {**super().structured(path, spec), "phases": build_phases(f"{path}.phases", spec.get("phases"))}

    def check_among(self, kinds: Sequence[str]) -> None:
        if self.pool_members_only and "pool" not in kinds:
            raise ConfigError(f"policies.{self.name}.pool_members_only", "true",
                              "needs the private pool policy (policies.pool)")

    def churn_bound(self) -> float:
        return self._largest("priority_churn_multiplier")

    def purchase_bound(self) -> float:
        return self._largest("custom_offer_purchase_lift")

    def _largest(self, benefit: str) -> float:
        """The largest value of ``benefit`` over the starting benefits and every phase, at least 1."""
        return max(1.0, getattr(self, benefit), *(phase[benefit] for phase in self.phases if benefit in phase))

    def is_member(self, state: State, ids: np.ndarray) -> np.ndarray:
        return state.people.ti_member_until[ids] >= state.day

    def calendar(self, env, state: State):
        """Programme phases, then a renewal check at the start of every day."""
        for phase in sorted(self.phases, key=lambda p: p["start"]):
            env.process(self._phase(env, phase))
        while True:
            self._renew(state, int(env.now))
            yield env.timeout(1)

    def _phase(self, env, phase):
        yield env.timeout(phase["start"])
        self.benefits.update({k: v for k, v in phase.items() if k != "start"})

    def _renew(self, state: State, day: int) -> None:
        ending = self.term_ends.pop(day - 1, [])
        if not ending:
            return
        people = state.people
        ending = np.concatenate(ending)
        ending = ending[people.stage[ending] != CHURNED]   # only members still customers are up for renewal
        renew = ending[state.random("membership/renew", day).random(ending.size) < self.renewal_prob]
        state.ledger.record("membership_renewals", day, renew.size)
        state.ledger.record("membership_lapses", day, ending.size - renew.size)
        self._start_term(state, day, renew)

    def _start_term(self, state: State, day: int, ids: np.ndarray) -> None:
        if not ids.size:
            return
        last = day + self.term_days - 1
        # a term past the run's end is stored as the end (int32), where it means the same
        state.people.ti_member_until[ids] = min(last, state.params.n_days)
        self.term_ends[last].append(ids)
        state.ledger.book(day, "membership_fee", ids, np.full(ids.size, self.fee))
        state.ledger.book(day, "membership_benefit_cost", ids,
                          np.full(ids.size, self.benefits["benefit_cost_per_term"]))

    def on_purchases(self, state: State, buyers: np.ndarray, amounts: np.ndarray) -> None:
        people, day = state.people, state.day
        members = self.is_member(state, buyers)
        if members.any():
            paid = amounts[members]
            state.ledger.book(day, "membership_discount", buyers[members], paid * self.benefits["price_discount"])
            state.ledger.book(day, "membership_rebate", buyers[members], paid * self.benefits["rebate_rate"])
        eligible = buyers[(people.n_purchases[buyers] >= self.min_purchases)
                          & ~people.membership_offered[buyers]]
        if self.pool_members_only:
            eligible = eligible[people.pool_member[eligible]]
        eligible = eligible[self.targeted(state, eligible)]
        people.membership_offered[eligible] = True
        state.ledger.record("membership_offers", day, eligible.size)
        frequency = people.daily_purchase_prob[eligible] / self.mean_purchase_prob
        with np.errstate(over="ignore"):     # a steep elasticity makes frequent buyers' power inf: they accept
            accept = np.minimum(self.offer_accept_prob * frequency ** self.frequency_elasticity, 1.0)
        joined = eligible[state.random("membership/offer").random(eligible.size) < accept]
        people.ti_member_joined[joined] = day
        state.ledger.record("membership_joins", day, joined.size)
        self._start_term(state, day, joined)

    def churn_multiplier(self, state: State, ids):
        return np.where(self.is_member(state, ids),
                        np.float32(self.benefits["priority_churn_multiplier"]), np.float32(1))

    def purchase_multiplier(self, state: State, ids):
        return np.where(self.is_member(state, ids),
                        np.float32(self.benefits["custom_offer_purchase_lift"]), np.float32(1))

    def spend_multiplier(self, state: State, ids):
        return np.where(self.is_member(state, ids),
                        np.float32(self.benefits["exclusive_spend_uplift"]), np.float32(1))

    def end_of_day(self, state: State) -> None:
        active = state.people.active_ids
        state.ledger.record("members", state.day, int(self.is_member(state, active).sum()))

    def metrics(self, state: State) -> dict:
        people, daily, params = state.people, state.ledger.daily, state.params
        acquired = people.source != params.source_index("initial")
        ever = acquired & (people.ti_member_joined >= 0)
        last_acquisition_day = params.acquisition_days - 1
        ended = daily["membership_renewals"].sum() + daily["membership_lapses"].sum()
        benefit_cost = sum(daily[a].sum() for a in ("membership_discount", "membership_rebate",
                                                    "membership_benefit_cost"))
        return {
            "membership_members": float(daily["members"][last_acquisition_day]),
            "membership_penetration": ratio(daily["members"][last_acquisition_day],
                                            daily["active"][last_acquisition_day]),
            "membership_conversion": ratio(daily["membership_joins"].sum(), daily["membership_offers"].sum()),
            "membership_renewal_rate": ratio(daily["membership_renewals"].sum(), ended),
            "value_per_member": mean_where(people.value, ever),
            "value_per_non_member": mean_where(people.value, acquired & ~ever),
            "membership_fee_income": float(daily["membership_fee"].sum()),
            "membership_benefit_cost": float(benefit_cost),
        }


def build_phases(path: str, spec: object) -> tuple:
    """Check ``phases``: a list of ``{start: day, <benefit>: value}``."""
    if spec is None:
        return ()
    if not isinstance(spec, Sequence) or isinstance(spec, str):
        raise ConfigError(path, spec, "must be a list like [{start: 180, price_discount: 0.1}]")
    ranges = {f.name: bounds(f.metadata) for f in fields(Membership) if f.name in BENEFITS}
    phases = []
    for index, phase in enumerate(spec):
        where = f"{path}[{index}]"
        if not isinstance(phase, Mapping) or "start" not in phase:
            raise ConfigError(where, phase, f"must be a mapping with start and benefits ({', '.join(BENEFITS)})")
        check_keys(where, phase, ("start", *BENEFITS))
        checked = {"start": check_number(f"{where}.start", phase["start"], low=0, integer=True)}
        checked.update({key: check_number(f"{where}.{key}", value, **ranges[key])
                        for key, value in phase.items() if key != "start"})
        phases.append(checked)
    return tuple(phases)
