"""Baseline against variant on common random numbers: what a policy or a change is worth.

    python -m sim.comparison private_domain 'policies={}'            # the scenario without its policies
    python -m sim.comparison default replications=20 --variant scenario=private_domain

Arguments before ``--variant`` configure both runs (a scenario name first,
then overrides); those after it change the variant only (``scenario=NAME``
picks another scenario). Both runs use the same seed, so replication ``i``
of each draws the same random numbers wherever the two configs agree; the
difference is taken replication by replication and reported with its 90 %
interval.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

from .config import compose
from .engine import run
from .params import validate
from .results import Result, format_number
from .uncertainty import value_at
from .validation import ConfigError

#: Metrics shown by default in the difference table.
HEADLINE = ("cac", "ltv", "ltv_cac", "payback_days", "profit", "profit_npv", "customers", "acquisition_spend",
            "repeat_purchase_rate", "churn_rate", "referral_share", "k_factor")


@dataclass
class Comparison:
    """Two results and their replication-by-replication differences."""

    baseline: Result
    variant: Result
    difference: dict          # metric -> array of variant - baseline per replication

    def summary(self, metrics=None) -> str:
        """Table: baseline mean, variant mean, difference mean and its 5th-95th percentile.

        ``metrics`` defaults to HEADLINE, then what the policies of either run
        report (their kinds' ``SUMMARY``) and each channel's marginal CAC.
        """
        if metrics is None:
            policies = [key for result in (self.baseline, self.variant) for _, key in result.policy_rows()]
            marginal = [m for m in self.difference if m.startswith("marginal_cac.")]
            metrics = list(dict.fromkeys([*HEADLINE, *policies, *marginal]))
        rows = [m for m in metrics if m in self.difference]
        width = max(len(m) for m in rows) + 2
        lines = [f"{'':<{width}}{'baseline':>12}{'variant':>12}{'difference':>12}{'5%':>12}{'95%':>12}"]
        for metric in rows:
            diff = self.difference[metric]
            low, high = np.percentile(diff, [5, 95]) if np.all(np.isfinite(diff)) else (math.nan,) * 2
            cells = (self.baseline.metrics[metric], self.variant.metrics[metric], float(np.mean(diff)), low, high)
            lines.append(f"{metric:<{width}}" + "".join(f"{format_number(c):>12}" for c in cells))
        return "\n".join(lines)


def compare(baseline, variant) -> Comparison:
    """Run ``baseline`` and ``variant`` (configs for ``sim.run``) on common random numbers.

    Uncertain inputs (``uncertainty``) are drawn from the seed alone, so
    replication ``i`` of both runs gets the same draws and the differences
    keep only what the change itself does.

    Raise ConfigError if they differ in seed or number of replications, or
    if the variant changes the value of an input that is uncertain in it
    (the draws would replace the change: change its distribution instead).
    """
    for key in ("seed", "replications"):
        if baseline[key] != variant[key]:
            raise ConfigError(key, variant[key], f"must equal the baseline's ({baseline[key]}) "
                              "for a common-random-number comparison")
    base, changed = validate(baseline).config, validate(variant).config
    for path in changed["uncertainty"]:
        if value_at(base, path) != value_at(changed, path):
            raise ConfigError(path, value_at(changed, path),
                              f"is uncertain (uncertainty.{path}), so its draws replace the variant's "
                              f"value ({value_at(base, path)} in the baseline); change its distribution instead")
    first, second = run(baseline), run(variant)
    shared = [m for m in first.per_replication if m in second.per_replication]
    return Comparison(first, second, {m: second.per_replication[m] - first.per_replication[m] for m in shared})


USAGE = """usage: marketing-sim-compare [SCENARIO] [OVERRIDE ...] [--variant [scenario=NAME] [OVERRIDE ...]]

Run a baseline and a variant on common random numbers and print their paired differences.
SCENARIO (default: default) and the overrides before --variant apply to both runs, those after
it to the variant only; without --variant the overrides are the variant's. docs/model.md, Comparisons."""


def main(arguments: list[str] | None = None) -> None:
    """Entry point of ``python -m sim.comparison`` / ``marketing-sim-compare``."""
    arguments = sys.argv[1:] if arguments is None else arguments
    if arguments[:1] in (["-h"], ["--help"]):
        print(USAGE)
        return
    split = arguments.index("--variant") if "--variant" in arguments else len(arguments)
    shared, changes = arguments[:split], arguments[split + 1:]
    scenario = shared.pop(0) if shared and "=" not in shared[0] else "default"
    variant_scenario = next((c.split("=", 1)[1] for c in changes if c.startswith("scenario=")), scenario)
    changes = [c for c in changes if not c.startswith("scenario=")]
    if not changes and variant_scenario == scenario and split == len(arguments) and shared:
        # "SCENARIO OVERRIDE...": the overrides are the variant
        shared, changes = [], shared
    try:
        result = compare(compose(scenario, shared), compose(variant_scenario, [*shared, *changes]))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    print(f"baseline: {scenario} {' '.join(shared)}".rstrip())
    print(f"variant:  {variant_scenario} {' '.join([*shared, *changes])}".rstrip())
    print(f"{result.baseline.replications} paired replications, common random numbers\n")
    print(result.summary())


if __name__ == "__main__":
    main()
