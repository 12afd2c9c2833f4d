"""Loyalty policies: what keeping customers costs and earns.

One module per policy, enabled under ``policies.<name>`` (the name is the
kind unless a ``kind`` is given); ``base`` documents the hooks the day step
calls.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping

from ..validation import ConfigError, build, check_choice
from .base import Policy
from .churn_warning import ChurnWarning
from .membership import Membership, build_phases
from .points import Points
from .pool import PrivatePool
from .referral import ReferralRewards
from .tiering import Tiering

#: Policy kinds accepted under ``policies``.
KINDS = {cls.kind: cls for cls in (PrivatePool, Membership, ReferralRewards, ChurnWarning,
                                   Tiering, Points)}

__all__ = ["KINDS", "Policy", "build_policy", *(c.__name__ for c in KINDS.values())]


def check_targets(policies) -> None:
    """Policies with ``target_tiers`` need the tiering policy, and tiers it has."""
    tiering = next((p for p in policies if isinstance(p, Tiering)), None)
    for policy in policies:
        if not policy.target_tiers:
            continue
        path = f"policies.{policy.name}.target_tiers"
        if tiering is None:
            raise ConfigError(path, list(policy.target_tiers), "needs the tiering policy (policies.tiering)")
        if max(policy.target_tiers) >= tiering.tiers:
            raise ConfigError(path, list(policy.target_tiers),
                              f"tiers run from 0 to {tiering.tiers - 1} (policies.{tiering.name}.tiers)")


def _tiers(path: str, spec) -> tuple:
    if not isinstance(spec, (list, tuple)) or not all(
            isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in spec):
        raise ConfigError(path, spec, "must be a list of tier numbers >= 0, e.g. [2, 3]")
    return tuple(spec)


def check_policies(policies) -> None:
    """Cross-policy rules: one policy per kind, tier targets need tiering, pool-only membership needs the pool."""
    kinds = [p.kind for p in policies]
    for index, policy in enumerate(policies):
        if policy.kind in kinds[:index]:
            raise ConfigError(f"policies.{policy.name}.kind", policy.kind, "only one policy of each kind")
        if isinstance(policy, Tiering) and policy.target_tiers:
            raise ConfigError(f"policies.{policy.name}.target_tiers", list(policy.target_tiers),
                              "the tiering policy assigns tiers to everyone; it cannot target them")
        if isinstance(policy, Membership) and policy.pool_members_only and "pool" not in kinds:
            raise ConfigError(f"policies.{policy.name}.pool_members_only", "true",
                              "needs the private pool policy (policies.pool)")
        if isinstance(policy, Tiering) and not (policy.recency_weight + policy.frequency_weight
                                                + policy.monetary_weight) > 0:
            raise ConfigError(f"policies.{policy.name}.recency_weight", policy.recency_weight,
                              "at least one of the recency, frequency and monetary weights must be > 0")
    check_targets(policies)


def build_policy(name: str, spec: object) -> Policy:
    """Check ``policies.<name>`` and build the policy."""
    path = f"policies.{name}"
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        raise ConfigError(path, spec, "must be a mapping of the policy's parameters")
    cls = KINDS[check_choice(f"{path}.kind", spec.get("kind", name), KINDS)]
    parameters = {k: v for k, v in spec.items() if k not in ("kind", "phases", "target_tiers")}
    given = {"name": name, "target_tiers": _tiers(f"{path}.target_tiers", spec.get("target_tiers", ()))}
    if cls is Membership:
        given["phases"] = build_phases(f"{path}.phases", spec.get("phases"))
    for flag in ("pool_members_only", "allow_more_than_two_levels"):
        if flag in parameters and not isinstance(parameters[flag], bool):
            raise ConfigError(f"{path}.{flag}", parameters[flag], "must be true or false")
    policy = build(cls, path, parameters, **given)
    if isinstance(policy, ReferralRewards) and policy.levels == 1 and policy.level2_commission:
        raise ConfigError(f"{path}.level2_commission", policy.level2_commission,
                          f"must be 0 when {path}.levels = 1: no customer has a second-level referrer")
    if isinstance(policy, ReferralRewards) and policy.levels > 2:
        if not policy.allow_more_than_two_levels:
            raise ConfigError(f"{path}.levels", policy.levels,
                              "more than two referral levels carry legal risk; set "
                              f"{path}.allow_more_than_two_levels=true to allow it")
        warnings.warn(f"{path}.levels = {policy.levels}: three or more referral levels carry "
                      "legal risk and demotivate; two are enough", stacklevel=2)
    return policy
