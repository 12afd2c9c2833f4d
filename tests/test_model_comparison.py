"""The customer-base models side by side (sim.calibrate.compare) and the command's comparison."""
from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

from sim import calibrate
from sim.calibrate import DataError, compare, holdout
from test_bgbb_period import donation_log
from test_calibration import SAMPLE

#: Repeat purchase days of the CDNOW sample's customers from 1997-10-01 to 1998-06-30: 4,339 by
#: week 78 less 2,457 by week 39 (counted independently in test_calibration).
SAMPLE_HOLDOUT = 1882


@pytest.fixture(scope="module")
def sample():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", calibrate.DataWarning)
        calibration = calibrate.from_transactions(SAMPLE, "1997-09-30")
    fitted = compare.candidates(calibration)
    return calibration, fitted, holdout.forecast(calibration, "1998-06-30", replications=4, fitted=fitted)


def test_every_model_is_fitted_and_its_published_likelihood_reproduced(sample):
    calibration, fitted, _ = sample
    by_label = {c.label: c for c in fitted}
    assert set(by_label) == {"BG/BB", "BG/NBD", "MBG/NBD", "Pareto/NBD"}
    # published CDNOW-sample log-likelihoods (Fader, Hardie & Lee 2005; note 008; BTYDplus)
    assert by_label["BG/NBD"].fit.loglik == pytest.approx(-9582.4, abs=0.1)
    assert by_label["Pareto/NBD"].fit.loglik == pytest.approx(-9595.0, abs=0.1)
    assert by_label["MBG/NBD"].fit.loglik == pytest.approx(-9582.1, abs=0.1)
    assert by_label["BG/BB"].fit is calibration.purchase_churn        # the written fit, not refitted


def test_the_table_sets_each_forecast_against_the_actual_holdout(sample):
    calibration, fitted, forecast = sample
    rows = compare.table(calibration, fitted, forecast)
    assert forecast["holdout"]["actual"] == SAMPLE_HOLDOUT
    for row in rows:
        assert row["unconditional_error"] == pytest.approx(row["unconditional"] / SAMPLE_HOLDOUT - 1)
        assert row["aic" if "aic" in row else "interval"] is not None
    bgnbd = next(r for r in rows if r["model"] == "BG/NBD")
    # from the first purchase: the closed form summed over the customers at the ends of days 545
    # (1998-06-30) and 272 (1997-09-30), their ages counted as the summary counts them
    first = calibration.summary.first_day
    expected = sum(calibrate.BetaGeometricNBD.expected_repeats(calibration.reference.params, (day - first) / 7).sum()
                   * sign for day, sign in ((545, 1), (272, -1)))
    assert bgnbd["unconditional"] == pytest.approx(expected, rel=1e-9)
    assert bgnbd["aic"] == pytest.approx(8 - 2 * calibration.reference.loglik)
    assert not any(row.get("undetermined") for row in rows)
    text = compare.format_table(rows, SAMPLE_HOLDOUT)
    assert "* BG/BB" in text and "n/a" in text and f"{SAMPLE_HOLDOUT:,}" in text


