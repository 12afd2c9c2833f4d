"""Every named scenario is documented, runs, and keeps its books."""
from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.config import scenario_names, scenarios_dir


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
