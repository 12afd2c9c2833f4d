"""The Result of a run: metrics with intervals across replications, daily series, cohorts.

Every metric is reported as the mean over replications with a 90 % interval
(5th to 95th percentile); a metric undefined (NaN) in any replication is
undefined in the aggregate too, rather than averaged over the replications
where it happened to be defined. Series and tables are means over replications.
:meth:`Result.save` writes a run directory atomically: every file goes to a
temporary name first and ``metrics.json``, written last, marks it complete.
"""
from __future__ import annotations

import csv
import json
import math
import os
import warnings
from pathlib import Path

import numpy as np

from .frames import daily_frame, replication_dataset
from .metrics import Outcome
from .uncertainty import PER_DRAW, variance_split

SUMMARY_ROWS = (
    ("CAC (blended)", "cac"), ("CAC (paid)", "cac_paid"), ("CPA (per lead)", "cpa"), ("LTV", "ltv"),
    ("LTV / CAC", "ltv_cac"), ("Payback (days)", "payback_days"),
    ("ROI first purchase", "roi_first_purchase"), ("ROI on LTV", "roi_ltv"),
    ("Repeat-purchase rate", "repeat_purchase_rate"), ("Churn rate (LTV window)", "churn_rate"),
    ("Referral share", "referral_share"), ("k-factor", "k_factor"),
    ("Acquisition spend", "acquisition_spend"), ("Customers acquired", "customers"),
    ("Profit (whole run)", "profit"), ("Profit, discounted (LTV window)", "profit_npv"),
)


