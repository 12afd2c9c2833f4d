"""Transaction logs: reading, checking and summarising ``customer_id, date, amount`` data.

Several purchases by one customer on one day count as one transaction (its
amount is their sum): the simulator's customers buy at most once a day.
Days are counted from the first date in the data.
"""
from __future__ import annotations

import csv
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

COLUMNS = ("customer_id", "date", "amount")


class DataError(ValueError):
    """Transaction data that cannot be used, with what is wrong and where."""


class DataWarning(UserWarning):
    """Transaction data that can be used but looks suspicious (e.g. repeated rows)."""


@dataclass(frozen=True)
class Transactions:
    """One row per customer and purchase day, sorted by customer then day."""

    customer: np.ndarray      # customer index 0..n-1 (in order of first appearance)
    day: np.ndarray           # days since ``origin``
    amount: np.ndarray        # spend that day
    ids: np.ndarray           # original customer id of each index
    origin: np.datetime64     # the first date in the data

    def day_of(self, date, what: str = "date") -> int:
        """Day number of a date (string ``YYYY-MM-DD`` or datetime64); DataError naming ``what`` if it is not one."""
        return int((parse_date(date, what) - self.origin).astype(int))


@dataclass(frozen=True)
class Summary:
    """Per-customer recency/frequency summary at a calibration end (all in days)."""

    first_day: np.ndarray     # day of the first purchase
    repeats: np.ndarray       # x: purchase days after the first, up to the calibration end
    recency: np.ndarray       # t_x: days from the first purchase to the last repeat (0 if none)
    age: np.ndarray           # n: days from the first purchase to the calibration end
    mean_repeat_amount: np.ndarray   # average amount of the repeat purchases (NaN if none)


def parse_date(value, what: str) -> np.datetime64:
    text = str(value).strip()
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return np.datetime64(text, "D")
    except ValueError:
        raise DataError(f"{what} = {value!r}: not a date; use YYYY-MM-DD (or YYYYMMDD)") from None


def load(transactions) -> Transactions:
    """Read and check transactions from a CSV path or a table.

    A table is a mapping of column -> sequence (a dict, a pandas DataFrame).
    Raise DataError naming the column, row and value for missing columns,
    unparseable dates, non-numeric or negative amounts, or no rows; warn
    (DataWarning) about rows that repeat another row exactly.
    """
    columns = _read_csv(transactions) if isinstance(transactions, (str, os.PathLike)) else _columns(transactions)
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise DataError(f"required column(s) {', '.join(missing)} missing; the data needs columns "
                        f"{', '.join(COLUMNS)} (found: {', '.join(map(str, columns)) or 'none'})")
    ids = np.asarray(columns["customer_id"]).astype(str)
    if ids.size == 0:
        raise DataError("no transactions: the data has a header but no rows")
    dates = _dates(columns["date"])
    amounts = _amounts(columns["amount"])
    origin = dates.min()
    unique_ids, customer = np.unique(ids, return_inverse=True)
    day = (dates - origin).astype(np.int64)
    # one transaction per customer and day, amounts summed
    key = customer.astype(np.int64) * (day.max() + 1) + day
    _warn_repeated_rows(key, amounts)
    keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    summed = np.bincount(inverse, weights=amounts)
    return Transactions(customer[first], day[first], summed, unique_ids, origin)


def summarise(tx: Transactions, calibration_end: int) -> Summary:
    """Recency and frequency per customer from its purchases on days <= ``calibration_end``.

    Customers whose first purchase is after the calibration end are left out.
    """
    inside = tx.day <= calibration_end
    customer, day, amount = tx.customer[inside], tx.day[inside], tx.amount[inside]
    n = tx.ids.size
    first_day = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_day, customer, day)
    last_day = np.zeros(n, dtype=np.int64)
    np.maximum.at(last_day, customer, day)
    purchases = np.bincount(customer, minlength=n)
    seen = purchases > 0
    repeat = day > first_day[customer]
    repeat_amount = np.bincount(customer[repeat], weights=amount[repeat], minlength=n)
    repeats = purchases - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_amount = np.where(repeats > 0, repeat_amount / np.maximum(repeats, 1), np.nan)
    return Summary(first_day[seen], repeats[seen], (last_day - first_day)[seen],
                   calibration_end - first_day[seen], mean_amount[seen])


