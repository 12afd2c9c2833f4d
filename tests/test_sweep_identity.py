"""A run's identity, a sweep's plan and the command line's one-line errors, run in-process on tiny configs.

Each test runs ``marketing-sim`` as :func:`sim.cli.main` in this process (a
few tenths of a second a job), with ``sys.argv`` set as on the command line.
"""
from __future__ import annotations

import errno
import json
import logging
import os
import sys

import pytest
import yaml

import sim
import sim.cli
import sim.collection

TINY = ["horizon.acquisition_days=5", "horizon.ltv_days=5", "market.size=2000", "figures=false", "replications=1"]


@pytest.fixture
def cli(monkeypatch, capsys):
    """``cli(*arguments)`` runs the command line in-process: (exit code, stdout, stderr lines).

    Hydra's logging handlers (bound to this test's captured streams) are removed afterwards.
    """
    root = logging.getLogger()
    handlers = root.handlers[:]

    def command(*arguments):
        monkeypatch.setattr(sys, "argv", ["marketing-sim", *arguments])
        monkeypatch.setenv("HYDRA_FULL_ERROR", "0")      # main sets it for Hydra; restored after the test
        try:
            sim.cli.main()
            code = 0
        except SystemExit as stop:
            code = stop.code
        out, err = capsys.readouterr()
        return code, out, err.strip().splitlines()
    yield command
    for handler in set(root.handlers) - set(handlers):
        handler.close()
    root.handlers[:] = handlers


@pytest.fixture
def optuna():
    """Optuna, logging through Hydra's handlers only: its own handler would keep an earlier
    test's captured, closed stderr."""
    import optuna
    optuna.logging.disable_default_handler()
    yield optuna
    optuna.logging.enable_default_handler()


def spend(directory):
    return {row["channels.feed_ads.daily_budget"]: row["acquisition_spend"] for row in sim.collect(directory)}


def test_a_resumed_sweep_reuses_only_results_of_the_identical_config(cli, tmp_path):
    code, out, _ = cli("-m", f"hydra.sweep.dir={tmp_path}", *TINY, "channels.feed_ads.daily_budget=1000,2000")
    assert code == 0 and spend(tmp_path) == {1000: 5000, 2000: 10000}
    code, out, _ = cli("-m", f"hydra.sweep.dir={tmp_path}", *TINY, "channels.feed_ads.daily_budget=5000,9000")
    assert code == 0
    assert out.count("config changed since the earlier run, rerunning") == 2 and "already complete" not in out
    assert spend(tmp_path) == {5000: 25000, 9000: 45000}          # each budget beside its own spend
    (tmp_path / "0" / "identity.json").unlink()                     # as a run from before identities
    longer = [o.replace("acquisition_days=5", "acquisition_days=6") for o in TINY]
    code, out, _ = cli("-m", f"hydra.sweep.dir={tmp_path}", *longer, "channels.feed_ads.daily_budget=5000,9000")
    assert f"the earlier run recorded no config, rerunning: {tmp_path / '0'}" in out
    assert f"config changed since the earlier run, rerunning: {tmp_path / '1'}" in out
    assert spend(tmp_path) == {5000: 30000, 9000: 54000}


def test_the_identity_ignores_keys_that_do_not_change_the_numbers():
    def identity(*overrides):
        return sim.cli.config_hash(sim.params.validate(sim.compose("default", [*TINY, *overrides])))
    assert identity() == identity("objective=ltv", "progress=false", "figures=true") != identity("seed=1")


