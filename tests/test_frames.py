"""Ecosystem outputs: a Result as pandas and xarray, a collected sweep as wide and long frames and parquet."""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.collection import main as collect_command
from sim.results import write_error

SMALL = ["horizon.acquisition_days=5", "horizon.ltv_days=10", "calendar.start_date=2028-02-27"]


@pytest.fixture(scope="module")
def result():
    return sim.run(sim.compose("base", [*SMALL, "replications=3"]))


def test_the_wide_frame_is_the_daily_series_with_their_dates(result):
    frame = result.to_frame()
    assert list(frame.columns) == ["date", *(name for name in result.daily if name != "day")]
    assert np.array_equal(frame.index, result.daily["day"])
    for name in frame.columns[1:]:
        assert np.array_equal(frame[name].to_numpy(), result.daily[name]), name
    assert [str(d.date()) for d in frame["date"][:4]] == ["2028-02-27", "2028-02-28", "2028-02-29", "2028-03-01"]


def test_the_long_frame_holds_each_day_and_series_once_with_its_source_split_out(result):
    long = result.to_frame(long=True)
    assert list(long.columns) == ["day", "date", "series", "source", "value"]
    spend = long[(long["series"] == "spend") & (long["source"] == "feed_ads")]
    assert np.array_equal(spend["value"].to_numpy(), result.daily["spend.feed_ads"])
    assert long.loc[long["series"] == "revenue", "source"].isna().all()
    names = long["series"].where(long["source"].isna(), long["series"] + "." + long["source"])
    back = long.assign(name=names).pivot(index="day", columns="name", values="value")
    assert len(long) == back.size                  # no (day, series) twice, none missing
    pd.testing.assert_frame_equal(back[list(result.to_frame().columns[1:])], result.to_frame().drop(columns="date"),
                                  check_names=False)
    assert (long.groupby("day")["date"].first() == result.to_frame()["date"]).all()


def test_the_dataset_holds_every_replication_and_averages_to_the_daily_means(result):
    data = result.to_xarray()
    assert dict(data.sizes) == {"replication": 3, "day": 15, "metric": len(result.per_replication)}
    for name in result.daily:
        if name != "day":
            np.testing.assert_allclose(data[name].mean("replication"), result.daily[name], err_msg=name)
    assert (data["new_customers"].std("replication") > 0).any()          # replications, not copies of the mean
    # each replication's series add up to that same replication's metric: rows line up with metrics
    np.testing.assert_allclose(data["acquisition_spend"].sum("day"),
                               data["metrics"].sel(metric="acquisition_spend"))
    np.testing.assert_array_equal(data["metrics"].sel(metric="cac"), result.per_replication["cac"])
    assert np.array_equal(data["date"].values.astype("datetime64[D]"), result.dates())
    assert data.attrs["currency"] == result.currency


def test_the_dataset_holds_each_replications_draw_of_an_uncertain_input(result):
    path = "channels.feed_ads.activation_prob"
    uncertain = sim.run(sim.compose("base", [*SMALL, "replications=4",
                                             f"+uncertainty={{{path}: {{dist: beta, a: 20, b: 80}}}}"]))
    data = uncertain.to_xarray()
    np.testing.assert_array_equal(data["inputs"].sel(input=path), uncertain.inputs[path])
    assert len(set(uncertain.inputs[path])) == 2               # one draw per pair of replications
    assert "inputs" not in result.to_xarray()                  # nothing was uncertain there


