"""Normal and Poisson distribution functions the engine needs every day, without ``scipy.stats``.

Importing ``scipy.stats`` costs about half a second, and one call of its
frozen-distribution machinery tens of microseconds; the engine needs a
Poisson quantile per channel and day and normal tails per customer. These
are the same ``scipy.special`` functions ``scipy.stats`` evaluates, called
directly, so the numbers are identical to ``scipy.stats.norm`` and
``scipy.stats.poisson`` (tested against them). ``scipy.special`` itself is
imported on first use, so ``import sim`` does not pay for it.
"""
from __future__ import annotations

import numpy as np


def _special():
    from scipy import special      # on first use: 0.15 s that `import sim` need not pay
    return special


def normal_sf(x):
    """``1 - Phi(x)``, as ``scipy.stats.norm.sf`` (computed as ``Phi(-x)``, exact in the upper tail)."""
    return _special().ndtr(-np.asarray(x, dtype=float))


def normal_ppf(u):
    """``Phi^-1(u)``, as ``scipy.stats.norm.ppf``."""
    return _special().ndtri(u)


def normal_isf(u):
    """``Phi^-1(1 - u)``, as ``scipy.stats.norm.isf`` (computed as ``-Phi^-1(u)``)."""
    return -_special().ndtri(u)


def poisson_quantile(u: float, mean: float) -> float:
    """The ``u`` quantile of a Poisson count of ``mean`` (> 0), as a float: the least ``k`` with
    ``P(N <= k) >= u``.

    The same steps as ``scipy.stats.poisson.ppf``: the continuous inverse
    ``pdtrik`` rounded up, then one step down where the CDF already reaches
    ``u``. ``u = 0`` gives -1 and ``u = 1`` infinity, as scipy does. Above a
    mean of about 2.4e10 ``pdtrik`` returns NaN: there the normal
    approximation ``mean + sqrt(mean) * z_u`` is used, off from the Poisson
    quantile by far less than one count in ``sqrt(mean)``.
    """
    if u <= 0.0:
        return -1.0
    if u >= 1.0:
        return float("inf")
    special = _special()
    count = float(np.ceil(special.pdtrik(u, mean)))
    if np.isnan(count):
        return mean + np.sqrt(mean) * float(special.ndtri(u))
    below = max(count - 1.0, 0.0)
    return below if special.pdtr(below, mean) >= u else count
