"""Transaction logs: reading, checking and summarising ``customer_id, date, amount`` data.

Several purchases by one customer on one day count as one transaction (its
amount is their sum): the simulator's customers buy at most once a day.
Days are counted from the first date in the data.

Data as it comes (:class:`Reading`): other column names (``columns``), a
``;``, tab or ``|`` delimiter (detected), amounts written ``$17.66``,
``17,66 €``, ``1,234.50`` or ``1.234,50`` (``decimal``), refunds
(negative amounts, ``refunds``), timestamps with a UTC offset
(``timezone``) and logs without amounts (count-only: purchases and churn
can be fitted, spend cannot).
"""
from __future__ import annotations

import contextlib
import csv
import datetime
import gc
import os
import re
import warnings
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

COLUMNS = ("customer_id", "date", "amount")
#: Delimiters a CSV file may use, tried in this order when the header does not settle it.
DELIMITERS = ",;\t|"
#: What the refunds option allows: refuse them (an error), drop the refund rows, net them.
REFUNDS = ("refuse", "drop", "net")
DECIMALS = ("auto", "point", "comma")


class DataError(ValueError):
    """Transaction data that cannot be used, with what is wrong and where."""


class DataWarning(UserWarning):
    """Transaction data that can be used but looks suspicious (e.g. repeated rows)."""


@dataclass(frozen=True)
class Reading:
    """How to read a log that is not in the plain ``customer_id, date, amount`` form.

    ``columns`` maps a standard column (``customer_id``, ``date``, ``amount``; ``customer``
    is accepted for ``customer_id``) to the data's own name. ``decimal``: ``auto`` reads
    the decimal separator from the amounts (an error when every amount is ambiguous, such
    as ``1,234``), ``point`` or ``comma`` says it. ``refunds`` (negative amounts, ``-5`` or
    ``(5)``): ``refuse`` is an error, ``drop`` ignores the refund rows, ``net`` takes each
    refund off the customer's latest purchase day on or before it (a day refunded in full
    is no purchase). ``timezone`` (an IANA name such as ``Europe/Paris``): timestamps with
    a UTC offset are turned into that zone's local date; without it they keep the date
    written, the customer's own local date.
    """

    columns: Mapping[str, str] = field(default_factory=dict)
    decimal: str = "auto"
    refunds: str = "refuse"
    timezone: str | None = None

    def __post_init__(self):
        unknown = set(self.columns) - {*COLUMNS, "customer"}
        if unknown:
            raise DataError(f"columns: unknown column(s) {', '.join(sorted(unknown))}; map customer_id "
                            f"(or customer), date and amount, e.g. customer=email,date=created_at,amount=total")
        if self.decimal not in DECIMALS:
            raise DataError(f"decimal = {self.decimal!r}: must be one of {', '.join(DECIMALS)}")
        if self.refunds not in REFUNDS:
            raise DataError(f"refunds = {self.refunds!r}: must be one of {', '.join(REFUNDS)}")
        if self.timezone is not None:
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise DataError(f"timezone = {self.timezone!r}: not a time zone; use an IANA name such as "
                                f"Europe/Paris, America/New_York or UTC") from None

    @classmethod
    def parse_columns(cls, text: str) -> dict[str, str]:
        """``customer=email,date=created_at`` as a mapping; DataError if it is not of that form."""
        pairs = [part.split("=", 1) for part in text.split(",") if part.strip()]
        if not pairs or any(len(pair) != 2 or not pair[0].strip() or not pair[1].strip() for pair in pairs):
            raise DataError(f"--columns {text!r}: write standard=yours pairs separated by commas, "
                            f"e.g. customer=customer_email,date=created_at,amount=total_price")
        return {key.strip(): value.strip() for key, value in pairs}


