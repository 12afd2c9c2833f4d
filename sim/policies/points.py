"""A points programme: earn on spend, burn for rewards, breakage."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TYPE_CHECKING

import numpy as np

from ..metrics import ratio
from ..response import hill
from ..validation import param
from .base import Policy

if TYPE_CHECKING:
    from ..state import State


@dataclass
class Points(Policy, kind="points"):
    """Points earned on every purchase and redeemed later.

    A purchase of amount ``a`` earns ``earn_per_currency * a`` points. At the
    end of every 30 days each active customer redeems ``monthly_burn_rate``
    of its points, costing ``point_value`` each (a per-customer cost), then
    every holder loses ``monthly_breakage`` of what is left (expiry; churned
    customers' points only expire); with breakage, a balance left below one
    point expires whole. A customer holding at least one point is engaged:
    it buys with its purchase probability times
    ``purchase_lift``. Points issued = redeemed + expired + outstanding.
    """

    earn_per_currency: float = param(1.0, low=0, unit="points per currency unit paid",
                                     doc="points earned on each purchase")
    point_value: float = param(0.01, low=0, unit="currency per point redeemed", doc="cost of a redeemed point")
    monthly_burn_rate: float = param(0.2, low=0, high=1, unit="share of a balance per 30 days",
                                     doc="share redeemed at each month end")
    monthly_breakage: float = param(0.05, low=0, high=1, unit="share of a balance per 30 days",
                                    doc="share expiring at each month end, after redemption")
    # Assumptions, not measurements: a programme can lift a holder's purchase
    # probability by at most 10 %, half of that at a 1 % reward rate (the
    # defaults' 1 point per unit worth 0.01: a 5 % lift).
    max_purchase_lift: float = param(0.1, low=0, unit="share",
                                     doc="largest rise in a point holder's purchase probability (assumption)")
    half_reward_rate: float = param(0.01, low=0, low_open=True, unit="share of spend given back",
                                    doc="reward rate `earn_per_currency · point_value` that buys half of "
                                        "`max_purchase_lift` (assumption)")

    ACCOUNTS: ClassVar[dict] = {"points_cost": -1.0}
    COUNTS: ClassVar[tuple] = ("points_issued", "points_redeemed", "points_expired")

    def init(self, state: State) -> None:
        super().init(state)
        state.people.add_field("points", np.float64, 0.0)

    def on_purchases(self, state: State, buyers: np.ndarray, amounts: np.ndarray) -> None:
        earning = self.targeted(state, buyers)
        buyers, earned = buyers[earning], self.earn_per_currency * amounts[earning].astype(np.float64)
        np.add.at(state.people.points, buyers, earned)
        state.ledger.record("points_issued", state.day, float(earned.sum()))

    def calendar(self, env, state: State):
        while True:
            yield env.timeout(30)
            self._month_end(state, int(env.now))

    def _month_end(self, state: State, day: int) -> None:
        people = state.people
        active = people.active_ids
        holders = active[people.points[active] > 0]
        redeemed = self.monthly_burn_rate * people.points[holders]
        people.points[holders] -= redeemed
        if holders.size:
            state.ledger.book(day, "points_cost", holders, redeemed * self.point_value)
        state.ledger.record("points_redeemed", day, float(redeemed.sum()))
        expired = self.monthly_breakage * people.points
        if self.monthly_breakage > 0:     # a balance left below one point expires whole
            crumbs = people.points - expired < 1.0
            expired[crumbs] = people.points[crumbs]
        people.points[:] -= expired
        state.ledger.record("points_expired", day, float(expired.sum()))

    @property
    def purchase_lift(self) -> float:
        """Purchase-probability factor of a point holder: 1 plus the reward rate's lift."""
        return 1.0 + float(hill(self.earn_per_currency * self.point_value, self.max_purchase_lift,
                                self.half_reward_rate))

    def purchase_bound(self) -> float:
        return self.purchase_lift

    def purchase_multiplier(self, state: State, ids):
        return np.where(state.people.points[ids] >= 1.0, np.float32(self.purchase_lift), np.float32(1))

    def metrics(self, state: State) -> dict:
        daily, outstanding = state.ledger.daily, float(state.people.points.sum())
        issued = daily["points_issued"].sum()
        return {
            "points_issued": float(issued),
            "points_redeemed": float(daily["points_redeemed"].sum()),
            "points_expired": float(daily["points_expired"].sum()),
            "points_breakage": ratio(daily["points_expired"].sum(), issued),
            "points_cost": float(daily["points_cost"].sum()),
            "points_liability": outstanding * self.point_value,
        }
