"""Uncertain inputs: what we do not know about a parameter, drawn once per replication pair.

A population trait says how customers differ from each other; an entry of
the top-level ``uncertainty`` mapping says how unsure we are of one input::

    uncertainty:
      channels.feed_ads.activation_prob: {dist: beta, a: 20, b: 80}
      population.churn_prob.b: {dist: uniform, low: 150, high: 250}

Any numeric parameter may be uncertain: a top-level one (``market.size``,
``economics.gross_margin``...), a channel's, its schedule's or a policy's,
a quality multiplier, an allocation total or weight, or a parameter of a
trait distribution. The path names the parameter as the config does; a
parameter left at its declared default may be named too.

The design is nested: replications ``2j`` and ``2j + 1`` share the ``j``-th
parameter draw and differ in simulation noise (their own seeds). Each
entry's draw comes from its own stream, ``uncertainty/<path>`` of the
pair's first replication seed, by inverse CDF from one uniform, so

* the draws depend only on the seed, the pair and the path: a baseline and
  a variant with the same seed get the same draws (common random numbers,
  parameter draws included), and adding an entry leaves the others' draws;
* ``{dist: constant, value: x}`` runs exactly what setting ``x`` runs.

:func:`variance_split` then separates the variance of a metric across
replications into simulation noise (from the pairs' differences) and the
part the uncertain inputs explain (the rest): the one-way random-effects
(ANOVA) estimator.

Errors: :func:`entries` raises ConfigError naming the entry for a path that
is not a numeric parameter, an unknown family, a missing or bad parameter,
or a distribution whose support leaves the parameter's declared range
(a declared upper bound of ``LARGEST`` is the engine's magnitude limit, not
a model bound, and counts as none; each draw is still checked when its
replication is validated).
"""
from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .randomness import Stream
from .validation import LARGEST, ConfigError, check_choice, check_keys, check_number

#: Replications that share one parameter draw.
PER_DRAW = 2

#: Parameters of each family; those in brackets are optional.
FAMILIES = {
    "constant": ("value",),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "beta": ("a", "b"),
    "normal": ("mean", "sd", "[low]", "[high]"),
    "lognormal": ("mean", "sigma"),
    "gamma": ("shape", "scale"),
}

#: Top-level keys that are not model inputs.
NOT_INPUTS = ("seed", "replications")


@dataclass(frozen=True)
class Uncertain:
    """One uncertain input: the config ``path`` and the distribution of its value.

    ``lognormal`` is parametrised as the trait distributions are: ``mean`` is
    the mean of the draws, ``sigma`` the sd of their log. ``normal`` with
    ``low``/``high`` is truncated to them. ``integer`` parameters are rounded.
    """

    path: str
    family: str
    params: dict
    integer: bool = False

    def _frozen(self):
        from scipy import stats      # here, not at import: scipy.stats costs 0.5 s

        p = self.params
        if self.family == "uniform":
            return stats.uniform(p["low"], p["high"] - p["low"])
        if self.family == "triangular":
            width = p["high"] - p["low"]
            return stats.triang((p["mode"] - p["low"]) / width, p["low"], width)
        if self.family == "beta":
            return stats.beta(p["a"], p["b"])
        if self.family == "normal":
            low, high = p.get("low", -math.inf), p.get("high", math.inf)
            return stats.truncnorm((low - p["mean"]) / p["sd"], (high - p["mean"]) / p["sd"],
                                   p["mean"], p["sd"])
        if self.family == "lognormal":
            return stats.lognorm(p["sigma"], scale=math.exp(math.log(p["mean"]) - p["sigma"] ** 2 / 2))
        return stats.gamma(p["shape"], scale=p["scale"])

    def ppf(self, u):
        """The values at quantiles ``u`` (a number or an array in (0, 1))."""
        u = np.asarray(u, dtype=float)
        values = (np.full(u.shape, float(self.params["value"])) if self.family == "constant"
                  else self._frozen().ppf(u))
        return np.rint(values) if self.integer else values

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take (before rounding)."""
        p = self.params
        if self.family == "constant":
            return p["value"], p["value"]
        if self.family in ("uniform", "triangular"):
            return p["low"], p["high"]
        if self.family == "beta":
            return 0.0, 1.0
        if self.family == "normal":
            return p.get("low", -math.inf), p.get("high", math.inf)
        return 0.0, math.inf

    @property
    def open_below(self) -> bool:
        """Whether the support's lower end is never drawn (beta, lognormal, gamma at 0)."""
        return self.family in ("beta", "lognormal", "gamma")

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        """Central ``level`` interval of the value."""
        low, high = self.ppf([(1 - level) / 2, (1 + level) / 2])
        return float(low), float(high)

    def draw(self, seed: np.random.SeedSequence) -> float | int:
        """This entry's value for the replication pair whose first seed is ``seed``."""
        # A uniform strictly inside (0, 1): the middle of one of 2^53 equal cells.
        u = (math.floor(Stream(seed, "uncertainty/" + self.path).on(0).random() * 2 ** 53) + 0.5) / 2 ** 53
        value = float(self.ppf(u))
        return int(value) if self.integer else value


