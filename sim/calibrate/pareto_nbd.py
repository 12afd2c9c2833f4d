"""The Pareto/NBD model: Poisson purchases while alive, an exponential lifetime."""
from __future__ import annotations

import numpy as np
from scipy.special import gammaln, hyp2f1

from .mle import Fit, distinct, maximise


class ParetoNBD:
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

    [1] Schmittlein, Morrison & Colombo (1987), "Counting your customers:
    who are they and what will they do next?", Management Science 33(1).
    [2] Fader, Hardie & Lee (2005), "A note on implementing the Pareto/NBD
    model in MATLAB", http://brucehardie.com/notes/008/.
    """

    names = ("r", "alpha", "s", "beta")

    def fit(self, repeats, recency, age) -> Fit:
        x, t_x, big_t, count = distinct(*(np.asarray(v, dtype=float) for v in (repeats, recency, age)))
        return maximise(lambda params: float(count @ self.loglik(params, x, t_x, big_t)), self.names,
                        (0.5, 10.0, 0.5, 10.0))

    @staticmethod
    def loglik(params, x, t_x, big_t) -> np.ndarray:
        """Each customer's log-likelihood at ``params = (r, alpha, s, beta)`` (eqs. 3-4 of [2])."""
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
            body = np.logaddexp(first, np.log(s / total) + np.log(np.maximum(a0, 1e-300)))
        return gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + body

    @staticmethod
    def expected_repeats(params: dict, t) -> np.ndarray:
        """``E[X(t)]`` for a customer ``t`` time units after its first purchase (0 for t <= 0)."""
        r, alpha, s, beta = (params[n] for n in ("r", "alpha", "s", "beta"))
        t = np.maximum(np.asarray(t, dtype=float), 0.0)
        return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))
