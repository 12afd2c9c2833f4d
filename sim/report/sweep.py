"""The report of a sweep: the best job on the objective, what to know before reading it as an
optimum (the grid's edge, overlapping intervals, rough intervals), the jobs and the objective
against the swept input."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

from ..config import sweep_files
from ..plot import metric_label
from ..results import format_number
from .html import REPORT, SUMMARY, drawn, escape, figure, html_table, page, write
from .sections import about, header, question

def sweep_report(directory) -> Path:
    """Write ``report.html`` and ``summary.txt`` of the sweep in ``directory`` (its plan.json and
    job directories, ``sim.collect``); return the report's path.

    The report names the best job on the sweep's objective and says when that
    job's swept value lies on the edge of the grid (the optimum may lie beyond
    it) and when its interval overlaps the runner-up's (the grid does not
    tell them apart).
    """
    import yaml

    from ..collection import collect

    directory = Path(directory)
    table = collect(directory)
    plan = json.loads((directory / "plan.json").read_text()) if (directory / "plan.json").exists() else {}
    recorded = yaml.safe_load((directory / "multirun.yaml").read_text()) if \
        (directory / "multirun.yaml").exists() else {}
    choices = (recorded or {}).get("hydra", {}).get("runtime", {}).get("choices", {})
    objective = (recorded or {}).get("objective", "profit")
    grid = swept(table)
    best = best_job(table, objective, plan.get("direction"))
    findings = sweep_findings(table, best, objective, grid, plan)
    name = choices.get("sweep") or choices.get("scenario") or directory.name
    counts = table.counts()
    job = _first_config(directory, table)
    replications = job.get("replications")
    currency = (job.get("config", {}).get("economics") or {}).get("currency")
    if replications is not None and replications < ENOUGH_REPLICATIONS:
        findings.append(f"Each job ran {replications} replication(s): its interval is rough. Run the jobs "
                        f"that matter with replications={ENOUGH_REPLICATIONS} or more before deciding.")
    line = (f"{len(table)} jobs: " + ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in counts.items() if n)
            + f" · scenario {choices.get('scenario', 'default')} · objective {objective}"
            + (f" · {replications} replication(s) a job" if replications else "")
            + (f" · amounts in {currency}" if currency else ""))
    write(directory / SUMMARY, sweep_summary(table, objective, grid, best, findings) + "\n")
    sweep_file = sweep_files().get(choices.get("sweep")) if choices.get("sweep") else None
    body = [header(f"marketing-sim sweep: {name}", line),
            about(sweep_file, "sweep") if sweep_file else question(choices.get("scenario", "default")),
            _best(table, best, objective, findings, grid),
            _grid(grid),
            _jobs(table, objective, grid),
            _sweep_figures(table, objective, grid, job.get("config"))]
    return write(directory / REPORT, page(f"sweep {name}", body))


#: Metrics a sweep's best job minimises; any other objective is maximised.
LOWER_IS_BETTER = ("cac", "cac_paid", "cpa", "payback_days", "churn_rate", "acquisition_spend")


def swept(table) -> dict:
    """Swept key -> its values in job order: the override columns (``Table.overrides``) whose value
    changes from job to job."""
    values = {key: [row.get(key) for row in table] for key in table.overrides}
    return {key: list(dict.fromkeys(v for v in vals if v is not None)) for key, vals in values.items()
            if len({json.dumps(v, sort_keys=True, default=str) for v in vals}) > 1}


def best_job(table, objective: str, direction: str | None = None) -> dict | None:
    """The complete job with the best mean ``objective`` (lowest for :data:`LOWER_IS_BETTER`), or None."""
    rows = [r for r in table if r["status"] == "complete" and finite(r.get(objective))]
    if not rows:
        return None
    lower = direction == "minimize" or (direction is None and objective.split(".")[0] in LOWER_IS_BETTER)
    return (min if lower else max)(rows, key=lambda r: r[objective])


def sweep_findings(table, best: dict | None, objective: str, grid: dict, plan: dict | None = None) -> list[str]:
    """What to know before reading the best job as an optimum, in sentences.

    The edge of a grid is its lowest and highest value (three values or more);
    for an optimiser's ``interval(low, high)``, the best value within 5 % of
    the interval's width from either end.
    """
    if best is None:
        return ["No job completed with a finite objective: there is no best job."]
    findings = []
    for key, (low, high, near) in edges(grid, plan or {}).items():
        value = best.get(key)
        if finite(value) and (value - low <= near or high - value <= near):
            findings.append(f"The best {key} = {format_number(value)} is on the edge of the grid "
                            f"({format_number(low)} to {format_number(high)}): if {key} is yours to choose, the "
                            "optimum may lie beyond it; widen the grid before deciding. If it is a condition "
                            "you do not choose (a price trend, a market), there is no optimum to find: read "
                            "the jobs as what each condition would do.")
    others = [r for r in table if r is not best and r["status"] == "complete" and finite(r.get(objective))]
    low, high = best.get(objective + "_p05"), best.get(objective + "_p95")
    if others and finite(low) and finite(high):
        close = [r for r in others if finite(r.get(objective + "_p05"))
                 and r[objective + "_p05"] <= high and r[objective + "_p95"] >= low]
        if close:
            named = "; ".join(f"{r['run']} (" + ", ".join(f"{k} = {swept_value(r.get(k))}" for k in grid) + ")"
                              if grid else r["run"] for r in close)
            findings.append(f"{len(close)} other job(s) have a 90 % interval of {objective} that overlaps the "
                            f"best one's: {named}. With these replications the sweep does not tell them apart; add "
                            "replications (common random numbers make the paired difference sharper: "
                            "marketing-sim-compare).")
    return findings


#: Share of an optimiser's interval next to either end that counts as its edge.
EDGE_SHARE = 0.05


def edges(grid: dict, plan: dict) -> dict:
    """Swept key -> (lowest, highest, how near an end counts as on it), for numeric keys with an edge."""
    bounds = {}
    for key, text in (plan.get("search_space") or {}).items():
        match = re.fullmatch(r"\s*(?:tag\([^)]*\)\s*,\s*)?interval\(\s*([^,]+),\s*([^)]+)\)\s*", str(text))
        if match:
            low, high = float(match[1]), float(match[2])
            bounds[key] = (low, high, EDGE_SHARE * (high - low))
    for key, values in grid.items():
        numbers = sorted(v for v in values if finite(v))
        if key not in bounds and len(numbers) > 2 and len(numbers) == len(values):
            bounds[key] = (numbers[0], numbers[-1], 0.0)
    return bounds


def sweep_summary(table, objective: str, grid: dict, best: dict | None, findings: list[str]) -> str:
    """The sweep as text: one line per job (swept values, status, objective with its interval), the best job."""
    keys = list(grid)
    head = ["run", *keys, "status", objective, "5%", "95%"]
    rows = [[r["run"], *(swept_value(r.get(k)) for k in keys), r["status"],
             *(format_number(r.get(objective + s)) if finite(r.get(objective + s)) else "n/a"
               for s in ("", "_p05", "_p95"))] for r in table]
    widths = [max(len(str(x)) for x in column) + 2 for column in zip(head, *rows)]
    lines = ["".join(f"{c:>{w}}" for c, w in zip(line, widths)) for line in [head, *rows]]
    if best is not None:
        lines.append(f"\nbest on {objective}: {best['run']} (" +
                     ", ".join(f"{k} = {swept_value(best.get(k))}" for k in keys) + ")")
    lines += findings
    return "\n".join(lines)


def _best(table, best, objective: str, findings: list[str], grid: dict) -> str:
    parts = ["<h2>Best job</h2>"]
    if best is not None:
        low, high = best.get(objective + "_p05"), best.get(objective + "_p95")
        interval = f" (90 % interval {format_number(low)} to {format_number(high)})" if finite(low) else ""
        where = ", ".join(f"{k} = {swept_value(best.get(k))}" for k in grid)
        parts.append(f"<p>On {escape(metric_label(objective))}, the best job is <b>{escape(best['run'])}</b>"
                     + (f" (<b>{escape(where)}</b>)" if where else "")
                     + f": {escape(format_number(best[objective]))}{escape(interval)}.</p>")
    parts += [f"<p class=warning>{escape(f)}</p>" for f in findings]
    failed = table.failed()
    if failed:
        parts.append(f"<p class=warning>{len(failed)} job(s) did not complete: "
                     + escape(", ".join(f"{r['run']} ({r['status']})" for r in failed)) + ".</p>")
    return "\n".join(parts)


#: Replications a job needs before its interval is worth reading.
ENOUGH_REPLICATIONS = 10


def _first_config(directory: Path, table) -> dict:
    """``config.json`` of the sweep's first complete job (``{"replications", "config"}``), or {}."""
    for row in table:
        path = directory / row["run"] / "config.json"
        if row["status"] == "complete" and path.exists():
            return json.loads(path.read_text())
    return {}