class Result:
    """Metrics, daily series and cohorts of a run, aggregated over replications."""

    def __init__(self, metrics: dict, intervals: dict, daily: dict, cohorts: dict,
                 retention: np.ndarray, replications: int, config: dict | None = None,
                 per_replication: dict | None = None, response: dict | None = None,
                 inputs: dict | None = None, variance: dict | None = None,
                 daily_per_replication: dict | None = None):
        self.metrics = metrics
        """Metric name -> mean over replications (NaN where undefined)."""
        self.intervals = intervals
        """Metric name -> (5th, 95th percentile) over replications."""
        self.daily = daily
        """Series name -> mean value per day; includes day, active, new_customers, revenue, acquisition_spend."""
        self.cohorts = cohorts
        """Column -> value per acquisition cohort (mean over replications)."""
        self.retention = retention
        """Share of acquired customers active at each age in days (mean over replications)."""
        self.replications = replications
        self.config = config or {}
        """The checked configuration that produced this result."""
        self.per_replication = per_replication or {}
        """Metric name -> array of one value per replication."""
        self.bands = {}
        """Series or cohort column -> (5th, 95th percentile) arrays over replications (not saved)."""
        self.response = response or {}
        """Channel -> response-curve table (scale, daily_budget, spend, customers, cac), mean over replications."""
        self.inputs = inputs or {}
        """Uncertain input path -> array of its drawn value per replication (empty without ``uncertainty``)."""
        self.variance = variance or {}
        """With uncertain inputs: metric -> its variance split (``sim.uncertainty.variance_split``)."""
        self.daily_per_replication = daily_per_replication or {}
        """Series name -> array (replications × days), one row per replication; empty for a
        Result read by :meth:`load`, since a run directory keeps only the means (not saved)."""

    @classmethod
    def from_outcomes(cls, outcomes: list[Outcome], config: dict | None = None,
                      inputs: list[dict] | None = None) -> "Result":
        """Aggregate one Outcome per replication; ``inputs`` are each replication's uncertain-input draws."""
        names = list(outcomes[0].metrics)
        per_rep_daily = {k: np.array([o.daily[k] for o in outcomes], dtype=float) for k in outcomes[0].daily}
        per_rep = {n: np.array([o.metrics[n] for o in outcomes], dtype=float) for n in names}
        metrics, intervals = {}, {}
        for name, values in per_rep.items():
            metrics[name] = float(values.mean())
            intervals[name] = tuple(float(q) for q in np.percentile(values, [5, 95]))
        result = cls(
            metrics, intervals,
            daily={k: values.mean(axis=0) for k, values in per_rep_daily.items()} | {"day": _days(outcomes[0].daily)},
            cohorts={k: _nanmean([o.cohorts[k] for o in outcomes]) for k in outcomes[0].cohorts},
            retention=_nanmean([o.retention for o in outcomes]),
            replications=len(outcomes), config=config, per_replication=per_rep,
            response={channel: {k: _nanmean([o.response[channel][k] for o in outcomes])
                                for k in table} for channel, table in outcomes[0].response.items()},
            daily_per_replication=per_rep_daily,
        )
        if inputs and inputs[0]:
            result.inputs = {path: np.array([drawn[path] for drawn in inputs], dtype=float) for path in inputs[0]}
            result.variance = {name: variance_split(values) for name, values in per_rep.items()}
        result.bands = {"daily." + key: _band(values) for key, values in per_rep_daily.items()}
        for key in outcomes[0].cohorts:
            result.bands["cohorts." + key] = _band(np.array([o.cohorts[key] for o in outcomes], dtype=float))
        return result

    @property
    def currency(self) -> str:
        """The code every amount is read in (``economics.currency``)."""
        from .config import EconomicsConfig
        return (self.config.get("economics") or {}).get("currency", EconomicsConfig.currency)

    def dates(self, days=None) -> np.ndarray:
        """The dates (numpy datetime64[D]) of ``days`` of the run (default: every day), day 0
        being ``calendar.start_date``."""
        from .config import CalendarConfig
        start = (self.config.get("calendar") or {}).get("start_date", CalendarConfig.start_date)
        days = self.daily["day"] if days is None else days
        return np.datetime64(str(start), "D") + np.asarray(days, dtype=np.int64)

    def to_frame(self, long: bool = False):
        """The daily series (means over replications) as a pandas DataFrame: wide, a row per day
        indexed by day with a ``date`` column and a column per series, or ``long``, a row per day
        and series (day, date, series, source, value); see :func:`sim.frames.daily_frame`.

        Raise ImportError naming the extra to install if pandas is missing.
        """
        return daily_frame(self, long)

    def to_xarray(self):
        """Every replication as an xarray Dataset: each daily series over (replication, day), the
        metrics over (replication, metric); see :func:`sim.frames.replication_dataset`.

        Raise ImportError naming the extra to install if xarray is missing, and ValueError for
        a Result read by :meth:`load`, which holds only the means.
        """
        return replication_dataset(self)

    def metrics_record(self) -> dict:
        """Metrics as written to metrics.json: a number each, or mean/p05/p95 with replications.

        With uncertain inputs each metric also has ``input_share``, the share
        of its variance across replications that the inputs explain (the rest
        is simulation noise), and ``uncertain_inputs`` lists their paths.
        """
        if self.replications == 1:
            return {k: _json_number(v) for k, v in self.metrics.items()}
        record = {k: {"mean": _json_number(v), "p05": _json_number(self.intervals[k][0]),
                      "p95": _json_number(self.intervals[k][1])} for k, v in self.metrics.items()}
        if self.inputs:
            for name, entry in record.items():
                entry["input_share"] = _json_number(self.variance[name]["input_share"])
            record["uncertain_inputs"] = list(self.inputs)
        return record

    def summary(self, title: str = "marketing-sim") -> str:
        """A readable table of the headline metrics and, per acquisition source, customers, CAC and LTV.

        With uncertain inputs the interval combines them with simulation
        noise, and a column gives the share of each metric's variance that
        the inputs explain; without them a line says the interval is noise
        only. A line says that the rows without a source are blended over
        every source, and one under the table, with an interval, that the
        marginal CAC of a channel whose kind reads it off the expected response
        curve (``Channel.marginal_from_curve``) comes from there. The CAC and payback of a source with no
        acquisition spend (its CAC is 0: organic, unrewarded referral, given
        arrivals) read "n/a", and a payback under a day "< 1" (the first
        purchase pays the CAC back); ``metrics`` keep their values.
        """
        with_interval = self.replications > 1
        split = bool(self.inputs)
        rows = [(label, key) for label, key in SUMMARY_ROWS if key in self.metrics]
        rows += self.policy_rows()
        for source in self._sources():
            rows += [(f"{source}: customers", "customers." + source),
                     (f"{source}: CAC", "cac." + source), (f"{source}: marginal CAC", "marginal_cac." + source),
                     (f"{source}: LTV", "ltv." + source)]
        rows = [(label, key) for label, key in rows if key in self.metrics]
        width = max(len(label) for label, _ in rows) + 2
        header = (f"{'':<{width}}{'mean':>12}" + (f"{'5%':>12}{'95%':>12}" if with_interval else "")
                  + (f"{'from inputs':>13}" if split else ""))
        lines = [f"{title}: {self.replications} replication(s)"
                 + (", 90 % interval across them" if with_interval else "") + f"; amounts in {self.currency}"]
        if with_interval and not split:
            lines.append("the interval is simulation noise only: no input is declared uncertain "
                         "(`uncertainty`, docs/model.md *Uncertain inputs*)")
        lines.append("rows without a source count every customer acquired, organic and referral "
                     "included (CAC (paid): paid channels only); per source below")
        if split:
            lines.append(f"uncertain inputs ({len(self.inputs)}), one draw per {PER_DRAW} replications:")
            lines += [f"  {path}" for path in self.inputs]
            lines.append("the interval holds input uncertainty and simulation noise; 'from inputs' is "
                         "the share of the variance the inputs explain")
        lines.append(header)

        for label, key in rows:
            line = f"{label:<{width}}{self.shown(key, self.metrics[key]):>12}"
            if with_interval:
                line += "".join(f"{self.shown(key, bound):>12}" for bound in self.intervals[key])
            if split:
                share = self.variance[key]["input_share"]
                line += f"{'n/a' if not math.isfinite(share) else f'{share:.0%}':>13}"
            lines.append(line)
        curves = self._channels_marginal_from_curve()
        if curves and with_interval:
            lines.append(f"marginal CAC of {', '.join(curves)}: read off the expected response curve along "
                         "each run's reach, not counted from simulated customers, so simulation noise "
                         "hardly moves it; uncertain inputs do")
        return "\n".join(lines)

    def shown(self, key: str, value: float) -> str:
        """``value`` of metric ``key`` as tables show it: "n/a" for the CAC, and the payback, of a
        source with no acquisition spend (:meth:`cost_free`), "< 1" for a payback under a day (the
        first purchase pays the CAC back), else :func:`format_number`."""
        measure, _, source = key.partition(".")
        cac = "cac" if measure == "payback_days" else measure      # the CAC a payback pays back
        if cac in ("cac", "cac_paid") and self.cost_free(cac + (f".{source}" if source else "")):
            return "n/a"
        if measure == "payback_days" and 0 <= value < 1:
            return "< 1"
        return format_number(value)

    def cost_free(self, cac: str) -> bool:
        """Whether the customers CAC metric ``cac`` (``cac``, ``cac_paid``, ``cac.<source>``) counts had no
        acquisition spend: a CAC of 0 (spend over customers) says nothing of what a customer costs."""
        return self.metrics.get(cac) == 0

    def policy_rows(self) -> list[tuple[str, str]]:
        """(label, metric) of what each enabled policy reports (its kind's ``SUMMARY``), in config order."""
        from .policies import KINDS

        rows = []
        for name, spec in (self.config.get("policies") or {}).items():
            cls = KINDS.get((spec or {}).get("kind", name))
            rows += [(f"{name}: {label}", key) for label, key in getattr(cls, "SUMMARY", ())
                     if key in self.metrics]
        return rows

    def _channels_marginal_from_curve(self) -> list[str]:
        """Channels in the summary whose marginal CAC comes from their expected response curve."""
        from .channels import KINDS

        channels = self.config.get("channels") or {}
        return [name for name in self._sources() if "marginal_cac." + name in self.metrics
                and getattr(KINDS.get((channels.get(name) or {}).get("kind")), "marginal_from_curve", False)]

    def _sources(self) -> list[str]:
        """Acquisition sources that brought customers (channels first), for the summary."""
        names = [k.split(".", 1)[1] for k in self.metrics if k.startswith("customers.")]
        return [n for n in names if n != "initial" and self.metrics["customers." + n] > 0]

    def save(self, directory: str | os.PathLike) -> Path:
        """Write daily.csv, cohorts.csv, retention.csv, response_curves.csv, config.json, then metrics.json."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        write_csv(directory / "daily.csv", {"day": self.daily["day"], "date": self.dates().astype(str),
                                            **self.daily})
        start_day = self.cohorts.get("cohort_start_day", np.empty(0))
        write_csv(directory / "cohorts.csv", {"cohort_start_day": start_day,
                                              "cohort_start_date": self.dates(start_day).astype(str), **self.cohorts})
        write_csv(directory / "retention.csv",
                   {"age_days": np.arange(self.retention.size), "active_share": self.retention})
        write_csv(directory / "response_curves.csv", _long(self.response))
        if self.inputs:
            write_csv(directory / "replications.csv", {
                "replication": np.arange(self.replications), **self.inputs, **self.per_replication})
        _write_text(directory / "config.json", json.dumps(
            {"replications": self.replications, "config": self.config}, indent=2))
        _write_text(directory / "metrics.json", json.dumps(self.metrics_record(), indent=2))
        return directory

    @classmethod
    def load(cls, directory: str | os.PathLike) -> "Result":
        """Read a run directory written by :meth:`save` (with uncertain inputs, their draws too)."""
        directory = Path(directory)
        record = json.loads((directory / "metrics.json").read_text())
        meta = json.loads((directory / "config.json").read_text())
        metrics, intervals = {}, {}
        inputs = record.pop("uncertain_inputs", [])
        for key, value in record.items():
            if isinstance(value, dict):
                metrics[key] = _number(value["mean"])
                intervals[key] = (_number(value["p05"]), _number(value["p95"]))
            else:
                metrics[key] = _number(value)
                intervals[key] = (metrics[key], metrics[key])
        table = read_csv(directory / "replications.csv") if inputs else {}
        per_replication = {k: v for k, v in table.items() if k in metrics}
        daily = read_csv(directory / "daily.csv")
        daily.pop("date", None)                 # derived from day and calendar.start_date
        daily["day"] = _days(daily)
        cohorts = read_csv(directory / "cohorts.csv")
        cohorts.pop("cohort_start_date", None)      # derived from cohort_start_day and calendar.start_date
        return cls(metrics, intervals, daily, cohorts,
                   read_csv(directory / "retention.csv")["active_share"],
                   meta["replications"], meta["config"], per_replication=per_replication,
                   response=_wide(read_csv(directory / "response_curves.csv")),
                   inputs={path: table[path] for path in inputs},
                   variance={k: variance_split(v) for k, v in per_replication.items()})


def write_error(directory: str | os.PathLike, error: BaseException) -> Path:
    """Record a failed run: error.json with the error's type and message (no metrics.json)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "error.json"
    _write_text(path, json.dumps({"error": type(error).__name__, "message": str(error)}, indent=2))
    return path


