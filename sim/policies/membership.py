"""Paid membership: turning repeat buyers into "super users".

Customers decide on value: each one offered the membership values it at
what it expects the programme to return to it over a term, times its own
willingness to pay, and joins when that is at least the fee; at the term's
end it renews when what the programme actually returned, valued the same
way, still covers the fee. :func:`fit_valuation` sets the two valuation
parameters from a price test or survey (take-up at two fees).
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import ClassVar, TYPE_CHECKING

import numpy as np

from ..declarations import declare
from ..metrics import mean_where, ratio
from ..population import CHURNED
from ..quantiles import normal_ppf, normal_sf
from ..response import valuation_through
from ..validation import ConfigError, bounds, check_keys, check_number, param
from .base import Policy

if TYPE_CHECKING:
    from ..state import State

#: Benefit parameters that programme phases may change.
BENEFITS = ("price_discount", "exclusive_spend_uplift", "priority_churn_multiplier",
            "rebate_rate", "custom_offer_purchase_lift", "benefit_cost_per_term")


@dataclass
class Membership(Policy, kind="membership"):
    """A paid membership with benefits along the six dimensions of the brief.

    * **Willingness to pay**: every new customer draws a willingness factor
      ``w`` with ``ln w ~ N(-sigma^2 / 2, sigma^2)`` (mean 1,
      ``sigma = valuation_sigma``) from the stream ``membership/valuation``.
    * **Eligibility and offer**: a customer becomes eligible at its
      ``min_purchases``-th purchase inside its LTV window (and only if a pool
      member, with ``pool_members_only``) and is offered membership once.
      It expects the money benefit

      .. math:: B = T \\cdot \\min(p L, 1) \\cdot s U \\cdot (d + r)

      over a term (``T = term_days``, ``p`` its daily purchase probability,
      ``s`` its spend, ``L``, ``U``, ``d``, ``r`` today's
      ``custom_offer_purchase_lift``, ``exclusive_spend_uplift``,
      ``price_discount`` and ``rebate_rate``), values the membership at
      ``V = (B + other_benefit_value) * w`` and joins when ``V >= fee``.
    * **Fee and term**: ``fee`` is paid on joining and on each renewal and
      covers ``term_days``; at a term's end a member still a customer renews
      when ``(R + other_benefit_value) * w + renewal_inertia >= fee``, ``R`` being
      the discounts and rebates it received during the term; otherwise the
      membership lapses.
    * **Benefits while a member** (exclusive price and discounts, exclusive
      products, priority service, rebates, customised offers):
      ``price_discount`` of each purchase is given up (cost),
      ``exclusive_spend_uplift`` multiplies spend, ``priority_churn_multiplier``
      churn, ``rebate_rate`` of spend is returned (cost),
      ``custom_offer_purchase_lift`` multiplies the purchase probability, and
      running the benefits costs ``benefit_cost_per_term`` per member and term.
    * **Phases** (start-up, growth, stable): ``phases`` is a list of
      ``{start: day, <benefit>: value, ...}``; from each start day the given
      benefits replace the current ones.
    """

    fee: float = param(99.0, low=0, unit="currency per term", doc="paid on joining and on each renewal")
    term_days: int = param(365, low=1, integer=True, unit="days", doc="length of a term")
    min_purchases: int = param(2, low=1, integer=True, unit="purchases",
                               doc="purchases inside the LTV window that make a buyer eligible")
    pool_members_only: bool = declare(False, unit="`true` or `false`",
                                      doc="offer only to customers with `pool_member`; needs the `pool` policy "
                                          "(checked by validation, *Policies*)")
    other_benefit_value: float = param(31.0, low=0, unit="currency per term",
                                       doc="what a customer of average willingness values the benefits that "
                                           "return no money at (exclusive products, priority service, "
                                           "customised offers); assumption, set from a price test")
    valuation_sigma: float = param(1.0, low=0, high=5, unit="dimensionless",
                                   doc="spread of willingness to pay between customers: sd of its log "
                                       "(assumption; set from a price test)")
    renewal_inertia: float = param(0.0, low=0, unit="currency per term",
                                   doc="value a member puts on staying as it is: added to its valuation at renewal")
    price_discount: float = param(0.05, low=0, high=1, unit="share of the amount paid",
                                  doc="member price: given up on each member purchase (cost)")
    exclusive_spend_uplift: float = param(1.1, low=0, unit="multiplier",
                                          doc="members' spend factor (exclusive products)")
    priority_churn_multiplier: float = param(0.7, low=0, unit="multiplier",
                                             doc="members' churn-probability factor (priority service)")
    rebate_rate: float = param(0.02, low=0, high=1, unit="share of the amount paid",
                               doc="returned on each member purchase (cost)")
    custom_offer_purchase_lift: float = param(1.2, low=0, unit="multiplier",
                                              doc="members' purchase-probability factor (customised offers)")
    benefit_cost_per_term: float = param(10.0, low=0, unit="currency per member and term",
                                         doc="cost of running the benefits")
    phases: tuple = declare((), unit="list of mappings", doc="programme phases (below)")

    paid_members: ClassVar[bool] = True
    ACCOUNTS: ClassVar[dict] = {"membership_fee": +1.0, "membership_discount": -1.0,
                                "membership_rebate": -1.0, "membership_benefit_cost": -1.0}
    COUNTS: ClassVar[tuple] = ("members", "membership_offers", "membership_joins",
                               "membership_renewals", "membership_lapses")
    SUMMARY: ClassVar[tuple] = (("members", "membership_members"), ("penetration", "membership_penetration"),
                                ("conversion", "membership_conversion"),
                                ("renewal rate", "membership_renewal_rate"),
                                ("value per member", "value_per_member"),
                                ("value per non-member", "value_per_non_member"),
                                ("fee income", "membership_fee_income"),
                                ("benefit cost", "membership_benefit_cost"))
    """(label, metric) rows of the printed summary."""

    def init(self, state: State) -> None:
        super().init(state)
        people = state.people
        people.add_field("ti_member_until", np.int32, -1)    # last day covered; -1 never a member
        people.add_field("ti_member_joined", np.int32, -1)
        people.add_field("membership_offered", np.bool_, False)
        people.add_field("rel_membership_value", np.float32, 1.0)           # willingness factor w
        people.add_field("membership_expected_benefit", np.float32, 0.0)    # B at the offer
        people.add_field("membership_term_benefit", np.float64, 0.0)        # R, this term so far
        self.benefits = {name: getattr(self, name) for name in BENEFITS}
        self.term_ends = defaultdict(list)         # day -> ids whose term ends that day

    @classmethod
    def structured(cls, path: str, spec: Mapping) -> dict:
        return {**super().structured(path, spec), "phases": build_phases(f"{path}.phases", spec.get("phases"))}

    def check_among(self, kinds: Sequence[str]) -> None:
        if self.pool_members_only and "pool" not in kinds:
            raise ConfigError(f"policies.{self.name}.pool_members_only", "true",
                              "needs the private pool policy (policies.pool)")

    def churn_bound(self) -> float:
        return self._largest("priority_churn_multiplier")

    def purchase_bound(self) -> float:
        return self._largest("custom_offer_purchase_lift")

    def _largest(self, benefit: str) -> float:
        """The largest value of ``benefit`` over the starting benefits and every phase, at least 1."""
        return max(1.0, getattr(self, benefit), *(phase[benefit] for phase in self.phases if benefit in phase))

    def is_member(self, state: State, ids: np.ndarray) -> np.ndarray:
        """Which of ``ids`` have paid for today: their term runs at least to today."""
        return state.people.ti_member_until[ids] >= state.day

    def expected_benefit(self, state: State, ids: np.ndarray) -> np.ndarray:
        """``B``: the discounts and rebates ``ids`` expect over a term at today's benefits."""
        people, b = state.people, self.benefits
        purchases = self.term_days * np.minimum(people.daily_purchase_prob[ids] * b["custom_offer_purchase_lift"], 1.0)
        return purchases * people.spend[ids] * b["exclusive_spend_uplift"] * (b["price_discount"] + b["rebate_rate"])

    def on_arrivals(self, state: State, ids: np.ndarray) -> None:
        """Draw the new customers' willingness factors (lognormal, mean 1)."""
        if ids.size:
            sigma = self.valuation_sigma
            normal = normal_ppf(state.uniforms("membership/valuation", ids))
            state.people.rel_membership_value[ids] = np.exp(sigma * normal - sigma * sigma / 2)

    def calendar(self, env, state: State):
        """Programme phases, then a renewal check at the start of every day."""
        for phase in sorted(self.phases, key=lambda p: p["start"]):
            env.process(self._phase(env, phase))
        while True:
            self._renew(state, int(env.now))
            yield env.timeout(1)

    def _phase(self, env, phase):
        yield env.timeout(phase["start"])
        self.benefits.update({k: v for k, v in phase.items() if k != "start"})

    def _renew(self, state: State, day: int) -> None:
        ending = self.term_ends.pop(day - 1, [])
        if not ending:
            return
        people = state.people
        ending = np.concatenate(ending)
        ending = ending[people.stage[ending] != CHURNED]   # only members still customers are up for renewal
        value = ((people.membership_term_benefit[ending] + self.other_benefit_value)
                 * people.rel_membership_value[ending] + self.renewal_inertia)
        renew = ending[value >= self.fee]
        state.ledger.record("membership_renewals", day, renew.size)
        state.ledger.record("membership_lapses", day, ending.size - renew.size)
        self._start_term(state, day, renew)

    def _start_term(self, state: State, day: int, ids: np.ndarray) -> None:
        if not ids.size:
            return
        last = day + self.term_days - 1
        # a term past the run's end is stored as the end (int32), where it means the same
        state.people.ti_member_until[ids] = min(last, state.params.n_days)
        state.people.membership_term_benefit[ids] = 0.0
        self.term_ends[last].append(ids)
        state.ledger.book(day, "membership_fee", ids, np.full(ids.size, self.fee))
        state.ledger.book(day, "membership_benefit_cost", ids,
                          np.full(ids.size, self.benefits["benefit_cost_per_term"]))

    def on_purchases(self, state: State, buyers: np.ndarray, amounts: np.ndarray) -> None:
        people, day = state.people, state.day
        members = self.is_member(state, buyers)
        if members.any():
            ids, paid = buyers[members], amounts[members]
            discount, rebate = paid * self.benefits["price_discount"], paid * self.benefits["rebate_rate"]
            state.ledger.book(day, "membership_discount", ids, discount)
            state.ledger.book(day, "membership_rebate", ids, rebate)
            np.add.at(people.membership_term_benefit, ids, discount + rebate)
        eligible = buyers[(people.n_purchases[buyers] >= self.min_purchases)
                          & ~people.membership_offered[buyers]]
        if self.pool_members_only:
            eligible = eligible[people.pool_member[eligible]]
        eligible = eligible[self.targeted(state, eligible)]
        people.membership_offered[eligible] = True
        state.ledger.record("membership_offers", day, eligible.size)
        benefit = self.expected_benefit(state, eligible)
        people.membership_expected_benefit[eligible] = benefit
        joined = eligible[(benefit + self.other_benefit_value) * people.rel_membership_value[eligible] >= self.fee]
        people.ti_member_joined[joined] = day
        state.ledger.record("membership_joins", day, joined.size)
        self._start_term(state, day, joined)

    def churn_multiplier(self, state: State, ids):
        return np.where(self.is_member(state, ids),
                        np.float32(self.benefits["priority_churn_multiplier"]), np.float32(1))

    def purchase_multiplier(self, state: State, ids):
        return np.where(self.is_member(state, ids),
                        np.float32(self.benefits["custom_offer_purchase_lift"]), np.float32(1))

    def spend_multiplier(self, state: State, ids):
        return np.where(self.is_member(state, ids),
                        np.float32(self.benefits["exclusive_spend_uplift"]), np.float32(1))

    def end_of_day(self, state: State) -> None:
        active = state.people.active_ids
        state.ledger.record("members", state.day, int(self.is_member(state, active).sum()))

    def metrics(self, state: State) -> dict:
        people, daily, params = state.people, state.ledger.daily, state.params
        acquired = people.source != params.source_index("initial")
        ever = acquired & (people.ti_member_joined >= 0)
        last_acquisition_day = params.acquisition_days - 1
        ended = daily["membership_renewals"].sum() + daily["membership_lapses"].sum()
        benefit_cost = sum(daily[a].sum() for a in ("membership_discount", "membership_rebate",
                                                    "membership_benefit_cost"))
        return {
            "membership_members": float(daily["members"][last_acquisition_day]),
            "membership_penetration": ratio(daily["members"][last_acquisition_day],
                                            daily["active"][last_acquisition_day]),
            "membership_conversion": ratio(daily["membership_joins"].sum(), daily["membership_offers"].sum()),
            "membership_renewal_rate": ratio(daily["membership_renewals"].sum(), ended),
            "value_per_member": mean_where(people.value, ever),
            "value_per_non_member": mean_where(people.value, acquired & ~ever),
            "membership_fee_income": float(daily["membership_fee"].sum()),
            "membership_benefit_cost": float(benefit_cost),
        }