def _grid(grid: dict) -> str:
    if not grid:
        return ""
    return "<h2>The grid</h2>\n" + html_table(["swept input", "values"],
                                           [[k, ", ".join(str(v) for v in vs)] for k, vs in grid.items()])


#: Metrics each job's row shows beside the objective.
SWEEP_COLUMNS = ("customers", "cac", "ltv", "ltv_cac", "payback_days", "profit")


def _jobs(table, objective: str, grid: dict) -> str:
    metrics = list(dict.fromkeys([objective, *SWEEP_COLUMNS]))
    head = ["run", *grid, "status", *(metric_label(m) for m in metrics)]
    cells = [[r["run"], *(swept_value(r.get(k)) for k in grid), r["status"],
              *(format_number(r[m]) if finite(r.get(m)) else "n/a" for m in metrics)] for r in table]
    return "<h2>Jobs</h2>\n" + html_table(head, cells)


def _sweep_figures(table, objective: str, grid: dict, config: dict | None) -> str:
    from .. import plot

    numeric = [k for k, vs in grid.items() if all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                   for v in vs)]
    if not numeric or not any(r["status"] == "complete" for r in table):
        return ""
    x = numeric[0]
    by = next((k for k in grid if k != x), None)
    pictures = [figure(drawn(lambda t, ax, m=m: plot.sweep_lines(t, x, m, by=by, ax=ax, config=config), table),
                       f"{metric_label(m)} against {x}" + (f", one line per {by}" if by else "")
                       + " (band: 90 % interval)")
                for m in dict.fromkeys([objective, "ltv_cac"]) if any(finite(r.get(m)) for r in table)]
    return "<h2>Figures</h2>\n" + "\n".join(pictures)


def swept_value(value) -> str:
    """A swept value as a table shows it: numbers to a readable precision, anything else as written."""
    return format_number(value) if finite(value) and isinstance(value, float) else str(value)


def finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


