"""Composition, overrides and input checking (DESIGN.md, "Config keys")."""
from __future__ import annotations

import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

import sim
from conftest import compose
from sim.config import SimConfig, _hydra_compose, conf_dir, register_configs, scenario_names
from sim.params import validate


def test_every_contract_key_exists_with_its_default():
    cfg = OmegaConf.structured(SimConfig)
    assert cfg.seed == 0 and cfg.replications == 1
    assert (cfg.horizon.acquisition_days, cfg.horizon.ltv_days) == (365, 365)
    assert (cfg.economics.gross_margin, cfg.economics.discount_rate) == (0.4, 0.10)
    assert (cfg.market.size, cfg.market.innovation, cfg.market.imitation) == (1_000_000, 0.0, 0.0)
    assert cfg.population.initial_customers == 0
    assert dict(cfg.population.daily_purchase_prob) == {"dist": "gamma", "shape": 0.5, "scale": 0.02}
    assert dict(cfg.population.churn_prob) == {"dist": "beta", "a": 1.0, "b": 200.0}
    assert dict(cfg.population.spend) == {"dist": "gamma", "shape": 4.0, "scale": 12.5}
    assert dict(cfg.population.referral_prob) == {"dist": "constant", "value": 0.0}
    assert cfg.retention.period_days == 1
    assert dict(cfg.channels) == {} and dict(cfg.policies) == {}


def test_assigning_a_distribution_replaces_it_whole():
    cfg = compose("population.churn_prob={dist: constant, value: 0.01}")
    assert OmegaConf.to_container(cfg.population.churn_prob) == {"dist": "constant", "value": 0.01}
    assert validate(cfg).traits["churn_prob"].params == {"value": 0.01}


def test_stock_hydra_would_merge_the_distribution():
    # Why apply_overrides exists: plain Hydra keeps the Beta parameters.
    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(str(conf_dir()), version_base="1.3"):
        merged = hydra_compose("config", overrides=["population.churn_prob={dist: constant, value: 0.01}"])
    GlobalHydra.instance().clear()
    assert set(merged.population.churn_prob) == {"dist", "a", "b", "value"}


def test_a_replaced_spec_missing_a_parameter_is_an_error_not_a_default():
    with pytest.raises(sim.ConfigError, match=r"population\.spend\.scale"):
        validate(compose("population.spend={dist: gamma, shape: 2}"))


def test_empty_maps_and_single_fields():
    assert dict(compose("channels={}").channels) == {}
    assert dict(compose("policies={}").policies) == {}
    cfg = compose("channels.feed_ads.daily_budget=5000")
    assert cfg.channels.feed_ads.daily_budget == 5000
    assert cfg.channels.feed_ads.activation_prob == compose().channels.feed_ads.activation_prob
    assert compose("+channels.search={kind: paid}").channels.search.kind == "paid"


def test_sim_run_accepts_a_plain_mapping():
    res = sim.run({"replications": 1, "horizon": {"acquisition_days": 5, "ltv_days": 5},
                   "population": {"initial_customers": 50}})
    assert res.metrics["customers.initial"] == 50


