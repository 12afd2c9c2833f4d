"""The figures a strategist reads: labels in words and units, nothing covering data, no
misleading averages, dates for days of the run, and a figure for each enabled policy."""
from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import sim
from sim.channels import KINDS as CHANNELS
from sim.channels.paid import PaidChannel
from sim.results import SUMMARY_ROWS, Result

SHORT = ["replications=2", "horizon.acquisition_days=60", "horizon.ltv_days=60"]
#: Policy scenarios, shortened: one replication, no sale days (they may fall after a short run).
POLICY_RUN = ["replications=1", "horizon.acquisition_days=120", "horizon.ltv_days=60", "campaigns.sale_days=[]"]


@pytest.fixture(scope="module")
def result():
    return sim.run(sim.compose("default", SHORT))


def drawn(draw, *args, figsize=(7, 4), panels=None, **kwargs):
    """Draw on a new Agg figure (``panels`` stacked axes, else one) and lay it out as a PNG would be."""
    figure = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(panels, 1, sharex=True) if panels else figure.add_subplot()
    returned = draw(*args, **{"axes" if panels else "ax": axes}, **kwargs)
    figure.canvas.draw()
    return figure, returned


def texts_of(figure) -> list[str]:
    """Every label, title, tick label, legend entry and annotation of ``figure``."""
    found = []
    for ax in figure.axes:
        found += [ax.get_xlabel(), ax.get_ylabel(), ax.get_title(), ax.get_title("left")]
        found += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels() + ax.texts]
        if ax.get_legend():
            found += [t.get_text() for t in ax.get_legend().get_texts()]
    return [t for t in found if t]


def test_moving_average_of_a_constant_is_that_constant_at_every_day_ends_included():
    for window in (7, 4):
        np.testing.assert_allclose(sim.plot.moving_average(np.full(30, 2000.0), window), 2000.0)
    ramp = np.arange(30.0)
    np.testing.assert_allclose(sim.plot.moving_average(ramp, 7)[3:-3], ramp[3:-3])   # centred


def test_flat_spend_is_drawn_flat_over_the_whole_acquisition_window(result):
    _, (spend_ax, _) = drawn(sim.plot.channels_over_time, result, figsize=(8, 6), panels=2)
    budget = result.config["channels"]["feed_ads"]["daily_budget"]
    line, = spend_ax.get_lines()
    acquisition_days = result.config["horizon"]["acquisition_days"]
    np.testing.assert_allclose(line.get_ydata()[:acquisition_days], budget)
    assert len(line.get_ydata()) == acquisition_days


def test_customers_legend_covers_no_data_point(result):
    figure, ax = drawn(sim.plot.daily, result)
    renderer = figure.canvas.get_renderer()
    box = ax.get_legend().get_window_extent(renderer)
    for axes in figure.axes:
        for line in axes.get_lines():
            points = axes.transData.transform(np.column_stack(
                [mdates.date2num(line.get_xdata()), line.get_ydata()]))
            inside = ((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
                      & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1))
            assert not inside.any(), line.get_label()


