"""Collect a sweep: one row per job of a multirun directory.

    python -m sim.collection multirun/2026-11-23/10-00-00          # writes collected.csv there
    marketing-sim-collect multirun/... --out sweep.csv
    marketing-sim-collect multirun/... --out sweep.parquet           # parquet (needs pyarrow)

A sweep run by ``marketing-sim -m`` writes its plan (plan.json: every job's
overrides, or Optuna's n_trials) into its sweep directory before the first
job, and each job writes identity.json (the plan's id, its job number, its
config hash) before its results. The collector lists every planned job, in
job order, with its status:

``complete``     metrics.json, written last by the job of this plan
``failed``       error.json, its message in ``error``
``incomplete``   started for this plan but stopped before either (killed, Ctrl-C)
``not_started``  no directory holds this plan's job yet

A job directory of a planned sweep that another plan left (an earlier sweep
into the same directory) is not this sweep's result and is left out.
Directories outside any plan (sweeps from before plans existed) are listed
by the files they hold: complete, failed or incomplete.

A row holds the run's overrides as columns, its status and error, and every
metric with its interval (``cac``, ``cac_p05``, ``cac_p95``); ``Table.to_frame``
gives it as a pandas DataFrame, wide like this or long (one row per job and
metric). The command
exits with code 1 when a job is not complete, 2 on bad usage or a directory
without jobs; rerunning the same sweep into the same directory redoes only
the jobs not complete.
"""
from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

import yaml

FIXED = ("run", "status", "error")
STATUSES = ("complete", "failed", "incomplete", "not_started")


class Table:
    """Rows of a collected sweep, with CSV, pandas and parquet views.

    ``overrides`` names the columns that hold a job's overrides; every other
    column after :data:`FIXED` is a metric or one of its interval bounds.
    """

    def __init__(self, rows: list[dict], overrides=()):
        self.rows = rows
        keys = dict.fromkeys(k for row in rows for k in row)
        self.columns = [*FIXED, *(k for k in keys if k not in FIXED)]
        self.overrides = list(overrides)
        bounds = {name + suffix for name in keys for suffix in ("_p05", "_p95")}
        self.metrics = [k for k in self.columns if k not in (*FIXED, *self.overrides) and k not in bounds]
        """Metric columns in column order, without their ``_p05``/``_p95`` bounds."""

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def failed(self) -> list[dict]:
        """Rows of jobs that did not complete (failed, incomplete or not started)."""
        return [row for row in self.rows if row["status"] != "complete"]

    def counts(self) -> dict:
        """Number of rows per status, every status of :data:`STATUSES` included."""
        counts = Counter(row["status"] for row in self.rows)
        return {status: counts[status] for status in STATUSES}

    def column(self, name: str) -> list:
        return [row.get(name) for row in self.rows]

    def to_csv(self, path) -> Path:
        path = Path(path)
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=self.columns)
            writer.writeheader()
            writer.writerows(self.rows)
        return path

    def to_frame(self, long: bool = False):
        """The table as a pandas DataFrame: wide (a row per job, as :attr:`columns`) or ``long``
        (a row per job and metric: mean, p05, p95); see :func:`sim.frames.sweep_frame`.

        Raise ImportError naming the extra to install if pandas is missing.
        """
        from .frames import sweep_frame     # here, as sim.frames imports this module
        return sweep_frame(self, long)

    def to_parquet(self, path, long: bool = False) -> Path:
        """Write :meth:`to_frame` (wide or ``long``) to the parquet file ``path``; return the path.

        Raise ImportError naming the extra to install if pandas or pyarrow is missing.
        """
        from .frames import write_parquet   # here, as sim.frames imports this module
        write_parquet(self, path, long)
        return Path(path)


