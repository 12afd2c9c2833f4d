"""Calibration: parameter recovery, the published CDNOW fit, holdout output and bad data."""
from __future__ import annotations

import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

import sim
from conftest import compose, final_state, homogeneous, keeping
from sim import calibrate
from sim.calibrate import DataError, DailyBGBB
from sim.calibrate.fit_uncertainty import uncertainty

DATA = Path(__file__).parent / "data" / "cdnow"
SAMPLE = DATA / "cdnow_sample.csv"


def assert_recovered(fit, truth: dict, z: float = 4.0):
    for name, value in truth.items():
        assert abs(fit.params[name] - value) < z * fit.se[name], (
            f"{name}: {fit.params[name]:.4g} vs {value} (se {fit.se[name]:.2g})")


def test_sbg_recovers_the_engines_beta_churn():
    a, b, period, periods = 1.5, 6.0, 30, 12
    people = final_state(compose(*homogeneous(), f"population.churn_prob={{dist: beta, a: {a}, b: {b}}}",
                                 f"retention.period_days={period}", f"horizon.ltv_days={period * periods}",
                                 "population.initial_customers=20000", "horizon.acquisition_days=1")).people
    churn_age = np.where(people.ti_churned >= 0, people.ti_churned - people.ti_activated, 10 ** 6)
    survivors = [int((churn_age > k * period).sum()) for k in range(periods)]
    fit = calibrate.retention_from_survival(survivors)
    assert abs(fit["a"] - a) < 4 * fit["se"]["a"] and abs(fit["b"] - b) < 4 * fit["se"]["b"]
    assert fit["loglik"] < 0


def test_daily_bgbb_recovers_the_engines_purchase_and_churn():
    truth = {"alpha": 0.6, "beta": 40.0, "gamma": 0.8, "delta": 60.0}
    days = 200
    cfg = compose(*homogeneous(), "population.initial_customers=30000", "horizon.acquisition_days=1",
                  f"horizon.ltv_days={days}",
                  f"population.daily_purchase_prob={{dist: beta, a: {truth['alpha']}, b: {truth['beta']}}}",
                  f"population.churn_prob={{dist: beta, a: {truth['gamma']}, b: {truth['delta']}}}")
    people = final_state(cfg, processes=[keeping("ti_last_purchase")]).people
    # the run's last day (age `days`) is just outside the LTV window that n_purchases counts
    repeats = people.n_purchases - 1 + (people.ti_last_purchase == days)
    recency = np.where(repeats > 0, people.ti_last_purchase, 0)
    fit = DailyBGBB().fit(repeats, recency, np.full(people.n, days))
    assert_recovered(fit, truth)


def synthetic_transactions(customers=4000, end=180, seed=1):
    """A transaction log drawn from the daily BG/BB and Gamma-Gamma processes, independently of the engine."""
    rng = np.random.default_rng(seed)
    p = rng.beta(0.8, 30.0, customers)
    theta = rng.beta(1.0, 40.0, customers)
    nu = rng.gamma(4.0, 1 / 20.0, customers)          # Gamma-Gamma: q = 4, gamma = 20 (rate)
    first = rng.integers(0, 30, customers)
    rows = {"customer_id": [], "date": [], "amount": []}
    alive = np.ones(customers, dtype=bool)
    origin = np.datetime64("2024-01-01")

    def buy(ids, day):
        rows["customer_id"].extend(f"c{i}" for i in ids)
        rows["date"].extend(str(origin + int(day)) for _ in ids)
        rows["amount"].extend(rng.gamma(5.0, 1 / nu[ids]).round(2))   # Gamma-Gamma: p = 5

    for day in range(end + 1):
        started = first < day
        alive &= ~(started & (rng.random(customers) < theta))
        buy(np.flatnonzero(first == day), day)
        buy(np.flatnonzero(started & alive & (rng.random(customers) < p)), day)
    return rows


