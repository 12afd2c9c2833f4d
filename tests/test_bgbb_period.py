"""BG/BB with a period: donations (one opportunity a year) against the published fit, P(alive)
and conditional expectations against a simulation of the model, and the period grid."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from omegaconf import OmegaConf

from conftest import final_state, keeping
from sim.calibrate import BGBB, DailyBGBB, data
from test_calibration_output import run_command

DONATIONS = np.loadtxt(Path(__file__).parent / "data" / "donations" / "donations.csv", delimiter=",",
                       skiprows=1).astype(np.int64)
#: Fader, Hardie & Shang (2010), Marketing Science 29(6), Table 2: the BG/BB on the 1995 cohort of donors.
PUBLISHED = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
PUBLISHED_LOGLIK = -33225.6


def test_bgbb_on_the_binned_donations_reproduces_the_published_fit():
    x, t_x, n, donors = DONATIONS.T
    assert donors.sum() == 11104 and len(donors) == 22
    fit = BGBB(period=365).fit(x, t_x, n, weights=donors)
    for name, value in PUBLISHED.items():
        assert fit.params[name] == pytest.approx(value, abs=0.0015), name
    assert fit.loglik == pytest.approx(PUBLISHED_LOGLIK, abs=0.05)


def donation_log(rng) -> dict:
    """The donations table as a log with real dates: each donor's first gift in 1995, repeats in
    the years its row says (the last in 1995 + t_x), every gift on a random day from March to
    October (a 365-day grid from 1995-01-01 drifts a day per leap year, well inside that)."""
    customers, dates = [], []
    for x, t_x, _, donors in DONATIONS.tolist():
        for donor in range(donors):
            years = [0] + ([] if x == 0 else [*rng.choice(np.arange(1, t_x), x - 1, replace=False), t_x])
            name = f"d{x}-{t_x}-{donor}"
            for year in years:
                customers.append(name)
                dates.append(np.datetime64(f"{1995 + year}-03-01") + int(rng.integers(0, 245)))
    # the data run from 1 January 1995 (the grid's start) to 31 December 2001 (the calibration end);
    # that last date is day 2,555, past the sixth 365-day year (two leap days), so it counts for nothing
    customers += ["bounds", "bounds"]
    dates += [np.datetime64("1995-01-01"), np.datetime64("2001-12-31")]
    return {"customer_id": customers, "date": dates, "amount": np.full(len(dates), 25.0)}


def test_donations_logged_with_real_dates_summarise_by_year_to_the_published_table():
    tx = data.load(donation_log(np.random.default_rng(0)))
    summary = data.summarise(tx, tx.day_of("2001-12-31"), period=365)
    donor = tx.ids != "bounds"                       # every customer has a purchase: a summary row each
    rows, counts = np.unique(np.stack([summary.repeats, summary.recency, summary.age], axis=1)[donor], axis=0,
                             return_counts=True)
    np.testing.assert_array_equal(rows, DONATIONS[:, :3])
    np.testing.assert_array_equal(counts, DONATIONS[:, 3])
    fit = BGBB(365).fit(summary.repeats[donor], summary.recency[donor], summary.age[donor])
    assert fit.params["alpha"] == pytest.approx(PUBLISHED["alpha"], abs=0.0015)


def simulate_bgbb(params, customers, periods, rng):
    """Purchases (customers × periods, after the first) of the BG/BB process, and each one's death period."""
    p = rng.beta(params["alpha"], params["beta"], customers)
    theta = rng.beta(params["gamma"], params["delta"], customers)
    death = rng.geometric(theta)                    # the first opportunity it is no longer alive in
    alive = np.arange(1, periods + 1)[None, :] < death[:, None]
    return alive & (rng.random((customers, periods)) < p[:, None]), death


def test_probability_alive_and_conditional_expectations_match_a_simulation_of_the_model():
    # 10^6 simulated donors over 6 + 5 years: per (x, t_x) cell with at least 2,000 donors, the share
    # alive through year 6 and the mean repeats in years 7-11 within 4 standard errors of the formulas.
    rng = np.random.default_rng(1)
    bought, death = simulate_bgbb(PUBLISHED, 1_000_000, 11, rng)
    past, future = bought[:, :6], bought[:, 6:].sum(axis=1)
    x = past.sum(axis=1)
    t_x = np.where(x > 0, 6 - np.argmax(past[:, ::-1], axis=1), 0)
    model = BGBB(365)
    checked = 0
    for xi, ti in {(a, b) for a, b in zip(x.tolist()[:20000], t_x.tolist()[:20000])}:
        cell = (x == xi) & (t_x == ti)
        if cell.sum() < 2000:
            continue
        alive, mean = (death[cell] > 6).mean(), future[cell].mean()
        expected_alive = model.probability_alive(PUBLISHED, [xi], [ti], [6])[0]
        expected_mean = model.conditional_expected_repeats(PUBLISHED, 5, [xi], [ti], [6])[0]
        assert abs(alive - expected_alive) < 4 * np.sqrt(expected_alive * (1 - expected_alive) / cell.sum()) + 1e-9
        assert abs(mean - expected_mean) < 4 * future[cell].std() / np.sqrt(cell.sum()), (xi, ti)
        checked += 1
    assert checked >= 15
    se = x.std() / np.sqrt(x.size)
    assert abs(x.mean() - model.expected_repeats(PUBLISHED, 6)) < 4 * se


