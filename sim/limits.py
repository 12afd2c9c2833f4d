"""Limits checked before a run: the horizon and the memory the customers need.

A config the machine cannot hold is refused up front with the estimate,
not discovered by the kernel's out-of-memory killer halfway through; and
when customers arrive faster than foreseen, the population refuses to grow
past the memory that is left (``People._grow``).
"""
from __future__ import annotations

import os

from .validation import ConfigError

#: Longest run, acquisition plus LTV days: 100 years. Longer horizons are
#: almost surely a unit mistake (hours, not days) and cost time per day.
MAX_DAYS = 36_500

#: Peak bytes per customer while a base is created and filed on the
#: calendars (state, event calendars and the day's temporaries); the
#: benchmark measured 183 at 10^7 customers (docs/performance.md).
PEAK_BYTES_PER_CUSTOMER = 200

#: Share of the available memory a run may plan to use.
USABLE_SHARE = 0.8


class MemoryLimitError(ConfigError):
    """The run would need more memory than the machine has available."""


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


def check_memory(path: str, customers: int, daily_series_bytes: int = 0) -> None:
    """Refuse ``customers`` known up front (named by ``path``) if they cannot fit in memory."""
    needed = customers * PEAK_BYTES_PER_CUSTOMER + daily_series_bytes
    usable = int(available_memory() * USABLE_SHARE)
    if needed > usable:
        raise MemoryLimitError(path, customers, f"needs about {_gb(needed)} of memory "
                               f"({PEAK_BYTES_PER_CUSTOMER} B per customer at peak), more than the "
                               f"{_gb(usable)} this machine can give the run; use fewer customers")


def check_growth(reached: int, capacity: int, bytes_per_customer: int) -> None:
    """Refuse to grow the population's arrays to ``capacity`` customers if that would exhaust the memory left."""
    needed = capacity * bytes_per_customer
    usable = int(available_memory() * USABLE_SHARE)
    if needed > usable:
        raise MemoryLimitError("market.size", f"{reached:,} customers reached",
                               f"room for {capacity:,} needs about {_gb(needed)}, more than the "
                               f"{_gb(usable)} of memory left; lower market.size or the channels' budgets")


def _gb(size: int) -> str:
    return f"{size / 1e9:.1f} GB"
