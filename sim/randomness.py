"""Where randomness comes from: one seed, one stream per replication and component.

``SeedSequence(seed)`` spawns one child per replication; inside a replication
every component (a channel, a stage, a policy) draws from its own generator,
derived from the replication's sequence and the component's name. Adding or
enabling a component therefore leaves every other component's draws
unchanged, which makes with/without comparisons common-random-number
comparisons.
"""
from __future__ import annotations

import zlib

import numpy as np


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """One independent seed sequence per replication."""
    return np.random.SeedSequence(seed).spawn(replications)


def stream(replication: np.random.SeedSequence, component: str) -> np.random.Generator:
    """The generator of ``component`` (e.g. ``"channel/feed_ads"``) in one replication.

    The component's name is hashed with CRC-32 (stable across runs and
    platforms, unlike ``hash``) into the sequence's spawn key.
    """
    key = zlib.crc32(component.encode("utf-8"))
    child = np.random.SeedSequence(replication.entropy,
                                   spawn_key=(*replication.spawn_key, key))
    return np.random.Generator(np.random.PCG64(child))
