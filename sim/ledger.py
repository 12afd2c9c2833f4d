"""The ledger: the one place where money is booked and daily counts are kept.

Two kinds of entries:

* **company money and counts** (:meth:`Ledger.record`, :meth:`Ledger.spend`):
  per-day totals such as channel spend, leads or new customers;
* **customer money** (:meth:`Ledger.book`, :meth:`Ledger.purchases`): amounts
  tied to customers. Besides the per-day total of their account, they add
  to each customer's net contribution inside its LTV window, discounted to
  the customer's activation day, and to a per-source, per-age table from
  which payback is read.

Metrics are computed from these arrays after the run, so a new metric never
needs a new run.
"""
from __future__ import annotations

import numpy as np

from .limits import parts
from .population import People
from .validation import check_finite

#: Customer accounts and their sign in a customer's net contribution.
CUSTOMER_ACCOUNTS = {
    "revenue": +1.0,
    "cogs": -1.0,       # cost of goods sold: revenue * (1 - gross_margin)
}

#: Per-day series every run has; channels and sources add their own.
BASE_SERIES = (
    "acquisition_spend", "new_customers", "active", "churned", "reactivated", "purchases",
    "invitations", "referrals_converted", *CUSTOMER_ACCOUNTS,
)


class Ledger:
    """Per-day accumulators plus per-customer contributions for one replication."""

    def __init__(self, people: People, n_days: int, ltv_days: int, discount_rate: float,
                 gross_margin: float, channels: list[str], sources: list[str]):
        self.people = people
        self.ltv_days = ltv_days
        self.gross_margin = gross_margin
        self.sources = list(sources)
        self.n_days = n_days
        self.daily: dict[str, np.ndarray] = {}
        """Series name -> one value per day (undiscounted money, counts)."""
        self.declare(BASE_SERIES)
        self.declare(f"{kind}.{name}" for name in channels
                     for kind in ("spend", "budget", "leads", "valid_leads", "reach"))
        self.declare(f"{kind}.{name}" for name in sources for kind in ("new", "first_revenue"))
        self.discount = (1.0 + discount_rate) ** (-np.arange(ltv_days) / 365.0)
        """Discount factor of money received ``age`` days after activation."""
        self.contribution_by_age = np.zeros((len(self.sources), ltv_days))
        """Discounted net contribution summed per source (row) and age in days (column)."""
        self.accounts = dict(CUSTOMER_ACCOUNTS)
        """Customer account -> sign in net contribution; policies add theirs."""

    def declare(self, names) -> None:
        """Add per-day series (zero-filled) if not yet present."""
        for name in names:
            self.daily.setdefault(name, np.zeros(self.n_days))

    def declare_account(self, account: str, sign: float) -> None:
        """Add a customer account (e.g. a policy's fee or cost) and its per-day series."""
        self.accounts[account] = sign
        self.declare([account])

    def record(self, name: str, day: int, amount: float) -> None:
        """Add ``amount`` to the per-day series ``name``."""
        self.daily[name][day] += amount

    def spend(self, day: int, channel: str, amount: float) -> None:
        """Book acquisition spend of ``channel`` (counts in CAC).

        Raise NumericalError if the amount is not finite.
        """
        check_finite(f"spend.{channel} on day {day}", amount, f"channels.{channel}: its budget, "
                     "schedule and per-customer costs")
        self.daily["spend." + channel][day] += amount
        self.daily["acquisition_spend"][day] += amount

    def book(self, day: int, account: str, ids: np.ndarray, amounts: np.ndarray) -> None:
        """Book customer money of ``account`` for customers ``ids`` on ``day`` (one amount per id)."""
        for part in parts(ids.size):
            self._book(day, ids[part], {account: np.asarray(amounts[part], dtype=np.float64)})

    def purchases(self, day: int, ids: np.ndarray, amounts: np.ndarray) -> None:
        """Book purchases: revenue and its cost of goods (one purchase per id)."""
        self.daily["purchases"][day] += ids.size
        for part in parts(ids.size):
            revenue = np.asarray(amounts[part], dtype=np.float64)
            self._book(day, ids[part], {"revenue": revenue, "cogs": revenue * (1.0 - self.gross_margin)})

    def _book(self, day: int, ids: np.ndarray, entries: dict) -> None:
        """Book several accounts' amounts for the same customers in one pass
        (at most :data:`~sim.limits.PART_CUSTOMERS` of them: a day-0 base is booked in parts).

        Raise NumericalError if a day's total of an account is not finite.
        """
        for account, amounts in entries.items():
            total = amounts.sum()
            check_finite(f"{account} on day {day}", total, "population.spend, the sources' quality "
                         "and the policies' spend multipliers, fees and costs")
            self.daily[account][day] += total
        age = day - self.people.ti_activated[ids]
        inside = age < self.ltv_days
        if not inside.all():
            ids, age = ids[inside], age[inside]
            entries = {account: amounts[inside] for account, amounts in entries.items()}
        # in place, one temporary at a time
        signed = iter(entries.items())
        account, amounts = next(signed)
        contribution = self.accounts[account] * amounts
        for account, amounts in signed:
            contribution += self.accounts[account] * amounts
        contribution *= self.discount[age]
        self.people.value[ids] += contribution
        if "revenue" in entries:
            self.people.revenue[ids] += entries["revenue"]
            self.people.n_purchases[ids] += 1
        cell = self.people.source[ids].astype(np.int64)
        cell *= self.ltv_days
        cell += age
        self.contribution_by_age += np.bincount(
            cell, weights=contribution, minlength=self.contribution_by_age.size
        ).reshape(self.contribution_by_age.shape)
