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


#: Constants of the splitmix64 finaliser (Steele, Lea & Flood 2014), a bijective 64-bit mixer.
_MIX = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser of each word of ``x`` (uint64, wrapping arithmetic), in place."""
    x ^= x >> np.uint64(30)
    x *= _MIX[0]
    x ^= x >> np.uint64(27)
    x *= _MIX[1]
    x ^= x >> np.uint64(31)
    return x


def _mix_word(x: int) -> int:
    """:func:`_mix` of one 64-bit word, in Python's integers (a day's seed: no array for one number)."""
    x ^= x >> 30
    x = x * int(_MIX[0]) % 2 ** 64
    x ^= x >> 27
    x = x * int(_MIX[1]) % 2 ** 64
    return x ^ x >> 31


class KeyedUniforms:
    """Per-customer uniforms of one decision (e.g. ``"revenue"``) in one replication, keyed by
    customer, not by position.

    The uniform of a customer on a day is splitmix64 (Steele, Lea & Flood 2014) at counter
    ``draw_key`` from a seed that is a hash of the decision's 64-bit key (derived from the
    replication's seed sequence and the decision's name like :class:`Stream`'s) and the day:
    ``mix(day_seed + draw_key · γ)`` with γ the golden-ratio constant. It does not depend on
    which other customers are drawn with it or in what order, so when a lever changes how
    many customers some source brings on some day, every other customer still gets the same
    numbers: comparisons stay paired customer by customer (common random numbers), not just
    in the totals. The map from key to number is a bijection, so distinct customers never
    share a number on one day.
    """

    def __init__(self, replication: np.random.SeedSequence, decision: str):
        key = int.from_bytes(b"\x02" + decision.encode("utf-8"), "big")
        child = np.random.SeedSequence(replication.entropy, spawn_key=(*replication.spawn_key, key))
        self._key = int(child.generate_state(1, np.uint64)[0])

    def on(self, day: int, draw_keys: np.ndarray) -> np.ndarray:
        """One uniform in (0, 1) per key of ``draw_keys`` (uint64) on ``day`` (float64, 53 random bits)."""
        if not draw_keys.size:
            return np.empty(0)
        words = draw_keys * _GOLDEN
        words += np.uint64(_mix_word((self._key + day * int(_GOLDEN)) % 2 ** 64))
        words = _mix(words)
        words >>= np.uint64(11)
        uniform = words.astype(np.float64)
        uniform += 0.5
        uniform *= 2.0 ** -53
        return uniform
