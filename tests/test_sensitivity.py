"""Sensitivity analysis and the notebook figures."""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import sim
from sim import sensitivity

SMALL = ["replications=1", "horizon.acquisition_days=60", "horizon.ltv_days=90"]


def test_one_at_a_time_finds_the_inputs_that_matter():
    result = sensitivity.one_at_a_time(
        "default", {"economics.gross_margin": (0.2, 0.6), "economics.discount_rate": (0.0, 0.2),
                    "channels.feed_ads.half_saturation_budget": (1500, 6000)},
        metrics=("ltv", "cac"), overrides=SMALL)
    rows = {r["input"]: r for r in result["rows"]}
    # LTV is proportional to the margin: 0.2 and 0.6 around the base 0.4
    base = result["base"]["ltv"]
    assert rows["economics.gross_margin"]["ltv_low"] == pytest.approx(base / 2, rel=1e-6)
    assert rows["economics.gross_margin"]["ltv_high"] == pytest.approx(1.5 * base, rel=1e-6)
    assert result["rows"][0]["input"] == "economics.gross_margin"      # the widest LTV swing first
    # the margin does not touch acquisition: CAC identical on common random numbers
    assert rows["economics.gross_margin"]["cac_low"] == result["base"]["cac"]
    assert rows["channels.feed_ads.half_saturation_budget"]["cac_high"] > result["base"]["cac"]
    figure = Figure()
    sim.plot.tornado(result, "ltv", figure.add_subplot())


def test_sobol_indices_separate_an_inert_input_from_a_driving_one():
    # LTV is proportional to the margin and does not depend on the budget
    # beyond noise in who the customers are: the margin's total index dominates.
    result = sensitivity.sobol("default", {"economics.gross_margin": (0.2, 0.6),
                                           "channels.feed_ads.daily_budget": (1500, 2500)},
                               metric="ltv", samples=16, overrides=SMALL)
    total = dict(zip(result["inputs"], result["total"]))
    assert total["economics.gross_margin"] > 0.8
    assert total["channels.feed_ads.daily_budget"] < 0.2
    figure = Figure()
    sim.plot.sobol_indices(result, figure.add_subplot())


def test_notebook_figures_draw_from_a_result(tmp_path):
    res = sim.run(sim.compose("default", SMALL[1:] + ["replications=3"]))
    assert set(res.bands) >= {"daily.active", "cohorts.cac", "cohorts.ltv"}
    low, high = res.bands["cohorts.ltv"]
    assert np.all(low <= high)
    paths = sim.plot.save_all(res, tmp_path)
    assert {"cohorts.png", "cac_ltv_by_cohort.png"} <= {p.name for p in paths}
