"""Progress bars on stderr with the count, the elapsed time and the time left (tqdm), for terminals."""
from __future__ import annotations

import sys

from tqdm import tqdm


class Progress(tqdm):
    """``with Progress(total, "label") as bar: ... bar.step()``: a tqdm bar on stderr,
    ``label:  30%|███  | 3/10 [00:04<00:09, 1.40s/it]`` (done/total [elapsed<left, pace]).

    ``enabled`` None draws it only when stderr is a terminal, True always,
    False never. Until the first step it shows ``about <expected> s expected``
    when given that up-front estimate of the whole run, then tqdm's time
    left. The last line stays on screen.
    """

    def __init__(self, total: int, label: str, enabled: bool | None = None, expected: float | None = None):
        super().__init__(total=total, desc=label, file=sys.stderr, disable=None if enabled is None else not enabled,
                         postfix=None if expected is None else f"about {expected:.0f} s expected")

    def step(self) -> None:
        """One more of ``total`` done: the estimate gives way to the measured time left."""
        if self.n == 0:
            self.set_postfix_str("", refresh=False)
        self.update()


def show_jobs(done: int, total: int, label: str, elapsed: float) -> str:
    """``label 3/7 [00:20<00:27]``: ``done`` jobs of ``total`` after ``elapsed`` seconds, and the time
    left at their pace, as :class:`Progress` shows it; printed on stderr when it is a terminal, and returned."""
    line = tqdm.format_meter(done, total, elapsed, prefix=label,
                             bar_format=f"{{desc}} {done}/{total} [{{elapsed}}<{{remaining}}]")
    if sys.stderr.isatty():
        print(line, file=sys.stderr)
    return line
