"""Response curves and their two-point calibration."""
from __future__ import annotations

import numpy as np
import pytest

from sim.response import hill, hill_through, take_up, valuation_through
from sim.validation import ConfigError


def test_hill_is_zero_half_and_top():
    assert hill(0.0, 5.0, 2.0) == 0.0
    assert hill(2.0, 5.0, 2.0) == pytest.approx(2.5)
    assert hill(1e15, 5.0, 2.0, shape=3) == pytest.approx(5.0)
    np.testing.assert_allclose(hill(np.array([1.0, 4.0]), 6.0, 2.0), [2.0, 4.0])


def test_hill_through_recovers_the_curve_it_was_measured_on():
    top, half = 1.8, 40.0
    points = [(x, float(hill(x, top, half))) for x in (10.0, 50.0)]
    assert hill_through("lift", *points) == pytest.approx((top, half))


def test_valuation_through_recovers_the_take_up_it_was_measured_on():
    mu, sigma = np.log(60.0), 0.9
    points = [(price, float(take_up(price, mu, sigma))) for price in (99.0, 199.0)]
    assert valuation_through("fee", *points) == pytest.approx((mu, sigma))
    fitted = valuation_through("fee", (99, 0.15), (199, 0.05))
    np.testing.assert_allclose(take_up([99, 199], *fitted), [0.15, 0.05])
    assert np.all(np.diff(take_up([50, 99, 150, 199, 400], *fitted)) < 0)


@pytest.mark.parametrize("fit, points", [
    (hill_through, [(10, 0.5), (20, 0.4)]),        # lift falls
    (hill_through, [(10, 0.5), (20, 1.0)]),        # in proportion: no bend
    (valuation_through, [(99, 0.05), (199, 0.15)]),  # take-up rises with price
    (valuation_through, [(99, 0.0), (199, 0.15)]),
])
def test_points_no_such_curve_passes_are_refused(fit, points):
    with pytest.raises(ConfigError, match="calibration"):
        fit("calibration", *points)
