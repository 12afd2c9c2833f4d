"""Revenue: repeat purchases by active customers."""
from __future__ import annotations

import numpy as np

from ..population import REPEAT


def step(state, customers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each of ``customers`` buys today with its daily purchase probability
    times today's campaign demand (capped at 1).

    A purchase brings the customer's spend per purchase as revenue (booked
    with its cost of goods) and makes the customer a repeat buyer. Returns
    the ids of today's buyers.
    """
    people, day = state.people, state.day
    probability = people.daily_purchase_prob[customers]
    if state.demand != 1.0:
        probability = np.minimum(probability * np.float32(state.demand), 1.0)
    buyers = customers[rng.random(customers.size, dtype=np.float32) < probability]
    people.stage[buyers] = REPEAT
    people.ti_last_purchase[buyers] = day
    state.ledger.purchases(day, buyers, people.spend[buyers])
    state.purchasers_today.append(buyers)
    return buyers
