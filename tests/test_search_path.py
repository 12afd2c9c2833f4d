"""Scenarios and named sweeps are found in the working directory and in folders a user names,
beside those shipped with marketing-sim (sim.config.scenario_dirs, sweep_dirs)."""
from __future__ import annotations

import os

import pytest

from sim import config
from sim.validation import ConfigError

SHOP = "base: default\nreplications: 3\nchannels: {feed_ads: {daily_budget: 1234}}\n"


def test_a_scenario_in_the_working_directory_runs_by_name(tmp_path, monkeypatch):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "my_shop.yaml").write_text(SHOP)
    monkeypatch.chdir(tmp_path)
    assert "my_shop" in config.scenario_names() and "default" in config.scenario_names()
    cfg = config.compose("my_shop")
    assert cfg.channels.feed_ads.daily_budget == 1234 and cfg.replications == 3


def test_a_folder_the_user_names_comes_first_and_a_local_file_shadows_a_shipped_one(tmp_path, monkeypatch):
    own, local = tmp_path / "own", tmp_path / "work" / "scenarios"
    own.mkdir()
    local.mkdir(parents=True)
    (own / "my_shop.yaml").write_text(SHOP.replace("1234", "777"))
    (local / "my_shop.yaml").write_text(SHOP)
    (local / "default.yaml").write_text("replications: 7\n")
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv(config.SCENARIOS_ENV, f"{own}{os.pathsep}{tmp_path / 'missing'}")
    assert config.scenario_dirs()[:2] == [own, config.Path("scenarios")]
    assert config.compose("my_shop").channels.feed_ads.daily_budget == 777
    assert config.compose("default").replications == 7


def test_a_named_sweep_in_the_working_directory_is_registered(tmp_path, monkeypatch):
    (tmp_path / "experiments" / "sweep").mkdir(parents=True)
    (tmp_path / "experiments" / "sweep" / "my_budgets.yaml").write_text(
        "# @package _global_\nhydra:\n  sweeper:\n    params:\n      channels.feed_ads.daily_budget: 1000,2000\n")
    monkeypatch.chdir(tmp_path)
    names = {path.stem for folder in config.sweep_dirs() for path in folder.glob("*.yaml")}
    assert {"my_budgets", "pool_cadence"} <= names          # the user's and a shipped one
    config.compose(None, ["+sweep=my_budgets"])
    with pytest.raises(ConfigError, match="sweep = 'nope': .*my_budgets.*pool_cadence"):
        config.compose(None, ["+sweep=nope"])


def test_an_unknown_scenario_names_the_search_path_choices(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="scenario = 'nope'.*default"):
        config.compose("nope")