@pytest.mark.parametrize("overrides, key, words", [
    (["replicatons=3"], "replicatons", "did you mean 'replications'"),
    (["horizon.ltv=3"], "horizon.ltv", "allowed keys: acquisition_days, ltv_days"),
    (["seed=abc"], "seed", "could not be converted to Integer"),
    (["channels.feed_ads.daily_budget=-5"], "channels.feed_ads.daily_budget", "[0, 1e+12]"),
    (["population.churn_prob={dist: constant, value: 1.5}"], "population.churn_prob.value", "[0, 1]"),
    (["population.churn_prob={dist: lognormal, mean: 0.1, sigma: 1}"], "population.churn_prob.dist",
     "must be one of beta, constant, gamma"),
    (["population.spend={dist: gama, shape: 1, scale: 1}"], "population.spend.dist", "did you mean 'gamma'"),
    (["population.spend.shap=2"], "population.spend.shap", "did you mean 'shape'"),
    (["channels.feed_ads.kind=tv"], "channels.feed_ads.kind",
     "must be one of baseline, cohort, content, livestream, offline, paid, partner"),
    (["channels.feed_ads.budget=5"], "channels.feed_ads.budget", "did you mean 'daily_budget'"),
    (["horizon.acquisition_days=0"], "horizon.acquisition_days", "[1, 36500]"),
    (["horizon.ltv_days=20", "retention.period_days=30"], "horizon.ltv_days", "retention.period_days"),
    (["population.initial_customers=2000000"], "population.initial_customers", "market.size"),
    (["+policies.club={fee: 10}"], "policies.club.kind", "must be one of churn_warning, membership, points, pool, referral, tiering"),
    (["+policies.membership={fee: -10}"], "policies.membership.fee", "[0, 1e+12]"),
    (["+policies.referral={levels: 3}"], "policies.referral.levels", "allow_more_than_two_levels=true"),
    (["+policies.membership={pool_members_only: true}"], "policies.membership.pool_members_only",
     "needs the private pool"),
    (["+policies.pool={}", "+policies.pool2={kind: pool}"], "policies.pool2.kind", "only one policy of each kind"),
    (["+policies.tiering={recency_weight: 0, frequency_weight: 0, monetary_weight: 0}"],
     "policies.tiering.recency_weight", "must be > 0"),
    (["+channels.organic={kind: paid}"], "channels.organic", "reserved"),
    (["economics.gross_margin=1.2"], "economics.gross_margin", "[0, 1]"),
    (["market.imitation=400"], "market.imitation", "365"),
])
def test_bad_input_names_the_key_and_what_is_allowed(overrides, key, words):
    with pytest.raises(sim.ConfigError) as caught:
        validate(compose(*overrides))
    message = str(caught.value)
    assert key in message and words in message, message
    assert "\n" not in message


def test_unknown_scenario_lists_the_available_ones():
    with pytest.raises(sim.ConfigError, match="did you mean 'default'"):
        sim.compose("defualt")
    assert "default" in scenario_names()


def test_a_sweep_needs_the_command_line():
    with pytest.raises(sim.ConfigError, match="-m"):
        compose("seed=1,2")


def test_a_field_set_after_a_mapping_override_wins():
    cfg = compose("allocation.weights={a: 1, b: 2}", "allocation.weights.a=5")
    assert OmegaConf.to_container(cfg.allocation.weights) == {"a": 5, "b": 2}
    cfg = compose("channels.feed_ads.daily_budget=100", "channels.feed_ads={kind: paid}")
    assert OmegaConf.to_container(cfg.channels.feed_ads) == {"kind": "paid"}


@pytest.fixture
def scenarios(tmp_path, monkeypatch):
    """A scenarios directory of its own: the shipped scenarios plus the files a test writes."""
    import shutil
    from sim import config

    directory = tmp_path / "scenarios"
    shutil.copytree(config.scenarios_dir(), directory)
    monkeypatch.setattr(config, "scenario_dirs", lambda: [directory])
    return directory


@pytest.mark.parametrize("text, words", [
    ("replications: 2\nchannels:\n  a: {kind: paid\n  b: 3\n", "line 4: not valid YAML"),
    ("replications: 2\nhorizn:\n  acquisition_days: 5\n", "line 2: horizn: unknown key; allowed keys: "),
    ("replications: 2\nhorizon:\n  acquisition_days: 5\n  ltv_dys: 3\n", "line 4: horizon.ltv_dys: unknown key"),
    ("replications: two\n", "line 1: replications: Value 'two'"),
    ("- 1\n- 2\n", "must be a mapping"),
    ("channels:\n  a: {kind: paid, daily_budget: '${oc.env:HOME}'}\n",
     "line 2: channels.a.daily_budget = '${oc.env:HOME}': resolvers such as"),
])
def test_a_broken_scenario_breaks_only_its_own_use_naming_file_line_and_key(scenarios, text, words):
    (scenarios / "broken.yaml").write_text(text)
    with pytest.raises(sim.ConfigError) as caught:
        sim.compose("broken")
    message = str(caught.value)
    assert message.startswith(f"scenario = 'broken': {scenarios / 'broken.yaml'}") and words in message, message
    assert "\n" not in message
    validate(sim.compose("default", ["replications=1"]))       # every other scenario still works
    assert "broken" in scenario_names()


def test_plain_interpolations_in_a_scenario_are_allowed(scenarios):
    (scenarios / "linked.yaml").write_text("horizon:\n  acquisition_days: 30\n  ltv_days: ${horizon.acquisition_days}\n")
    assert validate(sim.compose("linked")).ltv_days == 30