def test_days_of_the_run_are_drawn_as_dates_and_ages_stay_days(result):
    start = np.datetime64(result.config["calendar"]["start_date"])
    figure, ax = drawn(sim.plot.daily, result)
    assert ax.get_lines()[0].get_xdata()[0] == start
    _, (_, customers_ax) = drawn(sim.plot.channels_over_time, result, figsize=(8, 6), panels=2)
    _, cohorts_ax = drawn(sim.plot.cac_ltv_over_time, result)
    assert cohorts_ax.get_lines()[0].get_xdata()[0] == start
    for axes in (ax, customers_ax, cohorts_ax):
        assert isinstance(axes.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    _, retention_ax = drawn(sim.plot.retention, result)
    assert retention_ax.get_xlabel() == "days since activation"
    assert retention_ax.get_lines()[0].get_xdata()[0] == 0                    # age 0, not a date
    assert not isinstance(retention_ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)


def test_a_config_path_is_labelled_in_words_with_its_declared_unit_in_the_run_currency(result):
    config = result.config
    assert sim.plot.parameter_label("channels.feed_ads.daily_budget", config) == "feed_ads daily budget (CNY per day)"
    declared = {f.name: f.metadata["unit"] for f in dataclasses.fields(PaidChannel) if "low" in f.metadata}
    for key, unit in declared.items():
        label = sim.plot.parameter_label(f"channels.feed_ads.{key}", config, currency="EUR")
        assert label.startswith("feed_ads " + key.replace("_", " "))
        assert "currency" not in label and ("EUR" in label) == ("currency" in unit)
    assert sim.plot.parameter_label("economics.gross_margin") == "gross margin (share of revenue)"
    assert sim.plot.parameter_label("market.size") == "market size (prospects)"     # "size" alone says nothing
    assert sim.plot.parameter_label("horizon.ltv_days") == "ltv days"                # not "ltv days (days)"
    # the channel's kind decides: a live stream's budget is per event
    live = {"channels": {"feed_ads": {"kind": "livestream"}}, "economics": {"currency": "USD"}}
    assert sim.plot.parameter_label("channels.feed_ads.daily_budget") == "feed_ads daily budget"   # kind unknown
    assert sim.plot.parameter_label("channels.feed_ads.daily_budget", live) == "feed_ads daily budget (USD per event)"


def test_a_label_shows_the_unit_of_the_declaration_the_config_resolves_and_words_alone_where_it_has_none():
    label = sim.plot.parameter_label
    for kind, cls in CHANNELS.items():          # each kind's own budget unit, or none where it has no budget
        config = {"channels": {"c": {"kind": kind}}, "economics": {"currency": "EUR"}}
        budget = next((f.metadata["unit"] for f in dataclasses.fields(cls)
                       if f.name == "daily_budget" and "low" in f.metadata), None)
        assert label("channels.c.daily_budget", config) == (
            f"c daily budget ({budget.replace('currency', 'EUR')})" if budget else "c daily budget")
    # no field declares a quality multiplier or a trait's distribution parameter
    paid = {"channels": {"c": {"kind": "paid"}}}
    assert label("channels.c.quality.churn_prob", paid) == "c quality churn prob (multiplier)"
    assert label("market.organic_quality.spend") == "market organic quality spend (multiplier)"
    beta = {"population": {"churn_prob": {"dist": "beta", "a": 2, "b": 8}}}
    assert label("population.churn_prob.b", beta) == label("population.churn_prob.b") == "population churn prob b"


def test_without_a_config_a_channel_or_policy_key_shows_the_unit_every_kind_declaring_it_agrees_on():
    label = sim.plot.parameter_label
    assert label("channels.c.activation_prob") == "c activation prob (probability per valid lead)"   # all kinds
    assert label("channels.c.schedule.pulse_multiplier") == "c schedule pulse multiplier (multiple of `daily_budget`)"
    assert label("policies.pool.incentive", currency="EUR") == "pool incentive (EUR per joiner)"   # the pool's alone
    assert label("channels.c.arrivals") == "c arrivals"           # a list, not a numeric parameter: no unit


def test_metric_labels_are_the_summary_table_words_with_the_currency_for_amounts():
    words = {key: label for label, key in SUMMARY_ROWS}
    assert sim.plot.metric_label("ltv_cac", "CNY") == words["ltv_cac"] == "LTV / CAC"
    assert sim.plot.metric_label("profit", "CNY") == words["profit"][:-1] + ", CNY)"
    assert sim.plot.metric_label("customers", "CNY") == words["customers"]
    assert sim.plot.metric_label("cac.feed_ads", "EUR") == "feed_ads: CAC (EUR)"


def sweep_table(currency=None):
    budgets = [1_000_000.0, 1_100_000.0, 1_200_000.0, 1_300_000.0]
    rows = [{"status": "complete", "channels.feed_ads.daily_budget": b, "profit": 12_000_000 + b,
             "profit_p05": 11_900_000 + b, "profit_p95": 12_100_000 + b} for b in budgets]
    rows.append({"status": "failed", "channels.feed_ads.daily_budget": 9.0, "profit": None})
    for row in rows if currency else ():
        row["economics.currency"] = currency
    return rows


@pytest.mark.parametrize("currency", [None, "EUR"])
def test_a_sweep_is_labelled_in_words_and_currency_with_plain_numbers(currency, result):
    figure, ax = drawn(sim.plot.sweep_lines, sweep_table(currency), "channels.feed_ads.daily_budget", "profit",
                       config=result.config)
    code = currency or "CNY"
    assert ax.get_xlabel() == f"feed_ads daily budget ({code} per day)"
    assert ax.get_ylabel() == sim.plot.metric_label("profit", code)
    for axis in (ax.xaxis, ax.yaxis):
        assert axis.get_offset_text().get_text() == ""
    assert any("," in label.get_text() for label in ax.get_yticklabels())
    assert not [t for t in texts_of(figure) if "currency" in t or "channels." in t]


def test_a_sweep_heatmap_has_words_and_no_offset(result):
    rows = [{**row, "economics.gross_margin": margin} for row in sweep_table()[:-1] for margin in (0.3, 0.5)]
    figure, ax = drawn(sim.plot.sweep_heatmap, rows, "channels.feed_ads.daily_budget",
                       "economics.gross_margin", "profit", config=result.config)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("feed_ads daily budget (CNY per day)",
                                                  "gross margin (share of revenue)")
    assert "1,000,000" in [t.get_text() for t in ax.get_xticklabels()]
    assert all(a.get_offset_text().get_text() == "" for axes in figure.axes for a in (axes.xaxis, axes.yaxis))


#: Every numeric parameter of two paid channels, and a few of the market's: a large sensitivity study.
MANY_INPUTS = [f"channels.{name}.{f.name}" for name in ("feed_ads", "search_ads")
               for f in dataclasses.fields(PaidChannel) if "low" in f.metadata] + [
    "economics.gross_margin", "economics.discount_rate", "market.innovation", "market.imitation"]
TWO_PAID = {"channels": {"feed_ads": {"kind": "paid"}, "search_ads": {"kind": "paid"}}}


def sensitivity_of(paths) -> dict:
    return {"base": {"ltv": 50.0}, "rows": [
        {"input": p, "low": 0.5 * (i + 1), "high": 2_000.0 * (i + 1), "ltv_low": 50.0 - i, "ltv_high": 50.0 + 2 * i}
        for i, p in enumerate(paths)]}


def assert_apart(boxes):
    for i, first in enumerate(boxes):
        for second in boxes[i + 1:]:
            assert not first.overlaps(second), (first, second)


def test_tornado_labels_do_not_collide_with_many_inputs_and_are_words():
    figure, ax = drawn(sim.plot.tornado, sensitivity_of(MANY_INPUTS), "ltv", config=TWO_PAID)
    renderer = figure.canvas.get_renderer()
    labels = ax.get_yticklabels()
    assert_apart([label.get_window_extent(renderer) for label in labels])
    keys_left = [t.get_text() for t in labels  # a raw key: a dotted path, or an underscore outside a channel's name
                 if "channels." in t.get_text() or "_" in t.get_text().replace("feed_ads", "").replace("search_ads", "")]
    assert not keys_left
    assert any(t.get_text().replace("\n", " ").startswith("feed_ads daily budget (CNY per day)") for t in labels)


def test_sobol_labels_do_not_collide_with_many_inputs():
    n = len(MANY_INPUTS)
    shares = np.linspace(0.01, 0.5, n)
    indices = {"inputs": MANY_INPUTS, "metric": "ltv_cac", **{k: shares for k in ("first", "total")},
               **{k: shares * 0.9 for k in ("first_p05", "total_p05")}, **{k: shares * 1.1 for k in ("first_p95", "total_p95")}}
    figure, ax = drawn(sim.plot.sobol_indices, indices, config=TWO_PAID)
    renderer = figure.canvas.get_renderer()
    assert_apart([label.get_window_extent(renderer) for label in ax.get_yticklabels()])
    assert ax.get_xlabel() == "share of the variance of LTV / CAC"


def test_marginal_cac_is_extra_spend_over_extra_customers_between_budgets():
    table = {"daily_budget": np.array([200.0, 0.0, 100.0, 300.0]), "spend": np.array([300.0, 0.0, 100.0, 450.0]),
             "customers": np.array([15.0, 0.0, 10.0, 15.0])}
    budget, cost = sim.plot.marginal_cac(table)
    np.testing.assert_array_equal(budget, [50.0, 150.0, 250.0])
    np.testing.assert_array_equal(cost[:2], [10.0, 40.0])
    assert np.isnan(cost[2])                                 # more spend, no more customers


def test_response_curves_draw_marginal_cac_against_the_channels_break_even(result):
    _, (curve_ax, marginal_ax) = drawn(sim.plot.response_curves, result, figsize=(8, 6), panels=2)
    table = result.response["feed_ads"]
    budget, cost = sim.plot.marginal_cac(table)
    marginal, break_even = marginal_ax.get_lines()
    np.testing.assert_allclose(marginal.get_ydata(), cost)
    np.testing.assert_allclose(break_even.get_ydata(), result.metrics["ltv.feed_ads"])
    assert "CNY" in marginal_ax.get_ylabel() and "CNY" in marginal_ax.get_xlabel()


def test_the_funnel_keeps_channel_leads_with_channel_activations(result):
    _, ax = drawn(sim.plot.funnel, result)
    heights = [bar.get_height() for bar in ax.patches]
    leads, from_channels, activated = heights[:3]
    assert from_channels == pytest.approx(sum(result.metrics["customers." + c] for c in result.config["channels"]))
    # the channels' own activation rate, up to the mean of ratios across replications
    assert from_channels / leads == pytest.approx(result.metrics["activation_rate"], rel=1e-2)
    assert activated == result.metrics["funnel.activated"] > from_channels   # organic and referral too
    assert heights[3:] == [result.metrics[k] for k in ("funnel.repeat", "funnel.referrers", "funnel.churned")]
    assert {"from channels", "all acquired customers"} <= {t.get_text() for t in ax.texts}


def test_a_source_that_cost_nothing_has_no_cac_bar(result):
    assert result.metrics["cac.organic"] == 0                       # the metric itself is unchanged
    _, ax = drawn(sim.plot.cac_ltv, result)
    cac_bars = [bar for bar in ax.patches if bar.get_facecolor()[:3] == matplotlib.colors.to_rgb("#de2d26")]
    sources = [t.get_text() for t in ax.get_xticklabels()]
    paid = [s for s in sources if not result.cost_free("cac" if s == "blended" else "cac." + s)]
    assert "organic" in sources and "organic" not in paid
    assert len(cac_bars) == len(paid)
    assert ax.get_ylabel() == "CNY per customer"


def summary_line(text: str, label: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(label + "  "))
    return line[len(label):].split()


def test_summary_shows_na_for_the_cac_of_a_source_that_cost_nothing(result):
    text = result.summary()
    assert summary_line(text, "organic: CAC")[0] == "n/a"
    assert summary_line(text, "feed_ads: CAC")[0] != "n/a"
    assert result.metrics["cac.organic"] == 0


def test_summary_shows_payback_under_a_day_as_less_than_one_and_na_without_spend():
    def summary(payback, cac):
        return Result({"cac": cac, "payback_days": payback}, {"cac": (cac, cac), "payback_days": (0.1, payback)},
                      {"day": np.arange(3.0)}, {}, np.ones(3), replications=2).summary()
    assert summary_line(summary(0.4, 20.0), "Payback (days)") == ["<", "1", "<", "1", "<", "1"]
    assert summary_line(summary(3.0, 20.0), "Payback (days)")[:2] == ["3", "<"]
    assert summary_line(summary(0.0, 0.0), "Payback (days)")[0] == "n/a"
    assert summary_line(summary(0.0, 0.0), "CAC (blended)")[0] == "n/a"
    free = Result({"cac": 0.0, "cac_paid": 0.0}, {"cac": (0.0, 0.0), "cac_paid": (0.0, 0.0)},
                  {"day": np.arange(3.0)}, {}, np.ones(3), replications=1).summary()
    assert summary_line(free, "CAC (paid)") == ["n/a"]          # channels that cost nothing


def test_summary_says_what_its_interval_holds_and_that_headline_rows_are_blended():
    def summary(replications, inputs=None):
        return Result({"cac": 20.0}, {"cac": (19.0, 21.0)}, {"day": np.arange(3.0)}, {}, np.ones(3),
                      replications=replications, inputs=inputs,
                      variance={"cac": {"input_share": 0.5}} if inputs else None).summary()
    noise_only = "the interval is simulation noise only"
    assert noise_only in summary(2)
    assert noise_only not in summary(1)                       # no interval to speak of
    with_inputs = summary(2, inputs={"market.size": np.array([1.0, 2.0])})
    assert noise_only not in with_inputs and "input uncertainty and simulation noise" in with_inputs
    assert all("rows without a source count every customer acquired" in text
               for text in (summary(1), summary(2), with_inputs))


def test_summary_says_where_a_curve_channels_marginal_cac_comes_from(result):
    note = "marginal CAC of feed_ads: read off the expected response curve"
    assert result.config["channels"]["feed_ads"]["kind"] == "paid" and result.replications > 1
    assert note in result.summary()
    result.config["channels"]["feed_ads"]["kind"] = "livestream"     # an average cost, counted
    try:
        assert "marginal CAC of" not in result.summary()
    finally:
        result.config["channels"]["feed_ads"]["kind"] = "paid"


def standard_figures(result):
    for name, draw in sim.plot.FIGURES.items():
        yield name, drawn(draw, result)[0]
    for name, (draw, panels, height, _) in sim.plot.PANEL_FIGURES.items():
        if name not in ("pool", "membership", "referral"):
            yield name, drawn(draw, result, figsize=(8, height), panels=panels)[0]


def test_no_figure_says_currency_or_hides_a_factor_in_an_offset(result):
    for name, figure in standard_figures(result):
        assert not [t for t in texts_of(figure) if "currency" in t], name
        for ax in figure.axes:
            for axis in (ax.xaxis, ax.yaxis):
                if not isinstance(axis.get_major_formatter(), mdates.ConciseDateFormatter):   # its offset is the year
                    assert axis.get_offset_text().get_text() == "", name


POLICY_FIGURES = {"pool.png", "membership.png", "referral.png"}


@pytest.mark.parametrize("scenario, figures", [("default", set()), ("private_domain", {"pool.png"}),
                                               ("membership", {"membership.png"}),
                                               ("referral_fission", {"referral.png"})])
def test_a_policy_figure_is_written_when_its_policy_is_enabled(scenario, figures, tmp_path):
    res = sim.run(sim.compose(scenario, POLICY_RUN))
    assert {p.name for p in sim.plot.save_all(res, tmp_path)} & POLICY_FIGURES == figures


def test_the_policy_figures_draw_their_policys_series():
    # one replication: the renewal rate metric is then the ratio of the daily sums, not a mean of ratios
    res = sim.run(sim.compose("super_user", POLICY_RUN + ["policies.membership.term_days=20"]))
    _, (size_ax, touches_ax, flows_ax) = drawn(sim.plot.pool, res, figsize=(8, 7), panels=3)
    np.testing.assert_array_equal(size_ax.get_lines()[0].get_ydata(), res.daily["pool_size"])
    assert touches_ax.get_lines()[0].get_ydata().sum() == pytest.approx(res.daily["pool_touches"].sum(), rel=0.05)
    _, (members_ax, share_ax, renewal_ax) = drawn(sim.plot.membership, res, figsize=(8, 7), panels=3)
    share = share_ax.get_lines()[0].get_ydata()
    np.testing.assert_allclose(share * res.daily["active"], res.daily["members"], atol=1e-9)
    renewal = renewal_ax.get_lines()[0].get_ydata()
    assert renewal[np.isfinite(renewal)][-1] == pytest.approx(res.metrics["membership_renewal_rate"])
    figure, (people_ax, money_ax) = drawn(sim.plot.referral, res, figsize=(8, 6), panels=2)
    assert money_ax.get_ylabel() == "CNY per day"
    assert not [t for t in texts_of(figure) if "currency" in t]


def test_a_run_without_acquisition_spend_draws_notes_and_ltv_not_empty_panels():
    res = sim.run(sim.compose("cdnow", ["replications=4", "horizon.ltv_days=60"]))
    assert not np.isfinite(res.per_replication["ltv_cac"]).any() and not res.response
    _, (curve_ax, _) = drawn(sim.plot.response_curves, res, figsize=(8, 6), panels=2)
    assert [t.get_text() for t in curve_ax.texts] == ["no paid or content channel: no response curve"]
    figure = Figure(figsize=(8, 4), layout="constrained")
    axes = figure.subplots(1, 2)
    sim.plot.metric_against_inputs(res, axes[1:])
    drawn_points = axes[1].collections[0].get_offsets()
    assert np.isfinite(np.asarray(drawn_points)).all() and len(drawn_points) == res.replications
    assert axes[1].get_ylabel() == sim.plot.metric_label("ltv", "CNY")


def test_close_ticks_never_read_alike_and_large_ones_keep_thousands_separators():
    from matplotlib.figure import Figure

    for low, high in ((0.996, 1.004), (1_000_000, 5_000_000), (0, 0.03)):
        ax = Figure().add_subplot()
        ax.plot([0, 1], [low, high])
        sim.plot._plain_numbers(ax.yaxis)
        ax.figure.canvas.draw()
        labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
        assert len(set(labels)) == len(labels), labels
        assert not ax.yaxis.get_offset_text().get_text()
        if high > 1000:
            assert any("," in text for text in labels)


def test_time_figures_mark_the_end_of_acquisition_where_arrivals_stop():
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    result = sim.run(sim.compose("base", ["replications=1", "horizon.acquisition_days=40", "horizon.ltv_days=30"]))
    ax = sim.plot.daily(result, Figure().add_subplot())
    marks = [line for line in ax.get_lines() if len(set(np.atleast_1d(line.get_xdata()))) == 1]
    assert len(marks) == 1
    when = mdates.num2date(mdates.date2num(marks[0].get_xdata()[0])).date()
    assert str(when) == str(result.dates([40])[0])
    assert result.daily["new_customers"][40:].sum() == 0 < result.daily["new_customers"][:40].sum()
    assert "end of acquisition" not in [t.get_text() for t in ax.get_legend().get_texts()]


def test_figures_drawn_on_two_processes_are_the_files_drawn_in_one(tmp_path, monkeypatch, worker_counts):
    res = sim.run(sim.compose("default", POLICY_RUN))
    worker_counts.clear()                   # the run's own replications
    monkeypatch.setattr(sim.parallel, "usable_cores", lambda: 2)
    (tmp_path / "two").mkdir(), (tmp_path / "one").mkdir()
    two = sim.plot.save_all(res, tmp_path / "two")
    res.config["workers"] = 1
    one = sim.plot.save_all(res, tmp_path / "one")
    assert worker_counts == [2, 1]
    assert [p.name for p in two] == [p.name for p in one] == [f"{n}.png" for n in sim.plot.figure_names(res)]
    for drawn_apart, drawn_here in zip(two, one):
        assert drawn_apart.read_bytes() == drawn_here.read_bytes(), drawn_apart.name