def test_the_simulator_replays_the_pareto_nbd_it_writes():
    """The Pareto/NBD population (its rates as daily chances) forecasts the closed form's
    cumulative repeats within 4 standard errors plus the mapping's first-order bias (1 %)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", calibrate.DataWarning)
        calibration = calibrate.from_transactions(SAMPLE, "1997-09-30", model="pareto_nbd")
    assert calibration.retention() == {"period_days": 1, "repeats_from_first_decision": False}
    last_day = 545
    cfg = holdout.replay_config(calibration, last_day)
    _, states = holdout.run_with_parameter_draws(calibration, cfg, 20, draw_parameters=False)
    simulated = np.array([(s.ledger.daily["purchases"] - s.ledger.daily["new_customers"]).sum() for s in states])
    closed = calibrate.ParetoNBD.expected_repeats(calibration.purchase_churn.params,
                                                  (last_day - calibration.summary.first_day) / 7.0).sum()
    se = simulated.std(ddof=1) / np.sqrt(simulated.size)
    assert abs(simulated.mean() - closed) < 4 * se + 0.01 * closed


def test_only_models_the_simulator_can_run_are_written():
    with pytest.raises(DataError, match="model = 'bgnbd': must be one of bgbb, pareto_nbd"):
        calibrate.from_transactions(SAMPLE, "1997-09-30", model="bgnbd")


@pytest.mark.parametrize("every, message", [(0, "every = 0: must be a whole multiple of the period, 1 days"),
                                            (2.5, "every = 2.5: must be a whole multiple"),
                                            (10_000, "every = 10000: longer than the 546 days")])
def test_a_report_period_that_does_not_fit_is_refused(sample, every, message):
    calibration, fitted, _ = sample
    with pytest.raises(DataError, match=message):
        holdout.forecast(calibration, "1998-06-30", replications=1, fitted=fitted, every=every)


def test_the_command_prints_the_comparison_and_writes_the_report(tmp_path):
    report = tmp_path / "report"
    done = subprocess.run([sys.executable, "-m", "sim.calibrate", str(SAMPLE), "--calibration-end", "1997-09-30",
                           "--out", str(tmp_path / "shop.yaml"), "--every", "28", "--report", str(report),
                           "--gross-margin", "0.4"], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    for name in ("* BG/BB", "BG/NBD", "MBG/NBD", "Pareto/NBD", "simulator", "actual"):
        assert any(line.lstrip().startswith(name) for line in lines), name
    assert f"{SAMPLE_HOLDOUT:,}" in done.stdout
    header, *points = (report / "holdout.csv").read_text().splitlines()
    assert header.split(",")[:3] == ["end_of_period_28d", "actual", "simulated"]
    assert len(points) == 546 // 28                      # one row every 28 days to 1998-06-30
    assert len((report / "models.csv").read_text().splitlines()) == 1 + 5
    assert (report / "holdout.png").stat().st_size > 10_000


def test_the_command_refuses_a_model_it_cannot_write(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sim.calibrate", str(SAMPLE), "--calibration-end", "1997-09-30",
                           "--out", str(tmp_path / "shop.yaml"), "--model", "bgnbd"], capture_output=True, text=True)
    assert done.returncode == 2 and not (tmp_path / "shop.yaml").exists()
    assert done.stderr.count("\n") == 1 and "--model" in done.stderr and "pareto_nbd" in done.stderr


def test_annual_data_compared_on_a_yearly_holdout_flag_the_continuous_fits_at_the_edge():
    """Donations (one opportunity a year) calibrated on 1995-1998, holdout 1999-2001: the BG/BB
    forecasts the holdout within 3 %; the data do not determine the continuous models, misspecified
    for a yearly grid (an edge, or standard errors many times the estimates), and the table says so."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", calibrate.DataWarning)
        calibration = calibrate.from_transactions(donation_log(np.random.default_rng(3)), "1998-12-31", period=365)
        fitted = compare.candidates(calibration)
        forecast = holdout.forecast(calibration, "2001-12-31", replications=2, fitted=fitted)
    assert forecast["every"] == 365 and forecast["calibration_time"] == 4
    rows = {row["model"]: row for row in compare.table(calibration, fitted, forecast)}
    assert abs(rows["BG/BB"]["conditional_error"]) < 0.03 and not rows["BG/BB"]["undetermined"]
    assert all(rows[name]["undetermined"] for name in ("BG/NBD", "MBG/NBD", "Pareto/NBD"))
    assert "not determined by the data" in compare.format_table(list(rows.values()), forecast["holdout"]["actual"])


def test_a_holdout_ending_before_the_data_counts_only_the_purchases_up_to_its_end(sample):
    """Purchases after ``holdout_end`` are left out of the actual series, not wrapped into it."""
    calibration, fitted, _ = sample
    forecast = holdout.forecast(calibration, "1998-03-31", replications=1, fitted=fitted)
    tx = calibration.transactions
    end = tx.day_of("1998-03-31")
    first = np.full(tx.ids.size, np.iinfo(np.int64).max)
    np.minimum.at(first, tx.customer, tx.day)
    repeat = (tx.day > first[tx.customer]) & (first[tx.customer] <= 272)
    assert forecast["actual"][-1] == np.count_nonzero(repeat & (tx.day <= (end + 1) // 7 * 7 - 1))
    assert forecast["holdout"]["actual"] == np.count_nonzero(repeat & (tx.day > 272) & (tx.day <= end))
