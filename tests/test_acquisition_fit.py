"""Acquisition fits (sim.calibrate.fit_acquisition) against histories generated here.

The generator below is plain numpy, written from the model's equations
(geometric adstock, Hill curve, baseline with growth and seasons, negative
binomial counts), independent of the fitter's code, so a wrong fitter
misses the parameters that made the data.
"""
from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
import yaml
from hydra.core.config_store import ConfigStore

import sim
import sim.config
from sim.calibrate import DataError, DataWarning, fit_acquisition
from sim.params import validate

TRUE = {"search": {"max_customers": 400.0, "half_saturation_budget": 2000.0, "hill_shape": 1.5, "carryover": 0.5},
        "social": {"max_customers": 250.0, "half_saturation_budget": 1000.0, "hill_shape": 1.0, "carryover": 0.8}}
BASELINE = {"level": 150.0, "growth": 1.2, "weekly_cos_1": 0.1, "weekly_sin_1": 0.05,
            "yearly_cos_1": 0.2, "yearly_sin_1": -0.1}
ORIGIN = np.datetime64("2024-01-01")


def adstock(spend: np.ndarray, carryover: float) -> np.ndarray:
    s, out = 0.0, np.empty(spend.size)
    for t, b in enumerate(spend):
        s = carryover * s + (1.0 - carryover) * b
        out[t] = s
    return out


def hill(s, max_customers, half_saturation_budget, hill_shape, carryover=None):
    s = np.asarray(s, dtype=float)
    return np.where(s > 0, max_customers * s ** hill_shape / (s ** hill_shape + half_saturation_budget ** hill_shape),
                    0.0)


def baseline(days: np.ndarray, b: dict) -> np.ndarray:
    w, y = 2 * np.pi * days / 7, 2 * np.pi * days / 365.25
    return b["level"] * b["growth"] ** (days / 365) * np.exp(
        b["weekly_cos_1"] * np.cos(w) + b["weekly_sin_1"] * np.sin(w)
        + b["yearly_cos_1"] * np.cos(y) + b["yearly_sin_1"] * np.sin(y))


def spend_path(rng, days: int, half_saturation: float) -> np.ndarray:
    """Two-week flights at levels from 0.1 to 8 half-saturation budgets, a quarter of them dark."""
    blocks = days // 14 + 1
    level = half_saturation * np.exp(rng.uniform(np.log(0.1), np.log(8), blocks))
    return np.where(rng.random(blocks) < 0.25, 0.0, level).repeat(14)[:days]


def history(seed: int, days: int = 730, scale: float = 1.0, dispersion: float = 50.0):
    """(table, the channels' expected customers a day, the baseline's): a daily history."""
    rng = np.random.default_rng(seed)
    day = np.arange(days)
    table = {"date": (ORIGIN + day).astype(str)}
    paid = {}
    for name, p in TRUE.items():
        table[name] = spend_path(rng, days, p["half_saturation_budget"])
        paid[name] = scale * hill(adstock(table[name], p["carryover"]), **p)
    base = scale * baseline(day, BASELINE)
    mean = base + sum(paid.values())
    table["new_customers"] = rng.negative_binomial(dispersion, dispersion / (dispersion + mean))
    return table, paid, base


@pytest.fixture(scope="module")
def two_years():
    table, paid, base = history(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)        # a well-designed history raises no warning
        return table, paid, base, fit_acquisition(table, weekly=1, yearly=1)


def test_recovers_every_curve_and_the_baseline_within_three_standard_errors(two_years):
    *_, fit = two_years
    for group, truth in [*TRUE.items(), ("baseline", BASELINE)]:
        for name, value in truth.items():
            estimate, se = fit.params[group][name], fit.se[group][name]
            assert abs(estimate - value) < 3 * se, (group, name, value, estimate, se)
    for channel in TRUE:          # and the data pin them down: relative se within 20 %
        for name in ("max_customers", "half_saturation_budget", "hill_shape"):
            assert fit.se[channel][name] < 0.2 * fit.params[channel][name], (channel, name)
        assert fit.se[channel]["carryover"] < 0.05
    assert 30 < fit.dispersion < 80                    # the generator's 50


