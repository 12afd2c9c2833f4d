"""Referral: purchases make invitations; converted invitations arrive the next day."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

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
        people, ledger, day = state.people, state.ledger, state.day
        buyers = np.concatenate(state.purchasers_today) if state.purchasers_today else np.empty(0, np.int64)
        invite_prob = people.referral_prob[buyers] * state.invitation_factor(buyers)
        inviters = buyers[state.uniforms("referral/invitation", buyers) < invite_prob]
        ledger.record("invitations", day, inviters.size)
        if day + 1 >= self.acquisition_days:
            return np.empty(0, dtype=np.int64)
        conversion = self.conversion_prob * state.conversion_factor(inviters)
        converted = inviters[state.uniforms("referral/conversion", inviters) < conversion][: state.market_left]
        ledger.record("referrals_converted", day, converted.size)
        state.pending_referrers = converted
        return converted

    def arrive(self, state: State) -> np.ndarray:
        """Activate yesterday's converted invitations; return the new ids."""
        referrers, state.pending_referrers = state.pending_referrers, np.empty(0, dtype=np.int64)
        return activate(state, referrers.size, self.source, referrers=referrers)

