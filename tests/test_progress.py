"""Progress bars: silent off a terminal, i/n with the elapsed time and the time left on one, no effect on results."""
from __future__ import annotations

import io
import re
import sys
import warnings

import numpy as np
import pytest

import sim
from sim import calibrate
from sim.calibrate import compare, holdout
from sim.progress import Progress, show_jobs
from test_calibration import SAMPLE


class Terminal(io.StringIO):
    """A stderr that says it is a terminal and keeps what is written to it."""

    def isatty(self) -> bool:
        return True


class Clock:
    """tqdm's clock, moved by hand: the bars' times are then exact."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def on_terminal(monkeypatch):
    """``on_terminal()`` makes stderr a Terminal and returns it; called in the test itself, because pytest
    puts its own capture back on sys.stderr between a fixture's set-up and the test."""
    def patch() -> Terminal:
        screen = Terminal()
        monkeypatch.setattr(sys, "stderr", screen)
        return screen
    return patch


@pytest.fixture
def clock(monkeypatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr("tqdm.std.time", ticking)
    return ticking


def frames(screen: Terminal) -> list[str]:
    """The successive states of the bar's line (tqdm redraws it after a carriage return)."""
    return [frame.strip() for frame in screen.getvalue().split("\r") if frame.strip()]


def test_silent_when_stderr_is_not_a_terminal(capsys):
    with Progress(10, "replication", expected=5) as bar:
        for _ in range(10):
            bar.step()
    assert show_jobs(3, 7, "sweep jobs", elapsed=21) == "sweep jobs 3/7 [00:21<00:28]"
    assert capsys.readouterr().err == ""


def test_disabled_bar_is_silent_on_a_terminal(on_terminal):
    terminal = on_terminal()
    with Progress(10, "replication", enabled=False) as bar:
        bar.step()
    assert terminal.getvalue() == ""


def test_on_a_terminal_shows_count_elapsed_and_time_left(on_terminal, clock):
    terminal = on_terminal()
    with Progress(10, "replication", expected=12) as bar:
        assert "0/10" in frames(terminal)[-1] and "about 12 s expected" in frames(terminal)[-1]
        for _ in range(3):
            clock.now += 2
            bar.step()
        shown = frames(terminal)[-1]
    assert shown.startswith("replication:")
    assert re.search(r"3/10 \[00:06<00:14, +2\.00s/it\]", shown)      # 7 left at 2 s each
    assert "expected" not in shown                      # the measured pace replaces the estimate
    assert terminal.getvalue().endswith("\n")           # the last line stays on screen


def test_show_jobs_prints_i_of_n_and_the_time_left_at_the_pace_so_far(on_terminal):
    terminal = on_terminal()
    show_jobs(3, 7, "sweep jobs", elapsed=21)          # 7 s a job: 4 left take 28 s
    show_jobs(7, 7, "sweep jobs", elapsed=49)
    assert terminal.getvalue().splitlines() == ["sweep jobs 3/7 [00:21<00:28]", "sweep jobs 7/7 [00:49<00:00]"]


def test_engine_results_are_the_same_with_progress_on_or_off(on_terminal):
    terminal = on_terminal()
    cfg = sim.compose("default", ["replications=3", "horizon.acquisition_days=10", "horizon.ltv_days=10"])
    quiet = sim.run(cfg, progress=False)
    assert terminal.getvalue() == ""
    shown = sim.run(cfg, progress=True)
    assert "replication:" in terminal.getvalue() and "3/3" in frames(terminal)[-1]
    np.testing.assert_equal(shown.per_replication, quiet.per_replication)     # NaN where undefined, in both
    np.testing.assert_equal(shown.daily_per_replication, quiet.daily_per_replication)


def test_calibration_draws_bars_for_its_fits_and_holdout_replays(on_terminal):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", calibrate.DataWarning)
        calibration = calibrate.from_transactions(SAMPLE, "1997-09-30")
    terminal = on_terminal()
    fitted = compare.candidates(calibration, progress=True)
    holdout.forecast(calibration, "1998-06-30", replications=2, fitted=fitted, progress=True)
    last_frames = [line.split("\r")[-1] for line in terminal.getvalue().split("\n")[:-1]]   # one line a bar
    assert [frame.split(":")[0] for frame in last_frames] == [
        "model fit", "holdout replay, parameters drawn", "holdout replay, parameters fixed"]
    # 2 models left to fit (the BG/BB and BG/NBD are the calibration's own), then 2 replays each
    assert all("2/2" in frame for frame in last_frames)
