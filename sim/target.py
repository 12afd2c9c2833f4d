"""The largest daily budget whose LTV/CAC still reaches a target, at a fixed split.

    marketing-sim-target default --ltv-cac 3
    marketing-sim-target private_domain --ltv-cac 2 allocation.total_daily_budget=2100 \\
        'allocation.weights={feed_ads: 1, pool: 1}' 'allocation.bounds={pool: [0, 500]}'

"How much can I spend a day and keep LTV/CAC at 3?" Spend buys customers
along saturating curves, so CAC rises with the budget while LTV barely
moves, and LTV/CAC falls: the answer is the total where it crosses the
target. The split is held in its shares: the config's ``allocation``
(weights and bounds) when it has a total, otherwise every channel with a
daily budget > 0 weighted by today's budget (so each keeps its share of
today's total). The search runs the config at totals ``T`` on common random
numbers (the config's seed and replications at every ``T``), first
doubling or halving from today's total until the target is bracketed, then
bisecting on ``log T`` ``steps`` times (6 steps: within 2^(1/64) - 1 ≈ 1 %
of the crossing).

``metric`` is the ratio held: ``ltv_cac`` (the default) is the blended
one, all customers' LTV over all acquisition spend per customer, so
customers no spend bought (organic adoption, an existing base) lower its
CAC; ``ltv_cac.<channel>`` holds one channel's own ratio (its customers'
LTV over its spend per customer), the stricter test of the money itself.
The summary shows both at the answer.

Errors: ConfigError when the config is invalid, has nothing to scale, or
the target cannot be reached (LTV/CAC below it even at today's total / 64),
naming the field. A target that holds up to 64 times today's total is
reported as not bracketed, with the largest total tried.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from dataclasses import dataclass, field

from omegaconf import OmegaConf

from .config import compose
from .params import validate
from .progress import Progress
from .results import Result
from .channels import KINDS as CHANNEL_KINDS
from .policies import KINDS as POLICY_KINDS
from .validation import ConfigError, check_choice

#: Doublings or halvings from today's total before the search gives up bracketing.
MAX_DOUBLINGS = 6


@dataclass
class TargetBudget:
    """The outcome of :func:`budget_at`.

    ``total`` is the largest daily budget tried whose LTV/CAC reached
    ``target`` (None if none did), ``budgets`` its split (item -> daily
    budget), ``result`` the run at it, ``trials`` every ``(total, ltv_cac)``
    run, in order, ``bracketed`` whether a larger total that missed the
    target was found (False: the target holds at every total tried),
    ``metric`` the ratio held.
    """

    target: float
    today: float
    total: float | None
    budgets: dict
    result: Result | None
    trials: list = field(default_factory=list)
    bracketed: bool = True
    metric: str = "ltv_cac"

    def summary(self) -> str:
        lines = [f"{self.metric} target {self.target:g}; today's total of the items' budgets {self.today:,.0f}",
                 "", f"{'total budget':>14}{self.metric:>{max(10, len(self.metric) + 2)}}"]
        lines += [f"{total:>14,.0f}{ratio:>{max(10, len(self.metric) + 2)}.3f}" for total, ratio in sorted(self.trials)]
        if self.total is None:
            return "\n".join(lines)
        m, (low, high) = self.result.metrics, self.result.intervals[self.metric]
        lines += ["", f"largest total budget with {self.metric} >= {self.target:g}: {self.total:,.0f} "
                      f"({100 * (self.total / self.today - 1):+.0f} % on today's)"
                  + ("" if self.bracketed else "; the target still holds at the largest total tried")]
        lines += [f"  {item:<14}{budget:>12,.0f} {unit}" for item, (budget, unit) in self._items().items()]
        lines += [f"  {self.metric} {m[self.metric]:.3f} (90 % interval {low:.3f} - {high:.3f}), CAC {m['cac']:,.2f}, "
                  f"LTV {m['ltv']:,.2f}, customers {m['customers']:,.0f}, profit_npv {m['profit_npv']:,.0f}"]
        own = [f"{c} {m[f'ltv_cac.{c}']:.3f}" for c in self.budgets if f"ltv_cac.{c}" in m]
        if own:
            lines += [f"  each channel's own LTV/CAC (its customers, its spend): {', '.join(own)}"
                      + ("; the blended ratio also counts customers no spend bought" if self.metric == "ltv_cac"
                         else "")]
        return "\n".join(lines)

    def _items(self) -> dict:
        """Item -> (its budget at the answer, the unit of its daily_budget: a live stream's is per event)."""
        config = self.result.config
        def unit(item):
            spec = config["channels"].get(item)
            kinds = CHANNEL_KINDS if spec is not None else POLICY_KINDS
            spec = spec if spec is not None else config["policies"][item]
            cls = kinds[spec.get("kind", item)]
            return next(f.metadata["unit"] for f in dataclasses.fields(cls) if f.name == "daily_budget")
        return {item: (budget, unit(item)) for item, budget in self.budgets.items()}


def scaled(cfg, total: float):
    """``cfg`` with its split (see the module) at a total of ``total`` a day."""
    cfg = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
    if cfg.allocation.total_daily_budget is None:
        OmegaConf.update(cfg, "allocation.weights", _today(cfg), merge=False)
    OmegaConf.update(cfg, "allocation.total_daily_budget", float(total), merge=False)
    return cfg


def budget_at(cfg, ltv_cac: float, steps: int = 6, show_progress: bool = True,
              metric: str = "ltv_cac") -> TargetBudget:
    """The largest total daily budget of ``cfg``'s split whose ``metric`` (an LTV/CAC) is at least ``ltv_cac``.

    See the module for the search and ``metric``; raise ConfigError as stated there.
    """
    if not (isinstance(ltv_cac, (int, float)) and math.isfinite(ltv_cac) and ltv_cac > 0):
        raise ConfigError("ltv_cac", ltv_cac, "must be a number > 0")
    channels = [c.name for c in validate(cfg).channels]
    check_choice("metric", metric, ["ltv_cac", *(f"ltv_cac.{c}" for c in channels)])
    today = float(cfg.allocation.total_daily_budget or sum(_today(cfg).values()))
    if today <= 0:
        raise ConfigError("allocation.total_daily_budget", today, "must be > 0 to be scaled to a target")
    validate(scaled(cfg, today))            # a bad config fails here, before any run
    trials: dict[float, Result] = {}

    def ratio(total: float) -> float:
        if total not in trials:
            from .engine import run
            trials[total] = run(scaled(cfg, total))
            bar.step()
        value = trials[total].metrics[metric]
        return value if math.isfinite(value) else -math.inf

    with Progress(2 + MAX_DOUBLINGS + steps, "runs (at most)", enabled=None if show_progress else False) as bar:
        factor = 2.0 if ratio(today) >= ltv_cac else 0.5
        near, far = today, today * factor
        for _ in range(MAX_DOUBLINGS):
            if (ratio(far) >= ltv_cac) != (factor > 1):
                break
            near, far = far, far * factor
        else:
            if factor < 1:
                raise ConfigError("ltv_cac", ltv_cac, f"is not reached: {metric} is {ratio(near):.3f} even at "
                                  f"{near:,.0f} a day (today's {today:,.0f} / {2 ** MAX_DOUBLINGS})")
            return _outcome(ltv_cac, today, far, trials, metric, bracketed=False)
        good, bad = (near, far) if factor > 1 else (far, near)
        for _ in range(steps):
            middle = math.sqrt(good * bad)
            good, bad = (middle, bad) if ratio(middle) >= ltv_cac else (good, middle)
    return _outcome(ltv_cac, today, good, trials, metric)


def _outcome(target: float, today: float, total: float, trials: dict, metric: str,
             bracketed: bool = True) -> TargetBudget:
    result = trials[total]
    config = result.config
    budgets = {item: (config["channels"].get(item) or config["policies"].get(item))["daily_budget"]
               for item in config["allocation"]["weights"]}
    return TargetBudget(target, today, total, budgets, result,
                        [(t, r.metrics[metric]) for t, r in trials.items()], bracketed, metric)


def _today(cfg) -> dict:
    """Channel -> today's daily budget, for every channel with a daily budget > 0."""
    channels = validate(cfg).channels
    weights = {c.name: c.daily_budget for c in channels if c.budgeted and c.daily_budget > 0}
    if not weights:
        raise ConfigError("channels", sorted(c.name for c in channels),
                          "no channel has a daily budget > 0 to scale; give allocation.weights")
    return weights


def main(arguments: list[str] | None = None) -> None:
    """Entry point of ``marketing-sim-target`` / ``python -m sim.target``."""
    parser = argparse.ArgumentParser(prog="marketing-sim-target", description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default="default", help="scenario name (default: default)")
    parser.add_argument("overrides", nargs="*", help="config overrides, as for marketing-sim")
    parser.add_argument("--ltv-cac", type=float, required=True, help="the LTV/CAC to keep (e.g. 3)")
    parser.add_argument("--steps", type=int, default=6, help="bisection steps once bracketed (default 6: ~1 %%)")
    parser.add_argument("--metric", default="ltv_cac",
                        help="the ratio held: ltv_cac (blended, default) or ltv_cac.<channel> (its own)")
    args = parser.parse_intermixed_args(arguments)
    if "=" in args.scenario:
        args.overrides.insert(0, args.scenario)
        args.scenario = "default"
    try:
        outcome = budget_at(compose(args.scenario, args.overrides), args.ltv_cac, steps=args.steps,
                            metric=args.metric)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    print(outcome.summary())


if __name__ == "__main__":
    main()