@dataclass(frozen=True)
class Transactions:
    """One row per customer and purchase day, sorted by customer then day."""

    customer: np.ndarray      # customer index 0..n-1 (in order of first appearance)
    day: np.ndarray           # days since ``origin``
    amount: np.ndarray        # spend that day (NaN throughout for a count-only log)
    ids: np.ndarray           # original customer id of each index
    origin: np.datetime64     # the first date in the data
    refunds: int = 0          # refund rows netted or dropped (``Reading.refunds``)
    refunded: float = 0.0     # their total amount, as a positive number

    @property
    def has_amounts(self) -> bool:
        """Whether the log carries amounts (False for a count-only log)."""
        return not np.isnan(self.amount).all()

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


def load(transactions, reading: Reading = Reading()) -> Transactions:
    """Read and check transactions from a CSV path or a table, as ``reading`` says.

    A table is a mapping of column -> sequence (a dict, a pandas DataFrame).
    Without an ``amount`` column the log is count-only (amounts NaN).
    Raise DataError naming the column, row and value for missing columns,
    unparseable dates, non-numeric amounts, refunds under ``refunds="refuse"``,
    or no rows; warn (DataWarning) about rows that repeat another row exactly.
    """
    columns = _read_csv(transactions) if isinstance(transactions, (str, os.PathLike)) else _columns(transactions)
    columns = _renamed(columns, reading.columns)
    missing = [c for c in COLUMNS[:2] if c not in columns]
    if missing:
        raise DataError(f"required column(s) {', '.join(missing)} missing; the data needs columns "
                        f"{', '.join(COLUMNS)} (amount optional; found: {', '.join(map(str, columns)) or 'none'}); "
                        f"--columns maps other names, e.g. customer=customer_email,date=created_at,amount=total")
    ids = np.asarray(columns["customer_id"]).astype(str)
    if ids.size == 0:
        raise DataError("no transactions: the data has a header but no rows")
    dates = _dates(columns["date"], reading.timezone)
    amounts = _amounts(columns["amount"], reading.decimal) if "amount" in columns else np.full(ids.size, np.nan)
    refund = amounts < 0
    if refund.any() and reading.refunds == "refuse":
        row = int(np.flatnonzero(refund)[0])
        raise DataError(f"row {row + 1}: amount = {columns['amount'][row]!r}: a refund ({int(refund.sum())} in all); "
                        f"pass --refunds net (take them off the purchases) or --refunds drop (ignore them)")
    refunds, refunded = int(refund.sum()), float(-amounts[refund].sum())
    unique_ids, customer = np.unique(ids, return_inverse=True)
    if refund.any() and reading.refunds == "net":
        customer, dates, amounts = _net_refunds(customer, dates, amounts)
    elif refund.any():
        customer, dates, amounts = customer[~refund], dates[~refund], amounts[~refund]
    if not customer.size:
        raise DataError("no purchases: every row is a refund")
    origin = dates.min()
    day = (dates - origin).astype(np.int64)
    # one transaction per customer and day, amounts summed
    key = customer.astype(np.int64) * (day.max() + 1) + day
    _warn_repeated_rows(key, amounts)
    keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    summed = np.bincount(inverse, weights=amounts)
    kept = np.unique(customer)          # customers whose every purchase was refunded are gone
    return Transactions(np.searchsorted(kept, customer[first]), day[first], summed, unique_ids[kept], origin,
                        refunds, refunded)


def _renamed(columns: dict, mapping: Mapping[str, str]) -> dict:
    """``columns`` with the data's own names replaced by the standard ones of ``mapping``."""
    renamed = dict(columns)
    for standard, theirs in mapping.items():
        standard = "customer_id" if standard == "customer" else standard
        if theirs not in columns:
            raise DataError(f"--columns {standard}={theirs}: the data has no column {theirs!r} "
                            f"(found: {', '.join(map(str, columns))})")
        renamed[standard] = renamed.pop(theirs)
    return renamed