def entries(data: Mapping) -> tuple[Uncertain, ...]:
    """The checked entries of the config ``data``'s ``uncertainty`` mapping (plain data)."""
    spec = data.get("uncertainty") or {}
    if not isinstance(spec, Mapping):
        raise ConfigError("uncertainty", spec, "must map config paths to distributions, e.g. "
                          "{channels.ads.activation_prob: {dist: beta, a: 20, b: 80}}")
    return tuple(_entry(str(path), dist, data) for path, dist in spec.items())


def _entry(path: str, spec: object, data: Mapping) -> Uncertain:
    where = f"uncertainty.{path}"
    declared = declaration(path, data)
    if not isinstance(spec, Mapping):
        raise ConfigError(where, spec, f"must be a distribution such as {{dist: uniform, low: 1, high: 2}} "
                          f"(dist one of {', '.join(FAMILIES)})")
    family = check_choice(f"{where}.dist", spec.get("dist"), FAMILIES)
    names = [n.strip("[]") for n in FAMILIES[family]]
    check_keys(where, spec, ["dist", *names])
    params = {}
    for raw in FAMILIES[family]:
        name = raw.strip("[]")
        if name not in spec:
            if raw.startswith("["):
                continue
            raise ConfigError(f"{where}.{name}", None, f"required for dist={family}")
        positive = name in ("a", "b", "sd", "sigma", "shape", "scale") or family == "lognormal"
        params[name] = check_number(f"{where}.{name}", spec[name], low=0 if positive else -LARGEST,
                                    low_open=positive, high=LARGEST)
    if family in ("uniform", "triangular") and not params["low"] < params["high"]:
        raise ConfigError(f"{where}.high", params["high"], f"must be > low ({params['low']})")
    if family == "triangular" and not params["low"] <= params["mode"] <= params["high"]:
        raise ConfigError(f"{where}.mode", params["mode"], "must lie in [low, high]")
    if family == "normal" and params.get("low", -math.inf) >= params.get("high", math.inf):
        raise ConfigError(f"{where}.high", params["high"], f"must be > low ({params['low']})")
    entry = Uncertain(path, family, params, integer=declared.get("integer", False))
    _check_support(where, entry, declared)
    return entry


def _check_support(where: str, entry: Uncertain, declared: dict) -> None:
    low, high, low_open = declared.get("low"), declared.get("high"), declared.get("low_open", False)
    below, above = entry.support
    too_low = low is not None and (below < low or (below == low and low_open and not entry.open_below))
    too_high = high is not None and high < LARGEST and above > high
    if too_low or too_high:
        lower = "unbounded" if low is None else f"{'(' if low_open else '['}{low:g}"
        upper = "unbounded" if high is None or high >= LARGEST else f"{high:g}]"
        raise ConfigError(where, f"{entry.family} on [{below:g}, {above:g}]",
                          f"the distribution's support must lie in the parameter's range {lower}, {upper}"
                          + (" (use uniform, beta, triangular or a normal truncated with low/high)"
                             if math.isinf(below) or math.isinf(above) else ""))


def _not_a_parameter(path: str, why: str) -> ConfigError:
    """The error for a ``path`` that names no numeric parameter, ``why`` saying what it names instead."""
    return ConfigError(f"uncertainty.{path}", path, f"{why}; an uncertain input names a numeric "
                       "parameter, e.g. channels.<name>.activation_prob or population.churn_prob.b")


