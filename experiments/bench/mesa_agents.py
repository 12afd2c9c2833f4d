"""The reference model as most Mesa users would write it: one Agent per customer, shuffle_do("step")."""
from __future__ import annotations

import mesa

from reference import (ACQUISITION_DAYS, ACTIVATION_PROB, CHURN, CONVERSION_PROB, DAYS, PURCHASE,
                       REFERRAL_PROB, SPEND, daily_leads)


class Customer(mesa.Agent):
    def __init__(self, model):
        super().__init__(model)
        rng = model.random
        self.p = min(rng.gammavariate(PURCHASE["shape"], PURCHASE["scale"]), 1.0)
        self.c = rng.betavariate(CHURN["a"], CHURN["b"])
        self.s = rng.gammavariate(SPEND["shape"], SPEND["scale"])
        self.new = True
        model.purchase(self)

    def step(self):
        if self.new:           # arrived today: its first purchase is made
            self.new = False
            return
        if self.random.random() < self.c:
            self.remove()
            return
        if self.random.random() < self.p:
            self.model.purchase(self)


class ReferenceModel(mesa.Model):
    def __init__(self, customers: int, seed: int = 0):
        super().__init__(seed=seed)
        self.customers = customers
        self.day = 0
        self.pending = 0
        self.purchases = 0
        self.revenue = 0.0
        self.arrived = 0

    def purchase(self, customer):
        self.purchases += 1
        self.revenue += customer.s
        if self.random.random() < REFERRAL_PROB and self.random.random() < CONVERSION_PROB \
                and self.day + 1 < ACQUISITION_DAYS:
            self.pending += 1

    def arrive(self, count):
        for _ in range(count):
            Customer(self)
        self.arrived += count

    def step(self):
        if self.day == 0:
            self.arrive(self.customers)
        if self.day < ACQUISITION_DAYS:
            leads = self.rng.poisson(daily_leads(self.customers))
            arriving, self.pending = self.pending + int(self.rng.binomial(leads, ACTIVATION_PROB)), 0
            self.arrive(arriving)
        self.agents.shuffle_do("step")
        self.day += 1


def run(customers: int, seed: int = 0) -> dict:
    model = ReferenceModel(customers, seed)
    for _ in range(DAYS):
        model.step()
    return {"customers": model.arrived, "active": len(model.agents), "purchases": model.purchases,
            "revenue": model.revenue}
