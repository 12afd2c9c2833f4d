"""The acquisition fit's report (sim.calibrate.acquisition.report) against the generator's curves."""
from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest

from sim.calibrate import DataWarning, fit_acquisition
from sim.calibrate.acquisition import report
from sim.calibrate.acquisition.__main__ import main
from test_acquisition_fit import ORIGIN, TRUE, hill, history

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def fitted():
    table, paid, base = history(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        return table, fit_acquisition(table, weekly=1, yearly=1)


def test_the_band_holds_the_true_curve_at_todays_spend(fitted):
    _, fit = fitted
    for channel, curve in report.response_curves(fit).items():
        assert curve.today == fit.spend_level(channel)
        true = hill(curve.today, **TRUE[channel])
        low, high = np.interp(curve.today, curve.spend, curve.low), np.interp(curve.today, curve.spend, curve.high)
        assert low < true < high, (channel, low, true, high)
        assert high - low < 0.2 * true                   # and the data make it narrow


def test_the_curve_is_zero_without_spend_and_rises_to_three_times_today(fitted):
    _, fit = fitted
    for curve in report.response_curves(fit).values():
        assert curve.spend[0] == 0 and curve.spend[-1] == pytest.approx(3 * curve.today)
        assert curve.expected[0] == curve.low[0] == curve.high[0] == 0
        assert np.all(np.diff(curve.expected) > 0)
        assert np.all((curve.low <= curve.expected) & (curve.expected <= curve.high))


def constant_plan(fit, spend: dict, days: int = 300) -> dict:
    return {"date": (ORIGIN + np.arange(days)).astype(str), **{c: np.full(days, spend[c]) for c in fit.model.channels}}


def test_cac_and_marginal_cac_are_those_of_predict_on_a_steady_plan(fitted):
    """At a steady spend held long enough for the adstock to settle, one more unit a day adds
    1 / marginal CAC customers a day, and the channel's customers are its spend / CAC."""
    _, fit = fitted
    rows = {row.channel: row for row in report.cac_table(fit)}
    today = {c: fit.spend_level(c) for c in fit.model.channels}
    for channel in fit.model.channels:
        step = 1e-3 * today[channel]
        up, down = ({**today, channel: today[channel] + sign * step} for sign in (1, -1))
        slope = (fit.predict(constant_plan(fit, up))[-1] - fit.predict(constant_plan(fit, down))[-1]) / (2 * step)
        row = rows[channel]
        assert row.marginal_cac.value == pytest.approx(1 / slope, rel=1e-5)
        assert row.marginal_cac.value == pytest.approx(fit.marginal_cac(channel), rel=1e-12)
        assert row.marginal_cac.low < row.marginal_cac.value < row.marginal_cac.high
        without = {**today, channel: 0.0}
        brought = fit.predict(constant_plan(fit, today))[-1] - fit.predict(constant_plan(fit, without))[-1]
        assert row.cac.value == pytest.approx(today[channel] / brought, rel=1e-9)
        assert row.cac.value < row.marginal_cac.value          # a concave curve at today's spend
    shares = {name: row.share.value for name, row in rows.items()}
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["search"] == pytest.approx(fit.contributions["search"].sum() / fit.expected().sum())


def test_a_fit_without_a_covariance_gives_no_intervals(fitted):
    _, fit = fitted
    singular = replace(fit, cov=np.full_like(fit.cov, np.nan))
    rows = report.cac_table(singular, draws=report.parameter_draws(singular, draws=10))
    assert rows[0].marginal_cac.value == fit.marginal_cac(rows[0].channel)
    assert np.isnan(rows[0].marginal_cac.low) and np.isnan(rows[-1].share.high)
    assert "[n/a]" in report.format_table(rows, singular)


def test_the_figures_draw_the_curves_they_are_given(fitted, tmp_path):
    _, fit = fitted
    curve = report.response_curves(fit)["social"]
    ax = report.plot_response_curve(curve)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), curve.expected)
    written = report.write_report(fit, tmp_path)
    assert [p.name for p in written] == [report.TABLE, report.CURVES, report.CONTRIBUTIONS]
    for path in written[1:]:
        assert path.read_bytes().startswith(PNG) and path.stat().st_size > 10_000


def write_csv(table: dict, path) -> None:
    columns = list(table)
    rows = zip(*(table[c] for c in columns))
    path.write_text("\n".join([",".join(columns), *(",".join(str(v) for v in row) for row in rows)]) + "\n")


def test_the_command_writes_the_report_beside_the_scenario_or_where_asked(tmp_path, capsys):
    table, _, _ = history(11, days=400, scale=0.1)
    path = tmp_path / "history.csv"
    write_csv(table, path)
    out = tmp_path / "scenarios" / "media.yaml"
    main([str(path), "--out", str(out)])
    folder = tmp_path / "scenarios" / "media_fit"
    assert sorted(p.name for p in folder.iterdir()) == sorted([report.TABLE, report.CURVES, report.CONTRIBUTIONS])
    assert (folder / report.CURVES).read_bytes().startswith(PNG)
    text = (folder / report.TABLE).read_text()
    assert text in capsys.readouterr().out                     # the table is printed as written
    row = next(r for r in report.cac_table(fit_acquisition(path)) if r.channel == "search")
    search = next(line for line in text.splitlines() if line.startswith("search"))
    assert f"{row.marginal_cac.value:,.2f} [{row.marginal_cac.low:,.2f}, {row.marginal_cac.high:,.2f}]" in search
    elsewhere = tmp_path / "report"                            # social's last day is dark: no CAC there
    main([str(path), "--out", str(out), "--report", str(elsewhere), "--no-figures", "--budget", "last"])
    assert [p.name for p in elsewhere.iterdir()] == [report.TABLE]
    social = next(line for line in (elsewhere / report.TABLE).read_text().splitlines() if line.startswith("social"))
    assert social.split()[1:4] == ["0", "0.0", "[0.0,"] and "nan [n/a]" in social


def test_a_report_folder_that_is_a_file_fails_in_one_line_after_the_scenario(tmp_path, capsys):
    table, _, _ = history(11, days=200, scale=0.1)
    path, out, taken = tmp_path / "history.csv", tmp_path / "media.yaml", tmp_path / "taken"
    write_csv(table, path)
    taken.write_text("a file\n")
    with pytest.raises(SystemExit) as exit:
        main([str(path), "--out", str(out), "--report", str(taken), "--no-figures"])
    assert exit.value.code == 1 and out.exists()
    assert capsys.readouterr().err.endswith(f"error: cannot write the report into {taken}: File exists; "
                                            "the scenario is written\n")


@pytest.mark.parametrize("shape, limit", [(1.0, 0.5), (2.0, np.inf), (0.5, 0.0)])
def test_marginal_cac_at_no_spend_is_the_formulas_limit(shape, limit):
    """At b = 0 the slope of A / (1 + (K/b)^h) is A/K for h = 1 (cost K/A), 0 for h > 1, inf for h < 1."""
    from sim.calibrate.acquisition.fit import marginal_cac_at
    assert marginal_cac_at({"max_customers": 100.0, "half_saturation_budget": 50.0, "hill_shape": shape}, 0) == limit