def declared_at(path: str, data: Mapping) -> Mapping:
    """The declaration of the numeric parameter at config ``path`` of the config ``data``.

    A field declared with :func:`sim.validation.param` (a top-level section's,
    a channel's, its schedule's or a policy's, the kind read from ``data``) gives
    its whole metadata: low, high, low_open, integer, unit, doc. A parameter with
    no such field gives those of these keys it has: a trait distribution's
    parameter its family's range (no unit), a quality multiplier
    ``{low: 0, unit: "multiplier"}``, an allocation total or weight ``{low: 0}``.

    Raise ConfigError naming ``uncertainty.<path>`` (the entry it would be) if
    ``path`` is not a numeric parameter of this config: no such channel or
    policy, one with no valid kind, a key the kind does not declare numeric, a
    parameter the trait's family lacks, or a path no section declares.
    """
    from .channels import KINDS as CHANNELS, QUALITY_KEYS
    from .channels.schedule import Schedule
    from .config import SimConfig
    from .distributions import FAMILIES as TRAIT_FAMILIES
    from .policies import KINDS as POLICIES
    from .population import PROBABILITY_TRAITS, TRAITS

    parts = path.split(".")
    multiplier = {"low": 0, "unit": "multiplier"}

    def field_of(cls, name: str) -> Mapping:
        found = next((f for f in dataclasses.fields(cls) if f.name == name and "low" in f.metadata), None)
        if found is None:
            numeric = sorted(f.name for f in dataclasses.fields(cls) if "low" in f.metadata)
            raise _not_a_parameter(path, f"not a numeric parameter here (numeric ones: {', '.join(numeric)})")
        return found.metadata

    head = parts[0]
    if head in ("channels", "policies") and len(parts) >= 3:
        name = parts[1]
        section = data.get(head) or {}
        if name not in section:
            what = "channel" if head == "channels" else "policy"
            raise _not_a_parameter(path, f"no {what} {name!r} in this config "
                                         f"(there are: {', '.join(section) or 'none'})")
        spec = section[name] or {}
        if head == "channels":
            cls = CHANNELS.get(spec.get("kind"))
            if cls is None:
                raise _not_a_parameter(path, f"channel {name!r} has no valid kind")
            if len(parts) == 4 and parts[2] == "quality" and parts[3] in QUALITY_KEYS:
                return multiplier
            if len(parts) == 4 and parts[2] == "schedule":
                return field_of(Schedule, parts[3])
        else:
            cls = POLICIES.get(spec.get("kind", name))
            if cls is None:
                raise _not_a_parameter(path, f"policy {name!r} has no valid kind")
        if len(parts) == 3:
            return field_of(cls, parts[2])
        raise _not_a_parameter(path, "not a parameter")
    if head == "population" and len(parts) == 3 and parts[1] in TRAITS:
        family = ((data.get("population") or {}).get(parts[1]) or {}).get("dist")
        declared = TRAIT_FAMILIES.get(family, {})
        if parts[2] not in declared:
            raise _not_a_parameter(path, f"population.{parts[1]} is dist={family}, whose parameters are "
                                         f"{', '.join(declared) or 'none'}")
        low, strict, high = declared[parts[2]]
        if family == "constant" and parts[1] in PROBABILITY_TRAITS:
            high = 1.0
        return {"low": low, "low_open": strict, "high": high}
    if path in ("market.organic_quality", "referral.quality") or (
            len(parts) == 3 and ".".join(parts[:2]) in ("market.organic_quality", "referral.quality")):
        if len(parts) == 3 and parts[2] in QUALITY_KEYS:
            return multiplier
        raise _not_a_parameter(path, f"a quality multiplier is one of {', '.join(QUALITY_KEYS)}")
    if path == "allocation.total_daily_budget" or (len(parts) == 3 and parts[:2] == ["allocation", "weights"]):
        if len(parts) == 3 and parts[2] not in ((data.get("allocation") or {}).get("weights") or {}):
            raise _not_a_parameter(path, f"allocation.weights has no channel {parts[2]!r}")
        return {"low": 0}
    node = SimConfig
    for depth, part in enumerate(parts):
        fields = {f.name: f for f in dataclasses.fields(node)} if dataclasses.is_dataclass(node) else {}
        if part not in fields:
            raise _not_a_parameter(path, "not a config parameter")
        found = fields[part]
        if depth == len(parts) - 1:
            if "low" not in found.metadata:
                raise _not_a_parameter(path, "not a numeric parameter")
            return found.metadata
        node = found.default_factory if found.default_factory is not dataclasses.MISSING else None
    raise _not_a_parameter(path, "not a config parameter")