def test_a_rerun_optuna_study_with_a_new_interval_is_a_new_study(cli, tmp_path, monkeypatch, optuna):
    # one storage shared by the runs, as a database would be: the study of the
    # first interval must not lend its trials (and its optimum) to the second
    storage = optuna.storages.InMemoryStorage()
    monkeypatch.setattr(optuna.storages, "get_storage", lambda _: storage)
    arguments = ["-m", "+sweep=budget_split", f"hydra.sweep.dir={tmp_path}", *TINY, "hydra.sweeper.n_trials=2",
                 "hydra.sweeper.storage=shared"]
    assert cli(*arguments, "allocation.weights.search=interval(0.01, 0.1)")[0] == 0
    first = json.loads((tmp_path / "plan.json").read_text())["study"]
    code, out, _ = cli(*arguments, "allocation.weights.search=interval(2.0, 3.0)")
    assert code == 0 and out.count("config changed since the earlier run, rerunning") == 2
    best = yaml.safe_load((tmp_path / "optimization_results.yaml").read_text())["best_params"]
    assert 2.0 <= best["allocation.weights.search"] <= 3.0
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["search_space"]["allocation.weights.search"] == "interval(2.0, 3.0)" and plan["n_trials"] == 2
    assert plan["study"] != first and plan["study"].startswith("budget_split-")
    assert sorted(s.study_name for s in optuna.get_all_study_summaries(storage)) == sorted([first, plan["study"]])


def test_failed_optuna_trials_are_recorded_and_the_study_goes_on(cli, tmp_path, optuna):
    # every weight drawn is negative: each trial fails (NaN once stopped the sweeper
    # at the first), then Optuna has no best trial; both are one line and exit 1
    code, _, err = cli("-m", "+sweep=budget_split", f"hydra.sweep.dir={tmp_path}", *TINY, "hydra.sweeper.n_trials=2",
                       "allocation.weights.search=interval(-2.0, -1.0)")
    assert code == 1 and err[-1] == f"sweep: 2 of 2 jobs failed; see {tmp_path / '0' / 'error.json'}"
    assert not any("Traceback" in line for line in err)


@pytest.mark.parametrize("override", ["allocation.weights.search=interval(1.0, 0.1)",         # command line
                                      'hydra.sweeper.params={allocation.weights.search: "interval(1.0, 0.1)"}'])
def test_an_interval_with_low_above_high_is_one_line_and_exit_2(cli, tmp_path, override):
    code, _, err = cli("-m", "+sweep=budget_split", f"hydra.sweep.dir={tmp_path}", *TINY, override)
    assert code == 2
    assert err == ["error: allocation.weights.search = 'interval(1.0, 0.1)': an interval's low must be <= its high"]
    assert not (tmp_path / "plan.json").exists()


def test_a_stopped_sweep_lists_its_never_started_jobs_and_the_collector_fails(cli, tmp_path, monkeypatch, capsys):
    real = sim.cli.run

    def run(cfg, progress=False):                  # Ctrl-C during the third of six jobs
        if cfg.seed == 2:
            raise KeyboardInterrupt
        return real(cfg, progress)
    monkeypatch.setattr(sim.cli, "run", run)
    code, _, err = cli("-m", f"hydra.sweep.dir={tmp_path}", *TINY, "seed=range(0,6)")
    assert code == 130 and err[-1] == "interrupted"
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert [job[-1] for job in plan["jobs"]] == [f"seed={s}" for s in range(6)]
    table = sim.collect(tmp_path)
    assert [row["status"] for row in table] == ["complete"] * 2 + ["incomplete"] + ["not_started"] * 3
    assert table.column("seed") == list(range(6)) and table.column("run")[-1] == "5"
    with pytest.raises(SystemExit) as stop:
        sim.collection.main([str(tmp_path)])
    assert stop.value.code == 1
    assert "6 planned: 2 complete, 0 failed, 1 incomplete, 3 not started" in capsys.readouterr().out


def test_a_sweep_with_a_failed_job_runs_the_others_and_exits_1(cli, tmp_path):
    code, out, err = cli("-m", f"hydra.sweep.dir={tmp_path}", *TINY, "channels.feed_ads.daily_budget=1000,-5")
    assert code == 1
    assert err[-1] == f"sweep: 1 of 2 jobs failed; see {tmp_path / '1' / 'error.json'}"
    assert [row["status"] for row in sim.collect(tmp_path)] == ["complete", "failed"]


