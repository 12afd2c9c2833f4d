"""Shared helpers: compose a config and run one replication down to its final state."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import sim
from sim.engine import simulate
from sim.params import validate
from sim.randomness import replication_seeds

# The README's test command gates every landing, so by default hypothesis
# draws the same examples on every run; HYPOTHESIS_PROFILE=explore searches
# ten times as many random ones (keep what it finds as an @example).
settings.register_profile("ci", derandomize=True, max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def homogeneous(churn=0.02, purchase=0.05, spend=10.0):
    """Overrides for a closed-form-friendly world: no channels, no organic
    adoption, no referral, constant traits, margin 1, no discounting."""
    return [
        "channels={}", "market.innovation=0", "market.imitation=0",
        f"population.churn_prob={{dist: constant, value: {churn}}}",
        f"population.daily_purchase_prob={{dist: constant, value: {purchase}}}",
        f"population.spend={{dist: constant, value: {spend}}}",
        "population.referral_prob={dist: constant, value: 0}",
        "economics.gross_margin=1", "economics.discount_rate=0", "replications=1",
    ]


def compose(*overrides, scenario="default"):
    return sim.compose(scenario, list(overrides))


def keeping(*fields):
    """A calendar process keeping on-request fields (``sim.population.ON_REQUEST``) from day 0."""
    def process(env, state):
        for name in fields:
            state.people.keep(name)
        yield env.timeout(0)
    return process


@pytest.fixture
def worker_counts(monkeypatch):
    """The ``workers`` of every ``sim.parallel.map_jobs`` call made in this process, in order."""
    import sim.parallel

    counts, map_jobs = [], sim.parallel.map_jobs

    def counted(function, jobs, workers, done, **given):
        counts.append(workers)
        return map_jobs(function, jobs, workers, done, **given)
    monkeypatch.setattr(sim.parallel, "map_jobs", counted)
    return counts


def final_state(cfg, replication=0, processes=()):
    """The final engine state of one replication of ``cfg``."""
    params = validate(cfg)
    seed = replication_seeds(params.seed, replication + 1)[replication]
    return simulate(params, seed, processes)


@pytest.fixture(scope="session")
def default_state():
    """One replication of the default scenario (shared, read-only)."""
    return final_state(compose("replications=1"))
