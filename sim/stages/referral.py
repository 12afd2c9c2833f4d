"""Referral: purchases make invitations; converted invitations arrive the next day."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..limits import batches
from .activation import activate

if TYPE_CHECKING:
    from ..state import State


@dataclass(frozen=True)
class Referral:
    """Word of mouth from buyers ("old brings new").

    Every purchase of the day, first or repeat, gives one invitation with
    the buyer's ``referral_prob`` times ``M_inv`` (capped at 1): the product
    of the policies' ``invitation_multiplier`` (the referral policy's reward)
    and the buyer's word-of-mouth weight (``State.influence``:
    ``market.member_influence`` for a paying member that day,
    ``market.loyal_influence`` for a loyal non-member); an invitation converts with
    ``conversion_prob`` times the policies' conversion factors. Converted invitations activate the next day as
    customers of the referral source, recording referrer and depth
    (referrer's depth + 1). Invitations made on the last acquisition day or
    later are counted but not converted, since new customers arrive only on
    acquisition days.
    """

    conversion_prob: float
    acquisition_days: int
    source: int

    def invite(self, state: State) -> np.ndarray:
        """Draw today's invitations and conversions; keep converted referrers for tomorrow."""
        ledger, day = state.ledger, state.day
        inviters = [self._inviters(state, buyers) for buyers in batches(state.purchasers_today)]
        inviters = inviters[0] if len(inviters) == 1 else np.concatenate([np.empty(0, np.int64), *inviters])
        ledger.record("invitations", day, inviters.size)
        if day + 1 >= self.acquisition_days:
            return np.empty(0, dtype=np.int64)
        conversion = self.conversion_prob * state.conversion_factor(inviters)
        converted = inviters[state.uniforms("referral/conversion", inviters) < conversion][: state.market_left]
        ledger.record("referrals_converted", day, converted.size)
        state.pending_referrers = converted
        return converted

    @staticmethod
    def _inviters(state: State, buyers: np.ndarray) -> np.ndarray:
        """Those of ``buyers`` whose purchase invites today (at most PART_CUSTOMERS of them: a day-0
        base of millions is drawn in parts)."""
        invite_prob = state.people.referral_prob[buyers] * state.invitation_factor(buyers)
        return buyers[state.uniforms("referral/invitation", buyers) < invite_prob]

    def arrive(self, state: State) -> np.ndarray:
        """Activate yesterday's converted invitations; return the new ids."""
        referrers, state.pending_referrers = state.pending_referrers, np.empty(0, dtype=np.int64)
        return activate(state, referrers.size, self.source, referrers=referrers)

