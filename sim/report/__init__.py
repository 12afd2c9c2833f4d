"""Reports to send on: ``report.html`` and ``summary.txt`` of a run, a comparison or a sweep.

    marketing-sim report DIR              # rebuild both from what the directory holds

The HTML is one self-contained file: styles inline, figures embedded as PNG
data, no script and no address outside it, so it opens the same from an
e-mail attachment, a shared drive or a browser with no network. It reads,
top to bottom, as a strategist would ask:

1. the question, from the scenario's (or named sweep's) header comment;
2. the headline metrics with their 90 % intervals and what each means in
   words, and the enabled policies' metrics;
3. the assumptions sheet: every input that differs from the ``base``
   scenario, the uncertain inputs with the range of their draws, and every
   input of the run folded away below;
4. the figures the directory holds.

``summary.txt`` beside it holds the table the command printed. Nothing here
simulates: a report is built from a Result (or a collected sweep) and the
files of its directory.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .comparison import comparison_report
from .html import REPORT, SUMMARY
from .run import meaning, run_report, summary_title
from .sections import header_comment
from .sweep import best_job, edges, sweep_findings, sweep_report

__all__ = ["REPORT", "SUMMARY", "run_report", "summary_title", "comparison_report", "sweep_report", "main",
           "meaning", "header_comment", "best_job", "edges", "sweep_findings"]

USAGE = """usage: marketing-sim report DIR

Rebuild report.html and summary.txt in DIR: a run directory (metrics.json), a comparison
directory (comparison.json) or a sweep directory (plan.json)."""


def main(arguments: list[str]) -> None:
    """``marketing-sim report DIR``: rebuild the report of a run, comparison or sweep directory.

    Exit 2 with one line for bad usage or a directory that holds none of them.
    """
    if len(arguments) != 1 or arguments[0].startswith("-"):
        print(USAGE, file=sys.stderr if arguments[:1] not in (["-h"], ["--help"]) else sys.stdout)
        sys.exit(0 if arguments[:1] in (["-h"], ["--help"]) else 2)
    from ..comparison import COMPARISON

    directory = Path(arguments[0])
    if (directory / "metrics.json").exists():
        path = run_report(directory)
    elif (directory / COMPARISON).exists():
        path = comparison_report(directory)
    elif (directory / "plan.json").exists():
        path = sweep_report(directory)
    else:
        print(f"error: {directory}: not a complete run (no metrics.json), comparison (no comparison.json) "
              "or sweep (no plan.json)", file=sys.stderr)
        sys.exit(2)
    print(f"report: {path}")
