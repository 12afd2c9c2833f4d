"""Dated spend plans: a ``plan`` schedule spends its list, carryover from before the run, and a
fitted history carried into next quarter's plan."""
from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.calibrate import fit_acquisition
from sim.channels import BaselineChannel
from sim.params import validate
from sim.validation import ConfigError
from conftest import compose, final_state, homogeneous
from test_acquisition_fit import adstock, hill, history

PLAN = [1000.0, 0.0, 2500.0, 500.0, 0.0, 4000.0]


def planned(schedule: str, *overrides, days=10):
    return compose(*homogeneous(), f"horizon.acquisition_days={days}", "horizon.ltv_days=1",
                   f"+channels.ads={{kind: paid, schedule: {schedule}}}", *overrides)


def test_a_plan_is_spent_as_written_then_nothing_and_a_budget_scales_it():
    state = final_state(planned(f"{{kind: plan, plan: {PLAN}}}"))
    np.testing.assert_allclose(state.ledger.daily["budget.ads"][:10], PLAN + [0.0] * 4)
    assert validate(planned(f"{{kind: plan, plan: {PLAN}}}")).channels[0].daily_budget == pytest.approx(
        np.mean(PLAN))
    doubled = final_state(planned(f"{{kind: plan, plan: {PLAN}}}", f"channels.ads.daily_budget={2 * np.mean(PLAN)}"))
    np.testing.assert_allclose(doubled.ledger.daily["budget.ads"][:6], 2 * np.array(PLAN))


@pytest.mark.parametrize("plan, words", [
    ("[]", "must be a non-empty list"), ("[0, 0]", "not all 0"), ("[100, -1]", "plan[1] = -1"),
    ("'lots'", "must be a non-empty list"),
])
def test_a_bad_plan_is_one_line_naming_it(plan, words):
    with pytest.raises(ConfigError) as error:
        validate(planned(f"{{kind: plan, plan: {plan}}}"))
    assert str(error.value).startswith("channels.ads.schedule.plan") and words in str(error.value)


def test_initial_adstock_carries_spend_from_before_the_run():
    """No budget, adstock s0 on day -1 and carryover c: leads on day t are Poisson(hill(s0 c^(t+1)))."""
    cfg = planned("{kind: flat}", "channels.ads.daily_budget=0", "channels.ads.initial_adstock=4000",
                  "channels.ads.carryover=0.9", "channels.ads.max_daily_leads=2000",
                  "channels.ads.half_saturation_budget=2000", "channels.ads.activation_prob=1",
                  "replications=8", "market.size=1000000000", days=30)
    expected = 2000 * 4000 * 0.9 ** np.arange(1, 31) / (4000 * 0.9 ** np.arange(1, 31) + 2000)
    got = sim.run(cfg).daily["new.ads"][:30]
    assert got.sum() == pytest.approx(expected.sum(), abs=4 * np.sqrt(expected.sum() / 8))
    assert got[0] > got[-1] * 5          # it decays


def test_a_shifted_baseline_has_the_same_rate_from_its_new_day_zero():
    spec = {"level": 50.0, "growth": 1.3, "weekly": [0.2, -0.1, 0.05, 0.03], "yearly": [0.3, 0.1]}
    original = BaselineChannel("b", 0, **{**spec, "weekly": tuple(spec["weekly"]), "yearly": tuple(spec["yearly"])})
    moved = BaselineChannel.shifted(spec, 200)
    later = BaselineChannel("b", 0, level=moved["level"], growth=moved["growth"], weekly=tuple(moved["weekly"]),
                            yearly=tuple(moved["yearly"]))
    np.testing.assert_allclose(later.rate(np.arange(100)), original.rate(np.arange(200, 300)), rtol=1e-10)


def test_next_quarters_plan_runs_with_the_historys_carryover_and_gives_what_the_fit_predicts():
    """A fitted history, then a 91-day plan from the day after it, search dark for its first 20
    days: the simulated customers match ``predict`` of the plan within 4 Poisson sd, and search's
    customers of those 20 days are what its carried adstock alone brings (the generator's own
    recursion at the fitted curve), some 70, not 0."""
    table, _, _ = history(11, days=400, scale=0.1)
    fit = fit_acquisition(table)
    rng = np.random.default_rng(5)
    start = np.datetime64(table["date"][-1]) + 1
    plan = {"date": (start + np.arange(91)).astype(str),
            "search": np.r_[np.zeros(20), rng.uniform(0, 4000, 71).round()], "social": np.full(91, 1500.0)}
    config = fit.to_config(uncertainty=False, plan=plan)
    assert config["horizon"]["acquisition_days"] == 91
    overrides = ["replications=6", "horizon.ltv_days=1", "market.size=1000000000", "market.innovation=0",
                 "market.imitation=0", "population.daily_purchase_prob={dist: constant, value: 0}",
                 "population.referral_prob={dist: constant, value: 0}", "horizon.acquisition_days=91"]
    cfg = sim.compose("default", overrides)
    cfg.channels = config["channels"]
    daily = sim.run(cfg).daily
    expected = fit.predict(plan).sum()
    assert daily["new_customers"][:91].sum() == pytest.approx(expected, abs=4 * np.sqrt(expected / 6))
    p = fit.params["search"]
    left = adstock(np.asarray(table["search"], dtype=float), p["carryover"])[-1]
    assert config["channels"]["search"]["initial_adstock"] == pytest.approx(left, rel=1e-9)
    carried = hill(left * p["carryover"] ** np.arange(1, 21), **p).sum()
    assert carried > 50                   # 4 sd of the comparison below are about 14
    assert daily["new.search"][:20].sum() == pytest.approx(carried, abs=4 * np.sqrt(carried / 6))


def write_csv(path, table):
    columns = list(table)
    rows = len(table[columns[0]])
    path.write_text("\n".join([",".join(columns)] + [",".join(str(table[c][i]) for c in columns)
                                                      for i in range(rows)]) + "\n")


def test_the_command_writes_a_scenario_that_runs_the_plan_from_its_first_date(tmp_path):
    import subprocess
    import sys

    import yaml
    from omegaconf import OmegaConf

    table, _, _ = history(11, days=400, scale=0.1)
    write_csv(tmp_path / "history.csv", table)
    start = np.datetime64(table["date"][-1]) + 1
    write_csv(tmp_path / "plan.csv", {"date": (start + np.arange(30)).astype(str),
                                      "search": [2000.0] * 30, "social": [0.0] * 10 + [800.0] * 20})
    out = tmp_path / "next.yaml"
    done = subprocess.run([sys.executable, "-m", "sim.calibrate.acquisition", str(tmp_path / "history.csv"),
                           "--plan", str(tmp_path / "plan.csv"), "--out", str(out), "--no-figures"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    written = yaml.safe_load(out.read_text())
    assert written["horizon"]["acquisition_days"] == 30
    assert written["channels"]["social"]["schedule"] == {"kind": "plan", "plan": [0.0] * 10 + [800.0] * 20}
    assert written["channels"]["search"]["initial_adstock"] > 0
    assert f"day 0 is {start}" in out.read_text()
    params = validate(OmegaConf.create(out.read_text()))
    assert {c.name: c.daily_budget for c in params.channels if c.budgeted} == {"search": 2000.0, "social": 16000 / 30}
