"""Configuration errors and the checks that raise them.

Every bad input is reported as one :class:`ConfigError` naming the full key
path, the value given and what is allowed, before any simulation work.
Components (channels, policies) declare their parameters with :func:`param`
and are built from config with :func:`build`, which checks every value.
"""
from __future__ import annotations

import dataclasses
import datetime
import difflib
import math
from collections.abc import Iterable, Mapping

import numpy as np


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type or out of range."""

    def __init__(self, path: str, value: object, allowed: str):
        self.path, self.value, self.allowed = path, value, allowed
        # the fields as args, so copies made from args (SimPy re-raising a
        # process's error, pickling to a worker) are whole
        super().__init__(path, value, allowed)

    def __str__(self) -> str:
        return f"{self.path} = {self.value!r}: {self.allowed}"


#: Magnitudes a config number may take: 0, or between SMALLEST and LARGEST,
#: unless its own range says otherwise. Beyond them products and ratios of
#: a run's money, counts and probabilities (a CAC over a 100-year run, a
#: Hill curve of a pulsed budget) leave float64's range; inside them they
#: stay finite (docs/model.md, *Limits*).
SMALLEST, LARGEST = 1e-12, 1e12


class NumericalError(ConfigError):
    """A value computed during a run left float64's range; names the inputs behind it."""


def check_finite(path: str, value: float, inputs: str) -> None:
    """Raise NumericalError naming ``path`` and the ``inputs`` behind it if ``value`` is not finite."""
    if not math.isfinite(value):
        raise NumericalError(path, value, f"not finite; the inputs behind it ({inputs}) "
                             "are too large together for the engine to compute")


def check_number(path: str, value: object, *, low: float | None = None,
                 high: float | None = LARGEST, low_open: bool = False,
                 integer: bool = False) -> float:
    """Return ``value`` as a number, raising ConfigError if it is not one or out of range.

    ``low``/``high`` are inclusive bounds (``low_open`` makes the lower one
    strict); ``high`` is LARGEST unless given (``None``: no upper bound).
    A non-integer number must be 0 or at least SMALLEST in magnitude.
    numpy scalars are accepted as the numbers they hold.
    """
    if isinstance(value, np.generic) and not isinstance(value, np.bool_):
        value = value.item()
    kind = "an integer" if integer else "a number"
    allowed = f"must be {kind}{_range_text(low, high, low_open)}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(path, value, allowed)
    if integer and not isinstance(value, int):
        if not (math.isfinite(value) and value.is_integer()):
            raise ConfigError(path, value, allowed)
        value = int(value)
    if (not integer and not math.isfinite(value)) or (
        low is not None and (value <= low if low_open else value < low)
    ) or (high is not None and value > high):
        raise ConfigError(path, value, allowed)
    if not integer and 0 < abs(value) < SMALLEST:
        raise ConfigError(path, value, f"{allowed}, and 0 or at least {SMALLEST:g} in magnitude "
                          "(smaller values are below the engine's precision)")
    return value if integer else float(value)


def check_probability(path: str, value: object) -> float:
    """Return ``value`` if it is a probability in [0, 1], else raise ConfigError."""
    return check_number(path, value, low=0.0, high=1.0)


def check_date(path: str, value: object) -> datetime.date:
    """Return ``value`` (a date, or text YYYY-MM-DD) as a date, else raise ConfigError."""
    if isinstance(value, datetime.date):
        return value
    allowed = "must be a date YYYY-MM-DD, e.g. 2027-01-01"
    if not isinstance(value, str):
        raise ConfigError(path, value, allowed)
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(path, value, allowed) from None


def check_currency(path: str, value: object) -> str:
    """Return ``value`` if it reads as a currency code (1 to 8 letters, e.g. CNY, EUR, USD), else raise ConfigError."""
    if isinstance(value, str) and 1 <= len(value) <= 8 and value.isalpha():
        return value
    raise ConfigError(path, value, "must be a currency code of 1 to 8 letters, e.g. CNY, EUR, USD")


def check_choice(path: str, value: object, choices: Iterable[str], what: str = "must be one of") -> str:
    """Return ``value`` if it is one of ``choices``, else raise ConfigError with a suggestion."""
    choices = sorted(choices)
    if value in choices:
        return value
    allowed = f"{what} {', '.join(choices) or '(none available)'}"
    hint = difflib.get_close_matches(str(value), choices, n=1)
    if hint:
        allowed += f" (did you mean {hint[0]!r}?)"
    raise ConfigError(path, value, allowed)


def check_keys(path: str, mapping: Mapping, allowed: Iterable[str]) -> None:
    """Raise ConfigError for the first key of ``mapping`` that is not in ``allowed``."""
    allowed = sorted(allowed)
    for key, value in mapping.items():
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            raise ConfigError(
                f"{path}.{key}" if path else str(key), value,
                f"unknown key; allowed keys: {', '.join(allowed)}"
                + (f" (did you mean {hint[0]!r}?)" if hint else ""))


def _range_text(low, high, low_open) -> str:
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{_num(low)}, {_num(high)}]"
    if low is not None:
        return f" {'>' if low_open else '>='} {_num(low)}"
    if high is not None:
        return f" <= {_num(high)}"
    return ""


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e7 else f"{x:g}"


#: The keys of a declaration's metadata that :func:`check_number` takes.
BOUNDS = ("low", "high", "low_open", "integer")


def param(default: float, *, low: float | None = None, high: float | None = LARGEST,
          low_open: bool = False, integer: bool = False, unit: str = "", doc: str = ""):
    """Declare a numeric dataclass field: its default, allowed range, unit and one-line meaning.

    The declaration is the one source of the parameter: :func:`build` checks
    values against it, :func:`bounds` reads its range (for validation and
    for uncertain inputs, ``sim.uncertainty``) and the parameter tables of
    the docs are tested against it.
    """
    return dataclasses.field(default=default, metadata=dict(
        low=low, high=high, low_open=low_open, integer=integer, unit=unit, doc=doc))


def bounds(metadata: Mapping) -> dict:
    """The range part of a :func:`param` declaration, as keyword arguments of :func:`check_number`."""
    return {key: metadata[key] for key in BOUNDS if key in metadata}


def build(cls, path: str, spec: Mapping, **given):
    """Instantiate dataclass ``cls`` from the mapping ``spec`` found at ``path``.

    Keys of ``spec`` must be fields of ``cls`` (``given`` ones excluded); each
    numeric field declared with :func:`param` is range-checked.
    """
    settable = [f for f in dataclasses.fields(cls) if f.init and f.name not in given]
    check_keys(path, {k: v for k, v in spec.items() if k not in given}, [f.name for f in settable])
    values = dict(given)
    for f in settable:
        if f.name in spec:
            values[f.name] = (check_number(f"{path}.{f.name}", spec[f.name], **bounds(f.metadata))
                              if "low" in f.metadata else spec[f.name])
    return cls(**values)
