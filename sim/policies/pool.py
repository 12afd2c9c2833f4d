"""The private pool: "acquire in public, settle in private"."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TYPE_CHECKING

import numpy as np

from ..metrics import mean_where, ratio
from ..response import hill
from ..validation import param
from .base import Policy

if TYPE_CHECKING:
    from ..state import State


@dataclass
class PrivatePool(Policy, kind="pool"):
    """An owned audience (WeCom contacts, group chats, app) that buyers are invited into.

    * **Join**: each new customer joins on its first purchase with probability
      ``join_prob + hill(incentive, incentive_join_lift, half_incentive)``
      (a coupon for joining lifts the rate with its size, saturating),
      times its channel's ``pool_join`` quality, capped at 1. The incentive
      is a per-customer cost (customer account ``pool_cost``); set the
      curve from a test of two coupon values with ``sim.response.hill_through``.
    * **Operating budget**: on every acquisition day the pool spends
      ``daily_budget`` (operators, content, tooling) plus
      ``monthly_cost_per_member / 30`` per member, booked as policy spend
      ``spend.pool`` (in ``acquisition_spend``, so in ``profit`` and
      ``profit_npv`` like a channel's budget, and in the same window). The
      pool operates on those days only.
    * **Touches**: every ``touch_every_days`` days from day 0, on acquisition
      days, a touch reaches each member (in ``target_tiers``, if set) with
      probability ``reach = hill(daily_budget, max_reach, half_reach_budget)``:
      the budget buys reach, with diminishing returns. On a touch day a
      reached member's purchase probability is multiplied by
      ``touch_purchase_lift`` (a reminder).
    * **Trust**: while a member, a customer's churn probability is
      multiplied by ``trust_churn_multiplier``.
    * **Fatigue**: each touch unsubscribes a reached member with probability
      ``unsubscribe_prob + fatigue_unsubscribe_prob * excess``, where
      ``excess = max(0, 30 / touch_every_days - tolerance_touches_per_30_days)``.
    """

    join_prob: float = param(0.3, low=0, high=1, unit="probability per new customer",
                             doc="chance to join without an incentive")
    incentive: float = param(0.0, low=0, unit="currency per joiner",
                             doc="coupon for joining, paid to each joiner; lifts the join probability")
    # Assumptions, not measurements: a large coupon can add at most 0.5 to
    # the join probability, half of that at 5 (docs/domain.md §2 gives the
    # mechanism, no rate).
    incentive_join_lift: float = param(0.5, low=0, high=1, unit="probability",
                                       doc="largest addition to `join_prob` a coupon buys (assumption)")
    half_incentive: float = param(5.0, low=0, low_open=True, unit="currency per joiner",
                                  doc="coupon that buys half of `incentive_join_lift` (assumption)")
    touch_every_days: int = param(7, low=1, integer=True, unit="days", doc="days between touches, from day 0")
    touch_purchase_lift: float = param(1.5, low=0, unit="multiplier",
                                       doc="reached members' purchase-probability factor on touch days")
    trust_churn_multiplier: float = param(0.8, low=0, unit="multiplier", doc="members' churn-probability factor")
    tolerance_touches_per_30_days: float = param(4.0, low=0, unit="touches per 30 days",
                                                 doc="touches a member accepts without fatigue")
    unsubscribe_prob: float = param(0.002, low=0, high=1, unit="probability per touch",
                                    doc="chance that a touch unsubscribes a member within tolerance")
    fatigue_unsubscribe_prob: float = param(0.02, low=0, high=1, unit="probability per touch and excess touch",
                                            doc="added to `unsubscribe_prob` per touch a month beyond tolerance")
    daily_budget: float = param(100.0, low=0, unit="currency per acquisition day",
                                doc="operating spend (operators, content, tooling); buys the touches' reach")
    max_reach: float = param(1.0, low=0, high=1, unit="share of members",
                             doc="share of members a touch reaches at an unlimited budget")
    half_reach_budget: float = param(50.0, low=0, low_open=True, unit="currency per day",
                                     doc="the `daily_budget` at which a touch reaches half of `max_reach`")
    monthly_cost_per_member: float = param(0.2, low=0, unit="currency per member and 30 days",
                                           doc="cost growing with the pool, spent daily (1/30 a day)")

    ACCOUNTS: ClassVar[dict] = {"pool_cost": -1.0}
    COUNTS: ClassVar[tuple] = ("spend.pool", "pool_size", "pool_joined", "pool_touches", "pool_unsubscribes")
    SUMMARY: ClassVar[tuple] = (("members", "pool_members"), ("join rate", "pool_join_rate"),
                                ("touch reach", "pool_reach"), ("operating spend", "spend.pool"),
                                ("repeat rate, members", "repeat_rate_pool_members"),
                                ("repeat rate, non-members", "repeat_rate_non_pool_members"))

    def init(self, state: State) -> None:
        super().init(state)
        state.people.add_field("pool_member", np.bool_, False)
        state.people.add_field("ti_pool_joined", np.int32, -1)
        state.people.add_field("ti_pool_touched", np.int32, -1)
        self.touch_today = False

    @property
    def reach(self) -> float:
        """Probability that a touch reaches a member, bought by ``daily_budget`` (0 at no budget)."""
        return float(hill(self.daily_budget, self.max_reach, self.half_reach_budget)) if self.daily_budget else 0.0

    @property
    def join_probability(self) -> float:
        """Chance that a new customer joins, before its channel's ``pool_join``: the coupon's lift on ``join_prob``."""
        return min(1.0, self.join_prob + float(hill(self.incentive, self.incentive_join_lift, self.half_incentive)))

    @property
    def unsubscribe_per_touch(self) -> float:
        excess = max(0.0, 30.0 / self.touch_every_days - self.tolerance_touches_per_30_days)
        return min(1.0, self.unsubscribe_prob + self.fatigue_unsubscribe_prob * excess)

    def members(self, state: State) -> np.ndarray:
        """Ids of the active members."""
        active = state.people.active_ids
        return active[state.people.pool_member[active]]

    def calendar(self, env, state: State):
        """Each acquisition day: the operating spend; touch days (reach, unsubscribes) from day 0."""
        while int(env.now) < state.params.acquisition_days:
            day = int(env.now)
            members = self.members(state)
            state.ledger.spend(day, "pool", self.daily_budget + self.monthly_cost_per_member / 30 * members.size)
            self.touch_today = day % self.touch_every_days == 0
            if self.touch_today:
                members = members[self.targeted(state, members)]
                members = members[state.uniforms("pool/reach", members, day) < self.reach]
                state.ledger.record("pool_touches", day, members.size)
                leaving = state.uniforms("pool/unsubscribe", members, day) < self.unsubscribe_per_touch
                state.people.pool_member[members[leaving]] = False
                state.people.ti_pool_touched[members[~leaving]] = day
                state.ledger.record("pool_unsubscribes", day, int(leaving.sum()))
            yield env.timeout(1)
        self.touch_today = False

    def on_arrivals(self, state: State, ids: np.ndarray) -> None:
        people = state.people
        by_source = np.array([q.get("pool_join", 1.0) for q in state.params.quality])
        probability = np.minimum(self.join_probability * by_source[people.source[ids]], 1.0)
        joined = ids[state.uniforms("pool/join", ids) < probability]
        people.pool_member[joined] = True
        people.ti_pool_joined[joined] = state.day
        state.ledger.record("pool_joined", state.day, joined.size)
        if self.incentive > 0 and joined.size:
            state.ledger.book(state.day, "pool_cost", joined, np.full(joined.size, self.incentive))

    def churn_bound(self) -> float:
        return max(1.0, self.trust_churn_multiplier)

    def purchase_bound(self) -> float:
        return max(1.0, self.touch_purchase_lift)

    def churn_multiplier(self, state: State, ids):
        return np.where(state.people.pool_member[ids], np.float32(self.trust_churn_multiplier), np.float32(1))

    def purchase_multiplier(self, state: State, ids):
        if not self.touch_today:
            return 1.0
        people = state.people
        touched = people.pool_member[ids] & (people.ti_pool_touched[ids] == state.day)
        return np.where(touched, np.float32(self.touch_purchase_lift), np.float32(1))

    def end_of_day(self, state: State) -> None:
        state.ledger.record("pool_size", state.day, self.members(state).size)

    def metrics(self, state: State) -> dict:
        people, daily, params = state.people, state.ledger.daily, state.params
        acquired = people.source != params.source_index("initial")
        joined = acquired & (people.ti_pool_joined >= 0)
        others = acquired & ~joined
        return {
            "pool_members": float(daily["pool_size"][params.acquisition_days - 1]),
            "pool_joined": float(daily["pool_joined"].sum()),
            "pool_touches": float(daily["pool_touches"].sum()),
            "pool_unsubscribes": float(daily["pool_unsubscribes"].sum()),
            "pool_reach": self.reach,
            "spend.pool": float(daily["spend.pool"].sum()),
            "pool_cost": float(daily["pool_cost"].sum()),
            "pool_join_rate": ratio(joined.sum(), acquired.sum()),
            "ltv_pool_members": mean_where(people.value, joined),
            "ltv_non_pool_members": mean_where(people.value, others),
            "repeat_rate_pool_members": mean_where(people.n_purchases >= 2, joined),
            "repeat_rate_non_pool_members": mean_where(people.n_purchases >= 2, others),
        }
