"""Replications, aggregation and the run directory."""
from __future__ import annotations

import json

import numpy as np
import pytest

import sim
from conftest import compose

SMALL = ["horizon.acquisition_days=30", "horizon.ltv_days=60"]


@pytest.fixture(scope="module")
def result():
    return sim.run(compose(*SMALL, "replications=5"))


def test_metrics_are_means_with_percentile_intervals(result):
    assert result.replications == 5
    for name, values in result.per_replication.items():
        assert values.shape == (5,)
        if np.all(np.isfinite(values)):
            assert result.metrics[name] == pytest.approx(values.mean())
            low, high = result.intervals[name]
            assert low == pytest.approx(np.percentile(values, 5))
            assert high == pytest.approx(np.percentile(values, 95))
            assert low <= result.metrics[name] <= high
    assert result.intervals["ltv"][0] < result.intervals["ltv"][1]


def test_undefined_in_one_replication_means_undefined():
    outcome_values = {"payback_days": [10.0, float("nan")]}
    from sim.metrics import Outcome
    outcomes = [Outcome({"payback_days": v}, {"day": np.zeros(1)}, {"customers": np.ones(1)},
                        np.ones(1)) for v in outcome_values["payback_days"]]
    aggregated = sim.Result.from_outcomes(outcomes)
    assert np.isnan(aggregated.metrics["payback_days"])
    assert aggregated.metrics_record()["payback_days"]["mean"] is None


def test_daily_has_the_contract_series(result):
    for key in ("day", "active", "new_customers", "revenue", "acquisition_spend"):
        assert result.daily[key].shape == (90,)
    frame = result.to_frame()
    assert list(frame.index[:3]) == [0, 1, 2]
    assert frame["acquisition_spend"].sum() == pytest.approx(result.metrics["acquisition_spend"])


def test_save_and_load_round_trip(result, tmp_path):
    result.save(tmp_path)
    record = json.loads((tmp_path / "metrics.json").read_text())
    assert set(record["cac"]) == {"mean", "p05", "p95"}
    assert not list(tmp_path.glob("*.tmp"))
    loaded = sim.Result.load(tmp_path)
    assert loaded.metrics["cac"] == pytest.approx(result.metrics["cac"])
    assert loaded.intervals["ltv"] == pytest.approx(result.intervals["ltv"])
    for key in result.daily:
        np.testing.assert_allclose(loaded.daily[key], result.daily[key])
    np.testing.assert_allclose(loaded.cohorts["customers"], result.cohorts["customers"])


def test_one_replication_writes_plain_numbers(tmp_path):
    sim.run(compose(*SMALL, "replications=1")).save(tmp_path)
    record = json.loads((tmp_path / "metrics.json").read_text())
    assert isinstance(record["cac"], float) and isinstance(record["customers"], (int, float))


def test_cohorts_cover_the_acquisition_window(result):
    cohorts = result.cohorts
    assert list(cohorts["cohort_start_day"]) == [0.0]
    assert cohorts["customers"].sum() == pytest.approx(result.metrics["customers"])
    assert cohorts["ltv"][0] == pytest.approx(result.metrics["ltv"])
    assert np.all(np.diff(result.retention) <= 0)


def test_figures_are_drawn(result, tmp_path):
    paths = sim.plot.save_all(result, tmp_path)
    assert {p.name for p in paths} == {"funnel.png", "cac_ltv.png", "retention.png", "daily.png",
                                       "response_curves.png", "channels.png", "cohorts.png",
                                       "cac_ltv_by_cohort.png"}
    assert all(p.stat().st_size > 5000 for p in paths)


def test_bands_equal_column_by_column_nanpercentile():
    # The vectorised band must match the straightforward per-column
    # nanpercentile exactly, with NaN in some cells and whole columns.
    from sim.results import _band
    stacked = np.random.default_rng(0).normal(size=(10, 50))
    stacked[3, 5], stacked[:, 7] = np.nan, np.nan
    low, high = _band(stacked)
    with pytest.warns(RuntimeWarning):
        expected = np.nanpercentile(stacked, [5, 95], axis=0)
    np.testing.assert_array_equal(low, expected[0])
    np.testing.assert_array_equal(high, expected[1])


@pytest.mark.parametrize("scenario, overrides", [
    ("membership", []),
    ("channel_mix", ["+uncertainty={channels.search.precision: {dist: beta, a: 8, b: 2}}"]),
])
def test_a_run_directory_config_reproduces_the_run(tmp_path, scenario, overrides):
    """config.json holds every parameter of every enabled channel and policy, defaults
    included, and running it again gives the same numbers."""
    import dataclasses
    import json

    from sim.channels import KINDS as CHANNELS
    from sim.policies import KINDS as POLICIES

    cfg = sim.compose(scenario, ["replications=2", "horizon.acquisition_days=60", "horizon.ltv_days=60",
                                 *overrides])
    first = sim.run(cfg)
    first.save(tmp_path)
    record = json.loads((tmp_path / "config.json").read_text())["config"]
    for section, kinds in (("channels", CHANNELS), ("policies", POLICIES)):
        for name, spec in record[section].items():
            declared = {f.name for f in dataclasses.fields(kinds[spec["kind"]])
                        if f.init and f.name not in ("name", "source")}
            assert declared <= set(spec) | {"arrivals", "schedule"}, (name, declared - set(spec))
    again = sim.run(record)
    for metric, values in first.per_replication.items():
        np.testing.assert_array_equal(values, again.per_replication[metric], err_msg=metric)


def test_cohorts_csv_dates_each_cohort_from_the_calendars_start(tmp_path):
    result = sim.run(compose("horizon.acquisition_days=75", "horizon.ltv_days=30", "replications=1",
                             "calendar.start_date=2027-03-01"))
    result.save(tmp_path)
    header, *rows = (tmp_path / "cohorts.csv").read_text().splitlines()
    assert header.startswith("cohort_start_day,cohort_start_date,")
    assert [row.split(",")[1] for row in rows] == ["2027-03-01", "2027-03-31", "2027-04-30"]
    loaded = sim.Result.load(tmp_path)
    assert list(loaded.cohorts) == list(result.cohorts)