def test_from_transactions_recovers_the_generating_process():
    calibration = calibrate.from_transactions(synthetic_transactions(), "2024-06-29")
    assert_recovered(calibration.purchase_churn, {"alpha": 0.8, "beta": 30.0, "gamma": 1.0, "delta": 40.0})
    assert_recovered(calibration.spend, {"p": 5.0, "q": 4.0, "gamma": 20.0})
    population = calibration.population()
    assert population["daily_purchase_prob"]["dist"] == "beta"
    assert population["spend"]["mean"] == pytest.approx(5 * 20 / 3, rel=0.15)   # p gamma / (q - 1)


def test_bgnbd_on_cdnow_reproduces_the_published_parameters():
    # Fader, Hardie & Lee (2005): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 (1/10 sample, 39 weeks)
    reference = calibrate.from_transactions(SAMPLE, "1997-09-30").reference.params
    for name, published in (("r", 0.243), ("alpha", 4.414), ("a", 0.793), ("b", 2.426)):
        assert float(f"{reference[name]:.2g}") == float(f"{published:.2g}"), name


PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}     # Fader, Hardie & Lee (2005), CDNOW


def test_bgnbd_conditional_expectation_is_the_published_one():
    # Fader, Hardie & Lee (2005), p. 280: a customer with x = 2, t_x = 30.43, T = 38.86 weeks is
    # expected to make 1.226 repeat purchases in the next 39 weeks
    value = calibrate.BetaGeometricNBD.conditional_expected_repeats(PUBLISHED_BGNBD, 39, 2, 30.43, 38.86)
    assert float(value) == pytest.approx(1.226, abs=0.0005)


def test_bgnbd_probability_alive_is_the_likelihoods_share_of_survival():
    """P(alive | x, t_x, T) = L(survived) / L from the likelihood's two terms [Fader, Hardie & Lee 2005,
    eq. 6], computed here from those terms, not by the formula tested."""
    from scipy.special import betaln, gammaln
    r, alpha, a, b = (PUBLISHED_BGNBD[n] for n in ("r", "alpha", "a", "b"))
    x, t_x, big_t = np.array([0, 1, 2, 5, 10]), np.array([0, 5, 30.43, 20, 38]), np.array([38.86, 30, 38.86, 38, 39])
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    survived = np.exp(betaln(a, b + x) - betaln(a, b) + common - (r + x) * np.log(alpha + big_t))
    dropped = np.where(x > 0, np.exp(betaln(a + 1, b + np.maximum(x, 1) - 1) - betaln(a, b) + common
                                     - (r + x) * np.log(alpha + t_x)), 0.0)
    expected = survived / (survived + dropped)
    got = calibrate.BetaGeometricNBD.probability_alive(PUBLISHED_BGNBD, x, t_x, big_t)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    assert got[0] == 1.0 and got[3] < got[4]        # no repeat: alive; a recent buyer more so than a lapsed one


def test_pareto_nbd_on_cdnow_reproduces_the_published_fit():
    # Fader, Hardie & Lee (2005, note 008): r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669,
    # log-likelihood -9595.0 on the CDNOW sample (2,357 customers, 39 weeks)
    summary = calibrate.from_transactions(SAMPLE, "1997-09-30").summary
    fit = calibrate.ParetoNBD().fit(summary.repeats, summary.recency / 7.0, summary.age / 7.0)
    for name, published in (("r", 0.553), ("alpha", 10.578), ("s", 0.606), ("beta", 11.669)):
        assert fit.params[name] == pytest.approx(published, abs=0.0015), name
    assert fit.loglik == pytest.approx(-9594.98, abs=0.01)


@pytest.mark.parametrize("s", [0.606, 1.6])
def test_pareto_nbd_expected_repeats_is_the_mean_of_the_process(s):
    """E[X(t)] against 400,000 customers drawn from the model: lambda ~ Gamma(r, 1/alpha),
    lifetime ~ Exp(mu), mu ~ Gamma(s, 1/beta), Poisson purchases while alive (4 standard errors)."""
    params = {"r": 0.553, "alpha": 10.578, "s": s, "beta": 11.669}
    rng = np.random.default_rng(0)
    rate = rng.gamma(params["r"], 1 / params["alpha"], 400_000)
    life = rng.exponential(1 / rng.gamma(params["s"], 1 / params["beta"], 400_000))
    for t in (10.0, 39.0, 78.0):
        counts = rng.poisson(rate * np.minimum(life, t))
        expected = calibrate.ParetoNBD.expected_repeats(params, t)
        assert float(expected) == pytest.approx(counts.mean(), abs=4 * counts.std() / np.sqrt(counts.size)), t