def _net_refunds(customer: np.ndarray, dates: np.ndarray, amounts: np.ndarray):
    """Take each refund off the same customer's latest purchase day on or before it; drop the
    refund rows and the purchase days refunded in full. DataError for a refund with no purchase
    before it."""
    purchase = amounts >= 0
    order = np.lexsort((dates[purchase], customer[purchase]))
    p_customer, p_date, p_amount = (a[purchase][order] for a in (customer, dates, amounts))
    p_amount = p_amount.copy()
    key = p_customer.astype(np.int64) * 10 ** 7 + (p_date - p_date.min()).astype(np.int64)
    for row in np.flatnonzero(~purchase):
        target = customer[row] * 10 ** 7 + int((dates[row] - p_date.min()).astype(np.int64))
        at = int(np.searchsorted(key, target, side="right")) - 1
        if at < 0 or p_customer[at] != customer[row]:
            raise DataError(f"row {row + 1}: a refund of {-amounts[row]:g} with no purchase by the same customer "
                            f"on or before {dates[row]}; use --refunds drop to ignore such rows")
        p_amount[at] += amounts[row]
    kept = p_amount > 1e-9 * np.maximum(1.0, np.abs(p_amount).max())
    return p_customer[kept], p_date[kept], np.maximum(p_amount[kept], 0.0)


def last_opportunity(day: int, period: int) -> int:
    """The last opportunity of ``period`` days (counted from day 0) that ends by ``day``."""
    return (day + 1) // period - 1


def summarise(tx: Transactions, calibration_end: int, period: int = 1) -> Summary:
    """Recency and frequency per customer from its purchases on days <= ``calibration_end``,
    counted in opportunities of ``period`` days (default 1: in days).

    Opportunities lie on one grid for everyone, ``period`` days each from the first date in
    the data (day 0), so a donor who gives every December has one opportunity a year even
    when a gift comes a few days earlier than the last; only opportunities that end by the
    calibration end count. ``first_day`` is then the opportunity of the first purchase.
    Customers whose first purchase is after the last complete opportunity are left out.
    """
    if isinstance(period, bool) or not isinstance(period, (int, np.integer)) or period < 1:
        raise DataError(f"period = {period!r}: must be a whole number of days >= 1")
    last = last_opportunity(calibration_end, period)
    if last < 1:
        raise DataError(f"period = {period}: the calibration period holds {last + 1} whole opportunit"
                        f"{'y' if last + 1 == 1 else 'ies'} of {period} days; it needs at least 2")
    opportunity = tx.day // period
    inside = opportunity <= last
    customer, day, amount = tx.customer[inside], opportunity[inside], tx.amount[inside]
    if period > 1:          # several purchase days in one opportunity are one purchase, amounts summed
        key = customer.astype(np.int64) * (last + 1) + day
        keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        customer, day, amount = customer[first], day[first], np.bincount(inverse, weights=amount)
    calibration_end = last
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


#: Opportunity grids :func:`detect_period` tries, longest first (a year, a month, a week).
PERIODS = (365, 30, 7)
#: Fewest customers with two or more purchase days for :func:`detect_period` to name a grid.
PERIOD_EVIDENCE = 30
#: Largest share of a grid's customer-opportunities with two or more purchase days for the data
#: to count as "at most one purchase an opportunity".
PERIOD_SHARE = 0.01


