"""How tightly common random numbers pair a comparison: spread of paired against unpaired differences.

    python experiments/validation/paired_spread.py                  # membership, fee 99 against 89
    python experiments/validation/paired_spread.py default 'channels.feed_ads.daily_budget=1500' \\
        --base 'channels.feed_ads.daily_budget=1700' --replications 20

Runs the scenario with the ``--base`` overrides and with the variant's, on one seed
(paired: replication i of both from the same replication seed) and on another
(unpaired), and prints per metric the standard deviation of the per-replication
differences each way. The numbers in docs/model.md (*Comparing two configs*) come from here.
"""
from __future__ import annotations

import argparse

import numpy as np

import sim

METRICS = ("customers", "customers.feed_ads", "membership_members", "membership_penetration", "revenue",
           "profit_npv", "ltv", "cac")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default="membership")
    parser.add_argument("variant", nargs="*", default=["policies.membership.fee=89"],
                        help="overrides of the variant (default: policies.membership.fee=89)")
    parser.add_argument("--base", nargs="*", default=["policies.membership.fee=99"],
                        help="overrides of the base (default: policies.membership.fee=99)")
    parser.add_argument("--replications", type=int, default=10)
    args = parser.parse_args()

    def run(overrides, seed):
        cfg = sim.compose(args.scenario, [f"replications={args.replications}", f"seed={seed}", *overrides])
        return sim.run(cfg).per_replication

    base, paired, unpaired = run(args.base, 1), run(args.variant, 1), run(args.variant, 2)
    print("| metric | sd of paired differences | sd of unpaired differences | mean paired difference |")
    print("|---|---:|---:|---:|")
    for metric in (m for m in METRICS if m in base):
        tight = np.std(paired[metric] - base[metric], ddof=1)
        loose = np.std(unpaired[metric] - base[metric], ddof=1)
        cells = (tight, loose, np.mean(paired[metric] - base[metric]))
        print(f"| {metric} | " + " | ".join(_number(x) for x in cells) + " |")


def _number(x: float) -> str:
    """Whole units with thousands separators from 1,000 up, else 4 significant digits."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


if __name__ == "__main__":
    main()
