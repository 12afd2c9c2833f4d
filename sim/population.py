"""Customers as a struct of arrays.

One numpy array per attribute, indexed by customer id (the order of arrival).
Arrays grow by amortised doubling as customers arrive; the room beyond the
customers is allocated but written only a few thousand slots ahead of them,
so the operating system keeps no memory for the rest (a run's resident
memory follows its customers, not its capacity). The daily stages
never scan the customers (they follow event calendars, ``sim.calendar``);
``active_ids`` is built only when something asks for it.
Naming follows one scheme: ``ti_*`` is the day an event happened (-1 = never),
``n_*`` a count, and the trait arrays hold per-customer propensities.
"""
from __future__ import annotations

import numpy as np

from .limits import MemoryLimitError, check_growth

#: Lifecycle stages; every customer is in exactly one of them.
ONE_TIME, REPEAT, CHURNED = 1, 2, 3
STAGE_NAMES = {ONE_TIME: "one_time", REPEAT: "repeat", CHURNED: "churned"}

#: Traits drawn per customer from ``population.<trait>``, in drawing order.
TRAITS = ("daily_purchase_prob", "churn_prob", "spend", "referral_prob")
#: Traits that are probabilities: draws above 1 (possible with a gamma) are set to 1.
PROBABILITY_TRAITS = ("daily_purchase_prob", "churn_prob", "referral_prob")

#: Attribute -> (dtype, fill value for a new customer).
FIELDS: dict[str, tuple[type, float]] = {
    # traits, drawn at arrival
    "daily_purchase_prob": (np.float32, 0.0),   # probability of a purchase on a day
    "churn_prob": (np.float32, 0.0),       # churn probability per retention period
    "spend": (np.float32, 0.0),            # revenue per purchase
    "referral_prob": (np.float32, 0.0),    # invitations per purchase (probability)
    # state
    "stage": (np.int8, ONE_TIME),
    "source": (np.int16, -1),              # acquisition source index (channel, organic, referral, initial)
    "ti_activated": (np.int32, -1),
    "ti_churned": (np.int32, -1),
    "referrer": (np.int32, -1),            # id of the customer who referred this one
    "referral_depth": (np.int16, 0),       # 0 = not referred, 1 = referred by a non-referred customer, ...
    "draw_key": (np.uint64, 0),            # the customer's key to its random draws (State.uniforms)
    # accounting inside the customer's LTV window (booked by the ledger only)
    "n_purchases": (np.int32, 0),
    "revenue": (np.float64, 0.0),          # undiscounted revenue (float64: a lifetime's sum outgrows float32)
    "value": (np.float64, 0.0),            # discounted net contribution
}


#: Fields kept only when a component asks for them (``People.keep``, from a policy's ``init``):
#: keeping them costs a write per purchase and 4 B per customer. Attribute -> (dtype, fill).
ON_REQUEST: dict[str, tuple[type, float]] = {
    "ti_last_purchase": (np.int32, -1),    # recency: the churn warning's silence, tiering's ranks
    "next_purchase_day": (np.int32, -1),   # the revenue calendar's next candidate: won-back customers resume it
}


#: Customer ids (the order of arrival), as :meth:`People.add` returns them: 4 bytes, like the
#: ``referrer`` field and the calendars' buckets, so a run holds at most MAX_CUSTOMERS.
ID = np.int32
MAX_CUSTOMERS = int(np.iinfo(ID).max)


#: Slots given their fill values ahead of the customers who will take them (``People._fill_ahead``).
FILL_AHEAD = 4096