def test_contributions_and_marginal_cac_match_the_generator(two_years):
    """Totals within 10 % (the day-to-day noise, sd 14 % of the mean at dispersion 50, leaves the
    two-year totals uncertain by about 5 %), marginal CAC at the average spend within 15 %."""
    table, paid, base, fit = two_years
    for name, expected in paid.items():
        assert fit.contributions[name].sum() == pytest.approx(expected.sum(), rel=0.1)
        p = TRUE[name]
        b = np.mean(table[name])
        slope = p["max_customers"] * p["hill_shape"] * p["half_saturation_budget"] ** p["hill_shape"] \
            * b ** (p["hill_shape"] - 1) / (b ** p["hill_shape"] + p["half_saturation_budget"] ** p["hill_shape"]) ** 2
        assert fit.marginal_cac(name) == pytest.approx(1 / slope, rel=0.15)
    assert fit.contributions["baseline"].sum() == pytest.approx(base.sum(), rel=0.1)
    assert fit.expected().sum() == pytest.approx(base.sum() + sum(v.sum() for v in paid.values()), rel=0.01)


def test_predict_replays_the_history_and_carries_its_adstock_past_the_end(two_years):
    table, _, _, fit = two_years
    np.testing.assert_allclose(fit.predict(table), fit.expected(), rtol=1e-12)
    after = ORIGIN + 730 + 3 + np.arange(5)              # a dark plan starting 3 days after the history
    predicted = fit.predict({"date": after.astype(str), "search": [0.0] * 5, "social": [0.0] * 5})
    days = np.arange(733, 738)
    carried = sum(hill(adstock(table[c], fit.params[c]["carryover"])[-1] * fit.params[c]["carryover"] ** (days - 729),
                       **fit.params[c]) for c in TRUE)
    fourier = {**BASELINE, **{k: fit.params["baseline"][k] for k in BASELINE}}
    np.testing.assert_allclose(predicted, carried + baseline(days, fourier), rtol=1e-9)


def lift_row(table, channel: str, start: int, end: int, change: float, scale: float, relative_se: float) -> dict:
    """A lift test measuring, with se ``relative_se`` of it, the generator's incremental customers
    inside the window for ``change`` spread over it."""
    p = TRUE[channel]
    spend = np.asarray(table[channel][: end + 1], dtype=float)
    changed = spend.copy()
    changed[start:] += change / (end + 1 - start)
    effect = scale * (hill(adstock(changed, p["carryover"]), **p) - hill(adstock(spend, p["carryover"]), **p))[start:].sum()
    return {"channel": [channel], "start": [str(ORIGIN + start)], "end": [str(ORIGIN + end)], "spend_change": [change],
            "incremental_customers": [effect], "se": [relative_se * abs(effect)]}


def test_a_lift_test_narrows_the_interval_of_the_channel_it_covers():
    """A year of a small business (a tenth of the customers): social's curve is loose. A test
    doubling its spend for 4 weeks, the effect measured to 5 %, halves its interval at least."""
    table, _, _ = history(5, days=365, scale=0.1)
    lifts = lift_row(table, "social", 305, 332, float(np.sum(table["social"][305:333])), 0.1, 0.05)
    without = fit_acquisition(table)
    with_lift = fit_acquisition(table, lift_tests=lifts)
    for fit in (without, with_lift):
        assert abs(fit.params["social"]["max_customers"] - 25.0) < 3 * fit.se["social"]["max_customers"]
    assert with_lift.se["social"]["max_customers"] < 0.5 * without.se["social"]["max_customers"]
    assert with_lift.se["social"]["hill_shape"] < 0.5 * without.se["social"]["hill_shape"]
    assert with_lift.se["search"]["max_customers"] > 0.5 * without.se["search"]["max_customers"]


def test_weekly_rows_fit_the_same_daily_curves():
    table, paid, base = history(7, days=728)
    weeks = {"date": table["date"][::7]}
    for column in ("search", "social", "new_customers"):
        weeks[column] = np.asarray(table[column]).reshape(-1, 7).sum(axis=1)
    fit = fit_acquisition(weeks, yearly=1)
    assert fit.history.period == 7 and fit.model.weekly == 0
    for channel, truth in TRUE.items():
        for name, value in truth.items():
            assert abs(fit.params[channel][name] - value) < 3 * fit.se[channel][name], (channel, name)
        assert fit.contributions[channel].sum() == pytest.approx(paid[channel].sum(), rel=0.1)


def small_table(rows: int = 40) -> dict:
    rng = np.random.default_rng(1)
    return {"date": (ORIGIN + np.arange(rows)).astype(str), "search": rng.uniform(0, 1000, rows).round(2),
            "social": rng.uniform(0, 1000, rows).round(2), "new_customers": rng.poisson(50, rows)}


def changed(**columns):
    table = small_table()
    for name, edit in columns.items():
        table[name] = edit(list(table[name])) if callable(edit) else edit
    return table


def at(index, value):
    def edit(values):
        values[index] = value
        return values
    return edit


