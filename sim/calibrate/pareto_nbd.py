"""The Pareto/NBD model: Poisson purchases while alive, an exponential lifetime."""
from __future__ import annotations

import numpy as np
from scipy.special import gammaln, hyp2f1

from .mle import RecencyFrequencyModel


class ParetoNBD(RecencyFrequencyModel):
    r"""Purchases at Poisson rate ``lambda ~ Gamma(r, alpha)`` while alive; the lifetime is
    exponential with rate ``mu ~ Gamma(s, beta)`` [1].

    For ``x`` repeat purchases, the last at ``t_x``, in ``(0, T]`` after the
    first purchase, [2, eq. 3]:

    .. math::
        L = \frac{\Gamma(r+x)\,\alpha^r \beta^s}{\Gamma(r)}
            \left[\frac{1}{(\alpha+T)^{r+x}(\beta+T)^s} + \frac{s}{r+s+x} A_0\right],

    with, for ``alpha >= beta`` (the other case swaps the roles, [2, eq. 4]),

    .. math::
        A_0 = \frac{{}_2F_1\big(r+s+x, s+1; r+s+x+1; \frac{\alpha-\beta}{\alpha+t_x}\big)}{(\alpha+t_x)^{r+s+x}}
            - \frac{{}_2F_1\big(r+s+x, s+1; r+s+x+1; \frac{\alpha-\beta}{\alpha+T}\big)}{(\alpha+T)^{r+s+x}},

    and the expected number of repeat purchases in ``(0, t]`` is
    ``r beta / (alpha (s - 1)) [1 - (beta / (beta + t))^(s-1)]`` [1].

    Per customer, the likelihood's two terms give ``P(alive) = 1 / (1 +
    s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A_0)`` and the repeat purchases in the
    next ``t``, ``E[Y(t) | x, t_x, T] = (r+x)(beta+T) / ((alpha+T)(s-1))
    [1 - ((beta+T)/(beta+T+t))^(s-1)] P(alive)`` [1].

    [1] Schmittlein, Morrison & Colombo (1987), "Counting your customers:
    who are they and what will they do next?", Management Science 33(1).
    [2] Fader, Hardie & Lee (2005), "A note on implementing the Pareto/NBD
    model in MATLAB", http://brucehardie.com/notes/008/.
    """

    names = ("r", "alpha", "s", "beta")
    start = (0.5, 10.0, 0.5, 10.0)

    @staticmethod
    def loglik(params, x, t_x, big_t) -> np.ndarray:
        """Each customer's log-likelihood at ``params = (r, alpha, s, beta)`` (eqs. 3-4 of [2])."""
        alive, dropped = ParetoNBD._terms(params, x, t_x, big_t)
        return np.logaddexp(alive, dropped)

    @staticmethod
    def _terms(params, x, t_x, big_t) -> tuple[np.ndarray, np.ndarray]:
        """The log of the likelihood's two terms: still alive at ``T``, and dropped out after ``t_x``."""
        r, alpha, s, beta = params
        high, low = max(alpha, beta), min(alpha, beta)
        second = s + 1 if alpha >= beta else r + x          # the 2F1's second parameter in each case
        total = r + s + x
        with np.errstate(divide="ignore", invalid="ignore"):
            def part(age):
                return np.log(hyp2f1(total, second, total + 1, (high - low) / (high + age))) - total * np.log(high + age)
            near, far = part(t_x), part(big_t)
            a0 = np.exp(near) - np.exp(far)               # > 0: t_x <= T
            first = -(r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t)
            later = np.log(s / total) + np.log(np.maximum(a0, 1e-300))
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        return common + first, common + later

    @staticmethod
    def expected_repeats(params: dict, t) -> np.ndarray:
        """``E[X(t)]`` for a customer ``t`` time units after its first purchase (0 for t <= 0)."""
        r, alpha, s, beta = (params[n] for n in ("r", "alpha", "s", "beta"))
        t = np.maximum(np.asarray(t, dtype=float), 0.0)
        return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))

    @classmethod
    def probability_alive(cls, params: dict, repeats, recency, age) -> np.ndarray:
        """P(alive) of customers with ``repeats`` repeat purchases, the last at ``recency``, observed
        for ``age`` since their first purchase (the fit's time unit)."""
        arrays = (np.asarray(v, dtype=float) for v in (repeats, recency, age))
        alive, dropped = cls._terms(tuple(params[n] for n in cls.names), *arrays)
        return 1.0 / (1.0 + np.exp(dropped - alive))

    @classmethod
    def conditional_expected_repeats(cls, params: dict, t, repeats, recency, age) -> np.ndarray:
        """``E[Y(t) | x, t_x, T]``: repeat purchases in the next ``t`` of customers with that history."""
        r, alpha, s, beta = (params[n] for n in cls.names)
        x, big_t, t = (np.asarray(v, dtype=float) for v in (repeats, age, t))
        value = (r + x) * (beta + big_t) / ((alpha + big_t) * (s - 1)) * (1 - ((beta + big_t) / (beta + big_t + t)) ** (s - 1))
        return value * cls.probability_alive(params, repeats, recency, age)
