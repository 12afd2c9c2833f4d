"""The Gamma-Gamma model of spend per transaction."""
from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from .mle import Fit, maximise


class GammaGamma:
    r"""Transaction values ``z ~ Gamma(p, nu)`` around a customer's mean ``p / nu``, ``nu ~ Gamma(q, gamma)``.

    For a customer with ``x`` repeat transactions of average value
    ``m`` the likelihood is [1, eq. 4]

    .. math::
        f(m \mid x) = \frac{\Gamma(px+q)}{\Gamma(px)\Gamma(q)}
                      \frac{\gamma^q m^{px-1} x^{px}}{(\gamma + m x)^{px+q}}.

    The simulator spends a fixed amount per purchase per customer, so it
    takes the distribution of a customer's mean value ``p / nu``: its mean
    ``p gamma / (q - 1)`` and, for ``q > 2``, its variance ``mean^2 / (q - 2)``
    are matched by ``population.spend = {dist: lognormal, mean, sigma}``
    with ``sigma^2 = ln(1 + 1 / (q - 2))``.

    [1] Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves
    for customer base analysis", Journal of Marketing Research 42(4).
    """

    names = ("p", "q", "gamma")

    def fit(self, repeats, mean_amount) -> Fit:
        x = np.asarray(repeats, dtype=float)
        m = np.asarray(mean_amount, dtype=float)
        keep = (x > 0) & (m > 0)
        x, m = x[keep], m[keep]
        if x.size < 10:
            raise ValueError("Gamma-Gamma needs at least 10 customers with repeat purchases of positive value")

        def loglik(params):
            p, q, gamma = params
            return float(np.sum(gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(gamma)
                                + (p * x - 1) * np.log(m) + p * x * np.log(x)
                                - (p * x + q) * np.log(gamma + m * x)))

        return maximise(loglik, self.names, (1.0, 3.0, float(np.mean(m))))

    @staticmethod
    def spend_distribution(p: float, q: float, gamma: float) -> dict:
        """The simulator's ``population.spend`` matching the customer-mean distribution.

        Raise ValueError if ``q <= 2`` (the customer means have no finite variance).
        """
        if q <= 2:
            raise ValueError(f"Gamma-Gamma q = {q:.3g} <= 2: customer mean spend has infinite variance")
        return {"dist": "lognormal", "mean": float(p * gamma / (q - 1)),
                "sigma": float(np.sqrt(np.log1p(1.0 / (q - 2))))}