@pytest.mark.parametrize("table, message", [
    (changed(date=lambda d: d[:10] + d[11:], search=lambda v: v[:-1], social=lambda v: v[:-1],
             new_customers=lambda v: v[:-1]), "row 11: date = '2024-01-12': dates missing between 2024-01-10 and "
                                              "2024-01-12"),
    (changed(date=at(5, "2024-01-05")), "row 6: date = '2024-01-05': repeats the date of the row before"),
    (changed(date=at(5, "2024-01-02")), "row 6: date = '2024-01-02': comes before the date of the row before"),
    (changed(date=[str(ORIGIN + 3 * i) for i in range(40)]), "row 2: date = '2024-01-04': 3 days after row 1"),
    (changed(date=at(5, "2024-01-07")), "row 7: date = '2024-01-07': repeats"),
    (changed(date=at(3, "2024-13-01")), "row 4: date = '2024-13-01': not a date"),
    (changed(search=at(4, -1.0)), "row 5: search = -1.0: spend must be a number >= 0"),
    (changed(social=at(2, "n/a")), "row 3: social = 'n/a': spend must be a number >= 0"),
    (changed(new_customers=at(7, 2.5)), "row 8: new_customers = 2.5: the KPI must be a count, an integer >= 0"),
    (changed(new_customers=at(7, -3)), "row 8: new_customers = -3: the KPI must be a count"),
    (changed(search=[500.0] * 40), "column search: spend is 500 on every row"),
    ({k: v for k, v in small_table().items() if k != "new_customers"}, "column(s) new_customers missing"),
    ({k: v for k, v in small_table().items() if k in ("date", "new_customers")}, "no spend column"),
])
def test_each_bad_history_is_one_line_naming_it(table, message):
    with pytest.raises(DataError) as error:
        fit_acquisition(table)
    assert message in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("row, message", [
    ({"channel": "tv"}, "lift tests row 1: channel = 'tv': not a spend column"),
    ({"end": "2023-12-30"}, "lift tests row 1: 2024-01-05 to 2023-12-30: the window must end no earlier"),
    ({"se": 0}, "lift tests row 1: se = 0: must be a number > 0"),
    ({"spend_change": -1e6}, "would make search's spend negative"),
])
def test_each_bad_lift_test_is_one_line_naming_it(row, message):
    lifts = {"channel": "search", "start": "2024-01-05", "end": "2024-01-10", "spend_change": -100.0,
             "incremental_customers": -5.0, "se": 1.0, **row}
    with pytest.raises(DataError) as error:
        fit_acquisition(small_table(), lift_tests={k: [v] for k, v in lifts.items()}, weekly=0)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_spend_the_data_cannot_separate_warns():
    table = small_table(60)
    table["social"] = np.asarray(table["search"]) * 2 + 1
    table["search"] = np.asarray(table["search"]) + 5000
    with pytest.warns(DataWarning) as caught:
        fit_acquisition(table, weekly=0)
    messages = " | ".join(str(w.message) for w in caught)
    assert "columns search and social: spend correlated at 1.000" in messages
    assert "column search: spend barely varies" in messages


def composed(out, overrides, monkeypatch):
    """``marketing-sim scenario=NAME OVERRIDES`` composed from the scenario file ``out``."""
    monkeypatch.setattr(sim.config, "scenario_dirs", lambda: [out.parent])
    try:
        return sim.compose(out.stem, ["progress=false", *overrides])
    finally:
        ConfigStore.instance().repo["scenario"].pop(out.name, None)


