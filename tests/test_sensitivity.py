"""Sensitivity analysis and the notebook figures."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy import stats

import sim
from sim import sensitivity
from sim.validation import ConfigError

SMALL = ["replications=1", "horizon.acquisition_days=60", "horizon.ltv_days=90"]
MARGIN = "economics.gross_margin"
RATE = "economics.discount_rate"
UNSURE = (f"+uncertainty={{{MARGIN}: {{dist: beta, a: 20, b: 30}}, "
          f"{RATE}: {{dist: uniform, low: 0, high: 0.2}}}}")


def test_one_at_a_time_finds_the_inputs_that_matter():
    result = sensitivity.one_at_a_time(
        "default", {MARGIN: (0.2, 0.6), RATE: (0.0, 0.2),
                    "channels.feed_ads.half_saturation_budget": (1500, 6000)},
        metrics=("ltv", "cac"), overrides=SMALL)
    rows = {r["input"]: r for r in result["rows"]}
    # LTV is proportional to the margin: 0.2 and 0.6 around the base 0.4
    base = result["base"]["ltv"]
    assert rows[MARGIN]["ltv_low"] == pytest.approx(base / 2, rel=1e-6)
    assert rows[MARGIN]["ltv_high"] == pytest.approx(1.5 * base, rel=1e-6)
    assert result["rows"][0]["input"] == MARGIN      # the widest LTV swing first
    # the margin does not touch acquisition: CAC identical on common random numbers
    assert rows[MARGIN]["cac_low"] == result["base"]["cac"]
    assert rows["channels.feed_ads.half_saturation_budget"]["cac_high"] > result["base"]["cac"]
    figure = Figure()
    sim.plot.tornado(result, "ltv", figure.add_subplot())


def test_one_at_a_time_reads_the_uncertainty_quantiles_and_holds_the_others_at_their_medians():
    result = sensitivity.one_at_a_time("default", metrics=("ltv", "cac"), overrides=SMALL + [UNSURE])
    margin = stats.beta(20, 30)
    rows = {r["input"]: r for r in result["rows"]}
    assert (rows[MARGIN]["low"], rows[MARGIN]["high"]) == pytest.approx(margin.ppf([0.05, 0.95]), rel=1e-12)
    assert (rows[RATE]["low"], rows[RATE]["high"]) == pytest.approx((0.01, 0.19), rel=1e-12)
    assert result["held"] == pytest.approx({MARGIN: margin.median(), RATE: 0.1}, rel=1e-12)
    # LTV is proportional to the margin that was set, not to one drawn again per replication
    base = result["base"]["ltv"]
    assert rows[MARGIN]["ltv_low"] == pytest.approx(base * rows[MARGIN]["low"] / margin.median(), rel=1e-6)
    assert rows[MARGIN]["ltv_high"] == pytest.approx(base * rows[MARGIN]["high"] / margin.median(), rel=1e-6)
    assert rows[RATE]["cac_low"] == rows[RATE]["cac_high"] == result["base"]["cac"]


@pytest.mark.parametrize("analysis", [sensitivity.one_at_a_time, sensitivity.sobol])
def test_without_inputs_or_uncertainty_the_analysis_is_refused_in_one_line(analysis):
    with pytest.raises(ConfigError, match="uncertainty") as error:
        analysis("default", overrides=SMALL)
    assert "\n" not in str(error.value)


def test_sobol_indices_separate_an_inert_input_from_a_driving_one():
    # LTV is proportional to the margin and does not depend on the budget
    # beyond noise in who the customers are: the margin's total index dominates.
    # 16 samples leave the margin's first-order interval (±0.5) wider than the index.
    with pytest.warns(UserWarning, match=f"ltv for {MARGIN} are not stable with samples=16"):
        result = sensitivity.sobol("default", {MARGIN: (0.2, 0.6), "channels.feed_ads.daily_budget": (1500, 2500)},
                                   metric="ltv", samples=16, overrides=SMALL)
    total = dict(zip(result["inputs"], result["total"]))
    assert total[MARGIN] > 0.8
    assert total["channels.feed_ads.daily_budget"] < 0.2
    assert result["unstable"] == [MARGIN]
    figure = Figure()
    sim.plot.sobol_indices(result, figure.add_subplot())


def _model(monkeypatch, f):
    """Replace the simulation by ``f(values)``: the sampling and SALib's estimators alone (in this
    process, where the stand-in lives: a worker could not be handed a lambda)."""
    monkeypatch.setattr(sensitivity, "_evaluate", lambda cfg, values, metrics: {metrics[0]: f(values)})
    monkeypatch.setattr(sensitivity.parallel, "run_workers", lambda params, runs: 1)


def _quiet(*args, **kwargs) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return sensitivity.sobol(*args, **kwargs)


def test_sobol_recovers_the_indices_of_a_linear_model(monkeypatch):
    # f = sum a_i x_i, x_i ~ U(low_i, high_i): S_i = T_i = a_i^2 Var_i / sum_j a_j^2 Var_j
    ranges = {"x.a": (0.0, 2.0), "x.b": (1.0, 2.0), "x.c": (5.0, 9.0)}
    weights = {"x.a": 1.0, "x.b": 3.0, "x.c": 0.0}
    _model(monkeypatch, lambda v: sum(weights[k] * v[k] for k in v))
    shares = np.array([weights[k] ** 2 * (hi - lo) ** 2 / 12 for k, (lo, hi) in ranges.items()])
    result = _quiet("default", ranges, metric="m", samples=1024)
    assert result["first"] == pytest.approx(shares / shares.sum(), abs=0.02)
    assert result["total"] == pytest.approx(shares / shares.sum(), abs=0.02)
    assert np.all(result["first_p05"] <= result["first"]) and np.all(result["first"] <= result["first_p95"])
    assert result["unstable"] == []


def test_sobol_recovers_the_ishigami_indices(monkeypatch):
    # Ishigami (a=7, b=0.1) on U(-pi, pi)^3: x3 acts only with x1, so its first
    # order is 0 and its total is not (Ishigami and Homma 1990; Saltelli et al. 2010).
    _model(monkeypatch, lambda v: (np.sin(v["x1"]) + 7 * np.sin(v["x2"]) ** 2
                                   + 0.1 * v["x3"] ** 4 * np.sin(v["x1"])))
    # 2048 samples: at 1024 x3's first order is 0.00 ± 0.05, just past NEGLIGIBLE
    result = _quiet("default", dict.fromkeys(["x1", "x2", "x3"], (-np.pi, np.pi)), metric="m", samples=2048)
    assert result["first"] == pytest.approx([0.3139, 0.4424, 0.0], abs=0.02)
    assert result["total"] == pytest.approx([0.5576, 0.4424, 0.2437], abs=0.02)


def test_sobol_samples_each_uncertain_input_through_its_distribution(monkeypatch):
    # The same linear model, now over Beta(20, 30) and U(0, 0.2): the shares
    # follow those variances, not the boxes [0, 1] and [0, 0.2].
    _model(monkeypatch, lambda v: v[MARGIN] + v[RATE])
    variances = np.array([stats.beta(20, 30).var(), 0.2 ** 2 / 12])
    result = _quiet("default", metric="m", samples=1024, overrides=[UNSURE])
    assert result["inputs"] == [MARGIN, RATE]
    assert result["first"] == pytest.approx(variances / variances.sum(), abs=0.02)
    assert result["total"] == pytest.approx(variances / variances.sum(), abs=0.02)


def test_sobol_is_determined_by_its_seed(monkeypatch):
    _model(monkeypatch, lambda v: v["x.a"] + 2 * v["x.b"] ** 2)
    ranges = {"x.a": (0.0, 1.0), "x.b": (0.0, 1.0)}
    keys = ("first", "total", "first_p05", "first_p95", "total_p05", "total_p95")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # 8 samples are too few, as the warning says
        once, again, other = (sensitivity.sobol("default", ranges, metric="m", samples=8, seed=s)
                              for s in (0, 0, 1))
    for key in keys:
        assert np.array_equal(once[key], again[key]), key
    assert not np.array_equal(once["first"], other["first"])


def test_a_sample_too_small_for_stable_indices_is_warned_about_per_input(monkeypatch):
    _model(monkeypatch, lambda v: v["x.a"] + 2 * v["x.b"])
    ranges = {"x.a": (0.0, 1.0), "x.b": (0.0, 1.0), "x.inert": (0.0, 1.0)}
    with pytest.warns(UserWarning) as caught:
        small = sensitivity.sobol("default", ranges, metric="m", samples=4)
    messages = [str(w.message) for w in caught if "not stable" in str(w.message)]
    assert small["unstable"] and len(messages) == len(small["unstable"])
    for name, message in zip(small["unstable"], messages):
        assert f"for {name} are not stable with samples=4" in message and "\n" not in message
    assert "x.inert" not in small["unstable"]     # an index of exactly 0 is a stable answer
    assert _quiet("default", ranges, metric="m", samples=512)["unstable"] == []


@pytest.mark.parametrize("first, first_half, total, total_half, why", [
    (0.60, 0.05, 0.40, 0.05, "first order 0.60 above total 0.40"),
    (0.30, 0.20, 0.35, 0.05, "first order 0.30 ± 0.20, an interval wider than the index"),
    (0.30, 0.05, 0.35, 0.20, "total 0.35 ± 0.20, an interval wider than the index"),
    (0.01, 0.03, 0.02, 0.02, ""),             # within ±0.05: the input does not matter
    (0.45, 0.05, 0.42, 0.05, ""),             # first above total inside the intervals
    (0.0034, 0.003, 0.00005, 0.00005, ""),    # first above total, but both noise-sized: does not matter
    (0.06, 0.003, 0.00005, 0.00005, "first order 0.06 above total 0.00"),   # first beyond ±0.05
])
def test_what_counts_as_unstable(first, first_half, total, total_half, why):
    assert sensitivity._unstable(first, first_half, total, total_half) == why


def test_notebook_figures_draw_from_a_result(tmp_path):
    res = sim.run(sim.compose("default", SMALL[1:] + ["replications=3"]))
    assert set(res.bands) >= {"daily.active", "cohorts.cac", "cohorts.ltv"}
    low, high = res.bands["cohorts.ltv"]
    assert np.all(low <= high)
    paths = sim.plot.save_all(res, tmp_path)
    assert {"cohorts.png", "cac_ltv_by_cohort.png"} <= {p.name for p in paths}


@pytest.mark.parametrize("analysis", [sensitivity.one_at_a_time, sensitivity.sobol])
def test_the_analysis_gives_the_same_numbers_on_two_processes_as_in_one(analysis):
    from sim import parallel
    from sim.params import validate

    two = SMALL + [UNSURE, "workers=2"]
    if parallel.run_workers(validate(sim.compose("default", two)), 10) != 2:
        pytest.skip("workers are not forked on this platform")
    options = {"samples": 4} if analysis is sensitivity.sobol else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # 4 Sobol samples: unstable indices, warned about
        serial = analysis("default", overrides=SMALL + [UNSURE, "workers=1"], **options)
        spread = analysis("default", overrides=two, **options)
    assert repr(spread) == repr(serial)          # every number, bit for bit, in the same order
