"""Limits checked before a run: the horizon, and the memory and time a run needs.

A config the machine cannot hold is refused up front with the estimate
(:func:`estimate`: customers from the base, the cohorts, every channel at
its full response, organic adoption and referral generations, capped by the
market; the daily series every replication keeps), not discovered by the
kernel's out-of-memory killer halfway through; and when customers arrive
faster than foreseen, the population refuses to grow past the memory that
is left (``People._grow``).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from .validation import ConfigError

#: Longest run, acquisition plus LTV days: 100 years. Longer horizons are
#: almost surely a unit mistake (hours, not days) and cost time per day.
MAX_DAYS = 36_500

#: Peak bytes per customer while a base is created and filed on the
#: calendars (state, event calendars and the day's temporaries); the
#: benchmark measured 87 at 10^7 customers and 107 at 10^6, where the
#: interpreter's own allocations weigh more, without policies, whose
#: fields add up to about 35 more (docs/performance.md).
PEAK_BYTES_PER_CUSTOMER = 120

#: Most customers one step handles at once. A base of millions on day 0 goes
#: through drawing, booking and the calendars in parts of this size, so the
#: step's temporaries (about 50 B a customer) stay near 13 MB.
PART_CUSTOMERS = 1 << 18

#: Share of the available memory a run may plan to use.
USABLE_SHARE = 0.8

#: Bytes a replication keeps per day for the aggregate: a generous 200 daily
#: series (base, per channel and source, policies) of 8 bytes.
SERIES_BYTES_PER_DAY = 200 * 8

#: Seconds per replication: a fixed part, per day, and per customer and year
#: followed; from the benchmark's linear fits (docs/performance.md).
SECONDS_FIXED, SECONDS_PER_DAY, SECONDS_PER_CUSTOMER_YEAR = 0.12, 1.2e-3, 0.55e-6


def parts(n: int) -> list[slice]:
    """Slices covering ``range(n)`` in order, each of at most :data:`PART_CUSTOMERS`."""
    return [slice(start, min(start + PART_CUSTOMERS, n)) for start in range(0, n, PART_CUSTOMERS)]


def batches(arrays: list[np.ndarray]) -> list[np.ndarray]:
    """The elements of ``arrays`` in order, in arrays of at most :data:`PART_CUSTOMERS`: joined
    into one when they are that few, else each array cut in parts (views, no copy)."""
    if sum(array.size for array in arrays) <= PART_CUSTOMERS:
        return [np.concatenate(arrays)] if len(arrays) > 1 else list(arrays)
    return [array[part] for array in arrays for part in parts(array.size)]


@dataclass(frozen=True)
class Estimate:
    """What a run is expected to need, from its config alone."""

    customers: float        # per replication; channels at full response, so it leans high
    driver: str             # the config key behind most of them (or behind the memory)
    driver_value: object
    memory_bytes: float     # at peak
    seconds: float          # all replications, one after another


def estimate(params) -> Estimate:
    """Expected customers, peak memory and run time of ``params`` (a validated ``sim.params.Params``)."""
    acquisition = params.acquisition_days
    demand = max(1.0, float(params.demand.max()))
    arrivals = {"population.initial_customers": (params.initial_customers, params.initial_customers)}
    for channel in params.channels:
        most = channel.most_customers(acquisition, demand)
        arrivals[f"channels.{channel.name}"] = (most, f"{most:,.0f} customers at its full response")
    arrivals["market.innovation"] = (_organic(params, sum(count for count, _ in arrivals.values())),
                                     params.innovation)
    # each customer's converted invitations over the acquisition days, generation after generation
    traits, quality = params.traits, params.quality[params.source_index("referral")]
    generation = (traits["referral_prob"].mean * max(1.0, quality.get("referral_prob", 1.0))
                  * params.referral_conversion_prob
                  * math.prod(p.conversion_bound() * p.invitation_bound() for p in params.policies)
                  * _largest_influence(params)
                  * (1 + traits["daily_purchase_prob"].mean * acquisition))
    first = sum(count for count, _ in arrivals.values())
    referred = first * generation / (1 - generation) if generation < 1 else math.inf
    arrivals["referral.conversion_prob"] = (referred, params.referral_conversion_prob)
    customers = min(float(params.market_size), first + referred)
    driver, (count, value) = max(arrivals.items(), key=lambda item: item[1][0])
    if first + referred > params.market_size > count:     # no one source fills the market alone
        driver, value = "market.size", params.market_size
    series = SERIES_BYTES_PER_DAY * params.n_days * (params.replications + 1)
    if series > customers * PEAK_BYTES_PER_CUSTOMER:
        driver, value = "replications", params.replications
    seconds = params.replications * (SECONDS_FIXED + SECONDS_PER_DAY * params.n_days
                                     + SECONDS_PER_CUSTOMER_YEAR * customers * params.n_days / 365)
    return Estimate(customers, driver, value, customers * PEAK_BYTES_PER_CUSTOMER + series, seconds)


def _largest_influence(params) -> float:
    """The largest word-of-mouth weight a customer can carry (``State.influence``), at least 1."""
    members = any(p.paid_members for p in params.policies)
    return max(1.0, params.loyal_influence, params.member_influence if members else 1.0)


def _organic(params, others: float) -> float:
    """Organic adopters over the acquisition days: the Bass recursion, with the
    other sources' customers (spread evenly) spreading word of mouth and none churning."""
    size, acquired, inflow = params.market_size, params.initial_customers, others - params.initial_customers
    adopted = 0.0
    for _ in range(params.acquisition_days):
        acquired += inflow / params.acquisition_days
        rate = min(1.0, (params.innovation + params.imitation * min(acquired + adopted, size) / size) / 365)
        adopted += max(size - acquired - adopted, 0.0) * rate
    return adopted