def test_mbgnbd_on_cdnow_reproduces_the_published_fit():
    # BTYDplus (Platzer), the MBG/NBD on the CDNOW sample: r = 0.525, alpha = 6.183, a = 0.891, b = 1.614
    summary = calibrate.from_transactions(SAMPLE, "1997-09-30").summary
    fit = calibrate.ModifiedBGNBD().fit(summary.repeats, summary.recency / 7.0, summary.age / 7.0)
    for name, published in (("r", 0.525), ("alpha", 6.183), ("a", 0.891), ("b", 1.614)):
        assert fit.params[name] == pytest.approx(published, abs=0.0015), name


def test_mbgnbd_expected_repeats_is_the_mean_of_the_process():
    """E[X(t)] against 1,000,000 customers drawn from the model: lambda ~ Gamma(r, 1/alpha),
    p ~ Beta(a, b), a drop-out check with p at time zero and after each purchase (4 standard errors)."""
    params = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
    rng = np.random.default_rng(1)
    rate = rng.gamma(params["r"], 1 / params["alpha"], 1_000_000)
    purchases_before_drop_out = rng.geometric(rng.beta(params["a"], params["b"], 1_000_000)) - 1
    for t in (1.0, 31.8571, 78.0):
        counts = np.minimum(purchases_before_drop_out, rng.poisson(rate * t))
        expected = calibrate.ModifiedBGNBD.expected_repeats(params, t)
        assert float(expected) == pytest.approx(counts.mean(), abs=4 * counts.std() / np.sqrt(counts.size)), t


N_DRAWN = 1_000_000


def test_pareto_nbd_alive_and_future_of_one_time_buyers_match_draws_from_the_process():
    """Customers drawn from the Pareto/NBD; those without a repeat purchase in (0, 38.86]: the share
    still alive, and their mean purchases in the next 39 weeks, against P(alive) and E[Y(39) | 0, 0, T]."""
    params, big_t, t = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}, 38.86, 39.0
    rng = np.random.default_rng(2)
    rate = rng.gamma(params["r"], 1 / params["alpha"], N_DRAWN)
    life = rng.exponential(1 / rng.gamma(params["s"], 1 / params["beta"], N_DRAWN))
    none = rng.poisson(rate * np.minimum(life, big_t)) == 0
    alive = life[none] > big_t
    future = rng.poisson(rate[none] * np.clip(life[none] - big_t, 0, t))
    model = calibrate.ParetoNBD
    assert float(model.probability_alive(params, 0, 0, big_t)) == pytest.approx(
        alive.mean(), abs=4 * np.sqrt(alive.mean() * (1 - alive.mean()) / alive.size))
    assert float(model.conditional_expected_repeats(params, t, 0, 0, big_t)) == pytest.approx(
        future.mean(), abs=4 * future.std() / np.sqrt(future.size))


def test_mbgnbd_alive_and_future_of_one_time_buyers_match_draws_from_the_process():
    """The same for the MBG/NBD: a customer drops out with p at time zero or after a purchase; a
    one-time buyer is alive if it passed the check at time zero and bought nothing since."""
    params, big_t, t = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}, 38.86, 39.0
    rng = np.random.default_rng(3)
    rate = rng.gamma(params["r"], 1 / params["alpha"], N_DRAWN)
    drop = rng.beta(params["a"], params["b"], N_DRAWN)
    passed = rng.random(N_DRAWN) >= drop
    none = ~passed | (rng.poisson(rate * big_t) == 0)
    alive = passed[none]
    # an alive one-time buyer's next purchases: Poisson, each followed by the drop-out check
    before_drop = rng.geometric(drop[none])         # purchases until one is followed by a drop-out (at least 1)
    future = np.where(alive, np.minimum(before_drop, rng.poisson(rate[none] * t)), 0)
    model = calibrate.ModifiedBGNBD
    assert float(model.probability_alive(params, 0, 0, big_t)) == pytest.approx(
        alive.mean(), abs=4 * np.sqrt(alive.mean() * (1 - alive.mean()) / alive.size))
    assert float(model.conditional_expected_repeats(params, t, 0, 0, big_t)) == pytest.approx(
        future.mean(), abs=4 * future.std() / np.sqrt(future.size))


