"""Trait distributions: the per-customer heterogeneity of the population.

A distribution is written in config as a mapping, ``{dist: gamma, shape: 0.5,
scale: 0.02}``; :func:`from_spec` checks it and returns a :class:`Distribution`
that draws one value per customer in bulk.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .validation import LARGEST, ConfigError, check_choice, check_keys, check_number

#: Largest log-sd of a lognormal. The draws that carry a lognormal's mean lie
#: about sigma standard deviations out: 1 customer in 30,000 at sigma 4, 1 in
#: 10^23 at 10, so past 4 a run's customers miss their own mean spend.
MAX_LOG_SD = 4.0

#: Parameters of each distribution family: (lower bound, whether it is strict, upper bound).
FAMILIES: dict[str, dict[str, tuple[float, bool, float]]] = {
    "constant": {"value": (0.0, False, LARGEST)},
    "gamma": {"shape": (0.0, True, LARGEST), "scale": (0.0, True, LARGEST)},    # mean shape*scale
    "beta": {"a": (0.0, True, LARGEST), "b": (0.0, True, LARGEST)},            # mean a/(a+b)
    "lognormal": {"mean": (0.0, True, LARGEST), "sigma": (0.0, False, MAX_LOG_SD)},   # mean of the draws, log-sd
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
    for name, (low, strict, high) in FAMILIES[family].items():
        if name not in spec:
            raise ConfigError(f"{path}.{name}", None, f"required for dist={family}")
        high = 1.0 if probability and family == "constant" else high
        params[name] = check_number(f"{path}.{name}", spec[name], low=low, low_open=strict, high=high)
    return Distribution(family, params)
