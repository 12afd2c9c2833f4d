"""Spend histories and lift tests: reading and checking the tables an acquisition fit takes.

A history has one row per period (a day or a week), a ``date`` column, one
spend column per channel and a KPI column of new customers. A weekly row's
spend and KPI are the totals of the seven days from its date. The fit works
on days: a period's spend is spread evenly over its days.
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import numpy as np

from ..data import DataError, DataWarning, _columns, _dates, _read_csv, parse_date

#: Days a row may stand for: daily or weekly data.
PERIODS = (1, 7)
#: Spend of two channels correlated beyond this (in absolute value) cannot be told apart.
MOST_CORRELATION = 0.95
#: A channel whose spend varies less than this (coefficient of variation) barely identifies its curve.
LEAST_VARIATION = 0.1
#: Relative rounding tolerated in a hold-out that removes all of a window's spend.
ROUNDING = 1e-9
#: Columns of a lift-test table.
LIFT_COLUMNS = ("channel", "start", "end", "spend_change", "incremental_customers", "se")


@dataclass(frozen=True)
class History:
    """A checked spend history."""

    origin: np.datetime64     # the first date: day 0
    period: int               # days per row, 1 or 7
    channels: tuple           # spend column names, in the table's order
    spend: np.ndarray         # (rows, channels): spend per period
    kpi: np.ndarray           # (rows,): new customers per period
    kpi_name: str

    @property
    def days(self) -> int:
        return self.kpi.size * self.period

    def daily_spend(self) -> np.ndarray:
        """(days, channels): each period's spend spread evenly over its days."""
        return np.repeat(self.spend / self.period, self.period, axis=0)


@dataclass(frozen=True)
class LiftTests:
    """Checked lift tests, by day of the history (``start`` and ``end`` inclusive)."""

    channel: np.ndarray       # index into History.channels
    start: np.ndarray
    end: np.ndarray
    spend_change: np.ndarray
    incremental: np.ndarray
    se: np.ndarray

    @property
    def size(self) -> int:
        return self.channel.size


def read(table, what: str) -> dict:
    """Columns of a CSV path or a mapping of column -> values (a dict, a pandas DataFrame)."""
    if isinstance(table, (str, os.PathLike)):
        if not os.path.isfile(table):
            raise DataError(f"{what} file {os.fspath(table)!r} does not exist")
        return _read_csv(table)
    try:
        return _columns(table)
    except DataError:
        raise DataError(f"the {what} must be a CSV path or a table (mapping of column -> values)") from None


def load_history(table, kpi: str, channels=None) -> History:
    """Read and check a spend history.

    The spend columns are ``channels`` if given, else every column but
    ``date`` and ``kpi``. Raise DataError (one line naming the column and
    row) for: a missing column, no spend column, no rows; a date that is not
    one, repeated, out of order, missing (a gap of whole periods) or
    irregular (rows neither 1 nor 7 days apart, or unevenly spaced);
    spend that is not a number >= 0; a KPI that is not an integer count
    >= 0; a channel whose spend is the same on every row. Warn
    (DataWarning) for a channel whose spend barely varies (coefficient of
    variation below LEAST_VARIATION) and for two channels whose spend is
    correlated beyond MOST_CORRELATION: the data can hardly tell their
    effects apart.
    """
    columns = read(table, "history")
    names = list(channels) if channels is not None else [c for c in columns if c not in ("date", kpi)]
    missing = [c for c in ("date", kpi, *names) if c not in columns]
    if missing:
        raise DataError(f"column(s) {', '.join(missing)} missing from the history (found: "
                        f"{', '.join(columns) or 'none'}); it needs date, {kpi} and one spend column per channel")
    if not names:
        raise DataError(f"the history has no spend column: besides date and {kpi} it needs one per channel")
    if not len(columns["date"]):
        raise DataError("the history has a header but no rows")
    dates = _dates(columns["date"])
    period = _check_dates(dates, columns["date"])
    spend = np.column_stack([_numbers(columns[c], c, "spend must be a number >= 0") for c in names])
    counts = _numbers(columns[kpi], kpi, "the KPI must be a count, an integer >= 0")
    bad = np.flatnonzero(counts != np.round(counts))
    if bad.size:
        raise DataError(f"row {bad[0] + 1}: {kpi} = {_shown(columns[kpi][bad[0]])}: the KPI must be a count, "
                        "an integer >= 0")
    _check_variation(spend, names)
    return History(dates[0], period, tuple(names), spend, counts, kpi)


