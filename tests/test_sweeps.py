"""Sweeps: Hydra multirun (serial and joblib), collection, failures and resume."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

import sim

SMALL = ["replications=2", "horizon.acquisition_days=20", "horizon.ltv_days=30", "figures=false"]


def sweep(directory, *arguments, code=0):
    """Run a sweep; ``code`` is its expected exit code (1 when a job fails)."""
    done = subprocess.run([sys.executable, "-m", "sim", "-m", f"hydra.sweep.dir={directory}", *SMALL,
                           *arguments], capture_output=True, text=True, timeout=600)
    assert done.returncode == code, done.stderr
    return done


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    directory = tmp_path_factory.mktemp("serial")
    done = sweep(directory, "channels.feed_ads.daily_budget=1000,3000", "economics.gross_margin=0.4,1.5", code=1)
    assert done.stderr.splitlines()[-1] == f"sweep: 2 of 4 jobs failed; see {directory / '1' / 'error.json'}"
    return directory


def test_collect_gives_one_row_per_run_with_overrides_and_intervals(serial):
    table = sim.collect(serial)
    assert len(table) == 4
    assert {"run", "status", "channels.feed_ads.daily_budget", "economics.gross_margin", "cac", "cac_p05",
            "cac_p95", "ltv", "profit"} <= set(table.columns)
    assert table.column("channels.feed_ads.daily_budget") == [1000, 1000, 3000, 3000]
    frame = table.to_frame()
    assert frame.shape[0] == 4
    axes = Figure().add_subplot()
    sim.plot.sweep_heatmap(table, "channels.feed_ads.daily_budget", "economics.gross_margin", "cac", axes)
    assert len(axes.texts) == 2       # one labelled cell per complete run; failed runs are left out


def test_failed_runs_are_listed_with_their_error(serial):
    failed = sim.collect(serial).failed()
    assert [row["run"] for row in failed] == ["1", "3"]
    assert all("economics.gross_margin = 1.5" in row["error"] for row in failed)


def test_a_parallel_sweep_gives_the_serial_numbers(serial, tmp_path):
    sweep(tmp_path, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
          "channels.feed_ads.daily_budget=1000,3000", "economics.gross_margin=0.4,1.5", code=1)
    serial_rows = {r["run"]: r for r in sim.collect(serial)}
    for row in sim.collect(tmp_path):
        if row["status"] == "complete":
            for metric in ("cac", "ltv", "profit", "customers", "ltv_p95"):
                assert row[metric] == serial_rows[row["run"]][metric], metric


def test_resuming_a_sweep_redoes_only_unfinished_runs(serial):
    finished = serial / "0" / "metrics.json"
    before = finished.stat().st_mtime_ns
    done = sweep(serial, "channels.feed_ads.daily_budget=1000,3000", "economics.gross_margin=0.4,1.5", code=1)
    assert done.stdout.count("already complete") == 2
    assert finished.stat().st_mtime_ns == before
    assert len(sim.collect(serial).failed()) == 2       # the bad margin fails again, and is listed


def test_the_collect_command_writes_csv(serial, tmp_path):
    out = tmp_path / "table.csv"
    done = subprocess.run([sys.executable, "-m", "sim.collection", str(serial), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1         # not every job is complete
    assert "4 planned: 2 complete, 2 failed, 0 incomplete, 0 not started" in done.stdout
    assert out.read_text().startswith("run,status,error,")


def test_the_budget_optimiser_beats_a_poor_starting_split(tmp_path):
    # start with nearly everything on feed ads, the dearest channel of channel_mix
    done = subprocess.run([sys.executable, "-m", "sim", "-m", "+sweep=budget_split", f"hydra.sweep.dir={tmp_path}",
                           "hydra.sweeper.n_trials=8", "replications=1", "horizon.acquisition_days=60", "figures=false",
                           "horizon.ltv_days=180", "allocation.weights={search: 0.02, feed_ads: 1.0, content: 0.02}"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments" / "optimise"))
    import report
    comparison = report.main(str(tmp_path), replications=2)
    assert np.all(comparison.difference["profit"] > 0)
    budget = sum(comparison.difference[f"spend.{c}"] for c in ("search", "feed_ads", "content"))
    np.testing.assert_allclose(budget, 0, atol=1e-6)     # the split channels' total budget is fixed


def test_the_pool_budget_study_moves_money_between_feed_ads_and_the_pool_at_a_fixed_total(tmp_path):
    import json

    sweep(tmp_path, "+sweep=pool_budget_split", "hydra.sweeper.n_trials=4", "replications=1")
    runs = [row["run"] for row in sim.collect(tmp_path) if row["status"] == "complete"]
    assert len(runs) == 4
    for run in runs:
        config = json.loads((tmp_path / run / "config.json").read_text())["config"]
        paid, pool = config["channels"]["feed_ads"]["daily_budget"], config["policies"]["pool"]["daily_budget"]
        assert paid + pool == pytest.approx(2100) and 1000 <= paid <= 2100 and 0 <= pool <= 1100


@pytest.mark.parametrize("stop", ["SIGINT", "SIGKILL"])      # Ctrl-C, and a killed worker
def test_a_sweep_killed_midway_loses_and_redoes_no_finished_run(tmp_path, stop):
    import os
    import signal
    import time

    arguments = [sys.executable, "-m", "sim", "-m", f"hydra.sweep.dir={tmp_path}", *SMALL,
                 "seed=range(0,6)"]
    process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(tmp_path.glob("*/metrics.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, getattr(signal, stop))   # the whole sweep stops, mid-run or mid-write
    process.wait(timeout=60)
    table = sim.collect(tmp_path)
    complete = {row["run"] for row in table if row["status"] == "complete"}
    assert len(table) == 6 and 2 <= len(complete) < 6                      # every planned job has a row
    rest = [row["status"] for row in table if row["run"] not in complete]
    assert set(rest) <= {"incomplete", "not_started"} and rest.count("incomplete") <= 1
    for run in complete:                            # what is marked complete is whole
        assert sim.Result.load(tmp_path / run).metrics["customers"] > 0
    written = {run: (tmp_path / run / "metrics.json").stat().st_mtime_ns for run in complete}
    done = subprocess.run(arguments, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("already complete") == len(complete)
    assert {run: (tmp_path / run / "metrics.json").stat().st_mtime_ns for run in complete} == written
    assert [row["status"] for row in sim.collect(tmp_path)] == ["complete"] * 6
