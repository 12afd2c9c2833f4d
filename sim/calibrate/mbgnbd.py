"""The MBG/NBD model: the BG/NBD with a drop-out chance at time zero too."""
from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1

from .mle import RecencyFrequencyModel


class ModifiedBGNBD(RecencyFrequencyModel):
    r"""Purchases at Poisson rate ``lambda ~ Gamma(r, alpha)`` while alive; the customer may
    drop out, with probability ``p ~ Beta(a, b)``, at time zero and after each purchase [1], so
    one-time buyers are not all alive (the BG/NBD's flaw for them).

    For ``x`` repeat purchases, the last at ``t_x``, in ``(0, T]`` [1, eq. 8]:

    .. math::
        L = \frac{B(a, b+x+1)}{B(a,b)} \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)(\alpha+T)^{r+x}}
          + \frac{B(a+1, b+x)}{B(a,b)} \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)(\alpha+t_x)^{r+x}},

    and the expected number of repeat purchases in ``(0, t]`` [1, eq. 9] is

    .. math::
        E[X(t)] = \frac{b}{a-1}\left[1 - \left(\frac{\alpha}{\alpha+t}\right)^r
                  {}_2F_1\!\left(r, b+1; a+b; \frac{t}{\alpha+t}\right)\right].

    Per customer, the likelihood's two terms give ``P(alive) = 1 / (1 + a/(b+x)
    ((alpha+T)/(alpha+t_x))^(r+x))`` and the repeat purchases in the next ``t``,
    ``E[Y(t) | x, t_x, T] = (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
    2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))] P(alive)`` [1].

    [1] Batislam, Denizel & Filiztekin (2007), "Empirical validation and
    comparison of models for customer base analysis", International Journal
    of Research in Marketing 24(3).
    """

    names = ("r", "alpha", "a", "b")
    start = (1.0, 1.0, 1.0, 1.0)

    @staticmethod
    def loglik(params, x, t_x, big_t) -> np.ndarray:
        """Each customer's log-likelihood at ``params = (r, alpha, a, b)`` ([1, eq. 8])."""
        r, alpha, a, b = params
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
        survived = betaln(a, b + x + 1) + common - (r + x) * np.log(alpha + big_t)
        dropped = betaln(a + 1, b + x) + common - (r + x) * np.log(alpha + t_x)
        return np.logaddexp(survived, dropped)

    @staticmethod
    def expected_repeats(params: dict, t) -> np.ndarray:
        """``E[X(t)]`` for a customer ``t`` time units after its first purchase (0 for t <= 0)."""
        r, alpha, a, b = (params[n] for n in ("r", "alpha", "a", "b"))
        t = np.maximum(np.asarray(t, dtype=float), 0.0)
        value = b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, t / (alpha + t)))
        return np.where(t > 0, value, 0.0)

    @staticmethod
    def probability_alive(params: dict, repeats, recency, age) -> np.ndarray:
        """P(alive) of customers with ``repeats`` repeat purchases, the last at ``recency``, observed
        for ``age`` since their first purchase (the fit's time unit)."""
        r, alpha, a, b = (params[n] for n in ("r", "alpha", "a", "b"))
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (repeats, recency, age))
        return 1.0 / (1.0 + a / (b + x) * ((alpha + big_t) / (alpha + t_x)) ** (r + x))

    @classmethod
    def conditional_expected_repeats(cls, params: dict, t, repeats, recency, age) -> np.ndarray:
        """``E[Y(t) | x, t_x, T]``: repeat purchases in the next ``t`` of customers with that history."""
        r, alpha, a, b = (params[n] for n in ("r", "alpha", "a", "b"))
        x, big_t, t = (np.asarray(v, dtype=float) for v in (repeats, age, t))
        ahead = (alpha + big_t) / (alpha + big_t + t)
        value = (a + b + x) / (a - 1) * (1 - ahead ** (r + x)
                                          * hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + big_t + t)))
        return value * cls.probability_alive(params, repeats, recency, age)