def test_the_written_scenario_runs_and_reproduces_the_fitted_customers(tmp_path, monkeypatch):
    """The command's scenario, run as marketing-sim runs it, brings the customers the fit expects
    of the same plan (the average spend every day from the history's first date) within sampling error."""
    table, _, _ = history(11, days=400, scale=0.1)
    path = tmp_path / "history.csv"
    columns = list(table)
    path.write_text("\n".join([",".join(columns)] + [",".join(str(table[c][i]) for c in columns)
                                                      for i in range(400)]) + "\n")
    out = tmp_path / "scenarios" / "media.yaml"
    done = subprocess.run([sys.executable, "-m", "sim.calibrate.acquisition", str(path), "--kpi", "new_customers",
                           "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    written = yaml.safe_load(out.read_text())
    assert set(written["channels"]) == {"search", "social", "baseline"}
    assert validate(composed(out, [], monkeypatch)).uncertainty       # the fit's uncertainty passes the gate
    replications = 4
    result = sim.run(composed(out, [f"replications={replications}", "uncertainty={}", "horizon.ltv_days=1",
                                    "population.daily_purchase_prob={dist: constant, value: 0.0}"], monkeypatch))
    fit = fit_acquisition(path)
    plan = {"date": table["date"], **{c: [written["channels"][c]["daily_budget"]] * 400 for c in TRUE}}
    expected = fit.predict(plan).sum()
    simulated = result.daily["new_customers"].sum()
    assert abs(simulated - expected) < 4 * np.sqrt(expected / replications), (simulated, expected)


def test_a_dataframe_a_dict_and_a_csv_give_the_same_fit(tmp_path):
    pandas = pytest.importorskip("pandas")
    table, _, _ = history(2, days=120, scale=0.2)
    path = tmp_path / "history.csv"
    pandas.DataFrame(table).to_csv(path, index=False)
    fits = [fit_acquisition(source) for source in (table, pandas.DataFrame(table), path)]
    for fit in fits[1:]:
        assert fit.loglik == pytest.approx(fits[0].loglik, rel=1e-9)
        for channel in TRUE:
            assert fit.params[channel] == pytest.approx(fits[0].params[channel], rel=1e-6)


def test_the_poisson_likelihood_has_no_dispersion_and_fits_poisson_counts():
    table, _, _ = history(4, days=365, dispersion=1e9)
    fit = fit_acquisition(table, likelihood="poisson")
    assert fit.dispersion == np.inf and "likelihood" not in fit.params
    assert abs(fit.params["search"]["carryover"] - 0.5) < 3 * fit.se["search"]["carryover"]
    with pytest.raises(DataError, match="likelihood = 'normal': must be one of negative_binomial, poisson"):
        fit_acquisition(table, likelihood="normal")
    with pytest.raises(DataError, match="weekly = 4: the baseline channel takes 0 to 3 weekly harmonics"):
        fit_acquisition(table, weekly=4)


def test_the_command_refuses_a_bad_history_in_one_line_and_writes_nothing(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("date,search,new_customers\n2024-01-01,100,5\n2024-01-02,-3,4\n")
    out = tmp_path / "scenarios" / "media.yaml"
    done = subprocess.run([sys.executable, "-m", "sim.calibrate.acquisition", str(path), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 2 and not out.exists()
    assert done.stderr == "error: row 2: search = '-3': spend must be a number >= 0\n"


def delayed_adstock(spend: np.ndarray, carryover: float, peak: float, lags: int) -> np.ndarray:
    """Jin et al. (2017): s_t = sum_l w_l b_{t-l}, w_l = carryover^((l - peak)^2) normalised, by a plain loop."""
    w = np.array([carryover ** ((lag - peak) ** 2) for lag in range(lags)])
    w = w / w.sum()
    return np.array([sum(w[lag] * spend[t - lag] for lag in range(lags) if t - lag >= 0) for t in range(spend.size)])


def test_a_delayed_adstock_and_its_peak_are_recovered_and_carried_into_the_scenario():
    truth = {"search": {**TRUE["search"], "carryover": 0.6, "peak_delay": 4.0},
             "social": {**TRUE["social"], "carryover": 0.8, "peak_delay": 1.0}}
    rng = np.random.default_rng(21)
    day = np.arange(730)
    table, mean = {"date": (ORIGIN + day).astype(str)}, baseline(day, BASELINE)
    for name, p in truth.items():
        table[name] = spend_path(rng, 730, p["half_saturation_budget"])
        curve = {k: p[k] for k in ("max_customers", "half_saturation_budget", "hill_shape")}
        mean = mean + hill(delayed_adstock(table[name], p["carryover"], p["peak_delay"], 14), **curve)
    table["new_customers"] = rng.negative_binomial(50, 50 / (50 + mean))
    fit = fit_acquisition(table, adstock="delayed", max_lag=14, weekly=1, yearly=1)
    for name, p in truth.items():
        for key in ("peak_delay", "carryover", "half_saturation_budget", "max_customers"):
            assert abs(fit.params[name][key] - p[key]) < 3 * fit.se[name][key], (name, key, fit.params[name][key])
    channel = fit.to_config(uncertainty=False)["channels"]["search"]
    assert (channel["adstock"], channel["max_lag"]) == ("delayed", 14)
    assert channel["peak_delay"] == pytest.approx(fit.params["search"]["peak_delay"])
    # a plan from the day after the history carries its last max_lag - 1 days of spend
    plan = {"date": (ORIGIN + 730 + np.arange(5)).astype(str), "search": [1000.0] * 5, "social": [0.0] * 5}
    planned = fit.to_config(uncertainty=False, plan=plan)["channels"]
    assert planned["search"]["spend_before"] == pytest.approx(list(table["search"][-13:]))
    assert "initial_adstock" not in planned["search"]
