"""Live streams with KOL/KOC hosts: a fee per event plus commission on sales."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TYPE_CHECKING

from ..declarations import declare, redeclare
from ..validation import param
from .base import Channel
from .schedule import Schedule

if TYPE_CHECKING:
    from ..state import State


@dataclass
class LiveStreamChannel(Channel, kind="livestream"):
    """A host streams on a schedule; viewers who buy during the stream are customers.

    The fee (``daily_budget``) is paid on event days only: the schedule is
    ``events`` (one stream every ``every_days`` days) unless configured
    otherwise. An event at the full fee brings ``leads_per_event`` expected
    viewers who can buy; a day's audience scales with the fee paid that day
    (a sale-day boost books a bigger host, a budget cap a smaller one); the host takes ``commission_rate`` of what they buy during the
    stream (their first purchase) and, with ``commission_days``, later.
    """

    daily_budget: float = param(5000.0, low=0, unit="currency per event",
                                doc="the host's fee, paid on event days (the days the schedule gives a budget)")
    leads_per_event: float = param(2000.0, low=0, unit="leads per event (per day with a budget)",
                                   doc="expected engaged viewers who can buy, before demand and market depletion")
    activation_prob: float = redeclare(Channel, "activation_prob", 0.05,
                                       doc="share of valid viewers who buy during the stream")
    commission_rate: float = redeclare(Channel, "commission_rate", 0.2,
                                       doc="the host's cut; an assumption (a typical cut)")
    schedule: Schedule = declare(default_factory=lambda: Schedule(kind="events", every_days=7), unit="mapping",
                                 doc="one stream every 7 days from day 0")

    linear_cost: ClassVar[bool] = True
    # Assumption: impulse buyers from a stream churn faster and spend less.
    DEFAULT_QUALITY: ClassVar[dict] = {"churn_prob": 1.3, "daily_purchase_prob": 0.9, "spend": 0.9}

    def expected_leads(self, state: State, budget: float) -> float:
        return self.leads_per_event * budget / self.daily_budget if self.daily_budget else 0.0

    def most_leads(self) -> float:
        return self.leads_per_event * self.schedule.largest_factor()
