"""Where randomness comes from: one seed, one stream per replication and component.

``SeedSequence(seed)`` spawns one child per replication; inside a replication
every component (a channel, a stage, a policy) draws from its own generator,
derived from the replication's sequence and the component's name. Adding or
enabling a component therefore leaves every other component's draws
unchanged, which makes with/without comparisons common-random-number
comparisons. Each stream is further cut into one block per day, so how
many numbers a component drew on earlier days (say, one more lead
yesterday) never shifts what it draws today.
"""
from __future__ import annotations

import numpy as np


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """One independent seed sequence per replication."""
    return np.random.SeedSequence(seed).spawn(replications)


class Stream:
    """The random numbers of one component (e.g. ``"channel/feed_ads"``) in one replication.

    The component's whole name, its UTF-8 bytes read as one integer (after
    a leading 1 byte, so leading zero bytes count), extends the
    replication's spawn key: distinct names give distinct streams, with no
    hash to collide (CRC-32 gave ``plumless`` and ``buckeroo`` the same
    draws), stable across runs and platforms. Day ``t``
    draws from the block ``t * JUMP`` steps into the PCG64 stream; ``JUMP``
    is the golden-ratio multiple of 2**128 that ``PCG64.jumped`` uses, since
    offsets by a power of two would leave the low state bits equal and the
    days' draws correlated.
    """

    JUMP = 0x9E3779B97F4A7C15F39CC0605CEDC835

    def __init__(self, replication: np.random.SeedSequence, component: str):
        key = int.from_bytes(b"\x01" + component.encode("utf-8"), "big")
        child = np.random.SeedSequence(replication.entropy, spawn_key=(*replication.spawn_key, key))
        self._bits = np.random.PCG64(child)
        self._start = self._bits.state
        self._generator = np.random.Generator(self._bits)

    def on(self, day: int) -> np.random.Generator:
        """The generator positioned at the start of ``day``'s block."""
        self._bits.state = self._start
        self._bits.advance(day * self.JUMP % 2 ** 128)
        return self._generator
