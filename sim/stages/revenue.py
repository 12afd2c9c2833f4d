"""Revenue: repeat purchases by active customers."""
from __future__ import annotations

import numpy as np

from ..population import REPEAT


def step(state, customers: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each of ``customers`` buys today with its daily purchase probability
    times today's campaign demand and the policies' factors (capped at 1).

    A purchase brings the customer's spend per purchase (times the policies'
    spend factors) as revenue, booked with its cost of goods, and makes the
    customer a repeat buyer. Returns today's buyers and what each paid.
    """
    people, day = state.people, state.day
    probability = people.daily_purchase_prob[customers]
    if state.policies:
        probability = probability * state.multiplier("purchase_multiplier", customers)
    if state.demand != 1.0:
        probability = probability * np.float32(state.demand)
    buyers = customers[rng.random(customers.size, dtype=np.float32) < probability]
    amounts = people.spend[buyers]
    if state.policies:
        amounts = amounts * state.multiplier("spend_multiplier", buyers)
    people.stage[buyers] = REPEAT
    people.ti_last_purchase[buyers] = day
    state.ledger.purchases(day, buyers, amounts)
    state.purchasers_today.append(buyers)
    state.amounts_today.append(amounts)
    return buyers, amounts