def build_phases(path: str, spec: object) -> tuple:
    """Check ``phases``: a list of ``{start: day, <benefit>: value}``."""
    if spec is None:
        return ()
    if not isinstance(spec, Sequence) or isinstance(spec, str):
        raise ConfigError(path, spec, "must be a list like [{start: 180, price_discount: 0.1}]")
    ranges = {f.name: bounds(f.metadata) for f in fields(Membership) if f.name in BENEFITS}
    phases = []
    for index, phase in enumerate(spec):
        where = f"{path}[{index}]"
        if not isinstance(phase, Mapping) or "start" not in phase:
            raise ConfigError(where, phase, f"must be a mapping with start and benefits ({', '.join(BENEFITS)})")
        check_keys(where, phase, ("start", *BENEFITS))
        checked = {"start": check_number(f"{where}.start", phase["start"], low=0, integer=True)}
        checked.update({key: check_number(f"{where}.{key}", value, **ranges[key])
                        for key, value in phase.items() if key != "start"})
        phases.append(checked)
    return tuple(phases)


def take_up(fee: float, benefits: np.ndarray, other_benefit_value: float, valuation_sigma: float) -> float:
    """Expected share joining at ``fee`` among offered customers with expected benefits ``benefits``:
    ``mean_i P((B_i + other_benefit_value) * w >= fee)`` with ``ln w ~ N(-sigma^2/2, sigma^2)``."""
    if fee <= 0:
        return 1.0
    value = np.asarray(benefits, dtype=float) + other_benefit_value
    with np.errstate(divide="ignore"):
        gap = math.log(fee) - np.log(value)
    if valuation_sigma == 0:
        return float(np.mean(gap <= 0))
    return float(np.mean(normal_sf((gap + valuation_sigma ** 2 / 2) / valuation_sigma)))


def fit_valuation(path: str, benefits: np.ndarray, first: tuple[float, float],
                  second: tuple[float, float]) -> tuple[float, float]:
    """``(other_benefit_value, valuation_sigma)`` whose take-up among customers with expected
    benefits ``benefits`` (``membership_expected_benefit`` of the offered customers of a run)
    passes two measured points ``(fee, share)``, say "15 % at 99, 5 % at 199".

    Starts from the lognormal through the two points
    (``sim.response.valuation_through``) and solves the two take-up
    equations (:func:`take_up`). Raises ConfigError naming ``path`` if the
    points do not fall with the fee, or if no ``other_benefit_value >= 0``
    and ``valuation_sigma`` fit them (the customers' own benefits spread
    take-up more than the test does).
    """
    from scipy import optimize      # here, not at import: scipy.optimize costs 0.3 s

    mu, sigma = valuation_through(path, first, second)
    benefits = np.asarray(benefits, dtype=float)
    points = sorted([first, second])

    def residual(x):
        return [take_up(f, benefits, x[0], x[1]) - u for f, u in points]

    start = [max(math.exp(mu + sigma ** 2 / 2) - float(np.mean(benefits)), 0.0), sigma]
    solution = optimize.least_squares(residual, start, bounds=([0.0, 1e-6], [np.inf, 5.0]),
                                      xtol=1e-12, ftol=1e-12, gtol=1e-12)
    if max(abs(r) for r in solution.fun) > 1e-4:
        raise ConfigError(path, [list(first), list(second)],
                          "no other_benefit_value >= 0 and valuation_sigma give this take-up: the customers' "
                          "own benefits spread it more than the test (check the benefits or the test)")
    return float(solution.x[0]), float(solution.x[1])


def valuation_from_test(scenario: str, first: tuple[float, float], second: tuple[float, float],
                        overrides: Sequence[str] = (), policy: str = "membership") -> dict[str, float]:
    """The ``other_benefit_value`` and ``valuation_sigma`` of ``policies.<policy>`` in ``scenario``
    (with ``overrides``) that give take-up ``first`` and ``second`` (``(fee, share)``).

    Runs one replication to find whom the programme is offered to and the
    benefits they expect (neither depends on the two parameters), then
    :func:`fit_valuation`. Returns ``{override key: value}``.
    """
    from ..config import compose
    from ..engine import simulate
    from ..params import validate
    from ..randomness import replication_seeds

    params = validate(compose(scenario, ["replications=1", *overrides]))
    state = simulate(params, replication_seeds(params.seed, 1)[0])
    people = state.people
    offered = people.membership_offered[:people.n]
    path = f"policies.{policy}"
    value, spread = fit_valuation(path, people.membership_expected_benefit[:people.n][offered], first, second)
    return {f"{path}.other_benefit_value": value, f"{path}.valuation_sigma": spread}
