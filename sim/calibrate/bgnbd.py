"""The BG/NBD model: the textbook reference forecast."""
from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1

from .mle import RecencyFrequencyModel


class BetaGeometricNBD(RecencyFrequencyModel):
    r"""Purchases at Poisson rate ``lambda ~ Gamma(r, alpha)`` while alive; after each
    purchase the customer drops out with probability ``p ~ Beta(a, b)`` [1].

    For ``x`` repeat purchases, the last at ``t_x``, in ``(0, T]`` after the
    first purchase (continuous time, here in weeks) [1, eq. 6]:

    .. math::
        L = \frac{B(a, b+x)}{B(a,b)} \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)(\alpha+T)^{r+x}}
          + \delta_{x>0} \frac{B(a+1, b+x-1)}{B(a,b)} \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)(\alpha+t_x)^{r+x}}

    and the expected number of repeat purchases in ``(0, t]`` [1, eq. 7] is

    .. math::
        E[X(t)] = \frac{a+b-1}{a-1}\left[1 - \left(\frac{\alpha}{\alpha+t}\right)^r
                  {}_2F_1\!\left(r, b; a+b-1; \frac{t}{\alpha+t}\right)\right].

    A customer with history ``(x, t_x, T)`` is still alive with probability
    [2, eq. 2]

    .. math::
        P(\text{alive}) = 1 \Big/ \left(1 + \delta_{x>0} \frac{a}{b+x-1}
                           \left(\frac{\alpha+T}{\alpha+t_x}\right)^{r+x}\right)

    and makes in the next ``t`` [1, eq. 10]

    .. math::
        E[Y(t) \mid x, t_x, T] = \frac{a+b+x-1}{a-1}
            \left[1 - \left(\frac{\alpha+T}{\alpha+T+t}\right)^{r+x}
            {}_2F_1\!\left(r+x, b+x; a+b+x-1; \frac{t}{\alpha+T+t}\right)\right] P(\text{alive}).

    [1] Fader, Hardie & Lee (2005), "Counting your customers the easy way:
    an alternative to the Pareto/NBD model", Marketing Science 24(2).
    [2] Fader, Hardie & Lee (2008), "Computing P(alive) using the BG/NBD
    model", http://brucehardie.com/notes/021/.
    """

    names = ("r", "alpha", "a", "b")
    start = (1.0, 1.0, 1.0, 1.0)

    @staticmethod
    def loglik(params, x, t_x, big_t) -> np.ndarray:
        """Each customer's log-likelihood at ``params = (r, alpha, a, b)`` ([1, eq. 6])."""
        r, alpha, a, b = params
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        survived = betaln(a, b + x) - betaln(a, b) + common - (r + x) * np.log(alpha + big_t)
        dropped = np.where(x > 0, betaln(a + 1, np.maximum(b + x - 1, 1e-12)) - betaln(a, b) + common
                           - (r + x) * np.log(alpha + t_x), -np.inf)
        return np.logaddexp(survived, dropped)

    @staticmethod
    def expected_repeats(params: dict, t) -> np.ndarray:
        """``E[X(t)]`` for a customer ``t`` time units after its first purchase (0 for t <= 0)."""
        r, alpha, a, b = (params[n] for n in ("r", "alpha", "a", "b"))
        t = np.maximum(np.asarray(t, dtype=float), 0.0)
        value = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r
                                          * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
        return np.where(t > 0, value, 0.0)

    @staticmethod
    def probability_alive(params: dict, repeats, recency, age) -> np.ndarray:
        """P(alive) of customers with ``repeats`` repeat purchases, the last at ``recency``, observed
        for ``age`` since their first purchase (the time unit of the fit)."""
        r, alpha, a, b = (params[n] for n in ("r", "alpha", "a", "b"))
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (repeats, recency, age))
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = a / np.maximum(b + x - 1, 1e-300) * ((alpha + big_t) / (alpha + t_x)) ** (r + x)
        return 1.0 / (1.0 + np.where(x > 0, odds, 0.0))

    @classmethod
    def conditional_expected_repeats(cls, params: dict, t, repeats, recency, age) -> np.ndarray:
        """``E[Y(t) | x, t_x, T]``: repeat purchases in the next ``t`` of customers with that history."""
        r, alpha, a, b = (params[n] for n in ("r", "alpha", "a", "b"))
        x, big_t = np.asarray(repeats, dtype=float), np.asarray(age, dtype=float)
        t = np.asarray(t, dtype=float)
        ahead = (alpha + big_t) / (alpha + big_t + t)
        value = (a + b + x - 1) / (a - 1) * (1 - ahead ** (r + x)
                                              * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + big_t + t)))
        return value * cls.probability_alive(params, repeats, recency, age)
