"""Uncertain inputs: draws, their checks, the reported intervals and the variance split."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from scipy import stats

import sim
from sim.channels import KINDS as CHANNELS
from sim.channels.schedule import Schedule
from sim.comparison import compare
from sim.params import validate
from sim.policies import KINDS as POLICIES
from sim.uncertainty import PER_DRAW, declaration, declared_at, entries, variance_split
from sim.validation import ConfigError, bounds

#: One paid channel and nothing else: no word of mouth, no referrals, a
#: market too large to deplete, a flat budget with no adstock or inflation.
PAID_ONLY = [
    "market.imitation=0", "market.innovation=0", "market.size=1000000000000",
    "population.referral_prob={dist: constant, value: 0}",
    "horizon.acquisition_days=20", "horizon.ltv_days=1",
    "channels.feed_ads.max_daily_leads=6000", "channels.feed_ads.carryover=0",
    "channels.feed_ads.cost_inflation=0", "progress=false", "figures=false",
]


def small(*overrides, replications=4):
    return sim.compose("default", [*PAID_ONLY, f"replications={replications}", *overrides])


def test_paid_cac_interval_is_the_closed_form_under_the_beta():
    """Paid CAC = spend / (leads x activation_prob): with activation_prob ~ Beta(20, 80)
    and leads L = days x Hill(budget) (noise about 1 %, against 20 % from the Beta),
    each replication's CAC follows F(c) = 1 - BetaCDF(spend / (L c))."""
    a, b, replications = 20, 80, 200
    result = sim.run(small("+uncertainty={channels.feed_ads.activation_prob: {dist: beta, a: 20, b: 80}}",
                           replications=replications))
    params = validate(small())
    channel = params.channels[0]
    days = params.acquisition_days
    spend = channel.daily_budget * days
    leads = days * float(channel.hill(channel.daily_budget))
    drawn = result.inputs["channels.feed_ads.activation_prob"]
    cac = result.per_replication["cac_paid"]

    # Each replication ran with its own draw: CAC within 5 % of spend / (L p).
    np.testing.assert_allclose(cac, spend / (leads * drawn), rtol=0.05)
    # The draws are Beta(20, 80): one per pair, so 100 independent values.
    independent = cac[::PER_DRAW]
    cdf = lambda c: 1 - stats.beta.cdf(spend / (leads * np.asarray(c)), a, b)   # noqa: E731
    assert stats.kstest(independent, cdf).pvalue > 0.01
    # The reported 90 % interval is the expression's quantiles, within 3
    # standard errors of a sample quantile of 100 independent draws.
    for q, reported in zip((0.05, 0.95), result.intervals["cac_paid"]):
        exact = spend / (leads * stats.beta.ppf(1 - q, a, b))
        density = (cdf(exact * 1.001) - cdf(exact * 0.999)) / (exact * 0.002)
        standard_error = np.sqrt(q * (1 - q) / independent.size) / density
        assert abs(reported - exact) < 3 * standard_error, (q, reported, exact, standard_error)
    # Nearly all of the variance comes from the input.
    assert result.variance["cac_paid"]["input_share"] > 0.95


def test_constant_distribution_is_bit_identical_to_setting_the_value():
    path, value = "channels.feed_ads.activation_prob", 0.25
    fixed = sim.run(small(f"{path}={value}"))
    drawn = sim.run(small(f"+uncertainty={{{path}: {{dist: constant, value: {value}}}}}"))
    for name, values in fixed.per_replication.items():
        np.testing.assert_array_equal(values, drawn.per_replication[name], err_msg=name)
    for name, series in fixed.daily.items():
        np.testing.assert_array_equal(series, drawn.daily[name], err_msg=name)


def test_trait_parameter_and_integer_parameter_draws():
    cfg = small("+uncertainty={population.churn_prob.b: {dist: uniform, low: 150, high: 250}, "
                "market.size: {dist: uniform, low: 1000000, high: 2000000}}", replications=6)
    result = sim.run(cfg)
    b = result.inputs["population.churn_prob.b"]
    size = result.inputs["market.size"]
    assert np.all((150 <= b) & (b <= 250)) and np.all(size == np.round(size))
    # pairs share a draw, pairs differ
    assert np.all(b[0::2] == b[1::2]) and len(set(b)) == 3


