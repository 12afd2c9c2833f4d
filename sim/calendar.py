"""Event calendars: each customer's next candidate event, bucketed by day.

A customer who buys with probability ``p`` on each day waits a geometric
number of days between purchases; one who churns with ``c`` per retention
period stays a geometric number of periods. Drawing those waiting times
once per event, and keeping customers in a bucket per due day, makes the
daily work follow the events instead of the customer-days: with ``p``
around 0.01 a day holds about a hundredth of the customers.

When the day's probability is the base one times factors that change
(sale-day demand, policy multipliers), candidates are drawn at an upper
bound of the factors and each is *thinned*: accepted with the day's actual
probability over the bound. The accepted days are then exactly
independent daily (or per-period) Bernoulli trials with the actual
probabilities, the same distribution as drawing every customer every day.
"""
from __future__ import annotations

import numpy as np

#: Accepted excess of an acceptance ratio over 1, from float32 rounding of the factors.
RATIO_TOLERANCE = 1e-6


def geometric(uniform: np.ndarray, prob: np.ndarray, cap: int) -> np.ndarray:
    """Trials up to and including the first success (>= 1) with success
    probability ``prob`` each, capped at ``cap`` (probability 0 gives ``cap``),
    by inversion of one ``uniform`` in (0, 1) each: ``floor(log u / log(1 − p)) + 1``."""
    with np.errstate(divide="ignore"):
        trials = np.log(uniform)                # in place from here: a day-0 base is millions long
        trials /= np.log1p(-prob)
    np.floor(trials, out=trials)
    trials += 1.0
    np.minimum(trials, cap, out=trials)
    return trials.astype(np.int64)


def capped(prob: np.ndarray, factor) -> np.ndarray:
    """A probability times a factor, at most 1: the day's actual probability,
    or the bounded one that candidates are drawn at."""
    return np.minimum(prob * factor, 1.0)


def thin(uniform: np.ndarray, actual: np.ndarray, drawn: np.ndarray, what: str) -> np.ndarray:
    """Accept each candidate with ``actual / drawn`` (its probability today
    over the bounded probability it was drawn at), using one ``uniform`` each;
    return which are accepted.

    A ratio above 1 means a factor exceeded its declared bound, which would
    bias every result, so it is an error, not a clamp.
    """
    ratio = np.asarray(actual, dtype=np.float64) / drawn
    if ratio.size and ratio.max() > 1.0 + RATIO_TOLERANCE:
        raise RuntimeError(f"{what}: today's probability exceeds the bound its candidates were drawn at "
                           f"(ratio {ratio.max():.6g}); a policy's churn_bound or purchase_bound is too low")
    return uniform < ratio


