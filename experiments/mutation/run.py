"""Mutation testing by hand: plant one known bug at a time and see whether the tests notice.

    python experiments/mutation/run.py             # every mutant, about 12 minutes on 2 cores
    python experiments/mutation/run.py --only 7 12 # mutants 7 and 12 alone

Copies the files tracked at HEAD into a temporary directory, so the working
tree is never touched, and checks that the unmutated test subset passes
there. Then, for each entry of MUTANTS, replaces one exact piece of code in
the copy, runs the subset with ``pytest -x`` and restores the file. A mutant
is caught when a test fails, survives when the subset passes. Prints a
Markdown table: the deliberate bug, caught or survived, the first failing
test and the seconds taken.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SUBSET = [
    "tests/test_closed_forms.py", "tests/test_accounting.py", "tests/test_calendar.py",
    "tests/test_policies.py", "tests/test_channels.py", "tests/test_properties.py",
    "tests/test_day_order.py", "tests/test_randomness.py", "tests/test_results.py",
    "tests/test_config.py", "tests/test_calibration.py", "tests/test_limits.py",
]
# A fixed Hypothesis seed makes the property tests draw the same examples for every mutant.
PYTEST = ["-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--hypothesis-seed=0",
          "-k", "not 100_megabyte"]
TIMEOUT = 600   # seconds per run of the subset


@dataclass(frozen=True)
class Mutant:
    path: str   # relative to the repository
    old: str    # must occur exactly once in the pristine file
    new: str
    bug: str


MUTANTS = [
    Mutant("sim/ledger.py", '"cogs": -1.0,', '"cogs": +1.0,',
           "cost of goods booked with the wrong sign"),
    Mutant("sim/ledger.py", "(1.0 + discount_rate) ** (-np.arange(ltv_days) / 365.0)",
           "(1.0 + discount_rate) ** (np.arange(ltv_days) / 365.0)",
           "discounting inverted: money later is worth more"),
    Mutant("sim/ledger.py", "inside = age < self.ltv_days", "inside = age < self.ltv_days - 1",
           "LTV window one day short"),
    Mutant("sim/stages/retention.py", "arrivals]), day + self.period_days,",
           "arrivals]), day + self.period_days + 1,",
           "churn decisions one day late after each period"),
    Mutant("sim/stages/revenue.py",
           'self._schedule(state, np.concatenate([due, arrivals]), day, state.random("revenue"))',
           'self._schedule(state, np.concatenate([due, arrivals]), day + 1, state.random("revenue"))',
           "next purchase candidate never falls on the next day (one day late)"),
    Mutant("sim/calendar.py", "ratio = np.asarray(actual, dtype=np.float64) / drawn",
           "ratio = np.asarray(actual, dtype=np.float64)",
           "thinning accepts with the actual probability, not actual / bound"),
    Mutant("sim/stages/activation.py", "ledger.purchases(day, ids, amounts)",
           "ledger.purchases(day, ids, amounts * 0.5)",
           "first purchase booked at half its amount"),
    Mutant("sim/stages/referral.py", "inviters[rng.random(inviters.size) < conversion]",
           "inviters[rng.random(inviters.size) > conversion]",
           "referral conversions drawn with the comparison flipped"),
    Mutant("sim/stages/referral.py", "if day + 1 >= self.acquisition_days:",
           "if day >= self.acquisition_days:",
           "invitations of the last acquisition day still convert (arrive after it)"),
    Mutant("sim/metrics.py", "cac = ratio(spend, customers)", "cac = ratio(spend, customers + 1)",
           "blended CAC divided by customers + 1"),
    Mutant("sim/channels/paid.py", "x / (x + self.half_saturation_budget ** self.hill_shape)",
           "x / (x + (2 * self.half_saturation_budget) ** self.hill_shape)",
           "Hill curve uses twice the half-saturation budget"),
    Mutant("sim/population.py",
           "self.ti_churned[ids] = np.where(self.ti_churned[ids] < 0, day, self.ti_churned[ids])",
           "self.ti_churned[ids] = day",
           "churn day overwritten on a second churn instead of keeping the first"),
    Mutant("sim/stages/acquisition.py",
           "(self.innovation + self.imitation * active_at_start / self.market_size) / 365.0",
           "(self.imitation * active_at_start / self.market_size) / 365.0",
           "Bass innovation term dropped"),
    Mutant("sim/policies/pool.py", "if not self.touch_today:", "if self.touch_today:",
           "pool touch lift applied on non-touch days"),
    Mutant("sim/policies/membership.py", '"membership_fee": +1.0', '"membership_fee": -1.0',
           "membership fee booked with the wrong sign"),
    Mutant("sim/validation.py", "check_number(path, value, low=0.0, high=1.0)",
           "check_number(path, value, low=0.0, high=2.0)",
           "probability check accepts values up to 2"),
    Mutant("sim/limits.py", "PEAK_BYTES_PER_CUSTOMER = 200", "PEAK_BYTES_PER_CUSTOMER = 2",
           "memory estimate 100 times too small (the refusal stops refusing)"),
    Mutant("sim/randomness.py", "self._bits.advance(day * self.JUMP % 2 ** 128)",
           "self._bits.advance(0)",
           "every day draws from the same block of random numbers"),
    Mutant("sim/calibrate/data.py", "~np.isfinite(amounts) | (amounts < 0)", "~np.isfinite(amounts)",
           "negative transaction amounts accepted"),
    Mutant("sim/calibrate/sbg.py", "betaln(a + 1, b + periods - 1)", "betaln(a + 1, b + periods)",
           "sBG churn probability P(T = k) off by one period"),
    Mutant("sim/results.py", "np.percentile(values, [5, 95])", "np.percentile(values, [10, 90])",
           "metric intervals are 10th-90th, not 5th-95th percentiles"),
]


def mutated(text: str, mutant: Mutant) -> str:
    count = text.count(mutant.old)
    if count != 1:
        raise SystemExit(f"{mutant.path}: {mutant.old!r} occurs {count} times, expected once; "
                         "update the mutant to the current code")
    return text.replace(mutant.old, mutant.new)


def copy_head(target: Path) -> str:
    """Extract the files tracked at HEAD into ``target``; return the commit."""
    # Resolved once, so the commit reported is the one tested even if HEAD moves during the run.
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", commit], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(target)], stdin=archive.stdout, check=True)
    archive.stdout.close()
    if archive.wait():
        raise SystemExit(f"git archive {commit} failed")
    return commit


def environment(copy: Path) -> dict:
    env = dict(os.environ)
    # The dev install puts the working tree on sys.path through a .pth file;
    # PYTHONPATH comes before it, so `import sim` finds the copy.
    env["PYTHONPATH"] = os.pathsep.join([str(copy), *filter(None, [env.get("PYTHONPATH")])])
    # A cached .pyc could outlive a same-size edit; compile from source every run.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def check_import(copy: Path, env: dict) -> None:
    found = subprocess.run([sys.executable, "-c", "import sim; print(sim.__file__)"], cwd=copy, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    if not Path(found).resolve().is_relative_to(copy.resolve()):
        raise SystemExit(f"`import sim` finds {found}, not the copy in {copy}; mutants would go untested")
    print(f"sim imported from {found}", file=sys.stderr)


def run_subset(copy: Path, env: dict) -> tuple[str, int | None, float]:
    """Run the subset; return its output, exit code (None on timeout) and seconds."""
    shutil.rmtree(copy / ".hypothesis", ignore_errors=True)   # no failing examples carried over
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, *PYTEST, *SUBSET], cwd=copy, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
        code = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)   # pytest and anything it started
        output, _ = process.communicate()
        code = None
    return output, code, time.perf_counter() - start


def first_failure(output: str) -> str:
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" ", 1)[1].split(" - ", 1)[0]
    return ""


def verdict(output: str, code: int | None) -> tuple[str, str]:
    if code is None:
        return "caught (timeout)", f"none within {TIMEOUT} s"
    if code == 0:
        return "survived", ""
    failed = first_failure(output)
    if code in (1, 2) and failed:
        return "caught", failed
    tail = output.strip().splitlines()[-1:] or [""]
    return f"error (exit {code})", tail[0]


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", type=int, nargs="+", metavar="K",
                        help=f"run only these mutants (1..{len(MUTANTS)})")
    args = parser.parse_args()
    if args.only and not all(1 <= k <= len(MUTANTS) for k in args.only):
        parser.error(f"--only takes numbers between 1 and {len(MUTANTS)}")
    chosen = args.only or range(1, len(MUTANTS) + 1)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mutation-") as directory:
        copy = Path(directory)
        commit = copy_head(copy)
        for number in chosen:                      # fail on a stale mutant before any test run
            mutant = MUTANTS[number - 1]
            mutated((copy / mutant.path).read_text(), mutant)
        env = environment(copy)
        check_import(copy, env)

        output, code, seconds = run_subset(copy, env)
        if code != 0:
            print(output, file=sys.stderr)
            raise SystemExit(f"the unmutated subset does not pass (exit {code}); fix that first")
        print(f"unmutated subset passes in {seconds:.0f} s", file=sys.stderr)

        rows = []
        for number in chosen:
            mutant = MUTANTS[number - 1]
            path = copy / mutant.path
            pristine = path.read_text()
            path.write_text(mutated(pristine, mutant))
            try:
                output, code, seconds = run_subset(copy, env)
            finally:
                path.write_text(pristine)
            result, failed = verdict(output, code)
            rows.append((number, mutant, result, failed, seconds))
            print(f"mutant {number}: {result} {failed} ({seconds:.0f} s)", file=sys.stderr, flush=True)

    print(f"commit {commit[:12]}, tests: {' '.join(SUBSET)} (-k 'not 100_megabyte')\n")
    print("| # | file | deliberate bug | result | first failing test | s |")
    print("|---|---|---|---|---|---|")
    for number, mutant, result, failed, seconds in rows:
        print(f"| {number} | {mutant.path} | {cell(mutant.bug)} | {result} | {cell(failed)} | {seconds:.0f} |")
    caught = sum(result.startswith("caught") for _, _, result, _, _ in rows)
    timeouts = sum(result == "caught (timeout)" for _, _, result, _, _ in rows)
    print(f"\ncaught {caught} of {len(rows)}" + (f" ({timeouts} by timeout)" if timeouts else ""))
    print(f"wall time {(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
