"""Referral rewards and distribution: paying customers to bring customers."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import ClassVar, TYPE_CHECKING

import numpy as np

from ..declarations import declare
from ..response import hill
from ..validation import ConfigError, param
from .base import Policy

if TYPE_CHECKING:
    from ..state import State


@dataclass
class ReferralRewards(Policy, kind="referral"):
    """A referral programme ("old brings new", fission) with one or two levels.

    * **Rewards**: each customer who arrives by referral earns its referrer
      ``referrer_reward`` and itself ``referee_reward``.
    * **Commission**: on every purchase of a referred customer, level 1 (its
      referrer) earns ``level1_commission`` of the spend and level 2 (the
      referrer's referrer, if any) ``level2_commission``.
    * **Effect**: the referrer reward makes a buyer invite more, the referee
      reward makes an invitation convert more, each along a saturating curve
      (``sim.response.hill``): invitations per purchase are multiplied by
      ``1 + hill(referrer_reward, invitation_max_lift, invitation_half_reward)``,
      invitation conversion by ``1 + hill(referee_reward, conversion_max_lift,
      conversion_half_reward)``. A reward of 0 changes nothing. The curve
      parameters are assumptions; ``sim.response.hill_through`` sets a
      ``(lift, half)`` pair from an A/B test of two reward sizes.
      Commissions (both levels) only cost: they move nobody's effort.
    * **Levels**: the programme runs ``levels`` deep: it rewards, lifts and
      pays commission on referrals down to depth ``levels``. A customer at
      depth ``levels`` or more still invites and converts friends by plain
      word of mouth (factors 1, nothing paid), as without the programme, so
      a programme with no rewards and no commissions changes nothing. More than two levels carry legal
      risk and demotivate (docs/domain.md §5): they need ``allow_more_than_two_levels``
      and raise a warning.

    All of it is acquisition spend of the referral source (counted in its CAC).
    """

    referrer_reward: float = param(10.0, low=0, unit="currency per referred customer", doc="paid to the referrer")
    referee_reward: float = param(10.0, low=0, unit="currency per referred customer",
                                  doc="paid to the referred customer")
    level1_commission: float = param(0.0, low=0, high=1, unit="share of the amount paid",
                                     doc="paid to the referrer on each purchase of a referred customer")
    level2_commission: float = param(0.0, low=0, high=1, unit="share of the amount paid",
                                     doc="paid to the referrer's referrer on the same purchases")
    # Assumptions, not measurements: a referrer reward can at most double a
    # buyer's invitations, half of that at 20; a referee reward can at most
    # double an invitation's conversion, half of that at 10 (so the default
    # reward of 10 gives the factor 1.5 that was the old fixed lift).
    invitation_max_lift: float = param(1.0, low=0, unit="extra invitations per invitation",
                                   doc="largest lift in invitations per purchase a referrer reward buys "
                                       "(assumption)")
    invitation_half_reward: float = param(20.0, low=0, low_open=True, unit="currency per referred customer",
                                          doc="referrer reward that buys half of `invitation_max_lift` (assumption)")
    conversion_max_lift: float = param(1.0, low=0, unit="extra conversions per conversion",
                                   doc="largest lift in invitation conversion a referee reward buys (assumption)")
    conversion_half_reward: float = param(10.0, low=0, low_open=True, unit="currency per referred customer",
                                          doc="referee reward that buys half of `conversion_max_lift` (assumption)")
    levels: int = param(2, low=1, integer=True, unit="referral depth",
                        doc="deepest referral the programme rewards; deeper ones are plain word of mouth")
    allow_more_than_two_levels: bool = declare(False, unit="`true` or `false`", doc="required for `levels > 2`")

    COUNTS: ClassVar[tuple] = ("spend.referral", "referral_rewards", "referral_commissions")
    SUMMARY: ClassVar[tuple] = (("k-factor", "k_factor"), ("referral share", "referral_share"),
                                ("invitations", "invitations"), ("invitations converted", "referrals_converted"),
                                ("rewards paid", "referral_rewards"), ("commissions paid", "referral_commissions"),
                                ("referred, level 1", "referred_level_1"), ("referred, level 2", "referred_level_2"),
                                ("referred, deeper levels", "referred_deeper"))

    def check(self, path: str) -> None:
        if self.levels == 1 and self.level2_commission:
            raise ConfigError(f"{path}.level2_commission", self.level2_commission,
                              f"must be 0 when {path}.levels = 1: no customer has a second-level referrer")
        if self.levels > 2:
            if not self.allow_more_than_two_levels:
                raise ConfigError(f"{path}.levels", self.levels,
                                  "more than two referral levels carry legal risk; set "
                                  f"{path}.allow_more_than_two_levels=true to allow it")
            warnings.warn(f"{path}.levels = {self.levels}: three or more referral levels carry "
                          "legal risk and demotivate; two are enough", stacklevel=3)

    def invitation_factor(self) -> float:
        """``1 + hill(referrer_reward, invitation_max_lift, invitation_half_reward)``: the referrer reward's
        factor on invitations per purchase."""
        return 1.0 + float(hill(self.referrer_reward, self.invitation_max_lift, self.invitation_half_reward))

    def conversion_factor(self) -> float:
        """``1 + hill(referee_reward, conversion_max_lift, conversion_half_reward)``: the referee reward's
        factor on invitation conversion."""
        return 1.0 + float(hill(self.referee_reward, self.conversion_max_lift, self.conversion_half_reward))

    def conversion_bound(self) -> float:
        return self.conversion_factor()

    def invitation_bound(self) -> float:
        return self.invitation_factor()

    def invitation_multiplier(self, state: State, buyers):
        """Factor on the buyers' ``referral_prob``: the reward's factor for buyers the programme can
        reward (targeted, below the depth cap), 1 for the others."""
        rewarded = (state.people.referral_depth[buyers] < self.levels) & self.targeted(state, buyers)
        return np.where(rewarded, np.float32(self.invitation_factor()), np.float32(1))

    def conversion_multiplier(self, state: State, inviters):
        """The referee reward's factor for inviters the programme covers (targeted, below the depth
        cap), 1 (plain word of mouth) for the others."""
        covered = (state.people.referral_depth[inviters] < self.levels) & self.targeted(state, inviters)
        return np.where(covered, np.float32(self.conversion_factor()), np.float32(1))

    def in_programme(self, state: State, ids: np.ndarray) -> np.ndarray:
        """Which of ``ids`` arrived through the programme: referred, at depth ``levels`` at most
        (deeper ones came by plain word of mouth: no reward, no commission)."""
        people = state.people
        return (people.referrer[ids] >= 0) & (people.referral_depth[ids] <= self.levels)

    def on_arrivals(self, state: State, ids: np.ndarray) -> None:
        referred = ids[self.in_programme(state, ids)]
        if referred.size:
            amount = referred.size * (self.referrer_reward + self.referee_reward)
            state.ledger.spend(state.day, "referral", amount)
            state.ledger.record("referral_rewards", state.day, amount)

    def on_purchases(self, state: State, buyers: np.ndarray, amounts: np.ndarray) -> None:
        people = state.people
        referrer = people.referrer[buyers]
        level1 = self.in_programme(state, buyers)
        amount = self.level1_commission * float(amounts[level1].sum())
        level2 = level1.copy()
        level2[level1] = people.referrer[referrer[level1]] >= 0
        amount += self.level2_commission * float(amounts[level2].sum())
        if amount:
            state.ledger.spend(state.day, "referral", amount)
            state.ledger.record("referral_commissions", state.day, amount)

    def metrics(self, state: State) -> dict:
        daily = state.ledger.daily
        depth = state.people.referral_depth[:state.people.n]
        return {"referral_rewards": float(daily["referral_rewards"].sum()),
                "referral_commissions": float(daily["referral_commissions"].sum()),
                "invitations": float(daily["invitations"].sum()),
                "referrals_converted": float(daily["referrals_converted"].sum()),
                # who brought whom: a level-2 customer was referred by a referred one
                "referred_level_1": float(np.count_nonzero(depth == 1)),
                "referred_level_2": float(np.count_nonzero(depth == 2)),
                "referred_deeper": float(np.count_nonzero(depth > 2))}
