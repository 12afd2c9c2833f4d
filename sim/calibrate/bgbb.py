"""Beta-geometric/beta-Bernoulli (BG/BB): discrete purchase opportunities, the simulator's own
process when an opportunity is a day (:class:`DailyBGBB`), any period with :class:`BGBB`."""
from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln

from .mle import Fit, distinct, maximise


class BGBB:
    r"""Beta-geometric/beta-Bernoulli with one transaction opportunity every ``period`` days.

    While alive a customer buys in an opportunity (a period) with probability
    ``p ~ Beta(alpha, beta)``; at the start of each opportunity after its first
    purchase it churns with probability ``theta ~ Beta(gamma, delta)`` [1]. Repeats,
    recency and age are counted in opportunities (``data.summarise(..., period=)``
    counts them on a grid of ``period`` days): one a year for annual donations or
    renewals (``period=365``), one a day for the simulator's own process
    (:class:`DailyBGBB`).

    For ``x`` repeat purchase opportunities among ``n`` after the first
    purchase, the last at ``t_x`` (0 if none), the likelihood is [1, eq. 5]

    .. math::
        L = \frac{B(\alpha+x, \beta+n-x)}{B(\alpha,\beta)} \frac{B(\gamma, \delta+n)}{B(\gamma,\delta)}
          + \sum_{i=0}^{n-t_x-1} \frac{B(\alpha+x, \beta+t_x-x+i)}{B(\alpha,\beta)}
            \frac{B(\gamma+1, \delta+t_x+i)}{B(\gamma,\delta)}.

    The sum's terms depend on the customer only through ``x`` and
    ``j = t_x + i``, so it is computed once per distinct ``x`` as a suffix
    sum over ``j`` and read off per customer.

    [1] Fader, Hardie & Shang (2010), "Customer-base analysis in a
    discrete-time noncontractual setting", Marketing Science 29(6).
    """

    names = ("alpha", "beta", "gamma", "delta")

    def __init__(self, period: int = 1):
        if isinstance(period, bool) or not isinstance(period, (int, np.integer)) or period < 1:
            raise ValueError(f"period = {period!r}: must be a whole number of days >= 1")
        self.period = int(period)

    def loglik(self, params, repeats, recency, age, count=1) -> float:
        """Log-likelihood of customers with these summaries, each counted ``count`` times."""
        alpha, beta, gamma, delta = params
        x, t_x, n = repeats, recency, age
        base = betaln(alpha, beta) + betaln(gamma, delta)
        alive = betaln(alpha + x, beta + n - x) + betaln(gamma, delta + n) - base
        # sum over j = t_x .. n-1 of exp(lgB(alpha+x, beta+j-x) + lgB(gamma+1, delta+j))
        j = np.arange(int(n.max()) + 1)
        churn_part = betaln(gamma + 1, delta + j)
        dead = np.full(x.size, -np.inf)
        for value in np.unique(x):
            rows = np.flatnonzero((x == value) & (n > t_x))
            if not rows.size:
                continue
            valid = j >= value
            terms = np.full(j.size, -np.inf)
            terms[valid] = (gammaln(alpha + value) + gammaln(beta + j[valid] - value)
                            - gammaln(alpha + beta + j[valid]) + churn_part[valid])
            top = terms.max()
            suffix = np.concatenate([np.cumsum(np.exp(terms - top)[::-1])[::-1], [0.0]])
            upper, lower = suffix[t_x[rows]], suffix[n[rows]]
            with np.errstate(divide="ignore"):
                dead[rows] = top + np.log(np.maximum(upper - lower, 0.0)) - base
        return float(np.sum(count * np.logaddexp(alive, dead)))

    def fit(self, repeats, recency, age, weights=None) -> Fit:
        """Fit to customers' ``repeats``, ``recency`` and ``age`` in opportunities (``weights``: customers per row)."""
        x, t_x, n = (np.asarray(v, dtype=np.int64) for v in (repeats, recency, age))
        if np.any(n < 0) or np.any(t_x > n) or np.any(x > t_x):
            raise ValueError("need 0 <= repeats <= recency <= age for every customer")
        x, t_x, n, count = distinct(x, t_x, n, weights=weights)
        return maximise(lambda p: self.loglik(p, x, t_x, n, count), self.names, (0.5, 20.0, 0.5, 50.0))

    @staticmethod
    def _survival(params: dict, periods: np.ndarray) -> np.ndarray:
        """``B(gamma, delta + t) / B(gamma, delta)``: the chance to be alive ``t`` opportunities on."""
        return np.exp(betaln(params["gamma"], params["delta"] + periods) - betaln(params["gamma"], params["delta"]))

    @classmethod
    def expected_repeats(cls, params: dict, n) -> np.ndarray:
        """``E[X(n)]``: repeat purchases in the first ``n`` opportunities after the first purchase,
        ``alpha / (alpha + beta) · Σ_{t=1..n} B(gamma, delta + t) / B(gamma, delta)`` [1, eq. 6 as a sum]."""
        n = np.asarray(n, dtype=np.int64)
        survival = np.concatenate([[0.0], np.cumsum(cls._survival(params, np.arange(1, int(n.max(initial=0)) + 1)))])
        return params["alpha"] / (params["alpha"] + params["beta"]) * survival[np.maximum(n, 0)]

    def probability_alive(self, params: dict, repeats, recency, age) -> np.ndarray:
        """P(alive through opportunity ``n``) of customers with ``x`` repeats, the last at ``t_x``:
        ``B(alpha + x, beta + n − x) / B(alpha, beta) · B(gamma, delta + n) / B(gamma, delta) / L`` [1, eq. 11
        with the churn chance of opportunity n + 1 left out]."""
        x, t_x, n = (np.asarray(v, dtype=np.int64) for v in (repeats, recency, age))
        return np.exp(self._alive(params, x, n) - self._loglik_each(params, x, t_x, n))

    def conditional_expected_repeats(self, params: dict, t, repeats, recency, age) -> np.ndarray:
        """``E[X(n, n + t) | x, t_x, n]``: repeat purchases in the next ``t`` opportunities,
        ``B(alpha + x + 1, beta + n − x) / B(alpha, beta) · Σ_{k=n+1..n+t} B(gamma, delta + k) / B(gamma, delta) / L``
        [1, eq. 13 as a sum]."""
        a, b = params["alpha"], params["beta"]
        x, t_x, n = (np.asarray(v, dtype=np.int64) for v in (repeats, recency, age))
        t = np.broadcast_to(np.asarray(t, dtype=np.int64), x.shape)
        ahead = np.concatenate([[0.0], np.cumsum(self._survival(params, np.arange(1, int((n + t).max()) + 1)))])
        purchase = betaln(a + x + 1, b + n - x) - betaln(a, b)
        return np.exp(purchase - self._loglik_each(params, x, t_x, n)) * (ahead[n + t] - ahead[n])

    def _alive(self, params: dict, x, n) -> np.ndarray:
        a, b, g, d = (params[k] for k in self.names)
        return betaln(a + x, b + n - x) - betaln(a, b) + betaln(g, d + n) - betaln(g, d)

    def _loglik_each(self, params: dict, x, t_x, n) -> np.ndarray:
        """Each customer's log-likelihood, by the sum of eq. 5 written out (for P(alive) and expectations)."""
        a, b, g, d = (params[k] for k in self.names)
        out = np.empty(x.size)
        for i, (xi, ti, ni) in enumerate(zip(x.ravel().tolist(), t_x.ravel().tolist(), n.ravel().tolist())):
            j = np.arange(ti, ni)
            dead = betaln(a + xi, b + j - xi) - betaln(a, b) + betaln(g + 1, d + j) - betaln(g, d)
            out[i] = np.logaddexp.reduce(np.concatenate([[self._alive(params, xi, ni)], dead]))
        return out.reshape(x.shape)


class DailyBGBB(BGBB):
    """BG/BB with one opportunity a day: the simulator's own purchase-and-churn process.

    It *is* the simulator's process with ``population.daily_purchase_prob = {dist:
    beta, a: alpha, b: beta}``, ``population.churn_prob = {dist: beta, a: gamma, b:
    delta}`` and ``retention.period_days = 1``: churn is decided first, then a
    survivor buys. Repeats, recency and age are in days.
    """

    def __init__(self):
        super().__init__(period=1)
