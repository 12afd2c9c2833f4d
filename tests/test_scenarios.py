"""Every named scenario is documented, runs, and keeps its books."""
from __future__ import annotations

import numpy as np
import pytest
import yaml

import sim
from sim.config import scenario_names, scenarios_dir
from sim.params import validate


@pytest.mark.parametrize("name", scenario_names())
def test_scenario_is_documented_and_runs(name):
    header = (scenarios_dir() / f"{name}.yaml").read_text().splitlines()[:12]
    assert header[0].startswith(f"# {name}:")
    assert any("Question" in line for line in header), "the header states the question it answers"
    result = sim.run(sim.compose(name, ["replications=1"]))
    m = result.metrics
    assert m["customers"] > 0 and np.isfinite(m["ltv"]) and np.isfinite(m["cac"])
    channels = [k[len("spend."):] for k in m if k.startswith("spend.")]
    spend = sum(m["spend." + c] for c in channels) + (
        result.daily["spend.referral"].sum() if "spend.referral" in result.daily else 0)
    assert spend == pytest.approx(m["acquisition_spend"])


def _paths(tree: dict, depth: int = 2, prefix: str = "") -> set[str]:
    """Dotted keys of ``tree`` down to ``depth`` levels (``channels.feed_ads``, ``horizon.acquisition_days``)."""
    paths = set()
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if value == {}:                # an empty mapping sets nothing
            continue
        if isinstance(value, dict) and depth > 1:
            paths |= _paths(value, depth - 1, path + ".")
        else:
            paths.add(path)
    return paths


VARIANTS = [name for name in scenario_names()
            if yaml.safe_load((scenarios_dir() / f"{name}.yaml").read_text()).get("base")]


def test_the_strategy_scenarios_are_variants_of_one_business():
    assert {"public_only", "private_domain", "membership", "referral_fission", "churn_warning",
            "new_pull", "super_user", "efficiency"} <= set(VARIANTS)


@pytest.mark.parametrize("name", VARIANTS)
def test_a_variant_differs_from_its_base_in_what_its_header_says(name):
    text = (scenarios_dir() / f"{name}.yaml").read_text()
    own = yaml.safe_load(text)
    base = own.pop("base")
    line = next(l for l in text.splitlines() if l.startswith("# Differs from "))
    said_base, _, said = line[len("# Differs from "):].partition(":")
    declared = set() if said.strip() in ("nothing", "nothing.") else {
        p.strip() for p in said.strip().rstrip(".").split(",")}
    assert said_base.strip() == base
    assert _paths(own) == declared, "the file sets what its header says, no more, no less"
    # and the composed configs differ exactly there
    ran, base_ran = (validate(sim.compose(n)).config for n in (name, base))
    flat = lambda tree: {p: _at(tree, p) for p in _paths(tree)}          # noqa: E731
    changed = {p for p in flat(ran).keys() | flat(base_ran).keys() if _at(ran, p) != _at(base_ran, p)}
    assert changed == declared


def _at(tree, path):
    for key in path.split("."):
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree
