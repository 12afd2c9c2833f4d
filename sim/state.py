"""The state of one replication: what stages, channels and policies read and change.

One :class:`State` per replication, built by ``sim.engine.simulate`` and
passed to every stage, channel and policy hook as ``state``; nothing else
is shared between them. The attributes below are the whole of it, each
with who writes it. Per-customer arrays live in ``state.people`` (a policy
adds its own with ``People.add_field`` in ``Policy.init``), money and daily
counts in ``state.ledger``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import campaigns
from .ledger import Ledger
from .population import People
from .randomness import KeyedUniforms, Stream
from .stages.acquisition import OrganicAdoption
from .stages.referral import Referral
from .stages.retention import Retention
from .stages.revenue import Revenue

if TYPE_CHECKING:
    from .channels import Channel
    from .params import Params
    from .policies import Policy


class State:
    """What the day step of one replication reads and writes."""

    params: Params
    """The checked run parameters (read only)."""
    seed: np.random.SeedSequence
    """The replication's seed sequence, the root of every random stream (read through :meth:`random`)."""
    day: int
    """Today, ``0 … n_days − 1``, set by the day loop."""
    people: People
    """The customers, a struct of arrays; stages and policies change them."""
    ledger: Ledger
    """Money and daily counts; everyone books to it."""
    channels: list[Channel]
    """This replication's channels: the configured ones with fresh state (adstock, catchment)."""
    policies: list[Policy]
    """This replication's loyalty policies, with fresh state."""
    demand: float
    """Today's campaign demand multiplier, set by the campaign calendar."""
    sale_days: np.ndarray
    """The campaign calendar: True on sale days, for planning budgets (read only)."""
    market_left: int
    """Prospects not yet acquired; every acquisition draws from them (``activate`` lowers it)."""
    budgets: dict[str, float]
    """Today's budget per channel, set by the channels' calendar processes."""
    purchasers_today: list[np.ndarray]
    """Today's buyers, in the order they bought (first purchases first); appended by
    ``activate`` and the revenue stage, emptied at the start of each day."""
    amounts_today: list[np.ndarray]
    """What each of ``purchasers_today`` paid, in the same order."""
    pending_referrers: np.ndarray
    """Referrers whose invitation converted yesterday; their invitees arrive today."""
    components: Components | None
    """This replication's stages and their event calendars, set by ``simulate``."""

    def __init__(self, params: Params, seed: np.random.SeedSequence):
        self.params = params
        self.seed = seed
        self.day = 0
        self._streams: dict[str, tuple[Stream, int, np.random.Generator]] = {}
        self._keyed: dict[str, KeyedUniforms] = {}
        self._arrived: dict[int, tuple[int, int]] = {}    # source -> (day, customers keyed that day)
        self.people = People(capacity=int(params.estimate.customers))    # room for those expected, not yet memory
        self.ledger = Ledger(self.people, params.n_days, params.ltv_days, params.discount_rate,
                             params.gross_margin, [c.name for c in params.channels], params.sources)
        self.channels = [dataclasses.replace(channel) for channel in params.channels]
        self.demand = 1.0
        self.sale_days = campaigns.sale_day_mask(params.sale_days, params.n_days)
        self.market_left = params.market_size
        self.budgets = {}
        self.purchasers_today = []
        self.amounts_today = []
        self.pending_referrers = np.empty(0, dtype=np.int64)
        self.policies = [dataclasses.replace(policy) for policy in params.policies]
        self.components = None
        for policy in self.policies:
            policy.init(self)

    def random(self, name: str, day: int | None = None) -> np.random.Generator:
        """The generator of decision ``name`` (``"revenue"``, ``"channel/ads"``,
        ``"pool/join"``...) on ``day`` (default today): with :meth:`uniforms`, the one place
        stages, channels and policies get random numbers from.

        Repeated calls on one day continue the same day block, so a decision
        taken twice in a day never reuses numbers.
        """
        day = self.day if day is None else day
        stream, cached_day, generator = self._streams.get(name, (None, None, None))
        if stream is None:
            stream = Stream(self.seed, name)
        if cached_day != day:
            generator = stream.on(day)
            self._streams[name] = (stream, day, generator)
        return generator

    def uniforms(self, name: str, ids: np.ndarray, day: int | None = None) -> np.ndarray:
        """One uniform in (0, 1) per customer of ``ids`` for decision ``name`` on ``day`` (default
        today): the per-customer draws of stages and policies (whether each buys, churns, joins...).

        A customer's number depends only on the replication, ``name``, the day and the
        customer (its ``draw_key``), never on who else is drawn or in what order, so a lever
        that changes one source's count leaves every other customer's draws as they were.
        A decision taken twice a day for one customer needs two names.
        """
        keyed = self._keyed.get(name)
        if keyed is None:
            keyed = self._keyed[name] = KeyedUniforms(self.seed, name)
        return keyed.on(self.day if day is None else day, self.people.draw_key[ids])

    def draw_keys(self, source: int, n: int) -> np.ndarray:
        """Draw keys of ``n`` customers arriving today from ``source``: (source, day, place among
        the source's arrivals today), so the k-th arrival of a source on a day is the same
        customer, as far as its draws go, in any scenario."""
        day, before = self._arrived.get(source, (self.day, 0))
        before = before if day == self.day else 0
        self._arrived[source] = (self.day, before + n)
        return np.arange(before, before + n, dtype=np.uint64) + np.uint64((source + 1) << 52 | self.day << 32)

    def churn_factor(self, ids: np.ndarray):
        """``M_churn`` of ``ids``: the product of the policies' ``churn_multiplier`` (1.0 with no policy)."""
        return _product(policy.churn_multiplier(self, ids) for policy in self.policies)

    def purchase_factor(self, ids: np.ndarray):
        """``M_purchase`` of ``ids``: the product of the policies' ``purchase_multiplier``."""
        return _product(policy.purchase_multiplier(self, ids) for policy in self.policies)

    def spend_factor(self, ids: np.ndarray):
        """``M_spend`` of ``ids``: the product of the policies' ``spend_multiplier``."""
        return _product(policy.spend_multiplier(self, ids) for policy in self.policies)

    def influence(self, ids: np.ndarray):
        """Weight of each of ``ids``' word of mouth, in ordinary customers: ``market.member_influence``
        for a paying member today, ``market.loyal_influence`` for a non-member with at least
        ``market.loyal_purchases`` purchases, 1 otherwise (1.0 when every weight is 1: no policy
        has paying members or members weigh 1, and loyal customers weigh 1)."""
        params = self.params
        members_weigh = params.member_influence != 1.0 and any(p.paid_members for p in self.policies)
        if not members_weigh and params.loyal_influence == 1.0:
            return 1.0
        weight = np.where(self.people.n_purchases[ids] >= params.loyal_purchases,
                          np.float32(params.loyal_influence), np.float32(1))
        members = np.zeros(ids.size, dtype=bool)
        for policy in self.policies:
            members |= policy.is_member(self, ids)
        return np.where(members, np.float32(params.member_influence), weight)

    def invitation_factor(self, buyers: np.ndarray):
        """``M_inv`` of ``buyers``: the product of the policies' ``invitation_multiplier`` (the
        referral policy's reward) times the buyers' ``influence``."""
        return _product([*(policy.invitation_multiplier(self, buyers) for policy in self.policies),
                         self.influence(buyers)])

    def conversion_factor(self, inviters: np.ndarray):
        """``M_conv`` of ``inviters``: the product of the policies' ``conversion_multiplier``."""
        return _product(policy.conversion_multiplier(self, inviters) for policy in self.policies)


def _product(factors):
    """1.0 times each of ``factors`` in turn (in config order: float32 products depend on it)."""
    product = 1.0
    for factor in factors:
        product = product * factor
    return product


@dataclass
class Components:
    """The stages of one replication (their random streams come from ``State.random``)."""

    organic: OrganicAdoption
    referral: Referral
    retention: Retention
    revenue: Revenue

    @classmethod
    def build(cls, params: Params) -> Components:
        """Fresh stages; the calendars draw candidates at the largest factors
        the policies (and, for purchases, overlapping sale days) can apply."""
        sale_demand = max(1.0, float(params.demand.max()))
        return cls(
            organic=OrganicAdoption(params.innovation, params.imitation, params.market_size,
                                    params.source_index("organic")),
            referral=Referral(params.referral_conversion_prob, params.acquisition_days,
                              params.source_index("referral")),
            retention=Retention(params.period_days, params.n_days,
                                float(np.prod([policy.churn_bound() for policy in params.policies]))),
            revenue=Revenue(params.n_days,
                            sale_demand * float(np.prod([policy.purchase_bound() for policy in params.policies])),
                            first_gap=params.period_days - 1 if params.repeats_from_first_decision else 0),
        )
