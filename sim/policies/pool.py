"""The private pool: "acquire in public, settle in private"."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TYPE_CHECKING

import numpy as np

from ..metrics import mean_where, ratio
from ..validation import param
from .base import Policy

if TYPE_CHECKING:
    from ..state import State


@dataclass
class PrivatePool(Policy, kind="pool"):
    """An owned audience (WeCom contacts, group chats, app) that buyers are invited into.

    * **Join**: each new customer joins on its first purchase with probability
      ``join_prob`` (``incentive_join_prob`` when an ``incentive`` is given),
      times its channel's ``pool_join`` quality, capped at 1. The incentive
      is a per-customer cost.
    * **Touches**: every ``touch_every_days`` days from day 0 the pool
      contacts all members (those in ``target_tiers``, if set), for free. On a touch day a member's purchase
      probability is multiplied by ``touch_purchase_lift`` (a reminder).
    * **Trust**: while a member, a customer's churn probability is
      multiplied by ``trust_churn_multiplier``.
    * **Fatigue**: each touch unsubscribes a member with probability
      ``unsubscribe_prob + fatigue_unsubscribe_prob * excess``, where
      ``excess = max(0, 30 / touch_every_days - tolerance_touches_per_30_days)``.
    * **Cost**: at the end of every 30 days the pool costs ``monthly_fixed_cost``
      plus ``monthly_cost_per_member`` per member, shared equally by the
      members (so it enters their LTV); with no members the fixed cost is
      still booked, to no customer.
    """

    join_prob: float = param(0.3, low=0, high=1, unit="probability per new customer",
                             doc="chance to join without an incentive")
    incentive: float = param(0.0, low=0, unit="currency per joiner",
                             doc="coupon for joining; `> 0` switches the join probability to `incentive_join_prob`")
    incentive_join_prob: float = param(0.6, low=0, high=1, unit="probability per new customer",
                                       doc="chance to join when `incentive > 0`")
    touch_every_days: int = param(7, low=1, integer=True, unit="days", doc="days between touches, from day 0")
    touch_purchase_lift: float = param(1.5, low=0, unit="multiplier",
                                       doc="touched members' purchase-probability factor on touch days")
    trust_churn_multiplier: float = param(0.8, low=0, unit="multiplier", doc="members' churn-probability factor")
    tolerance_touches_per_30_days: float = param(4.0, low=0, unit="touches per 30 days",
                                                 doc="touches a member accepts without fatigue")
    unsubscribe_prob: float = param(0.002, low=0, high=1, unit="probability per touch",
                                    doc="chance that a touch unsubscribes a member within tolerance")
    fatigue_unsubscribe_prob: float = param(0.02, low=0, high=1, unit="probability per touch and excess touch",
                                            doc="added to `unsubscribe_prob` per touch a month beyond tolerance")
    monthly_fixed_cost: float = param(2000.0, low=0, unit="currency per 30 days", doc="operators, content, tooling")
    monthly_cost_per_member: float = param(0.2, low=0, unit="currency per member and 30 days",
                                           doc="cost growing with the pool")

    ACCOUNTS: ClassVar[dict] = {"pool_cost": -1.0}
    COUNTS: ClassVar[tuple] = ("pool_size", "pool_joined", "pool_touches", "pool_unsubscribes")

    def init(self, state: State) -> None:
        super().init(state)
        state.people.add_field("pool_member", np.bool_, False)
        state.people.add_field("ti_pool_joined", np.int32, -1)
        self.touch_today = False

    @property
    def unsubscribe_per_touch(self) -> float:
        excess = max(0.0, 30.0 / self.touch_every_days - self.tolerance_touches_per_30_days)
        return min(1.0, self.unsubscribe_prob + self.fatigue_unsubscribe_prob * excess)

    def members(self, state: State) -> np.ndarray:
        """Ids of the active members."""
        active = state.people.active_ids
        return active[state.people.pool_member[active]]

    def calendar(self, env, state: State):
        """Touch days (with unsubscribes) from day 0, and billing at the end of every 30 days."""
        env.process(self._billing(env, state))
        while True:
            day = int(env.now)
            members = self.members(state)
            members = members[self.targeted(state, members)]
            state.ledger.record("pool_touches", day, members.size)
            leaving = members[state.random("pool/unsubscribe", day).random(members.size)
                              < self.unsubscribe_per_touch]
            state.people.pool_member[leaving] = False
            state.ledger.record("pool_unsubscribes", day, leaving.size)
            self.touch_today = True
            yield env.timeout(1)
            self.touch_today = False
            yield env.timeout(self.touch_every_days - 1)

    def _billing(self, env, state: State):
        while True:
            yield env.timeout(30)        # each month is paid at its end
            day = int(env.now)
            members = self.members(state)
            total = self.monthly_fixed_cost + self.monthly_cost_per_member * members.size
            if members.size:
                state.ledger.book(day, "pool_cost", members, np.full(members.size, total / members.size))
            else:
                state.ledger.record("pool_cost", day, total)

    def on_arrivals(self, state: State, ids: np.ndarray) -> None:
        people = state.people
        base = self.incentive_join_prob if self.incentive > 0 else self.join_prob
        by_source = np.array([q.get("pool_join", 1.0) for q in state.params.quality])
        probability = np.minimum(base * by_source[people.source[ids]], 1.0)
        joined = ids[state.random("pool/join").random(ids.size) < probability]
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
        touched = state.people.pool_member[ids] & self.targeted(state, ids)
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
            "pool_cost": float(daily["pool_cost"].sum()),
            "pool_join_rate": ratio(joined.sum(), acquired.sum()),
            "ltv_pool_members": mean_where(people.value, joined),
            "ltv_non_pool_members": mean_where(people.value, others),
            "repeat_rate_pool_members": mean_where(people.n_purchases >= 2, joined),
            "repeat_rate_non_pool_members": mean_where(people.n_purchases >= 2, others),
        }

