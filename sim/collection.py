"""Collect a sweep: one row per run of a multirun directory.

    python -m sim.collection multirun/2026-11-23/10-00-00          # writes collected.csv there
    marketing-sim-collect multirun/... --out sweep.csv

A row holds the run's overrides as columns, its status (``complete`` with
metrics.json, ``failed`` with error.json and its message, ``incomplete``
when it stopped before either) and every metric with its interval
(``cac``, ``cac_p05``, ``cac_p95``). Failed and unfinished runs are listed,
not dropped; rerunning the same sweep into the same directory redoes only them.
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import yaml

FIXED = ("run", "status", "error")


class Table:
    """Rows of a collected sweep, with CSV and pandas views."""

    def __init__(self, rows: list[dict]):
        self.rows = rows
        keys = dict.fromkeys(k for row in rows for k in row)
        self.columns = [*FIXED, *(k for k in keys if k not in FIXED)]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def failed(self) -> list[dict]:
        """Rows of runs that did not complete (failed or unfinished)."""
        return [row for row in self.rows if row["status"] != "complete"]

    def column(self, name: str) -> list:
        return [row.get(name) for row in self.rows]

    def to_csv(self, path) -> Path:
        path = Path(path)
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=self.columns)
            writer.writeheader()
            writer.writerows(self.rows)
        return path

    def to_frame(self):
        """The table as a pandas DataFrame (needs pandas)."""
        import pandas as pd
        return pd.DataFrame(self.rows, columns=self.columns)


def collect(multirun_dir) -> Table:
    """One row per run found under ``multirun_dir`` (any depth), in job order.

    Raise FileNotFoundError if the directory holds no run.
    """
    root = Path(multirun_dir)
    runs = sorted((p.parent.parent for p in root.glob("**/.hydra/overrides.yaml")), key=_job_order)
    if not runs:
        raise FileNotFoundError(f"{root}: no runs found (no .hydra/overrides.yaml below it)")
    return Table([_row(root, run) for run in runs])


def _job_order(path: Path):
    return tuple(int(part) if part.isdigit() else part for part in path.parts)


def _row(root: Path, run: Path) -> dict:
    row = {"run": str(run.relative_to(root)), "status": "incomplete", "error": ""}
    for override in yaml.safe_load((run / ".hydra" / "overrides.yaml").read_text()) or []:
        key, _, value = str(override).lstrip("+~").partition("=")
        row[key] = _value(value)
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


def _value(text: str):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def main(arguments=None) -> None:
    arguments = sys.argv[1:] if arguments is None else arguments
    if not arguments or arguments[0].startswith("-"):
        print("usage: python -m sim.collection MULTIRUN_DIR [--out FILE.csv]", file=sys.stderr)
        sys.exit(2)
    directory = Path(arguments[0])
    out = Path(arguments[arguments.index("--out") + 1]) if "--out" in arguments else directory / "collected.csv"
    try:
        table = collect(directory)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    table.to_csv(out)
    done = len(table) - len(table.failed())
    print(f"{len(table)} runs, {done} complete -> {out}")
    for row in table.failed():
        print(f"  {row['run']}: {row['status']} {row['error']}".rstrip())


if __name__ == "__main__":
    main()