def check_resources(params) -> Estimate:
    """Return the :func:`estimate`; raise MemoryLimitError naming its driver if memory cannot hold the run."""
    need = params.estimate
    usable = usable_memory()
    if need.memory_bytes > usable:
        raise MemoryLimitError(need.driver, need.driver_value, (
            f"needs about {_gb(need.memory_bytes)} of memory ({need.customers:,.0f} customers expected at "
            f"{PEAK_BYTES_PER_CUSTOMER} B each at peak, and the daily series of {params.replications} "
            f"replication(s) over {params.n_days} days), more than the {_gb(usable)} this machine can give "
            "the run; lower it, the market size, the budgets or the horizon"))
    return need


class MemoryLimitError(ConfigError):
    """The run would need more memory than the machine has available."""


def usable_memory() -> int:
    """Bytes a run may plan to use: :data:`USABLE_SHARE` of the memory available now."""
    return int(available_memory() * USABLE_SHARE)


def available_memory() -> int:
    """Bytes of memory available now (``MemAvailable`` on Linux, else physical memory)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def check_horizon(acquisition_days: int, ltv_days: int) -> None:
    if acquisition_days + ltv_days > MAX_DAYS:
        raise ConfigError("horizon", {"acquisition_days": acquisition_days, "ltv_days": ltv_days},
                          f"acquisition_days + ltv_days must be <= {MAX_DAYS} (100 years)")


def check_growth(reached: int, room: int, bytes_per_customer: int) -> None:
    """Refuse room for ``room`` more customers' arrays (after ``reached``) if that would exhaust the memory left."""
    size = room * bytes_per_customer
    usable = usable_memory()
    if size > usable:
        raise MemoryLimitError("market.size", f"{reached:,} customers reached",
                               f"room for {room:,} needs about {_gb(size)}, more than the "
                               f"{_gb(usable)} of memory left; lower market.size or the channels' budgets")


def _gb(size: float) -> str:
    return f"{size / 1e9:,.1f} GB"