def collect(multirun_dir) -> Table:
    """One row per job under ``multirun_dir`` (any depth): each plan's jobs in
    job order, then the job directories outside any plan, in job order.

    Raise FileNotFoundError if the directory holds neither a plan nor a job.
    """
    root = Path(multirun_dir)
    runs = sorted((p.parent.parent for p in root.glob("**/.hydra/overrides.yaml")), key=_job_order)
    rows, swept = [], {}               # swept: every override column, in the order first seen
    for plan_file in sorted(root.glob("**/plan.json"), key=_job_order):
        sweep, plan = plan_file.parent, json.loads(plan_file.read_text())
        inside = [run for run in runs if sweep in run.parents]
        runs = [run for run in runs if run not in inside]
        ran = {}                        # job number -> its directory, for this plan's jobs
        for run in inside:
            identity = _read_json(run / "identity.json")
            if identity.get("plan") == plan["id"]:
                ran[identity["job"]] = run
        jobs = plan["jobs"] if "jobs" in plan else [[] for _ in range(plan["n_trials"])]
        for job, overrides in enumerate(jobs):
            if job in ran:
                columns = _run_overrides(ran[job])
                rows.append(_row(root, ran[job], columns))
            else:
                columns = _columns(overrides)
                rows.append({"run": str((sweep / str(job)).relative_to(root)), "status": "not_started",
                             "error": "", **columns})
            swept.update(dict.fromkeys(columns))
    for run in runs:
        columns = _run_overrides(run)
        rows.append(_row(root, run, columns))
        swept.update(dict.fromkeys(columns))
    if not rows:
        raise FileNotFoundError(f"{root}: no runs found (no plan.json or .hydra/overrides.yaml below it)")
    return Table(rows, overrides=swept)


def _job_order(path: Path):
    return tuple(int(part) if part.isdigit() else part for part in path.parts)


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def _run_overrides(run: Path) -> dict:
    """The overrides a job ran with (its ``.hydra/overrides.yaml``) as columns."""
    return _columns(yaml.safe_load((run / ".hydra" / "overrides.yaml").read_text()) or [])


def _row(root: Path, run: Path, overrides: dict) -> dict:
    row = {"run": str(run.relative_to(root)), "status": "incomplete", "error": "", **overrides}
    if (run / "metrics.json").exists():
        row["status"] = "complete"
        for name, value in json.loads((run / "metrics.json").read_text()).items():
            if isinstance(value, dict):
                row[name], row[name + "_p05"], row[name + "_p95"] = value["mean"], value["p05"], value["p95"]
            else:
                row[name] = value
    elif (run / "error.json").exists():
        error = json.loads((run / "error.json").read_text())
        row.update(status="failed", error=f"{error['error']}: {error['message']}")
    return row


def _columns(overrides: list) -> dict:
    """Overrides as columns: key -> value (parsed as YAML where it can be)."""
    columns = {}
    for override in overrides:
        key, _, value = str(override).lstrip("+~").partition("=")
        columns[key] = _value(value)
    return columns


def _value(text: str):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def main(arguments=None) -> None:
    """``python -m sim.collection DIR [--out FILE.csv|FILE.parquet]``: write the table (parquet
    for a ``.parquet`` name, needing pyarrow), print the counts and one line per job not
    complete; exit 1 if any, 2 on bad usage, a directory without jobs or pyarrow missing."""
    arguments = sys.argv[1:] if arguments is None else arguments
    if not arguments or arguments[0].startswith("-"):
        print("usage: python -m sim.collection MULTIRUN_DIR [--out FILE.csv|FILE.parquet]", file=sys.stderr)
        sys.exit(2)
    directory = Path(arguments[0])
    out = Path(arguments[arguments.index("--out") + 1]) if "--out" in arguments else directory / "collected.csv"
    try:
        table = collect(directory)
        if out.suffix == ".parquet":
            table.to_parquet(out)
        else:
            table.to_csv(out)
    except (FileNotFoundError, ImportError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    counts = table.counts()
    print(f"{len(table)} planned: " + ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in counts.items())
          + f" -> {out}")
    for row in table.failed():
        print(f"  {row['run']}: {row['status']} {row['error']}".rstrip())
    if table.failed():
        sys.exit(1)


if __name__ == "__main__":
    main()