@pytest.mark.parametrize("model, params", [
    (calibrate.BetaGeometricNBD, PUBLISHED_BGNBD),
    (calibrate.ModifiedBGNBD, {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}),
    (calibrate.ParetoNBD, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}),
])
def test_a_customer_just_acquired_is_expected_to_buy_the_unconditional_number(model, params):
    t = np.array([1.0, 39.0, 78.0])
    np.testing.assert_allclose(model.conditional_expected_repeats(params, t, 0, 0, 0),
                               model.expected_repeats(params, t), rtol=1e-10)


def test_holdout_forecast_on_the_cdnow_sample():
    forecast = calibrate.holdout_forecast(SAMPLE, "1997-09-30", "1998-06-30", replications=4)
    lengths = {k: len(v) for k, v in forecast.items() if isinstance(v, np.ndarray)}
    assert set(lengths.values()) == {78}
    assert {"time", "actual", "simulated", "simulated_p05", "simulated_p95"} <= set(lengths)
    assert set(forecast["closed_forms"]) == {"BG/BB", "BG/NBD", "MBG/NBD", "Pareto/NBD"}
    # the sample's repeat transactions up to week 78, several a day counted once
    assert forecast["actual"][-1] == 4339
    assert np.all(np.diff(forecast["actual"]) >= 0)
    assert all(np.all(np.diff(series) >= 0) for series in forecast["closed_forms"].values())
    assert np.all(forecast["simulated_p05"] <= forecast["simulated_p95"])
    assert abs(forecast["simulated"][-1] / forecast["actual"][-1] - 1) < 0.15