@pytest.mark.filterwarnings("ignore::sim.calibrate.DataWarning")    # random days repeat: summed, as they should
def test_a_weekly_grid_counts_opportunities_as_a_brute_force_count_does():
    rng = np.random.default_rng(2)
    customer = rng.integers(0, 40, 600)
    day = rng.integers(0, 200, 600)
    tx = data.load({"customer_id": [f"c{c:02d}" for c in customer], "date": np.datetime64("2024-01-01") + day,
                    "amount": np.ones(600)})
    end = 150
    summary = data.summarise(tx, end, period=7)
    last = (end + 1) // 7 - 1
    expected = []
    for c in range(tx.ids.size):
        weeks = sorted({d // 7 for d in tx.day[tx.customer == c].tolist() if d // 7 <= last})
        if weeks:
            repeats = [w - weeks[0] for w in weeks[1:]]
            expected.append((weeks[0], len(repeats), max(repeats, default=0), last - weeks[0]))
    np.testing.assert_array_equal(np.stack([summary.first_day, summary.repeats, summary.recency, summary.age], 1),
                                  np.array(expected))
    same = data.summarise(tx, end)                  # period 1 is the daily summary
    np.testing.assert_array_equal(same.age, end - same.first_day)


def test_a_daily_bgbb_is_a_bgbb_of_one_day_and_bad_periods_are_refused():
    x, t_x, n, donors = DONATIONS.T
    assert DailyBGBB().fit(x, t_x, n, donors).params == BGBB(1).fit(x, t_x, n, donors).params
    for bad in (0, -7, 1.5, True):
        with pytest.raises(ValueError, match="period"):
            BGBB(bad)
    tx = data.load({"customer_id": ["a", "a"], "date": ["2024-01-01", "2024-06-01"], "amount": [1, 1]})
    with pytest.raises(data.DataError, match="holds 0 whole opportunities of 365 days; it needs at least 2"):
        data.summarise(tx, 152, period=365)


@pytest.fixture(scope="module")
def donations_csv(tmp_path_factory):
    log = donation_log(np.random.default_rng(3))
    path = tmp_path_factory.mktemp("donations") / "donations.csv"
    with path.open("w") as handle:
        handle.write("customer_id,date,amount\n")
        handle.writelines(f"{c},{d},{a}\n" for c, d, a in zip(log["customer_id"], log["date"], log["amount"]))
    return path


def test_annual_data_fitted_by_day_is_an_error_that_names_the_period(donations_csv, tmp_path):
    status, out, err = run_command(donations_csv, "--calibration-end", "2001-12-31", "--out", tmp_path / "d.yaml")
    assert status == 2 and err.count("\n") == 1, err
    assert "at most one purchase every 365 days in the data (0.0% of customer-periods hold two or more): " \
           "fitted by day, the model is not the data's and its forecast is off; use --period 365" in err
    assert not (tmp_path / "d.yaml").exists()


def test_annual_data_with_period_365_simulates_the_bgbb_it_fitted(donations_csv, tmp_path):
    """The written scenario decides churn yearly and buys from the first decision on: simulated, the
    donors' repeat donations over years 1-6 average E[X(6)] of the fit, within 4 standard errors."""
    out = tmp_path / "donations.yaml"
    status, _, err = run_command(donations_csv, "--calibration-end", "2001-12-31", "--out", out, "--period", "365",
                                 "--ltv-days", str(7 * 365), "--gross-margin", "1", "--no-uncertainty")
    assert status == 0, err
    config = yaml.safe_load(out.read_text())
    assert config["retention"] == {"period_days": 365, "repeats_from_first_decision": True}
    churn = config["population"]["churn_prob"]
    assert churn["a"] == pytest.approx(PUBLISHED["gamma"], abs=0.01)
    assert churn["b"] == pytest.approx(PUBLISHED["delta"], abs=0.05)
    state = final_state(OmegaConf.create({**config, "replications": 1, "progress": False}),
                        processes=[keeping("ti_last_purchase")])
    repeats = state.people.n_purchases - 1
    x = DONATIONS[:, 0]
    fitted = BGBB(365).fit(x, DONATIONS[:, 1], DONATIONS[:, 2], weights=DONATIONS[:, 3]).params
    expected = BGBB.expected_repeats(fitted, 6)
    assert repeats.size == 11105
    assert abs(repeats.mean() - expected) < 4 * repeats.std() / np.sqrt(repeats.size), (repeats.mean(), expected)
    assert state.people.ti_last_purchase[repeats == 0].max() == 0      # nobody repeats inside year 0
