"""The command line, run as a user runs it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from omegaconf import OmegaConf

from sim import limits
from sim.config import SimConfig, scenario_names


def run_cli(*args, cwd, **variables):
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}     # as a user's shell has it
    env.update(variables)
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env=env)


def test_default_scenario_prints_a_summary_and_writes_the_run_directory(tmp_path):
    done = run_cli(f"hydra.run.dir={tmp_path / 'run'}", "replications=3", "horizon.acquisition_days=90",
                   "horizon.ltv_days=90", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for text in ("CAC (blended)", "LTV / CAC", "Payback (days)", "feed_ads: customers", "5%", "95%"):
        assert text in done.stdout
    files = {p.name for p in (tmp_path / "run").iterdir()}
    assert {"metrics.json", "daily.csv", "cohorts.csv", "retention.csv", "funnel.png",
            "cac_ltv.png"} <= files
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["ltv"]["p05"] <= metrics["ltv"]["mean"] <= metrics["ltv"]["p95"]
    summary = (tmp_path / "run" / "summary.txt").read_text()
    assert "CAC (blended)" in summary and summary in done.stdout        # the printed table, saved


def test_a_first_run_does_not_show_matplotlib_building_its_font_cache(tmp_path):
    done = run_cli(f"hydra.run.dir={tmp_path / 'run'}", "replications=1", "horizon.acquisition_days=10",
                   "horizon.ltv_days=10", cwd=tmp_path, MPLCONFIGDIR=str(tmp_path / "fresh_matplotlib"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "fresh_matplotlib").is_dir()          # matplotlib did build its cache there
    assert "fontManager" not in done.stdout + done.stderr and "font_manager" not in done.stdout + done.stderr


def test_overrides_and_mapping_replacement_on_the_command_line(tmp_path):
    done = run_cli(f"hydra.run.dir={tmp_path / 'run'}", "replications=1", "horizon.acquisition_days=20",
                   "horizon.ltv_days=20", "channels.feed_ads.daily_budget=5000",
                   "population.churn_prob={dist: constant, value: 0.01}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    config = json.loads((tmp_path / "run" / "config.json").read_text())["config"]
    assert config["population"]["churn_prob"] == {"dist": "constant", "value": 0.01}
    assert config["channels"]["feed_ads"]["daily_budget"] == 5000


@pytest.mark.parametrize("override, message", [
    ("channels.feed_ads.daily_budget=-1", "channels.feed_ads.daily_budget = -1: must be a number in [0, 1e+12]"),
    ("replicatons=3", "replicatons = '3': unknown key; allowed keys: "
                      + ", ".join(sorted(OmegaConf.structured(SimConfig).keys()))
                      + " (did you mean 'replications'?)"),
    ("scenario=defualt", "scenario = 'defualt': must be one of " + ", ".join(scenario_names())
                         + " (did you mean 'default'?)"),
    ("horizon.ltv_days=0", "horizon.ltv_days = 0: must be an integer in [1, 36500]"),
    ("horizon.ltv_days=36200", "horizon = {'acquisition_days': 365, 'ltv_days': 36200}: "
                               "acquisition_days + ltv_days must be <= 36500 (100 years)"),
])
def test_bad_input_is_one_line_with_exit_code_2_and_no_results(tmp_path, override, message):
    done = run_cli(f"hydra.run.dir={tmp_path / 'run'}", override, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: " + message
    assert not (tmp_path / "run").exists()


def test_a_billion_customers_are_refused_up_front_with_the_estimate(tmp_path):
    done = run_cli(f"hydra.run.dir={tmp_path / 'run'}", "population.initial_customers=1000000000",
                   "market.size=1000000000", cwd=tmp_path)
    assert done.returncode == 2
    need = 1e9 * limits.PEAK_BYTES_PER_CUSTOMER / 1e9
    assert done.stderr.startswith(f"error: population.initial_customers = 1000000000: needs about {need:.1f} GB")
    assert "Traceback" not in done.stderr and not (tmp_path / "run").exists()


def test_a_sweep_whose_jobs_share_a_mistake_stops_before_it_starts(tmp_path):
    done = run_cli("-m", f"hydra.sweep.dir={tmp_path / 'sweep'}", "seed=1,2", "channels.feed_ads.daily_budgt=5",
                   cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: channels.feed_ads.daily_budgt = 5: unknown key")
    assert "did you mean 'daily_budget'?" in done.stderr
    assert not (tmp_path / "sweep").exists()


def test_debug_shows_the_traceback(tmp_path):
    done = run_cli(f"hydra.run.dir={tmp_path / 'run'}", "horizon.ltv_days=0", "--debug", cwd=tmp_path)
    assert done.returncode != 0
    assert "Traceback" in done.stderr and "horizon.ltv_days = 0" in done.stderr


def test_multirun_sweeps_a_key(tmp_path):
    done = run_cli("-m", f"hydra.sweep.dir={tmp_path / 'sweep'}", "replications=1",
                   "horizon.acquisition_days=10", "horizon.ltv_days=10",
                   "channels.feed_ads.daily_budget=1000,3000", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    spend = [json.loads((tmp_path / "sweep" / str(job) / "metrics.json").read_text())["acquisition_spend"]
             for job in (0, 1)]
    assert spend == [10 * 1000, 10 * 3000]


def test_compare_command_prints_paired_differences(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sim.comparison", "default", "replications=2",
                           "horizon.acquisition_days=30", "horizon.ltv_days=60",
                           "--variant", "+policies.membership={fee: 49}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "2 paired replications" in done.stdout
    row = next(line for line in done.stdout.splitlines() if line.startswith("acquisition_spend"))
    assert row.split()[3] == "0"      # the policy does not touch acquisition: identical spend
    assert any(line.startswith("ltv ") for line in done.stdout.splitlines())


def test_compare_help_prints_its_usage():
    run = subprocess.run([sys.executable, "-m", "sim.comparison", "--help"], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("usage: marketing-sim-compare [SCENARIO]")


def test_the_run_log_holds_the_run_while_the_terminal_shows_only_the_table(tmp_path):
    done = run_cli(f"hydra.run.dir={tmp_path / 'run'}", "replications=1", "horizon.acquisition_days=10",
                   "horizon.ltv_days=10", "figures=false", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "run" / "marketing-sim.log").read_text()
    assert "config hash" in log and "CAC (blended)" in log and f"outputs: {tmp_path / 'run'}" in log
    assert "[INFO]" not in done.stdout + done.stderr


def test_only_marketing_sims_own_python_warnings_reach_the_terminal():
    import logging
    import warnings

    import numpy as np

    import sim.policies.referral
    from sim.cli import OwnWarnings

    def captured(path):
        text = warnings.formatwarning("careful", UserWarning, path, 12)
        return logging.LogRecord("py.warnings", logging.WARNING, path, 12, "%s", (text,), None)

    ours, theirs = captured(sim.policies.referral.__file__), captured(np.__file__)
    shown = OwnWarnings()
    assert shown.filter(ours) and ours.getMessage() == "UserWarning: careful"
    assert not shown.filter(theirs)
    assert shown.filter(logging.LogRecord("sim", logging.WARNING, "", 1, "a warning of the run", (), None))