def test_same_seed_same_draws_and_entries_independent_of_each_other():
    one = "channels.feed_ads.activation_prob: {dist: beta, a: 20, b: 80}"
    two = "population.churn_prob.b: {dist: uniform, low: 150, high: 250}"
    first = sim.run(small(f"+uncertainty={{{one}}}"))
    again = sim.run(small(f"+uncertainty={{{one}}}"))
    both = sim.run(small(f"+uncertainty={{{one}, {two}}}"))
    other_seed = sim.run(small(f"+uncertainty={{{one}}}", "seed=1"))
    path = "channels.feed_ads.activation_prob"
    np.testing.assert_array_equal(first.per_replication["cac"], again.per_replication["cac"])
    np.testing.assert_array_equal(first.inputs[path], both.inputs[path])
    assert not np.array_equal(first.inputs[path], other_seed.inputs[path])


def test_comparison_shares_the_draws_so_paired_differences_stay_tight():
    uncertain = "+uncertainty={channels.feed_ads.activation_prob: {dist: beta, a: 20, b: 80}}"
    base = small(uncertain, replications=16)
    variant = small(uncertain, "channels.feed_ads.daily_budget=2200", replications=16)
    comparison = compare(base, variant)
    path = "channels.feed_ads.activation_prob"
    np.testing.assert_array_equal(comparison.baseline.inputs[path], comparison.variant.inputs[path])
    # The input moves paid CAC by about 20 % across replications; the
    # budget change's paired difference varies far less than that.
    spread = np.std(comparison.baseline.per_replication["cac_paid"])
    assert np.std(comparison.difference["cac_paid"]) < spread / 5


def test_comparison_refuses_a_change_the_draws_would_replace():
    uncertain = "+uncertainty={channels.feed_ads.activation_prob: {dist: beta, a: 20, b: 80}}"
    with pytest.raises(ConfigError, match="channels.feed_ads.activation_prob.*is uncertain"):
        compare(small(uncertain), small(uncertain, "channels.feed_ads.activation_prob=0.3"))


@pytest.mark.parametrize("entry, message", [
    ("channels.feed_ads.activation_prob: {dist: normal, mean: 0.2, sd: 0.05}",
     r"support must lie in the parameter's range \[0, 1\].*truncated"),
    ("channels.feed_ads.activation_prob: {dist: uniform, low: 0.5, high: 1.5}", r"range \[0, 1\]"),
    ("channels.feed_ads.precision: {dist: gamma, shape: 2, scale: 0.1}", r"range \[0, 1\]"),
    ("channels.feed_ads.half_saturation_budget: {dist: uniform, low: 0, high: 10}", r"range \(0, unbounded"),
    ("channels.feed_ads.activation: {dist: beta, a: 1, b: 1}", "not a numeric parameter here"),
    ("channels.nope.activation_prob: {dist: beta, a: 1, b: 1}", "no channel 'nope'"),
    ("population.churn_prob.shape: {dist: uniform, low: 1, high: 2}", "dist=beta, whose parameters are a, b"),
    ("seed: {dist: uniform, low: 1, high: 2}", "not a model input"),
    ("channels.feed_ads.activation_prob: {dist: beta, a: 0, b: 1}", "uncertainty.channels.feed_ads.activation_prob.a"),
    ("channels.feed_ads.activation_prob: {dist: poisson, lam: 1}", "must be one of beta, constant"),
    ("channels.feed_ads.activation_prob: {dist: uniform, low: 0.3, high: 0.2}", "must be > low"),
])
def test_bad_entries_are_refused_at_validation(entry, message):
    with pytest.raises(ConfigError, match=message):
        validate(small(f"+uncertainty={{{entry}}}"))


def test_a_path_resolves_to_the_whole_declaration_of_its_kinds_field_and_the_entry_range_is_its_bounds():
    for section, kinds in (("channels", CHANNELS), ("policies", POLICIES)):
        for kind, cls in kinds.items():
            data = {section: {"item": {"kind": kind}}}
            declared = [(f"{section}.item.{f.name}", f) for f in dataclasses.fields(cls) if "low" in f.metadata]
            if section == "channels":
                declared += [(f"channels.item.schedule.{f.name}", f)
                             for f in dataclasses.fields(Schedule) if "low" in f.metadata]
            for path, field in declared:
                assert declared_at(path, data) == field.metadata                 # unit and doc included
                assert declaration(path, data) == bounds(field.metadata)
    # the kind decides which declaration a key names
    live, paid = ({"channels": {"c": {"kind": kind}}} for kind in ("livestream", "paid"))
    assert declared_at("channels.c.daily_budget", live)["unit"] == "currency per event"
    assert declared_at("channels.c.daily_budget", paid)["unit"] == "currency per day"
    # no field declares these: a range, with the unit the parameter has
    assert declared_at("channels.c.quality.churn_prob", paid) == {"low": 0, "unit": "multiplier"}
    assert declared_at("market.organic_quality.spend", {})["unit"] == "multiplier"
    trait = declared_at("population.churn_prob.b", {"population": {"churn_prob": {"dist": "beta"}}})
    assert trait["low"] == 0 and trait["low_open"] and "unit" not in trait


