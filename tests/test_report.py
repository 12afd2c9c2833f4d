"""report.html and summary.txt of runs, comparisons and sweeps: self-contained, complete, rebuilt on demand."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim import report
from sim.collection import Table
from sim.comparison import Comparison
from sim.results import format_number

SMALL = ["horizon.acquisition_days=30", "horizon.ltv_days=60", "market.size=200000"]


def cli(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """private_domain, 3 replications, an uncertain input: every section of a run's report has content."""
    directory = tmp_path_factory.mktemp("report") / "run"
    done = cli("scenario=private_domain", "replications=4", *SMALL, f"hydra.run.dir={directory}",
               "+uncertainty={channels.feed_ads.activation_prob: {dist: beta, a: 20, b: 80}}",
               cwd=directory.parent)
    assert done.returncode == 0, done.stderr
    return directory


def images(page: str) -> list[bytes]:
    return [base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]


def test_a_run_report_is_self_contained_with_every_figure_embedded(run_dir):
    page = (run_dir / "report.html").read_text()
    assert "<script" not in page
    assert not re.search(r'(src|href)="(?!data:)', page)          # no file, address or network reference
    embedded = images(page)
    written = sorted(run_dir.glob("*.png"))
    assert len(written) >= 7 and len(embedded) == len(written)
    assert {bytes(png) for png in embedded} == {p.read_bytes() for p in written}


def test_a_run_report_starts_with_the_question_then_headline_metrics_with_intervals(run_dir):
    page = (run_dir / "report.html").read_text()
    result = sim.Result.load(run_dir)
    question = page.index("What does the pool do to repeat purchase")      # scenarios/private_domain.yaml
    headline = page.index("<h2>Headline</h2>")
    assert question < headline < page.index("<h2>Assumptions</h2>") < page.index("<h2>Figures</h2>")
    low, high = result.intervals["cac"]
    assert f"Acquiring one customer costs {format_number(result.metrics['cac'])} CNY" in page
    assert f"(90 % interval {format_number(low)} to {format_number(high)})" in page
    assert "<h2>Policies</h2>" in page and "pool: members" in page
    assert f"<td>pool: join rate</td><td class=n>{result.metrics['pool_join_rate']:.1%}</td>" in page
    assert "<td>pool: operating spend (CNY)</td>" in page
    assert "from inputs" in page                                      # the variance split of uncertain inputs


def test_the_assumptions_sheet_lists_what_differs_from_base_and_the_uncertain_inputs(run_dir):
    page = (run_dir / "report.html").read_text()
    sheet = page[page.index("<h2>Assumptions</h2>"):page.index("<h2>Figures</h2>")]
    changed = sheet[:sheet.index("</table>")]
    assert "<td>horizon.acquisition_days</td><td class=n>365</td><td class=n>30</td>" in changed
    assert "policies.pool.touch_every_days" in changed
    assert "channels.feed_ads.daily_budget" not in changed            # the same as in base
    drawn = sim.Result.load(run_dir).inputs["channels.feed_ads.activation_prob"]
    assert "Uncertain inputs" in sheet
    assert f"{format_number(drawn.min())} to {format_number(drawn.max())}" in sheet
    assert "Every input of the run" in sheet


def test_marketing_sim_report_rebuilds_both_files(run_dir):
    summary = (run_dir / "summary.txt").read_text()
    (run_dir / "summary.txt").unlink()
    (run_dir / "report.html").unlink()
    done = cli("report", str(run_dir), cwd=run_dir)
    assert done.returncode == 0, done.stderr
    assert (run_dir / "summary.txt").read_text() == summary
    assert "<h2>Headline</h2>" in (run_dir / "report.html").read_text()