def test_the_calibration_command_writes_a_runnable_scenario(tmp_path):
    out = tmp_path / "scenarios" / "shop.yaml"
    done = subprocess.run([sys.executable, "-m", "sim.calibrate", str(SAMPLE), "--calibration-end",
                           "1997-09-30", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.startswith("# shop: customers calibrated from cdnow_sample.csv")
    assert "alpha = " in text and "1997-09-30" in text
    config = yaml.safe_load(text)
    result = sim.run({**config, "replications": 1})
    assert result.metrics["customers"] == 2357


@pytest.mark.parametrize("rows, message", [
    ({"customer_id": ["a"], "day": ["2024-01-01"], "amount": [1]}, "required column(s) date missing"),
    ({"customer_id": ["a", "b"], "date": ["2024-01-01", "2024-13-45"], "amount": [1, 2]},
     "row 2: date = '2024-13-45': not a date"),
    ({"customer_id": ["a", "b"], "date": ["2024-01-01", "2024-01-02"], "amount": [1, -2]},
     "row 2: amount = -2: a refund (1 in all); pass --refunds net"),
    ({"customer_id": ["a", "b"], "date": ["2024-01-01", "2024-01-02"], "amount": [1, "ten"]},
     "row 2: amount = 'ten': not a number"),
    ({"customer_id": [], "date": [], "amount": []}, "no transactions"),
])
def test_malformed_data_is_rejected_with_a_clear_message(rows, message):
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        calibrate.from_transactions(rows, "2024-01-02")


def test_calibration_end_must_lie_inside_the_data():
    with pytest.raises(DataError, match="calibration_end = '1999-01-01'"):
        calibrate.from_transactions(SAMPLE, "1999-01-01")
    with pytest.raises(DataError, match="not a date"):
        calibrate.from_transactions(SAMPLE, "end of September")


def test_a_missing_file_and_an_empty_file(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        calibrate.from_transactions(tmp_path / "nope.csv", "2024-01-01")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        calibrate.from_transactions(tmp_path / "empty.csv", "2024-01-01")


def test_rows_repeated_exactly_are_summed_with_a_warning():
    rows = {"customer_id": ["a", "a", "a", "b"], "date": ["2024-01-01", "2024-01-01", "2024-01-03", "2024-01-01"],
            "amount": [5, 5, 7, 1]}
    with pytest.warns(calibrate.data.DataWarning, match="1 row.s. repeat an earlier row exactly.*data row 2"):
        tx = calibrate.data.load(rows)
    np.testing.assert_array_equal(tx.amount, [10, 7, 1])


def test_a_binary_file_and_a_ragged_line_name_the_problem(tmp_path):
    (tmp_path / "orders.csv.gz").write_bytes(b"\x1f\x8b\x08\x00\xff\xfe binary")
    with pytest.raises(DataError, match="not UTF-8 text"):
        calibrate.data.load(tmp_path / "orders.csv.gz")
    (tmp_path / "ragged.csv").write_text("customer_id,date,amount\na,2024-01-01,1\n\nb,2024-01-02\n")
    with pytest.raises(DataError, match="line 4: 2 fields, expected 3"):
        calibrate.data.load(tmp_path / "ragged.csv")


def fixed_width_rows(customer, dates, cents) -> np.ndarray:
    """Rows ``C0012345,2022-01-01,1234.56`` (customer < 10^7, cents in [10^5, 10^6)) as bytes,
    built digit by digit with numpy: 100 MB in a fraction of the time string formatting takes."""
    n = customer.size
    rows = np.empty((n, 28), dtype=np.uint8)
    rows[:, 0] = ord("C")
    for k in range(7):
        rows[:, 1 + k] = ord("0") + customer // 10 ** (6 - k) % 10
    rows[:, 8] = rows[:, 19] = ord(",")
    rows[:, 9:19] = dates.astype("S10").view(np.uint8).reshape(n, 10)
    for k, place in enumerate((5, 4, 3, 2, None, 1, 0)):            # dddd.dd
        rows[:, 20 + k] = ord(".") if place is None else ord("0") + cents // 10 ** place % 10
    rows[:, 27] = ord("\n")
    return rows


def test_a_100_megabyte_file_is_read_completely(tmp_path):
    # 3.8 million rows, about 100 MB: every row is read, same-day purchases
    # merged, and the counts match those computed from the generating arrays.
    rng = np.random.default_rng(5)
    n = 3_800_000
    customer, day = rng.integers(0, 250_000, n), rng.integers(0, 730, n)
    cents = rng.integers(100_000, 1_000_000, n)
    path = tmp_path / "orders.csv"
    with path.open("wb") as handle:
        handle.write(b"customer_id,date,amount\n")
        fixed_width_rows(customer, np.datetime64("2022-01-01") + day, cents).tofile(handle)
    assert path.stat().st_size > 100e6
    with warnings.catch_warnings():      # random rows may repeat one another exactly
        warnings.simplefilter("ignore", calibrate.data.DataWarning)
        tx = calibrate.data.load(path)
    assert tx.ids.size == np.unique(customer).size
    assert tx.customer.size == np.unique(customer * 1000 + day).size
    assert tx.amount.sum() == pytest.approx(cents.sum() / 100, rel=1e-9)


def test_uncertainty_log_sds_are_the_fit_covariance_in_the_configs_parameterisation():
    """Beta parameters are fitted parameters: log-sd sqrt(Sigma_ii). The spend's mean
    p gamma / (q - 1) and sigma sqrt(ln(1 + 1/(q - 2))) take the delta method, here
    with the gradients worked out by hand."""
    c = calibrate.from_transactions(synthetic_transactions(customers=1000), "2024-06-29")
    entries = uncertainty(c)
    sd = np.sqrt(np.diag(c.purchase_churn.log_cov))
    for path, i in (("daily_purchase_prob.a", 0), ("daily_purchase_prob.b", 1),
                    ("churn_prob.a", 2), ("churn_prob.b", 3)):
        assert entries[f"population.{path}"]["sigma"] == pytest.approx(sd[i], rel=1e-6), path
    p, q, gamma = (c.spend.params[n] for n in ("p", "q", "gamma"))
    mean_gradient = np.array([1.0, -q / (q - 1), 1.0])            # d log(mean) / d log(p, q, gamma)
    assert entries["population.spend.mean"]["sigma"] == pytest.approx(
        np.sqrt(mean_gradient @ c.spend.log_cov @ mean_gradient), rel=1e-6)
    log_spread = np.log1p(1 / (q - 2))
    sigma = np.sqrt(log_spread)
    sigma_gradient = -q / (2 * log_spread * (q - 1) * (q - 2))      # d log(sigma) / d log q
    assert entries["population.spend.sigma"]["sd"] == pytest.approx(
        sigma * abs(sigma_gradient) * np.sqrt(c.spend.log_cov[1, 1]), rel=1e-6)


def test_uncertainty_shrinks_with_a_larger_sample():
    """Four times the customers, half the log-sd: the entries follow the covariance."""
    small, large = (uncertainty(calibrate.from_transactions(synthetic_transactions(customers=n, seed=2),
                                                            "2024-06-29"))
                    for n in (1000, 4000))
    assert small.keys() == large.keys() and len(small) == 6

    def spread(entry):
        return entry["sigma"] if entry["dist"] == "lognormal" else entry["sd"] / entry["mean"]

    for path in small:
        assert 0.3 < spread(large[path]) / spread(small[path]) < 0.7, path


def test_an_entry_without_a_variance_is_left_out_with_a_warning():
    c = calibrate.from_transactions(synthetic_transactions(customers=1000), "2024-06-29")
    singular = replace(c.purchase_churn, log_cov=np.full((4, 4), np.nan))
    with pytest.warns(calibrate.DataWarning) as caught:
        entries = uncertainty(replace(c, purchase_churn=singular))
    assert set(entries) == {"population.spend.mean", "population.spend.sigma"}
    messages = [str(w.message) for w in caught]
    for path in ("daily_purchase_prob.a", "daily_purchase_prob.b", "churn_prob.a", "churn_prob.b"):
        assert any(m.startswith(f"uncertainty: population.{path} left out: its variance is not available")
                   for m in messages), messages


@pytest.mark.parametrize("model", [calibrate.BetaGeometricNBD, calibrate.ModifiedBGNBD, calibrate.ParetoNBD])
def test_a_binned_summary_with_weights_fits_as_its_customers_one_by_one(model):
    summary = calibrate.from_transactions(SAMPLE, "1997-09-30").summary
    x, t_x, big_t = summary.repeats, summary.recency / 7.0, summary.age / 7.0
    rows, inverse, counts = np.unique(np.stack([x, t_x, big_t], axis=1), axis=0, return_inverse=True,
                                      return_counts=True)
    one_by_one = model().fit(x, t_x, big_t)
    binned = model().fit(*rows.T, weights=counts)
    assert binned.params == pytest.approx(one_by_one.params, rel=1e-6)
    assert binned.loglik == pytest.approx(one_by_one.loglik, rel=1e-9)
    assert rows.shape[0] < x.size / 2                      # the summary is a real compression
    with pytest.raises(ValueError, match="weights: one finite number >= 0 per customer row"):
        model().fit(*rows.T, weights=-counts)


@pytest.mark.parametrize("survivors, published", [
    ([1000, 631, 468, 382, 326, 289, 262, 241], (0.704, 1.182, -1680.3)),      # "regular" customers
    ([1000, 869, 743, 653, 593, 551, 517, 491], (0.668, 3.806, -1611.2)),      # "high end" customers
])
def test_sbg_reproduces_the_published_fits(survivors, published):
    """Fader & Hardie (2007), "How to project customer retention", J. Interactive Marketing 21(1):
    the sBG on the first seven years of each segment."""
    fit = calibrate.retention_from_survival(survivors)
    a, b, loglik = published
    assert fit["a"] == pytest.approx(a, abs=0.0005) and fit["b"] == pytest.approx(b, abs=0.0005)
    assert fit["loglik"] == pytest.approx(loglik, abs=0.05)
