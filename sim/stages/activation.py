"""Activation: prospects become customers and make their first purchase today.

Every acquisition source (channel, organic adoption, referral, initial base)
goes through :func:`activate`, so traits, market depletion and the first
purchase are handled the same way for all.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..limits import parts
from ..population import PROBABILITY_TRAITS

if TYPE_CHECKING:
    from ..state import State


def activate(state: State, n: int, source: int, referrers: np.ndarray | None = None) -> np.ndarray:
    """Create ``n`` customers of ``source`` on ``state.day``; return their ids.

    Each trait is drawn from its own stream per source (``traits/<source>/<trait>``), so the
    k-th customer a source brings on a day has the same traits however many come with it,
    and multiplied by the source's quality (probabilities capped at 1). The customers get
    their draw keys (``State.draw_keys``), leave the addressable market and their first
    purchase is booked today. ``referrers`` (one id per new customer) records who brought them.
    """
    n = int(n)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    people, ledger, day = state.people, state.ledger, state.day
    values = {} if referrers is None else dict(referrer=referrers,
                                               referral_depth=people.referral_depth[referrers] + 1)
    ids = people.add(n, source=source, ti_activated=day, ti_last_purchase=day, **values)
    quality, name = state.params.quality[source], ledger.sources[source]
    for part in parts(n):        # a base of millions in parts: a part's draws are its only temporaries
        for trait, distribution in state.params.traits.items():
            draws = distribution.sample(state.random(f"traits/{name}/{trait}"), part.stop - part.start)
            if trait in quality:
                draws *= quality[trait]
            if trait in PROBABILITY_TRAITS:
                np.minimum(draws, 1.0, out=draws)
            getattr(people, trait)[ids[part]] = draws
        people.draw_key[ids[part]] = state.draw_keys(source, part.stop - part.start)
    state.market_left -= n
    state.purchasers_today.append(ids)
    state.amounts_today.append(people.spend[ids])
    ledger.record("new_customers", day, n)
    ledger.record("new." + name, day, n)
    amounts = people.spend[ids]
    ledger.record("first_revenue." + name, day, float(amounts.sum()))
    ledger.purchases(day, ids, amounts)
    return ids