class Calendar:
    """Customer ids bucketed by the day of their next candidate event.

    Two levels keep the bookkeeping per filed batch small: days of the
    current block of ``BLOCK_DAYS`` days have their own buckets; later
    events wait in one bucket per block (with their day's slot in the
    block, one byte) and are sorted into day buckets when their block
    begins. Days at or beyond the horizon are dropped: those events never
    happen inside the run.
    """

    BLOCK_DAYS = 16
    #: Batches up to this size are filed id by id in Python: below it, the dozen numpy calls
    #: of sorting and splitting cost more than the loop (the daily batches of a small run).
    #: Measured: 10 ids 4 µs against 26, 64 ids 15 against 35, 128 ids 27 against 34; kept
    #: below the break-even, since a list holds each id as a pointer and an int object, not 4 B.
    FEW = 64

    def __init__(self, n_days: int):
        self.n_days = n_days
        self._block = 0                                   # the current block's index
        self._days: list[list[np.ndarray]] = [[] for _ in range(self.BLOCK_DAYS)]
        n_blocks = -(-n_days // self.BLOCK_DAYS)
        self._later: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(n_blocks)]   # (ids, slots)

    def add(self, ids: np.ndarray, days: np.ndarray) -> None:
        """File each of ``ids`` under its day in ``days`` (today or later)."""
        if ids.size <= self.FEW:
            self._add_few(ids.tolist(), days.tolist())
            return
        inside = days < self.n_days
        if not inside.all():
            ids, days = ids[inside], days[inside]
        if not ids.size:
            return
        ids, days = ids.astype(np.int32), days.astype(np.int32)
        order = _stable_order(days, self.n_days)
        ids, days = ids[order], days[order]
        blocks = days // self.BLOCK_DAYS
        current = int(np.searchsorted(blocks, self._block, side="right"))
        self._file(self._days, ids[:current], days[:current] % self.BLOCK_DAYS)
        slots = (days[current:] % self.BLOCK_DAYS).astype(np.uint8)
        for block, start, stop in _runs(blocks[current:]):
            self._later[block].append((ids[current + start:current + stop], slots[start:stop]))

    def _add_few(self, ids: list[int], days: list[int]) -> None:
        """:meth:`add` for a few ids, as lists: the same buckets, in the same order once popped (a later
        block's entries are sorted by slot, stably, when it begins)."""
        today, later = {}, {}
        for customer, day in zip(ids, days):
            if day < self.n_days:
                block, slot = divmod(day, self.BLOCK_DAYS)
                if block == self._block:
                    today.setdefault(slot, []).append(customer)
                else:
                    entry = later.setdefault(block, ([], []))
                    entry[0].append(customer)
                    entry[1].append(slot)
        for slot, chunk in today.items():
            self._days[slot].append(chunk)
        for block, entry in later.items():
            self._later[block].append(entry)

    def pop(self, day: int) -> np.ndarray:
        """The ids due on ``day``, in the order they were filed; call once per day, in order."""
        block, slot = divmod(day, self.BLOCK_DAYS)
        if block != self._block:
            self._block = block
            waiting, self._later[block] = self._later[block], []
            if waiting:
                id_parts, slot_parts = zip(*waiting)
                ids = np.concatenate(id_parts, dtype=np.int32)
                slots = np.concatenate(slot_parts, dtype=np.uint8, casting="unsafe")   # lists hold 0-15
                order = np.argsort(slots, kind="stable")      # radix sort, for one byte
                self._file(self._days, ids[order], slots[order])
        chunks, self._days[slot] = self._days[slot], []
        if not chunks:
            return np.empty(0, dtype=np.int64)
        return np.concatenate(chunks, dtype=np.int64)

    @property
    def nbytes(self) -> int:
        """Bytes held by the pending events: 4 a day bucket's id, 5 a later block's id and slot
        (a few filed as lists count as arrays would)."""
        current = sum(len(chunk) for bucket in self._days for chunk in bucket)
        return 4 * current + 5 * sum(len(ids) for block in self._later for ids, _ in block)

    @staticmethod
    def _file(buckets: list, ids: np.ndarray, slots: np.ndarray) -> None:
        """Append the runs of ``ids`` (sorted by ``slots``) to their slot's bucket."""
        for slot, start, stop in _runs(slots):
            buckets[slot].append(ids[start:stop])


def _runs(sorted_keys: np.ndarray):
    """(key, start, stop) of each run of equal keys in a sorted array."""
    if not sorted_keys.size:
        return []
    starts = (np.flatnonzero(np.diff(sorted_keys)) + 1).tolist()
    bounds = [0, *starts, sorted_keys.size]
    keys = sorted_keys[bounds[:-1]].tolist()
    return list(zip(keys, bounds[:-1], bounds[1:]))


def _stable_order(days: np.ndarray, n_days: int) -> np.ndarray:
    """Stable sorting order of ``days``; as int16 when they fit, where numpy sorts by radix in O(n)."""
    return np.argsort(days.astype(np.int16) if n_days <= np.iinfo(np.int16).max else days, kind="stable")
