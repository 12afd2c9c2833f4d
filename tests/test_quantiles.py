"""The engine's own normal and Poisson functions give scipy.stats' numbers exactly, and
neither ``import sim`` nor a run of any shipped scenario imports scipy.stats."""
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats
from scipy.signal import lfilter

from sim.channels.paid import _geometric_filter
from sim.policies.tiering import _rank
from sim.quantiles import normal_isf, normal_ppf, normal_sf, poisson_quantile


@pytest.mark.parametrize("mean", [1e-6, 0.01, 0.3, 1.0, 2.5, 7.0, 30.0, 1e3, 1e6, 1e9])
def test_poisson_quantile_is_scipys(mean):
    u = np.concatenate([np.random.default_rng(1).random(500), [1e-300, 1e-12, 0.5, 1 - 1e-16]])
    expected = stats.poisson.ppf(u, mean)
    assert [poisson_quantile(x, mean) for x in u] == expected.tolist()


def test_poisson_quantile_ends_and_beyond_scipys_range():
    assert poisson_quantile(0.0, 5.0) == -1.0 and poisson_quantile(1.0, 5.0) == np.inf
    mean = 1e12                              # scipy's ppf is NaN here: the normal approximation
    assert np.isnan(stats.poisson.ppf(0.3, mean))
    assert poisson_quantile(0.3, mean) == mean + np.sqrt(mean) * stats.norm.ppf(0.3)


def test_normal_functions_are_scipys():
    rng = np.random.default_rng(2)
    x, u = rng.normal(size=2000) * 6, rng.random(2000)
    assert np.array_equal(normal_sf(x), stats.norm.sf(x))
    assert np.array_equal(normal_ppf(u), stats.norm.ppf(u))
    assert np.array_equal(normal_isf(u), stats.norm.isf(u))


def test_the_adstock_filter_and_the_tier_ranks_are_scipys():
    rng = np.random.default_rng(3)
    budgets = rng.random(800) * 1000
    for carryover in (0.0, 0.5, 0.95, 0.999):
        assert np.array_equal(_geometric_filter(budgets, carryover),
                              lfilter([1 - carryover], [1, -carryover], budgets))
    for values in (rng.integers(0, 5, 1000), rng.random(1000), -rng.integers(0, 300, 999).astype(np.int16)):
        assert np.array_equal(_rank(values), stats.rankdata(values, method="max"))


#: Where the engine used scipy: every channel's leads, membership's take-up fit and valuations,
#: the paid channels' marginal CAC in the metrics, tiering's ranks.
RUNS = (("membership", "+policies.tiering={every_days: 30}"), ("channel_mix", "seed=1"))

RUN_EVERY_SCENARIO = f"""
import sys, sim
assert not any(m.startswith("scipy") for m in sys.modules), "import sim imported scipy"
for name, override in {RUNS!r}:
    sim.run(sim.compose(name, overrides=["replications=1", override]))
heavy = sorted(m for m in sys.modules if m.split(".")[:2] in (["scipy", "stats"], ["scipy", "optimize"],
                                                             ["scipy", "signal"]))
assert not heavy, heavy
"""


def test_neither_import_sim_nor_a_run_imports_scipy_stats():
    subprocess.run([sys.executable, "-c", RUN_EVERY_SCENARIO], check=True)