def _days(daily: dict) -> np.ndarray:
    """The run's days as integers: a day is an index, not a quantity averaged over replications."""
    return np.asarray(daily["day"]).astype(np.int64)


def _nanmean(arrays) -> np.ndarray:
    stacked = np.array(arrays, dtype=float)
    counts = (~np.isnan(stacked)).sum(axis=0)
    sums = np.nansum(stacked, axis=0)
    return np.divide(sums, counts, out=np.full(sums.shape, np.nan), where=counts > 0)


def _json_number(value: float):
    return None if value is None or (isinstance(value, float) and not math.isfinite(value)) else value


def _number(value) -> float:
    return math.nan if value is None else float(value)


def format_number(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"


def _write_text(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def write_csv(path: Path, columns: dict) -> None:
    """Write ``{name: values}`` as a CSV with a header, under a ``.tmp`` name renamed once whole."""
    temporary = path.with_name(path.name + ".tmp")
    names = list(columns)
    with temporary.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        writer.writerows(zip(*(np.asarray(columns[n]).tolist() for n in names)))
    os.replace(temporary, path)


def read_csv(path: Path) -> dict:
    """Read a CSV written by :func:`write_csv`: numbers as float arrays, text columns (:data:`TEXT_COLUMNS`) as text."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    columns = {name: [r[i] for r in rows[1:]] for i, name in enumerate(rows[0])}
    return {name: np.array(values) if name in TEXT_COLUMNS else np.array(values, dtype=float)
            for name, values in columns.items()}


#: CSV columns that hold text, not numbers.
TEXT_COLUMNS = ("channel", "date", "cohort_start_date")


def _long(tables: dict) -> dict:
    """Per-channel tables as one long table with a ``channel`` column."""
    columns = ["scale", "daily_budget", "spend", "customers", "cac"]
    long = {"channel": [name for name, t in tables.items() for _ in t["scale"]]}
    long.update({c: np.concatenate([t[c] for t in tables.values()]) if tables else [] for c in columns})
    return long


def _wide(long: dict) -> dict:
    if "channel" not in long:
        return {}
    return {name: {k: v[long["channel"] == name] for k, v in long.items() if k != "channel"}
            for name in dict.fromkeys(long["channel"].tolist())}


def _band(stacked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """5th and 95th percentiles over replications (rows), ignoring NaN.

    ``nanpercentile`` works column by column, so only the columns that hold
    a NaN (say, an empty cohort) go through it.
    """
    low, high = np.percentile(stacked, [5, 95], axis=0)
    gaps = np.isnan(stacked).any(axis=0)
    if gaps.any():
        with warnings.catch_warnings():      # an empty cohort is NaN in every replication
            warnings.simplefilter("ignore", RuntimeWarning)
            low[gaps], high[gaps] = np.nanpercentile(stacked[:, gaps], [5, 95], axis=0)
    return low, high
