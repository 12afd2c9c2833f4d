"""Response curves: how a lever's size moves behaviour, and how to set them from a test.

Two shapes, used wherever money buys an effect:

* :func:`hill`, a saturating curve ``top * x^h / (x^h + half^h)``: 0 at
  ``x = 0``, half of ``top`` at ``x = half``, ``top`` as ``x`` grows. Paid
  media turn an adstocked budget into leads with it; rewards, offers and
  operating budgets turn money into a lift with it. :func:`hill_through`
  sets ``top`` and ``half`` (``h = 1``) from two measured points, say an
  A/B test's lift at two reward sizes.
* :func:`take_up`, the share of customers whose valuation is at least a
  price when valuations are lognormal: ``P(V >= price) = 1 - Phi((ln price
  - mu) / sigma)``. :func:`valuation_through` sets ``mu`` and ``sigma`` from
  two measured take-up rates at two prices (a price test or a survey:
  "15 % at 99, 5 % at 199").

Errors: the fitting functions raise ConfigError naming ``path`` when the
two points cannot come from such a curve (a lift that does not rise and
flatten, a take-up that does not fall with price).
"""
from __future__ import annotations

import math

import numpy as np

from .quantiles import normal_isf, normal_sf
from .validation import ConfigError


def hill(x, top: float, half: float, shape: float = 1.0):
    """``top * x^shape / (x^shape + half^shape)`` for ``x >= 0`` (a number or an array).

    Computed as ``top / (1 + (half / x)^shape)``, so no power of a large ``x``
    is formed; ``x = 0`` gives 0.
    """
    with np.errstate(divide="ignore", over="ignore"):
        ratio = half / np.asarray(x, dtype=float)
        return top / (1.0 + ratio ** shape)


def hill_through(path: str, first: tuple[float, float], second: tuple[float, float]) -> tuple[float, float]:
    """``(top, half)`` of the curve ``top * x / (x + half)`` through two points ``(x, y)``.

    Needs ``0 < x1 < x2`` and ``0 < y1 < y2 < y1 * x2 / x1`` (the lift rises,
    and less than in proportion: the curve bends); otherwise ConfigError.
    """
    (x1, y1), (x2, y2) = sorted([first, second])
    if not (0 < x1 < x2 and 0 < y1 < y2 < y1 * x2 / x1):
        raise ConfigError(path, [list(first), list(second)],
                          "two points (size, lift) with 0 < size1 < size2 and 0 < lift1 < lift2 < "
                          "lift1 * size2 / size1: a lift that rises with size, less than in proportion")
    half = x1 * x2 * (y2 - y1) / (x2 * y1 - x1 * y2)
    return y1 * (x1 + half) / x1, half


def take_up(price, mu: float, sigma: float):
    """Share with a lognormal valuation ``ln V ~ N(mu, sigma^2)`` of at least ``price`` (> 0)."""
    return normal_sf((np.log(np.asarray(price, dtype=float)) - mu) / sigma)


def valuation_through(path: str, first: tuple[float, float], second: tuple[float, float]) -> tuple[float, float]:
    """``(mu, sigma)`` of the lognormal valuation whose take-up passes two points ``(price, share)``.

    ``ln p = mu + sigma * z(share)`` with ``z = Phi^-1(1 - share)`` at both
    prices: two linear equations. Needs ``0 < p1 < p2`` and
    ``1 > share1 > share2 > 0``; otherwise ConfigError.
    """
    (p1, u1), (p2, u2) = sorted([first, second])
    if not (0 < p1 < p2 and 1 > u1 > u2 > 0):
        raise ConfigError(path, [list(first), list(second)],
                          "two points (price, take-up) with 0 < price1 < price2 and 1 > take-up1 > "
                          "take-up2 > 0: take-up falls as the price rises")
    z1, z2 = float(normal_isf(u1)), float(normal_isf(u2))
    sigma = (math.log(p2) - math.log(p1)) / (z2 - z1)
    return math.log(p1) - sigma * z1, sigma
