"""A one-line progress counter with elapsed time, on terminals only."""
from __future__ import annotations

import sys
import time


class Progress:
    """``with Progress(total, "label") as bar: ... bar.step()`` prints ``label 3/10  4.2 s, about 9 s left`` on stderr.

    The time left is ``expected`` seconds (an up-front estimate) until the
    first step is done, then the elapsed time per step times the steps left.
    Silent when stderr is not a terminal or ``enabled`` is False; the last
    line, with the total elapsed time, stays on screen.
    """

    def __init__(self, total: int, label: str, enabled: bool | None = None, expected: float | None = None):
        self.total, self.label, self.done, self.expected = total, label, 0, expected
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.start = time.perf_counter()

    def __enter__(self):
        self._show()
        return self

    def step(self) -> None:
        self.done += 1
        self._show()

    def __exit__(self, *exc):
        if self.enabled:
            print(file=sys.stderr)

    def _show(self) -> None:
        if self.enabled:
            elapsed = time.perf_counter() - self.start
            left = elapsed / self.done * (self.total - self.done) if self.done else self.expected
            eta = f", about {left:.0f} s left" if left is not None and self.done < self.total else ""
            print(f"\r{self.label} {self.done}/{self.total}  {elapsed:.1f} s{eta}   ", end="",
                  file=sys.stderr, flush=True)