def test_a_scenario_starts_from_its_base_and_changes_only_what_it_sets(scenarios):
    (scenarios / "variant.yaml").write_text(
        "base: default\nchannels:\n  feed_ads: {daily_budget: 1500}\npolicies:\n  pool: {join_prob: 0.3}\n"
        "population:\n  churn_prob: {dist: constant, value: 0.01}\n")
    base, variant = (OmegaConf.to_container(sim.compose(name)) for name in ("default", "variant"))
    assert variant["channels"]["feed_ads"] == {**base["channels"]["feed_ads"], "daily_budget": 1500}
    assert variant["policies"] == {"pool": {"join_prob": 0.3}}
    assert validate(sim.compose("variant")).config["population"]["churn_prob"] == {"dist": "constant", "value": 0.01}
    changed = {key for key in base if base[key] != variant[key]}
    assert changed == {"channels", "policies", "population"}
    (scenarios / "deeper.yaml").write_text("base: variant\nreplications: 3\n"
                                           "channels:\n  feed_ads: null\n  search: {kind: paid}\n")
    deeper = sim.compose("deeper")
    assert deeper.policies.pool.join_prob == 0.3 and list(deeper.channels) == ["search"]


@pytest.mark.parametrize("files, words", [
    ({"loop_a.yaml": "base: loop_b\n", "loop_b.yaml": "base: loop_a\n"}, "cycle (loop_a -> loop_b -> loop_a)"),
    ({"loop_a.yaml": "replications: 2\nbase: nowhere\n"}, "line 2: base = 'nowhere': must name a scenario"),
])
def test_a_bad_base_is_one_line_naming_the_file(scenarios, files, words):
    for name, text in files.items():
        (scenarios / name).write_text(text)
    with pytest.raises(sim.ConfigError) as caught:
        sim.compose("loop_a")
    assert words in str(caught.value) and "\n" not in str(caught.value), str(caught.value)


def test_validation_leaves_the_cached_schema_as_built():
    # the schema is built once (params._schema) and every validation merges into a copy of it
    from sim.params import _schema
    validate(sim.compose("channel_mix", ["replications=1", "population.initial_customers=7"]))
    validate(sim.compose("membership", ["replications=1"]))
    assert OmegaConf.to_container(_schema()) == OmegaConf.to_container(OmegaConf.structured(SimConfig))


ASSIGNMENTS = [
    [],
    ["replications=3", "seed=7"],
    ["channels.feed_ads.daily_budget=5000", "horizon.acquisition_days=30"],
    ["population.churn_prob={dist: constant, value: 0.01}", "population.churn_prob.value=0.02"],
    ["population.spend={dist: lognormal, mean: 40, sigma: 0.5}", "economics.gross_margin=0.35"],
    ["market.size=1000000000", "progress=false", "figures=false", "objective=profit_npv"],
    ["channels.feed_ads.carryover=0", "channels={}"],
    ["economics.currency=EUR", "calendar.start_date=2027-01-04"],
]


@pytest.mark.parametrize("scenario", ["default", "membership", "channel_mix", "private_domain", "referral_fission"])
@pytest.mark.parametrize("overrides", ASSIGNMENTS, ids=lambda o: " ".join(o) or "none")
def test_assigned_overrides_compose_what_hydra_composes(scenario, overrides):
    # sim.compose assigns plain value overrides to a copy of the scenario's composition; Hydra
    # composing them again must give the same config, node types and struct flags included
    quick, hydra = sim.compose(scenario, overrides), _hydra_compose(scenario, list(overrides))
    assert OmegaConf.to_yaml(quick) == OmegaConf.to_yaml(hydra)
    assert validate(quick).config == validate(hydra).config
    for cfg in (quick, hydra):
        assert OmegaConf.is_struct(cfg) and not OmegaConf.is_struct(cfg.channels)
    assert [type(node).__name__ for node in quick.values()] == [type(node).__name__ for node in hydra.values()]
    quick.replications = 99                     # a copy: the next compose is not touched
    assert sim.compose(scenario, overrides).replications == hydra.replications


@pytest.mark.parametrize("bad", [["replications=many"], ["replicationz=2"], ["horizon.acquisition_days=-1"],
                                 ["channels.feed_ads.daily_budgett=5"]])
def test_a_bad_assignment_is_the_same_error_as_composed_by_hydra(bad):
    with pytest.raises(sim.ConfigError) as quick:
        validate(sim.compose("default", bad))
    with pytest.raises(sim.ConfigError) as hydra:
        validate(_hydra_compose("default", bad))
    assert str(quick.value) == str(hydra.value)