def test_report_of_a_directory_that_holds_nothing_is_one_line_and_exit_2(tmp_path):
    done = cli("report", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "not a complete run" in done.stderr


def test_a_comparison_writes_its_directory_and_says_what_is_noise(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sim.comparison", "default", "replications=3", *SMALL,
                           "--variant", "+policies.membership={fee: 49}", "--out", str(tmp_path / "cmp")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    directory = tmp_path / "cmp"
    assert (directory / "summary.txt").read_text() in done.stdout
    comparison = Comparison.load(directory)
    assert np.array_equal(comparison.difference["acquisition_spend"], np.zeros(3))
    page = (directory / "report.html").read_text()
    row = page[page.index("<td>Acquisition spend</td>"):]
    assert "within simulation noise" in row[:row.index("</tr>")]       # the policy does not touch acquisition
    assert "policies.membership.fee" in page and len(images(page)) == 2
    (directory / "report.html").unlink()
    assert cli("report", str(directory), cwd=tmp_path).returncode == 0
    assert (directory / "report.html").exists()


def test_a_sweep_report_names_the_best_job_and_flags_an_optimum_on_the_edge_of_the_grid(tmp_path):
    done = cli("-m", f"hydra.sweep.dir={tmp_path / 'sweep'}", "replications=2", *SMALL, "figures=false",
               "objective=customers", "channels.feed_ads.daily_budget=500,1000,2000", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = (tmp_path / "sweep" / "summary.txt").read_text()
    assert "best on customers: 2 (channels.feed_ads.daily_budget = 2000)" in summary   # more budget, more customers
    assert "on the edge of the grid" in summary
    page = (tmp_path / "sweep" / "report.html").read_text()
    assert "on the edge of the grid" in page and len(images(page)) == 2


def row(run, value, low, high, budget):
    return {"run": run, "status": "complete", "error": "", "budget": budget,
            "profit": value, "profit_p05": low, "profit_p95": high}


def test_sweep_findings_flag_the_edge_and_overlapping_intervals_only_when_they_hold():
    grid = {"budget": [1, 2, 3]}
    middle = Table([row("0", 1.0, 0.9, 1.1, 1), row("1", 5.0, 4.9, 5.1, 2), row("2", 2.0, 1.9, 2.1, 3)])
    best = report.best_job(middle, "profit")
    assert best["run"] == "1" and report.sweep_findings(middle, best, "profit", grid) == []
    edge = Table([row("0", 1.0, 0.9, 1.1, 1), row("1", 4.0, 3.0, 5.5, 2), row("2", 5.0, 4.5, 5.5, 3)])
    findings = report.sweep_findings(edge, report.best_job(edge, "profit"), "profit", grid)
    assert len(findings) == 2 and "edge of the grid" in findings[0] and "1 other job(s)" in findings[1]
    assert report.best_job(edge, "cac") is None
    cheapest = Table([{**row("0", 1, 1, 1, 1), "cac": 30.0}, {**row("1", 1, 1, 1, 2), "cac": 20.0}])
    assert report.best_job(cheapest, "cac")["run"] == "1"        # a cost is minimised


def test_the_header_comment_of_a_scenario_splits_into_its_paragraphs(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("# title line\n#\n# Question: one\n# two?\n#\n# Differs from base: x.\nreplications: 2\n# later\n")
    assert report.header_comment(path) == ["title line", "Question: one two?", "Differs from base: x."]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no Chromium installed (Debian package chromium)")
def test_the_report_renders_in_a_headless_browser(run_dir, tmp_path):
    shot = tmp_path / "shot.png"
    done = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--window-size=1200,3000", f"--screenshot={shot}", (run_dir / "report.html").as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.exists(), done.stderr
    from matplotlib.image import imread

    pixels = imread(shot)[..., :3].reshape(-1, 3)
    colours = np.unique((pixels * 255).astype(np.uint8), axis=0)
    assert len(colours) > 200                      # text and embedded figures drawn, not a blank page
    dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                          (run_dir / "report.html").as_uri()], capture_output=True, text=True, timeout=120)
    assert "marketing-sim: scenario private_domain" in dom.stdout


def test_an_optimisers_best_value_is_on_the_edge_only_near_an_end_of_its_interval():
    plan = {"search_space": {"budget": "interval(0, 10)"}}
    grid = {"budget": [2.0, 5.0, 9.8]}
    for best_value, flagged in ((9.8, True), (0.3, True), (5.0, False)):
        rows = [row("0", 1.0, 0.9, 1.1, 2.0), row("1", 3.0, 2.9, 3.1, best_value)]
        table = Table(rows)
        findings = report.sweep_findings(table, report.best_job(table, "profit"), "profit",
                                         {"budget": [2.0, best_value]}, plan)
        assert any("edge of the grid (0 to 10.0)" in f for f in findings) == flagged, best_value
    assert report.edges(grid, {}) == {"budget": (2.0, 9.8, 0.0)}


def test_a_run_that_spent_nothing_on_acquisition_reports_no_cac_rather_than_a_cac_of_zero(tmp_path):
    cfg = sim.compose("base", ["channels={}", "market.innovation=2", "replications=2", *SMALL])
    result = sim.run(cfg)
    assert result.metrics["cac"] == 0                              # metrics keep their value
    page = report.run_report(result.save(tmp_path), result, "base").read_text()
    row = page[page.index("<td>CAC (blended)</td>"):]
    row = row[:row.index("</tr>")]
    assert "<td>n/a</td>" in row and "Nothing was spent on acquisition" in row
    assert "<td>organic</td><td class=n>" in page and "n/a (nothing spent)" in page
