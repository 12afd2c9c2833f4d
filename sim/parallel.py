"""Replications (and a run's figures) on every core, with results identical to running them one after another.

A replication depends on nothing but its config, its seed and its draw of
the uncertain inputs (``sim.randomness``, ``sim.uncertainty``), all fixed
before the first one starts, so running it in another process changes only
when it finishes. :func:`map_jobs` hands the results back in job order.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .limits import MemoryLimitError, usable_memory
from .validation import ConfigError

#: Below this many expected seconds (``sim.limits.estimate``, which leans high) a run
#: stays in its own process: starting workers and sending results back would cost more.
SERIAL_BELOW_SECONDS = 2.0
#: fork starts a worker in milliseconds with everything imported; elsewhere a worker imports sim afresh.
START_METHOD = "fork" if sys.platform == "linux" else "spawn"


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def worker_count(params) -> int:
    """How many processes run the replications of ``params`` (a validated ``sim.params.Params``).

    ``workers = 0`` (the default): one per usable core, no more than there
    are replications or than the machine's memory holds at each one's
    expected peak, and 1 (this process) for a run expected to take under
    :data:`SERIAL_BELOW_SECONDS`, or when this process is itself a worker.
    ``workers = N``: N processes, at most one per replication; raise
    MemoryLimitError naming ``workers`` if N replications at once would not
    fit in memory.
    """
    need = params.estimate
    fits = _fitting(params)
    if params.workers == 0:
        if need.seconds < SERIAL_BELOW_SECONDS or multiprocessing.parent_process() is not None:
            return 1
        return max(1, min(usable_cores(), params.replications, fits))
    count = min(params.workers, params.replications)
    if count > max(fits, 1):
        raise MemoryLimitError("workers", params.workers, (
            f"{count} replications at once need about {count * need.memory_bytes / 2 ** 30:.1f} GiB of memory, "
            f"more than this machine can give; at most {max(fits, 1)} fit (workers=0 chooses)"))
    return count


def forked_workers(wanted: int, most: int) -> int:
    """Processes for jobs worth spreading only when workers are forked (a sweep's jobs, a run's
    figures): ``wanted`` (0: one per usable core), at most ``most``; 1 (this process) when
    this process is itself a worker, or where processes are spawned, not forked."""
    if START_METHOD != "fork" or multiprocessing.parent_process() is not None:
        return 1
    return max(1, min(wanted or usable_cores(), most))


def run_workers(params, runs: int) -> int:
    """Processes for ``runs`` whole runs of configs like ``params`` (a validated ``sim.params.Params``;
    the runs of a sensitivity analysis), each run with its replications inside one process.

    ``params.workers`` (0: one per usable core, or 1 when the runs together are expected
    to take under :data:`SERIAL_BELOW_SECONDS`), at most ``runs`` and no more than the
    machine's memory holds at each run's expected peak; 1 (this process) where workers are
    not forked (:func:`forked_workers`).
    """
    if params.workers == 0 and runs * params.estimate.seconds < SERIAL_BELOW_SECONDS:
        return 1
    return min(forked_workers(params.workers, runs), max(_fitting(params), 1))


def _fitting(params) -> int:
    """How many replications (or runs) of ``params`` the memory left holds at once, at each
    one's expected peak (``sim.limits.estimate``)."""
    return int(usable_memory() // max(params.estimate.memory_bytes, 1.0))


def map_jobs(function: Callable, jobs: list[tuple], workers: int, done: Callable[[], None],
             setting: str = "workers") -> Iterator:
    """``function(*job)`` for each of ``jobs`` in order, on ``workers`` processes; call ``done`` after each.

    With one worker the jobs run here, one after another. An error raised
    by a job is raised here, as it was raised there. Raise ConfigError
    naming ``setting``, the config key that set ``workers``, if a worker
    process dies (killed, out of memory).
    """
    if workers == 1:
        for job in jobs:
            yield function(*job)
            done()
        return
    executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(START_METHOD))
    try:
        for result in executor.map(function, *zip(*jobs)):
            yield result
            done()
    except BrokenProcessPool:
        raise ConfigError(setting, workers, f"a worker process stopped before its job was done (killed, "
                          f"or out of memory); {setting}=1 runs the jobs in this process") from None
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
