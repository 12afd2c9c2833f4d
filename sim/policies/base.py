"""What every loyalty policy shares.

A policy is a dataclass of parameters plus per-replication state (its own
per-customer arrays, added to People in ``init``, where it also keeps the
shared fields it reads that are kept only on request: ``People.keep``,
``sim.population.ON_REQUEST``). The day step calls its
hooks at fixed points (see ``sim.engine.day_step``):

* ``calendar(env, state)``: a SimPy process for what happens on a calendar
  (touches, billing, renewals, programme phases), at the start of a day;
* ``on_arrivals(state, ids)``: after acquisition, with today's new customers;
* ``churn_multiplier`` / ``purchase_multiplier`` / ``spend_multiplier``
  ``(state, ids)``: factors on the churn probability, daily purchase
  probability and spend of the given customers today (1 = no effect);
  ``churn_bound()`` / ``purchase_bound()`` are the largest churn and
  purchase factors the policy can ever return (at least 1): the stages'
  event calendars draw candidates at that rate and thin (``sim.calendar``),
  so they must hold;
* ``conversion_multiplier(state, inviters)``: factor on the conversion of
  the inviters' invitations, at most ``conversion_bound()`` (used by the
  up-front estimate);
* ``on_purchases(state, buyers, amounts)``: after all of today's purchases;
* ``end_of_day(state)``: after the day, for counts.

With ``target_tiers`` (and the tiering policy on) a policy recruits or
contacts only customers in those tiers (pool touches, membership offers,
warnings and win-back, points earning, the referral conversion lift); what a customer
already has (pool or membership benefits, points, protection) stays.

A new kind is one module with ``@dataclass class X(Policy, kind="x")``
(imported in ``sim/policies/__init__.py`` so that it registers), its
parameters declared with ``param(..., unit=, doc=)``, the hooks above it
needs (with the bound of each factor it returns), and ``check`` /
``check_among`` for rules between parameters.

Every cost and fee goes through the ledger: per-customer money with
``ledger.book`` (so it enters LTV), acquisition money with ``ledger.spend``.
Random draws come from ``state.random("<policy>/<decision>")``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import ClassVar, TYPE_CHECKING

import numpy as np

from ..declarations import Kinded, declare, record
from ..validation import ConfigError

if TYPE_CHECKING:
    from ..state import State

KINDS: dict[str, type[Policy]] = {}
"""Policy kinds accepted under ``policies``: every subclass that sets a
``kind`` registers itself here when it is created."""


@dataclass
class Policy(Kinded):
    name: str
    target_tiers: tuple = declare((), unit="list of tier numbers, integers ≥ 0", shown="`[]` (everyone)",
                                  doc="the tiers of the `tiering` policy the policy acts on")

    paid_members: ClassVar[bool] = False
    """Whether ``is_member`` can be true: the policy sells a membership."""
    KINDS: ClassVar[dict] = KINDS
    FAMILY: ClassVar[str] = "policy"
    kind: ClassVar[str] = ""
    """The kind's name under ``policies`` (``kind:``, or the policy's name), set by ``class X(Policy, kind="x")``."""
    ACCOUNTS: ClassVar[dict] = {}
    """Customer accounts the policy books to, with their sign in net contribution."""
    COUNTS: ClassVar[tuple] = ()
    """Per-day series the policy records."""

    @classmethod
    def config_keys(cls) -> tuple[str, ...]:
        """The keys ``policies.<name>`` may set besides ``kind``."""
        return tuple(f.name for f in fields(cls) if f.init and f.name != "name")

    @classmethod
    def structured(cls, path: str, spec: Mapping) -> dict:
        """Check and build the keys of ``spec`` that are not numbers or flags (``target_tiers``)."""
        return {"target_tiers": _tiers(f"{path}.target_tiers", spec.get("target_tiers", ()))}

    def record(self) -> dict:
        """The policy's config as plain data, every parameter given (defaults
        included): ``build_policy(name, policy.record())`` builds an equal policy."""
        return {"kind": self.kind, **record(self)}

    def check(self, path: str) -> None:
        """Rules between the policy's own parameters, checked once it is built."""

    def check_among(self, kinds: Sequence[str]) -> None:
        """Rules on the other enabled policies (their ``kinds``), checked once all are built."""

    def init(self, state: State) -> None:
        """Add the policy's per-customer arrays and ledger series; reset its state."""
        state.ledger.declare(self.COUNTS)
        for account, sign in self.ACCOUNTS.items():
            state.ledger.declare_account(account, sign)

    def targeted(self, state: State, ids: np.ndarray) -> np.ndarray:
        """Which of ``ids`` the policy acts on."""
        if not self.target_tiers:
            return np.ones(ids.size, dtype=bool)
        return np.isin(state.people.tier[ids], self.target_tiers)

    def calendar(self, env, state: State):
        """SimPy process; none by default."""
        return
        yield

    def on_arrivals(self, state: State, ids: np.ndarray) -> None:
        pass

    def is_member(self, state: State, ids: np.ndarray) -> np.ndarray:
        """Which of ``ids`` are paying members of the policy today (none but for ``membership``)."""
        return np.zeros(ids.size, dtype=bool)

    def churn_bound(self) -> float:
        """Largest factor ``churn_multiplier`` can ever return, at least 1."""
        return 1.0

    def purchase_bound(self) -> float:
        """Largest factor ``purchase_multiplier`` can ever return, at least 1."""
        return 1.0

    def conversion_bound(self) -> float:
        """Largest factor ``conversion_multiplier`` can ever return, at least 1."""
        return 1.0

    def invitation_bound(self) -> float:
        """Largest factor ``invitation_multiplier`` can ever return, at least 1 (for the up-front estimate)."""
        return 1.0

    def churn_multiplier(self, state: State, ids: np.ndarray):
        return 1.0

    def purchase_multiplier(self, state: State, ids: np.ndarray):
        return 1.0

    def spend_multiplier(self, state: State, ids: np.ndarray):
        return 1.0

    def conversion_multiplier(self, state: State, inviters: np.ndarray):
        return 1.0

    def invitation_multiplier(self, state: State, buyers: np.ndarray):
        """Factor on the buyers' ``referral_prob`` today (1 = no effect)."""
        return 1.0

    def on_purchases(self, state: State, buyers: np.ndarray, amounts: np.ndarray) -> None:
        pass

    def end_of_day(self, state: State) -> None:
        pass

    def metrics(self, state: State) -> dict:
        return {}


def _tiers(path: str, spec) -> tuple:
    if not isinstance(spec, (list, tuple)) or not all(
            isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in spec):
        raise ConfigError(path, spec, "must be a list of tier numbers >= 0, e.g. [2, 3]")
    return tuple(spec)
