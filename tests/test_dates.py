"""Dates and currency: day 0 is ``calendar.start_date``; a sale may start on a date; outputs carry both."""
from __future__ import annotations

import csv

import numpy as np
import pytest

import sim
from sim.params import validate
from sim.results import Result

from conftest import homogeneous


def test_a_sale_given_as_a_date_falls_on_the_day_it_names():
    by_date = validate(sim.compose("base", ["calendar.start_date=2027-01-01",
                                            "campaigns.sale_days=[{name: 11-11, start: 2027-11-11, days: 1, demand: 3}]"]))
    by_day = validate(sim.compose("base", ["campaigns.sale_days=[{name: 11-11, start: 314, days: 1, demand: 3}]"]))
    assert by_date.sale_days == by_day.sale_days
    assert np.array_equal(by_date.demand, by_day.demand)
    # a later start date brings the same calendar date closer to day 0
    later = validate(sim.compose("base", ["calendar.start_date=2027-03-01",
                                          "campaigns.sale_days=[{name: 11-11, start: 2027-11-11, days: 1, demand: 3}]"]))
    assert later.sale_days[0].start == 314 - 59


def test_the_shipped_sales_are_on_their_festival_dates():
    params = validate(sim.compose("new_pull"))
    dates = {event.name: np.datetime64(params.start_date) + event.start for event in params.sale_days}
    assert dates == {"6-18": np.datetime64("2027-06-16"), "11-11": np.datetime64("2027-11-11")}


def test_daily_csv_has_a_date_for_every_day_and_loads_back(tmp_path):
    cfg = sim.compose("base", homogeneous() + ["horizon.acquisition_days=3", "horizon.ltv_days=40",
                                               "calendar.start_date=2028-02-27", "economics.currency=EUR"])
    result = sim.run(cfg)
    result.save(tmp_path)
    with (tmp_path / "daily.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:2] == ["day", "date"] and [r["day"] for r in rows[:2]] == ["0", "1"]   # days are indices
    assert [r["date"] for r in rows[:4]] == ["2028-02-27", "2028-02-28", "2028-02-29", "2028-03-01"]  # a leap year
    assert len(rows) == 43
    loaded = Result.load(tmp_path)
    assert loaded.currency == "EUR" and "amounts in EUR" in loaded.summary().splitlines()[0]
    assert np.array_equal(loaded.dates(), result.dates())
    assert set(loaded.daily) == set(result.daily)


def test_the_default_currency_and_start_date_are_declared_once():
    params = validate(sim.compose("base"))
    assert (params.currency, params.start_date.isoformat()) == ("CNY", "2027-01-01")
    assert sim.run(sim.compose("base", homogeneous() + ["horizon.acquisition_days=1", "horizon.ltv_days=2"])
                   ).currency == "CNY"


@pytest.mark.parametrize("value", ["2027-1-1x", "tomorrow"])
def test_a_bad_date_names_the_key(value):
    with pytest.raises(sim.ConfigError, match="calendar.start_date"):
        validate(sim.compose("base", [f"calendar.start_date={value}"]))
