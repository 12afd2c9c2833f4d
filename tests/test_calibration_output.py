"""``python -m sim.calibrate``: what it writes passes the gate user input passes, and every
bad input or failure is one ``error:`` line with nothing written (docs/calibration.md)."""
from __future__ import annotations

import contextlib
import csv
import errno
import io
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

import sim
import sim.calibrate.__main__ as command
import sim.config
from sim.calibrate import BGBB, data
from sim.params import validate
from sim.validation import LARGEST

SAMPLE = Path(__file__).parent / "data" / "cdnow" / "cdnow_sample.csv"


def shop_log(path: Path, amount, *, seed=1, customers=300, origin="2024-01-01", first_days=30, repeats=4,
             lifetime_days: float | None = 45) -> Path:
    """A ``customer_id,date,amount`` log: each customer buys first within ``first_days`` days of
    ``origin``, then on up to ``repeats`` random days of the following 90 while it stays, a
    geometric number of days with mean ``lifetime_days`` (None: it never leaves);
    ``amount(rng, first)`` prices each purchase."""
    rng = np.random.default_rng(seed)
    start = np.datetime64(origin)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "date", "amount"])
        for customer in range(customers):
            first = int(rng.integers(0, first_days))
            writer.writerow([f"c{customer}", start + first, amount(rng, True)])
            stays = rng.geometric(1 / lifetime_days) if lifetime_days else 90
            for day in np.unique(rng.integers(first + 1, first + 90, rng.integers(0, repeats + 1))):
                if day - first > stays:
                    continue
                writer.writerow([f"c{customer}", start + int(day), amount(rng, False)])
    return path


def gamma_amount(rng, first):
    return round(float(rng.gamma(4.0, 5.0)), 2)


#: Synthetic logs whose fits sit at an edge or fall back (shop_log's options), calibrated up to END.
LOGS = {
    # one price for every repeat purchase: Gamma-Gamma's p and q run off to infinity
    "fixed_price": dict(amount=lambda rng, first: gamma_amount(rng, first) if first else 19.99),
    # Pareto amounts: Gamma-Gamma q <= 2, the customers' mean spend has no finite variance
    "heavy_tail": dict(amount=lambda rng, first: round(1 + float(rng.pareto(1.1)) * 10, 2)),
    # nobody buys twice: too few repeat customers for Gamma-Gamma (and BG/BB at an edge: --allow-edge)
    "one_time_buyers": dict(amount=gamma_amount, first_days=120, repeats=0),
    # everyone still buying at the end: no churn seen, BG/BB delta runs off to infinity
    # (an unbounded fit gave 4.1e12, past what a config may hold; written with --allow-edge)
    "steady_buyers": dict(amount=gamma_amount, repeats=8, lifetime_days=None),
}
#: Logs whose purchase/churn fit stops at an edge: written only with --allow-edge.
AT_EDGE = ("one_time_buyers", "steady_buyers")
END = "2024-03-31"