def detect_period(tx: Transactions, calibration_end: int) -> tuple[int, float]:
    """The longest grid of :data:`PERIODS` on which the data have at most one purchase day an
    opportunity (fewer than :data:`PERIOD_SHARE` of the customer-opportunities with a purchase
    hold two or more), and that share; ``(1, 0.0)`` when none fits (purchases come as days) or
    fewer than :data:`PERIOD_EVIDENCE` customers bought on two days or more.

    CDNOW: 4.6 % of customer-weeks with a purchase hold two or more, so it is daily data;
    annual donations hold none.
    """
    inside = tx.day <= calibration_end
    if np.count_nonzero(np.bincount(tx.customer[inside]) >= 2) < PERIOD_EVIDENCE:
        return 1, 0.0                    # too few repeat customers to tell a grid from chance
    for period in PERIODS:
        opportunity = tx.day[inside] // period
        if opportunity.max(initial=0) < 2:
            continue
        key = tx.customer[inside].astype(np.int64) * (int(opportunity.max()) + 1) + opportunity
        counts = np.unique(key, return_counts=True)[1]
        share = float((counts >= 2).mean())
        if share < PERIOD_SHARE:
            return period, share
    return 1, 0.0


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
        with open(path, newline="", encoding="utf-8-sig") as handle, _collection_paused():
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
    if len(rows[0]) == 1:
        rows = _split_on_other_delimiter(path, rows)
    header = [h.strip() for h in rows[0]]
    if set(map(len, rows[1:])) - {len(header), 0}:        # 0: blank lines are skipped
        number, row = next((number, row) for number, row in enumerate(rows[1:], start=2)
                           if row and len(row) != len(header))
        raise DataError(f"{os.fspath(path)} line {number}: {len(row)} fields, expected {len(header)}")
    body = [row for row in rows[1:] if row]
    return {name: [r[i] for r in body] for i, name in enumerate(header)}


