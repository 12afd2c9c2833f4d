"""Loyalty policies: what keeping customers costs and earns.

One module per policy, enabled under ``policies.<name>`` (the name is the
kind unless a ``kind`` is given); ``base`` documents the hooks the day step
calls. A kind is a subclass of :class:`Policy` that sets ``kind``: it
registers itself in :data:`KINDS` when its module is imported below.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields

from ..validation import ConfigError, build, check_choice
from .base import KINDS, Policy
# each kind's module, imported so that its kind registers itself (in the order error messages list them)
from .pool import PrivatePool
from .membership import Membership
from .referral import ReferralRewards
from .churn_warning import ChurnWarning
from .tiering import Tiering
from .points import Points

__all__ = ["KINDS", "Policy", "build_policy", "check_policies", *(c.__name__ for c in KINDS.values())]


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


def check_policies(policies) -> None:
    """Cross-policy rules, policy by policy: one policy per kind, then each
    kind's own rules on the others (``Policy.check_among``), then tier targets."""
    kinds = [p.kind for p in policies]
    for index, policy in enumerate(policies):
        if policy.kind in kinds[:index]:
            raise ConfigError(f"policies.{policy.name}.kind", policy.kind, "only one policy of each kind")
        policy.check_among(kinds)
    check_targets(policies)


def build_policy(name: str, spec: object) -> Policy:
    """Check ``policies.<name>`` and build the policy."""
    path = f"policies.{name}"
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        raise ConfigError(path, spec, "must be a mapping of the policy's parameters")
    cls = KINDS[check_choice(f"{path}.kind", spec.get("kind", name), KINDS)]
    given = cls.structured(path, spec)
    parameters = {k: v for k, v in spec.items() if k != "kind" and k not in given}
    for flag in (f.name for f in fields(cls) if isinstance(f.default, bool)):
        if flag in parameters and not isinstance(parameters[flag], bool):
            raise ConfigError(f"{path}.{flag}", parameters[flag], "must be true or false")
    policy = build(cls, path, parameters, name=name, **given)
    policy.check(path)
    return policy