def load_lift_tests(table, history: History) -> LiftTests:
    """Read and check lift tests against ``history``.

    Raise DataError naming the row for a missing column, a channel that is
    not a spend column of the history, dates that are not dates, an end
    before the start, a window outside the history, a ``se`` that is not a
    number > 0, or a ``spend_change`` that would make the channel's spend
    negative on a day of the window (it is spread evenly over the window's days).
    """
    columns = read(table, "lift tests")
    missing = [c for c in LIFT_COLUMNS if c not in columns]
    if missing:
        raise DataError(f"lift tests: column(s) {', '.join(missing)} missing; the table needs columns "
                        f"{', '.join(LIFT_COLUMNS)}")
    rows = len(columns["channel"])
    index = {name: i for i, name in enumerate(history.channels)}
    channel = np.empty(rows, dtype=int)
    start, end = (np.empty(rows, dtype=int) for _ in range(2))
    for row, name in enumerate(columns["channel"]):
        if str(name) not in index:
            raise DataError(f"lift tests row {row + 1}: channel = {_shown(name)}: not a spend column of the history "
                            f"({', '.join(history.channels)})")
        channel[row] = index[str(name)]
        for days, key in ((start, "start"), (end, "end")):
            days[row] = int((parse_date(columns[key][row], f"lift tests row {row + 1}: {key}")
                             - history.origin).astype(int))
    values = {key: _numbers(columns[key], key, "must be a number", low=-np.inf, where="lift tests row")
              for key in LIFT_COLUMNS[3:]}
    daily = history.daily_spend()
    for row in range(rows):
        where = f"lift tests row {row + 1}"
        if not 0 <= start[row] <= end[row] < history.days:
            last = history.origin + history.days - 1
            raise DataError(f"{where}: {columns['start'][row]} to {columns['end'][row]}: the window must end "
                            f"no earlier than it starts and lie within the history ({history.origin} to {last})")
        if not values["se"][row] > 0:
            raise DataError(f"{where}: se = {_shown(columns['se'][row])}: must be a number > 0")
        window = daily[start[row]:end[row] + 1, channel[row]]
        if (window + values["spend_change"][row] / window.size).min() < -ROUNDING * window.max(initial=1.0):
            raise DataError(f"{where}: spend_change = {_shown(columns['spend_change'][row])}: spread over the window's "
                            f"{window.size} days it would make {columns['channel'][row]}'s spend negative")
    return LiftTests(channel, start, end, values["spend_change"], values["incremental_customers"], values["se"])


def _check_dates(dates: np.ndarray, text, period: int | None = None) -> int:
    """The days per row (``period``, else read from the first two rows: 1 or 7); DataError for
    repeated, unsorted, missing or irregular dates."""
    if dates.size < 2:
        raise DataError("the history has one row: a fit needs many periods")
    gaps = np.diff(dates).astype(np.int64)
    period = int(gaps[0]) if period is None else period
    problems = ((gaps == 0, "repeats the date of the row before"),
                (gaps < 0, "comes before the date of the row before: sort the rows by date"))
    for bad, why in problems:
        if bad.any():
            row = int(np.argmax(bad)) + 2
            raise DataError(f"row {row}: date = {_shown(text[row - 1])}: {why}")
    if period not in PERIODS:
        raise DataError(f"row 2: date = {_shown(text[1])}: {period} days after row 1; the rows must be daily or "
                        "weekly (1 or 7 days apart)")
    odd = np.flatnonzero(gaps != period)
    if odd.size:
        row, gap = int(odd[0]) + 2, int(gaps[odd[0]])
        why = (f"dates missing between {text[row - 2]} and {text[row - 1]}" if gap % period == 0
               else f"{gap} days after the row before, the rows are {period} day(s) apart; the spacing must "
                    "be even")
        raise DataError(f"row {row}: date = {_shown(text[row - 1])}: {why}")
    return period


def _numbers(values, column: str, rule: str, low: float = 0.0, where: str = "row") -> np.ndarray:
    """``values`` as floats; DataError naming the first that is not finite or below ``low``."""
    numbers = np.empty(len(values))
    for row, value in enumerate(values):
        try:
            numbers[row] = float(value)
        except (TypeError, ValueError):
            numbers[row] = np.nan
    bad = np.flatnonzero(~np.isfinite(numbers) | (numbers < low))
    if bad.size:
        raise DataError(f"{where} {bad[0] + 1}: {column} = {_shown(values[bad[0]])}: {rule}")
    return numbers


def _shown(value) -> str:
    """A table's value as the message shows it: the repr of the plain Python value."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _check_variation(spend: np.ndarray, names: list) -> None:
    """DataError for a channel with constant spend; DataWarning for near-constant or collinear spend."""
    for name, column in zip(names, spend.T):
        if np.all(column == column[0]):
            raise DataError(f"column {name}: spend is {column[0]:g} on every row: the data cannot tell its "
                            "effect from the baseline; drop the column or add history where it varies")
        variation = column.std() / column.mean()
        if variation < LEAST_VARIATION:
            warnings.warn(DataWarning(f"column {name}: spend barely varies (coefficient of variation "
                                      f"{variation:.2g}): its response curve is poorly identified"), stacklevel=3)
    if len(names) > 1:
        correlation = np.corrcoef(spend.T)
        for i, j in zip(*np.triu_indices(len(names), 1)):
            if abs(correlation[i, j]) > MOST_CORRELATION:
                warnings.warn(DataWarning(
                    f"columns {names[i]} and {names[j]}: spend correlated at {correlation[i, j]:.3f}: the data "
                    "can hardly tell their effects apart; a lift test on one of them separates them"),
                    stacklevel=3)
