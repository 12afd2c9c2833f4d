"""The simulator's own purchase-and-churn process as a statistical model (daily BG/BB)."""
from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln

from .mle import Fit, distinct, maximise


class DailyBGBB:
    r"""Beta-geometric/beta-Bernoulli with one transaction opportunity a day.

    While alive a customer buys on a day with probability ``p ~ Beta(alpha,
    beta)``; at the start of each day after its first purchase it churns
    with probability ``theta ~ Beta(gamma, delta)`` [1]. This *is* the
    simulator's process with ``population.daily_purchase_prob = {dist:
    beta, a: alpha, b: beta}``, ``population.churn_prob = {dist: beta, a:
    gamma, b: delta}`` and ``retention.period_days = 1``: churn is decided
    first, then a survivor buys.

    For ``x`` repeat purchase days among ``n`` days after the first
    purchase, the last on day ``t_x`` (0 if none), the likelihood is [1, eq. 5]

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
        """Fit to customers' ``repeats``, ``recency`` and ``age`` in days (``weights``: customers per row)."""
        x, t_x, n = (np.asarray(v, dtype=np.int64) for v in (repeats, recency, age))
        if np.any(n < 0) or np.any(t_x > n) or np.any(x > t_x):
            raise ValueError("need 0 <= repeats <= recency <= age for every customer")
        x, t_x, n, count = distinct(x, t_x, n, weights=weights)
        return maximise(lambda p: self.loglik(p, x, t_x, n, count), self.names, (0.5, 20.0, 0.5, 50.0))
