"""An acquisition fit as the simulator's config: channels and their ``uncertainty`` entries.

Each fitted channel becomes a ``paid`` channel with the fitted curve.
The data see customers, not leads, so ``activation_prob`` and
``precision`` are 1 and ``max_daily_leads`` is the fit's ``max_customers``
(any split ``max_daily_leads · precision · activation_prob`` with the same
product gives the same customers). Its ``daily_budget`` is the history's
``average`` daily spend (or that of its ``last`` period) on a flat
schedule, and ``cost_inflation`` is 0. The organic baseline becomes a
``baseline`` channel named ``baseline``. A simulation starts with no
adstock on day 0, the history's first date; with a spend plan
(:func:`planned`) it starts on the plan's first date instead, carrying the
history's adstock.

Uncertainty: each fitted number of a channel gets an entry from the fit's
covariance. A parameter fitted on the log scale whose range has no upper
bound (``max_daily_leads``, ``half_saturation_budget``, ``level``) is a
lognormal with ``sigma`` the sd of its log and median the estimate
(``mean = estimate · exp(sigma^2 / 2)``); one with a bounded range
(``hill_shape`` in (0, 10], ``carryover`` in [0, 0.999], ``peak_delay`` in [0, max_lag − 1], ``growth`` in
(0, 100]) a normal with the delta method's sd, truncated evenly about the
estimate inside the range (short of an open lower bound), so its median
is the estimate too. Only the
marginal sds are carried, not the correlations; the seasonal amplitudes
(list entries) and the dispersion (the simulation's noise is Poisson) are
not drawn. An entry is left out, with a DataWarning, for a parameter at
the edge of its range, without a variance, or whose draws could leave the
range a config number may take.
"""
from __future__ import annotations

from dataclasses import fields

import numpy as np

from ...channels import BaselineChannel, PaidChannel
from ..fit_uncertainty import entry as fit_entry
from .model import amplitudes, paid_channel

#: The config key of each fitted parameter: (kind's class, key).
CONFIG_KEYS = {"max_customers": (PaidChannel, "max_daily_leads"),
               "half_saturation_budget": (PaidChannel, "half_saturation_budget"),
               "hill_shape": (PaidChannel, "hill_shape"), "carryover": (PaidChannel, "carryover"),
               "peak_delay": (PaidChannel, "peak_delay"),
               "level": (BaselineChannel, "level"), "growth": (BaselineChannel, "growth")}


def to_config(fit, budget: str = "average", with_uncertainty: bool = True, plan=None) -> dict:
    """``{"channels": {...}, "uncertainty": {...}}`` for ``fit`` (module docstring); with a spend
    ``plan``, also ``{"horizon": {"acquisition_days": its days}}`` (:func:`planned`)."""
    channels = {}
    for name in fit.model.channels:
        p = fit.params[name]
        channels[name] = {"kind": "paid", "daily_budget": fit.spend_level(name, budget),
                          "max_daily_leads": p["max_customers"],
                          "half_saturation_budget": p["half_saturation_budget"], "hill_shape": p["hill_shape"],
                          "carryover": p["carryover"], "cost_inflation": 0.0, "activation_prob": 1.0,
                          "precision": 1.0,
                          **({"adstock": "delayed", "peak_delay": p["peak_delay"], "max_lag": fit.model.max_lag}
                             if "peak_delay" in p else {})}
    base = fit.params["baseline"]
    waves = amplitudes(base)
    channels["baseline"] = {"kind": "baseline", "level": base["level"], "growth": base["growth"],
                            "weekly": waves[: 2 * fit.model.weekly], "yearly": waves[2 * fit.model.weekly:]}
    config = {"channels": channels, "uncertainty": uncertainty(fit) if with_uncertainty else {}}
    return config if plan is None else planned(fit, config, plan)


def planned(fit, config: dict, plan) -> dict:
    """``config`` run from the first date of a spend ``plan``, as :meth:`AcquisitionFit.predict` sees it.

    Each paid channel gets a ``plan`` schedule of the plan's daily spend (a
    flat budget of 0 if the plan spends nothing on it) and, for a plan
    starting on or after the history's end, ``initial_adstock`` = the
    adstock the history left, decayed over the days between at zero spend
    (0 for a plan starting earlier, as ``predict`` assumes). The baseline is
    moved to the plan's first day (``BaselineChannel.shifted``). The
    acquisition days are the plan's. Raise DataError for a bad plan.
    """
    first, daily = fit.plan_days(plan)
    history = fit.history
    channels = config["channels"]
    for i, name in enumerate(fit.model.channels):
        spec = channels[name]
        spec.pop("daily_budget")
        if daily[:, i].any():
            spec["schedule"] = {"kind": "plan", "plan": daily[:, i].tolist()}
        else:
            spec.update(daily_budget=0.0, schedule={"kind": "flat"})
        spent = history.daily_spend()[:, i]
        if spec.get("adstock") == "delayed":
            before = np.concatenate([spent, np.zeros(first - history.days)]) if first >= history.days else ()
            spec["spend_before"] = [float(b) for b in before[-(fit.model.max_lag - 1):]] if len(before) else []
            continue
        carried = 0.0
        if first >= history.days:
            left = paid_channel(name, fit.params[name]).adstock_path(spent)[-1]
            carried = float(left * fit.params[name]["carryover"] ** (first - history.days))
        spec["initial_adstock"] = carried
    channels["baseline"] = BaselineChannel.shifted(channels["baseline"], first)
    return {**config, "horizon": {"acquisition_days": int(daily.shape[0])}}


def uncertainty(fit) -> dict:
    """``{config path: distribution}`` for each fitted number of :func:`to_config`'s channels."""
    entries = {}
    log_sd = fit.log_sd()
    for group in (*fit.model.channels, "baseline"):
        for name, estimate in fit.params[group].items():
            if name not in CONFIG_KEYS:
                continue
            cls, key = CONFIG_KEYS[name]
            path = f"channels.{group}.{key}"
            edge = "at the edge of the range searched, the data do not determine it" \
                if (group, name) in fit.at_edge else ""
            low, high, low_open = _declared(cls, key)
            if key == "peak_delay":            # its range is the fit's, up to max_lag - 1
                high = fit.model.max_lag - 1.0
            entry = fit_entry(path, estimate, fit.se[group][name], log_sd[group][name], low, high, low_open,
                              edge=edge)
            if entry is not None:
                entries[path] = entry
    return entries


def _declared(cls, key: str) -> tuple[float, float, bool]:
    metadata = next(f for f in fields(cls) if f.name == key).metadata
    return metadata["low"], metadata["high"], metadata["low_open"]