@contextlib.contextmanager
def _collection_paused():
    """The cyclic garbage collector off while a file's rows are built: millions of small lists
    (no cycles among them) would set it off again and again, for 70 % of the reading time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _split_on_other_delimiter(path, rows: list[list[str]]) -> list[list[str]]:
    """The rows split on the delimiter of ``DELIMITERS`` the header uses, when it has one field
    on commas; DataError naming what was tried when none gives the header several fields."""
    header = rows[0][0]
    for delimiter in DELIMITERS[1:]:
        if delimiter in header:
            with open(path, newline="", encoding="utf-8-sig") as handle, _collection_paused():
                return list(csv.reader(handle, delimiter=delimiter))
    if header.strip() in COLUMNS or header.strip() == "customer":
        return rows                      # a one-column file: the missing columns are named later
    raise DataError(f"{os.fspath(path)}: the header {header!r} is one field with every delimiter tried "
                    f"(comma, semicolon, tab, |); the data must be a CSV file with columns {', '.join(COLUMNS)}")


def _dates(values, timezone: str | None = None) -> np.ndarray:
    """Dates as datetime64[D], vectorised; on a bad one, the row and value in a DataError.

    Timestamps (``2024-03-01T23:30:00-05:00``, ``2024-03-01 23:30``) give their date as
    written; with ``timezone``, those with a UTC offset give their local date there.
    """
    text = np.char.strip(np.asarray(values).astype(str))
    try:
        compact = (np.char.str_len(text) == 8) & np.char.isdigit(text)
        timed = np.char.str_len(text) > 10
        dates = np.empty(text.size, dtype="datetime64[D]")
        dates[compact] = _compact_dates(text[compact])
        plain = ~compact & ~timed
        dates[plain] = text[plain].astype("datetime64[D]")
        if timed.any():
            dates[timed] = _timestamp_dates(text[timed], timezone)
        return dates
    except ValueError:
        for row, value in enumerate(values, start=1):
            _timestamp_dates(np.array([str(value).strip()]), timezone, f"row {row}: date")
        raise


def _timestamp_dates(text: np.ndarray, timezone: str | None, what: str = "date") -> np.ndarray:
    """The dates of ISO timestamps (date as written, or local in ``timezone`` when they carry an
    offset); DataError naming ``what`` for one that is not a date or timestamp."""
    zone = zoneinfo.ZoneInfo(timezone) if timezone else None
    dates = []
    for value in text.tolist():
        try:
            stamp = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            if len(value) == 8 and value.isdigit():
                dates.append(parse_date(value, what))
                continue
            raise DataError(f"{what} = {value!r}: not a date; use YYYY-MM-DD (or YYYYMMDD, or an ISO "
                            f"timestamp such as 2024-03-01T23:30:00+01:00)") from None
        if zone is not None and stamp.tzinfo is not None:
            stamp = stamp.astimezone(zone)
        dates.append(np.datetime64(stamp.date(), "D"))
    return np.array(dates, dtype="datetime64[D]")


def _compact_dates(text: np.ndarray) -> np.ndarray:
    """``YYYYMMDD`` strings as dates; ValueError if a month or day does not exist."""
    number = text.astype(np.int64)
    year, month, day = number // 10000, number // 100 % 100, number % 100
    first = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    length = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)
    if np.any((month < 1) | (month > 12) | (day < 1) | (day > length)):
        raise ValueError("not a date")
    return first.astype("datetime64[D]") + (day - 1)


#: Currency signs and codes an amount may carry, before or after the number.
_CURRENCY = re.compile(r"[$€£¥₹₩₽¢]|\b(?:USD|EUR|GBP|JPY|CNY|RMB|CHF|INR|CAD|AUD)\b", re.IGNORECASE)
#: Grouping characters besides the thousands separator: spaces, no-break spaces, apostrophes.
_GROUPING = re.compile(r"[\s\u00a0\u202f']")


def _amounts(values, decimal: str = "auto") -> np.ndarray:
    """Amounts as floats: currency signs and grouping dropped, ``(5)`` and ``-5`` negative
    (refunds), the decimal separator as ``decimal`` says or as the amounts show."""
    if decimal == "auto":
        try:
            return _finite(np.asarray(values, dtype=float), values)
        except (ValueError, TypeError):
            pass
    text = [_GROUPING.sub("", _CURRENCY.sub("", str(v))) for v in values]
    text = ["-" + t[1:-1] if t.startswith("(") and t.endswith(")") else t for t in text]
    comma = _decimal_comma(text) if decimal == "auto" else decimal == "comma"
    thousands, point = (".", ",") if comma else (",", ".")
    cleaned = [t.replace(thousands, "").replace(point, ".") for t in text]
    try:
        return _finite(np.asarray(cleaned, dtype=float), values)
    except ValueError:
        row = next(i for i, v in enumerate(cleaned, start=1) if not _is_number(v))
        raise DataError(f"row {row}: amount = {values[row - 1]!r}: not a number") from None


def _decimal_comma(text: list[str]) -> bool:
    """Whether the amounts write decimals with a comma: a comma followed by 1, 2 or 4+ digits
    at the end (``17,66``) or after the last point (``1.234,50``) says so, a point in those
    places says not; DataError when no amount tells (every separator is followed by 3 digits,
    as in ``1,234``) or amounts disagree."""
    comma = point = False
    for t in text:
        last = max(t.rfind(","), t.rfind("."))
        if last < 0:
            continue
        digits = len(t) - last - 1
        says_decimal = digits != 3 or t.count(t[last]) == 1 and ("," in t and "." in t)
        if says_decimal:
            comma, point = comma or t[last] == ",", point or t[last] == "."
    if comma and point:
        raise DataError("amount: some amounts write decimals with a comma, others with a point; "
                        "pass --decimal comma or --decimal point")
    if comma or point:
        return comma
    if any("," in t or "." in t for t in text):
        raise DataError("amount: every separator is followed by three digits (e.g. 1,234), which could be a "
                        "thousands separator or a decimal one; pass --decimal point or --decimal comma")
    return False


def _finite(amounts: np.ndarray, values) -> np.ndarray:
    bad = np.flatnonzero(~np.isfinite(amounts))
    if bad.size:
        raise DataError(f"row {bad[0] + 1}: amount = {values[bad[0]]!r}: must be a finite number")
    return amounts


def _is_number(value) -> bool:
    try:
        float(value)
        return True
    except (TypeError, ValueError):
        return False