def test_seed_and_replications_are_declared_but_no_uncertain_input():
    for path in ("seed", "replications"):
        assert declared_at(path, {})["integer"]
        with pytest.raises(ConfigError, match=f"{path} is not a model input"):
            declaration(path, {})


@pytest.mark.parametrize("path, data, message", [
    ("channels.c.activation", {"channels": {"c": {"kind": "paid"}}}, r"not a numeric parameter here \(numeric ones: "),
    ("channels.c.activation_prob", {"channels": {"c": {"kind": "nope"}}}, "channel 'c' has no valid kind"),
    ("policies.p.every_days", {"policies": {"p": None}}, "policy 'p' has no valid kind"),
    ("policies.pool.every_days", {}, r"no policy 'pool' in this config \(there are: none\)"),
    ("market.organic_quality.nope", {}, "a quality multiplier is one of"),
    ("allocation.weights.c", {}, "allocation.weights has no channel 'c'"),
    ("economics.currency", {}, "not a numeric parameter"),
])
def test_a_path_that_names_no_numeric_parameter_is_refused_naming_the_entry(path, data, message):
    for resolve in (declared_at, declaration):
        with pytest.raises(ConfigError, match=message) as refused:
            resolve(path, data)
        assert refused.value.path == f"uncertainty.{path}"


def test_allocated_budget_must_be_made_uncertain_through_the_allocation():
    cfg = small("allocation.total_daily_budget=2000", "allocation.weights={feed_ads: 1}",
                "+uncertainty={channels.feed_ads.daily_budget: {dist: uniform, low: 1000, high: 3000}}")
    with pytest.raises(ConfigError, match="set by allocation"):
        validate(cfg)
    cfg = small("allocation.total_daily_budget=2000", "allocation.weights={feed_ads: 1}",
                "+uncertainty={allocation.total_daily_budget: {dist: uniform, low: 1000, high: 3000}}")
    assert [e.path for e in entries(validate(cfg).config)] == ["allocation.total_daily_budget"]


def test_a_draw_that_breaks_a_cross_field_rule_names_the_draws():
    cfg = small("population.initial_customers=1000",
                "+uncertainty={market.size: {dist: uniform, low: 10, high: 2000}}", replications=20)
    with pytest.raises(ConfigError, match=r"population.initial_customers.*market.size=\d+"):
        sim.run(cfg)


def test_variance_split_recovers_known_components():
    """y = theta_j + noise, theta sd 2 and noise sd 1: input share 4 / 5."""
    rng = np.random.default_rng(0)
    pairs = 20_000
    theta = np.repeat(rng.normal(0, 2, pairs), PER_DRAW)
    values = theta + rng.normal(0, 1, theta.size)
    split = variance_split(values)
    assert split["noise_sd"] == pytest.approx(1, rel=0.02)
    assert split["input_sd"] == pytest.approx(2, rel=0.02)
    assert split["input_share"] == pytest.approx(0.8, abs=0.01)
    assert np.isnan(variance_split(values[:3])["input_share"])       # one pair: not estimable


def test_run_directory_records_the_inputs_and_the_split(tmp_path):
    cfg = small("+uncertainty={channels.feed_ads.activation_prob: {dist: beta, a: 20, b: 80}}")
    result = sim.run(cfg)
    result.save(tmp_path)
    record = json.loads((tmp_path / "metrics.json").read_text())
    assert record["uncertain_inputs"] == ["channels.feed_ads.activation_prob"]
    assert 0 <= record["cac"]["input_share"] <= 1
    loaded = sim.Result.load(tmp_path)
    np.testing.assert_allclose(loaded.inputs["channels.feed_ads.activation_prob"],
                               result.inputs["channels.feed_ads.activation_prob"])
    assert "from inputs" in loaded.summary() and "channels.feed_ads.activation_prob" in loaded.summary()


def test_the_figures_show_where_the_interval_comes_from(tmp_path):
    result = sim.run(small("+uncertainty={channels.feed_ads.activation_prob: {dist: beta, a: 20, b: 80}}"))
    assert tmp_path / "uncertainty.png" in sim.plot.save_all(result, tmp_path)
    plain = sim.run(small())
    (tmp_path / "plain").mkdir()
    assert not any(p.name == "uncertainty.png" for p in sim.plot.save_all(plain, tmp_path / "plain"))