def run_command(*arguments, holdout: bool = False) -> tuple[int, str, str]:
    """``python -m sim.calibrate ARGUMENTS`` in-process: (exit status, stdout, stderr); without
    ``holdout`` the models are compared on their fits alone (``--no-holdout``: the replay of the
    holdout is tested in test_model_comparison.py)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            command.main([str(a) for a in arguments] + ([] if holdout else ["--no-holdout"]))
            status = 0
        except SystemExit as exit:
            status = exit.code
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """name -> (exit status, stderr, scenario path, data path) for each log calibrated once."""
    folder = tmp_path_factory.mktemp("calibrated")
    logs = {name: (shop_log(folder / f"{name}.csv", **options), END) for name, options in LOGS.items()}
    logs["cdnow_sample"] = (SAMPLE, "1997-09-30")
    results = {}
    for name, (path, end) in logs.items():
        out = folder / "scenarios" / f"calibrated_{name}.yaml"
        status, _, err = run_command(path, "--calibration-end", end, "--out", out,
                                     *(["--allow-edge"] if name in AT_EDGE else []))
        results[name] = (status, err, out, path)
    return results


def numbers(value):
    if isinstance(value, dict):
        return [n for item in value.values() for n in numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in numbers(item)]
    return [value] if isinstance(value, (int, float)) else []


@pytest.mark.parametrize("name", ["cdnow_sample", *LOGS])
def test_a_written_scenario_passes_the_gate_as_marketing_sim_reads_it_and_runs(written, name, monkeypatch):
    status, err, out, _ = written[name]
    assert status == 0, err
    values = yaml.safe_load(out.read_text())
    assert all(math.isfinite(n) for n in numbers(values)), "no .inf or .nan"
    assert OmegaConf.to_container(OmegaConf.load(out)) == values, "both YAML readers read the same"
    # marketing-sim scenario=NAME: the scenario found in the scenarios folder, composed by Hydra
    monkeypatch.setattr(sim.config, "scenario_dirs", lambda: [out.parent])
    try:
        cfg = sim.compose(out.stem, ["replications=1", "progress=false"])
    finally:
        ConfigStore.instance().repo["scenario"].pop(out.name, None)
    params = validate(cfg)
    assert params.market_size == sum(values["channels"]["customers"]["arrivals"])
    assert sim.run(cfg).metrics["customers"] == params.market_size


def test_one_price_for_every_repeat_purchase_is_the_spend(written):
    """Gamma-Gamma has no interior maximum when repeat amounts never vary; the fit stops at
    the edge of its range, says so, and its spend is that price (an unbounded fit gave 18.99)."""
    status, err, out, _ = written["fixed_price"]
    spend = yaml.safe_load(out.read_text())["population"]["spend"]
    assert spend["mean"] == pytest.approx(19.99, rel=1e-6) and spend["sigma"] < 1e-4
    assert "warning: Gamma-Gamma (spend): " in err and "at the edge of the fitted range" in err


def test_no_churn_seen_is_churn_at_the_edge_of_the_range(written):
    status, err, out, _ = written["steady_buyers"]
    churn = yaml.safe_load(out.read_text())["population"]["churn_prob"]
    assert churn["b"] == pytest.approx(LARGEST) and churn["a"] / churn["b"] < 1e-9
    assert "warning: daily BG/BB (purchase and churn): delta = 1e+12 at the edge of the fitted range" in err
    assert "written anyway (--allow-edge)" in err


def test_a_purchase_churn_fit_at_the_edge_is_an_error_without_allow_edge(written, tmp_path):
    _, _, _, path = written["steady_buyers"]
    status, out, err = run_command(path, "--calibration-end", END, "--out", tmp_path / "steady.yaml")
    assert status == 2 and err.count("\n") == 1 and out == ""
    assert "delta = 1e+12 at the edge of the fitted range" in err and "--allow-edge writes the scenario anyway" in err
    assert not (tmp_path / "steady.yaml").exists()


def test_spend_falls_back_to_the_mean_amount_with_a_warning(written):
    for name, reason in (("heavy_tail", "customer mean spend has infinite variance"),
                         ("one_time_buyers", "needs at least 10 customers with repeat purchases")):
        status, err, out, path = written[name]
        tx = data.load(path)
        mean = tx.amount[tx.day <= tx.day_of(END)].mean()
        assert yaml.safe_load(out.read_text())["population"]["spend"] == {"dist": "constant", "value": mean}
        assert "warning: spend: Gamma-Gamma" in err and reason in err, err


@pytest.fixture
def small_log(tmp_path):
    return shop_log(tmp_path / "orders.csv", gamma_amount, customers=60)


def fill_half_then_fail(self, text, **options):
    """Path.write_text on a full disk: part of the text is written, then ENOSPC."""
    with open(self, "w", **options) as handle:
        handle.write(text[: len(text) // 2])
    raise OSError(errno.ENOSPC, "No space left on device")


def interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def refuse_to_open(path, *args, **kwargs):
    raise PermissionError(errno.EACCES, "Permission denied", str(path))


def must_not_fit(*args, **kwargs):
    raise AssertionError("the span is refused before any fitting")


def run_out_of_memory(*args, **kwargs):
    raise MemoryError


def long_span(tmp_path):
    """First purchases over 130 years, as with a placeholder first date."""
    return shop_log(tmp_path / "old.csv", gamma_amount, customers=50, origin="1890-01-01",
                    first_days=130 * 365)


#: case -> (arguments from tmp_path and the small log, what to patch, exit status, text of the error line)
CASES = {
    "unknown option": (lambda tmp, log: [log, "--calibration-end", END, "--colour"], None, 2,
                       "unrecognized arguments: --colour (see python -m sim.calibrate --help)"),
    "data is a directory": (lambda tmp, log: [tmp, "--calibration-end", END], None, 2,
                            "cannot be read (Is a directory)"),
    "data unreadable": (lambda tmp, log: [log, "--calibration-end", END], (data, "open", refuse_to_open),
                        2, "cannot be read (Permission denied)"),
    "data missing": (lambda tmp, log: [tmp / "nope.csv", "--calibration-end", END], None, 2, "does not exist"),
    "end not a date": (lambda tmp, log: [log, "--calibration-end", "2024-02-30"], None, 2,
                       "calibration_end = '2024-02-30': not a date"),
    "end outside the data": (lambda tmp, log: [log, "--calibration-end", "2030-01-01"], None, 2,
                             "must lie after the first date"),
    "span past the horizon limit": (lambda tmp, log: [long_span(tmp), "--calibration-end", "2010-01-01"],
                                    (BGBB, "fit", must_not_fit), 2,
                                    "and the simulator runs at most 36,500 days; calibrate on a shorter span"),
    "amounts past the config range": (
        lambda tmp, log: [shop_log(tmp / "big.csv", lambda rng, first: 2e12 * (1 + rng.random())),
                          "--calibration-end", END, "--allow-edge"], None, 2,
        "the calibrated scenario would not pass marketing-sim's checks: population.spend.value"),
    "out is a directory": (lambda tmp, log: [log, "--calibration-end", END, "--out", tmp], None, 2,
                           "is a directory"),
    "out under a file": (lambda tmp, log: [log, "--calibration-end", END, "--out", log / "shop.yaml"], None, 2,
                         "orders.csv is a file, not a directory"),
    "out in /proc": (lambda tmp, log: [log, "--calibration-end", END, "--out", "/proc/calibrated.yaml"], None, 1,
                     "cannot write /proc/calibrated.yaml"),
    "disk full": (lambda tmp, log: [log, "--calibration-end", END], (Path, "write_text", fill_half_then_fail), 1,
                  "No space left on device; nothing written"),
    "Ctrl-C in the fit": (lambda tmp, log: [log, "--calibration-end", END], (BGBB, "fit", interrupt), 130,
                          "interrupted; nothing written"),
    "out of memory": (lambda tmp, log: [log, "--calibration-end", END],
                      (command, "from_transactions", run_out_of_memory), 1, "not enough memory"),
}


@pytest.mark.parametrize("case", CASES)
def test_each_failure_is_one_error_line_and_nothing_is_written(case, small_log, tmp_path, monkeypatch):
    arguments, patch, expected_status, text = CASES[case]
    if case == "out in /proc" and not Path("/proc/self").exists():
        pytest.skip("needs Linux /proc")
    arguments = arguments(tmp_path, small_log)
    if "--out" not in arguments:
        arguments += ["--out", tmp_path / "scenarios" / "shop.yaml"]
    out = Path(arguments[arguments.index("--out") + 1])
    if case == "disk full":                 # an earlier scenario is kept as it was
        out.parent.mkdir()
        out.write_text("# the earlier scenario\n")
    before = out.read_text() if out.is_file() else None
    if patch:
        monkeypatch.setattr(*patch, raising=False)
    status, stdout, err = run_command(*arguments)
    monkeypatch.undo()
    lines = err.splitlines()
    assert (status, len(lines)) == (expected_status, 1), err
    assert lines[0].startswith("error: ") and text in lines[0], lines[0]
    assert "Traceback" not in err and stdout == ""
    assert (out.read_text() if out.is_file() else None) == before
    assert not list(tmp_path.rglob(".*.tmp")), "no temporary file left behind"


def at(config: dict, path: str):
    for key in path.split("."):
        config = config[key]
    return config


#: Population numbers a full fit sets, each with an uncertainty entry.
FITTED = ["population.daily_purchase_prob.a", "population.daily_purchase_prob.b", "population.churn_prob.a",
          "population.churn_prob.b", "population.spend.mean", "population.spend.sigma"]


def test_the_uncertainty_entries_are_centred_on_the_point_estimates(written):
    """Lognormal: mean = estimate * exp(sigma^2 / 2), median the estimate; the spend's sigma
    (at most 4): a normal truncated evenly about it. The point values stay the estimates."""
    status, err, out, _ = written["cdnow_sample"]
    text = out.read_text()
    values = yaml.safe_load(text)
    entries = values["uncertainty"]
    assert list(entries) == FITTED
    for path, entry in entries.items():
        estimate = at(values, path)
        if entry["dist"] == "lognormal":
            assert entry["mean"] * math.exp(-entry["sigma"] ** 2 / 2) == pytest.approx(estimate, rel=1e-12)
            assert 0 < entry["sigma"] < 1, path
        else:
            assert (path, entry["dist"]) == ("population.spend.sigma", "normal")
            assert entry["mean"] == estimate and (entry["low"] + entry["high"]) / 2 == pytest.approx(estimate)
            assert 0 <= entry["low"] < estimate < entry["high"] <= 4 and entry["sd"] > 0
    assert "mean = estimate * exp(sigma^2 / 2), so that its median is the\n# point estimate" in text
    assert "Correlations between the parameters are not carried" in text


def test_entries_the_data_do_not_determine_are_left_out_with_a_warning(written):
    """No churn seen: delta at the edge, churn_prob.b carries no entry; spend that falls back
    to the mean amount is not fitted and carries none."""
    status, err, out, _ = written["steady_buyers"]
    entries = yaml.safe_load(out.read_text())["uncertainty"]
    assert "population.churn_prob.b" not in entries and "population.daily_purchase_prob.a" in entries
    assert ("warning: uncertainty: population.churn_prob.b left out: delta at the edge of the fitted range"
            in err), err
    for name in ("heavy_tail", "one_time_buyers"):
        entries = yaml.safe_load(written[name][2].read_text())["uncertainty"]
        assert not any(path.startswith("population.spend") for path in entries), name


def test_no_uncertainty_leaves_the_mapping_out(small_log, tmp_path):
    out = tmp_path / "scenarios" / "point.yaml"
    status, _, err = run_command(small_log, "--calibration-end", END, "--out", out, "--no-uncertainty")
    assert status == 0, err
    text = out.read_text()
    assert "uncertainty" not in yaml.safe_load(text) and "uncertainty" not in text
    assert "warning: uncertainty" not in err


def composed(out: Path, overrides, monkeypatch):
    """``marketing-sim scenario=NAME OVERRIDES`` composed from the scenario file ``out``."""
    monkeypatch.setattr(sim.config, "scenario_dirs", lambda: [out.parent])
    try:
        return sim.compose(out.stem, ["progress=false", *overrides])
    finally:
        ConfigStore.instance().repo["scenario"].pop(out.name, None)


def test_the_uncertainty_passes_the_gate_and_runs_drawn_and_off(small_log, tmp_path, monkeypatch):
    """The written mapping composes and validates as marketing-sim reads it; a run draws its
    entries; with uncertainty={} the run is the one --no-uncertainty writes, the point forecast."""
    out, point = tmp_path / "scenarios" / "shop.yaml", tmp_path / "scenarios" / "point.yaml"
    for path, extra in ((out, []), (point, ["--no-uncertainty"])):
        status, _, err = run_command(small_log, "--calibration-end", END, "--out", path, *extra)
        assert status == 0, err
    written = yaml.safe_load(out.read_text())["uncertainty"]
    assert written, "the small log's fits carry some uncertainty"
    cfg = composed(out, ["replications=2"], monkeypatch)
    assert [entry.path for entry in validate(cfg).uncertainty] == list(written)
    result = sim.run(cfg)
    assert list(result.inputs) == list(written)
    values = yaml.safe_load(out.read_text())
    for path, drawn in result.inputs.items():
        assert drawn[0] == drawn[1] != at(values, path), path     # one draw per pair, not the estimate
    off = sim.run(composed(out, ["replications=2", "uncertainty={}"], monkeypatch))
    assert off.inputs == {}
    np.testing.assert_equal(off.metrics, sim.run(composed(point, ["replications=2"], monkeypatch)).metrics)


def test_the_gross_margin_is_written_when_given_and_warned_about_when_not(written, tmp_path):
    status, err, out, data = written["cdnow_sample"]
    assert "warning: economics.gross_margin: not given, the scenario uses the simulator's default 0.4" in err
    assert "economics" not in yaml.safe_load(out.read_text())
    given = tmp_path / "margin.yaml"
    status, _, err = run_command(data, "--calibration-end", "1997-09-30", "--out", given, "--gross-margin", "0.25",
                                 "--no-uncertainty")
    assert status == 0 and "gross_margin" not in err
    assert yaml.safe_load(given.read_text())["economics"] == {"gross_margin": 0.25}
    assert "# Gross margin: 0.25 (--gross-margin)" in given.read_text()
    status, _, err = run_command(data, "--calibration-end", "1997-09-30", "--out", tmp_path / "bad.yaml",
                                 "--gross-margin", "40")
    assert status == 2 and err.strip() == "error: --gross-margin = 40: must be a share of revenue in [0, 1]"
    assert not (tmp_path / "bad.yaml").exists()


def test_the_ltv_window_is_the_one_asked_for(written, tmp_path):
    _, _, out, data = written["cdnow_sample"]
    assert yaml.safe_load(out.read_text())["horizon"]["ltv_days"] == 365
    two_years = tmp_path / "two_years.yaml"
    status, _, err = run_command(data, "--calibration-end", "1997-09-30", "--out", two_years, "--ltv-days", "730",
                                 "--no-uncertainty", "--gross-margin", "0.4")
    assert status == 0, err
    assert yaml.safe_load(two_years.read_text())["horizon"]["ltv_days"] == 730
    status, _, err = run_command(data, "--calibration-end", "1997-09-30", "--out", tmp_path / "bad.yaml",
                                 "--ltv-days", "0")
    assert status == 2 and err.strip() == "error: --ltv-days = 0: must be a whole number of days >= 1"