def test_a_loaded_result_has_its_frame_but_no_replications(result, tmp_path):
    loaded = sim.Result.load(result.save(tmp_path))
    pd.testing.assert_frame_equal(loaded.to_frame(), result.to_frame())
    with pytest.raises(ValueError, match="keeps only their means"):
        loaded.to_xarray()


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """A multirun directory as jobs leave it: two complete jobs of two replications, one of a
    single replication (plain numbers, no interval) and one failed."""
    root = tmp_path_factory.mktemp("sweep")
    jobs = [["channels.feed_ads.daily_budget=1000"], ["channels.feed_ads.daily_budget=3000"],
            ["channels.feed_ads.daily_budget=3000", "replications=1"], ["channels.feed_ads.daily_budget=-1"]]
    for job, overrides in enumerate(jobs):
        directory = root / str(job)
        (directory / ".hydra").mkdir(parents=True)
        (directory / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
        try:
            sim.run(sim.compose("base", [*SMALL, "replications=2", *overrides])).save(directory)
        except sim.ConfigError as error:
            write_error(directory, error)
    return root


def test_the_long_sweep_frame_has_one_row_per_job_and_metric_matching_the_wide_table(sweep):
    table = sim.collect(sweep)
    assert table.overrides == ["channels.feed_ads.daily_budget", "replications"]
    assert "cac" in table.metrics and "cac_p05" not in table.metrics and "replications" not in table.metrics
    wide, long = table.to_frame(), table.to_frame(long=True)
    assert list(long.columns) == ["run", "status", "error", *table.overrides, "metric", "mean", "p05", "p95"]
    assert len(long) == len(table) * len(table.metrics)
    assert not long.duplicated(["run", "metric"]).any()
    complete = wide[wide["status"] == "complete"].set_index("run")
    for column, wide_name in (("mean", "{}"), ("p05", "{}_p05"), ("p95", "{}_p95")):
        values = long[long["status"] == "complete"].pivot(index="run", columns="metric", values=column)
        for metric in ("cac", "ltv", "profit"):
            expected = complete[wide_name.format(metric)].copy()
            expected["2"] = complete.loc["2", metric]         # one replication: both bounds are its value
            np.testing.assert_allclose(values.loc[expected.index, metric], expected, err_msg=(column, metric))
    failed = long[long["run"] == "3"]
    assert (failed["status"] == "failed").all() and failed[["mean", "p05", "p95"]].isna().all().all()
    assert (long.loc[long["metric"] == "cac", "channels.feed_ads.daily_budget"].tolist() == [1000, 3000, 3000, -1])


@pytest.mark.parametrize("long", [False, True])
def test_parquet_reads_back_as_the_frame(sweep, tmp_path, long):
    table = sim.collect(sweep)
    path = table.to_parquet(tmp_path / "sweep.parquet", long=long)
    pd.testing.assert_frame_equal(pd.read_parquet(path), table.to_frame(long=long), check_dtype=False)


def test_the_collect_command_writes_parquet_for_a_parquet_name(sweep, tmp_path):
    out = tmp_path / "sweep.parquet"
    with pytest.raises(SystemExit) as exit:
        collect_command([str(sweep), "--out", str(out)])
    assert exit.value.code == 1                    # a job failed; the table is written all the same
    pd.testing.assert_frame_equal(pd.read_parquet(out), sim.collect(sweep).to_frame(), check_dtype=False)


@pytest.mark.parametrize("module, call", [
    ("pandas", lambda res, table, path: res.to_frame()),
    ("pandas", lambda res, table, path: table.to_frame(long=True)),
    ("xarray", lambda res, table, path: res.to_xarray()),
    ("pyarrow", lambda res, table, path: table.to_parquet(path)),
])
def test_a_missing_package_names_what_to_install(result, sweep, tmp_path, monkeypatch, module, call):
    monkeypatch.setitem(sys.modules, module, None)       # makes `import module` raise ImportError
    with pytest.raises(ImportError, match=rf"needs {module}: pip install 'marketing-sim\[notebook\]'"):
        call(result, sim.collect(sweep), tmp_path / "sweep.parquet")
    assert not (tmp_path / "sweep.parquet").exists()


def test_the_collect_command_without_pyarrow_says_what_to_install(sweep, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(SystemExit) as exit:
        collect_command([str(sweep), "--out", str(tmp_path / "sweep.parquet")])
    assert exit.value.code == 2
    assert "needs pyarrow: pip install 'marketing-sim[notebook]'" in capsys.readouterr().err
