"""Replications on several processes give the numbers of one after another (sim/parallel.py)."""
from __future__ import annotations

import dataclasses
import os
import pickle

import numpy as np
import pytest

import sim
from sim import parallel
from sim.limits import MemoryLimitError
from sim.params import validate
from sim.validation import ConfigError

SMALL = ["population.initial_customers=300", "market.size=20000", "horizon.acquisition_days=30",
         "horizon.ltv_days=60", "channels.feed_ads.max_daily_leads=200", "progress=false", "figures=false"]
UNCERTAIN = "+uncertainty={channels.feed_ads.activation_prob: {dist: beta, a: 20, b: 80}}"


def small(*overrides):
    return sim.compose("default", [*SMALL, *overrides])


def test_two_workers_give_every_number_of_one_worker():
    """Metrics, intervals, per-replication values, daily series and the uncertain inputs' draws are
    identical, bit for bit, whatever the number of processes (5 replications: an odd share each)."""
    results = [sim.run(small("replications=5", UNCERTAIN, f"workers={workers}")) for workers in (1, 2)]
    serial, parallel_ = results
    assert serial.__dict__.keys() == parallel_.__dict__.keys()
    assert {**serial.config, "workers": 2} == parallel_.config
    for name in serial.__dict__.keys() - {"config"}:
        assert pickle.dumps(getattr(serial, name)) == pickle.dumps(getattr(parallel_, name)), name
    # the draws differ between pairs of replications, so a reordering of jobs would show
    assert len(set(serial.inputs["channels.feed_ads.activation_prob"])) == 3


def test_worker_count_follows_cores_replications_and_expected_time(monkeypatch):
    params = validate(small("replications=6"))
    assert params.estimate.seconds < parallel.SERIAL_BELOW_SECONDS        # a small run stays here
    assert parallel.worker_count(params) == 1
    monkeypatch.setattr(parallel, "SERIAL_BELOW_SECONDS", 0.0)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 4)
    assert parallel.worker_count(params) == 4
    assert parallel.worker_count(dataclasses.replace(params, replications=3)) == 3
    assert parallel.worker_count(dataclasses.replace(params, workers=8)) == 6      # one per replication at most
    monkeypatch.setattr(parallel, "usable_memory", lambda: int(2.5 * params.estimate.memory_bytes))
    assert parallel.worker_count(params) == 2                        # as many as memory holds
    with pytest.raises(MemoryLimitError, match="^workers = 3: 3 replications at once need"):
        parallel.worker_count(dataclasses.replace(params, workers=3))


def test_workers_must_be_a_whole_number_of_processes():
    with pytest.raises(ConfigError, match="^workers = -1: "):
        validate(small("workers=-1"))


def _refuse(code: int) -> int:
    if code:
        raise ConfigError("seed", code, "refused")
    return code


def test_an_error_in_a_worker_is_raised_as_it_was_raised_there():
    with pytest.raises(ConfigError, match="^seed = 1: refused$"):
        list(parallel.map_jobs(_refuse, [(0,), (1,), (0,)], 2, lambda: None))


def _stop_abruptly(code: int) -> int:
    if code:
        os._exit(code)
    return code


def test_a_worker_that_dies_is_one_clear_error():
    with pytest.raises(ConfigError, match="^workers = 2: a worker process stopped"):
        list(parallel.map_jobs(_stop_abruptly, [(0,), (1,), (0,)], 2, lambda: None))


def test_jobs_come_back_in_order_with_one_call_of_done_each():
    done = []
    results = list(parallel.map_jobs(pow, [(2, k) for k in range(7)], 2, lambda: done.append(1)))
    assert results == [2 ** k for k in range(7)] and len(done) == 7
