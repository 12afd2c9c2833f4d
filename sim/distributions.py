"""Trait distributions: the per-customer heterogeneity of the population.

A distribution is written in config as a mapping, ``{dist: gamma, shape: 0.5,
scale: 0.02}``; :func:`from_spec` checks it and returns a :class:`Distribution`
that draws one value per customer in bulk.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .validation import ConfigError, check_choice, check_keys, check_number

#: Parameters of each distribution family, with their lower bound and whether it is strict.
FAMILIES: dict[str, dict[str, tuple[float, bool]]] = {
    "constant": {"value": (0.0, False)},
    "gamma": {"shape": (0.0, True), "scale": (0.0, True)},          # mean shape*scale
    "beta": {"a": (0.0, True), "b": (0.0, True)},                  # mean a/(a+b)
    "lognormal": {"mean": (0.0, True), "sigma": (0.0, False)},     # mean of the draws, log-sd
}
_ALL_PARAMETERS = {name for params in FAMILIES.values() for name in params}


@dataclass(frozen=True)
class Distribution:
    """One distribution family with its parameters."""

    family: str
    params: dict

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` values as float32."""
        p = self.params
        if self.family == "constant":
            return np.full(n, p["value"], dtype=np.float32)
        if self.family == "gamma":
            draws = rng.gamma(p["shape"], p["scale"], n)
        elif self.family == "beta":
            draws = rng.beta(p["a"], p["b"], n)
        else:  # lognormal parametrised by its mean, so changing sigma keeps the mean
            mu = np.log(p["mean"]) - p["sigma"] ** 2 / 2
            draws = rng.lognormal(mu, p["sigma"], n)
        return draws.astype(np.float32)

    @property
    def mean(self) -> float:
        """Expected value of one draw (before any clipping to [0, 1])."""
        p = self.params
        if self.family == "constant":
            return p["value"]
        if self.family == "gamma":
            return p["shape"] * p["scale"]
        if self.family == "beta":
            return p["a"] / (p["a"] + p["b"])
        return p["mean"]


def from_spec(path: str, spec: object, *, probability: bool = False) -> Distribution:
    """Check a distribution spec and build it.

    Raise ConfigError if ``spec`` is not a mapping, names an unknown family,
    misses a parameter or has one out of range; with ``probability`` a
    constant must lie in [0, 1] and lognormal is not allowed.
    """
    if not isinstance(spec, Mapping):
        raise ConfigError(path, spec, "must be a distribution such as {dist: constant, value: 0.01} "
                          f"(dist one of {', '.join(FAMILIES)})")
    allowed = [f for f in FAMILIES if not (probability and f == "lognormal")]
    family = check_choice(f"{path}.dist", spec.get("dist"), allowed)
    # A spec composed by merging may carry parameters of the family it replaced;
    # only unknown names are an error.
    check_keys(path, spec, _ALL_PARAMETERS | {"dist"})
    params = {}
    for name, (low, strict) in FAMILIES[family].items():
        if name not in spec:
            raise ConfigError(f"{path}.{name}", None, f"required for dist={family}")
        high = 1.0 if probability and family == "constant" else None
        params[name] = check_number(f"{path}.{name}", spec[name], low=low, low_open=strict, high=high)
    return Distribution(family, params)
