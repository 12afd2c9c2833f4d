"""A one-line progress counter with elapsed time, on terminals only."""
from __future__ import annotations

import sys
import time


class Progress:
    """``with Progress(total, "label") as bar: ... bar.step()`` prints ``label 3/10  4.2 s`` on stderr.

    Silent when stderr is not a terminal or ``enabled`` is False; the last
    line, with the total elapsed time, stays on screen.
    """

    def __init__(self, total: int, label: str, enabled: bool | None = None):
        self.total, self.label, self.done = total, label, 0
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
            print(f"\r{self.label} {self.done}/{self.total}  {elapsed:.1f} s", end="", file=sys.stderr, flush=True)
