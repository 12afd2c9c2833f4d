"""Partnerships and affiliates: pay per customer or per sale, nothing upfront."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TYPE_CHECKING

from ..declarations import redeclare
from ..validation import param
from .base import Channel

if TYPE_CHECKING:
    from ..state import State


@dataclass
class PartnerChannel(Channel, kind="partner"):
    """Cross-industry co-operation, distributors and affiliates (CPA / CPS).

    The partner exposes its own audience (another brand's members, a
    distributor's customers) at ``daily_leads`` expected leads a day, at no
    upfront cost. It is paid ``cost_per_customer`` per acquired customer
    and/or ``commission_rate`` of their purchases (on the first, and on
    later ones within ``commission_days``). Its spend is exactly those payments.
    """

    daily_leads: float = param(100.0, low=0, unit="leads per day",
                               doc="expected leads per acquisition day, before demand and market depletion")
    activation_prob: float = redeclare(Channel, "activation_prob", 0.1)
    commission_rate: float = redeclare(Channel, "commission_rate", 0.1, doc="CPS rate; an assumption")

    linear_cost: ClassVar[bool] = True
    budgeted: ClassVar[bool] = False
    # Assumption: another brand's members are a qualified audience.
    DEFAULT_QUALITY: ClassVar[dict] = {"churn_prob": 0.9}

    def expected_leads(self, state: State, budget: float) -> float:
        return self.daily_leads

    def most_leads(self) -> float:
        return self.daily_leads