def _columns(table) -> dict:
    if hasattr(table, "to_dict") and hasattr(table, "columns"):      # a pandas DataFrame
        return {str(c): list(table[c]) for c in table.columns}
    if isinstance(table, Mapping):
        return {str(k): list(v) for k, v in table.items()}
    raise DataError("transactions must be a CSV path or a table (mapping of column -> values)")


def _warn_repeated_rows(customer_day: np.ndarray, amounts: np.ndarray) -> None:
    """Warn when rows repeat exactly (same customer and day, same amount): real repeat
    purchases are possible, duplicates from an export likelier."""
    order = np.lexsort((amounts, customer_day))
    customer_day, amounts = customer_day[order], amounts[order]
    same = (customer_day[1:] == customer_day[:-1]) & (amounts[1:] == amounts[:-1])
    if same.any():
        row = int(order[1:][same].min()) + 1
        warnings.warn(DataWarning(
            f"{int(same.sum())} row(s) repeat an earlier row exactly (same customer_id, date and amount), "
            f"first at data row {row}: they count as separate purchases, summed into one transaction "
            f"for their day; drop them first if they are duplicates from an export"), stacklevel=3)


def _read_csv(path) -> dict:
    if not os.path.exists(path):
        raise DataError(f"transactions file {os.fspath(path)!r} does not exist")
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except UnicodeDecodeError as error:
        raise DataError(f"{os.fspath(path)}: not UTF-8 text (byte {error.start}); "
                        f"the data must be a CSV file with columns {', '.join(COLUMNS)}") from None
    except csv.Error as error:
        raise DataError(f"{os.fspath(path)}: not a readable CSV file ({error})") from None
    except OSError as error:           # a directory, no permission, an I/O error
        raise DataError(f"{os.fspath(path)}: cannot be read ({error.strerror or error}); the data must be "
                        f"a CSV file with columns {', '.join(COLUMNS)}") from None
    if not rows:
        raise DataError(f"{os.fspath(path)}: the file is empty")
    header = [h.strip() for h in rows[0]]
    if set(map(len, rows[1:])) - {len(header), 0}:        # 0: blank lines are skipped
        number, row = next((number, row) for number, row in enumerate(rows[1:], start=2)
                           if row and len(row) != len(header))
        raise DataError(f"{os.fspath(path)} line {number}: {len(row)} fields, expected {len(header)}")
    body = [row for row in rows[1:] if row]
    return {name: [r[i] for r in body] for i, name in enumerate(header)}


def _dates(values) -> np.ndarray:
    """Dates as datetime64[D], vectorised; on a bad one, the row and value in a DataError."""
    text = np.char.strip(np.asarray(values).astype(str))
    try:
        compact = (np.char.str_len(text) == 8) & np.char.isdigit(text)
        dates = np.empty(text.size, dtype="datetime64[D]")
        dates[compact] = _compact_dates(text[compact])
        dates[~compact] = text[~compact].astype("datetime64[D]")
        return dates
    except ValueError:
        for row, value in enumerate(values, start=1):
            parse_date(value, f"row {row}: date")
        raise


def _compact_dates(text: np.ndarray) -> np.ndarray:
    """``YYYYMMDD`` strings as dates; ValueError if a month or day does not exist."""
    number = text.astype(np.int64)
    year, month, day = number // 10000, number // 100 % 100, number % 100
    first = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    length = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)
    if np.any((month < 1) | (month > 12) | (day < 1) | (day > length)):
        raise ValueError("not a date")
    return first.astype("datetime64[D]") + (day - 1)


def _amounts(values) -> np.ndarray:
    try:
        amounts = np.asarray(values, dtype=float)
    except ValueError:
        row = next(i for i, v in enumerate(values, start=1) if not _is_number(v))
        raise DataError(f"row {row}: amount = {values[row - 1]!r}: not a number") from None
    bad = np.flatnonzero(~np.isfinite(amounts) | (amounts < 0))
    if bad.size:
        raise DataError(f"row {bad[0] + 1}: amount = {values[bad[0]]!r}: must be a number >= 0")
    return amounts


def _is_number(value) -> bool:
    try:
        float(value)
        return True
    except (TypeError, ValueError):
        return False