def test_jobs_left_by_a_larger_earlier_sweep_are_not_this_sweeps_results(cli, tmp_path):
    cli("-m", f"hydra.sweep.dir={tmp_path}", *TINY, "seed=0,1")
    code, out, _ = cli("-m", f"hydra.sweep.dir={tmp_path}", *TINY, "seed=0")
    assert code == 0 and out.count("already complete, not rerun") == 1
    assert sim.collect(tmp_path).column("seed") == [0]                     # job 1 is the earlier sweep's


@pytest.mark.parametrize("directory, message", [
    ("/proc/x", "error: /proc/x: No such file or directory"),               # cannot be created
    ("/sys", "error: /sys/marketing-sim.log: Permission denied"),            # exists, not writable
])
def test_an_unwritable_run_directory_is_one_line_and_exit_1(cli, directory, message):
    assert cli(f"hydra.run.dir={directory}", *TINY)[::2] == (1, [message])


def test_a_full_disk_is_one_line_exit_1_and_leaves_no_metrics(cli, tmp_path, monkeypatch):
    def full(path, text):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
    monkeypatch.setattr(sim.results, "_write_text", full)
    code, _, err = cli(f"hydra.run.dir={tmp_path}", *TINY)
    assert (code, err) == (1, [f"error: {tmp_path / 'config.json'}: No space left on device"])
    assert not (tmp_path / "metrics.json").exists()


def test_ctrl_c_in_a_run_is_one_line_exit_130_and_leaves_no_metrics(cli, tmp_path, monkeypatch):
    def interrupted(cfg, progress=False):
        raise KeyboardInterrupt
    monkeypatch.setattr(sim.cli, "run", interrupted)
    code, _, err = cli(f"hydra.run.dir={tmp_path}", *TINY)
    assert (code, err) == (130, [f"interrupted; {tmp_path} holds no complete run (no metrics.json)"])
    assert not (tmp_path / "metrics.json").exists()


def test_a_300_character_key_is_one_line_and_exit_2(cli, tmp_path):
    code, _, err = cli(f"hydra.run.dir={tmp_path}", "a" * 300 + "=1")
    assert (code, err) == (2, [f"error: {'a' * 300} = '1': unknown key (File name too long)"])
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_a_bad_objective_is_refused_before_any_simulation(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(sim.cli, "run", lambda *a, **k: pytest.fail("simulated despite a bad objective"))
    code, _, err = cli(f"hydra.run.dir={tmp_path}", *TINY, "objective=profitt")
    assert (code, err) == (2, ["error: objective = 'profitt': must be a metric, e.g. profit, ltv_cac, ltv, "
                               "customers, cac"])


@pytest.mark.parametrize("scenario, overrides", [
    ("membership", ["horizon.acquisition_days=20", "horizon.ltv_days=400"]),   # every retention mark, a policy
    ("super_user", ["horizon.acquisition_days=320", "horizon.ltv_days=100"]),  # three policies, sale days; the
                                                                                # marks below 100 days only
    ("cdnow", ["horizon.ltv_days=31"]),                         # a cohort channel with 84 days of fixed arrivals
])
def test_the_metric_names_known_before_a_run_are_those_it_reports(scenario, overrides):
    cfg = sim.compose(scenario, ["market.size=300", "replications=1", *overrides])
    assert sim.cli.metric_names(sim.params.validate(cfg)) == set(sim.run(cfg).metrics)


def test_hydra_flags_still_parse_beside_the_registered_callback(cli):
    code, out, _ = cli(*TINY, "--cfg", "job")          # the callback override goes beside the others
    assert code == 0 and "acquisition_days: 5" in out


def test_a_grid_without_jobs_is_one_line_and_exit_2(cli, tmp_path):
    code, _, err = cli("-m", f"hydra.sweep.dir={tmp_path}", *TINY, "seed=range(0,0)")
    assert code == 2 and len(err) == 1 and err[0].endswith("the sweep has no job (an empty range?)")
