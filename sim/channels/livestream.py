"""Live streams with KOL/KOC hosts: a fee per event plus commission on sales."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, TYPE_CHECKING

from ..validation import param
from .base import Channel
from .schedule import Schedule

if TYPE_CHECKING:
    from ..state import State


@dataclass
class LiveStreamChannel(Channel):
    """A host streams on a schedule; viewers who buy during the stream are customers.

    The fee (``daily_budget``) is paid on event days only: the schedule is
    ``events`` (one stream every ``every_days`` days) unless configured
    otherwise. An event at the full fee brings ``leads_per_event`` expected
    viewers who can buy; a day's audience scales with the fee paid that day
    (a sale-day boost books a bigger host, a budget cap a smaller one); the host takes ``commission_rate`` of what they buy during the
    stream (their first purchase) and, with ``commission_days``, later.
    """

    daily_budget: float = param(5000.0, low=0)          # fee per event, currency
    leads_per_event: float = param(2000.0, low=0)       # expected engaged viewers per event
    activation_prob: float = param(0.05, low=0, high=1)
    commission_rate: float = param(0.2, low=0, high=1)  # assumption: a typical host cut, not from the brief
    schedule: Schedule = field(default_factory=lambda: Schedule(kind="events", every_days=7))

    kind: ClassVar[str] = "livestream"
    linear_cost: ClassVar[bool] = True
    # Assumption: impulse buyers from a stream churn faster and spend less.
    DEFAULT_QUALITY: ClassVar[dict] = {"churn_prob": 1.3, "daily_purchase_prob": 0.9, "spend": 0.9}

    def expected_leads(self, state: State, budget: float) -> float:
        return self.leads_per_event * budget / self.daily_budget if self.daily_budget else 0.0

    def most_leads(self) -> float:
        return self.leads_per_event * self.schedule.largest_factor()