class People:
    """Struct of arrays holding every customer who ever arrived."""

    def __init__(self, capacity: int = 1024):
        self.n = 0
        """Number of customers so far; arrays are valid on ``[:n]``."""
        self._capacity = max(int(capacity), 1)
        self._checked = 0               # customers the memory left was last checked for (reserve)
        self._filled = 0                # slots holding their fields' fill values or a customer (_fill_ahead)
        self.fields = {}
        """Attribute -> (dtype, fill): FIELDS plus those added by policies."""
        for name, (dtype, fill) in FIELDS.items():
            self.add_field(name, dtype, fill)
        self.n_active = 0
        """Number of customers not churned."""
        self._active: np.ndarray | None = None     # cached active_ids, None when out of date
        self._reactivated: list[np.ndarray] = []

    def _trim(self, names) -> None:
        """Set the public attribute of each field of ``names`` to its array's view of the
        customers that exist: refreshed whenever customers arrive or arrays grow, so that
        the many reads a day are plain attribute lookups."""
        for name in names:
            self.__dict__[name] = self.__dict__["_" + name][: self.n]

    @property
    def active_ids(self) -> np.ndarray:
        """Ids of the customers not churned, in id order (one pass over the
        stages, cached until the next arrival, churn or reactivation)."""
        if self._active is None:
            self._active = np.flatnonzero(self.stage != CHURNED)
        return self._active

    def keep(self, name: str) -> None:
        """Keep the :data:`ON_REQUEST` field ``name`` from now on (once is enough; call before customers arrive)."""
        if name not in self.fields:
            self.add_field(name, *ON_REQUEST[name])

    def keeps(self, name: str) -> bool:
        """Whether the field ``name`` is kept."""
        return name in self.fields

    def add_field(self, name: str, dtype, fill) -> None:
        """Add a per-customer attribute (e.g. a policy's state); existing customers get ``fill``."""
        self.fields[name] = (dtype, fill)
        array = self.__dict__["_" + name] = np.empty(self._capacity, dtype=dtype)
        array[: self._filled] = fill
        self._trim([name])

    def reserve(self, n: int) -> None:
        """Make room for ``n`` more customers; raise MemoryLimitError if the memory left cannot hold them.

        The memory left is checked whenever the customers pass the number last
        checked for, for half as many again (and, if the arrays must grow, for
        the copies of the customers already there). More than :data:`MAX_CUSTOMERS`
        in all is a MemoryLimitError too: their ids would not fit.
        """
        needed = self.n + n
        if needed > MAX_CUSTOMERS:
            raise MemoryLimitError("market.size", f"{self.n:,} customers reached",
                                   f"{n:,} more would pass the {MAX_CUSTOMERS:,} customers a run can "
                                   "number (32-bit ids); lower market.size or the channels' budgets")
        if needed > self._checked:
            self._checked = max(needed, self._checked * 3 // 2)
            copies = self.n if needed > self._capacity else 0
            check_growth(self.n, self._checked - self.n + copies, self.nbytes_per_customer)
        if needed > self._capacity:
            self._grow(needed)

    def add(self, n: int, **values) -> np.ndarray:
        """Append ``n`` customers with the given attribute values (the others get their fill) and
        return their ids; values of :data:`ON_REQUEST` fields nobody keeps are not stored."""
        self.reserve(n)
        if self.n + n > self._filled:
            self._fill_ahead(self.n + n)
        ids = np.arange(self.n, self.n + n, dtype=ID)
        for name, value in values.items():
            if name in self.fields or name not in ON_REQUEST:
                self.__dict__["_" + name][self.n: self.n + n] = value
        self.n += n
        self._trim(self.fields)
        self.n_active += n
        self._active = None
        return ids

    def churn(self, ids: np.ndarray, day: int) -> None:
        """Mark ``ids`` as churned on ``day``; ``ti_churned`` keeps a customer's
        first churn day, also after a win-back."""
        self.stage[ids] = CHURNED
        self.ti_churned[ids] = np.where(self.ti_churned[ids] < 0, day, self.ti_churned[ids])
        self.n_active -= ids.size
        self._active = None

    def reactivate(self, ids: np.ndarray) -> None:
        """Bring churned customers ``ids`` back to active (won back); their first churn day stays.

        The engine picks them up at its next day step (``take_reactivated``)
        to put them back on the stages' calendars, which needs ``next_purchase_day``:
        a policy that wins customers back keeps it (:meth:`keep`) in its ``init``.
        """
        if not self.keeps("next_purchase_day"):
            raise RuntimeError("customers won back need next_purchase_day: the policy that reactivates "
                               "them calls state.people.keep('next_purchase_day') in its init")
        self.stage[ids] = np.where(self.n_purchases[ids] >= 2, REPEAT, ONE_TIME)
        self.n_active += ids.size
        self._active = None
        self._reactivated.append(ids)

    def take_reactivated(self) -> np.ndarray:
        """Customers reactivated since the last call."""
        ids = np.concatenate(self._reactivated) if self._reactivated else np.empty(0, dtype=np.int64)
        self._reactivated = []
        return ids

    def _fill_ahead(self, end: int) -> None:
        """Give every field its fill value up to slot ``end``, and :data:`FILL_AHEAD` slots
        beyond, so the day's small arrivals write only the values they are given."""
        stop = min(self._capacity, max(end, self._filled + FILL_AHEAD))
        for name, (_, fill) in self.fields.items():
            self.__dict__["_" + name][self._filled: stop] = fill
        self._filled = stop

    def _grow(self, needed: int) -> None:
        capacity = max(needed, 2 * self._capacity)
        for name, (dtype, _) in self.fields.items():
            old = self.__dict__["_" + name]
            new = np.empty(capacity, dtype=dtype)         # written only as customers arrive
            new[: self._filled] = old[: self._filled]
            self.__dict__["_" + name] = new
        self._capacity = capacity
        self._trim(self.fields)

    @property
    def nbytes_per_customer(self) -> int:
        """Bytes of state per customer slot (the calendars hold 4 more per pending event)."""
        return sum(np.dtype(dtype).itemsize for dtype, _ in self.fields.values())
