"""Benchmark: the time to write a run's figures (sim.plot.save_all).

    python experiments/bench/figures.py            # median of 5 per scenario
    python experiments/bench/figures.py --repeat 9 --profile membership+tiering

Each scenario is composed and run once (2 replications: the figures do not
grow with replications beyond their bands), then its figures are written
into a temporary directory ``--repeat`` times in this process
(``workers: 1``) and as many on every core (``workers: 0``), alternating.
Prints, per scenario, the number of figures and the median and fastest
seconds per write each way; the first write of the process (font cache,
imports) is timed apart. Last, the floor: the simplest figure of the same
size (one axes, a line of 366 days with a band, a title, axis labels and a
legend, no layout engine), written the same way, median and fastest
seconds. ``--profile
NAME`` prints the cProfile of one more write of that scenario.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import tempfile
import time

import matplotlib
import numpy as np

matplotlib.use("Agg")

from sim import plot  # noqa: E402
from sim.config import compose  # noqa: E402
from sim.engine import run  # noqa: E402

#: name -> (scenario, overrides)
SCENARIOS = {
    "default": ("default", []),
    "channel_mix": ("channel_mix", []),
    "membership+tiering": ("membership", ["+policies.tiering.kind=tiering"]),
    "referral_fission": ("referral_fission", []),
}


def result_of(scenario: str, overrides: list[str]):
    return run(compose(scenario, ["replications=2", *overrides]))


def write(result, workers: int = 0) -> tuple[float, int]:
    """Seconds to write ``result``'s figures with its config's ``workers`` set to ``workers``, and how many."""
    result.config["workers"] = workers
    with tempfile.TemporaryDirectory() as directory:
        start = time.perf_counter()
        paths = plot.save_all(result, directory)
        return time.perf_counter() - start, len(paths)


def simplest_figure(directory) -> float:
    """Seconds to draw and write the simplest figure like the run's: the floor of one figure."""
    from matplotlib.figure import Figure

    days = np.arange(366)
    series = 1.0 + np.sin(days / 20.0)
    start = time.perf_counter()
    figure = Figure(figsize=(7, 4), dpi=plot.DPI)
    axes = figure.add_subplot()
    axes.plot(days, series, label="series")
    axes.fill_between(days, 0.9 * series, 1.1 * series, alpha=0.3)
    axes.set(title="title", xlabel="day", ylabel="value")
    axes.legend()
    figure.savefig(f"{directory}/simplest.png", dpi=plot.DPI, pil_kwargs={"compress_level": plot.PNG_COMPRESSION})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*", choices=list(SCENARIOS), help="scenarios to time (default: all)")
    parser.add_argument("--profile", choices=list(SCENARIOS), help="print the profile of one write")
    args = parser.parse_args()
    results = {name: result_of(*SCENARIOS[name]) for name in (args.only or SCENARIOS)}
    first, _ = write(next(iter(results.values())))
    print(f"first write of the process (font cache, imports): {first:.3f} s")
    print(f"{'scenario':<20} {'figures':>7} {'one process: median s':>22} {'min s':>6} "
          f"{'every core: median s':>21} {'min s':>6}")
    for name, result in results.items():
        times = {1: [], 0: []}
        for _ in range(args.repeat):            # alternating, so that a drift of the machine hits both
            for workers, seconds in times.items():
                taken, figures = write(result, workers)
                seconds.append(taken)
        print(f"{name:<20} {figures:>7} " + " ".join(f"{statistics.median(t):>21.3f} {min(t):>6.3f}"
                                                     for t in times.values()))
    with tempfile.TemporaryDirectory() as directory:
        floor = [simplest_figure(directory) for _ in range(args.repeat)]
    print(f"{'simplest figure':<20} {1:>7} {statistics.median(floor):>21.3f} {min(floor):>6.3f}")
    if args.profile:
        result = results.get(args.profile) or result_of(*SCENARIOS[args.profile])
        profile = cProfile.Profile()
        profile.enable()
        write(result, workers=1)             # one process: the profile sees the drawing
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue())


if __name__ == "__main__":
    main()
