"""Bad input on the command line: one line naming the key, exit code 2, no run directory.

Each case runs ``marketing-sim`` in-process (``sim.cli.main`` with its
arguments), as a user types it; unusual good input runs to the end.
"""
from __future__ import annotations

import json
import shutil
import sys

import numpy as np
import pytest

import sim
from sim import cli, config

BAD = [
    # (arguments, the key the message must name)
    (["channels.feed_ads.daily_budget=-1"], "channels.feed_ads.daily_budget"),
    (["channels.feed_ads.daily_budget=1e308"], "channels.feed_ads.daily_budget"),
    (["channels.feed_ads.daily_budget=abc"], "channels.feed_ads.daily_budget"),
    (["channels.feed_ads.daily_budget=nan"], "channels.feed_ads.daily_budget"),
    (["channels.feed_ads.daily_budget=inf"], "channels.feed_ads.daily_budget"),
    (["channels.feed_ads.max_daily_leads=1e308"], "channels.feed_ads.max_daily_leads"),
    (["channels.feed_ads.hill_shape=1000"], "channels.feed_ads.hill_shape"),
    (["channels.feed_ads.activation_prob=1.1e-308"], "channels.feed_ads.activation_prob"),
    (["channels.feed_ads.activation_prob=1.5"], "channels.feed_ads.activation_prob"),
    (["channels.feed_ads.kind=teleport"], "channels.feed_ads.kind"),
    (["+channels.feed_ads.colour=red"], "channels.feed_ads"),
    (["channels.feed_ads=3"], "channels.feed_ads"),
    (["+channels.organic={kind: paid}"], "channels.organic"),
    (["+channels.feed_ads.schedule={kind: flights, flights: [[true, 5]]}"], "channels.feed_ads.schedule.flights"),
    (["+channels.feed_ads.schedule={kind: flights, flights: [[400, 500]]}"], "channels.feed_ads.schedule.flights"),
    (["+channels.feed_ads.schedule={kind: pulses, pulse_multiplier: 1e300}"],
     "channels.feed_ads.schedule.pulse_multiplier"),
    (["+channels.feed_ads.quality={spend: 1e308}"], "channels.feed_ads.quality.spend"),
    (["population.spend={dist: gamma, shape: 1e308, scale: 1e308}"], "population.spend.shape"),
    (["population.spend={dist: lognormal, mean: 50, sigma: 1e6}"], "population.spend.sigma"),
    (["population.churn_prob={dist: beta, a: -1, b: 2}"], "population.churn_prob.a"),
    (["population.churn_prob={dist: poisson, lam: 1}"], "population.churn_prob.dist"),
    (["population.daily_purchase_prob={dist: constant, value: 1.5}"], "population.daily_purchase_prob.value"),
    (["population.initial_customers=1000000000", "market.size=1000000000"], "population.initial_customers"),
    (["campaigns.sale_days=[{start: 900, days: 1, demand: 2}]"], "campaigns.sale_days[0].start"),
    (["campaigns.sale_days=[{start: 3, demand: 1e7}, {start: 3, demand: 1e7}]"], "campaigns.sale_days"),
    (["campaigns.sale_days=[{start: 3, demand: 0}]"], "campaigns.sale_days[0].demand"),
    (["campaigns.sale_days=[{start: 2026-12-31, demand: 2}]"], "campaigns.sale_days[0].start"),
    (["campaigns.sale_days=[{start: 2027-02-30, demand: 2}]"], "campaigns.sale_days[0].start"),
    (["calendar.start_date=2027-13-01"], "calendar.start_date"),
    (["calendar.start_date=2027-02-30"], "calendar.start_date"),
    (["economics.currency=12"], "economics.currency"),
    (["horizon.ltv_days=0"], "horizon.ltv_days"),
    (["horizon.acquisition_days=2.5"], "horizon.acquisition_days"),
    (["horizon.ltv_days=99999"], "horizon"),
    (["retention.period_days=0"], "retention.period_days"),
    (["replications=0"], "replications"),
    (["replications=100000", "horizon.ltv_days=30000"], "replications"),
    (["seed=-1"], "seed"),
    (["seed=abc"], "seed"),
    (["market.size=0"], "market.size"),
    (["market.size=1000000000000", "market.innovation=300"], "market.size"),
    (["market.imitation=400"], "market.imitation"),
    (["economics.gross_margin=1.2"], "economics.gross_margin"),
    (["economics.discount_rate=true"], "economics.discount_rate"),
    (["allocation.total_daily_budget=1000"], "allocation.weights"),
    (["+policies.club={fee: 10}"], "policies.club.kind"),
    (["+policies.membership={fee: -10}"], "policies.membership.fee"),
    (["+policies.referral={levels: 1, level2_commission: 0.05}"], "policies.referral.level2_commission"),
    (["+policies.referral={levels: 3}"], "policies.referral.levels"),
    (["scenario=defualt"], "scenario"),
    (["replicatons=3"], "replicatons"),
    (["a" * 300 + "=1"], "a" * 300),
]