def declaration(path: str, data: Mapping) -> dict:
    """The declared range (``check_number`` keywords) of the numeric parameter at ``path``
    (:func:`declared_at`) that an uncertainty entry may name.

    Raise ConfigError naming ``uncertainty.<path>`` if ``path`` is not a
    numeric parameter of this config (:func:`declared_at`), is ``seed`` or
    ``replications`` (not model inputs), or is a daily budget that
    ``allocation`` sets.
    """
    from .validation import bounds

    parts = path.split(".")
    if parts[0] in NOT_INPUTS:
        raise _not_a_parameter(path, f"{parts[0]} is not a model input")
    declared = declared_at(path, data)
    if parts[0] in ("channels", "policies") and len(parts) == 3:
        _not_allocated(f"uncertainty.{path}", path, parts[1], parts[2], data)
    return bounds(declared)


def _not_allocated(where: str, path: str, name: str, key: str, data: Mapping) -> None:
    """Refuse an uncertain daily budget that ``allocation`` sets (channel or policy ``name``)."""
    weights = (data.get("allocation") or {}).get("weights") or {}
    if key == "daily_budget" and name in weights:
        raise ConfigError(where, path, "is set by allocation; make allocation.total_daily_budget "
                          f"or allocation.weights.{name} uncertain instead")


def apply(data: Mapping, values: Mapping) -> dict:
    """A deep copy of config ``data`` with each path of ``values`` set and no uncertainty left."""
    config = copy.deepcopy(dict(data))
    config["uncertainty"] = {}
    for path, value in values.items():
        node = config
        *parents, name = path.split(".")
        for key in parents:
            if node.get(key) is None:      # a policy enabled with no parameters
                node[key] = {}
            node = node[key]
        node[name] = value
    return config


def value_at(data: Mapping, path: str):
    """The value at dotted ``path`` of config ``data``, or None where it is not set."""
    node = data
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def draws(items: tuple[Uncertain, ...], seeds: list) -> list[dict]:
    """Per replication, ``{path: value}``: pair ``j`` (replications 2j, 2j+1) shares one draw."""
    pair_values = {}
    out = []
    for index in range(len(seeds)):
        pair = index // PER_DRAW
        if pair not in pair_values:
            first = seeds[pair * PER_DRAW]
            pair_values[pair] = {item.path: item.draw(first) for item in items}
        out.append(pair_values[pair])
    return out


def variance_split(values: np.ndarray) -> dict:
    """Split the variance of one metric's per-replication ``values`` into noise and inputs.

    With ``m`` complete pairs (replications 2j and 2j+1 share a parameter
    draw), the simulation noise variance is estimated by
    ``sum_j (y_2j - y_2j+1)^2 / (2 m)`` and the total variance by the
    sample variance of all replications; the inputs' part is the
    difference, floored at 0 (the one-way random-effects ANOVA estimator).
    Returns ``{"total_sd", "noise_sd", "input_sd", "input_share"}`` (the
    share is of the variance); all NaN with fewer than 2 pairs or a
    non-finite value, and the share NaN for a metric that does not vary.
    """
    values = np.asarray(values, dtype=float)
    pairs = values[: values.size // PER_DRAW * PER_DRAW].reshape(-1, PER_DRAW)
    nan = {"total_sd": math.nan, "noise_sd": math.nan, "input_sd": math.nan, "input_share": math.nan}
    if pairs.shape[0] < 2 or not np.all(np.isfinite(values)):
        return nan
    total = float(np.var(values, ddof=1))
    noise = float(np.mean((pairs[:, 0] - pairs[:, 1]) ** 2) / 2)
    inputs = max(total - noise, 0.0)
    return {"total_sd": math.sqrt(total), "noise_sd": math.sqrt(noise), "input_sd": math.sqrt(inputs),
            "input_share": inputs / total if total > 0 else math.nan}
