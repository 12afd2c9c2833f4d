"""marketing-sim's sweeper: Hydra's basic sweep, its batch checked without composing every job."""
from __future__ import annotations

import json

import pytest
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra.core.global_hydra import GlobalHydra

import sim.config
from sim.sweep_check import check_batch
from sim.validation import ConfigError
from test_sweep_identity import TINY, cli  # noqa: F401  (the in-process command-line fixture)


def hydra_config(*overrides):
    """The config with its hydra node, as a sweep's main process composes it, and Hydra's config loader."""
    from hydra import compose, initialize_config_dir

    sim.config.register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(str(sim.config.conf_dir()), version_base="1.3"):
        cfg = compose("config", overrides=list(overrides), return_hydra_config=True)
        loader = GlobalHydra.instance().config_loader()
    return cfg, loader


@pytest.mark.parametrize("choice, sweeper", [([], "MarketingSimBasicSweeper"),
                                             (["+sweep=budget_split"], "OptunaSweeper"),
                                             (["hydra/sweeper=basic"], "basic_sweeper.BasicSweeper")])
def test_sweeps_use_marketing_sims_sweeper_unless_a_sweep_or_the_command_line_chooses(choice, sweeper):
    cfg, _ = hydra_config(*choice)
    assert cfg.hydra.sweeper._target_.endswith(sweeper)


def test_a_sweep_composes_each_job_once_and_writes_what_separate_runs_write(cli, tmp_path, monkeypatch):
    composed = []
    load = ConfigLoaderImpl.load_sweep_config
    monkeypatch.setattr(ConfigLoaderImpl, "load_sweep_config",
                        lambda self, master, overrides: composed.append(overrides) or load(self, master, overrides))
    code, _, err = cli("-m", f"hydra.sweep.dir={tmp_path / 'sweep'}", *TINY, "seed=3,4",
                       "channels.feed_ads.daily_budget=1000,2000")
    assert code == 0, err
    assert len(composed) == 4                       # Hydra's basic sweeper composes each twice
    for job, (seed, budget) in enumerate([(3, 1000), (3, 2000), (4, 1000), (4, 2000)]):
        code, _, err = cli(f"hydra.run.dir={tmp_path / str(job)}", *TINY, f"seed={seed}",
                           f"channels.feed_ads.daily_budget={budget}")
        assert code == 0, err
        alone, swept = (json.loads((directory / "metrics.json").read_text())
                        for directory in (tmp_path / str(job), tmp_path / "sweep" / str(job)))
        assert swept == alone


def test_a_value_only_a_later_job_gets_wrong_stops_the_sweep_before_any_job(cli, tmp_path):
    code, _, err = cli("-m", f"hydra.sweep.dir={tmp_path / 'sweep'}", *TINY, "seed=0,abc")
    assert code == 2 and len(err) == 1
    assert err[0].startswith("error: seed = 'abc': ") and "Integer" in err[0]
    assert not (tmp_path / "sweep" / "0").exists()


def test_the_batch_check_knows_hydras_rules_without_composing():
    cfg, loader = hydra_config()
    assert check_batch(cfg, [["seed=1", "+policies.m={kind: membership}"],
                             ["seed=2", "+policies.m={kind: membership, fee: 5}"],
                             ["~policies.x", "seed=3"], ["policies.x.fee=2", "seed=4"]], loader) is True
    with pytest.raises(ConfigError, match=r"^horizon.ltv_days = 'long': "):
        check_batch(cfg, [["horizon.ltv_days=30"], ["horizon.ltv_days=long"]], loader)
    with pytest.raises(ConfigError, match=r"^overrides = \['\+replications=2'\]: Could not append"):
        check_batch(cfg, [["+replications=2"]], loader)          # + adds: the key is already there
    # jobs on different scenarios have different keys: only composing each can tell
    assert check_batch(cfg, [["scenario=default"], ["scenario=membership"]], loader) is False


def test_the_forked_launcher_writes_what_the_basic_one_writes(cli, tmp_path, worker_counts):
    grid = [*TINY, "seed=3,4,5", "channels.feed_ads.daily_budget=1000,2000"]
    code, _, err = cli("-m", f"hydra.sweep.dir={tmp_path / 'forked'}", "hydra/launcher=marketing_sim",
                       "hydra.launcher.n_jobs=2", *grid)
    assert code == 0, err
    assert worker_counts == [2]             # the jobs went to 2 forked processes
    code, _, err = cli("-m", f"hydra.sweep.dir={tmp_path / 'basic'}", *grid)
    assert code == 0, err
    for job in range(6):
        forked, basic = (json.loads((tmp_path / way / str(job) / "metrics.json").read_text())
                         for way in ("forked", "basic"))
        assert forked == basic
        assert "config hash" in (tmp_path / "forked" / str(job) / "marketing-sim.log").read_text()


def test_a_failing_job_on_the_forked_launcher_is_recorded_and_the_others_run(cli, tmp_path):
    code, _, err = cli("-m", f"hydra.sweep.dir={tmp_path}", "hydra/launcher=marketing_sim", *TINY,
                       "horizon.ltv_days=5,0")
    assert code == 1 and err[-1].startswith("sweep: 1 of 2 jobs failed")
    assert (tmp_path / "0" / "metrics.json").exists() and (tmp_path / "1" / "error.json").exists()
