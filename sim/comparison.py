"""Baseline against variant on common random numbers: what a policy or a change is worth.

    python -m sim.comparison private_domain 'policies={}'            # the scenario without its policies
    python -m sim.comparison default replications=20 --variant scenario=private_domain

Arguments before ``--variant`` configure both runs (a scenario name first,
then overrides); those after it change the variant only (``scenario=NAME``
picks another scenario). Both runs use the same seed, so replication ``i``
of each draws the same random numbers wherever the two configs agree; the
difference is taken replication by replication and reported with its 90 %
interval.

The command writes a comparison directory (``--out DIR``, by default
``outputs/comparisons/DATE/TIME``): ``baseline/`` and ``variant/`` as run
directories, ``differences.csv`` (one row per replication), ``comparison.json``
(what each side ran; written after the others, it marks the comparison
whole), then ``summary.txt`` (the printed table) and ``report.html`` (``sim.report``).
"""
from __future__ import annotations

import datetime
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import compose
from .engine import run
from .params import validate
from .report import comparison_report
from .results import Result, format_number, read_csv, write_csv
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
    labels: dict = field(default_factory=lambda: {"baseline": "baseline", "variant": "variant"})
    """What each side ran, in words (scenario and overrides), for the printout and the report."""

    def summary(self, metrics=None) -> str:
        """Table: baseline mean, variant mean, difference mean and its 5th-95th percentile.

        ``metrics`` defaults to HEADLINE, then what the policies of either run
        report (their kinds' ``SUMMARY``) and each channel's marginal CAC.
        """
        rows = self.metrics() if metrics is None else [m for m in metrics if m in self.difference]
        width = max(len(m) for m in rows) + 2
        lines = [f"{'':<{width}}{'baseline':>12}{'variant':>12}{'difference':>12}{'5%':>12}{'95%':>12}"]
        for metric in rows:
            cells = (self.baseline.metrics[metric], self.variant.metrics[metric],
                     float(np.mean(self.difference[metric])), *self.interval(metric))
            lines.append(f"{metric:<{width}}" + "".join(f"{format_number(c):>12}" for c in cells))
        return "\n".join(lines)

    def metrics(self) -> list[str]:
        """The metrics a comparison shows: HEADLINE, then what the policies of either run report
        (their kinds' ``SUMMARY``) and each channel's marginal CAC, those both runs have."""
        policies = [key for result in (self.baseline, self.variant) for _, key in result.policy_rows()]
        marginal = [m for m in self.difference if m.startswith("marginal_cac.")]
        return [m for m in dict.fromkeys([*HEADLINE, *policies, *marginal]) if m in self.difference]

    def interval(self, metric: str) -> tuple[float, float]:
        """5th and 95th percentile of the per-replication differences of ``metric``; NaN if any is not finite."""
        diff = self.difference[metric]
        if not np.all(np.isfinite(diff)):
            return math.nan, math.nan
        low, high = np.percentile(diff, [5, 95])
        return float(low), float(high)

    def save(self, directory) -> Path:
        """Write the comparison directory (module docstring); comparison.json, written last, marks it whole."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.baseline.save(directory / "baseline")
        self.variant.save(directory / "variant")
        write_csv(directory / "differences.csv",
                  {"replication": np.arange(self.baseline.replications), **self.difference})
        (directory / COMPARISON).write_text(json.dumps(
            {"baseline": self.labels["baseline"], "variant": self.labels["variant"],
             "replications": self.baseline.replications}, indent=2))
        return directory

    @classmethod
    def load(cls, directory) -> "Comparison":
        """Read a comparison directory written by :meth:`save`."""
        directory = Path(directory)
        meta = json.loads((directory / COMPARISON).read_text())
        table = read_csv(directory / "differences.csv")
        table.pop("replication")
        return cls(Result.load(directory / "baseline"), Result.load(directory / "variant"), table,
                   {"baseline": meta["baseline"], "variant": meta["variant"]})


#: Written last into a comparison directory: what each side ran.
COMPARISON = "comparison.json"


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


USAGE = """usage: marketing-sim-compare [SCENARIO] [OVERRIDE ...] [--variant [scenario=NAME] [OVERRIDE ...]] [--out DIR]

Run a baseline and a variant on common random numbers and print their paired differences.
SCENARIO (default: default) and the overrides before --variant apply to both runs, those after
it to the variant only; without --variant the overrides are the variant's. The comparison, its
summary.txt and report.html go to DIR (default outputs/comparisons/DATE/TIME). docs/model.md, Comparisons."""


def main(arguments: list[str] | None = None) -> None:
    """Entry point of ``python -m sim.comparison`` / ``marketing-sim-compare``."""
    arguments = list(sys.argv[1:] if arguments is None else arguments)
    if arguments[:1] in (["-h"], ["--help"]):
        print(USAGE)
        return
    out = None
    if "--out" in arguments:
        at = arguments.index("--out")
        if at + 1 >= len(arguments):
            print("error: --out needs a directory", file=sys.stderr)
            sys.exit(2)
        out = Path(arguments[at + 1])
        del arguments[at:at + 2]
    out = out or Path("outputs", "comparisons", *datetime.datetime.now().strftime("%Y-%m-%d %H-%M-%S").split())
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
    result.labels = {"baseline": f"{scenario} {' '.join(shared)}".rstrip(),
                     "variant": f"{variant_scenario} {' '.join([*shared, *changes])}".rstrip()}
    table = comparison_table(result)
    try:
        comparison_report(result.save(out), result, table)
    except OSError as error:
        print(f"error: {error.filename}: {error.strerror}", file=sys.stderr)
        sys.exit(1)
    print(table)
    print(f"outputs: {out}")


def comparison_table(result: Comparison) -> str:
    """The printed table: what each side ran, the number of paired replications, the differences."""
    return (f"baseline: {result.labels['baseline']}\nvariant:  {result.labels['variant']}\n"
            f"{result.baseline.replications} paired replications, common random numbers\n\n" + result.summary())


if __name__ == "__main__":
    main()