def marketing_sim(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    """Run ``marketing-sim ARGS`` in-process; return the exit code, stdout and stderr."""
    monkeypatch.setattr(sys, "argv", ["marketing-sim", *args])
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)     # the command sets it for Hydra; restored after
    try:
        cli.main()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def test_the_table_is_long_enough():
    assert len(BAD) >= 40 and len({tuple(a) for a, _ in BAD}) == len(BAD)


@pytest.mark.parametrize("arguments, key", BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_bad_input_is_one_line_naming_the_key_exit_2_and_no_run(monkeypatch, capsys, tmp_path, arguments, key):
    code, _, err = marketing_sim(monkeypatch, capsys, f"hydra.run.dir={tmp_path / 'run'}", "figures=false",
                                 *arguments)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith(f"error: {key}") and "Traceback" not in err, lines[0]
    assert not list(tmp_path.glob("**/metrics.json"))


SHORT = ["horizon.acquisition_days=5", "horizon.ltv_days=5", "replications=1", "figures=false"]


def _metrics(directory):
    return json.loads((directory / "metrics.json").read_text())


def test_a_channel_with_a_chinese_name_in_a_scenario_file_runs(monkeypatch, capsys, tmp_path):
    scenarios = tmp_path / "scenarios"
    shutil.copytree(config.scenarios_dir(), scenarios)
    (scenarios / "guanggao.yaml").write_text(
        "# A channel named in Chinese.\nreplications: 1\nchannels:\n"
        "  广告: {kind: paid, daily_budget: 1000, max_daily_leads: 300, half_saturation_budget: 2000}\n",
        encoding="utf-8")
    monkeypatch.setattr(config, "scenario_dirs", lambda: [scenarios])
    code, out, err = marketing_sim(monkeypatch, capsys, "scenario=guanggao", f"hydra.run.dir={tmp_path / 'run'}",
                                   *SHORT)
    assert code == 0, err
    metrics = _metrics(tmp_path / "run")
    assert metrics["customers.广告"] > 0 and "广告: customers" in out


@pytest.mark.parametrize("arguments", [
    ["horizon.acquisition_days=1", "horizon.ltv_days=1", "replications=1", "figures=false"],
    [*SHORT, "channels.feed_ads.daily_budget=0"],
    [*SHORT, "seed=9007199254740993"],
])
def test_unusual_good_input_runs(monkeypatch, capsys, tmp_path, arguments):
    code, _, err = marketing_sim(monkeypatch, capsys, f"hydra.run.dir={tmp_path / 'run'}", *arguments)
    assert code == 0, err
    metrics = _metrics(tmp_path / "run")
    assert all(value is None or np.isfinite(value) for value in metrics.values())
    recorded = json.loads((tmp_path / "run" / "config.json").read_text())["config"]
    if "seed=9007199254740993" in arguments:       # above 2**53: kept exactly, not rounded through a float
        assert recorded["seed"] == 9007199254740993
    if "channels.feed_ads.daily_budget=0" in arguments:
        assert metrics["spend.feed_ads"] == 0 and metrics["customers.feed_ads"] == 0


def test_numpy_numbers_are_numbers_to_the_python_api():
    cfg = sim.compose("default", SHORT)
    plain = sim.run(cfg).metrics
    from omegaconf import OmegaConf
    data = OmegaConf.to_container(cfg)
    data["channels"]["feed_ads"]["daily_budget"] = np.float64(data["channels"]["feed_ads"]["daily_budget"])
    data["horizon"]["ltv_days"] = np.int64(5)
    data["market"]["imitation"] = np.float32(0.3)
    assert sim.run(data).metrics["spend.feed_ads"] == plain["spend.feed_ads"]
