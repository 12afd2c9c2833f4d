"""Churn early warning and win-back: catch customers going quiet, recall those who left."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, TYPE_CHECKING

import numpy as np

from ..metrics import ratio
from ..population import CHURNED
from ..response import hill
from ..validation import param
from .base import Policy

if TYPE_CHECKING:
    from ..state import State


@dataclass
class ChurnWarning(Policy, kind="churn_warning"):
    """Warn -> prompt -> recover early, and automatic win-back.

    * **Warning**: every ``check_every_days`` days, an active customer is
      at risk when its days since the last purchase exceed
      ``gap_multiple / daily_purchase_prob``, i.e. ``gap_multiple`` times its
      own expected gap between purchases. The system flags at-risk customers
      with probability ``recall`` and others with ``false_alarm_rate``; each
      flagged customer not already under protection is contacted at
      ``contact_cost``. A contacted at-risk customer is saved with
      ``min(1, save_rate + hill(save_offer, save_offer_lift, offer_half_value))``:
      for ``protection_days`` its churn probability is multiplied by
      ``saved_churn_multiplier``; a saved customer redeems the coupon, booked
      at ``save_offer``.
    * **Win-back**: every ``winback_every_days`` days, customers who churned
      within the last ``winback_window_days`` and were not yet contacted
      since are contacted at ``winback_cost``; each is reactivated with
      ``min(1, winback_rate + hill(winback_offer, winback_offer_lift,
      offer_half_value))`` (active again, with its traits), redeeming the
      coupon, booked at ``winback_offer``. The window counts from a
      customer's first churn, so a customer is won back at most once.
    * **Offers**: a coupon of value 0 is the plain contact (``save_rate``,
      ``winback_rate``); a bigger one saves and wins back more along a
      saturating curve (``sim.response.hill``), at more cost. The curve's
      lifts and half value are assumptions; ``sim.response.hill_through``
      sets them from a test of two coupon values.
    """

    check_every_days: int = param(7, low=1, integer=True, unit="days",
                                  doc="days between warning checks, from day 0")
    gap_multiple: float = param(3.0, low=0, low_open=True, unit="own expected purchase gaps",
                                doc="silence beyond which a customer is at risk")
    recall: float = param(0.8, low=0, high=1, unit="probability per at-risk customer and check",
                          doc="chance that an at-risk customer is flagged")
    false_alarm_rate: float = param(0.02, low=0, high=1, unit="probability per other customer and check",
                                    doc="chance that a customer not at risk is flagged")
    contact_cost: float = param(1.0, low=0, unit="currency per contacted customer",
                                doc="cost of each warning contact")
    save_rate: float = param(0.3, low=0, high=1, unit="probability per contacted at-risk customer",
                             doc="chance that the contact saves the customer")
    saved_churn_multiplier: float = param(0.2, low=0, unit="multiplier",
                                          doc="churn-probability factor while protected")
    protection_days: int = param(60, low=1, integer=True, unit="days", doc="how long a save protects")
    winback_every_days: int = param(30, low=1, integer=True, unit="days",
                                    doc="days between win-back campaigns, from day 0")
    winback_window_days: int = param(90, low=1, integer=True, unit="days",
                                     doc="first churned at most this many days ago")
    winback_cost: float = param(3.0, low=0, unit="currency per contacted churned customer",
                                doc="cost of each win-back contact")
    winback_rate: float = param(0.05, low=0, high=1, unit="probability per contacted churned customer",
                                doc="chance that the customer is reactivated")

    save_offer: float = param(0.0, low=0, unit="currency per saved customer",
                              doc="coupon value sent with each warning contact, paid when it saves (0 = plain contact)")
    winback_offer: float = param(0.0, low=0, unit="currency per won-back customer",
                                 doc="coupon value sent with each win-back contact, paid when it wins back "
                                     "(0 = plain contact)")
    # Assumptions, not measurements: a large coupon can add at most 0.3 to
    # the save rate and 0.1 to the win-back rate, half of that at a value of 20.
    save_offer_lift: float = param(0.3, low=0, high=1, unit="probability",
                                   doc="largest addition to `save_rate` a coupon buys (assumption)")
    winback_offer_lift: float = param(0.1, low=0, high=1, unit="probability",
                                      doc="largest addition to `winback_rate` a coupon buys (assumption)")
    offer_half_value: float = param(20.0, low=0, low_open=True, unit="currency",
                                    doc="coupon value that buys half of the largest lift (assumption)")

    ACCOUNTS: ClassVar[dict] = {"warning_cost": -1.0, "winback_cost": -1.0}
    COUNTS: ClassVar[tuple] = ("at_risk", "flagged", "flagged_at_risk", "warning_contacts", "saved",
                               "winback_contacts", "won_back", "warning_contacts_at_risk")
    SUMMARY: ClassVar[tuple] = (("warning contacts", "warning_contacts"), ("saved", "saved_by_warning"),
                                ("save rate", "warning_save_rate"), ("won back", "won_back"),
                                ("warning cost", "warning_cost"), ("win-back cost", "winback_cost"),
                                ("cost per saved", "cost_per_saved"), ("cost per won back", "cost_per_won_back"))

    def save_prob(self) -> float:
        """Chance that a contacted at-risk customer is saved: ``save_rate`` plus the coupon's lift, at most 1."""
        return min(1.0, self.save_rate + float(hill(self.save_offer, self.save_offer_lift, self.offer_half_value)))

    def winback_prob(self) -> float:
        """Chance that a contacted churned customer is won back: ``winback_rate`` plus the coupon's lift, at most 1."""
        return min(1.0, self.winback_rate
                   + float(hill(self.winback_offer, self.winback_offer_lift, self.offer_half_value)))

    def init(self, state: State) -> None:
        super().init(state)
        state.people.add_field("ti_protected_until", np.int32, -1)
        state.people.add_field("ti_winback_contacted", np.int32, -1)
        state.people.keep("ti_last_purchase")      # the warning reads silence since the last purchase
        state.people.keep("next_purchase_day")     # won-back customers resume their purchase calendar

    def calendar(self, env, state: State):
        env.process(self._winback(env, state))
        while True:
            self._warn(state, int(env.now))
            yield env.timeout(self.check_every_days)

    def _warn(self, state: State, day: int) -> None:
        people, ledger = state.people, state.ledger
        active = people.active_ids
        silence = day - people.ti_last_purchase[active]
        at_risk = silence * people.daily_purchase_prob[active] > self.gap_multiple
        flagged = state.uniforms("churn_warning/flag", active, day) < np.where(at_risk, self.recall,
                                                                               self.false_alarm_rate)
        contacted = flagged & (people.ti_protected_until[active] < day) & self.targeted(state, active)
        reached = active[contacted & at_risk]
        saved = reached[state.uniforms("churn_warning/save", reached, day) < self.save_prob()]
        # protection past the run's end is stored as the end (int32), where it means the same
        people.ti_protected_until[saved] = min(day + self.protection_days - 1, state.params.n_days)
        if contacted.any():
            ledger.book(day, "warning_cost", active[contacted], np.full(int(contacted.sum()), self.contact_cost))
        if saved.size and self.save_offer:
            ledger.book(day, "warning_cost", saved, np.full(saved.size, self.save_offer))
        for name, count in (("at_risk", at_risk.sum()), ("flagged", flagged.sum()),
                            ("flagged_at_risk", (flagged & at_risk).sum()),
                            ("warning_contacts", contacted.sum()), ("saved", saved.size),
                            ("warning_contacts_at_risk", (contacted & at_risk).sum())):
            ledger.record(name, day, int(count))

    def _winback(self, env, state: State):
        while True:
            day = int(env.now)
            people = state.people
            churned = np.flatnonzero((people.stage == CHURNED) & (day - people.ti_churned <= self.winback_window_days)
                                     & (people.ti_winback_contacted < people.ti_churned))
            churned = churned[self.targeted(state, churned)]
            people.ti_winback_contacted[churned] = day
            if churned.size:
                state.ledger.book(day, "winback_cost", churned, np.full(churned.size, self.winback_cost))
            back = churned[state.uniforms("churn_warning/winback", churned, day) < self.winback_prob()]
            if back.size and self.winback_offer:
                state.ledger.book(day, "winback_cost", back, np.full(back.size, self.winback_offer))
            people.reactivate(back)
            state.ledger.record("winback_contacts", day, churned.size)
            state.ledger.record("won_back", day, back.size)
            state.ledger.record("reactivated", day, back.size)
            yield env.timeout(self.winback_every_days)

    def churn_bound(self) -> float:
        return max(1.0, self.saved_churn_multiplier)

    def churn_multiplier(self, state: State, ids):
        protected = state.people.ti_protected_until[ids] >= state.day
        return np.where(protected, np.float32(self.saved_churn_multiplier), np.float32(1))

    def metrics(self, state: State) -> dict:
        daily = state.ledger.daily
        saved, won_back = daily["saved"].sum(), daily["won_back"].sum()
        return {
            "at_risk_flagged": float(daily["flagged_at_risk"].sum()),
            "flagged_total": float(daily["flagged"].sum()),
            "warning_precision": ratio(daily["flagged_at_risk"].sum(), daily["flagged"].sum()),
            "saved_by_warning": float(saved),
            "won_back": float(won_back),
            "warning_contacts": float(daily["warning_contacts"].sum()),
            "warning_save_rate": ratio(saved, daily["warning_contacts_at_risk"].sum()),
            "winback_success_rate": ratio(won_back, daily["winback_contacts"].sum()),
            "warning_cost": float(daily["warning_cost"].sum()),
            "winback_cost": float(daily["winback_cost"].sum()),
            "cost_per_saved": ratio(daily["warning_cost"].sum(), saved),
            "cost_per_won_back": ratio(daily["winback_cost"].sum(), won_back),
        }
